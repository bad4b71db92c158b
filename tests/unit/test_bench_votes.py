"""`python -m bench votes` runs end to end at a tiny size: both parts, both peers, and the
checks that no vote is lost. Timings are printed by the benchmark, never asserted."""

from __future__ import annotations

import pytest

from bench import votes


@pytest.mark.slow
async def test_the_votes_benchmark_runs_at_a_tiny_size() -> None:
    figures = await votes.run(members=8, votes=20, rate=100)

    assert figures["domain_clicks"] == 20
    assert figures["domain_tally_exact_ours"]
    assert figures["domain_tally_exact_naive"]
    assert figures["domain_last_edit_exact_ours"]
    assert figures["domain_last_edit_exact_naive"]
    assert figures["domain_edits_sent_naive"] == 20
    assert figures["full_tally_exact"]
    assert figures["inprocess_tally_exact"]
    assert figures["full_last_edit_exact"]
    assert figures["full_edits_reaching_sandbox"] >= 1
    assert isinstance(figures["full_paced_p99_ms"], float)
