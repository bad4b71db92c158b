"""The rules of polls: opening one (with its message and its close timer, in one transaction),
voting through the ballot box, closing at the deadline or early, and the results with a chart.

Results are posted by one path only, the `poll.close` timer: an early close moves that timer to
now. So a poll's results are posted once, by a timer the crash test already covers.
"""

from __future__ import annotations

import asyncio
import functools
import random
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Final, Protocol

from bot.charts.labels import chart_label
from bot.charts.models import Bar
from bot.charts.polls import results_chart, rounds_chart
from bot.charts.renderer import ChartRenderer
from bot.charts.trend import trend_chart
from bot.clock import Clock, to_unix
from bot.errors import UserFacingError
from bot.metadata.catalog import Catalog
from bot.metadata.models import Title
from bot.outbox.message import Delivery
from bot.outbox.queueing import QueuedDelivery
from bot.outbox.repository import OutboxRepository
from bot.polls.anonymity import VoterKey
from bot.polls.ballot_box import BallotBox
from bot.polls.cards import candidate_of
from bot.polls.counting import RankedResults, Results, instant_runoff, tally
from bot.polls.message import poll_edit, poll_message, results_message
from bot.polls.models import (
    Ballot,
    BracketSlot,
    CountedOption,
    OptionSpec,
    Poll,
    PollHeading,
    PollKind,
    PollSpec,
    ResultsVisibility,
    VoteAction,
    VoteReceipt,
    VoteRequest,
)
from bot.polls.pairs import Candidate, NoPair, VersusPair, find_opponent, find_pair
from bot.polls.repository import PollRepository
from bot.polls.rules import MAX_DURATION
from bot.polls.stats import CompassStats, compass_stats
from bot.storage.database import Database, Transaction
from bot.timers.models import FiredTimer, NewTimer, PermanentTimerError, TimerOutcome
from bot.timers.service import TimerService

CLOSE: Final = "poll.close"
RECENT: Final = timedelta(days=60)  # a title polled or watched this recently is not re-picked
LIST_LIMIT: Final = 25
STATS_POLLS: Final = 5000  # the latest closed versus polls /poll stats reads


def close_key(poll_id: int) -> str:
    return f"poll:{poll_id}:close"


class BracketHook(Protocol):
    """What a bracket does when one of its matches closes, inside the closing transaction."""

    async def match_closed_in(
        self, tx: Transaction, poll: Poll, results: Results, *, now: int
    ) -> None: ...


def count(poll: Poll, ballots: Sequence[Ballot]) -> Results:
    if poll.kind is PollKind.RANKED:
        return instant_runoff(len(poll.options), ballots)
    return tally(len(poll.options), ballots, kind=poll.kind, max_choices=poll.max_choices)


def chart_name(option: CountedOption | OptionSpec) -> str:
    if option.card is not None:
        return chart_label(option.card.latin_name, option.card.name)
    return chart_label(option.label, None)


def draw_results(poll: Poll, results: Results) -> Callable[[], bytes]:
    """The chart of a poll's results: the runoff's rounds for a ranked poll that needed more
    than one, else bars."""
    names = [chart_name(option) for option in poll.options]
    if isinstance(results, RankedResults) and len(results.rounds) > 1:
        return functools.partial(
            rounds_chart,
            poll.question,
            [{names[i]: n for i, n in round_.counts.items()} for round_ in results.rounds],
            [[names[i] for i in round_.eliminated] for round_ in results.rounds],
        )
    bars = [
        Bar(
            label=names[index],
            votes=results.votes[index],
            share=results.percentages[index] / 100,
            highlight=index in results.winners,
        )
        for index in range(len(poll.options))
    ]
    voters = "voter" if results.turnout == 1 else "voters"
    return functools.partial(
        results_chart, poll.question, bars, total_line=f"{results.turnout:,} {voters}"
    )


def _close_timer(poll: Poll, at: int) -> NewTimer:
    return NewTimer(close_key(poll.id), CLOSE, at, {"poll_id": poll.id, "guild_id": poll.guild_id})


class PollService:
    def __init__(
        self,
        db: Database,
        repository: PollRepository,
        voter_key: VoterKey,
        timers: TimerService,
        outbox: OutboxRepository,
        catalog: Catalog,
        charts: ChartRenderer,
        clock: Clock,
        *,
        on_queued: Callable[[], None] = lambda: None,
        rng: random.Random | None = None,
    ) -> None:
        self._db = db
        self._repository = repository
        self._timers = timers
        self._outbox = outbox
        self._catalog = catalog
        self._charts = charts
        self._clock = clock
        self._on_queued = on_queued
        self._rng = rng or random.Random()
        self.ballot_box = BallotBox(
            db, repository, voter_key, clock, self._queue_edits_in, on_queued=on_queued
        )
        self._candidates: tuple[Candidate, ...] | None = None
        self._brackets: BracketHook | None = None
        self._warm_up: asyncio.Future[None] | None = None

    def attach_brackets(self, brackets: BracketHook) -> None:
        self._brackets = brackets

    def register_timers(self, timers: TimerService) -> None:
        timers.register(CLOSE, self._close_due)

    def start(self) -> None:
        """Load matplotlib and the fonts now, on the chart thread, so that the first results
        are not the ones kept waiting."""
        self._warm_up = asyncio.ensure_future(self._charts.warm_up())

    async def stop(self) -> None:
        """Write the votes handed in, and let the warm-up end."""
        await self.ballot_box.drain()
        if self._warm_up is not None:
            await asyncio.gather(self._warm_up, return_exceptions=True)

    def now(self) -> datetime:
        return self._clock.now()

    # -- opening ------------------------------------------------------------------------------

    async def open(self, spec: PollSpec) -> Poll:
        """Open a poll: its rows, its message and its close timer commit together."""
        async with self._db.transaction() as tx:
            poll = await self.open_in(tx, spec)
        self._on_queued()
        return poll

    async def open_in(
        self, tx: Transaction, spec: PollSpec, *, bracket: BracketSlot | None = None
    ) -> Poll:
        now = to_unix(self._clock.now())
        poll_id = await self._repository.create_in(tx, spec, now=now, bracket=bracket)
        poll = await self._repository.get_in(tx, poll_id, guild_id=spec.guild_id)
        assert poll is not None  # written just now, in this transaction
        await self._queue_in(tx, f"poll:{poll_id}:open", [poll_message(poll)])
        await self._timers.schedule_in(tx, [_close_timer(poll, spec.closes_at)])
        return poll

    async def pick_pair(
        self, guild_id: int, *, given: Title | None = None, given_side: str = "slow_burn"
    ) -> VersusPair | NoPair:
        """A fresh, strong, well-matched slow-burn vs fantasy pair from the catalog; with
        `given`, the other side for it."""
        since = to_unix(self._clock.now() - RECENT)
        recent = await self._repository.recent_title_ids(guild_id, since=since)
        if self._candidates is None:
            self._candidates = tuple(candidate_of(title) for title in self._catalog)
        if given is None:
            return find_pair(self._candidates, recent, self._rng)
        return find_opponent(candidate_of(given), given_side, self._candidates, recent, self._rng)

    def catalog_title(self, title_id: str) -> Title | None:
        return self._catalog.get(title_id)

    # -- voting -------------------------------------------------------------------------------

    async def vote(self, guild_id: int, poll_id: int, member_id: int, option: int) -> VoteReceipt:
        """A click on an option's button: choose it, or take it back if chosen."""
        return await self.ballot_box.cast(
            VoteRequest(guild_id, poll_id, member_id, VoteAction.TOGGLE, option=option)
        )

    async def rank(
        self, guild_id: int, poll_id: int, member_id: int, ranking: Ballot
    ) -> VoteReceipt:
        """A ranking from the form; an empty one takes the vote back."""
        action = VoteAction.RANK if ranking else VoteAction.WITHDRAW
        return await self.ballot_box.cast(
            VoteRequest(guild_id, poll_id, member_id, action, ranking=ranking)
        )

    async def ballot_of(self, poll: Poll, member_id: int) -> Ballot | None:
        return await self._repository.ballot_of(poll.id, self.ballot_box.voter(poll, member_id))

    async def _queue_edits_in(self, tx: Transaction, polls: Sequence[Poll]) -> None:
        for poll in polls:
            await self._queue_in(tx, f"poll:{poll.id}:rev:{poll.revision}", [poll_edit(poll)])

    # -- reading ------------------------------------------------------------------------------

    async def get(self, guild_id: int, poll_id: int) -> Poll:
        poll = await self._repository.get(poll_id, guild_id=guild_id)
        if poll is None:
            raise UserFacingError(f"There is no poll #{poll_id} in this server.")
        return poll

    async def headings(
        self, guild_id: int, *, open_only: bool, limit: int = LIST_LIMIT
    ) -> list[PollHeading]:
        return await self._repository.headings(
            guild_id, open_only=open_only, now=to_unix(self._clock.now()), limit=limit
        )

    async def results(self, guild_id: int, poll_id: int) -> tuple[Poll, Results]:
        """The count as it stands: final once closed; while open only for a live poll."""
        poll = await self.get(guild_id, poll_id)
        if not poll.is_closed and poll.results is ResultsVisibility.AT_CLOSE:
            raise UserFacingError(
                f"Poll #{poll.id} shows its results when it closes, <t:{poll.closes_at}:R>; "
                "until then nobody can see them, its creator and admins included."
            )
        return poll, count(poll, await self._repository.ballots(poll.id))

    async def chart(self, poll: Poll, results: Results) -> bytes | None:
        """The results chart as PNG bytes, drawn off the event loop; None with no votes."""
        if results.turnout == 0:
            return None
        return await self._charts.render(draw_results(poll, results))

    async def voters(self, guild_id: int, poll_id: int) -> tuple[Poll, list[tuple[int, Ballot]]]:
        poll = await self.get(guild_id, poll_id)
        if poll.anonymous:
            raise UserFacingError(
                f"Poll #{poll.id} is anonymous: the bot itself cannot tell who voted for what, "
                "so nobody can see it."
            )
        return poll, await self._repository.named_voters(poll.id)

    async def compass(self, guild_id: int) -> CompassStats:
        """How this server leans across its closed versus polls."""
        return compass_stats(await self._repository.closed_versus(guild_id, limit=STATS_POLLS))

    async def compass_chart(self, stats: CompassStats, *, server: str) -> bytes | None:
        if not stats.trend:
            return None
        title = f"{server}: the story compass"
        return await self._charts.render(functools.partial(trend_chart, title, stats.trend))

    # -- closing ------------------------------------------------------------------------------

    async def edit(
        self,
        guild_id: int,
        poll_id: int,
        member_id: int,
        *,
        manages_messages: bool,
        question: str | None = None,
        closes_at: int | None = None,
    ) -> Poll:
        """Change an open poll's question or deadline; its message follows. Votes stay as they
        are: the options never change once members may have voted for them."""
        async with self._db.transaction() as tx:
            poll = await self._changeable_in(tx, guild_id, poll_id, member_id, manages_messages)
            latest = poll.opened_at + int(MAX_DURATION.total_seconds())
            if closes_at is not None and closes_at > latest:
                raise UserFacingError(
                    f"A poll runs at most 7 days from when it opened: poll #{poll.id} can stay "
                    f"open until <t:{latest}:f> at the latest."
                )
            await self._repository.edit_in(tx, poll_id, question=question, closes_at=closes_at)
            if closes_at is not None:
                await self._timers.schedule_in(tx, [_close_timer(poll, closes_at)])
            edited = await self._repository.get_in(tx, poll_id, guild_id=guild_id)
            assert edited is not None
            await self._queue_edits_in(tx, [edited])
        self._on_queued()
        return edited

    async def close(
        self, guild_id: int, poll_id: int, member_id: int, *, manages_messages: bool
    ) -> Poll:
        """Close early; the results follow at once through the close timer."""
        now = to_unix(self._clock.now())
        async with self._db.transaction() as tx:
            poll = await self._changeable_in(tx, guild_id, poll_id, member_id, manages_messages)
            await self._repository.close_in(tx, poll_id, at=now, by=member_id)
            await self._timers.schedule_in(tx, [_close_timer(poll, now)])
            closed = await self._repository.get_in(tx, poll_id, guild_id=guild_id)
        assert closed is not None
        return closed

    async def _changeable_in(
        self, tx: Transaction, guild_id: int, poll_id: int, member_id: int, manages: bool
    ) -> Poll:
        """The poll, if this member may change it (its creator, or Manage Messages) and it is
        still open."""
        poll = await self._repository.get_in(tx, poll_id, guild_id=guild_id)
        if poll is None:
            raise UserFacingError(f"There is no poll #{poll_id} in this server.")
        if poll.creator_id != member_id and not manages:
            raise UserFacingError(
                "Only the poll's creator or a member with Manage Messages can change or close it."
            )
        if not poll.is_open_at(to_unix(self._clock.now())):
            raise UserFacingError(f"Poll #{poll.id} is already closed.")
        return poll

    async def _close_due(self, fired: FiredTimer) -> TimerOutcome:
        """The `poll.close` timer: close the poll if still open, recount it from its ballots,
        keep the count, let its bracket move on, and post the results with their chart. A
        rerun after a crash finds it closed and posts the same results (the timer's messages
        are queued once)."""
        try:
            poll_id = int(fired.payload["poll_id"])
            guild_id = int(fired.payload["guild_id"])
        except (KeyError, TypeError, ValueError) as error:
            raise PermanentTimerError(f"unreadable poll close: {error}") from error
        now = to_unix(fired.due_at + fired.late_by)
        async with self._db.transaction() as tx:
            poll = await self._repository.get_in(tx, poll_id, guild_id=guild_id)
            if poll is None:
                return TimerOutcome()
            if poll.closed_at is None:
                if poll.closes_at > now:
                    return TimerOutcome()  # a stale timer; the poll's own close is later
                await self._repository.close_in(tx, poll_id, at=poll.closes_at, by=None)
            results = count(poll, await self._repository.ballots_in(tx, poll_id))
            await self._repository.record_count_in(
                tx, poll_id, results.votes, results.turnout, results.winners
            )
            closed = await self._repository.get_in(tx, poll_id, guild_id=guild_id)
            assert closed is not None
            if closed.bracket is not None and self._brackets is not None:
                await self._brackets.match_closed_in(tx, closed, results, now=now)
        chart = await self.chart(closed, results)
        messages: list[Delivery] = [poll_edit(closed), results_message(closed, results, chart)]
        return TimerOutcome(messages=tuple(messages))

    # -- helpers ------------------------------------------------------------------------------

    async def _queue_in(self, tx: Transaction, name: str, deliveries: Sequence[Delivery]) -> None:
        await self._outbox.enqueue_in(
            tx,
            [QueuedDelivery(f"{name}:{n}", d) for n, d in enumerate(deliveries)],
            now=to_unix(self._clock.now()),
        )
