"""A server's settings as plain data."""

from __future__ import annotations

from dataclasses import dataclass

DEFAULT_REMINDER_LEAD_MINUTES: tuple[int, ...] = (60, 15)


@dataclass(frozen=True)
class GuildSettings:
    guild_id: int
    timezone: str | None = None
    announcement_channel_id: int | None = None
    reminder_lead_minutes: tuple[int, ...] = DEFAULT_REMINDER_LEAD_MINUTES
    watch_party_role_id: int | None = None
    updated_at: int | None = None
    updated_by: int | None = None
