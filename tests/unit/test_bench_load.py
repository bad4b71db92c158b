"""`python -m bench load` and `python -m bench soak` run end to end in a tiny world: servers set
up through the real commands, the mix answered without an error, every poll close that fell due
posted exactly once, Discord's global limit never passed, and the figures reported. Timings are
printed by the benchmarks, never asserted."""

from __future__ import annotations

import pytest

from bench import load, soak
from bench.load import _knee


@pytest.mark.slow
async def test_the_load_benchmark_runs_in_a_tiny_world() -> None:
    figures = await load.run(servers=3, members=30, rate=10, seconds=6)

    assert figures["steady_answered"] > 0
    assert figures["steady_errors"] == 0
    assert figures["steady_deadline_misses"] == 0
    assert figures["bot_error_log_records"] == 0
    assert figures["sandbox_internal_errors"] == 0
    assert figures["outbox_failed"] == 0
    assert figures["rest_responses_429"] == 0
    assert figures["poll_closes"] == {"due": 3, "once": 3, "missing": 0, "twice": 0}
    assert figures["rows_polls"] >= 6  # each server's two, and any the mix opened
    actions = figures["steady_per_action"]
    assert {"autocomplete", "vote", "rsvp", "title"} <= actions.keys()
    assert all(isinstance(a["p99_ms"], float) for a in actions.values() if a["answered"])
    assert figures["peak_rss_mib"] > 0
    assert len(figures["knee_steps"]) >= 2


@pytest.mark.slow
async def test_the_soak_benchmark_samples_the_bot_over_its_run() -> None:
    figures = await soak.run(servers=2, members=20, rate=5, minutes=0.3)

    assert figures["answered"] > 0
    assert figures["errors"] == 0
    assert figures["deadline_misses"] == 0
    assert figures["rest_responses_429"] == 0
    assert figures["poll_closes"]["missing"] == 0
    assert figures["poll_closes"]["twice"] == 0
    assert len(figures["samples"]) >= 2
    assert all(s["open_fds"] > 0 and s["tasks"] > 0 for s in figures["samples"])
    assert figures["wal_bounded"]


def test_the_knee_is_where_p99_crosses_one_second_between_two_steps() -> None:
    steps = [
        {"offered_per_s": 40, "p99_ms": 200.0},
        {"offered_per_s": 80, "p99_ms": 600.0},
        {"offered_per_s": 160, "p99_ms": 1400.0},
    ]
    assert _knee(steps) == 120.0
    assert _knee(steps[:2]) is None  # never crossed: the knee lies above the last step
    assert _knee([{"offered_per_s": 40, "p99_ms": 1500.0}]) == 40
    assert (
        _knee([{"offered_per_s": 40, "p99_ms": 200.0}, {"offered_per_s": 80, "p99_ms": None}]) == 80
    )
