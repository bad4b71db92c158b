"""Brackets: a single-elimination tournament of 4, 8 or 16 titles, as rounds of versus matches.

Everything here is plain, immutable data; every change returns a new `Bracket`.

Seeds and positions
===================

Entrants are given best seed first, so `entrants[0]` is seed 1. Seeds are 1-based; round and
match indexes are 0-based positions (round 0 is the first round, match 0 the top of the draw).
The first round is laid out in standard bracket order, so that better seeds meet as late as
possible: seeds 1 and 2 only in the final, the top four only from the semi-finals on, and so
on. For 8 entrants the matches, by position, are (1, 8), (4, 5), (3, 6), (2, 7); each pair of
seeds adds up to N + 1.

The winners of matches 2k and 2k + 1 of a round meet in match k of the next round, the winner
of the even-numbered match in the `top` slot.

Ties
====

A versus match can end in a tie, and a tie stays a tie in the poll's results. The bracket still
needs someone to advance, so the caller resolves it: the rule of the house is that **the higher
seed (the smaller seed number) advances on a tie**. `advance_on_tie` applies that rule; the
bracket itself only ever records a winner it is given.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

SIZES = (4, 8, 16)


@dataclass(frozen=True)
class Match:
    """One versus match. `top` and `bottom` are seeds, None until the match feeding that slot
    has a winner; `winner` is one of the two seeds, or None while the match is pending."""

    top: int | None
    bottom: int | None
    winner: int | None = None

    @property
    def is_ready(self) -> bool:
        """Both entrants are known and no winner is recorded yet: the match can be voted on."""
        return self.top is not None and self.bottom is not None and self.winner is None

    @property
    def is_decided(self) -> bool:
        return self.winner is not None


@dataclass(frozen=True)
class Bracket:
    """`entrants[seed - 1]` is the entrant (a title id, or whatever the caller names them by)
    of that seed. `rounds[r][m]` is match m of round r; the last round is the final."""

    entrants: tuple[str, ...]
    rounds: tuple[tuple[Match, ...], ...]

    def entrant(self, seed: int) -> str:
        if not 1 <= seed <= len(self.entrants):
            raise ValueError(f"no seed {seed} in a bracket of {len(self.entrants)}")
        return self.entrants[seed - 1]


def seed_order(size: int) -> tuple[tuple[int, int], ...]:
    """The first round's seed pairs, by position, better seed first, for a bracket of `size`.

    Built by doubling: from the final (1 v 2), each seed s of a bracket of n becomes the match
    s v 2n + 1 - s, with every other match turned over so that the halves alternate. This is
    the layout of the usual printed brackets (for 16: 1-16, 8-9, 5-12, 4-13, 3-14, 6-11,
    7-10, 2-15).
    """
    _check_size(size)
    slots = [1, 2]
    while len(slots) < size:
        total = 2 * len(slots) + 1
        grown: list[int] = []
        for position, seed in enumerate(slots):
            pair = [seed, total - seed]
            grown.extend(pair if position % 2 == 0 else reversed(pair))
        slots = grown
    pairs = zip(slots[::2], slots[1::2], strict=True)
    return tuple((min(a, b), max(a, b)) for a, b in pairs)


def new_bracket(entrants: Sequence[str]) -> Bracket:
    """A bracket for 4, 8 or 16 distinct entrants, best seed first, with the first round ready
    and every later match waiting for its entrants."""
    size = len(entrants)
    _check_size(size)
    if len(set(entrants)) != size:
        raise ValueError("each entrant can be in a bracket once")
    first = tuple(Match(top, bottom) for top, bottom in seed_order(size))
    rounds = [first]
    while len(rounds[-1]) > 1:
        rounds.append(tuple(Match(None, None) for _ in range(len(rounds[-1]) // 2)))
    return Bracket(entrants=tuple(entrants), rounds=tuple(rounds))


def record_winner(bracket: Bracket, round: int, match: int, winner: int) -> Bracket:
    """The bracket with `winner` (a seed) recorded as the winner of match `match` of round
    `round`, and moved into its slot in the next round.

    The match must be ready (both entrants known, no winner yet) and `winner` one of its two
    seeds; otherwise ValueError. A recorded winner is final, since later matches build on it.
    """
    if not 0 <= round < len(bracket.rounds):
        raise ValueError(f"no round {round} in a bracket of {len(bracket.rounds)} rounds")
    matches = bracket.rounds[round]
    if not 0 <= match < len(matches):
        raise ValueError(f"no match {match} in round {round}, which has {len(matches)}")
    current = matches[match]
    if current.is_decided:
        raise ValueError(f"match {match} of round {round} is already decided")
    if not current.is_ready:
        raise ValueError(f"match {match} of round {round} is still waiting for its entrants")
    if winner not in (current.top, current.bottom):
        raise ValueError(
            f"seed {winner} is not in match {match} of round {round} "
            f"({current.top} v {current.bottom})"
        )
    rounds = [list(r) for r in bracket.rounds]
    rounds[round][match] = replace(current, winner=winner)
    if round + 1 < len(rounds):
        following = rounds[round + 1][match // 2]
        slot = "top" if match % 2 == 0 else "bottom"
        rounds[round + 1][match // 2] = replace(following, **{slot: winner})
    return replace(bracket, rounds=tuple(tuple(r) for r in rounds))


def current_round(bracket: Bracket) -> int | None:
    """The first round with a match still undecided, or None when the bracket is finished."""
    for index, matches in enumerate(bracket.rounds):
        if not all(m.is_decided for m in matches):
            return index
    return None


def ready_matches(bracket: Bracket) -> tuple[tuple[int, int], ...]:
    """The (round, match) positions that can be voted on now, in order."""
    return tuple(
        (r, m)
        for r, matches in enumerate(bracket.rounds)
        for m, match in enumerate(matches)
        if match.is_ready
    )


def is_finished(bracket: Bracket) -> bool:
    return bracket.rounds[-1][0].is_decided


def champion(bracket: Bracket) -> int | None:
    """The seed that won the final, or None while the bracket is running."""
    return bracket.rounds[-1][0].winner


def advance_on_tie(match: Match) -> int:
    """Who advances from a tied match: the higher seed (the smaller seed number), by the rule
    of the house. A tie is not a win, so the poll still reports it as a tie; this only decides
    who goes on, and the bracket records it like any other winner."""
    if match.top is None or match.bottom is None:
        raise ValueError("a match waiting for its entrants cannot be tied")
    return min(match.top, match.bottom)


def _check_size(size: int) -> None:
    if size not in SIZES:
        raise ValueError(f"a bracket has 4, 8 or 16 entrants, not {size}")
