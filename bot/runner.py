"""The one async `main()` for `watchclub run`: open resources, run the bot, shut down cleanly."""

from __future__ import annotations

import asyncio
import logging
import signal

from bot.client import SyncMode, WatchClubBot, create_bot, point_discord_at
from bot.config import Settings
from bot.instance_lock import exclusive_instance
from bot.resources import open_resources

log = logging.getLogger(__name__)


async def run_bot(settings: Settings, *, sync_mode: SyncMode = SyncMode.AUTO) -> None:
    """Run until the gateway closes or SIGINT/SIGTERM arrives; resources close either way."""
    if settings.discord_token is None:
        raise ValueError("run_bot needs DISCORD_TOKEN")
    point_discord_at(settings)
    with exclusive_instance(settings.database):
        await _run_with_resources(settings, sync_mode, settings.discord_token.get_secret_value())
    log.info("Stopped cleanly")


async def _run_with_resources(settings: Settings, sync_mode: SyncMode, token: str) -> None:
    async with open_resources(settings) as resources:
        bot = create_bot(settings, resources, sync_mode=sync_mode)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, stop.set)
        try:
            await _run_until_stopped(bot, token, stop)
        finally:
            for signum in (signal.SIGINT, signal.SIGTERM):
                loop.remove_signal_handler(signum)


async def _run_until_stopped(bot: WatchClubBot, token: str, stop: asyncio.Event) -> None:
    async with bot:
        runner = asyncio.create_task(bot.start(token))
        stopper = asyncio.create_task(stop.wait())
        done, _ = await asyncio.wait({runner, stopper}, return_when=asyncio.FIRST_COMPLETED)
        if stopper in done:
            log.info("Shutting down")
        else:
            stopper.cancel()
        await bot.close()
        if runner.done():
            runner.result()  # surface a login failure or crash
        else:
            await runner


async def sync_once(settings: Settings) -> bool:
    """Log in over REST only, force a command sync, and leave; returns True if it synced."""
    if settings.discord_token is None:
        raise ValueError("sync_once needs DISCORD_TOKEN")
    point_discord_at(settings)
    async with open_resources(settings) as resources:
        bot = create_bot(settings, resources, sync_mode=SyncMode.FORCE, deliver=False)
        async with bot:
            await bot.login(settings.discord_token.get_secret_value())  # runs setup_hook
            return bot.last_sync_performed
