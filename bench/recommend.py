"""Recommendation quality and cost:
`python -m bench recommend [--json] [--titles N] [--members N] [--ratings-per-member N]
[--seed N]`.

1. **A synthetic community** (`bench.recommend_world`): the bundled catalog plus synthetic
   titles (20,000 in all), 5,000 members with hidden preferences, 50 ratings each, exposure
   biased by a Zipf-like popularity. The hidden preferences are mostly latent tastes that only
   ratings reveal, not the compass formula; the printed "method" says exactly how, and the
   `world_variance_share_*` figures give the measured share of each part.
2. **The evaluation** (`bench.recommend_eval`): 20% of each member's liked titles (score >= 8)
   are held out; every ranker is fitted on the rest and ranks *all* titles for each member
   (full ranking, no sampled negatives), minus that member's training titles. HR@10, NDCG@10,
   recall@10 and catalog coverage of the top 10s; latency p50/p99 of one member's ranking;
   the build time, peak memory while building, and what the model holds afterwards.
3. **Baselines in the same run:** popularity, random and plain item-kNN (cosine, top-50
   neighbours), with each ranker's NDCG@10 and HR@10 as multiples of popularity's and whether
   it meets the issue's targets (NDCG@10 >= 1.5x popularity's, p99 <= 50 ms).
4. **`/recommend`'s own ranker** (`bench.recommend_product.ProductRanker`, named "product"):
   `bot.recommend`'s item-kNN, candidate pool and `Recommender`, asked as `/recommend` with its
   defaults (any medium, no mood, for me, count 10) with the member's training ratings as
   their profile. Its build figures include the pool (every title's content and compass),
   split out as `product_knn_build_s` and `product_pool_build_s`.
5. **Diversity:** besides catalog coverage of the top 10s, `intra_list_similarity@10` is the
   mean cosine of the genre + tag vectors of every two titles in one top 10 (the harness's own
   vectors, not the product's content formula), averaged over members.

How a ranker joins
==================
The rankers compared are the `rankers` argument of `run`, `RANKERS` by default: the baselines,
then the product's. Another ranker joins with no other change to the harness: write a class
with the `Ranker` shape of `bench.recommend_eval` (a `name`; `fit(train, features)`, which
learns from the training ratings (member index, title `features.ids[i]`, score) and the title
features; `rank(member, k)`, the member's top `k` as title indices, best first, their training
titles excluded; optionally a `details` mapping of extra build figures), and put its factory
(a callable taking the run's seed) in `RANKERS` or pass it in `rankers`.

Nothing here asserts a timing; the figures are printed. `rounds` is accepted for the common
command line and not used: one run fits and scores every ranker once, back to back.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any

from bench.recommend_eval import (
    ItemKNNRanker,
    K,
    PopularityRanker,
    RandomRanker,
    Ranker,
    Scores,
    evaluate,
    split,
)
from bench.recommend_product import ProductRanker
from bench.recommend_world import (
    MEMBERS,
    METHOD,
    RATINGS_PER_MEMBER,
    SEED,
    TITLES,
    make_world,
)

RankerFactory = Callable[[int], Ranker]  # takes the run's seed

TARGET_NDCG_VS_POPULARITY = 1.5
TARGET_P99_MS = 50.0


def popularity_ranker(seed: int) -> Ranker:
    return PopularityRanker()


def random_ranker(seed: int) -> Ranker:
    return RandomRanker(seed)


def item_knn_ranker(seed: int) -> Ranker:
    return ItemKNNRanker()


def product_ranker(seed: int) -> Ranker:
    return ProductRanker()


BASELINES: tuple[RankerFactory, ...] = (popularity_ranker, random_ranker, item_knn_ranker)
BASELINE_NAMES = frozenset({PopularityRanker.name, RandomRanker.name, ItemKNNRanker.name})
# The rankers `python -m bench recommend` compares: the baselines, then `/recommend`'s own.
RANKERS: tuple[RankerFactory, ...] = (*BASELINES, product_ranker)


def _ratio(value: float, base: float) -> float | None:
    return round(value / base, 2) if base > 0 else None


def _figures_of(scores: Scores, popularity: Scores | None) -> dict[str, Any]:
    name = scores.name
    figures: dict[str, Any] = {
        f"{name}_hr@{K}": round(scores.hr, 4),
        f"{name}_ndcg@{K}": round(scores.ndcg, 4),
        f"{name}_recall@{K}": round(scores.recall, 4),
        f"{name}_coverage@{K}": round(scores.coverage, 4),
        f"{name}_intra_list_similarity@{K}": round(scores.intra_list_similarity, 4),
        f"{name}_p50_ms": round(scores.p50_ms, 3),
        f"{name}_p99_ms": round(scores.p99_ms, 3),
        f"{name}_build_s": round(scores.build_s, 3),
    }
    if scores.build_peak_mb is not None and scores.model_mb is not None:
        figures[f"{name}_build_peak_mb"] = round(scores.build_peak_mb, 1)
        figures[f"{name}_model_mb"] = round(scores.model_mb, 1)
    for detail, value in scores.details.items():
        figures[f"{name}_{detail}"] = round(value, 3)
    if popularity is not None and scores is not popularity:
        ndcg_ratio = _ratio(scores.ndcg, popularity.ndcg)
        figures[f"{name}_ndcg_vs_popularity"] = ndcg_ratio
        figures[f"{name}_hr_vs_popularity"] = _ratio(scores.hr, popularity.hr)
        figures[f"{name}_meets_targets"] = (
            ndcg_ratio is not None
            and ndcg_ratio >= TARGET_NDCG_VS_POPULARITY
            and scores.p99_ms <= TARGET_P99_MS
        )
    return figures


def measure(
    *,
    titles: int = TITLES,
    members: int = MEMBERS,
    ratings_per_member: int = RATINGS_PER_MEMBER,
    seed: int = SEED,
    rankers: Sequence[RankerFactory] = RANKERS,
    measure_memory: bool = True,
) -> dict[str, Any]:
    """Generate the community, split it, and fit and score every ranker on the same split."""
    started = time.perf_counter()
    world = make_world(
        titles=titles, members=members, ratings_per_member=ratings_per_member, seed=seed
    )
    figures: dict[str, Any] = {"method": METHOD, "seed": seed}
    figures.update({f"world_{key}": value for key, value in world.stats().items()})
    figures["world_generate_s"] = round(time.perf_counter() - started, 2)
    data = split(world.ratings, seed=seed)
    figures["eval_members"] = len(data.members)
    figures["eval_held_out_titles"] = data.held_out_count
    figures["eval_training_ratings"] = len(data.train)
    figures["eval_candidates_per_member"] = "every title minus the member's training titles"
    results = [
        evaluate(factory(seed), data, world.features, measure_memory=measure_memory)
        for factory in rankers
    ]
    popularity = next((s for s in results if s.name == PopularityRanker.name), None)
    baselines = [s for s in results if s.name in BASELINE_NAMES]
    for scores in results:
        figures.update(_figures_of(scores, popularity))
        if scores.name not in BASELINE_NAMES and baselines:
            figures[f"{scores.name}_beats_every_baseline"] = all(
                scores.ndcg > base.ndcg and scores.hr > base.hr for base in baselines
            )
    figures["targets"] = (
        f"NDCG@{K} >= {TARGET_NDCG_VS_POPULARITY}x popularity's, p99 <= {TARGET_P99_MS:g} ms; "
        f"the product's NDCG@{K} and HR@{K} above every baseline's"
    )
    figures["total_s"] = round(time.perf_counter() - started, 1)
    return figures


async def run(
    *,
    rounds: int = 1,
    titles: int = TITLES,
    members: int = MEMBERS,
    ratings_per_member: int = RATINGS_PER_MEMBER,
    seed: int = SEED,
    rankers: Sequence[RankerFactory] = RANKERS,
) -> dict[str, Any]:
    """The figures of `python -m bench recommend`; see the module docstring."""
    return measure(
        titles=titles,
        members=members,
        ratings_per_member=ratings_per_member,
        seed=seed,
        rankers=rankers,
    )
