"""Votes: `python -m bench votes [--json] [--members N] [--votes N] [--rate N]`.

One click plan (`bench.votes_plan`): `members` members click the vote buttons of one poll of
four options (single choice, live results, anonymous), `votes` clicks in all, in waves where
each member clicks once: the first wave votes, later ones change or take back the vote. Its
net effect is the exact tally expected at the end.

1. Domain layer (`bench.votes_domain`): `PollService.vote` (the group-committing ballot box)
   against a naive peer that gives each vote its own transaction and its own message edit, on
   a real SQLite file and a real outbox draining into a counting Discord. Reports votes/s, the
   ratio, transactions, and the edits queued and sent by each side.
2. Full path (`bench.votes_full`): the sandbox's gateway INTERACTION_CREATE -> the real bot in
   its own process -> SQLite -> the interaction callback, open-loop at `rate` clicks/s, then
   one burst; ack latency p50/p99, votes/s, CPU per click on each side, a bare discord.py
   bot as the peer on the same sandbox, and the same plan with the bot in this process.
3. The edits of the poll message that reached the sandbox, against one per vote for the naive
   path, and whether the last edit shows the exact tally.

Nothing here asserts a timing; the figures are printed.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from bench.votes_domain import run_domain
from bench.votes_full import run_full
from bench.votes_plan import Plan, Tally

MEMBERS = 1000
VOTES = 3000
RATE = 1000.0  # offered clicks per second on the full path: the target
OPTIONS = 4


def _flat(prefix: str, value: Any, into: dict[str, Any]) -> None:
    if isinstance(value, dict):
        for key, inner in value.items():
            _flat(f"{prefix}_{key}", inner, into)
    elif isinstance(value, Tally):
        into[prefix] = {"votes": list(value.votes), "turnout": value.turnout}
    else:
        into[prefix] = value


async def run(
    *,
    rounds: int = 1,
    members: int = MEMBERS,
    votes: int = VOTES,
    rate: float = RATE,
) -> dict[str, Any]:
    """`rounds` is accepted for the common command line and not used: one run holds both
    sides of each comparison, back to back."""
    plan = Plan.make(members, votes, OPTIONS)
    with tempfile.TemporaryDirectory(prefix="watchclub-bench-votes-") as folder:
        domain = await run_domain(Path(folder), plan, OPTIONS)
        full = await run_full(Path(folder), plan, OPTIONS, rate)
    figures: dict[str, Any] = {}
    _flat("expected_tally", plan.expected(OPTIONS), figures)
    for key, value in {**domain, **full}.items():
        _flat(key, value, figures)
    figures["target_full_path"] = ">= 1,000 votes/s, p99 <= 100 ms, no vote lost"
    return figures
