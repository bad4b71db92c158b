"""Changing a server's settings: validate, write in one transaction, return what is now in force."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from bot.clock import Clock, to_unix
from bot.durations import parse_lead_times
from bot.guilds.models import GuildSettings
from bot.guilds.repository import GuildSettingsRepository
from bot.timezones import (
    ResolvedZone,
    ZoneChoice,
    describe_zone,
    resolve_timezone,
    suggest_timezones,
)


class GuildSettingsService:
    def __init__(self, repository: GuildSettingsRepository, clock: Clock) -> None:
        self._repository = repository
        self._clock = clock

    async def get(self, guild_id: int) -> GuildSettings:
        return await self._repository.get(guild_id)

    async def set_timezone(self, guild_id: int, typed: str, *, by: int) -> ResolvedZone:
        """Save the server's default zone; returns the zone saved and how it reads."""
        resolved = resolve_timezone(typed, at=self._clock.now())
        await self._modify(guild_id, by, lambda s: replace(s, timezone=resolved.zone))
        return resolved

    def timezone_choices(self, typed: str) -> list[ZoneChoice]:
        """Autocomplete for a zone, labelled with each zone's offset now."""
        return suggest_timezones(typed, at=self._clock.now())

    def describe_timezone(self, zone: str) -> str:
        """A stored zone with its offset now, as replies show it."""
        return describe_zone(zone, at=self._clock.now())

    async def set_reminder_lead_times(self, guild_id: int, typed: str, *, by: int) -> GuildSettings:
        lead = parse_lead_times(typed)
        return await self._modify(guild_id, by, lambda s: replace(s, reminder_lead_minutes=lead))

    async def set_announcement_channel(
        self, guild_id: int, channel_id: int | None, *, by: int
    ) -> GuildSettings:
        return await self._modify(
            guild_id, by, lambda s: replace(s, announcement_channel_id=channel_id)
        )

    async def set_watch_party_role(
        self, guild_id: int, role_id: int | None, *, by: int
    ) -> GuildSettings:
        return await self._modify(guild_id, by, lambda s: replace(s, watch_party_role_id=role_id))

    async def _modify(
        self, guild_id: int, by: int, change: Callable[[GuildSettings], GuildSettings]
    ) -> GuildSettings:
        now = to_unix(self._clock.now())
        return await self._repository.modify(guild_id, change, now=now, by=by)
