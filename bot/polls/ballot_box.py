"""Votes are written in groups: every vote that arrives while the last group is being
committed joins the next group, and each group is one transaction.

A vote is acknowledged (its future resolves) only after the transaction holding it commits, so
an acknowledged vote is on disk. With `synchronous=FULL` a commit costs a disk flush; one commit
per vote caps a poll at a few hundred votes a second on a plain disk, while one commit per group
keeps up with any burst the event loop can take, and each vote still waits for at most about two
commits. The same group queues one edit of each poll it changed, not one per vote.

Within a group the votes apply in arrival order, so two clicks of one member in one group count
as two clicks. A vote that does not fit its poll (closed, another server's, a third choice of
two) fails alone, with a clear message; a database error fails the whole group, and none of its
votes is acknowledged.
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Final

from bot.clock import Clock, to_unix
from bot.errors import UserFacingError
from bot.polls.anonymity import VoterKey
from bot.polls.models import Ballot, Poll, VoteReceipt, VoteRequest
from bot.polls.repository import PollRepository
from bot.polls.rules import counted, next_ballot
from bot.storage.database import Database, Transaction

log = logging.getLogger(__name__)

MAX_GROUP: Final = 500  # votes per transaction: bounds one commit's time, so acks stay quick

# Queues the edits of the polls a group changed, inside the group's transaction.
QueueEdits = Callable[[Transaction, Sequence[Poll]], Awaitable[None]]


def closed_message(poll: Poll) -> str:
    return f"Poll #{poll.id} is closed, so it takes no more votes. `/poll results {poll.id}`"


@dataclass
class _Waiting:
    request: VoteRequest
    answer: asyncio.Future[VoteReceipt]


def counted_poll(
    poll: Poll, option_deltas: Mapping[tuple[int, int], int], turnout_deltas: Mapping[int, int]
) -> Poll:
    """The poll as `add_counts_in` leaves it: moved counts, one revision higher."""
    return replace(
        poll,
        options=tuple(
            replace(option, votes=option.votes + option_deltas.get((poll.id, option.index), 0))
            for option in poll.options
        ),
        turnout=poll.turnout + turnout_deltas.get(poll.id, 0),
        revision=poll.revision + 1,
    )


class BallotBox:
    def __init__(
        self,
        db: Database,
        repository: PollRepository,
        voter_key: VoterKey,
        clock: Clock,
        queue_edits: QueueEdits,
        *,
        on_queued: Callable[[], None] = lambda: None,
        max_group: int = MAX_GROUP,
    ) -> None:
        self._db = db
        self._repository = repository
        self._voter_key = voter_key
        self._clock = clock
        self._queue_edits = queue_edits
        self._on_queued = on_queued
        self._max_group = max_group
        self._waiting: list[_Waiting] = []
        self._writer: asyncio.Task[None] | None = None
        self.groups = 0  # transactions committed, for the benchmark

    def voter(self, poll: Poll, member_id: int) -> str:
        """How the member is named in this poll's votes: by id, or hidden if anonymous."""
        return self._voter_key.voter(poll.id, member_id) if poll.anonymous else str(member_id)

    async def cast(self, request: VoteRequest) -> VoteReceipt:
        """Apply one vote; returns once it is committed. Raises UserFacingError if it does
        not fit the poll."""
        answer: asyncio.Future[VoteReceipt] = asyncio.get_running_loop().create_future()
        self._waiting.append(_Waiting(request, answer))
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._write_all(), name="poll-ballot-box")
        return await asyncio.shield(answer)

    async def drain(self) -> None:
        """Wait until every vote handed in so far is written (at shutdown)."""
        while self._writer is not None and not self._writer.done():
            await asyncio.shield(self._writer)

    async def _write_all(self) -> None:
        while self._waiting:
            group = self._waiting[: self._max_group]
            del self._waiting[: self._max_group]
            try:
                outcomes = await self._write(group)
            except Exception as error:
                log.exception("A group of %d votes could not be written", len(group))
                for waiting in group:
                    if not waiting.answer.done():
                        waiting.answer.set_exception(error)
                continue
            for waiting, outcome in zip(group, outcomes, strict=True):
                if waiting.answer.done():
                    continue
                if isinstance(outcome, UserFacingError):
                    waiting.answer.set_exception(outcome)
                else:
                    waiting.answer.set_result(outcome)

    async def _write(self, group: Sequence[_Waiting]) -> list[VoteReceipt | UserFacingError]:
        now = to_unix(self._clock.now())
        async with self._db.transaction() as tx:
            polls = await self._repository.polls_in(tx, {w.request.poll_id for w in group})
            keys = {
                id(w): (w.request.poll_id, self.voter(poll, w.request.member_id))
                for w in group
                if (poll := polls.get(w.request.poll_id)) is not None
            }
            ballots: dict[tuple[int, str], Ballot | None] = dict(
                await self._repository.ballots_of_in(tx, keys.values())
            )
            written: dict[tuple[int, str], Ballot | None] = {}
            option_deltas: dict[tuple[int, int], int] = defaultdict(int)
            turnout_deltas: dict[int, int] = defaultdict(int)
            staged: list[tuple[int, Ballot | None, bool] | UserFacingError] = []
            for waiting in group:
                request = waiting.request
                poll = polls.get(request.poll_id)
                if poll is None or poll.guild_id != request.guild_id:
                    staged.append(
                        UserFacingError(f"There is no poll #{request.poll_id} in this server.")
                    )
                    continue
                if not poll.is_open_at(now):
                    staged.append(UserFacingError(closed_message(poll)))
                    continue
                key = keys[id(waiting)]
                before = ballots.get(key)
                try:
                    after = next_ballot(poll, before, request)
                except UserFacingError as error:
                    staged.append(error)
                    continue
                changed = after != before
                if changed:
                    ballots[key] = written[key] = after
                    for index in counted(poll.kind, before):
                        option_deltas[(poll.id, index)] -= 1
                    for index in counted(poll.kind, after):
                        option_deltas[(poll.id, index)] += 1
                    turnout_deltas[poll.id] += (after is not None) - (before is not None)
                staged.append((poll.id, after, changed))
            if written:
                stamps = {key: None if polls[key[0]].anonymous else now for key in written}
                await self._repository.write_ballots_in(tx, written, stamps=stamps)
                moved = await self._repository.add_counts_in(tx, option_deltas, turnout_deltas)
                for poll_id in moved:
                    polls[poll_id] = counted_poll(polls[poll_id], option_deltas, turnout_deltas)
                await self._queue_edits(tx, [polls[poll_id] for poll_id in moved])
        self.groups += 1
        if written:
            self._on_queued()
        return [
            item if isinstance(item, UserFacingError) else VoteReceipt(polls[item[0]], *item[1:])
            for item in staged
        ]
