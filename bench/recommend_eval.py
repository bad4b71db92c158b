"""The evaluation of `python -m bench recommend`: the split, the rankers and their scores.

A ranker is anything with the `Ranker` shape: `fit(train, features)` learns from the training
ratings and the title features (`bench.recommend_world.TitleFeatures`), and `rank(member, k)`
returns the `k` best of *all* titles for a member, best first, leaving out the titles that
member rated in training. Nothing is sampled: every candidate competes for the top 10.

The baselines live here: `PopularityRanker`, `RandomRanker` and `ItemKNNRanker` (plain item-kNN:
cosine over who rated what, top-50 neighbours, numpy only).
"""

from __future__ import annotations

import gc
import math
import time
import tracemalloc
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np
import numpy.typing as npt

from bench.recommend_world import FloatArray, IntArray, Ratings, TitleFeatures
from bench.stats import percentile

LIKED = 8  # a score of 8 or more is a liked title
HELD_OUT = 0.2  # the share of each member's liked titles held out
K = 10
NEIGHBOURS = 50


class Ranker(Protocol):
    """What the benchmark needs of a recommender.

    `fit` may be called more than once (the harness fits once to measure memory and once to
    time the build); each call replaces the model. `rank` must consider every title, and must
    not return a title the member rated in `train`, nor one title twice.
    """

    name: str

    def fit(self, train: Ratings, features: TitleFeatures) -> None: ...

    def rank(self, member: int, k: int) -> Sequence[int] | IntArray: ...


# --- the split ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Split:
    """Training ratings, and the held-out liked titles of each evaluated member."""

    train: Ratings
    members: IntArray  # the evaluated members, ascending
    held_out: tuple[IntArray, ...]  # held_out[i] belongs to members[i]

    @property
    def held_out_count(self) -> int:
        return sum(len(titles) for titles in self.held_out)


def split(ratings: Ratings, *, seed: int, fraction: float = HELD_OUT, liked: int = LIKED) -> Split:
    """Hold out `fraction` (at least one) of the liked titles of each member who has two or
    more; every other rating is training. Members with fewer are not evaluated."""
    rng = np.random.default_rng([seed, 1])
    keep = np.ones(len(ratings), dtype=bool)
    members: list[int] = []
    held_out: list[IntArray] = []
    for member in range(ratings.members):
        start = int(ratings.indptr[member])
        rows = start + np.flatnonzero(ratings.scores_of(member) >= liked)
        if rows.size < 2:
            continue
        count = max(1, round(fraction * rows.size))
        out = np.sort(rng.choice(rows, size=count, replace=False))
        keep[out] = False
        members.append(member)
        held_out.append(np.sort(ratings.title[out]))
    return Split(
        train=ratings.select(keep),
        members=np.array(members, dtype=np.int64),
        held_out=tuple(held_out),
    )


# --- metrics ------------------------------------------------------------------------------------


def hit_at_k(ranked: Sequence[int] | IntArray, relevant: Sequence[int] | IntArray, k: int) -> float:
    """1.0 when any relevant title is among the first `k`, else 0.0."""
    wanted = {int(t) for t in relevant}
    return 1.0 if any(int(t) in wanted for t in list(ranked)[:k]) else 0.0


def ndcg_at_k(
    ranked: Sequence[int] | IntArray, relevant: Sequence[int] | IntArray, k: int
) -> float:
    """NDCG@k with binary relevance: sum of 1/log2(position + 1) over the relevant titles in
    the first `k` (positions from 1), divided by the same sum for an ideal ranking, which puts
    min(len(relevant), k) relevant titles on top."""
    wanted = {int(t) for t in relevant}
    if not wanted:
        return 0.0
    dcg = sum(
        1.0 / math.log2(position + 2)
        for position, title in enumerate(list(ranked)[:k])
        if int(title) in wanted
    )
    ideal = sum(1.0 / math.log2(position + 2) for position in range(min(len(wanted), k)))
    return dcg / ideal


def recall_at_k(
    ranked: Sequence[int] | IntArray, relevant: Sequence[int] | IntArray, k: int
) -> float:
    """The share of the relevant titles found in the first `k`."""
    wanted = {int(t) for t in relevant}
    if not wanted:
        return 0.0
    return sum(1 for t in list(ranked)[:k] if int(t) in wanted) / len(wanted)


def content_vectors(features: TitleFeatures) -> FloatArray:
    """Each title's genres and tags as one unit vector: the harness's own view of what a title
    is about, independent of the product's content formula (which adds the compass)."""
    bags = np.concatenate([features.genres, features.tags], axis=1)
    norms = np.linalg.norm(bags, axis=1, keepdims=True)
    result: FloatArray = bags / np.where(norms > 0, norms, 1.0)
    return result


def intra_list_similarity(ranked: Sequence[int] | IntArray, vectors: FloatArray) -> float:
    """The mean cosine of every two titles in a list (0: nothing shared, 1: ten copies of one
    show's genres and tags); 0 for a list shorter than two."""
    rows = np.asarray(ranked, dtype=np.int64)
    if rows.size < 2:
        return 0.0
    picked = vectors[rows]
    gram = picked @ picked.T
    pairs = rows.size * (rows.size - 1)
    return float((gram.sum() - np.trace(gram)) / pairs)


# --- the baselines ------------------------------------------------------------------------------


def _top_k(scores: FloatArray, exclude: IntArray, k: int) -> IntArray:
    """The indices of the `k` highest scores, best first, none in `exclude`; ties go to the
    lower index."""
    scores = scores.copy()
    scores[exclude] = -np.inf
    k = min(k, scores.size - exclude.size)
    if k <= 0:
        return np.empty(0, dtype=np.int64)
    best = np.argpartition(-scores, k - 1)[:k]
    return best[np.lexsort((best, -scores[best]))].astype(np.int64)


class PopularityRanker:
    """The titles rated most often in training, the same list for everyone."""

    name = "popularity"

    def __init__(self) -> None:
        self._order: IntArray = np.empty(0, dtype=np.int64)
        self._train: Ratings | None = None

    def fit(self, train: Ratings, features: TitleFeatures) -> None:
        counts = np.bincount(train.title, minlength=len(features))
        self._order = np.argsort(-counts, kind="stable").astype(np.int64)
        self._train = train

    def rank(self, member: int, k: int) -> IntArray:
        assert self._train is not None, "fit first"
        seen = self._train.titles_of(member)
        head = self._order[: k + seen.size]
        return head[~np.isin(head, seen)][:k]


class RandomRanker:
    """A uniformly random order of all titles, per member, reproducible by seed."""

    name = "random"

    def __init__(self, seed: int = 0) -> None:
        self._seed = seed
        self._titles = 0
        self._train: Ratings | None = None

    def fit(self, train: Ratings, features: TitleFeatures) -> None:
        self._titles = len(features)
        self._train = train

    def rank(self, member: int, k: int) -> IntArray:
        assert self._train is not None, "fit first"
        seen = self._train.titles_of(member)
        rng = np.random.default_rng([self._seed, member])
        head = rng.choice(self._titles, size=min(self._titles, k + seen.size), replace=False)
        return head[~np.isin(head, seen)][:k].astype(np.int64)


class ItemKNNRanker:
    """Plain item-kNN: cosine similarity between titles over who rated them (rated = 1,
    whatever the score), each title keeping its `neighbours` most similar titles. A member's
    score for a title is the sum of its similarities to the titles they rated; ties (titles
    no rated title points to) go to the more popular.

    The co-occurrence counts come from every pair of titles rated by the same member, so the
    build is O(sum of squared ratings per member), not O(titles squared).
    """

    name = "item-knn"

    def __init__(self, neighbours: int = NEIGHBOURS) -> None:
        self.neighbours = neighbours
        self._index: IntArray = np.empty((0, neighbours), dtype=np.int64)
        self._weight: npt.NDArray[np.float32] = np.empty((0, neighbours), dtype=np.float32)
        self._prior: FloatArray = np.empty(0)
        self._train: Ratings | None = None

    def fit(self, train: Ratings, features: TitleFeatures) -> None:
        titles = len(features)
        counts = np.bincount(train.title, minlength=titles).astype(np.float64)
        first, second, together = _co_occurrence(train, titles)
        cosine = (together / np.sqrt(counts[first] * counts[second])).astype(np.float32)
        rows = np.concatenate([first, second]).astype(np.int32)
        cols = np.concatenate([second, first]).astype(np.int32)
        sims = np.concatenate([cosine, cosine])
        del first, second, together, cosine
        order = np.lexsort((cols, -sims, rows))
        rows, cols, sims = rows[order], cols[order], sims[order]
        starts = np.searchsorted(rows, np.arange(titles))
        position = np.arange(rows.size) - starts[rows]
        keep = position < self.neighbours
        self._index = np.zeros((titles, self.neighbours), dtype=np.int64)
        self._weight = np.zeros((titles, self.neighbours), dtype=np.float32)
        self._index[rows[keep], position[keep]] = cols[keep]
        self._weight[rows[keep], position[keep]] = sims[keep]
        # A popularity tie-break far below any similarity (cosines here are >= 1/members).
        self._prior = counts / (counts.max() or 1.0) * 1e-9
        self._train = train

    def rank(self, member: int, k: int) -> IntArray:
        assert self._train is not None, "fit first"
        seen = self._train.titles_of(member)
        scores = np.bincount(
            self._index[seen].ravel(),
            weights=self._weight[seen].ravel(),
            minlength=self._prior.size,
        ).astype(np.float64)
        scores = scores + self._prior
        return _top_k(scores, seen, k)


def _co_occurrence(train: Ratings, titles: int) -> tuple[IntArray, IntArray, FloatArray]:
    """(a, b, n): title pairs a < b rated by the same n > 0 members."""
    keys: list[IntArray] = []
    for member in range(train.members):
        rated = train.titles_of(member)  # ascending, distinct
        if rated.size < 2:
            continue
        a, b = np.triu_indices(rated.size, k=1)
        keys.append(rated[a] * titles + rated[b])
    if not keys:
        empty = np.empty(0, dtype=np.int64)
        return empty, empty, np.empty(0)
    pairs, together = np.unique(np.concatenate(keys), return_counts=True)
    return pairs // titles, pairs % titles, together.astype(np.float64)


# --- scoring one ranker -------------------------------------------------------------------------


@dataclass(frozen=True)
class Scores:
    """One ranker's figures in one run."""

    name: str
    hr: float
    ndcg: float
    recall: float
    coverage: float  # the share of all titles that appear in somebody's top k
    members: int
    p50_ms: float
    p99_ms: float
    build_s: float
    build_peak_mb: float | None
    model_mb: float | None
    # Mean content similarity of two titles in one top k (cosine of genre + tag vectors).
    intra_list_similarity: float = 0.0
    details: Mapping[str, float] = field(default_factory=dict)  # a ranker's own build figures


class RankerBroke(Exception):
    """A ranker returned a training title, a title twice, a title out of range, or more than
    k titles."""


def evaluate(
    ranker: Ranker,
    data: Split,
    features: TitleFeatures,
    *,
    k: int = K,
    measure_memory: bool = True,
) -> Scores:
    """Fit `ranker` on the training ratings and score its top `k` for every evaluated member.

    Memory, when measured, is a separate fit under tracemalloc: the peak above the start while
    building, and what the built model still holds afterwards. The build time is a second fit
    without tracemalloc. Latency is each `rank` call alone, one member at a time. Intra-list
    similarity (`intra_list_similarity`) is computed outside the timed call.
    """
    peak_mb: float | None = None
    model_mb: float | None = None
    if measure_memory:
        gc.collect()
        tracemalloc.start()
        try:
            before, _ = tracemalloc.get_traced_memory()
            tracemalloc.reset_peak()
            ranker.fit(data.train, features)
            after, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        peak_mb = (peak - before) / 2**20
        model_mb = (after - before) / 2**20
    gc.collect()
    started = time.perf_counter()
    ranker.fit(data.train, features)
    build_s = time.perf_counter() - started
    details = dict(getattr(ranker, "details", None) or {})

    vectors = content_vectors(features)
    hits = ndcgs = recalls = similarity = 0.0
    shown = np.zeros(len(features), dtype=bool)
    latencies: list[float] = []
    gc.collect()
    for member, relevant in zip(data.members.tolist(), data.held_out, strict=True):
        started_ns = time.perf_counter_ns()
        ranked = np.asarray(ranker.rank(member, k), dtype=np.int64)
        latencies.append((time.perf_counter_ns() - started_ns) / 1e6)
        _check(ranker.name, member, ranked, data.train.titles_of(member), k, shown.size)
        shown[ranked] = True
        hits += hit_at_k(ranked, relevant, k)
        ndcgs += ndcg_at_k(ranked, relevant, k)
        recalls += recall_at_k(ranked, relevant, k)
        similarity += intra_list_similarity(ranked, vectors)
    count = max(1, len(data.held_out))
    return Scores(
        name=ranker.name,
        hr=hits / count,
        ndcg=ndcgs / count,
        recall=recalls / count,
        coverage=float(shown.mean()) if shown.size else 0.0,
        members=len(data.held_out),
        p50_ms=percentile(latencies, 0.50) if latencies else 0.0,
        p99_ms=percentile(latencies, 0.99) if latencies else 0.0,
        build_s=build_s,
        build_peak_mb=peak_mb,
        model_mb=model_mb,
        intra_list_similarity=similarity / count,
        details=details,
    )


def _check(
    name: str, member: int, ranked: IntArray, seen: IntArray, k: int, shown_size: int
) -> None:
    if ranked.size and (ranked.min() < 0 or ranked.max() >= shown_size):
        raise RankerBroke(f"{name} returned a title index out of range for member {member}")
    if ranked.size > k:
        raise RankerBroke(f"{name} returned {ranked.size} titles for member {member}, k = {k}")
    if np.unique(ranked).size != ranked.size:
        raise RankerBroke(f"{name} returned a title twice for member {member}")
    if np.isin(ranked, seen).any():
        raise RankerBroke(f"{name} recommended a training title to member {member}")
