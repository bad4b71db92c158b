"""A member's own settings: today, the timezone their typed times are read in."""

from __future__ import annotations

from bot.clock import Clock, to_unix
from bot.guilds.repository import GuildSettingsRepository
from bot.members.models import EffectiveTimezone
from bot.members.repository import MemberSettingsRepository
from bot.timezones import resolve_timezone

RESET_WORDS = frozenset({"reset", "clear", "none", "off"})


class MemberSettingsService:
    def __init__(
        self,
        members: MemberSettingsRepository,
        guilds: GuildSettingsRepository,
        clock: Clock,
    ) -> None:
        self._members = members
        self._guilds = guilds
        self._clock = clock

    async def set_timezone(self, user_id: int, typed: str) -> str | None:
        """Save the member's zone (or clear it with "reset"); returns what is now stored."""
        zone = None if typed.strip().casefold() in RESET_WORDS else resolve_timezone(typed)
        await self._members.set_timezone(user_id, zone, now=to_unix(self._clock.now()))
        return zone

    async def effective_timezone(self, user_id: int, guild_id: int | None) -> EffectiveTimezone:
        """The member's own zone, else the server's default, else none (the bot must ask)."""
        own = (await self._members.get(user_id)).timezone
        if own:
            return EffectiveTimezone(own, "member")
        if guild_id is not None:
            server = (await self._guilds.get(guild_id)).timezone
            if server:
                return EffectiveTimezone(server, "server")
        return EffectiveTimezone(None, "unset")
