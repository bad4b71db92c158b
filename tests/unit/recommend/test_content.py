"""Content similarity and taste vectors: compass, genres and tags."""

from __future__ import annotations

import numpy as np
import pytest

from bot.metadata.models import Medium, Tag
from bot.recommend.content import ContentIndex, compass_closeness
from tests.unit.recommend.titles import fantasy_anime, romance_kdrama, title


@pytest.fixture
def index() -> ContentIndex:
    return ContentIndex.build(
        [
            fantasy_anime("anilist:1"),
            fantasy_anime("anilist:2"),
            romance_kdrama("tvmaze:3"),
            title("tvmaze:4", medium=Medium.KDRAMA, genres=("Romance", "Fantasy")),
            title("anilist:5", genres=("Action",), tags=(Tag("Magic", 80, spoiler=True),)),
        ]
    )


def test_a_title_is_most_similar_to_its_own_kind(index: ContentIndex):
    assert index.similarity(0, 1) == pytest.approx(1.0, abs=1e-6)
    assert index.similarity(0, 2) < index.similarity(0, 3) < index.similarity(0, 1)
    assert 0.0 <= index.similarity(0, 2) <= 1.0


def test_genre_and_tag_of_the_same_name_are_one_feature():
    index = ContentIndex.build(
        [title("a:1", genres=("Romance",)), title("a:2", tags=(Tag("romance", 100),))]
    )
    assert index.feature_names == ("Romance",)
    assert index.similarity(0, 1) == pytest.approx(1.0, abs=1e-6)


def test_spoiler_tags_are_not_features(index: ContentIndex):
    assert "Magic" in index.feature_names
    row = 4
    names = {
        index.feature_names[i] for i in index.indices[index.indptr[row] : index.indptr[row + 1]]
    }
    assert names == {"Action"}


def test_pairwise_matches_similarity(index: ContentIndex):
    matrix = index.pairwise([0, 2, 3])
    for a, ra in enumerate([0, 2, 3]):
        for b, rb in enumerate([0, 2, 3]):
            assert matrix[a, b] == pytest.approx(index.similarity(ra, rb), abs=1e-6)


def test_a_taste_is_the_weighted_mean_of_liked_titles(index: ContentIndex):
    taste = index.taste({0: 1.0, 2: 3.0, 4: -1.0})
    assert taste.weight == 4.0  # the dislike is ignored
    expected = (index.point(0)[0] + 3 * index.point(2)[0]) / 4
    assert taste.compass[0] == pytest.approx(expected, abs=1e-6)
    assert float(np.linalg.norm(taste.features)) == pytest.approx(1.0, abs=1e-6)
    strongest = [name for name, _ in index.top_features(taste, 3)]
    assert set(strongest[:2]) == {"Romance", "Drama"}


def test_a_taste_ranks_titles_like_what_was_liked(index: ContentIndex):
    taste = index.taste({2: 1.0})
    sims = index.similarity_to(taste)
    assert int(np.argmax(sims)) == 2
    assert sims[3] > sims[0]  # the romance K-drama with fantasy beats plain fantasy anime
    for row in range(len(index)):
        assert sims[row] == pytest.approx(index.similarity(row, 2), abs=1e-5)


def test_an_empty_taste_scores_nothing(index: ContentIndex):
    taste = index.taste({})
    assert taste.empty
    assert index.similarity_to(taste).tolist() == [0.0] * len(index)


def test_shared_features_name_the_members_favourites(index: ContentIndex):
    taste = index.taste({2: 1.0, 0: 0.2})
    assert index.shared_features(3, taste) == ("Romance", "Fantasy")
    assert index.shared_features(4, taste) == ()


def test_compass_closeness_spans_zero_to_one():
    assert compass_closeness((0.0, 0.0), (1.0, 1.0)) == pytest.approx(0.0)
    assert compass_closeness((0.3, 0.7), (0.3, 0.7)) == 1.0
