"""The clicks of `python -m bench votes`: who clicks which option, wave by wave, and the tally
they must add up to. Both the domain run and the full path use the same plan."""

from __future__ import annotations

import random
from dataclasses import dataclass

GUILD = 111
MEMBER_BASE = 10_000  # domain-layer member ids: MEMBER_BASE + index
SEED = 20261204


@dataclass(frozen=True)
class Tally:
    votes: tuple[int, ...]  # per option
    turnout: int


@dataclass(frozen=True)
class Plan:
    """`waves[w]` holds (member index, option) clicks, each member at most once per wave.

    Wave 0: every member clicks a random option. Each later wave: the members (in a new random
    order) click a random option again, which changes their vote, or takes it back when it is
    the same option (a poll of one choice: a click toggles). The last wave holds what is left
    of `votes`, so it may be short."""

    members: int
    waves: tuple[tuple[tuple[int, int], ...], ...]

    @classmethod
    def make(cls, members: int, votes: int, options: int, seed: int = SEED) -> Plan:
        if members < 1 or votes < 1:
            raise ValueError("a plan needs at least one member and one vote")
        rng = random.Random(seed)
        made = []
        left = votes
        while left > 0:
            wave = [(member, rng.randrange(options)) for member in range(members)]
            rng.shuffle(wave)
            made.append(tuple(wave[:left]))
            left -= len(made[-1])
        return cls(members, tuple(made))

    @property
    def clicks(self) -> int:
        return sum(len(wave) for wave in self.waves)

    def expected(self, options: int) -> Tally:
        """The tally the clicks add up to: toggling, in wave order per member."""
        ballots: dict[int, int | None] = {}
        for wave in self.waves:
            for member, option in wave:
                ballots[member] = None if ballots.get(member) == option else option
        votes = [0] * options
        for choice in ballots.values():
            if choice is not None:
                votes[choice] += 1
        return Tally(tuple(votes), sum(votes))
