"""A small synthetic community for the recommendation tests: hidden tastes, skewed popularity.

Members have hidden latent tastes (not the compass), watch mostly what is popular and what they
expect to like, and rate 1..10 from how well a title fits them plus noise. Some of each member's
likes (8+) are held out; a good model ranks them high among every title they have not rated.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from bot.recommend.knn import RatingAggregate

LIKE = 8.0


@dataclass(frozen=True)
class Community:
    train: RatingAggregate
    held_out: dict[int, set[int]]  # member -> title indices of held-out likes
    rated: dict[int, dict[int, float]]  # member -> {title index: score} in train


def community(
    *, members: int = 200, titles: int = 300, per_member: int = 30, seed: int = 0
) -> Community:
    rng = np.random.default_rng(seed)
    dims = 4
    title_factors = rng.normal(size=(titles, dims))
    member_factors = rng.normal(size=(members, dims))
    popularity = 1.0 / np.arange(1, titles + 1) ** 0.7
    rng.shuffle(popularity)
    affinity = member_factors @ title_factors.T / math.sqrt(dims)
    rows: list[tuple[int, int, float]] = []
    held_out: dict[int, set[int]] = {}
    rated: dict[int, dict[int, float]] = {}
    for m in range(members):
        weights = popularity * np.exp(0.8 * affinity[m])
        chosen = rng.choice(titles, size=per_member, replace=False, p=weights / weights.sum())
        scores = np.clip(
            np.round(5.5 + 2.2 * affinity[m, chosen] + rng.normal(size=per_member)), 1, 10
        )
        likes = [int(t) for t, s in zip(chosen, scores, strict=True) if s >= LIKE]
        hidden = (
            set(rng.permutation(likes)[: len(likes) // 4].tolist()) if len(likes) >= 4 else set()
        )
        held_out[m] = hidden
        rated[m] = {}
        for t, s in zip(chosen, scores, strict=True):
            if int(t) not in hidden:
                rows.append((m, int(t), float(s)))
                rated[m][int(t)] = float(s)
    ids = [f"t:{i}" for i in range(titles)]
    return Community(RatingAggregate.from_triples(ids, rows), held_out, rated)


def ndcg_at_10(ranking: list[int], relevant: set[int]) -> float:
    gain = sum(1 / math.log2(rank + 2) for rank, t in enumerate(ranking[:10]) if t in relevant)
    ideal = sum(1 / math.log2(rank + 2) for rank in range(min(10, len(relevant))))
    return gain / ideal if ideal else 0.0
