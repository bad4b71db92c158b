"""Item-kNN: the anonymous aggregate, the fit, scoring a profile, and that it finds held-out
likes better than popularity on a synthetic community."""

from __future__ import annotations

import numpy as np
import pytest

from bot.recommend.knn import Centring, RatingAggregate, fit_item_knn
from tests.unit.recommend.synthetic import community, ndcg_at_10


def test_the_aggregate_names_no_member_and_keeps_the_last_rating():
    aggregate = RatingAggregate.from_ratings(
        [(123456789, "a", 3), ("someone", "b", 8), (123456789, "a", 9), (123456789, "b", 7)]
    )
    assert aggregate.title_ids == ("a", "b")
    assert sorted(aggregate.members.tolist()) == [0, 0, 1]  # row numbers, not the keys
    rows = sorted(
        zip(
            aggregate.members.tolist(),
            aggregate.titles.tolist(),
            aggregate.scores.tolist(),
            strict=False,
        )
    )
    assert rows == [(0, 0, 9.0), (0, 1, 7.0), (1, 1, 8.0)]


def test_the_aggregate_refuses_an_index_outside_its_titles():
    with pytest.raises(ValueError, match="outside"):
        RatingAggregate.from_triples(["a"], [(0, 1, 5.0)])
    with pytest.raises(ValueError, match="finite"):
        RatingAggregate.from_triples(["a"], [(0, 0, float("nan"))])


def _cosine_by_hand(aggregate: RatingAggregate) -> np.ndarray:
    dense = np.zeros((aggregate.n_members, aggregate.n_titles))
    dense[aggregate.members, aggregate.titles] = aggregate.scores
    dots = dense.T @ dense
    norms = np.sqrt(np.diag(dots))
    sims = dots / (np.outer(norms, norms) + 2.0)
    np.fill_diagonal(sims, 0)
    return sims


def test_the_fit_keeps_each_titles_most_similar_titles_by_cosine():
    c = community(members=60, titles=40, per_member=12, seed=3)
    model = fit_item_knn(c.train, neighbours=5)
    expected = _cosine_by_hand(c.train)
    for i in range(c.train.n_titles):
        best = np.sort(expected[i][expected[i] > 0])[::-1][:5]
        got = model.similarities[i][model.neighbours[i] < model.n_titles]
        np.testing.assert_allclose(got, best, rtol=1e-5)
        for j, sim in zip(model.neighbours[i], model.similarities[i], strict=True):
            if j < model.n_titles:
                assert sim == pytest.approx(expected[i, j], rel=1e-5)


def test_a_fitted_model_is_immutable():
    model = fit_item_knn(community(members=20, titles=20, per_member=5).train)
    with pytest.raises(ValueError, match="read-only"):
        model.neighbours[0, 0] = 1
    with pytest.raises(ValueError, match="read-only"):
        model.similarities[0, 0] = 1.0
    with pytest.raises(TypeError):
        model.index["x"] = 1  # type: ignore[index]


def test_scoring_a_profile_sums_similarity_times_weight_and_names_the_top_contributor():
    c = community(members=80, titles=50, per_member=15, seed=4)
    model = fit_item_knn(c.train, neighbours=10)
    profile = {3: 1.0, 7: -0.5, 11: 0.8}
    scored = model.score(list(profile), list(profile.values()))
    expected = np.zeros(model.n_titles)
    best: dict[int, tuple[float, int]] = {}
    for i, weight in profile.items():
        for j, sim in zip(model.neighbours[i], model.similarities[i], strict=True):
            if j < model.n_titles:
                expected[j] += sim * weight
                if sim * weight > best.get(int(j), (0.0, -1))[0]:
                    best[int(j)] = (float(sim * weight), i)
    np.testing.assert_allclose(scored.scores, expected, rtol=1e-5, atol=1e-7)
    for j in range(model.n_titles):
        assert int(scored.source[j]) == best.get(j, (0.0, -1))[1]


def test_similar_lists_a_titles_neighbours():
    aggregate = RatingAggregate.from_ratings(
        [(m, t, 9) for m in range(5) for t in ("goblin", "guardian")] + [(9, "other", 9)]
    )
    model = fit_item_knn(aggregate)
    assert [t for t, _ in model.similar("goblin")] == ["guardian"]
    assert model.similar("unknown") == []


def test_an_empty_aggregate_fits_a_model_that_scores_nothing():
    model = fit_item_knn(RatingAggregate.from_triples(["a", "b"], []))
    assert model.score([0], [1.0]).scores.tolist() == [0.0, 0.0]


def _mean_ndcg(seed: int, centring: Centring) -> tuple[float, float]:
    c = community(seed=seed)
    model = fit_item_knn(c.train, centring=centring)
    counts = np.bincount(c.train.titles, minlength=c.train.n_titles).astype(float)
    knn, popular = [], []
    for member, hidden in c.held_out.items():
        if not hidden:
            continue
        rated = c.rated[member]
        scores = model.score(list(rated), [s - 5.5 for s in rated.values()]).scores.astype(float)
        by_count = counts.copy()
        for t in rated:
            scores[t] = by_count[t] = -np.inf
        knn.append(ndcg_at_10(list(np.argsort(-scores, kind="stable")), hidden))
        popular.append(ndcg_at_10(list(np.argsort(-by_count, kind="stable")), hidden))
    return float(np.mean(knn)), float(np.mean(popular))


@pytest.mark.parametrize("seed", [0, 1])
def test_knn_finds_held_out_likes_better_than_popularity(seed: int):
    knn, popular = _mean_ndcg(seed, Centring.NONE)
    assert knn > 1.3 * popular


def test_raw_cosine_ranks_better_than_member_centred_here():
    raw = [_mean_ndcg(seed, Centring.NONE)[0] for seed in (0, 1)]
    centred = [_mean_ndcg(seed, Centring.MEMBER)[0] for seed in (0, 1)]
    assert sum(raw) > sum(centred)
