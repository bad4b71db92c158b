"""`python -m bench votes`, part 1: votes through the domain layer, ours against a naive peer.

Both sides run the same click plan (`bench.votes_plan`) against a real SQLite file in a temp
folder (WAL, the writer at `synchronous=FULL`, all migrations applied) and drain a real
`Outbox` into a counting stand-in for Discord:

- ours: `PollService.vote` for every click. Each wave's clicks are handed in at once
  (`asyncio.gather`), so the ballot box writes them in groups: one transaction per group, and
  one collapsed, spaced `MessageEdit` of the poll message per group.
- the peer (`NaivePeer`): what most poll bots do. Each click is its own transaction (BEGIN
  IMMEDIATE; read the poll and the member's ballot; upsert or delete the ballot; move the
  counts; queue one edit of the poll message with no supersede key and no spacing; COMMIT), so
  every vote pays a commit's flush and queues one Discord request.

The outbox drains between waves on a fake clock: a wave of `n` clicks takes `n / SIM_RATE`
simulated seconds, so edit spacing and Discord's pacing are exact while the run takes wall
seconds. Votes/s is wall time spent inside the vote calls only; the drain is timed apart.
"""

from __future__ import annotations

import asyncio
import json
import statistics
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bench.stats import percentile
from bench.votes_plan import GUILD, MEMBER_BASE, Plan, Tally
from bot.charts.renderer import ChartRenderer
from bot.clock import to_unix
from bot.errors import UserFacingError
from bot.metadata.catalog import Catalog
from bot.outbox.message import EventDetails
from bot.outbox.repository import OutboxRepository
from bot.outbox.rows import embeds_to_json
from bot.outbox.transport import PostedDm, RenderedEdit, RenderedMessage
from bot.outbox.worker import DISCORD_SEND_WINDOWS, Outbox
from bot.polls.anonymity import VoterKey
from bot.polls.message import message_key, poll_embeds, status_text
from bot.polls.models import (
    OptionSpec,
    Poll,
    PollKind,
    PollSpec,
    ResultsVisibility,
    VoteAction,
    VoteRequest,
)
from bot.polls.repository import PollRepository
from bot.polls.rules import next_ballot
from bot.polls.service import PollService
from bot.rate_limit import RateLimiter
from bot.storage import migrations
from bot.storage.database import Database
from bot.timers.repository import TimerRepository
from bot.timers.service import TimerService
from tests.support.clock import FakeClock

SIM_RATE = 1000.0  # simulated votes per second, for the outbox's clock
START = datetime(2026, 12, 4, 20, 0, tzinfo=UTC)
CHANNEL, POLL_MESSAGE = 900, 4242
CREATOR = 1


class CountingDiscord:
    """Discord as the outbox sees it: every request is counted, edits keep their content."""

    def __init__(self) -> None:
        self.sends = 0
        self.edits: list[str] = []

    async def send_to_channel(
        self, channel_id: int, message: RenderedMessage, *, nonce: str
    ) -> int:
        self.sends += 1
        return POLL_MESSAGE

    async def send_to_member(
        self, member_id: int, message: RenderedMessage, *, nonce: str
    ) -> PostedDm:
        self.sends += 1
        return PostedDm(CHANNEL, POLL_MESSAGE)

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


class NaivePeer:
    """One transaction and one queued edit per vote, on the same schema and rules."""

    def __init__(self, db: Database, repository: PollRepository, voter_key: VoterKey) -> None:
        self._db = db
        self._repository = repository
        self._voter_key = voter_key
        self.edits_queued = 0

    async def vote(
        self, guild_id: int, poll_id: int, member_id: int, option: int, now: int
    ) -> None:
        async with self._db.transaction() as tx:
            poll = await self._repository.get_in(tx, poll_id, guild_id=guild_id)
            if poll is None or not poll.is_open_at(now):
                raise UserFacingError(f"Poll #{poll_id} takes no votes.")
            voter = self._voter_key.voter(poll_id, member_id) if poll.anonymous else str(member_id)
            row = await tx.fetchone(
                "SELECT ballot FROM poll_votes WHERE poll_id = ? AND voter = ?", (poll_id, voter)
            )
            before = None if row is None else tuple(int(i) for i in _json_list(row["ballot"]))
            request = VoteRequest(guild_id, poll_id, member_id, VoteAction.TOGGLE, option=option)
            after = next_ballot(poll, before, request)
            if after == before:
                return
            if after is None:
                await tx.execute(
                    "DELETE FROM poll_votes WHERE poll_id = ? AND voter = ?", (poll_id, voter)
                )
            else:
                await tx.execute(
                    """
                    INSERT INTO poll_votes (poll_id, voter, ballot, voted_at) VALUES (?, ?, ?, ?)
                    ON CONFLICT (poll_id, voter) DO UPDATE SET ballot = excluded.ballot
                    """,
                    (poll_id, voter, f"[{after[0]}]", None),
                )
            for index, delta in ((i, -1) for i in before or ()):
                await tx.execute(
                    "UPDATE poll_options SET votes = votes + ? WHERE poll_id = ? AND position = ?",
                    (delta, poll_id, index),
                )
            for index in after or ():
                await tx.execute(
                    "UPDATE poll_options SET votes = votes + 1 WHERE poll_id = ? AND position = ?",
                    (poll_id, index),
                )
            turnout = (after is not None) - (before is not None)
            await tx.execute(
                "UPDATE polls SET turnout = turnout + ?, revision = revision + 1 WHERE id = ?",
                (turnout, poll_id),
            )
            fresh = await self._repository.get_in(tx, poll_id, guild_id=guild_id)
            assert fresh is not None
            await tx.execute(
                """
                INSERT INTO outbox (dedupe_key, action, channel_id, message_key, content, embed,
                    send_after, created_at)
                VALUES (?, 'edit', ?, ?, ?, ?, ?, ?)
                """,
                (
                    f"naive:{poll_id}:rev:{fresh.revision}",
                    fresh.channel_id,
                    message_key(poll_id),
                    status_text(fresh),
                    embeds_to_json(poll_embeds(fresh)),
                    now,
                    now,
                ),
            )
        self.edits_queued += 1


def _json_list(text: str) -> list[Any]:
    value = json.loads(text)
    assert isinstance(value, list)
    return value


@dataclass(frozen=True)
class DomainFigures:
    clicks: int
    vote_seconds: float
    votes_per_second: float
    vote_p50_ms: float
    vote_p99_ms: float
    transactions: int
    drain_seconds: float
    edits_queued: int
    edits_sent: int
    last_edit_at_s: float  # simulated seconds from the first click to the last edit sent
    tally: Tally
    last_edit_exact: bool


def spec(options: int, now: datetime) -> PollSpec:
    return PollSpec(
        guild_id=GUILD,
        channel_id=CHANNEL,
        creator_id=CREATOR,
        question="What do we watch on Friday?",
        kind=PollKind.SINGLE,
        options=tuple(OptionSpec(f"Show {n + 1}") for n in range(options)),
        closes_at=to_unix(now + timedelta(hours=24)),
        anonymous=True,
        results=ResultsVisibility.LIVE,
    )


def tally_of(poll: Poll) -> Tally:
    return Tally(tuple(option.votes for option in poll.options), poll.turnout)


async def _one_side(
    folder: Path, name: str, plan: Plan, options: int, *, naive: bool
) -> DomainFigures:
    db = await Database.open(folder / f"{name}.sqlite3")
    charts = ChartRenderer(config_dir=folder / "mpl")
    try:
        await migrations.upgrade(db)
        clock = FakeClock(START)
        outbox_repository = OutboxRepository(db)
        discord = CountingDiscord()
        outbox = Outbox(
            outbox_repository, discord, clock, RateLimiter(DISCORD_SEND_WINDOWS, clock, clock.sleep)
        )
        repository = PollRepository(db)
        voter_key = VoterKey.load_or_create(folder / f"{name}.key")
        polls = PollService(
            db,
            repository,
            voter_key,
            TimerService(TimerRepository(db, outbox_repository), clock),
            outbox_repository,
            Catalog.bundled(),
            charts,
            clock,
        )
        poll = await polls.open(spec(options, clock.now()))
        await outbox.drain()
        peer = NaivePeer(db, repository, voter_key)
        vote: Callable[[int, int], Awaitable[object]]
        if naive:

            def vote(member: int, option: int) -> Awaitable[object]:
                return peer.vote(GUILD, poll.id, member, option, to_unix(clock.now()))

        else:

            def vote(member: int, option: int) -> Awaitable[object]:
                return polls.vote(GUILD, poll.id, member, option)

        latencies: list[float] = []

        async def timed(member: int, option: int) -> None:
            began = time.perf_counter()
            await vote(member, option)
            latencies.append(time.perf_counter() - began)

        first_click = clock.monotonic()
        vote_seconds = drain_seconds = 0.0
        last_sent_at = first_click
        for wave in plan.waves:
            began = time.perf_counter()
            await asyncio.gather(*(timed(MEMBER_BASE + m, o) for m, o in wave))
            vote_seconds += time.perf_counter() - began
            clock.advance(len(wave) / SIM_RATE)
            began = time.perf_counter()
            sent_before = len(discord.edits)
            await outbox.drain()
            if len(discord.edits) > sent_before:
                last_sent_at = clock.monotonic()
            drain_seconds += time.perf_counter() - began
        # The last edit may wait out its spacing: let the simulated time pass until none waits.
        for _ in range(100):
            if not await outbox_repository.next_send_after():
                break
            clock.advance(1)
            began = time.perf_counter()
            sent_before = len(discord.edits)
            await outbox.drain()
            if len(discord.edits) > sent_before:
                last_sent_at = clock.monotonic()
            drain_seconds += time.perf_counter() - began
        final = await polls.get(GUILD, poll.id)
        await polls.ballot_box.drain()
        row = await db.fetchone("SELECT count(*) FROM outbox WHERE action = 'edit'")
        edits_queued = 0 if row is None else int(row[0])
    finally:
        charts.close()
        await db.close()
    return DomainFigures(
        clicks=plan.clicks,
        vote_seconds=vote_seconds,
        votes_per_second=plan.clicks / vote_seconds,
        vote_p50_ms=statistics.median(latencies) * 1000,
        vote_p99_ms=percentile(latencies, 0.99) * 1000,
        transactions=peer.edits_queued if naive else polls.ballot_box.groups,
        drain_seconds=drain_seconds,
        edits_queued=edits_queued,
        edits_sent=len(discord.edits),
        last_edit_at_s=last_sent_at - first_click,
        tally=tally_of(final),
        last_edit_exact=bool(discord.edits) and discord.edits[-1] == status_text(final),
    )


async def run_domain(folder: Path, plan: Plan, options: int) -> dict[str, Any]:
    ours = await _one_side(folder, "ours", plan, options, naive=False)
    peer = await _one_side(folder, "naive", plan, options, naive=True)
    expected = plan.expected(options)
    return {
        "domain_clicks": plan.clicks,
        "domain_members": plan.members,
        "domain_waves": len(plan.waves),
        "domain_votes_per_s_ours": round(ours.votes_per_second),
        "domain_votes_per_s_naive": round(peer.votes_per_second),
        "domain_ratio_ours_over_naive": round(ours.votes_per_second / peer.votes_per_second, 1),
        "domain_vote_p50_ms_ours": round(ours.vote_p50_ms, 1),
        "domain_vote_p99_ms_ours": round(ours.vote_p99_ms, 1),
        "domain_vote_p50_ms_naive": round(peer.vote_p50_ms, 1),
        "domain_vote_p99_ms_naive": round(peer.vote_p99_ms, 1),
        "domain_transactions_ours": ours.transactions,
        "domain_transactions_naive": peer.transactions,
        "domain_edits_queued_ours": ours.edits_queued,
        "domain_edits_queued_naive": peer.edits_queued,
        "domain_edits_sent_ours": ours.edits_sent,
        "domain_edits_sent_naive": peer.edits_sent,
        "domain_edit_ratio_naive_over_ours": round(peer.edits_sent / max(1, ours.edits_sent), 1),
        "domain_last_edit_after_s_ours": round(ours.last_edit_at_s, 1),
        "domain_last_edit_after_s_naive": round(peer.last_edit_at_s, 1),
        "domain_drain_wall_s_ours": round(ours.drain_seconds, 2),
        "domain_drain_wall_s_naive": round(peer.drain_seconds, 2),
        "domain_tally_exact_ours": ours.tally == expected,
        "domain_tally_exact_naive": peer.tally == expected,
        "domain_last_edit_exact_ours": ours.last_edit_exact,
        "domain_last_edit_exact_naive": peer.last_edit_exact,
    }
