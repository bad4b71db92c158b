"""`/recommend`'s own ranker in `python -m bench recommend`: an adapter with the `Ranker` shape.

`fit` builds what the bot builds in the background, from the same inputs the bot would hold:

* the item-kNN model, `bot.recommend.knn.fit_item_knn`, over the training ratings as an
  anonymous `RatingAggregate` (title index i is the world's title `features.ids[i]`);
* a `CandidatePool` over every title of the world, its popularity the share of titles rated
  less often in training (a percentile from 0 to 1, the scale of `relative_popularity`);
* `Recommender.create(pool, model)`.

`rank` asks the `Recommender` exactly as `/recommend` with its defaults would: the member's
training ratings as their `MemberProfile`, medium any, no mood (balanced: the mood component
drops out), length and status any, for me, `count = k`, and no server signals (the synthetic
community is not one Discord server; a server's signals are tested in the unit tests). The
picks come back in MMR order, best first, and are returned as title indices.

The build time and memory the harness reports are the whole of `fit`: the kNN model, the pool
(which reads every title's content and compass) and the aligning; `details` splits them.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from types import MappingProxyType
from typing import Final

import numpy as np

from bench.recommend_world import FloatArray, IntArray, Ratings, TitleFeatures
from bot.recommend.knn import RatingAggregate, fit_item_knn
from bot.recommend.ranking import (
    Audience,
    CandidatePool,
    MediumFilter,
    MemberProfile,
    Recommender,
    Request,
)

__all__ = ["ProductRanker", "training_popularity"]

NAME: Final = "product"


def training_popularity(train: Ratings, titles: int) -> IntArray:
    """How many training ratings each title has."""
    return np.bincount(train.title, minlength=titles).astype(np.int64)


def _percentiles(counts: IntArray) -> FloatArray:
    """The share of titles each title is rated more often than (ties share the lower rank):
    0 for the least rated, just under 1 for the most."""
    ordered = np.sort(counts)
    below = np.searchsorted(ordered, counts, side="left")
    result: FloatArray = below / max(1, counts.size)
    return result


class ProductRanker:
    """`bot.recommend.Recommender` behind the benchmark's `Ranker` protocol."""

    name = NAME

    def __init__(self) -> None:
        self._recommender: Recommender | None = None
        self._train: Ratings | None = None
        self._ids: tuple[str, ...] = ()
        self._index: Mapping[str, int] = MappingProxyType({})
        self.details: dict[str, float] = {}

    def fit(self, train: Ratings, features: TitleFeatures) -> None:
        started = time.perf_counter()
        aggregate = RatingAggregate.from_arrays(
            features.ids, train.member, train.title, train.score
        )
        model = fit_item_knn(aggregate)
        knn_done = time.perf_counter()
        shares = _percentiles(training_popularity(train, len(features)))
        popularity = dict(zip(features.ids, shares.tolist(), strict=True))
        pool = CandidatePool.build(features.titles, popularity)
        pool_done = time.perf_counter()
        self._recommender = Recommender.create(pool, model)
        self._train = train
        self._ids = features.ids
        self._index = MappingProxyType({title_id: i for i, title_id in enumerate(features.ids)})
        self.details = {
            "knn_build_s": knn_done - started,
            "pool_build_s": pool_done - knn_done,
            "align_s": time.perf_counter() - pool_done,
        }

    def profile_of(self, member: int) -> MemberProfile:
        """The member's training ratings, by title id."""
        assert self._train is not None, "fit first"
        titles = self._train.titles_of(member).tolist()
        scores = self._train.scores_of(member).tolist()
        return MemberProfile(
            ratings=MappingProxyType(
                {self._ids[t]: float(s) for t, s in zip(titles, scores, strict=True)}
            )
        )

    def rank(self, member: int, k: int) -> list[int]:
        assert self._recommender is not None, "fit first"
        request = Request(medium=MediumFilter.ANY, mood=None, audience=Audience.MEMBER, count=k)
        result = self._recommender.recommend(self.profile_of(member), request)
        return [self._index[pick.title.id] for pick in result.picks]
