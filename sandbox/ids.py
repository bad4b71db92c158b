"""Discord-style snowflakes: time-based, strictly increasing, rendered as strings."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime

DISCORD_EPOCH_MS = 1_420_070_400_000
_WORKER_ID = 1
_PROCESS_ID = 0
_INCREMENT_BITS = 12


class Snowflakes:
    """Hands out ids the way Discord does, so ordering and `snowflake_time` behave for real."""

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self._clock = clock
        self._last_ms = 0
        self._increment = 0

    def next_int(self) -> int:
        now_ms = int(self._clock() * 1000)
        # A clock that stands still or runs backwards (frozen in tests) must not produce duplicates.
        if now_ms <= self._last_ms:
            now_ms = self._last_ms
            self._increment += 1
            if self._increment >= 1 << _INCREMENT_BITS:
                now_ms += 1
                self._increment = 0
        else:
            self._increment = 0
        self._last_ms = now_ms
        return (
            ((now_ms - DISCORD_EPOCH_MS) << 22)
            | (_WORKER_ID << 17)
            | (_PROCESS_ID << _INCREMENT_BITS)
            | self._increment
        )

    def next(self) -> str:
        return str(self.next_int())


def snowflake_time(snowflake: str | int) -> datetime:
    ms = (int(snowflake) >> 22) + DISCORD_EPOCH_MS
    return datetime.fromtimestamp(ms / 1000, UTC)


def iso_timestamp(moment: datetime) -> str:
    """Discord's timestamp format: ISO 8601 with microseconds and an explicit +00:00 offset."""
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def iso_from_snowflake(snowflake: str | int) -> str:
    return iso_timestamp(snowflake_time(snowflake))
