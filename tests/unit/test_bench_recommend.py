"""`python -m bench recommend` at a tiny size: the world is deterministic, the split is sound,
the metrics are computed right and the baselines rank as they must. Timings are printed by the
benchmark, never asserted."""

from __future__ import annotations

import json
import math
import sys
from typing import Any

import numpy as np
import pytest

from bench import __main__ as bench_main
from bench.recommend import BASELINES, RANKERS, measure, product_ranker
from bench.recommend_eval import (
    LIKED,
    PopularityRanker,
    RankerBroke,
    content_vectors,
    evaluate,
    hit_at_k,
    intra_list_similarity,
    ndcg_at_k,
    recall_at_k,
    split,
)
from bench.recommend_product import ProductRanker
from bench.recommend_world import Ratings, TitleFeatures, World, make_world

TINY = {"titles": 300, "members": 200, "ratings_per_member": 30}


@pytest.fixture(scope="module")
def world() -> World:
    return make_world(**TINY, seed=3)


@pytest.fixture(scope="module")
def figures() -> dict[str, Any]:
    return measure(**TINY, seed=3)


def test_ndcg_on_a_hand_example():
    # Hits at positions 2 and 4; three relevant titles, so the ideal has hits at 1, 2 and 3.
    dcg = 1 / math.log2(3) + 1 / math.log2(5)
    ideal = 1 + 1 / math.log2(3) + 1 / math.log2(4)
    assert ndcg_at_k([5, 3, 9, 1], [3, 1, 42], 10) == pytest.approx(dcg / ideal)
    assert ndcg_at_k([5, 3, 9, 1], [3, 1, 42], 10) == pytest.approx(0.49819, abs=1e-5)
    # Only the first k count, and the ideal holds at most k hits.
    assert ndcg_at_k([5, 3, 9, 1], [1], 3) == 0.0
    assert ndcg_at_k([1, 2], [1, 2, 3], 2) == pytest.approx(1.0)
    assert ndcg_at_k([1, 2], [], 2) == 0.0
    assert hit_at_k([5, 3, 9, 1], [1], 4) == 1.0
    assert hit_at_k([5, 3, 9, 1], [1], 3) == 0.0
    assert recall_at_k([5, 3, 9, 1], [3, 1, 42, 7], 10) == pytest.approx(0.5)


def test_the_world_has_the_asked_sizes_and_ratings_from_1_to_10(world: World):
    assert len(world.features) == 300
    assert sum(i.startswith("catalog:") for i in world.features.ids) == 251
    assert len(set(world.features.ids)) == 300
    assert world.ratings.members == 200
    assert len(world.ratings) == 200 * 30
    assert world.ratings.score.min() >= 1
    assert world.ratings.score.max() <= 10
    for member in range(world.ratings.members):
        titles = world.ratings.titles_of(member)
        assert len(np.unique(titles)) == titles.size == 30
    assert np.all((world.features.compass >= 0) & (world.features.compass <= 1))


def test_the_hidden_preferences_are_mostly_latent_not_the_compass(world: World):
    shares = world.hidden.variance_shares
    assert set(shares) == {"latent", "content", "compass", "medium", "quality"}
    assert shares["latent"] > 0.45
    assert shares["compass"] < 0.2
    # The generator's compass is the formula's plus noise, not the formula itself.
    assert not np.allclose(world.hidden.true_compass, world.features.compass)


def test_the_world_is_deterministic_by_seed(world: World):
    again = make_world(**TINY, seed=3)
    other = make_world(**TINY, seed=4)
    assert again.features.ids == world.features.ids
    for name in ("member", "title", "score"):
        assert np.array_equal(getattr(again.ratings, name), getattr(world.ratings, name))
    assert np.array_equal(again.features.genres, world.features.genres)
    assert not np.array_equal(other.ratings.title, world.ratings.title)


def test_popular_titles_are_rated_most(world: World):
    counts = np.bincount(world.ratings.title, minlength=len(world.features))
    by_exposure = np.argsort(-world.hidden.exposure_weight)
    assert counts[by_exposure[:30]].mean() > 3 * counts[by_exposure[-150:]].mean()


def test_the_split_holds_out_only_liked_titles_and_trains_on_the_rest(world: World):
    data = split(world.ratings, seed=3)
    assert len(data.members) == len(data.held_out) > 0
    assert len(data.train) + data.held_out_count == len(world.ratings)
    for member, held in zip(data.members.tolist(), data.held_out, strict=True):
        titles = world.ratings.titles_of(member)
        scores = world.ratings.scores_of(member)
        liked = set(titles[scores >= LIKED].tolist())
        assert held.size >= 1
        assert set(held.tolist()) <= liked
        assert held.size == max(1, round(0.2 * len(liked)))
        assert not set(held.tolist()) & set(data.train.titles_of(member).tolist())
    assert split(world.ratings, seed=3).held_out_count == data.held_out_count


def test_every_metric_is_in_0_1_and_the_baselines_rank_as_they_must(figures: dict[str, Any]):
    for name in ("popularity", "random", "item-knn", "product"):
        for metric in ("hr@10", "ndcg@10", "recall@10", "coverage@10", "intra_list_similarity@10"):
            assert 0.0 <= figures[f"{name}_{metric}"] <= 1.0, (name, metric)
        assert figures[f"{name}_p99_ms"] >= figures[f"{name}_p50_ms"] >= 0
        assert figures[f"{name}_build_s"] >= 0
        assert figures[f"{name}_model_mb"] >= 0
    assert figures["item-knn_ndcg@10"] > figures["random_ndcg@10"]
    assert figures["item-knn_hr@10"] > figures["random_hr@10"]
    assert figures["popularity_ndcg@10"] > figures["random_ndcg@10"]
    assert figures["popularity_hr@10"] > figures["random_hr@10"]
    assert figures["eval_members"] > 100
    assert "latent" in figures["method"]
    assert figures["world_variance_share_latent"] > 0.45


def test_the_product_ranker_runs_after_the_baselines_and_learns_something(
    figures: dict[str, Any],
):
    assert (*BASELINES, product_ranker) == RANKERS
    assert figures["product_ndcg@10"] > figures["random_ndcg@10"]
    assert figures["product_hr@10"] > figures["random_hr@10"]
    assert isinstance(figures["product_beats_every_baseline"], bool)
    assert "item-knn_beats_every_baseline" not in figures
    for part in ("knn_build_s", "pool_build_s", "align_s"):
        assert figures[f"product_{part}"] >= 0


def test_the_product_ranker_asks_with_the_members_training_ratings(world: World):
    data = split(world.ratings, seed=3)
    ranker = ProductRanker()
    ranker.fit(data.train, world.features)
    member = int(data.members[0])
    profile = ranker.profile_of(member)
    titles = data.train.titles_of(member).tolist()
    assert set(profile.ratings) == {world.features.ids[t] for t in titles}
    assert [profile.ratings[world.features.ids[t]] for t in titles] == (
        data.train.scores_of(member).astype(float).tolist()
    )
    ranked = ranker.rank(member, 10)
    assert len(ranked) == len(set(ranked)) == 10
    assert not set(ranked) & set(titles)
    assert len(ranker.rank(member, 3)) == 3


def test_intra_list_similarity_on_a_hand_example():
    vectors = np.array([[1.0, 0.0], [1.0, 0.0], [0.0, 1.0]])
    assert intra_list_similarity([0, 1], vectors) == pytest.approx(1.0)
    assert intra_list_similarity([0, 2], vectors) == pytest.approx(0.0)
    # Pairs (0,1) = 1, (0,2) = 0, (1,2) = 0.
    assert intra_list_similarity([0, 1, 2], vectors) == pytest.approx(1 / 3)
    assert intra_list_similarity([0], vectors) == 0.0


def test_content_vectors_are_unit_genre_and_tag_bags(world: World):
    vectors = content_vectors(world.features)
    norms = np.linalg.norm(vectors, axis=1)
    has_any = (world.features.genres.sum(axis=1) + world.features.tags.sum(axis=1)) > 0
    assert np.allclose(norms[has_any], 1.0)


def test_the_quality_figures_are_the_same_for_the_same_seed(figures: dict[str, Any]):
    again = measure(**TINY, seed=3)
    quality = [key for key in figures if key.endswith(("@10", "_vs_popularity"))]
    assert quality
    assert {key: again[key] for key in quality} == {key: figures[key] for key in quality}


class _Cheater:
    """Recommends what the member already rated."""

    name = "cheater"

    def __init__(self) -> None:
        self._train: Ratings | None = None

    def fit(self, train: Ratings, features: TitleFeatures) -> None:
        self._train = train

    def rank(self, member: int, k: int) -> list[int]:
        assert self._train is not None
        return self._train.titles_of(member)[:k].tolist()


def test_a_ranker_that_returns_a_training_title_is_refused(world: World):
    data = split(world.ratings, seed=3)
    with pytest.raises(RankerBroke, match="training title"):
        evaluate(_Cheater(), data, world.features, measure_memory=False)


def test_a_plugged_in_ranker_joins_the_run(world: World):
    def cheater(seed: int) -> _Cheater:
        return _Cheater()

    def popularity(seed: int) -> PopularityRanker:
        return PopularityRanker()

    assert len(BASELINES) == 3
    with pytest.raises(RankerBroke):
        measure(**TINY, seed=3, rankers=(popularity, cheater))


def test_the_command_line_runs_recommend(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
):
    argv = ["bench", "recommend", "--json", "--titles", "300", "--members", "60"]
    monkeypatch.setattr(sys, "argv", [*argv, "--ratings-per-member", "20", "--seed", "2"])
    assert bench_main.main() == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed["world_members"] == 60
    assert printed["world_ratings"] == 60 * 20
    assert printed["seed"] == 2


def test_an_option_of_another_benchmark_is_refused(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(sys, "argv", ["bench", "recommend", "--votes", "5"])
    with pytest.raises(SystemExit):
        bench_main.main()
    monkeypatch.setattr(sys, "argv", ["bench", "votes", "--ratings-per-member", "5"])
    with pytest.raises(SystemExit):
        bench_main.main()
