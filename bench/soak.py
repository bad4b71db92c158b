"""`python -m bench soak [--minutes 20]`: the load's mix at a moderate rate for a long time, to
show nothing builds up.

The same world as `bench load` (`servers` servers, `members` members, each set up through the
real commands), with parties starting and polls closing all through the run. Every `SAMPLE_S`
seconds it looks at the bot's process (resident memory, open file descriptors, asyncio tasks)
and at the database and its WAL file. Run outside CI: it takes as long as it says.

What it reports, with the rule each verdict follows:
- memory flat: resident memory over the second half of the run (after the caches have filled)
  grows by less than `FLAT_SHARE` of itself;
- database and WAL bounded: the WAL never passes `WAL_BOUND` (SQLite's checkpoints keep it near
  its 4 MB autocheckpoint), and the database grows with the rows the traffic stored, no faster;
- no leaks: open file descriptors and asyncio tasks at the end are no more than at the first
  sample after warm-up plus what is in flight (`LEAK_SLACK`).
"""

from __future__ import annotations

import time
from typing import Any

from bench.load_mix import Recorder, Traffic, percentile
from bench.load_run import (
    file_sizes,
    mib,
    outbox_failed,
    poll_closes_due,
    reminders_due,
    rest_figures,
    running_world,
    settle_timed_work,
    spread_poll_closes,
    stored_rows,
)

SAMPLE_S = 15.0
FLAT_SHARE = 0.05
WAL_BOUND = 64 * 1024 * 1024
LEAK_SLACK = 20
SEED = 2027


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
        samples: list[dict[str, Any]] = []
        while (elapsed := time.time() - start) < seconds:
            await traffic.run(rate, min(SAMPLE_S, seconds - elapsed), rec)
            stats = await load.bot.stats()
            samples.append(
                {
                    "minute": round((time.time() - start) / 60, 2),
                    "rss_mib": mib(stats.rss_bytes),
                    "open_fds": stats.open_fds,
                    "tasks": stats.tasks,
                    **file_sizes(load.database),
                    "answered": rec.answered,
                }
            )
        end = time.time()
        checked_at = await settle_timed_work(load)
        reminders = reminders_due(load, checked_at)
        closes = poll_closes_due(load, checked_at)
        rest = rest_figures(load.sandbox, start, end)
        rows_end = stored_rows(load.database)
        failed = outbox_failed(load.database)
        final = await load.bot.stats()
    latencies = rec.all_latencies
    warm = samples[min(len(samples) - 1, max(1, len(samples) // 10))]
    middle = samples[len(samples) // 2]
    last = samples[-1]
    rss_growth = last["rss_mib"] - middle["rss_mib"]
    wal_max = max(s["wal_bytes"] for s in samples)
    return {
        "servers": servers,
        "members": members,
        "minutes": minutes,
        "offered_per_s": rate,
        "answered": rec.answered,
        "p50_ms": round(percentile(latencies, 0.5) * 1000, 1) if latencies else None,
        "p99_ms": round(percentile(latencies, 0.99) * 1000, 1) if latencies else None,
        "errors": sum(rec.errors.values()),
        "deadline_misses": sum(rec.deadline_misses.values()),
        "first_errors": rec.first_errors,
        "bot_error_log_records": final.error_records,
        "outbox_failed": failed,
        **{f"rest_{key}": value for key, value in rest.items()},
        "reminders": reminders.figures(),
        "poll_closes": closes.figures(),
        "rss_mib_after_warmup": warm["rss_mib"],
        "rss_mib_middle": middle["rss_mib"],
        "rss_mib_end": last["rss_mib"],
        "rss_mib_max": max(s["rss_mib"] for s in samples),
        "rss_growth_second_half_mib": round(rss_growth, 1),
        "memory_flat": rss_growth < FLAT_SHARE * middle["rss_mib"],
        "database_mib_after_warmup": mib(warm["database_bytes"]),
        "database_mib_end": mib(last["database_bytes"]),
        "wal_mib_max": mib(wal_max),
        "wal_bounded": wal_max <= WAL_BOUND,
        "rows_end": rows_end,
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
