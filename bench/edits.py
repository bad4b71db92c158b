"""Live tallies: a poll taking 1,000 votes in a minute, through the real outbox and SQLite.

Each vote queues the poll message's whole new state (`MessageEdit`) with `Outbox.queue`: one
write transaction with `synchronous=FULL`, as a vote click pays. The outbox drains on a
simulated clock (the vote stream advances it 60 ms a vote), so spacing is exact and the run
takes seconds, not a minute; Discord is a counting stand-in that applies edits at once.

Figures:
- Discord requests for the 1,000 votes, ours (collapsed and spaced) against the peer, a bot that
  edits the message on every vote (what Discord's native polls and most poll bots amount to);
- that the last edit shows the exact final tally;
- the cost of queueing one vote's edit (p50, p99), on an empty outbox and on one holding a
  week of history (`history` finished rows), to show the supersede lookup stays indexed.
"""

from __future__ import annotations

import random
import statistics
import tempfile
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bot.outbox.message import EventDetails, MessageEdit
from bot.outbox.repository import OutboxRepository
from bot.outbox.transport import PostedDm, RenderedEdit, RenderedMessage
from bot.outbox.worker import DISCORD_SEND_WINDOWS, Outbox
from bot.rate_limit import RateLimiter
from bot.storage import migrations
from bot.storage.database import Database
from tests.support.clock import FakeClock

VOTES = 1000
VOTE_GAP = 0.06  # seconds: 1,000 votes in a minute
DRAIN_EVERY = 10  # votes between two looks by the outbox (it wakes on every queue in the bot)
HISTORY = 200_000
CHANNEL, MESSAGE = 10, 99


class _CountingDiscord:
    def __init__(self) -> None:
        self.edits: list[str] = []

    async def send_to_channel(
        self, channel_id: int, message: RenderedMessage, *, nonce: str
    ) -> int:
        return MESSAGE

    async def send_to_member(
        self, member_id: int, message: RenderedMessage, *, nonce: str
    ) -> PostedDm:
        return PostedDm(CHANNEL, MESSAGE)

    async def edit_message(self, channel_id: int, message_id: int, edit: RenderedEdit) -> None:
        self.edits.append(edit.content)

    async def open_thread(self, channel_id: int, message_id: int, name: str) -> None:
        return None

    async def create_event(self, guild_id: int, details: EventDetails) -> int:
        return 1

    async def find_events(self, guild_id: int, candidates: Sequence[EventDetails]) -> list[int]:
        return []

    async def update_event(self, guild_id: int, event_id: int, details: EventDetails) -> None:
        return None

    async def delete_event(self, guild_id: int, event_id: int) -> None:
        return None


async def _fill_history(db: Database, rows: int, now: int) -> None:
    """A week of finished deliveries: edits of 2,000 other messages, most superseded."""
    rng = random.Random(7)
    async with db.transaction() as tx:
        await tx.executemany(
            """
            INSERT INTO outbox (dedupe_key, action, channel_id, target_message_id, content,
                supersede_key, spacing, state, outcome, send_after, created_at, finished_at)
            VALUES (?, 'edit', ?, ?, 'old tally', ?, 10, ?, ?, ?, ?, ?)
            """,
            [
                (
                    f"history:{n}",
                    CHANNEL + 1,
                    target,
                    f"edit:{CHANNEL + 1}:id{target}",
                    state,
                    outcome,
                    when,
                    when,
                    when,
                )
                for n in range(rows)
                for target in (1000 + rng.randrange(2000),)
                for state, outcome in (
                    (("sent", "edited") if rng.random() < 0.05 else ("skipped", "superseded")),
                )
                for when in (now - rng.randrange(7 * 86400),)
            ],
        )


async def _one_run(folder: Path, history: int) -> dict[str, Any]:
    db = await Database.open(folder / f"edits-{history}.sqlite3")
    try:
        await migrations.upgrade(db)
        clock = FakeClock(datetime(2026, 12, 1, 20, 0, tzinfo=UTC))
        await _fill_history(db, history, int(clock.now().timestamp()))
        discord = _CountingDiscord()
        repository = OutboxRepository(db)
        outbox = Outbox(
            repository, discord, clock, RateLimiter(DISCORD_SEND_WINDOWS, clock, clock.sleep)
        )
        queue_ms: list[float] = []
        for vote in range(1, VOTES + 1):
            edit = MessageEdit(CHANNEL, f"Tally: {vote} votes", message_id=MESSAGE)
            started = time.perf_counter()
            await outbox.queue([edit])
            queue_ms.append((time.perf_counter() - started) * 1000)
            if vote % DRAIN_EVERY == 0:
                await outbox.drain()
            clock.advance(VOTE_GAP)
        clock.advance(10)
        await outbox.drain()
    finally:
        await db.close()
    cuts = statistics.quantiles(queue_ms, n=100)
    return {
        "edits": len(discord.edits),
        "last": discord.edits[-1] if discord.edits else None,
        "queue_p50_ms": round(cuts[49], 3),
        "queue_p99_ms": round(cuts[98], 3),
    }


async def run(*, rounds: int = 1, history: int = HISTORY) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="watchclub-bench-edits-") as folder:
        empty = await _one_run(Path(folder), 0)
        full = await _one_run(Path(folder), history)
    return {
        "votes": VOTES,
        "discord_edits_ours": empty["edits"],
        "discord_edits_peer_edit_per_vote": VOTES,
        "ratio_peer_over_ours": round(VOTES / max(1, empty["edits"]), 1),
        "final_tally_exact": empty["last"] == f"Tally: {VOTES} votes",
        "queue_one_vote_p50_ms_empty_outbox": empty["queue_p50_ms"],
        "queue_one_vote_p99_ms_empty_outbox": empty["queue_p99_ms"],
        "history_rows": history,
        "queue_one_vote_p50_ms_with_history": full["queue_p50_ms"],
        "queue_one_vote_p99_ms_with_history": full["queue_p99_ms"],
        "discord_edits_with_history": full["edits"],
    }
