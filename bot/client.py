"""The Bot class: wires resources, cogs, command sync and error handling into discord.py."""

from __future__ import annotations

import logging
from enum import Enum
from typing import TYPE_CHECKING, Any

import aiohttp
import discord
import yarl
from discord.ext import commands

from bot.clock import to_unix
from bot.command_sync import CommandSyncState, command_set_hash
from bot.config import Settings
from bot.error_handler import WatchClubCommandTree
from bot.extensions import EXTENSIONS
from bot.outbox.transport import (
    RateLimited,
    RecipientClosedDms,
    Rejected,
    RenderedMessage,
    TemporaryFailure,
)
from bot.resources import Resources
from bot.services import Services, build_services
from bot.storage.meta import MetaRepository

if TYPE_CHECKING:
    from datetime import datetime

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
    def __init__(
        self,
        settings: Settings,
        resources: Resources,
        *,
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
        self.resources = resources
        self.services: Services = build_services(settings, resources, DiscordTransport(self))
        self.started_at: datetime = resources.clock.now()
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
        state = CommandSyncState(MetaRepository(self.resources.db))
        if not force and not await state.needs_sync(guild_id, fingerprint):
            log.info("Commands unchanged since the last sync; not syncing")
            self.last_sync_performed = False
            return False
        synced = await self.tree.sync(guild=guild)
        await state.record_sync(guild_id, fingerprint, now=to_unix(self.resources.clock.now()))
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
    return WatchClubBot(
        settings, resources, extensions=extensions, sync_mode=sync_mode, deliver=deliver
    )


# -- the outbox's way to Discord ------------------------------------------------------------
# discord.py already keeps per-route buckets from the X-RateLimit headers and waits out a 429's
# Retry-After before retrying; what reaches the outbox is a 429 it gave up on.

CANNOT_DM = 50007
DEFAULT_RETRY_AFTER = 5.0


class DiscordTransport:
    def __init__(self, client: discord.Client) -> None:
        self._client = client

    async def send_to_channel(
        self, channel_id: int, message: RenderedMessage, *, nonce: str
    ) -> int:
        channel = self._client.get_partial_messageable(channel_id)
        return await _send(channel, message, nonce)

    async def send_to_member(self, member_id: int, message: RenderedMessage, *, nonce: str) -> int:
        try:
            channel = await self._client.create_dm(discord.Object(member_id))
        except discord.HTTPException as error:
            raise _translate(error) from error
        except (TimeoutError, aiohttp.ClientError, OSError) as error:
            raise TemporaryFailure(str(error) or type(error).__name__) from error
        return await _send(channel, message, nonce)


async def _send(channel: discord.abc.Messageable, message: RenderedMessage, nonce: str) -> int:
    mentions = discord.AllowedMentions(
        everyone=False,
        users=[discord.Object(i) for i in message.mention_user_ids] or False,
        roles=[discord.Object(i) for i in message.mention_role_ids] or False,
        replied_user=False,
    )
    try:
        # discord.py adds enforce_nonce, so a resend returns the first message, not a second.
        if message.embed is None:
            sent = await channel.send(message.content, nonce=nonce, allowed_mentions=mentions)
        else:
            sent = await channel.send(
                message.content or None,
                embed=discord.Embed.from_dict(message.embed),
                nonce=nonce,
                allowed_mentions=mentions,
            )
    except discord.RateLimited as error:
        raise RateLimited(error.retry_after, is_global=False) from error
    except discord.HTTPException as error:
        raise _translate(error) from error
    except (TimeoutError, aiohttp.ClientError, OSError) as error:
        raise TemporaryFailure(str(error) or type(error).__name__) from error
    return sent.id


def _translate(error: discord.HTTPException) -> Exception:
    if error.code == CANNOT_DM:
        return RecipientClosedDms(error.text)
    if error.status == 429:
        headers = error.response.headers
        return RateLimited(
            _seconds(headers.get("Retry-After")) or DEFAULT_RETRY_AFTER,
            is_global=headers.get("X-RateLimit-Global") == "true",
        )
    if 400 <= error.status < 500:
        return Rejected(f"{error.status} (code {error.code}): {error.text}")
    return TemporaryFailure(f"{error.status}: {error.text}")


def _seconds(header: str | None) -> float | None:
    try:
        return None if header is None else float(header)
    except ValueError:
        return None
