"""The built-in timer kinds: scheduled messages (with lateness notes) and maintenance."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.clock import to_unix
from bot.maintenance import EVERY, Maintenance
from bot.outbox.message import OutgoingMessage, ToChannel, ToMember, message_to_payload
from bot.outbox.queueing import QueuedDelivery
from bot.outbox.repository import OutboxRepository
from bot.scheduled_messages import KIND, scheduled_message, send_scheduled_message
from bot.storage.database import Database
from bot.timers.models import FiredTimer, NewTimer, PermanentTimerError
from bot.timers.repository import TimerRepository
from tests.support.clock import FakeClock

DUE = datetime(2026, 11, 23, 20, 0, tzinfo=UTC)


def fired(payload: dict[str, object], late_by: timedelta = timedelta(0)) -> FiredTimer:
    return FiredTimer(
        id=1, key="k", kind=KIND, due_at=DUE, payload=payload, attempt=1, late_by=late_by
    )


async def test_a_scheduled_message_comes_back_exactly_as_it_was_scheduled():
    message = OutgoingMessage(
        ToMember(7, fallback_channel_id=10), "<@7> episode 3 is out", (7,), mergeable=False
    )
    timer = scheduled_message(message, due_at=DUE, key="k")
    assert (timer.kind, timer.due_at) == (KIND, to_unix(DUE))
    outcome = await send_scheduled_message(fired(timer.payload))
    assert outcome.messages == (message,)


async def test_a_message_more_than_30_seconds_late_says_by_how_much():
    payload = {"message": message_to_payload(OutgoingMessage(ToChannel(10), "Party time"))}
    on_time = await send_scheduled_message(fired(payload, timedelta(seconds=29)))
    assert on_time.messages[0].content == "Party time"
    late = await send_scheduled_message(fired(payload, timedelta(hours=2, minutes=5)))
    assert late.messages[0].content == (
        "Party time\n-# Late by 2h 5m: the bot was offline when this was due."
    )


async def test_an_unreadable_scheduled_message_is_dead_not_retried():
    with pytest.raises(PermanentTimerError, match="unreadable scheduled message"):
        await send_scheduled_message(fired({"message": {"content": "no destination"}}))


class CountingTitles:
    def __init__(self) -> None:
        self.purges = 0

    async def purge(self) -> int:
        self.purges += 1
        return 0


async def test_maintenance_purges_and_sweeps_then_comes_back_in_six_hours(
    db: Database, clock: FakeClock
):
    timers = TimerRepository(db, OutboxRepository(db))
    outbox = OutboxRepository(db)
    now = to_unix(clock.now())
    old, recent = now - 8 * 86400, now - 3600
    await timers.schedule_many(
        [NewTimer("old", "x", old), NewTimer("recent", "x", recent), NewTimer("dead", "x", old)],
        now=old,
    )
    async with db.transaction() as tx:
        await tx.execute("UPDATE timers SET state = 'done', finished_at = due_at")
        await tx.execute("UPDATE timers SET state = 'dead' WHERE key = 'dead'")
    await outbox.enqueue(
        [QueuedDelivery("sent-long-ago", OutgoingMessage(ToChannel(1), "hi"))], now=old
    )
    async with db.transaction() as tx:
        await tx.execute("UPDATE outbox SET state = 'sent', finished_at = ?", (old,))

    titles = CountingTitles()
    maintenance = Maintenance(titles, timers, outbox, clock)  # type: ignore[arg-type]
    outcome = await maintenance.run(fired({}))
    assert titles.purges == 1
    keys = [r["key"] for r in await db.fetchall("SELECT key FROM timers ORDER BY key")]
    assert keys == ["dead", "recent"]  # dead timers stay 90 days for `watchclub timers`
    assert await db.fetchall("SELECT * FROM outbox") == []
    assert outcome.repeat_at == clock.now() + EVERY
