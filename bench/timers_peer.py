"""Timers, the peer: the same workload through APScheduler 3.x and its SQLAlchemyJobStore on SQLite.

This is what a Python bot author would otherwise pick for durable timers: an ``AsyncIOScheduler``
on the bot's event loop, the default ``AsyncIOExecutor``, a ``SQLAlchemyJobStore`` on a SQLite
file with its out-of-the-box settings (SQLAlchemy's defaults: rollback journal, synchronous=FULL),
one-shot ``date`` jobs whose function is the module-level coroutine ``bench.timers_peer:_fire``,
``misfire_grace_time=None`` so that a late job still runs and its lateness is measured.

How the store is loaded, and why: ``scheduler.add_job`` writes one row per call in its own
transaction (a commit, so an fsync, per job). A million of them one at a time would take far longer
than the benchmark may run, so ``add_job`` throughput is measured on a sample added to the loaded
store, and the ``pending`` jobs (and the due jobs of the firing phase) are bulk-loaded by writing
the very rows ``SQLAlchemyJobStore.add_job`` writes: ``id``, ``next_run_time`` (the UTC timestamp)
and ``job_state = pickle.dumps(job.__getstate__(), jobstore.pickle_protocol)``, with executemany
through the job store's own engine and table, in one transaction. The pickled state is built from
the same dictionary ``Job.__getstate__`` returns, with a real ``DateTrigger``; the run checks it
byte for byte against a row written by ``add_job`` itself, and the firing phase shows the scheduler
loads and runs such rows.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import pickle
import random
import statistics
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from apscheduler.jobstores.sqlalchemy import (  # type: ignore[import-untyped]
    SQLAlchemyJobStore,
)
from apscheduler.schedulers.asyncio import AsyncIOScheduler  # type: ignore[import-untyped]
from apscheduler.triggers.date import DateTrigger  # type: ignore[import-untyped]
from apscheduler.util import datetime_to_utc_timestamp  # type: ignore[import-untyped]

from bench.stats import percentile

_log = logging.getLogger(__name__)

FUNC_REF = "bench.timers_peer:_fire"
ADD_JOB_SAMPLE = 2_000
LOOKUP_SAMPLES = 2_000
BULK_CHUNK = 10_000
FAR_MIN_SECONDS = 3_600.0  # far-future jobs are due between an hour and 30 days from now
FAR_MAX_SECONDS = 30 * 86_400.0
FIRE_LEAD_SECONDS = 2.0  # the first due job is due this long after the due jobs are stored
FIRE_GRACE_SECONDS = 30.0  # how long past the firing window to wait for stragglers
SEED = 0x7173


@dataclass(frozen=True)
class PeerFigures:
    pending: int
    db_bytes: int
    insert_per_second: float
    bulk_load_seconds: float
    lookup_p50_ms: float
    lookup_p99_ms: float
    lateness_p50_ms: float
    lateness_p99_ms: float
    lateness_max_ms: float
    fired: int
    missed: int
    rss_before_mib: float
    rss_after_mib: float
    seconds: float


class _Recorder:
    """What ``_fire`` reports to: the lateness of every run, and when the last due job ran."""

    def __init__(self) -> None:
        self.lateness: list[float] = []
        self.expected = 0
        self.done = asyncio.Event()

    def reset(self, expected: int) -> None:
        self.lateness = []
        self.expected = expected
        self.done = asyncio.Event()
        if expected <= 0:
            self.done.set()


_recorder = _Recorder()


async def _fire(scheduled: float) -> None:
    """The job: how late it started, in seconds, from the run time it was scheduled for."""
    _recorder.lateness.append(time.time() - scheduled)
    if len(_recorder.lateness) >= _recorder.expected:
        _recorder.done.set()


def _rss_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _db_bytes(path: Path) -> int:
    files = (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-journal"))
    return sum(file.stat().st_size for file in files if file.exists())


def _row(job_id: str, when: float, jobstore: SQLAlchemyJobStore) -> dict[str, Any]:
    """The row ``SQLAlchemyJobStore.add_job`` writes for ``add_job(_fire, "date", ...)``."""
    trigger = DateTrigger(run_date=datetime.fromtimestamp(when, UTC), timezone=UTC)
    state = {
        "version": 1,
        "id": job_id,
        "func": FUNC_REF,
        "trigger": trigger,
        "executor": "default",
        "args": (when,),
        "kwargs": {},
        "name": "_fire",
        "misfire_grace_time": None,
        "coalesce": True,
        "max_instances": 1,
        "next_run_time": trigger.get_next_fire_time(None, None),
    }
    return {
        "id": job_id,
        "next_run_time": datetime_to_utc_timestamp(state["next_run_time"]),
        "job_state": pickle.dumps(state, jobstore.pickle_protocol),
    }


def _rows(
    prefix: str, whens: Iterator[float], jobstore: SQLAlchemyJobStore
) -> Iterator[dict[str, Any]]:
    for index, when in enumerate(whens):
        yield _row(f"{prefix}-{index}", when, jobstore)


def _bulk_load(jobstore: SQLAlchemyJobStore, rows: Iterator[dict[str, Any]]) -> None:
    """One transaction, executemany in chunks (so the rows are never all in memory at once)."""
    insert = jobstore.jobs_t.insert()
    with jobstore.engine.begin() as connection:
        chunk: list[dict[str, Any]] = []
        for row in rows:
            chunk.append(row)
            if len(chunk) == BULK_CHUNK:
                connection.execute(insert, chunk)
                chunk = []
        if chunk:
            connection.execute(insert, chunk)


def _far_whens(count: int, rng: random.Random, now: float) -> Iterator[float]:
    for _ in range(count):
        yield now + rng.uniform(FAR_MIN_SECONDS, FAR_MAX_SECONDS)


async def _drain() -> None:
    """Let the loop run the callbacks already queued (wakeups, a shutdown) before going on."""
    for _ in range(3):
        await asyncio.sleep(0)


async def run_peer(directory: Path, *, pending: int, rate: int, fire_seconds: float) -> PeerFigures:
    started = time.perf_counter()
    rss_before = _rss_mib()
    rng = random.Random(SEED)
    path = directory / "apscheduler.sqlite3"
    for stale in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-journal")):
        stale.unlink(missing_ok=True)

    jobstore = SQLAlchemyJobStore(url=f"sqlite:///{path}")
    scheduler = AsyncIOScheduler(
        jobstores={"default": jobstore},
        timezone="UTC",
        job_defaults={"misfire_grace_time": None},
    )
    scheduler.start()  # running from the start, as in a bot: each add_job wakes it up
    try:
        # 1. Bulk-load the far-future jobs.
        phase = time.perf_counter()
        _bulk_load(jobstore, _rows("far", _far_whens(pending, rng, time.time()), jobstore))
        bulk_load_seconds = time.perf_counter() - phase
        db_bytes = _db_bytes(path)
        scheduler.wakeup()
        await _drain()
        _log.info("bulk load of %d jobs: %.2f s, %d bytes", pending, bulk_load_seconds, db_bytes)

        # 2. add_job, one at a time, into the loaded store; the wakeup each one causes included.
        whens = list(_far_whens(ADD_JOB_SAMPLE, rng, time.time()))
        phase = time.perf_counter()
        for index, when in enumerate(whens):
            scheduler.add_job(
                FUNC_REF,
                "date",
                run_date=datetime.fromtimestamp(when, UTC),
                args=(when,),
                id=f"sample-{index}",
                misfire_grace_time=None,
            )
        await _drain()
        insert_per_second = ADD_JOB_SAMPLE / (time.perf_counter() - phase)
        _log.info("add_job: %.0f per second", insert_per_second)
        table = jobstore.jobs_t
        with jobstore.engine.begin() as connection:
            written = (
                connection.execute(table.select().where(table.c.id == "sample-0")).one()._asdict()
            )
            if written != _row("sample-0", whens[0], jobstore):
                raise RuntimeError("bulk rows differ from what SQLAlchemyJobStore.add_job writes")
            # Back to exactly `pending` jobs in the store.
            connection.execute(table.delete().where(table.c.id.like("sample-%")))
        far = jobstore.lookup_job("far-0")
        if pending and (far is None or far.func is not _fire):
            raise RuntimeError("the job store cannot load a bulk-loaded job")

        # 3. The query the scheduler runs on every wakeup.
        samples = []
        for _ in range(LOOKUP_SAMPLES):
            phase = time.perf_counter()
            jobstore.get_next_run_time()
            samples.append((time.perf_counter() - phase) * 1000)
        lookup_p50 = statistics.median(samples)
        lookup_p99 = percentile(samples, 0.99)
        _log.info("lookup: p50 %.3f ms, p99 %.3f ms", lookup_p50, lookup_p99)

        # 4. Firing: rate*fire_seconds jobs, job i due at start + i / rate, stored beforehand.
        due = round(rate * fire_seconds)
        _recorder.reset(due)
        phase = time.perf_counter()
        start = time.time() + FIRE_LEAD_SECONDS
        _bulk_load(jobstore, _rows("due", (start + i / rate for i in range(due)), jobstore))
        _log.info("due jobs stored in %.2f s", time.perf_counter() - phase)
        scheduler.wakeup()
        phase = time.perf_counter()
        timeout = start + fire_seconds + FIRE_GRACE_SECONDS - time.time()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(_recorder.done.wait(), timeout)
        lateness = [seconds * 1000 for seconds in _recorder.lateness]
        fired = len(lateness)
        _log.info("firing: %d of %d ran, %.2f s", fired, due, time.perf_counter() - phase)
        rss_after = _rss_mib()
    finally:
        if scheduler.running:
            scheduler.shutdown(wait=False)
            await _drain()
        jobstore.engine.dispose()

    return PeerFigures(
        pending=pending,
        db_bytes=db_bytes,
        insert_per_second=insert_per_second,
        bulk_load_seconds=bulk_load_seconds,
        lookup_p50_ms=lookup_p50,
        lookup_p99_ms=lookup_p99,
        lateness_p50_ms=statistics.median(lateness) if lateness else float("nan"),
        lateness_p99_ms=percentile(lateness, 0.99) if lateness else float("nan"),
        lateness_max_ms=max(lateness) if lateness else float("nan"),
        fired=fired,
        missed=due - fired,
        rss_before_mib=rss_before,
        rss_after_mib=rss_after,
        seconds=time.perf_counter() - started,
    )


if __name__ == "__main__":
    import dataclasses
    import tempfile

    # Run through the importable module, not __main__: the jobs call bench.timers_peer:_fire,
    # and its recorder must be the one run_peer reads.
    from bench import timers_peer

    logging.basicConfig(format="%(relativeCreated)8.0f ms  %(message)s")
    logging.getLogger("bench.timers_peer").setLevel(logging.INFO)
    with tempfile.TemporaryDirectory() as folder:
        figures = asyncio.run(
            timers_peer.run_peer(Path(folder), pending=20_000, rate=200, fire_seconds=3)
        )
    for key, value in dataclasses.asdict(figures).items():
        print(f"{key:20} {value:,.3f}" if isinstance(value, float) else f"{key:20} {value:,}")
