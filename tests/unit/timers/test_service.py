"""The timer service on a fake clock: order, early wake, keys, cancel, retries, recovery."""

from __future__ import annotations

import asyncio
import itertools
from datetime import datetime, timedelta

import pytest

from bot.clock import to_unix
from bot.outbox.message import OutgoingMessage, ToChannel
from bot.outbox.repository import OutboxRepository
from bot.storage.database import Database
from bot.timers.models import FiredTimer, PermanentTimerError, TimerOutcome
from bot.timers.repository import TimerRepository
from bot.timers.service import TimerService, TimerSettings
from tests.conftest import FakeClock


class SteppedWait:
    """Stands in for the dispatcher's sleep: records each wait and returns when the wake
    event is set or the test calls `release()` (after moving the fake clock)."""

    def __init__(self) -> None:
        self.waits: list[float] = []
        self._seen = 0
        self._changed = asyncio.Condition()
        self._released = asyncio.Event()

    async def __call__(self, event: asyncio.Event, seconds: float) -> None:
        async with self._changed:
            self.waits.append(seconds)
            self._changed.notify_all()
        woken = asyncio.ensure_future(event.wait())
        released = asyncio.ensure_future(self._released.wait())
        await asyncio.wait({woken, released}, return_when=asyncio.FIRST_COMPLETED)
        woken.cancel()
        released.cancel()
        self._released.clear()

    async def parked(self) -> float:
        """Until the dispatcher waits again; returns how long it means to wait."""
        async with self._changed:
            await asyncio.wait_for(
                self._changed.wait_for(lambda: len(self.waits) > self._seen), timeout=5
            )
            self._seen = len(self.waits)
            return self.waits[-1]

    async def release(self) -> float:
        self._released.set()
        return await self.parked()


class Recorder:
    def __init__(self) -> None:
        self.fired: list[FiredTimer] = []

    async def __call__(self, fired: FiredTimer) -> TimerOutcome | None:
        self.fired.append(fired)
        return None

    @property
    def keys(self) -> list[str]:
        return [f.key for f in self.fired]


@pytest.fixture
def wait() -> SteppedWait:
    return SteppedWait()


@pytest.fixture
def repo(db: Database) -> TimerRepository:
    return TimerRepository(db, OutboxRepository(db))


@pytest.fixture
def service(repo: TimerRepository, clock: FakeClock, wait: SteppedWait) -> TimerService:
    return TimerService(repo, clock, wait=wait, settings=TimerSettings(max_sleep=30.0))


def at(clock: FakeClock, seconds: float) -> datetime:
    return clock.now() + timedelta(seconds=seconds)


async def state_of(db: Database, key: str) -> str | None:
    row = await db.fetchone("SELECT state FROM timers WHERE key = ?", (key,))
    return None if row is None else str(row["state"])


async def test_timers_fire_in_due_order_once_their_time_comes(service, clock):
    record = Recorder()
    service.register("ping", record)
    for key, seconds in (("c", 30), ("a", 10), ("b", 20)):
        await service.schedule("ping", at(clock, seconds), {"n": key}, key=key)
    assert await service.fire_due() == 0
    clock.advance(60)
    assert await service.fire_due() == 3
    await service.settle()
    assert record.keys == ["a", "b", "c"]
    assert [f.payload for f in record.fired] == [{"n": "a"}, {"n": "b"}, {"n": "c"}]


async def test_done_only_after_the_handler_returns(service, clock, db):
    release = asyncio.Event()

    async def slow(fired: FiredTimer) -> None:
        await release.wait()

    service.register("slow", slow)
    await service.schedule("slow", clock.now(), {}, key="k")
    await service.fire_due()
    assert await state_of(db, "k") == "claimed"
    release.set()
    await service.settle()
    assert await state_of(db, "k") == "done"


async def test_the_dispatcher_sleeps_in_capped_steps_and_wakes_early(service, clock, wait):
    service.register("ping", Recorder())
    await service.schedule("ping", at(clock, 3600), {}, key="far")
    await service.start()
    try:
        assert await wait.parked() == 30.0  # capped: a suspend or clock step can't make it late
        await service.schedule("ping", at(clock, 5), {}, key="soon")
        assert await wait.parked() == pytest.approx(5.0)
    finally:
        await service.stop(grace=1)


async def test_a_wall_clock_jump_is_noticed_at_the_next_capped_wake(service, clock, wait):
    record = Recorder()
    service.register("ping", record)
    await service.schedule("ping", at(clock, 3600), {}, key="hourly")
    await service.start()
    try:
        await wait.parked()
        clock.advance(2 * 3600)  # the machine slept for two hours
        await wait.release()
        await service.settle()
        assert record.keys == ["hourly"]
        assert record.fired[0].late_by == timedelta(hours=1)
    finally:
        await service.stop(grace=1)


async def test_scheduling_a_key_again_moves_the_timer(service, clock, repo, db):
    record = Recorder()
    service.register("ping", record)
    await service.schedule("ping", at(clock, 10), {"v": 1}, key="party:1")
    await service.schedule("ping", at(clock, 100), {"v": 2}, key="party:1")
    assert (await repo.counts()).pending == 1
    clock.advance(50)
    await service.fire_due()
    await service.settle()
    assert record.fired == []
    clock.advance(60)
    await service.fire_due()
    await service.settle()
    assert [f.payload for f in record.fired] == [{"v": 2}]


async def test_a_run_finishing_after_its_timer_was_moved_does_not_mark_the_new_one_done(
    service, clock, db
):
    release = asyncio.Event()

    async def slow(fired: FiredTimer) -> TimerOutcome:
        await release.wait()
        return TimerOutcome(messages=(OutgoingMessage(ToChannel(1), "old reminder"),))

    service.register("slow", slow)
    await service.schedule("slow", clock.now(), {}, key="k")
    await service.fire_due()
    await service.schedule("slow", at(clock, 600), {}, key="k")  # moved while running
    release.set()
    await service.settle()
    assert await state_of(db, "k") == "pending"
    assert await db.fetchall("SELECT * FROM outbox") == []  # the stale run says nothing


async def test_cancel_stops_a_timer_from_firing(service, clock):
    record = Recorder()
    service.register("ping", record)
    await service.schedule("ping", at(clock, 10), {}, key="k")
    assert await service.cancel("k") is True
    assert await service.cancel("k") is False
    assert await service.cancel("never-existed") is False
    clock.advance(20)
    await service.fire_due()
    await service.settle()
    assert record.fired == []


async def test_failures_retry_with_growing_backoff_then_go_dead(service, clock, repo, db):
    attempts: list[int] = []

    async def broken(fired: FiredTimer) -> None:
        attempts.append(fired.attempt)
        raise RuntimeError("provider down")

    service.register("broken", broken)
    await service.schedule("broken", clock.now(), {}, key="k")
    waits: list[int] = []
    for _ in range(10):
        await service.fire_due()
        await service.settle()
        row = await db.fetchone("SELECT state, run_at FROM timers WHERE key = 'k'")
        assert row is not None
        if row["state"] == "dead":
            break
        waits.append(row["run_at"] - to_unix(clock.now()))
        clock.advance(row["run_at"] - to_unix(clock.now()))
    assert attempts == [1, 2, 3, 4, 5]
    assert all(later >= earlier for earlier, later in itertools.pairwise(waits))
    assert 5 <= waits[0] <= 10
    assert 40 <= waits[3] <= 80
    [dead] = await repo.dead(limit=10)
    assert dead.key == "k"
    assert dead.attempts == 5
    assert dead.last_error == "failed 5 times; last: RuntimeError: provider down"
    assert (await repo.counts()).dead == 1


async def test_retry_dead_gives_a_dead_timer_another_go(service, clock, repo):
    outcomes = iter([PermanentTimerError("channel gone"), None])

    async def flaky(fired: FiredTimer) -> None:
        error = next(outcomes)
        if error is not None:
            raise error

    service.register("flaky", flaky)
    await service.schedule("flaky", clock.now(), {}, key="k")
    await service.fire_due()
    await service.settle()
    [dead] = await repo.dead(limit=10)
    assert dead.last_error == "channel gone"
    assert dead.attempts == 1
    assert await repo.retry_dead(now=to_unix(clock.now())) == 1
    await service.fire_due()
    await service.settle()
    counts = await repo.counts()
    assert (counts.done, counts.dead) == (1, 0)


async def test_a_timer_of_an_unknown_kind_goes_dead_with_the_reason(service, clock, repo):
    await service.schedule("retired.feature", clock.now(), {}, key="k")
    await service.fire_due()
    await service.settle()
    [dead] = await repo.dead(limit=10)
    assert dead.last_error == "no handler is registered for kind 'retired.feature'"


async def test_claimed_rows_left_by_a_crash_run_at_the_next_start(repo, clock, wait, db):
    first = TimerService(repo, clock, wait=wait)
    first.register("ping", Recorder())
    await first.schedule("ping", clock.now(), {}, key="k")
    await repo.claim_due(now=to_unix(clock.now()), limit=10)  # claimed, then the process died
    assert await state_of(db, "k") == "claimed"

    clock.advance(3 * 3600)
    record = Recorder()
    second = TimerService(repo, clock, wait=wait)
    second.register("ping", record)
    await second.start()
    try:
        await wait.parked()
        await second.settle()
    finally:
        await second.stop(grace=1)
    assert record.keys == ["k"]
    assert record.fired[0].late_by == timedelta(hours=3)
    assert record.fired[0].attempt == 2  # the crashed run counts: a crash loop ends dead
    assert await state_of(db, "k") == "done"


async def test_overdue_timers_fire_at_start_with_how_late_they_are(service, clock, wait):
    record = Recorder()
    service.register("ping", record)
    await service.schedule("ping", at(clock, -7200), {}, key="missed")
    await service.schedule("ping", at(clock, -5), {}, key="just-missed")
    await service.start()
    try:
        await wait.parked()
        await service.settle()
    finally:
        await service.stop(grace=1)
    assert {f.key: f.late_by for f in record.fired} == {
        "missed": timedelta(hours=2),
        "just-missed": timedelta(seconds=5),
    }


async def test_messages_are_queued_with_the_done_mark_and_only_once(service, clock, db, repo):
    async def remind(fired: FiredTimer) -> TimerOutcome:
        return TimerOutcome(
            messages=(
                OutgoingMessage(ToChannel(10), "Episode 5 starts soon", mergeable=True),
                OutgoingMessage(ToChannel(10), "Bring snacks"),
            )
        )

    service.register("remind", remind)
    await service.schedule("remind", clock.now(), {}, key="k")
    [claimed] = await repo.claim_due(now=to_unix(clock.now()), limit=10)
    await repo.recover_claimed()  # as if the first run crashed before recording
    await service.fire_due()
    await service.settle()
    rows = await db.fetchall("SELECT content, merge_key FROM outbox ORDER BY id")
    minute = to_unix(clock.now()) // 60
    assert [(r["content"], r["merge_key"]) for r in rows] == [
        ("Episode 5 starts soon", f"10:{minute}"),
        ("Bring snacks", None),
    ]
    assert claimed.key == "k"


async def test_a_repeating_timer_reschedules_itself_in_the_same_write(service, clock, db):
    async def hourly(fired: FiredTimer) -> TimerOutcome:
        return TimerOutcome(repeat_at=fired.due_at + timedelta(hours=1))

    service.register("hourly", hourly)
    start = clock.now()
    await service.schedule("hourly", start, {}, key="k")
    await service.fire_due()
    await service.settle()
    row = await db.fetchone("SELECT state, due_at, attempts FROM timers WHERE key = 'k'")
    assert row is not None
    assert (row["state"], row["due_at"], row["attempts"]) == (
        "pending",
        to_unix(start) + 3600,
        0,
    )


async def test_ensure_does_not_push_back_a_pending_timer(service, clock, db):
    await service.ensure("maintenance", at(clock, 60), {}, key="m")
    await service.ensure("maintenance", at(clock, 6 * 3600), {}, key="m")  # a restart
    row = await db.fetchone("SELECT due_at FROM timers WHERE key = 'm'")
    assert row is not None
    assert row["due_at"] == to_unix(at(clock, 60))


async def test_stop_leaves_an_unfinished_run_claimed_for_the_next_start(service, clock, db):
    async def stuck(fired: FiredTimer) -> None:
        await asyncio.Event().wait()

    service.register("stuck", stuck)
    await service.schedule("stuck", clock.now(), {}, key="k")
    await service.start()
    for _ in range(100):
        if await state_of(db, "k") == "claimed":
            break
        await asyncio.sleep(0.01)
    await service.stop(grace=0.05)
    assert await state_of(db, "k") == "claimed"


async def test_an_unserialisable_payload_is_refused_before_anything_is_written(service, clock, db):
    with pytest.raises(TypeError):
        await service.schedule("ping", clock.now(), {"when": clock.now()}, key="k")
    assert await db.fetchone("SELECT * FROM timers") is None


async def test_concurrent_handlers_are_bounded(repo, clock, wait):
    running = 0
    peak = 0

    async def busy(fired: FiredTimer) -> None:
        nonlocal running, peak
        running += 1
        peak = max(peak, running)
        await asyncio.sleep(0.001)
        running -= 1

    service = TimerService(repo, clock, wait=wait, settings=TimerSettings(max_running=4))
    service.register("busy", busy)
    for n in range(40):
        await service.schedule("busy", clock.now(), {}, key=f"k{n}")
    assert await service.fire_due() == 40
    await service.settle()
    assert peak == 4
    assert (await repo.counts()).done == 40


async def test_a_quiet_run_finishing_after_its_timer_was_moved_leaves_it_pending(
    service, clock, db
):
    release = asyncio.Event()

    async def slow(fired: FiredTimer) -> None:
        await release.wait()

    service.register("slow", slow)
    await service.schedule("slow", clock.now(), {}, key="k")
    await service.fire_due()
    await service.schedule("slow", at(clock, 600), {}, key="k")
    release.set()
    await service.settle()
    assert await state_of(db, "k") == "pending"
