"""Counting a poll's ballots: plain tallies for single, versus and multi polls, and instant
runoff for ranked ones. Pure and deterministic: the same ballots, in any order, give the same
results.

Ballots reaching this module have already been checked by the service, which tells a member
what is accepted. A malformed ballot here is a bug, so it raises ValueError rather than being
skipped: a silently dropped vote would make a tally quietly wrong.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from bot.polls.models import PollKind


@dataclass(frozen=True)
class Results:
    """A counted poll.

    `votes[i]` is the number of ballots that chose option `i` (for a ranked poll, that ranked
    it first). `turnout` is the number of voters, i.e. ballots. `winners` holds the winning
    option indexes in ascending order: one is a winner, several are a tie, none means nobody
    voted.
    """

    kind: PollKind
    votes: tuple[int, ...]
    turnout: int
    winners: tuple[int, ...]

    @property
    def percentages(self) -> tuple[float, ...]:
        """Per option, the percentage (0 to 100) of voters who chose it; all 0.0 with no voters.

        It is always a share of voters, not of choices: on a multi poll a member who picks three
        options counts toward all three, so the percentages can add up to more than 100 ("60% of
        voters want Frieren"). On a ranked poll it is the share of voters who ranked the option
        first; the rounds hold the runoff.
        """
        if self.turnout == 0:
            return tuple(0.0 for _ in self.votes)
        return tuple(100 * count / self.turnout for count in self.votes)

    @property
    def is_tie(self) -> bool:
        return len(self.winners) > 1


@dataclass(frozen=True)
class Round:
    """One round of an instant runoff.

    `counts` maps each option still in the race at the start of the round (ascending) to the
    ballots that rank it highest among those options. `active` is the number of ballots counted
    this round and `exhausted` the number with no remaining preference, so `active + exhausted`
    is the turnout and `sum(counts.values()) == active`. `eliminated` lists the options knocked
    out at the end of the round; it is empty in the last round, which has a winner or a tie.
    (A Round compares by value but is not hashable, since `counts` is a mapping.)
    """

    number: int  # 1-based
    counts: Mapping[int, int]
    active: int
    exhausted: int
    eliminated: tuple[int, ...]


@dataclass(frozen=True)
class RankedResults(Results):
    """A ranked poll counted by instant runoff: `votes` are first preferences, `winners` come
    from the last round, and `rounds` say how the count got there (empty with no ballots)."""

    rounds: tuple[Round, ...]

    @property
    def final_round(self) -> Round | None:
        return self.rounds[-1] if self.rounds else None


def check_ballot(
    options: int, ballot: Sequence[int], *, kind: PollKind, max_choices: int = 1
) -> None:
    """Raise ValueError unless `ballot` is well formed for a poll of `options` options.

    Every kind needs at least one choice, each an index in range, none repeated. SINGLE and
    VERSUS take exactly one; MULTI at most `max_choices`; RANKED any number, in order.
    """
    _check_poll(options, kind=kind, max_choices=max_choices)
    if not ballot:
        raise ValueError("a ballot names at least one option; a withdrawn vote is no ballot")
    for index in ballot:
        if not 0 <= index < options:
            raise ValueError(f"option {index} is not one of the poll's {options} options")
    if len(set(ballot)) != len(ballot):
        raise ValueError(f"a ballot names each option at most once: {tuple(ballot)}")
    if kind is not PollKind.RANKED and len(ballot) > max_choices:
        raise ValueError(f"a ballot has at most {max_choices} choice(s), not {len(ballot)}")


def tally(
    options: int,
    ballots: Sequence[Sequence[int]],
    *,
    kind: PollKind,
    max_choices: int = 1,
) -> Results:
    """Count a SINGLE, VERSUS or MULTI poll: each choice on a ballot counts once.

    The winners are the options with the most votes; several share a tie, which stays a tie.
    With no ballots there are no winners. `max_choices` must be 1 unless the poll is MULTI.
    """
    if kind is PollKind.RANKED:
        raise ValueError("a ranked poll is counted by instant_runoff, not tally")
    for ballot in ballots:
        check_ballot(options, ballot, kind=kind, max_choices=max_choices)
    if not ballots:
        _check_poll(options, kind=kind, max_choices=max_choices)
    votes = [0] * options
    for ballot in ballots:
        for index in ballot:
            votes[index] += 1
    return Results(kind=kind, votes=tuple(votes), turnout=len(ballots), winners=_leaders(votes))


def instant_runoff(options: int, ballots: Sequence[Sequence[int]]) -> RankedResults:
    """Count a ranked poll by instant runoff.

    Each round counts every ballot for its highest-ranked option still in the race. An option
    with a strict majority of that round's active ballots wins. Otherwise the option(s) with the
    fewest votes are eliminated: all of them together when several tie for fewest, because
    picking one of them would be arbitrary. If that would eliminate every remaining option, the
    remaining options tie for the win instead; no tie-break is invented.

    A ballot whose ranked options have all been eliminated is exhausted: it no longer counts,
    and it leaves the majority base of later rounds (a majority of the ballots still active).
    Options that nobody ranks highest get 0 votes and go out in the first round, along with any
    others tied at the bottom. Every round is recorded.
    """
    for ballot in ballots:
        check_ballot(options, ballot, kind=PollKind.RANKED)
    if not ballots:
        _check_poll(options, kind=PollKind.RANKED, max_choices=1)
    first = [0] * options
    for ballot in ballots:
        first[ballot[0]] += 1

    rounds: list[Round] = []
    winners: tuple[int, ...] = ()
    remaining = set(range(options))
    while ballots:
        counts = dict.fromkeys(sorted(remaining), 0)
        for ballot in ballots:
            top = next((index for index in ballot if index in remaining), None)
            if top is not None:
                counts[top] += 1
        active = sum(counts.values())
        number = len(rounds) + 1
        exhausted = len(ballots) - active
        leader = max(counts, key=lambda index: (counts[index], -index))
        fewest = min(counts.values())
        bottom = tuple(index for index, count in counts.items() if count == fewest)
        if 2 * counts[leader] > active:
            winners = (leader,)
            eliminated: tuple[int, ...] = ()
        elif len(bottom) == len(remaining):
            # Everyone left has the same count (active > 0 here, as the leader has no majority
            # of zero): a tie, said plainly.
            winners = tuple(sorted(remaining))
            eliminated = ()
        else:
            eliminated = bottom
        rounds.append(Round(number, counts, active, exhausted, eliminated))
        if not eliminated:
            break
        remaining.difference_update(eliminated)
    return RankedResults(
        kind=PollKind.RANKED,
        votes=tuple(first),
        turnout=len(ballots),
        winners=winners,
        rounds=tuple(rounds),
    )


def _check_poll(options: int, *, kind: PollKind, max_choices: int) -> None:
    if options < 1:
        raise ValueError(f"a poll has at least one option, not {options}")
    if kind is PollKind.VERSUS and options != 2:
        raise ValueError(f"a versus poll has exactly two sides, not {options}")
    if kind is PollKind.MULTI:
        if not 1 <= max_choices <= options:
            raise ValueError(f"max_choices is 1 to {options} on this poll, not {max_choices}")
    elif max_choices != 1:
        raise ValueError(f"only a multi poll takes max_choices, and {kind} got {max_choices}")


def _leaders(votes: Sequence[int]) -> tuple[int, ...]:
    most = max(votes, default=0)
    if most == 0:
        return ()
    return tuple(index for index, count in enumerate(votes) if count == most)
