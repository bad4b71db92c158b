"""The Bot class: wires resources, cogs, command sync and error handling into discord.py."""

from __future__ import annotations

import logging
from enum import Enum
from typing import Any, TypeAlias

import discord
import yarl
from discord.ext import commands

from bot.clock import Clock, to_unix
from bot.command_sync import CommandSyncState, command_set_hash
from bot.config import Settings
from bot.discord_transport import DiscordTransport
from bot.error_handler import WatchClubCommandTree
from bot.extensions import EXTENSIONS
from bot.resources import Resources
from bot.services import Services, build_services
from bot.storage.meta import MetaRepository

log = logging.getLogger(__name__)


class SyncMode(Enum):
    AUTO = "auto"  # sync when the command set differs from the last one synced
    FORCE = "force"
    NEVER = "never"


def minimal_intents() -> discord.Intents:
    """Only what the features use; no privileged intents (members, presences, message content)."""
    intents = discord.Intents.none()
    intents.guilds = True
    return intents


def point_discord_at(settings: Settings) -> None:
    """Send REST and gateway traffic elsewhere (the sandbox). discord.py has no public option."""
    if settings.discord_api_base_url is not None:
        discord.http.Route.BASE = str(settings.discord_api_base_url).rstrip("/")
    if settings.discord_gateway_url is not None:
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(settings.discord_gateway_url)


class WatchClubBot(commands.Bot):
    """The Bot receives its finished services (built by `create_bot`) and only wires them
    into discord.py: cogs, command sync, timers and delivery, shutdown."""

    def __init__(
        self,
        settings: Settings,
        services: Services,
        *,
        sync_state: CommandSyncState,
        clock: Clock,
        extensions: tuple[str, ...],
        sync_mode: SyncMode = SyncMode.AUTO,
        deliver: bool = True,
    ) -> None:
        # watchclub never joins voice; discord.py would otherwise warn at every start.
        discord.VoiceClient.warn_nacl = False
        discord.VoiceClient.warn_dave = False
        super().__init__(
            # Slash commands only: a mention prefix needs no message-content intent.
            command_prefix=commands.when_mentioned,
            help_command=None,
            intents=minimal_intents(),
            allowed_mentions=discord.AllowedMentions.none(),
            member_cache_flags=discord.MemberCacheFlags.none(),
            chunk_guilds_at_startup=False,
            tree_cls=WatchClubCommandTree,
        )
        self.settings = settings
        self.services = services
        self._sync_state = sync_state
        self._clock = clock
        self._extensions = extensions
        self._sync_mode = sync_mode
        self._deliver = deliver  # False for one-off jobs such as `watchclub sync`
        self.last_sync_performed: bool = False

    async def setup_hook(self) -> None:
        await self.services.start()
        for extension in self._extensions:
            await self.load_extension(extension)
        if self._sync_mode is not SyncMode.NEVER:
            await self.sync_commands(force=self._sync_mode is SyncMode.FORCE)
        # Last, so a handler that an extension registers exists before any timer fires.
        if self._deliver:
            await self.services.start_delivery()

    async def close(self) -> None:
        # Timers stop and the outbox drains while the HTTP session can still send.
        await self.services.stop()
        await super().close()

    async def sync_commands(self, *, force: bool) -> bool:
        """Sync to the dev guild (instant) or globally; skipped when nothing changed."""
        guild_id = self.settings.dev_guild_id
        guild = discord.Object(id=guild_id) if guild_id is not None else None
        if guild is not None:
            self.tree.copy_global_to(guild=guild)
        payload: list[dict[str, Any]] = [
            command.to_dict(self.tree) for command in self.tree.get_commands(guild=guild)
        ]
        fingerprint = command_set_hash(payload)
        if not force and not await self._sync_state.needs_sync(guild_id, fingerprint):
            log.info("Commands unchanged since the last sync; not syncing")
            self.last_sync_performed = False
            return False
        synced = await self.tree.sync(guild=guild)
        await self._sync_state.record_sync(guild_id, fingerprint, now=to_unix(self._clock.now()))
        target = f"guild {guild_id}" if guild_id is not None else "all servers (global)"
        log.info("Synced %d commands to %s", len(synced), target)
        self.last_sync_performed = True
        return True

    async def on_ready(self) -> None:
        user = self.user
        log.info("Connected as %s in %d servers", user, len(self.guilds))


def create_bot(
    settings: Settings,
    resources: Resources,
    *,
    extensions: tuple[str, ...] = EXTENSIONS,
    sync_mode: SyncMode = SyncMode.AUTO,
    deliver: bool = True,
) -> WatchClubBot:
    """Build the domain services from the opened resources, then the Bot around them."""
    transport = DiscordTransport()
    bot = WatchClubBot(
        settings,
        build_services(settings, resources, transport),
        sync_state=CommandSyncState(MetaRepository(resources.db)),
        clock=resources.clock,
        extensions=extensions,
        sync_mode=sync_mode,
        deliver=deliver,
    )
    transport.connect(bot)
    return bot


BotInteraction: TypeAlias = discord.Interaction[WatchClubBot]
"""What every command, button and autocomplete of watchclub receives."""
