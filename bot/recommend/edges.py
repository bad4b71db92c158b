"""AniList's recommendation edges as a ranking signal: "AniList fans of *Frieren* recommend it".

A request's seeds are the `like` title, or else the member's best-rated titles; each seed's
recommended titles (best rated first) get the seed's like weight times 1 / (1 + rank), summed
over the seeds. `Recommender` scales the strengths to [0, 1] over the eligible candidates.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Final

__all__ = ["MAX_SEEDS", "SEED_MIN_SCORE", "EdgeSeed", "EdgeSignals"]

MAX_SEEDS: Final = 3  # best-rated titles whose edges are read when no `like` is given
SEED_MIN_SCORE: Final = 8.0  # a rating that says "more like this" clearly enough to ask AniList


@dataclass(frozen=True)
class EdgeSeed:
    """One title whose AniList recommendations were read. `score` is the member's rating,
    None for the `like` title; `weight` is how much it says "more like this"."""

    title_id: str
    name: str
    score: float | None
    weight: float
    recommended: tuple[str, ...]  # title ids, best rated first


def _empty_strengths() -> Mapping[str, float]:
    return MappingProxyType({})


def _empty_seeds() -> Mapping[str, EdgeSeed]:
    return MappingProxyType({})


@dataclass(frozen=True)
class EdgeSignals:
    """Title id -> edge strength, and the seed that gave each title most of it."""

    strength: Mapping[str, float] = field(default_factory=_empty_strengths)
    seed_of: Mapping[str, EdgeSeed] = field(default_factory=_empty_seeds)

    @classmethod
    def from_seeds(cls, seeds: Sequence[EdgeSeed]) -> EdgeSignals:
        strength: dict[str, float] = {}
        best: dict[str, tuple[float, EdgeSeed]] = {}
        for seed in seeds:
            if seed.weight <= 0:
                continue  # a disliked title's fans say nothing about what this member wants
            for rank, title_id in enumerate(dict.fromkeys(seed.recommended)):
                part = seed.weight / (1 + rank)
                strength[title_id] = strength.get(title_id, 0.0) + part
                if title_id not in best or part > best[title_id][0]:
                    best[title_id] = (part, seed)
        return cls(
            strength=MappingProxyType(strength),
            seed_of=MappingProxyType({title_id: seed for title_id, (_, seed) in best.items()}),
        )

    def __bool__(self) -> bool:
        return bool(self.strength)
