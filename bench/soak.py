"""`python -m bench soak [--minutes 20]`: the load's mix at a moderate rate for a long time, to
show nothing builds up.

The same world as `bench load` (`servers` servers, `members` members, each set up through the
real commands), with parties starting and polls closing all through the run. While the traffic
runs, every `SAMPLE_S` seconds it looks at the bot's process (resident memory, open file
descriptors, asyncio tasks) and at the database: its file, its WAL and its rows. Run outside CI:
it takes as long as it says.

What it reports, with the rule each verdict follows:
- memory flat: a straight line fitted to resident memory over the second half of the run
  (after the caches have filled) climbs less than `FLAT_SHARE` of the memory at half-time;
- database and WAL bounded: the WAL never passes `WAL_BOUND` (its checkpoints keep it near
  SQLite's 4 MB autocheckpoint), and the database's bytes per stored row in the second half
  are no more than `GROWTH_SLACK` times those from warm-up to half-time (it grows with the
  data, no faster);
- no leaks: open file descriptors and asyncio tasks in the last sample are no more than in the
  first after warm-up plus `LEAK_SLACK` (what happens to be in flight).
"""

from __future__ import annotations

import asyncio
import contextlib
import statistics
import time
from typing import Any

from bench.load_mix import Recorder, Traffic
from bench.load_run import (
    LoadWorld,
    end_of_run,
    file_sizes,
    mib,
    rest_figures,
    running_world,
    spread_poll_closes,
    stored_rows,
)
from bench.stats import percentile

SAMPLE_S = 15.0
FLAT_SHARE = 0.05
WAL_BOUND = 64 * 1024 * 1024
GROWTH_SLACK = 1.5
LEAK_SLACK = 20
SEED = 2027


async def _sample(load: LoadWorld, start: float, rec: Recorder) -> dict[str, Any]:
    stats = await load.bot.stats()
    rows = await asyncio.to_thread(stored_rows, load.database)
    return {
        "minute": round((time.time() - start) / 60, 2),
        "rss_mib": mib(stats.rss_bytes),
        "open_fds": stats.open_fds,
        "tasks": stats.tasks,
        **file_sizes(load.database),
        "rows": sum(rows.values()),
        "answered": rec.answered,
    }


async def _sample_every(
    load: LoadWorld, start: float, rec: Recorder, into: list[dict[str, Any]]
) -> None:
    while True:
        await asyncio.sleep(SAMPLE_S)
        into.append(await _sample(load, start, rec))


def slope_per_minute(points: list[tuple[float, float]]) -> float:
    """The least-squares slope of (minute, value) points; 0 for fewer than two."""
    if len(points) < 2 or len({x for x, _ in points}) < 2:
        return 0.0
    return statistics.linear_regression([x for x, _ in points], [y for _, y in points]).slope


def bytes_per_row(first: dict[str, Any], last: dict[str, Any]) -> float | None:
    rows = int(last["rows"]) - int(first["rows"])
    if rows <= 0:
        return None
    return (int(last["database_bytes"]) - int(first["database_bytes"])) / rows


async def run(
    rounds: int = 1,
    servers: int = 200,
    members: int = 20_000,
    rate: int = 10,
    minutes: float = 20.0,
) -> dict[str, Any]:
    del rounds
    seconds = minutes * 60
    party_minutes = list(range(2, max(3, int(minutes) + 1)))
    async with running_world(servers, members, party_minutes) as load:
        traffic = Traffic(load.sandbox, load.servers, SEED)
        rec = Recorder()
        start = time.time()
        spread_poll_closes(load, start, seconds)
        samples = [await _sample(load, start, rec)]
        sampler = asyncio.create_task(_sample_every(load, start, rec, samples))
        await traffic.run(rate, seconds, rec)
        sampler.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await sampler
        samples.append(await _sample(load, start, rec))
        rest = rest_figures(load.sandbox, start, time.time())
        ended, final = await end_of_run(load)
    waits = rec.waits
    warm = samples[min(len(samples) - 1, max(1, len(samples) // 10))]
    middle = samples[len(samples) // 2]
    last = samples[-1]
    second_half = [(s["minute"], s["rss_mib"]) for s in samples[len(samples) // 2 :]]
    rss_climb = slope_per_minute(second_half) * minutes / 2
    early, late = bytes_per_row(warm, middle), bytes_per_row(middle, last)
    wal_max = max(s["wal_bytes"] for s in samples)
    return {
        "servers": servers,
        "members": members,
        "minutes": minutes,
        "offered_per_s": rate,
        "answered": rec.answered,
        "p50_ms": round(percentile(waits, 0.5) * 1000, 1) if waits else None,
        "p99_ms": round(percentile(waits, 0.99) * 1000, 1) if waits else None,
        "errors": sum(rec.errors.values()),
        "deadline_misses": sum(rec.deadline_misses.values()),
        "first_errors": rec.first_errors,
        **{f"rest_{key}": value for key, value in rest.items()},
        **ended,
        "rss_mib_after_warmup": warm["rss_mib"],
        "rss_mib_middle": middle["rss_mib"],
        "rss_mib_end": last["rss_mib"],
        "rss_mib_max": max(s["rss_mib"] for s in samples),
        "rss_climb_second_half_mib": round(rss_climb, 1),
        "memory_flat": rss_climb < FLAT_SHARE * middle["rss_mib"],
        "database_mib_after_warmup": mib(warm["database_bytes"]),
        "database_mib_end": mib(last["database_bytes"]),
        "rows_after_warmup": warm["rows"],
        "rows_end": last["rows"],
        "database_bytes_per_row_first_half": None if early is None else round(early),
        "database_bytes_per_row_second_half": None if late is None else round(late),
        "wal_mib_max": mib(wal_max),
        "database_and_wal_bounded": wal_max <= WAL_BOUND
        and (early is None or late is None or late <= GROWTH_SLACK * max(early, 1.0)),
        "open_fds_after_warmup": warm["open_fds"],
        "open_fds_end": last["open_fds"],
        "open_fds_max": max(s["open_fds"] for s in samples),
        "tasks_after_warmup": warm["tasks"],
        "tasks_end": last["tasks"],
        "tasks_max": max(s["tasks"] for s in samples),
        "commonest_tasks_end": final.commonest_tasks,
        "no_fd_leak": last["open_fds"] <= warm["open_fds"] + LEAK_SLACK,
        "no_task_leak": last["tasks"] <= warm["tasks"] + LEAK_SLACK,
        "samples": samples,
    }
