"""Brackets: a tournament of 4, 8 or 16 titles, run as rounds of versus polls.

A round's matches open together; when the last of them closes, the next round opens, in the
closing transaction of that last match (so a crash can neither skip a round nor open one twice:
the unique index on (bracket, round, match) backs that up). The final result, with the bracket
drawn as an image, is posted by its own timer, since drawing happens off the event loop and
outside any transaction.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Final

from bot.charts.bracket import bracket_chart
from bot.charts.renderer import ChartRenderer
from bot.clock import Clock, to_unix
from bot.errors import UserFacingError
from bot.message_text import fit, in_message
from bot.outbox.message import Attachment, Button, OutgoingMessage, ToChannel
from bot.polls.bracket import (
    SIZES,
    advance_on_tie,
    champion,
    current_round,
    is_finished,
    new_bracket,
    ready_matches,
    record_winner,
)
from bot.polls.counting import Results
from bot.polls.message import handoff_custom_id
from bot.polls.models import (
    BracketSlot,
    BracketSpec,
    Poll,
    PollKind,
    PollSpec,
    StoredBracket,
)
from bot.polls.repository import PollRepository
from bot.polls.service import PollService, chart_name
from bot.storage.database import Database, Transaction
from bot.timers.models import FiredTimer, NewTimer, PermanentTimerError, TimerOutcome
from bot.timers.service import TimerService

FINAL: Final = "poll.bracket_final"
CHART_FILE: Final = "bracket.png"


def round_name(size: int, round_index: int) -> str:
    """ "Final", "Semi-final", "Quarter-final", else "Round N"."""
    rounds = size.bit_length() - 1
    left = rounds - round_index
    return {1: "Final", 2: "Semi-final", 3: "Quarter-final"}.get(left, f"Round {round_index + 1}")


def match_question(bracket: StoredBracket, round_index: int, match: int) -> str:
    name = round_name(len(bracket.entrants), round_index)
    matches = len(bracket.draw.rounds[round_index])
    where = name if matches == 1 else f"{name} {match + 1} of {matches}"
    return fit(f"{bracket.name} \u00b7 {where}", 200)


class BracketService:
    def __init__(
        self,
        db: Database,
        repository: PollRepository,
        polls: PollService,
        timers: TimerService,
        charts: ChartRenderer,
        clock: Clock,
        *,
        on_queued: Callable[[], None] = lambda: None,
    ) -> None:
        self._db = db
        self._repository = repository
        self._polls = polls
        self._timers = timers
        self._charts = charts
        self._clock = clock
        self._on_queued = on_queued
        polls.attach_brackets(self)

    def register_timers(self, timers: TimerService) -> None:
        timers.register(FINAL, self._post_final)

    async def start(self, spec: BracketSpec) -> tuple[StoredBracket, list[Poll]]:
        """Seed the bracket and open its first round."""
        if len(spec.entrants) not in SIZES:
            raise UserFacingError(
                f"A bracket has 4, 8 or 16 titles; that one has {len(spec.entrants)}."
            )
        labels = [entrant.label.casefold() for entrant in spec.entrants]
        if len(set(labels)) != len(labels):
            raise UserFacingError("A bracket lists each title once.")
        draw = new_bracket([str(seed) for seed in range(1, len(spec.entrants) + 1)])
        now = to_unix(self._clock.now())
        async with self._db.transaction() as tx:
            bracket_id = await self._repository.create_bracket_in(tx, spec, draw, now=now)
            bracket = await self._bracket_in(tx, bracket_id)
            opened = await self._open_round_in(tx, bracket, 0, now=now)
        self._on_queued()
        return bracket, opened

    async def get(self, guild_id: int, bracket_id: int) -> StoredBracket:
        bracket = await self._repository.bracket(bracket_id)
        if bracket is None or bracket.guild_id != guild_id:
            raise UserFacingError(f"There is no bracket #{bracket_id} in this server.")
        return bracket

    async def _bracket_in(self, tx: Transaction, bracket_id: int) -> StoredBracket:
        bracket = await self._repository.bracket_in(tx, bracket_id)
        if bracket is None:
            raise UserFacingError(f"There is no bracket #{bracket_id}.")
        return bracket

    async def _open_round_in(
        self, tx: Transaction, bracket: StoredBracket, round_index: int, *, now: int
    ) -> list[Poll]:
        opened = []
        for r, m in ready_matches(bracket.draw):
            if r != round_index:
                continue
            match = bracket.draw.rounds[r][m]
            assert match.top is not None
            assert match.bottom is not None
            spec = PollSpec(
                guild_id=bracket.guild_id,
                channel_id=bracket.channel_id,
                creator_id=bracket.creator_id,
                question=match_question(bracket, r, m),
                kind=PollKind.VERSUS,
                options=(bracket.entrants[match.top - 1], bracket.entrants[match.bottom - 1]),
                closes_at=now + bracket.duration_seconds,
                anonymous=bracket.anonymous,
                results=bracket.results,
            )
            opened.append(
                await self._polls.open_in(tx, spec, bracket=BracketSlot(bracket.id, r, m))
            )
        return opened

    async def match_closed_in(
        self, tx: Transaction, poll: Poll, results: Results, *, now: int
    ) -> None:
        """Record the match's winner (the higher seed on a tie), and open the next round
        once this one is complete, or schedule the final result."""
        slot = poll.bracket
        if slot is None:
            return
        bracket = await self._bracket_in(tx, slot.bracket_id)
        match = bracket.draw.rounds[slot.round][slot.match]
        if match.winner is not None or bracket.finished_at is not None:
            return  # recorded already: a rerun of the close
        if len(results.winners) == 1:
            winner = match.top if results.winners[0] == 0 else match.bottom
            assert winner is not None
        else:
            winner = advance_on_tie(match)
        draw = record_winner(bracket.draw, slot.round, slot.match, winner)
        finished = now if is_finished(draw) else None
        await self._repository.save_draw_in(tx, bracket.id, draw, finished_at=finished)
        bracket = await self._bracket_in(tx, bracket.id)
        if finished is not None:
            await self._timers.schedule_in(
                tx,
                [
                    NewTimer(
                        f"bracket:{bracket.id}:final",
                        FINAL,
                        now,
                        {"bracket_id": bracket.id, "final_poll": poll.id},
                    )
                ],
            )
            return
        next_round = current_round(draw)
        if next_round is not None and next_round > slot.round:
            await self._open_round_in(tx, bracket, next_round, now=now)

    async def _post_final(self, fired: FiredTimer) -> TimerOutcome:
        try:
            bracket_id = int(fired.payload["bracket_id"])
            final_poll = int(fired.payload["final_poll"])
        except (KeyError, TypeError, ValueError) as error:
            raise PermanentTimerError(f"unreadable bracket final: {error}") from error
        bracket = await self._repository.bracket(bracket_id)
        if bracket is None:
            raise PermanentTimerError(f"bracket {bracket_id} is gone")
        won = champion(bracket.draw)
        if won is None:
            return TimerOutcome()
        chart = await self._charts.render(
            lambda: bracket_chart(bracket.name, chart_rounds(bracket))
        )
        return TimerOutcome(messages=(final_message(bracket, won, chart, final_poll),))


def chart_rounds(bracket: StoredBracket) -> list[list[tuple[str, str, str | None]]]:
    """The draw as the bracket chart takes it: names, with the winner of each decided match."""

    def name(seed: int | None) -> str:
        return "" if seed is None else chart_name(bracket.entrants[seed - 1])

    return [
        [
            (
                name(match.top),
                name(match.bottom),
                None if match.winner is None else name(match.winner),
            )
            for match in round_
        ]
        for round_ in bracket.draw.rounds
    ]


def final_message(
    bracket: StoredBracket, won: int, chart: bytes, final_poll: int
) -> OutgoingMessage:
    winner = bracket.entrants[won - 1]
    lines = [
        f"\U0001f3c6 **{in_message(winner.label)}** wins **{in_message(bracket.name)}**!",
        f"-# Bracket #{bracket.id} \u00b7 {len(bracket.entrants)} titles \u00b7 "
        f"{len(bracket.draw.rounds)} rounds",
    ]
    embed: dict[str, Any] = {
        "title": fit(bracket.name, 256),
        "description": "\n".join(_path_lines(bracket, won)),
        "color": 0xF1C40F,
        "image": {"url": f"attachment://{CHART_FILE}"},
    }
    if winner.card is not None and winner.card.cover_url:
        embed["thumbnail"] = {"url": winner.card.cover_url}
    return OutgoingMessage(
        ToChannel(bracket.channel_id),
        "\n".join(lines),
        embeds=(embed,),
        files=(Attachment(CHART_FILE, chart),),
        buttons=(
            Button(
                fit(f"Schedule a watch party: {winner.label}", 80),
                custom_id=handoff_custom_id(final_poll, 0 if _won_top(bracket, won) else 1),
                style="success",
                emoji="\U0001f37f",
            ),
        ),
        key=f"bracket:{bracket.id}:final",
    )


def _won_top(bracket: StoredBracket, won: int) -> bool:
    return bracket.draw.rounds[-1][0].top == won


def _path_lines(bracket: StoredBracket, won: int) -> list[str]:
    """The champion's road: whom they beat in each round."""
    lines = []
    for index, round_ in enumerate(bracket.draw.rounds):
        for match in round_:
            if match.winner == won:
                beaten = match.bottom if match.top == won else match.top
                assert beaten is not None
                lines.append(
                    f"**{round_name(len(bracket.entrants), index)}:** beat "
                    f"{in_message(bracket.label(beaten))}"
                )
    return lines
