"""The facts /about shows, as plain data."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class AboutFacts:
    version: str
    started_at: int
    uptime_seconds: float
    database_bytes: int
    guild_count: int
    tmdb_configured: bool
    # In a server: None when its scheduled events are mirrored, else why not (and since when).
    events_off_reason: str | None = None
    events_off_since: int | None = None
