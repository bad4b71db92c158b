"""Sliding-window pacing ("at most N requests in any T seconds"), shared by every client that
talks to someone else's API: the metadata providers and the Discord outbox."""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from bot.clock import Clock

Sleep = Callable[[float], Awaitable[None]]


@dataclass(frozen=True)
class Window:
    requests: int
    seconds: float


class RateLimiter:
    def __init__(self, windows: tuple[Window, ...], clock: Clock, sleep: Sleep) -> None:
        self._windows = windows
        self._clock = clock
        self._sleep = sleep
        self._starts: deque[float] = deque()
        self._longest = max((w.seconds for w in windows), default=0.0)
        self._paused_until = 0.0
        self._lock = asyncio.Lock()

    def pause_for(self, seconds: float) -> None:
        """Hold every request back (a 429 with Retry-After applies to all of us)."""
        self._paused_until = max(self._paused_until, self._clock.monotonic() + seconds)

    def paused_for(self) -> float:
        return max(0.0, self._paused_until - self._clock.monotonic())

    async def acquire(self, *, give_up_after: float | None = None) -> float | None:
        """Wait for a free slot and return when it started (to `refund` it). None, without a
        slot, if a pause longer than `give_up_after` is (or comes) in force: that caller
        should not sit through it."""
        async with self._lock:
            while True:
                if give_up_after is not None and self.paused_for() > give_up_after:
                    return None
                now = self._clock.monotonic()
                wait = self._wait_needed(now)
                if wait <= 0:
                    self._starts.append(now)
                    return now
                await self._sleep(wait)

    def refund(self, slot: float) -> None:
        """Give back a slot whose request never reached the other side (no connection was
        made): it counts against nobody's limit, and a retry must not wait for it."""
        with contextlib.suppress(ValueError):
            self._starts.remove(slot)

    def _wait_needed(self, now: float) -> float:
        while self._starts and self._starts[0] <= now - self._longest:
            self._starts.popleft()
        wait = self._paused_until - now
        for window in self._windows:
            recent = [start for start in self._starts if start > now - window.seconds]
            if len(recent) >= window.requests:
                oldest_that_counts = recent[-window.requests]
                wait = max(wait, oldest_that_counts + window.seconds - now)
        return wait
