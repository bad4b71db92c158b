"""The injectable clock: every time-dependent module asks this, never `datetime.now()` directly."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, aware and in UTC."""
        ...

    def monotonic(self) -> float:
        """Seconds on a clock that never goes backwards, for measuring durations."""
        ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)

    def monotonic(self) -> float:
        return time.monotonic()


def to_unix(moment: datetime) -> int:
    if moment.tzinfo is None:
        raise ValueError("naive datetime: internal times must be aware UTC")
    return int(moment.timestamp())


def from_unix(seconds: int) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)


Wait = Callable[[asyncio.Event, float], Awaitable[None]]


async def wait_for_event(event: asyncio.Event, seconds: float) -> None:
    """Return when `event` is set or `seconds` pass, whichever is first.

    Long-running loops wait through this (injected), so tests can drive them on a fake clock.
    """
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(max(0.0, seconds)):
            await event.wait()
