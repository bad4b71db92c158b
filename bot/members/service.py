"""A member's own settings: today, the timezone their typed times are read in."""

from __future__ import annotations

from typing import Literal

from bot.clock import Clock, to_unix
from bot.guilds.repository import GuildSettingsRepository
from bot.members.models import EffectiveTimezone
from bot.members.repository import MemberSettingsRepository
from bot.timezones import (
    ResolvedZone,
    ZoneChoice,
    describe_zone,
    resolve_timezone,
    suggest_timezones,
)

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

    async def set_timezone(self, user_id: int, typed: str) -> ResolvedZone | None:
        """Save the member's zone (or clear it with "reset"); returns what is now stored."""
        now = self._clock.now()
        reset = typed.strip().casefold() in RESET_WORDS
        resolved = None if reset else resolve_timezone(typed, at=now)
        zone = resolved.zone if resolved else None
        await self._members.set_timezone(user_id, zone, now=to_unix(now))
        return resolved

    def timezone_choices(self, typed: str) -> list[ZoneChoice]:
        """Autocomplete for a zone, labelled with each zone's offset now."""
        return suggest_timezones(typed, at=self._clock.now())

    async def effective_timezone(self, user_id: int, guild_id: int | None) -> EffectiveTimezone:
        """The member's own zone, else the server's default, else none (the bot must ask)."""
        own = (await self._members.get(user_id)).timezone
        if own:
            return self._effective(own, "member")
        if guild_id is not None:
            server = (await self._guilds.get(guild_id)).timezone
            if server:
                return self._effective(server, "server")
        return EffectiveTimezone(None, "unset", None)

    def _effective(self, zone: str, source: Literal["member", "server"]) -> EffectiveTimezone:
        return EffectiveTimezone(zone, source, describe_zone(zone, at=self._clock.now()))
