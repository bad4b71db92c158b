"""The ranking: each component, filters and exclusions, diversity, crossovers, cold start."""

from __future__ import annotations

import pytest

from bot.metadata.models import Medium, Status, Tag
from bot.recommend.knn import RatingAggregate, fit_item_knn
from bot.recommend.ranking import (
    Anchor,
    CandidatePool,
    Crossover,
    Length,
    MediumFilter,
    MemberProfile,
    Mood,
    Recommender,
    Request,
    ServerEvidence,
    ServerKind,
    ServerSignals,
    Signal,
    StatusFilter,
    like_weight,
    mood_closeness,
)
from tests.unit.recommend.titles import fantasy_anime, romance_kdrama, title

GOBLIN = romance_kdrama(
    "tvmaze:goblin", name="Goblin", tags=(Tag("Slow Burn", 90), Tag("Magic", 60))
)
TITLES = (
    GOBLIN,
    romance_kdrama(
        "tvmaze:hotel-del-luna",
        name="Hotel del Luna",
        genres=("Romance", "Fantasy", "Horror"),
        tags=(Tag("Ghost", 90),),
    ),
    romance_kdrama(
        "tvmaze:crash-landing",
        name="Crash Landing on You",
        genres=("Romance", "Comedy"),
        tags=(Tag("Military", 80), Tag("Slow Burn", 70)),
    ),
    romance_kdrama(
        "tvmaze:reply-1988",
        name="Reply 1988",
        genres=("Family", "Comedy", "Romance"),
        tags=(Tag("Slice of Life", 90),),
        episodes=20,
        popularity=90,
    ),
    fantasy_anime(
        "anilist:frieren",
        name="Frieren",
        tags=(Tag("Elf", 90), Tag("Magic", 90)),
        episodes=28,
        status=Status.RELEASING,
    ),
    fantasy_anime("anilist:mushoku", name="Mushoku Tensei", tags=(Tag("Isekai", 95),), episodes=23),
    fantasy_anime(
        "anilist:made-in-abyss",
        name="Made in Abyss",
        genres=("Adventure", "Mystery", "Fantasy"),
        tags=(Tag("Survival", 80),),
        episodes=13,
    ),
    title("anilist:toradora", name="Toradora!", genres=("Romance", "Comedy"), episodes=25),
    title(
        "anilist:one-piece",
        name="One Piece",
        genres=("Action", "Adventure"),
        episodes=None,
        status=Status.RELEASING,
        popularity=500_000,
    ),
    title("anilist:upcoming", genres=("Fantasy",), status=Status.NOT_YET_RELEASED),
    romance_kdrama("catalog:goblin", name="Goblin (catalog)", same_as=("tvmaze:goblin",)),
)


@pytest.fixture(scope="module")
def pool() -> CandidatePool:
    return CandidatePool.build(TITLES)


def _ids(recommendations) -> list[str]:
    return [pick.title.id for pick in recommendations.picks]


def _model():
    # Six members who loved Goblin loved Hotel del Luna too; others watch anime.
    rows = [(m, "tvmaze:goblin", 9) for m in range(6)]
    rows += [(m, "tvmaze:hotel-del-luna", 10) for m in range(6)]
    rows += [(m, "anilist:frieren", 9) for m in range(6, 12)]
    rows += [(m, "anilist:made-in-abyss", 8) for m in range(6, 12)]
    rows += [(1, "tvmaze:crash-landing", 3)]
    return fit_item_knn(RatingAggregate.from_ratings(rows))


def test_like_weight_and_mood_closeness():
    assert like_weight(10) == 1.0
    assert like_weight(5.5) == 0.0
    assert like_weight(1) == -1.0
    assert mood_closeness((0.9, 0.1), Mood.SLOW_BURN) == pytest.approx(0.9)
    assert mood_closeness((0.9, 0.1), Mood.FANTASY) == pytest.approx(0.1)
    assert mood_closeness((0.5, 0.5), Mood.BALANCED) == 1.0
    assert mood_closeness((1.0, 0.0), Mood.BOTH) == pytest.approx(0.5)


def test_knn_leads_with_the_rated_title_that_drove_it(pool: CandidatePool):
    recommender = Recommender.create(pool, _model())
    result = recommender.recommend(MemberProfile(ratings={"tvmaze:goblin": 9}))
    top = result.picks[0]
    assert top.title.id == "tvmaze:hotel-del-luna"
    assert top.ranked_signals[0] is Signal.KNN
    assert top.anchor == Anchor("tvmaze:goblin", "Goblin", 9)
    assert not result.cold_start


def test_components_add_up_to_relevance(pool: CandidatePool):
    recommender = Recommender.create(pool, _model())
    result = recommender.recommend(
        MemberProfile(ratings={"tvmaze:goblin": 9}), Request(mood=Mood.FANTASY)
    )
    for pick in result.picks:
        assert sum(pick.components.values()) == pytest.approx(pick.relevance)
        assert pick.score == pytest.approx(pick.relevance - pick.diversity_penalty)
        assert set(pick.components) == set(Signal) - {Signal.EDGES}  # no edges given


def test_a_dislike_pushes_its_neighbours_down(pool: CandidatePool):
    recommender = Recommender.create(pool, _model())
    loved = recommender.recommend(MemberProfile(ratings={"anilist:frieren": 10}))
    hated = recommender.recommend(MemberProfile(ratings={"anilist:frieren": 1}))
    abyss = next(p for p in loved.picks if p.title.id == "anilist:made-in-abyss")
    assert abyss.components[Signal.KNN] > 0
    abyss = next(p for p in hated.picks if p.title.id == "anilist:made-in-abyss")
    assert abyss.components[Signal.KNN] < 0


def test_content_carries_taste_without_a_model(pool: CandidatePool):
    result = Recommender.create(pool).recommend(MemberProfile(ratings={"anilist:frieren": 10}))
    top = result.picks[0]
    assert top.title.id in {"anilist:mushoku", "anilist:made-in-abyss"}
    assert Signal.KNN not in top.components
    assert top.ranked_signals[0] is Signal.CONTENT
    assert top.shared[0] in {"Fantasy", "Adventure"}
    assert top.similar_to == Anchor("anilist:frieren", "Frieren", 10)


def test_the_mood_asked_for_reorders_the_picks(pool: CandidatePool):
    recommender = Recommender.create(pool)
    slow = recommender.recommend(MemberProfile(), Request(mood=Mood.SLOW_BURN, count=3))
    fantasy = recommender.recommend(MemberProfile(), Request(mood=Mood.FANTASY, count=3))
    assert slow.picks[0].title.medium is Medium.KDRAMA
    assert all(p.compass[0] > 0.5 for p in slow.picks)
    assert all(p.compass[1] > 0.5 for p in fantasy.picks)
    assert fantasy.picks[0].ranked_signals[0] is Signal.MOOD


def test_server_signals_bring_the_servers_titles_forward(pool: CandidatePool):
    signals = ServerSignals(watchlists={"anilist:toradora": 3}, poll_wins={"tvmaze:reply-1988": 1})
    result = Recommender.create(pool).recommend(MemberProfile(), Request(count=10), signals)
    top = result.picks[0]
    assert top.title.id == "anilist:toradora"
    assert top.server == ServerEvidence(ServerKind.WATCHLISTS, 3)
    picks = {p.title.id: p for p in result.picks}
    assert picks["tvmaze:reply-1988"].server == ServerEvidence(ServerKind.POLL_WINS, 1)
    assert picks["tvmaze:reply-1988"].components[Signal.SERVER] > 0
    assert picks["tvmaze:crash-landing"].server is None
    assert picks["tvmaze:reply-1988"].relevance > picks["tvmaze:crash-landing"].relevance


def test_popularity_is_only_a_gentle_prior(pool: CandidatePool):
    recommender = Recommender.create(pool, _model())
    cold = recommender.recommend(MemberProfile())
    assert cold.picks[0].title.id == "anilist:one-piece"  # nothing else to go on
    assert cold.picks[0].ranked_signals == (Signal.POPULARITY,)
    personal = recommender.recommend(MemberProfile(ratings={"tvmaze:goblin": 9}))
    picks = {p.title.id: p for p in personal.picks}
    assert personal.picks[0].title.id != "anilist:one-piece"
    assert picks["anilist:one-piece"].relevance < picks["tvmaze:crash-landing"].relevance
    assert all(p.components[Signal.POPULARITY] <= 0.04 for p in personal.picks)


def test_a_member_with_no_ratings_gets_the_servers_favourites(pool: CandidatePool):
    signals = ServerSignals(ratings={"anilist:mushoku": 4, "tvmaze:crash-landing": 2})
    result = Recommender.create(pool, _model()).recommend(
        MemberProfile(), Request(count=2), signals
    )
    assert result.cold_start
    assert _ids(result) == ["anilist:mushoku", "tvmaze:crash-landing"]
    assert result.picks[0].server == ServerEvidence(ServerKind.RATINGS, 4)


@pytest.mark.parametrize(
    ("request_", "expected"),
    [
        (Request(medium=MediumFilter.ANIME), lambda t: t.medium is Medium.ANIME),
        (Request(medium=MediumFilter.KDRAMA), lambda t: t.medium is Medium.KDRAMA),
        (Request(length=Length.SHORT), lambda t: t.episodes is not None and t.episodes <= 13),
        (
            Request(length=Length.STANDARD),
            lambda t: t.episodes is not None and 13 < t.episodes <= 26,
        ),
        (Request(length=Length.LONG), lambda t: t.episodes is not None and t.episodes > 26),
        (Request(status=StatusFilter.AIRING), lambda t: t.status is Status.RELEASING),
        (Request(status=StatusFilter.FINISHED), lambda t: t.status is Status.FINISHED),
    ],
)
def test_filters_keep_exactly_the_matching_titles(pool: CandidatePool, request_, expected):
    result = Recommender.create(pool).recommend(MemberProfile(), request_)
    wanted = {t.id for t in TITLES if expected(t) and t.status is not Status.NOT_YET_RELEASED}
    assert result.eligible == len(wanted)
    assert set(_ids(result)) == set(list(wanted)[:10]) or set(_ids(result)) <= wanted
    assert wanted, "the filter must keep something for the test to mean anything"


def test_not_yet_released_titles_are_never_picked(pool: CandidatePool):
    result = Recommender.create(pool).recommend(MemberProfile(), Request(mood=Mood.FANTASY))
    assert "anilist:upcoming" not in _ids(result)
    assert result.eligible == len(TITLES) - 1


def test_seen_and_not_interested_titles_are_excluded_unless_asked(pool: CandidatePool):
    profile = MemberProfile(
        ratings={"anilist:frieren": 9},
        watched=frozenset({"anilist:toradora"}),
        not_interested=frozenset({"anilist:one-piece"}),
    )
    recommender = Recommender.create(pool)
    seen = {"anilist:frieren", "anilist:toradora"}
    default = recommender.recommend(profile)
    assert not (seen | {"anilist:one-piece"}) & set(_ids(default))
    again = recommender.recommend(profile, Request(include_seen=True))
    assert seen <= set(_ids(again))
    assert "anilist:one-piece" not in _ids(again)
    everything = recommender.recommend(profile, Request(include_not_interested=True))
    assert "anilist:one-piece" in _ids(everything)


def test_a_title_seen_under_another_id_is_excluded(pool: CandidatePool):
    result = Recommender.create(pool).recommend(
        MemberProfile(ratings={"tvmaze:goblin": 9}), Request(medium=MediumFilter.KDRAMA)
    )
    assert not {"tvmaze:goblin", "catalog:goblin"} & set(_ids(result))


def test_twins_are_never_picked_together(pool: CandidatePool):
    result = Recommender.create(pool).recommend(
        MemberProfile(), Request(medium=MediumFilter.KDRAMA)
    )
    ids = _ids(result)
    assert not {"tvmaze:goblin", "catalog:goblin"} <= set(ids)


def test_diversity_keeps_ten_picks_from_being_ten_copies():
    copies = [fantasy_anime(f"anilist:isekai-{i}") for i in range(6)]
    different = [romance_kdrama(f"tvmaze:kdrama-{i}") for i in range(3)]
    pool = CandidatePool.build([*copies, *different])
    profile = MemberProfile(ratings={"anilist:isekai-0": 10})
    signals = ServerSignals(watchlists={t.id: 2 for t in different})
    result = Recommender.create(pool).recommend(profile, Request(count=4), signals)
    picked = _ids(result)
    assert picked[0].startswith("anilist:isekai-")
    assert sum(1 for i in picked if i.startswith("anilist:isekai-")) < 4
    assert result.picks[0].diversity_penalty == 0.0
    assert all(p.diversity_penalty > 0 for p in result.picks[1:])
    # The copies were more relevant: only diversity let the others in.
    copy = result.picks[0].relevance
    assert all(p.relevance < copy for p in result.picks if p.title.id.startswith("tvmaze:"))


def test_a_kdrama_for_an_anime_fan_is_a_crossover(pool: CandidatePool):
    profile = MemberProfile(
        ratings={"anilist:frieren": 10, "anilist:mushoku": 9, "tvmaze:goblin": 8}
    )
    result = Recommender.create(pool).recommend(profile)
    marks = {p.title.id: p.crossover for p in result.picks}
    assert marks["tvmaze:hotel-del-luna"] is Crossover.KDRAMA_FOR_ANIME_FAN
    assert marks["anilist:made-in-abyss"] is None
    kdrama_fan = MemberProfile(ratings={"tvmaze:goblin": 9})
    marks = {p.title.id: p.crossover for p in Recommender.create(pool).recommend(kdrama_fan).picks}
    assert marks["anilist:made-in-abyss"] is Crossover.ANIME_FOR_KDRAMA_FAN


def test_a_like_title_starts_the_search_and_is_not_picked(pool: CandidatePool):
    result = Recommender.create(pool, _model()).recommend(
        MemberProfile(), Request(like="tvmaze:goblin", count=3)
    )
    assert not result.cold_start
    assert result.picks[0].title.id == "tvmaze:hotel-del-luna"
    assert result.picks[0].anchor == Anchor("tvmaze:goblin", "Goblin", None)
    assert "tvmaze:goblin" not in _ids(result)


def test_count_is_between_one_and_ten():
    with pytest.raises(ValueError, match="count"):
        Request(count=0)
    with pytest.raises(ValueError, match="count"):
        Request(count=11)


def test_nothing_eligible_is_an_empty_answer(pool: CandidatePool):
    result = Recommender.create(pool).recommend(
        MemberProfile(), Request(medium=MediumFilter.KDRAMA, status=StatusFilter.AIRING)
    )
    assert result.picks == ()
    assert result.eligible == 0
