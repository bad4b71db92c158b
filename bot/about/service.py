"""Gathers /about's facts from the running installation."""

from __future__ import annotations

from bot import __version__
from bot.about.models import AboutFacts
from bot.clock import Clock, to_unix
from bot.outbox.repository import OutboxRepository
from bot.storage.database import Database


class AboutService:
    def __init__(
        self, db: Database, outbox: OutboxRepository, clock: Clock, *, tmdb_configured: bool
    ) -> None:
        self._db = db
        self._outbox = outbox
        self._clock = clock
        self._tmdb_configured = tmdb_configured
        self.started_at = clock.now()

    async def facts(self, *, guild_count: int, guild_id: int | None) -> AboutFacts:
        mirror_off = None if guild_id is None else await self._outbox.events.mirror_status(guild_id)
        return AboutFacts(
            version=__version__,
            started_at=to_unix(self.started_at),
            uptime_seconds=(self._clock.now() - self.started_at).total_seconds(),
            database_bytes=await self._db.size_bytes(),
            guild_count=guild_count,
            tmdb_configured=self._tmdb_configured,
            events_off_reason=None if mirror_off is None else mirror_off.reason,
            events_off_since=None if mirror_off is None else mirror_off.since,
        )
