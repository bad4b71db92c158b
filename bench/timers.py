"""Timers: a million pending in SQLite, against APScheduler 3.x with its SQLAlchemy job store.

Ours: `pending` far-future timers (due an hour to 30 days ahead) are bulk-loaded with
`TimerRepository.schedule_many` in chunks, one transaction each; one-at-a-time scheduling is
measured on a sample through `TimerService.schedule` (a transaction and an fsync each, as a user
action pays). The lookup is `next_run_at()`, the dispatcher's query. Firing: `rate * seconds`
timers are stored before the service starts, `rate` of them due at each whole second (due times
are whole Unix seconds, so they land together), and a real `TimerService` on the system clock
runs them; lateness is `time.time() - due_at` at handler entry. Memory is the process's RSS
growth while the dispatcher fires, once with `pending // 100` timers waiting and once with all
of them. The peer (`bench.timers_peer`) runs the same workload through APScheduler.

Each of the three runs (ours small, ours full, the peer) is its own fresh process, one after the
other, so RSS figures do not carry over from one to the next and the order does not matter.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import multiprocessing
import os
import platform
import random
import sqlite3
import statistics
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from bench.stats import percentile
from bot.clock import SystemClock
from bot.outbox.repository import OutboxRepository
from bot.storage import migrations
from bot.storage.database import Database, run_statement
from bot.timers.models import FiredTimer, NewTimer
from bot.timers.repository import TimerRepository
from bot.timers.service import TimerService

if TYPE_CHECKING:
    from bench.timers_peer import PeerFigures

PENDING = 1_000_000
RATE = 1_000
SECONDS = 10.0
BULK_CHUNK = 50_000
SINGLE_SAMPLE = 500
LOOKUP_SAMPLES = 2_000
FAR_MIN_SECONDS = 3_600  # far-future timers are due between an hour and 30 days from now
FAR_MAX_SECONDS = 30 * 86_400
FIRE_LEAD_SECONDS = 2.0  # the first due timers are at least this far ahead when stored
FIRE_GRACE_SECONDS = 30.0  # how long past the firing window to wait for stragglers
RSS_SAMPLE_SECONDS = 0.05
FLAT_TOLERANCE_MIB = 5.0  # "flat": growth at full pending within this of growth at small
LOOKUP_TARGET_MS = 1.0
LATENESS_TARGET_MS = 200.0
INDEX = "timers_pending_by_run_at"
NEXT_RUN_SQL = "SELECT run_at FROM timers WHERE state = 'pending' ORDER BY run_at LIMIT 1"
SEED = 20261124

_T = TypeVar("_T")


@dataclass(frozen=True)
class OurFigures:
    pending: int
    bulk_load_seconds: float
    db_bytes_with_wal: int
    db_bytes_checkpointed: int
    single_insert_per_second: float | None
    lookup_p50_ms: float
    lookup_p99_ms: float
    lookup_sql_p50_ms: float
    lookup_sql_p99_ms: float
    lookup_plan: str
    expected: int
    fired: int
    duplicates: int
    recorded_done: int
    stored_ahead_seconds: float
    lateness_p50_ms: float
    lateness_p99_ms: float
    lateness_max_ms: float
    late_by_max_ms: float  # the service's own whole-second `late_by`, for comparison
    rss_start_mib: float
    rss_before_firing_mib: float
    rss_peak_firing_mib: float
    rss_after_firing_mib: float
    seconds: float


def _rss_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


async def _bulk_load(repo: TimerRepository, pending: int, rng: random.Random) -> float:
    """Build and store `pending` far-future timers; returns the seconds taken."""
    started = time.perf_counter()
    for first in range(0, pending, BULK_CHUNK):
        now = int(time.time())
        chunk = [
            NewTimer(
                f"far:{index}",
                "bench.far",
                now + rng.randint(FAR_MIN_SECONDS, FAR_MAX_SECONDS),
                {"n": index},
            )
            for index in range(first, min(pending, first + BULK_CHUNK))
        ]
        await repo.schedule_many(chunk, now=now)
    return time.perf_counter() - started


async def _single_inserts(db: Database, service: TimerService, rng: random.Random) -> float:
    """`TimerService.schedule`, one at a time, into the loaded table; then the sample is removed
    again so the table holds exactly `pending` timers."""
    whens = [
        datetime.fromtimestamp(time.time() + rng.randint(FAR_MIN_SECONDS, FAR_MAX_SECONDS), UTC)
        for _ in range(SINGLE_SAMPLE)
    ]
    started = time.perf_counter()
    for index, when in enumerate(whens):
        await service.schedule("bench.far", when, {"n": index}, key=f"single:{index}")
    per_second = SINGLE_SAMPLE / (time.perf_counter() - started)
    async with db.transaction() as tx:
        await tx.execute("DELETE FROM timers WHERE key LIKE 'single:%'")
    return per_second


@dataclass(frozen=True)
class _Lookups:
    p50_ms: float
    p99_ms: float
    sql_p50_ms: float
    sql_p99_ms: float
    plan: str


async def _lookups(db: Database, repo: TimerRepository) -> _Lookups:
    """`next_run_at()` as the dispatcher calls it (through aiosqlite's thread), and the same SQL
    on a plain sqlite3 connection in this thread, to tell the query from the hop."""
    samples = []
    for _ in range(LOOKUP_SAMPLES):
        began = time.perf_counter()
        await repo.next_run_at()
        samples.append((time.perf_counter() - began) * 1000)
    plan = await db.fetchall(f"EXPLAIN QUERY PLAN {NEXT_RUN_SQL}")
    sql = []
    with contextlib.closing(sqlite3.connect(db.path)) as connection:
        for _ in range(LOOKUP_SAMPLES):
            began = time.perf_counter()
            connection.execute(NEXT_RUN_SQL).fetchone()
            sql.append((time.perf_counter() - began) * 1000)
    return _Lookups(
        p50_ms=statistics.median(samples),
        p99_ms=percentile(samples, 0.99),
        sql_p50_ms=statistics.median(sql),
        sql_p99_ms=percentile(sql, 0.99),
        plan="; ".join(row[3] for row in plan),
    )


async def _sample_rss(peak: list[float]) -> None:
    while True:
        peak[0] = max(peak[0], _rss_mib())
        await asyncio.sleep(RSS_SAMPLE_SECONDS)


async def _ours(
    folder: Path, pending: int, rate: int, seconds: float, *, inserts: bool
) -> OurFigures:
    started = time.perf_counter()
    rss_start = _rss_mib()
    rng = random.Random(SEED)
    db = await Database.open(folder / f"watchclub-{pending}.sqlite3")
    try:
        await migrations.upgrade(db)
        repo = TimerRepository(db, OutboxRepository(db))
        bulk_seconds = await _bulk_load(repo, pending, rng)
        with_wal = await db.size_bytes()
        async with db.exclusive_writer() as writer:
            await run_statement(writer, "PRAGMA wal_checkpoint(TRUNCATE)")
        checkpointed = await db.size_bytes()

        service = TimerService(repo, SystemClock())
        single = await _single_inserts(db, service, rng) if inserts else None
        lookups = await _lookups(db, repo)

        expected = round(rate * seconds)
        lateness: list[float] = []
        late_by: list[float] = []
        keys: Counter[str] = Counter()
        all_fired = asyncio.Event()

        async def fire(fired: FiredTimer) -> None:
            lateness.append(time.time() - fired.due_at.timestamp())
            late_by.append(fired.late_by.total_seconds())
            keys[fired.key] += 1
            if len(lateness) >= expected:
                all_fired.set()

        service.register("bench.fire", fire)
        first_due = math.ceil(time.time() + FIRE_LEAD_SECONDS)
        await service.schedule_many(
            [
                NewTimer(f"fire:{index}", "bench.fire", first_due + index // rate, {"n": index})
                for index in range(expected)
            ]
        )
        stored_ahead = first_due - time.time()

        rss_before = _rss_mib()
        peak = [rss_before]
        sampler = asyncio.create_task(_sample_rss(peak))
        await service.start()
        try:
            timeout = first_due + seconds + FIRE_GRACE_SECONDS - time.time()
            async with asyncio.timeout(timeout):
                await all_fired.wait()
        except TimeoutError:
            pass  # reported as fired < expected
        finally:
            rss_after = _rss_mib()
            sampler.cancel()
            await asyncio.gather(sampler, return_exceptions=True)
            await service.stop(grace=5)
    finally:
        await db.close()
    # Counted on a connection of its own: stop() cancels the dispatcher, which may be inside a
    # read on the reader connection, and the next read there can see a snapshot from before the
    # last results were recorded.
    with contextlib.closing(sqlite3.connect(db.path)) as connection:
        (recorded,) = connection.execute(
            "SELECT count(*) FROM timers WHERE kind = 'bench.fire' AND state = 'done'"
        ).fetchone()
    lateness_ms = [value * 1000 for value in lateness] or [float("nan")]
    return OurFigures(
        pending=pending,
        bulk_load_seconds=bulk_seconds,
        db_bytes_with_wal=with_wal,
        db_bytes_checkpointed=checkpointed,
        single_insert_per_second=single,
        lookup_p50_ms=lookups.p50_ms,
        lookup_p99_ms=lookups.p99_ms,
        lookup_sql_p50_ms=lookups.sql_p50_ms,
        lookup_sql_p99_ms=lookups.sql_p99_ms,
        lookup_plan=lookups.plan,
        expected=expected,
        fired=len(lateness),
        duplicates=sum(count - 1 for count in keys.values()),
        recorded_done=recorded,
        stored_ahead_seconds=stored_ahead,
        lateness_p50_ms=statistics.median(lateness_ms),
        lateness_p99_ms=percentile(lateness_ms, 0.99),
        lateness_max_ms=max(lateness_ms),
        late_by_max_ms=max(late_by, default=float("nan")) * 1000,
        rss_start_mib=rss_start,
        rss_before_firing_mib=rss_before,
        rss_peak_firing_mib=max(peak[0], rss_after),
        rss_after_firing_mib=rss_after,
        seconds=time.perf_counter() - started,
    )


def _ours_in_process(
    folder: str, pending: int, rate: int, seconds: float, inserts: bool
) -> OurFigures:
    return asyncio.run(_ours(Path(folder), pending, rate, seconds, inserts=inserts))


def _peer_in_process(folder: str, pending: int, rate: int, seconds: float) -> PeerFigures:
    from bench import timers_peer

    return asyncio.run(
        timers_peer.run_peer(Path(folder), pending=pending, rate=rate, fire_seconds=seconds)
    )


def _peer_missing() -> str | None:
    """Why the peer cannot run here, or None if it can."""
    try:
        from bench import timers_peer  # noqa: F401
    except ImportError as error:
        return str(error)
    return None


async def _fresh_process(function: Callable[..., _T], *args: object) -> _T:
    """Run `function(*args)` in a new interpreter, so its RSS starts from the imports alone."""
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=1, mp_context=context, max_tasks_per_child=1) as pool:
        return await asyncio.get_running_loop().run_in_executor(pool, function, *args)


def _version(distribution: str) -> str:
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return "not installed"


def _ratio(numerator: float, denominator: float) -> float:
    return round(numerator / denominator, 2) if denominator else float("nan")


def _ms(value: float) -> float:
    return round(value, 3)


def _mib(value: float) -> float:
    return round(value, 1)


async def run(
    *, rounds: int, pending: int = PENDING, rate: int = RATE, seconds: float = SECONDS
) -> dict[str, object]:
    """`rounds` is not used: one run of each side is already minutes long."""
    del rounds
    started = time.perf_counter()
    small = max(1, pending // 100)
    peer_missing = _peer_missing()
    figures: dict[str, object] = {
        "cpu_count": os.cpu_count(),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "aiosqlite": _version("aiosqlite"),
        "apscheduler": _version("APScheduler"),
        "sqlalchemy": _version("SQLAlchemy"),
        "pending": pending,
        "small_pending": small,
        "due_per_second": rate,
        "fire_seconds": seconds,
    }
    with tempfile.TemporaryDirectory() as folder:
        lite: OurFigures = await _fresh_process(
            _ours_in_process, folder, small, rate, seconds, False
        )
        ours: OurFigures = await _fresh_process(
            _ours_in_process, folder, pending, rate, seconds, True
        )
        peer = (
            None
            if peer_missing
            else await _fresh_process(_peer_in_process, folder, pending, rate, seconds)
        )

    assert ours.single_insert_per_second is not None  # measured in the full run
    bulk_per_second = pending / ours.bulk_load_seconds
    growth_small = lite.rss_peak_firing_mib - lite.rss_before_firing_mib
    growth_full = ours.rss_peak_firing_mib - ours.rss_before_firing_mib
    growth_whole = ours.rss_after_firing_mib - ours.rss_start_mib
    figures |= {
        "ours_bulk_load_seconds": round(ours.bulk_load_seconds, 2),
        "ours_bulk_insert_per_second": round(bulk_per_second),
        "ours_single_insert_per_second": round(ours.single_insert_per_second),
        "ours_db_bytes_with_wal": ours.db_bytes_with_wal,
        "ours_db_bytes_checkpointed": ours.db_bytes_checkpointed,
        "ours_db_bytes_per_timer": round(ours.db_bytes_checkpointed / max(1, pending), 1),
        "ours_lookup_p50_ms": _ms(ours.lookup_p50_ms),
        "ours_lookup_p99_ms": _ms(ours.lookup_p99_ms),
        "ours_lookup_sql_only_p50_ms": _ms(ours.lookup_sql_p50_ms),
        "ours_lookup_sql_only_p99_ms": _ms(ours.lookup_sql_p99_ms),
        "ours_lookup_plan": ours.lookup_plan,
        "ours_lookup_uses_partial_index": INDEX in ours.lookup_plan,
        "ours_fire_expected": ours.expected,
        "ours_fired": ours.fired,
        "ours_fired_duplicates": ours.duplicates,
        "ours_recorded_done": ours.recorded_done,
        "ours_stored_ahead_seconds": round(ours.stored_ahead_seconds, 2),
        "ours_lateness_p50_ms": _ms(ours.lateness_p50_ms),
        "ours_lateness_p99_ms": _ms(ours.lateness_p99_ms),
        "ours_lateness_max_ms": _ms(ours.lateness_max_ms),
        "ours_late_by_whole_seconds_max_ms": _ms(ours.late_by_max_ms),
        "ours_rss_start_mib": _mib(ours.rss_start_mib),
        "ours_rss_before_firing_mib": _mib(ours.rss_before_firing_mib),
        "ours_rss_after_firing_mib": _mib(ours.rss_after_firing_mib),
        "ours_rss_firing_growth_mib_small_pending": _mib(growth_small),
        "ours_rss_firing_growth_mib_full_pending": _mib(growth_full),
        "ours_rss_growth_whole_run_mib": _mib(growth_whole),
        "ours_small_lateness_p99_ms": _ms(lite.lateness_p99_ms),
        "ours_small_fired": lite.fired,
        "ours_small_fired_duplicates": lite.duplicates,
        "ours_seconds": round(ours.seconds + lite.seconds, 1),
    }
    if peer is None:
        figures["peer"] = f"not available ({peer_missing})"
    else:
        peer_bulk = pending / peer.bulk_load_seconds
        peer_growth = peer.rss_after_mib - peer.rss_before_mib
        figures |= {
            "peer_bulk_load_seconds": round(peer.bulk_load_seconds, 2),
            "peer_bulk_insert_per_second": round(peer_bulk),
            "peer_add_job_per_second": round(peer.insert_per_second),
            "peer_db_bytes": peer.db_bytes,
            "peer_lookup_p50_ms": _ms(peer.lookup_p50_ms),
            "peer_lookup_p99_ms": _ms(peer.lookup_p99_ms),
            "peer_fired": peer.fired,
            "peer_missed": peer.missed,
            "peer_lateness_p50_ms": _ms(peer.lateness_p50_ms),
            "peer_lateness_p99_ms": _ms(peer.lateness_p99_ms),
            "peer_lateness_max_ms": _ms(peer.lateness_max_ms),
            "peer_rss_start_mib": _mib(peer.rss_before_mib),
            "peer_rss_after_firing_mib": _mib(peer.rss_after_mib),
            "peer_rss_growth_whole_run_mib": _mib(peer_growth),
            "peer_seconds": round(peer.seconds, 1),
            "ratio_lookup_p50_peer_to_ours": _ratio(peer.lookup_p50_ms, ours.lookup_p50_ms),
            "ratio_lookup_p99_peer_to_ours": _ratio(peer.lookup_p99_ms, ours.lookup_p99_ms),
            "ratio_lateness_p50_peer_to_ours": _ratio(peer.lateness_p50_ms, ours.lateness_p50_ms),
            "ratio_lateness_p99_peer_to_ours": _ratio(peer.lateness_p99_ms, ours.lateness_p99_ms),
            "ratio_bulk_insert_ours_to_peer": _ratio(bulk_per_second, peer_bulk),
            "ratio_single_insert_ours_to_peer": _ratio(
                ours.single_insert_per_second, peer.insert_per_second
            ),
            "ratio_db_bytes_peer_to_ours": _ratio(peer.db_bytes, ours.db_bytes_checkpointed),
            "ratio_rss_growth_whole_run_peer_to_ours": _ratio(peer_growth, growth_whole),
        }
    figures |= {
        "target_lookup_p99_le_1ms_met": ours.lookup_p99_ms <= LOOKUP_TARGET_MS,
        "target_lateness_p99_le_200ms_met": ours.lateness_p99_ms <= LATENESS_TARGET_MS,
        "target_memory_flat_met": growth_full <= growth_small + FLAT_TOLERANCE_MIB,
        "seconds_total": round(time.perf_counter() - started, 1),
    }
    return figures
