"""The taste portrait, pure: how titles place a member on the compass, their top genres, the
rest of the server next to them, favourites, and close taste among the opted-in."""

from __future__ import annotations

import math

import pytest

from bot.metadata.models import Medium, Tag
from bot.recommend.content import ContentIndex
from bot.recommend.portrait import (
    DISLIKE_FLOOR,
    MIN_OVERLAP,
    WATCHLIST_WEIGHT,
    TitleContent,
    closest_members,
    compass_position,
    content_from_index,
    content_of,
    feature_weights,
    member_weights,
    portrait,
    rating_weight,
    server_weights,
)
from bot.taste.models import Rating, TitleAggregate, TitleRef
from tests.unit.recommend.titles import fantasy_anime, romance_kdrama

ME, HANA, TAE, JUN = 1, 2, 3, 4


def content(
    title_id: str, point: tuple[float, float], features: dict[str, float] | None = None
) -> TitleContent:
    features = features or {"romance": 1.0}
    norm = math.sqrt(sum(v * v for v in features.values()))
    return TitleContent(
        title_id=title_id,
        name=title_id,
        compass=point,
        features={k: v / norm for k, v in features.items()},
        names={k: k.title() for k in features},
        chart_name=title_id,
    )


def rating(title_id: str, score: int, at: int = 0) -> Rating:
    return Rating(TitleRef(title_id, title_id.title(), Medium.KDRAMA), score, at)


def aggregate(title_id: str, ratings: int, score_sum: int, watchlisted: int = 0) -> TitleAggregate:
    ref = TitleRef(title_id, title_id.title(), Medium.KDRAMA)
    return TitleAggregate(ref, ratings, score_sum, watched=0, watchlisted=watchlisted)


SLOW = content("slow", (1.0, 0.0), {"romance": 1.0, "drama": 0.5})
MAGIC = content("magic", (0.0, 1.0), {"fantasy": 1.0, "action": 0.5})
BOTH = content("both", (1.0, 1.0), {"fantasy": 1.0, "romance": 1.0})
NEITHER = content("neither", (0.0, 0.0), {"thriller": 1.0})
CONTENTS = {c.title_id: c for c in (SLOW, MAGIC, BOTH, NEITHER)}


# -- weights and the compass ---------------------------------------------------------------------


def test_a_rating_weighs_by_how_much_it_was_liked_and_a_dislike_barely_counts():
    assert rating_weight(10) == pytest.approx(1 + DISLIKE_FLOOR)
    assert rating_weight(8) == pytest.approx(DISLIKE_FLOOR + 2.5 / 4.5)
    assert rating_weight(5) == rating_weight(1) == DISLIKE_FLOOR
    weights = member_weights([rating("slow", 10)], ["magic", "slow"])
    assert weights == {"slow": pytest.approx(1.05), "magic": WATCHLIST_WEIGHT}


def test_a_loved_title_places_the_member_and_a_disliked_one_hardly_moves_them():
    weights = member_weights([rating("slow", 10), rating("magic", 1)], [])
    slow, fantasy = compass_position(weights, CONTENTS) or (0, 0)
    assert slow == pytest.approx(1.05 / 1.10)
    assert fantasy == pytest.approx(0.05 / 1.10)


def test_a_watchlisted_title_counts_a_little():
    weights = member_weights([rating("neither", 10)], ["both"])
    point = compass_position(weights, CONTENTS)
    share = WATCHLIST_WEIGHT / (1.05 + WATCHLIST_WEIGHT)
    assert point == (pytest.approx(share), pytest.approx(share))


def test_only_dislikes_still_place_the_member():
    weights = member_weights([rating("magic", 2), rating("slow", 3)], [])
    assert compass_position(weights, CONTENTS) == (pytest.approx(0.5), pytest.approx(0.5))


def test_titles_of_unknown_content_are_skipped_and_none_known_is_no_place():
    weights = member_weights([rating("slow", 9), rating("unknown", 10)], [])
    assert compass_position(weights, CONTENTS) == (1.0, 0.0)
    assert compass_position({"unknown": 1.0}, CONTENTS) is None
    found = portrait(ME, [rating("unknown", 10)], [], CONTENTS, [], {})
    assert (found.titles, found.placed, found.compass, found.empty) == (1, 0, None, False)
    assert found.favourites == ()


def test_nothing_rated_or_listed_is_an_empty_portrait():
    found = portrait(ME, [], [], CONTENTS, [aggregate("slow", 3, 27)], {})
    assert found.empty
    assert found.compass is None


# -- genres and tags -----------------------------------------------------------------------------


def test_top_features_are_shares_of_the_weight_most_first():
    weights = member_weights([rating("slow", 10), rating("both", 10), rating("magic", 6)], [])
    shares, names = feature_weights(weights, CONTENTS)
    assert math.fsum(shares.values()) == pytest.approx(1.0)
    found = portrait(
        ME, [rating("slow", 10), rating("both", 10), rating("magic", 6)], [], CONTENTS, [], {}
    )
    assert found.top_features[:2] == ("Romance", "Fantasy")
    assert found.top_features[-1] == "Action"  # a 6 says little
    assert names["drama"] == "Drama"


def test_content_from_a_title_matches_the_recommenders_index():
    goblin = romance_kdrama(
        "catalog:goblin", genres=("Romance", "Fantasy"), tags=(Tag("Slow-Burn", 80),)
    )
    magic = fantasy_anime("anilist:1", tags=(Tag("Magic", 90), Tag("Twist", 90, spoiler=True)))
    index = ContentIndex.build([goblin, magic])
    for row, title in enumerate((goblin, magic)):
        read = content_of(title)
        indexed = content_from_index(index, row, title)
        assert indexed.compass == pytest.approx(read.compass, abs=1e-6)
        assert indexed.features.keys() == read.features.keys()
        for key, value in read.features.items():
            assert indexed.features[key] == pytest.approx(value, abs=1e-6)
    assert "twist" not in content_of(magic).features  # spoilers are never named
    assert content_of(goblin).names["slow burn"] == "Slow-Burn"


# -- the rest of the server ----------------------------------------------------------------------


def test_the_member_is_taken_out_of_the_server():
    aggregates = [aggregate("slow", 3, 27, watchlisted=1), aggregate("magic", 1, 9)]
    weights, enough = server_weights(aggregates, [rating("slow", 9), rating("magic", 9)], ["slow"])
    assert weights == {"slow": pytest.approx(2 * rating_weight(9))}  # magic was only mine
    assert enough


def test_the_server_is_compared_only_when_two_others_are_certainly_in_it():
    one_other = [aggregate("magic", 2, 18), aggregate("slow", 1, 9)]
    _, enough = server_weights(one_other, [rating("magic", 9)], [])
    assert not enough
    found = portrait(ME, [rating("magic", 9)], [], CONTENTS, one_other, {})
    assert found.server is None
    two_others = [aggregate("magic", 3, 27)]
    assert server_weights(two_others, [rating("magic", 9)], [])[1]
    listed = [aggregate("both", 0, 0, watchlisted=2)]
    assert server_weights(listed, [], [])[1]


def test_a_title_only_one_other_member_rated_never_shapes_the_server():
    # Two others rated "both"; one of them also rated "magic" alone: that is one member's taste.
    server = [aggregate("both", 2, 16), aggregate("magic", 1, 10), aggregate("slow", 0, 0, 1)]
    weights, enough = server_weights(server, [], [])
    assert enough
    assert set(weights) == {"both"}


def test_the_comparison_says_which_way_the_member_leans_and_what_they_like_more():
    mine = [rating("slow", 10), rating("both", 8)]
    server = [aggregate("magic", 4, 36), aggregate("both", 3, 26), aggregate("neither", 2, 16)]
    found = portrait(ME, mine, [], CONTENTS, server, {})
    assert found.server is not None
    assert found.compass is not None
    assert found.compass[0] > found.server.compass[0]
    assert found.server.leans(found.compass) == ("more slow-burn", "less fantasy")
    assert found.server.leans(found.server.compass) == ("about as slow-burn", "about as fantasy")
    assert [gap.name for gap in found.server.more_than_server][:2] == ["Romance", "Drama"]
    assert found.server.top_features[0] == "Fantasy"


# -- favourites ----------------------------------------------------------------------------------


def test_favourites_are_the_best_liked_titles_newest_first_on_ties():
    ratings = [
        rating("slow", 9, at=1),
        rating("magic", 10, at=2),
        rating("both", 9, at=3),
        rating("neither", 5, at=4),
        rating("unknown", 10, at=5),
    ]
    found = portrait(ME, ratings, [], CONTENTS, [], {})
    assert [(f.title_id, f.score) for f in found.favourites] == [
        ("magic", 10),
        ("both", 9),
        ("slow", 9),
    ]
    assert found.favourites[0].compass == (0.0, 1.0)


# -- closest taste -------------------------------------------------------------------------------

MINE = {"a": 9.0, "b": 10.0, "c": 8.0, "d": 3.0, "e": 2.0}


def test_closest_members_never_include_the_member_and_need_enough_titles_in_common():
    others = {
        ME: dict(MINE),
        HANA: {"a": 8.0, "b": 10.0, "c": 9.0, "d": 2.0, "e": 3.0},
        TAE: {"a": 9.0, "d": 3.0},  # agrees, but on 2 titles only
    }
    found = closest_members(ME, MINE, others)
    assert [m.member_id for m in found] == [HANA]
    assert found[0].shared_titles == 5
    assert MIN_OVERLAP == 3


def test_disagreement_and_flat_scores_are_not_close():
    others = {
        JUN: {"a": 2.0, "b": 3.0, "c": 2.0, "d": 9.0, "e": 10.0},
        TAE: {"a": 7.0, "b": 7.0, "c": 7.0, "d": 7.0, "e": 7.0},
    }
    assert closest_members(ME, MINE, others) == ()


def test_more_titles_in_common_beat_a_perfect_few():
    few = {"a": 9.0, "b": 10.0, "d": 3.0}
    many = {"a": 8.0, "b": 9.0, "c": 9.0, "d": 4.0, "e": 2.0}
    found = closest_members(ME, MINE, {TAE: few, HANA: many})
    assert [m.member_id for m in found] == [HANA, TAE]
    assert found[1].similarity < 3 / (3 + 5) + 1e-9  # three titles can never reach more
    assert all(0.1 < m.similarity <= 1 for m in found)


def test_ties_go_to_more_titles_then_the_lower_id_and_at_most_three_are_listed():
    alike = {"a": 8.0, "b": 10.0, "c": 9.0, "d": 2.0, "e": 3.0}
    others = {member: dict(alike) for member in (7, 5, 6, 8)}
    found = closest_members(ME, MINE, others)
    assert [m.member_id for m in found] == [5, 6, 7]


def test_the_portrait_matches_across_ids_of_the_same_show():
    mine = [rating("catalog:a", 9), rating("catalog:b", 10), rating("catalog:c", 2)]
    theirs = {HANA: {"a": 8.0, "b": 10.0, "c": 3.0}}
    found = portrait(
        ME, mine, [], CONTENTS, [], theirs, canonical=lambda title_id: title_id.split(":")[1]
    )
    assert [m.member_id for m in found.matches] == [HANA]
