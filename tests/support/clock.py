"""The one fake clock of the tests: wall time and monotonic time that move only when told."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta

DEFAULT_START = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


class FakeClock:
    """A clock tests move by hand; its `sleep` passes the time at once and records the wait.

    It satisfies the bot's `Clock` (`now()`, `monotonic()`) and stands in for `asyncio.sleep`.
    """

    def __init__(self, start: datetime | None = None) -> None:
        self.current = start or DEFAULT_START
        self._monotonic = 1000.0
        self.sleeps: list[float] = []

    def now(self) -> datetime:
        return self.current

    def monotonic(self) -> float:
        return self._monotonic

    def advance(self, seconds: float) -> None:
        self.current += timedelta(seconds=seconds)
        self._monotonic += seconds

    async def sleep(self, seconds: float) -> None:
        """An asyncio.sleep stand-in: time passes at once, and the wait is recorded."""
        self.sleeps.append(seconds)
        self.advance(max(0.0, seconds))
        await asyncio.sleep(0)


class PacedClock(FakeClock):
    """The fake wall clock, moved by the tests; monotonic time is real, so the outbox's pacing
    (a sliding window on the monotonic clock, slept out with asyncio.sleep) lets sends go."""

    def monotonic(self) -> float:
        return time.monotonic()
