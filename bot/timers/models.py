"""What handlers receive and return, and the rows the repository hands back."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from bot.outbox.message import Delivery


@dataclass(frozen=True)
class FiredTimer:
    """A timer whose time has come. `late_by` is how long after `due_at` it is running: a
    handler decides whether hours-late work still makes sense, and how to say it is late."""

    id: int
    key: str
    kind: str
    due_at: datetime
    payload: dict[str, Any]
    attempt: int
    late_by: timedelta


@dataclass(frozen=True)
class TimerOutcome:
    """What a handler leaves behind. Its deliveries (messages, edits, events) are queued in the
    same transaction that marks the timer done, so they are queued exactly once; `repeat_at`
    schedules the next run."""

    messages: tuple[Delivery, ...] = ()
    repeat_at: datetime | None = None


TimerHandler = Callable[[FiredTimer], Awaitable[TimerOutcome | None]]


class PermanentTimerError(Exception):
    """Raised by a handler when retrying cannot help (the thing it was for is gone): the timer
    goes straight to the dead-letter state with this message."""


@dataclass(frozen=True)
class NewTimer:
    key: str
    kind: str
    due_at: int
    payload: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ClaimedTimer:
    id: int
    key: str
    kind: str
    due_at: int
    payload: str
    attempts: int
    revision: int


@dataclass(frozen=True)
class TimerCounts:
    pending: int
    claimed: int
    done: int
    dead: int
    next_due_at: int | None


@dataclass(frozen=True)
class DeadTimer:
    id: int
    key: str
    kind: str
    due_at: int
    attempts: int
    last_error: str | None
    finished_at: int | None
