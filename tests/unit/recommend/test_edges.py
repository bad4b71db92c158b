"""AniList's recommendation edges as a ranking signal: strengths decay with rank and add up over
seeds, an edge title outranks an otherwise equal one, the component drops out (and the rest are
renormalised) when absent, and the reason names the seed, except a rated one in public."""

from __future__ import annotations

from types import MappingProxyType

import pytest

from bot.metadata.models import Tag
from bot.recommend.edges import EdgeSeed, EdgeSignals
from bot.recommend.ranking import (
    WEIGHTS,
    Anchor,
    Audience,
    CandidatePool,
    MemberProfile,
    Pick,
    Recommender,
    Request,
    ServerSignals,
    Signal,
)
from bot.recommend.reasons import reason
from tests.unit.recommend.titles import fantasy_anime, romance_kdrama

TWIN_A = fantasy_anime("anilist:twin-a", name="Twin A", tags=(Tag("Elf", 80),), popularity=100)
TWIN_B = fantasy_anime("anilist:twin-b", name="Twin B", tags=(Tag("Elf", 80),), popularity=100)
FRIEREN = fantasy_anime("catalog:frieren", name="Frieren", same_as=("anilist:154587",))
VIOLET = fantasy_anime(
    "catalog:violet", name="Violet Evergarden", genres=("Drama",), same_as=("anilist:21827",)
)
GOBLIN = romance_kdrama("tvmaze:goblin", name="Goblin")
TITLES = (TWIN_A, TWIN_B, FRIEREN, VIOLET, GOBLIN)


@pytest.fixture(scope="module")
def recommender() -> Recommender:
    return Recommender.create(CandidatePool.build(TITLES))


def seed(title_id: str, name: str, score: float | None, *recommended: str) -> EdgeSeed:
    weight = 1.0 if score is None else (score - 5.5) / 4.5
    return EdgeSeed(title_id, name, score, weight, recommended)


def picked(recommender: Recommender, **kwargs) -> dict[str, Pick]:
    result = recommender.recommend(**kwargs)
    return {pick.title.id: pick for pick in result.picks}


# -- strengths ------------------------------------------------------------------------------


def test_strength_decays_with_rank_and_adds_up_over_seeds():
    edges = EdgeSignals.from_seeds(
        [
            seed("anilist:1", "One", 10, "anilist:a", "anilist:b", "anilist:c"),
            seed("anilist:2", "Two", 10, "anilist:c"),
        ]
    )
    assert edges.strength["anilist:a"] == pytest.approx(1.0)
    assert edges.strength["anilist:b"] == pytest.approx(1 / 2)
    assert edges.strength["anilist:c"] == pytest.approx(1 / 3 + 1.0)
    # The seed that gave a title most of its strength is the one its reason names.
    assert edges.seed_of["anilist:c"].name == "Two"
    assert edges.seed_of["anilist:a"].name == "One"


def test_a_disliked_seed_recommends_nothing():
    assert not EdgeSignals.from_seeds([seed("anilist:1", "One", 3, "anilist:a")])
    assert not EdgeSignals()


# -- ranking --------------------------------------------------------------------------------


def test_an_edge_title_outranks_an_otherwise_equal_title(recommender: Recommender):
    profile = MemberProfile(ratings=MappingProxyType({"catalog:frieren": 9.0}))
    without = recommender.recommend(profile, Request(count=5))
    order = [p.title.id for p in without.picks]
    assert order.index("anilist:twin-a") < order.index("anilist:twin-b")  # the tie, by row

    edges = EdgeSignals.from_seeds([seed("catalog:frieren", "Frieren", 9, "anilist:twin-b")])
    picks = picked(recommender, profile=profile, request=Request(count=5), edges=edges)
    order = list(picks)
    assert order.index("anilist:twin-b") < order.index("anilist:twin-a")
    twin_b = picks["anilist:twin-b"]
    assert twin_b.components[Signal.EDGES] > 0
    assert twin_b.edge_anchor == Anchor("catalog:frieren", "Frieren", 9)
    assert picks["anilist:twin-a"].edge_anchor is None
    assert picks["anilist:twin-a"].components[Signal.EDGES] == 0


def test_an_edge_reaches_the_catalog_copy_of_its_show(recommender: Recommender):
    edges = EdgeSignals.from_seeds([seed("catalog:frieren", "Frieren", None, "anilist:21827")])
    picks = picked(
        recommender, profile=MemberProfile(), request=Request(like="catalog:frieren"), edges=edges
    )
    violet = picks["catalog:violet"]
    assert violet.ranked_signals[0] is Signal.EDGES
    assert violet.edge_anchor == Anchor("catalog:frieren", "Frieren", None)
    assert reason(violet) == "AniList fans of *Frieren* recommend it"


def test_absent_or_ineligible_edges_drop_out_and_the_rest_are_renormalised(
    recommender: Recommender,
):
    profile = MemberProfile(ratings=MappingProxyType({"catalog:frieren": 9.0}))
    request = Request(count=5)
    signals = ServerSignals(watchlists=MappingProxyType({"tvmaze:goblin": 2.0}))
    plain = recommender.recommend(profile, request, signals)
    # Edges only to a title the member rated: no eligible candidate has any.
    rated_only = EdgeSignals.from_seeds([seed("anilist:x", "X", 10, "catalog:frieren")])
    same = recommender.recommend(profile, request, signals, rated_only)
    assert [p.components for p in same.picks] == [p.components for p in plain.picks]
    for pick in plain.picks:
        assert Signal.EDGES not in pick.components
        assert sum(pick.components.values()) == pytest.approx(pick.relevance)

    edges = EdgeSignals.from_seeds([seed("catalog:frieren", "Frieren", 9, "anilist:twin-b")])
    weighted = recommender.recommend(profile, request, signals, edges)
    twin_b = next(p for p in weighted.picks if p.title.id == "anilist:twin-b")
    weights = WEIGHTS[Audience.MEMBER]
    share = weights[Signal.EDGES] / sum(weights[s] for s in twin_b.components)
    assert twin_b.components[Signal.EDGES] == pytest.approx(share)  # the best edge scales to 1
    assert sum(twin_b.components.values()) == pytest.approx(twin_b.relevance)


def test_edges_weigh_no_more_than_the_ratings_model():
    for audience in Audience:
        assert 0 < WEIGHTS[audience][Signal.EDGES] <= WEIGHTS[audience][Signal.KNN]


# -- reasons --------------------------------------------------------------------------------


def edge_pick(anchor: Anchor) -> Pick:
    return Pick(
        title=TWIN_B,
        score=0.5,
        relevance=0.5,
        components=MappingProxyType({Signal.EDGES: 0.4, Signal.CONTENT: 0.1}),
        diversity_penalty=0.0,
        compass=(0.5, 0.5),
        edge_anchor=anchor,
    )


def test_the_reason_names_the_seed_for_the_member():
    rated = edge_pick(Anchor("catalog:frieren", "Frieren", 9))
    assert reason(rated) == "AniList fans of *Frieren* recommend it"


def test_in_public_only_the_like_title_is_named():
    liked = edge_pick(Anchor("catalog:frieren", "Frieren", None))
    assert reason(liked, for_server=True) == "AniList fans of *Frieren* recommend it"
    rated = edge_pick(Anchor("catalog:frieren", "Frieren", 9))
    line = reason(rated, for_server=True)
    assert line == "AniList fans of what this server rates highly recommend it"
    assert "Frieren" not in line


def test_a_seed_name_cannot_restyle_or_ping():
    line = reason(edge_pick(Anchor("x:1", "**@everyone** " + "long " * 30, None)))
    assert "@everyone" not in line
    assert "\\*\\*" in line
    assert len(line) < 120


def test_an_edge_pick_without_a_seed_lets_the_next_component_speak():
    pick = Pick(
        title=TWIN_B,
        score=0.5,
        relevance=0.5,
        components=MappingProxyType({Signal.EDGES: 0.4, Signal.POPULARITY: 0.1}),
        diversity_penalty=0.0,
        compass=(0.5, 0.5),
    )
    assert reason(pick) == "popular with anime fans"
