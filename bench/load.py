"""`python -m bench load`: 200 servers and 20,000 members, a steady mix of what members do, and
the request rate where the bot stops keeping up.

1. **Base:** the bot in a world of one server set up like the others, for the memory per
   server.
2. **Setup:** the world of `servers` servers and `members` members; each server's host opens a
   live poll, a poll that will close during the run, and a watch party that starts during it,
   through the real commands (`bench/load_world.py`).
3. **Steady run:** the mix of `bench/load_mix.py` at `rate` arrivals per second for `seconds`,
   while the parties' start reminders and the polls' closes fall due. Reported per action:
   answered, p50 and p99, errors and 3 s deadline misses; the bot's peak memory; the REST
   requests it sent against Discord's global limit (which the sandbox enforces), with the 429s.
4. **The knee:** the same mix at twice, 4×, 8× … the rate, `knee_step` seconds each, until the
   p99 over all actions passes 1 s; the knee is where it crosses, between two steps. Past the
   knee some answers may miss Discord's deadline, which discord.py logs at ERROR, so the bot's
   ERROR count is given for the steady run and for the whole run.
5. **Timed work:** at the end, whether every start reminder and poll close that fell due was
   posted exactly once, under all of the above.

The bot runs in a process of its own, the sandbox with the load in this one (a core each on a
2-core machine). The CPU each side used is reported per step: where the driver's side (the
sandbox and the load) is the one at a full core, the knee is the stand-in's, and the bot's lies
above it.
"""

from __future__ import annotations

import itertools
import time
from typing import Any

from bench.load_mix import Recorder, Traffic
from bench.load_run import (
    DISCORD_GLOBAL_LIMIT,
    LoadWorld,
    Sampler,
    end_of_run,
    mib,
    one_server_rss,
    rest_figures,
    running_world,
    spread_poll_closes,
)
from bench.stats import percentile

KNEE_P99_S = 1.0
KNEE_STEPS = 5  # 2×, 4×, 8×, 16×, 32× the steady rate at most
SEED = 2026


async def _phase(load: LoadWorld, traffic: Traffic, rate: float, seconds: float) -> dict[str, Any]:
    rec = Recorder()
    bot_cpu = load.bot.cpu_seconds()
    driver_cpu = time.process_time()
    start = time.time()
    took = await traffic.run(rate, seconds, rec)
    rest = rest_figures(load.sandbox, start, time.time())
    bot_cpu = load.bot.cpu_seconds() - bot_cpu
    driver_cpu = time.process_time() - driver_cpu
    waits = rec.waits  # a failed interaction counts with the wait until its member saw it fail
    return {
        "offered_per_s": rate,
        "arrivals": rec.arrivals,
        "arrivals_per_s": round(rec.arrivals / took, 1),
        "answered": rec.answered,
        "answered_per_s": round(rec.answered / took, 1),
        "p50_ms": round(percentile(waits, 0.5) * 1000, 1) if waits else None,
        "p99_ms": round(percentile(waits, 0.99) * 1000, 1) if waits else None,
        "errors": sum(rec.errors.values()),
        "deadline_misses": sum(rec.deadline_misses.values()),
        "bot_cpu_busy": round(bot_cpu / took, 2),
        # The sandbox and the load generator: this process.
        "driver_cpu_busy": round(driver_cpu / took, 2),
        "rest_requests_per_s_mean": rest["requests_per_s_mean"],
        "rest_requests_busiest_second": rest["requests_busiest_second"],
        "responses_429": rest["responses_429"],
        "per_action": rec.per_action(),
        "first_errors": rec.first_errors,
    }


def _per_server_kib(extra_bytes: int, servers: int) -> float:
    return round(extra_bytes / max(1, servers - 1) / 1024, 1)


def _over_knee(step: dict[str, Any]) -> bool:
    p99 = step["p99_ms"]
    return p99 is None or p99 > KNEE_P99_S * 1000


def _knee(steps: list[dict[str, Any]]) -> float | None:
    """The offered rate where p99 crosses `KNEE_P99_S`, between the last step under it and the
    first over; None when no step passed it."""
    limit = KNEE_P99_S * 1000
    points = [
        (float(s["offered_per_s"]), float("inf") if s["p99_ms"] is None else float(s["p99_ms"]))
        for s in steps
    ]
    if points and points[0][1] > limit:
        return points[0][0]
    for (rate_below, p99_below), (rate_above, p99_above) in itertools.pairwise(points):
        if p99_below <= limit < p99_above:
            if p99_above == float("inf"):
                return rate_above
            share = (limit - p99_below) / (p99_above - p99_below)
            return round(rate_below + share * (rate_above - rate_below), 1)
    return None


async def run(
    rounds: int = 1,
    servers: int = 200,
    members: int = 20_000,
    rate: int = 40,
    seconds: float = 180.0,
    knee_steps: int = KNEE_STEPS,
) -> dict[str, Any]:
    del rounds  # one run: the knee search is the repetition
    one_rss = await one_server_rss(members // servers)
    minutes = max(2, int(seconds // 60))
    async with running_world(servers, members, list(range(2, minutes + 1))) as load:
        traffic = Traffic(load.sandbox, load.servers, SEED)
        sampler = Sampler(load.bot)
        sampler.start()
        start = time.time()
        spread_poll_closes(load, start, seconds)
        steady = await _phase(load, traffic, rate, seconds)
        steady_last = await sampler.stop()
        knee_step = min(20.0, max(3.0, seconds / 6))
        steps = [steady]
        step_rate = float(rate)
        for _ in range(knee_steps):
            step_rate *= 2
            step = await _phase(load, traffic, step_rate, knee_step)
            steps.append(step)
            if _over_knee(step):
                break
        ended, final = await end_of_run(load)
        rss_steady_peak = max(s.rss_bytes for _, s in sampler.samples)
        set_up_rss = load.set_up.rss_bytes
        setup_seconds = load.setup_seconds
        limited = load.sandbox.rate_limited_count
    return {
        "servers": servers,
        "members": members,
        "setup_s": round(setup_seconds, 1),
        "steady_offered_per_s": rate,
        "steady_seconds": seconds,
        "steady_arrivals": steady["arrivals"],
        "steady_arrivals_per_s": steady["arrivals_per_s"],
        "steady_answered": steady["answered"],
        "steady_throughput_per_s": steady["answered_per_s"],
        "steady_p50_ms": steady["p50_ms"],
        "steady_p99_ms": steady["p99_ms"],
        "steady_errors": steady["errors"],
        "steady_deadline_misses": steady["deadline_misses"],
        "steady_bot_cpu_busy": steady["bot_cpu_busy"],
        "steady_driver_cpu_busy": steady["driver_cpu_busy"],
        "steady_rest_requests_per_s_mean": steady["rest_requests_per_s_mean"],
        "steady_rest_requests_busiest_second": steady["rest_requests_busiest_second"],
        "rest_discord_global_limit_per_s": DISCORD_GLOBAL_LIMIT,
        "steady_responses_429": steady["responses_429"],
        "responses_429_whole_run": limited,
        "steady_per_action": steady["per_action"],
        "steady_first_errors": steady["first_errors"],
        "steady_bot_error_log_records": steady_last.error_records,
        **ended,
        "one_server_rss_mib": mib(one_rss),
        "set_up_rss_mib": mib(set_up_rss),
        "steady_peak_rss_mib": mib(rss_steady_peak),
        "peak_rss_mib_knee_included": mib(final.peak_rss_bytes),
        # Each server beyond the first: set up and idle; and at the steady run's peak, with
        # its caches filled (measured against the one-server world set up and idle).
        "memory_per_server_set_up_kib": _per_server_kib(set_up_rss - one_rss, servers),
        "memory_per_server_steady_peak_kib": _per_server_kib(rss_steady_peak - one_rss, servers),
        "steady_last_tasks": steady_last.tasks,
        "steady_last_commonest_tasks": steady_last.commonest_tasks,
        "steady_last_open_fds": steady_last.open_fds,
        "knee_step_seconds": knee_step,
        "knee_steps": [
            {k: v for k, v in step.items() if k not in ("per_action", "first_errors")}
            for step in steps
        ],
        "knee_first_errors": [e for step in steps[1:] for e in step["first_errors"]][:5],
        "knee_p99_over_1s_at_per_s": _knee(steps),
    }
