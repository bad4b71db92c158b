"""`python -m bench load` and `python -m bench soak` run end to end in a tiny world, and the
arithmetic behind their verdicts holds. Timings are printed by the benchmarks, never asserted.

The tiny runs are too short for a party to start (a party starts a whole minute after it is
scheduled at the soonest), so the start reminders' "exactly once" is checked here on
`count_posted` and, end to end, by the full run (`docs/reliability.md` §4).
"""

from __future__ import annotations

import pytest

from bench import load, soak
from bench.load import _knee
from bench.load_mix import GENERIC_FAILURE, Recorder
from bench.load_run import busiest_second, count_posted, is_start_reminder
from bench.soak import slope_per_minute
from bench.stats import percentile
from sandbox.errors import InteractionTimeoutError
from sandbox.interaction_state import InteractionResult


@pytest.mark.slow
async def test_the_load_benchmark_runs_in_a_tiny_world() -> None:
    # One knee step (20/s): enough to run the knee's code, far below a tiny world's knee.
    figures = await load.run(servers=3, members=30, rate=10, seconds=6, knee_steps=1)

    assert figures["steady_answered"] >= figures["steady_arrivals"] > 0
    assert len(figures["knee_steps"]) == 2  # the steady run and one step
    assert figures["steady_errors"] == 0
    assert figures["steady_deadline_misses"] == 0
    assert figures["bot_error_log_records"] == 0
    assert figures["sandbox_internal_errors"] == 0
    assert figures["outbox_failed"] == 0
    assert figures["responses_429_whole_run"] == 0
    assert figures["poll_closes"] == {"due": 3, "once": 3, "missing": 0, "twice": 0}
    assert figures["rows_polls"] >= 6  # each server's two, and any the mix opened
    actions = figures["steady_per_action"]
    assert {"autocomplete", "vote", "rsvp", "title"} <= actions.keys()
    assert all(a["errors"] == 0 for a in actions.values())
    assert (
        figures["steady_rest_requests_busiest_second"] <= figures["rest_discord_global_limit_per_s"]
    )
    assert figures["steady_last_commonest_tasks"]
    assert not any("timeout_task" in name for name, _ in figures["steady_last_commonest_tasks"])


@pytest.mark.slow
async def test_the_soak_benchmark_samples_the_bot_over_its_run() -> None:
    figures = await soak.run(servers=2, members=20, rate=5, minutes=0.3)

    assert figures["answered"] > 0
    assert figures["errors"] == 0
    assert figures["deadline_misses"] == 0
    assert figures["rest_responses_429"] == 0
    assert figures["poll_closes"]["due"] == 2
    assert figures["poll_closes"]["once"] == 2
    samples = figures["samples"]
    assert len(samples) >= 3  # the start, one every 15 s while the traffic runs, the end
    assert samples[-1]["answered"] == figures["answered"]
    assert all(s["open_fds"] > 0 and s["tasks"] > 0 and s["rows"] > 0 for s in samples)
    assert figures["rows_polls"] >= 4


def test_a_post_is_counted_once_missing_or_twice_per_server() -> None:
    texts = {
        0: ["🎬 **Hotel del Luna** is starting now."],
        1: ["hello"],
        2: ["🎬 **Hotel del Luna** is starting now."] * 2,
        3: [],  # not due yet: its party starts later
    }
    due = {0: 10.0, 1: 10.0, 2: 10.0, 3: 99.0}
    found = count_posted(due, texts.__getitem__, lambda i, t: is_start_reminder(t), now=50.0)
    assert found.figures() == {"due": 3, "once": 1, "missing": 1, "twice": 1}
    assert not is_start_reminder("🎬 **Goblin** is starting now.")  # a party the mix scheduled


async def test_the_recorder_tells_misses_errors_and_answers_apart() -> None:
    async def answered() -> InteractionResult:
        return InteractionResult("1", "t", "slash", data={"content": "Here it is"})

    async def generic() -> InteractionResult:
        return InteractionResult("2", "t", "slash", data={"content": GENERIC_FAILURE + " …"})

    async def unanswered() -> InteractionResult:
        raise InteractionTimeoutError("interaction 3 got no response within 3.2s")

    async def late() -> InteractionResult:
        raise InteractionTimeoutError("interaction 4 was deferred but the bot never edited")

    rec = Recorder()
    assert await rec.timed("title", answered()) is not None
    assert await rec.timed("title", generic()) is None
    assert await rec.timed("vote", unanswered()) is None
    assert await rec.timed("vote", late()) is None

    assert rec.answered == 1
    assert rec.errors == {"title": 1, "vote": 1}
    assert rec.deadline_misses == {"vote": 1}
    assert len(rec.waits) == 4  # the failures' waits count too
    per_action = rec.per_action()
    assert per_action["title"]["answered"] == 1
    assert per_action["vote"] == {
        "answered": 0,
        "p50_ms": None,
        "p99_ms": None,
        "errors": 1,
        "deadline_misses": 1,
    }


def test_the_busiest_second_slides_over_the_requests() -> None:
    # 40 requests within 0.9 s, split 20 and 20 by the wall-clock second they fall in.
    times = [0.55 + n * 0.0225 for n in range(40)]
    assert busiest_second(times) == 40
    assert busiest_second([0.0, 1.0, 2.0]) == 1
    assert busiest_second([]) == 0


def test_percentiles_are_nearest_rank() -> None:
    samples = [float(n) for n in range(1, 101)]
    assert percentile(samples, 0.5) == 51.0
    assert percentile(samples, 0.99) == 100.0
    assert percentile([3.0, 1.0], 0.5) == 3.0


def test_memory_is_flat_when_its_line_does_not_climb() -> None:
    assert slope_per_minute([(0.0, 100.0), (1.0, 100.0), (2.0, 100.0)]) == 0.0
    assert slope_per_minute([(0.0, 100.0), (1.0, 102.0), (2.0, 104.0)]) == pytest.approx(2.0)
    assert slope_per_minute([(0.0, 100.0)]) == 0.0


def test_the_knee_is_where_p99_crosses_one_second_between_two_steps() -> None:
    steps = [
        {"offered_per_s": 40, "p99_ms": 200.0},
        {"offered_per_s": 80, "p99_ms": 600.0},
        {"offered_per_s": 160, "p99_ms": 1400.0},
    ]
    assert _knee(steps) == 120.0
    assert _knee(steps[:2]) is None  # never crossed: the knee lies above the last step
    assert _knee([{"offered_per_s": 40, "p99_ms": 1500.0}]) == 40
    nothing_answered = {"offered_per_s": 80, "p99_ms": None}
    assert _knee([{"offered_per_s": 40, "p99_ms": 200.0}, nothing_answered]) == 80
