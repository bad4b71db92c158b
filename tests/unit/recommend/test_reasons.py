"""The one-line reason comes from the component that drove the pick; crossovers are marked."""

from __future__ import annotations

from types import MappingProxyType

from bot.metadata.models import Medium
from bot.recommend.ranking import (
    Anchor,
    CandidatePool,
    Crossover,
    MemberProfile,
    Mood,
    Pick,
    Recommender,
    Request,
    ServerEvidence,
    ServerKind,
    ServerSignals,
    Signal,
)
from bot.recommend.reasons import crossover_mark, reason
from tests.unit.recommend.titles import fantasy_anime, romance_kdrama, title


def pick(components: dict[Signal, float], **kwargs) -> Pick:
    defaults = {
        "title": romance_kdrama("tvmaze:x", name="X"),
        "score": 0.5,
        "relevance": sum(components.values()),
        "components": MappingProxyType(components),
        "diversity_penalty": 0.0,
        "compass": (0.82, 0.71),
    }
    return Pick(**{**defaults, **kwargs})


GOBLIN = Anchor("tvmaze:goblin", "Goblin", 9)


def test_knn_names_the_rated_title_and_the_shared_taste():
    line = reason(
        pick({Signal.KNN: 0.5, Signal.CONTENT: 0.2}, anchor=GOBLIN, shared=("Fantasy", "Romance"))
    )
    assert line == "because you rated *Goblin* 9 and like fantasy romance"


def test_knn_from_the_like_title():
    assert (
        reason(pick({Signal.KNN: 0.5}, anchor=Anchor("tvmaze:goblin", "Goblin", None)))
        == "because you asked for something like *Goblin*"
    )


def test_content_names_the_taste_and_the_closest_liked_title():
    assert (
        reason(pick({Signal.CONTENT: 0.4}, shared=("Fantasy",), similar_to=GOBLIN))
        == "because you like fantasy, like *Goblin*"
    )
    assert (
        reason(pick({Signal.CONTENT: 0.4}, similar_to=GOBLIN))
        == "close to *Goblin*, which you rated 9"
    )


def test_mood_says_where_the_pick_sits_on_the_compass():
    assert reason(pick({Signal.MOOD: 0.4}, mood=Mood.FANTASY)) == (
        "a fantasy pick, as you asked (fantasy 0.71)"
    )
    assert reason(pick({Signal.MOOD: 0.4}, mood=Mood.SLOW_BURN)) == (
        "a slow-burn pick, as you asked (slow-burn 0.82)"
    )
    assert reason(pick({Signal.MOOD: 0.4}, mood=Mood.BOTH)) == (
        "slow-burn and fantasy at once (0.82 and 0.71)"
    )


def test_server_reasons_count_members_polls_and_parties():
    def line(kind: ServerKind, count: int) -> str:
        return reason(pick({Signal.SERVER: 0.4}, server=ServerEvidence(kind, count)))

    assert line(ServerKind.WATCHLISTS, 3) == "3 members here have it on their watchlist"
    assert line(ServerKind.WATCHLISTS, 1) == "1 member here has it on their watchlist"
    assert line(ServerKind.RATINGS, 4) == "4 members here rated it highly"
    assert line(ServerKind.POLL_WINS, 1) == "it won a poll here"
    assert line(ServerKind.PARTIES, 2) == "watched together at 2 parties here"


def test_popularity_speaks_for_the_medium():
    assert reason(pick({Signal.POPULARITY: 0.1})) == "popular with K-drama fans"
    anime = fantasy_anime("anilist:y")
    assert reason(pick({Signal.POPULARITY: 0.1}, title=anime)) == "popular with anime fans"


def test_the_next_component_speaks_when_the_top_one_has_nothing_to_name():
    line = reason(
        pick({Signal.KNN: 0.5, Signal.SERVER: 0.1}, server=ServerEvidence(ServerKind.POLL_WINS, 2))
    )
    assert line == "it won 2 polls here"


def test_a_name_cannot_restyle_or_ping():
    anchor = Anchor("x:1", "**@everyone** " + "long " * 30, 10)
    line = reason(pick({Signal.KNN: 0.5}, anchor=anchor))
    assert "@everyone" not in line
    assert "\\*\\*" in line
    assert len(line) < 120


def test_crossover_marks():
    assert crossover_mark(pick({}, crossover=Crossover.KDRAMA_FOR_ANIME_FAN)) == (
        "crossover: a K-drama for an anime fan"
    )
    assert crossover_mark(pick({}, crossover=Crossover.ANIME_FOR_KDRAMA_FAN)) == (
        "crossover: an anime for a K-drama fan"
    )
    assert crossover_mark(pick({})) is None


def test_reasons_from_a_real_ranking():
    pool = CandidatePool.build(
        [
            romance_kdrama("tvmaze:goblin", name="Goblin", genres=("Romance", "Fantasy")),
            romance_kdrama("tvmaze:luna", name="Hotel del Luna", genres=("Romance", "Fantasy")),
            title("anilist:z", medium=Medium.ANIME, genres=("Romance", "Fantasy")),
            title("anilist:w", medium=Medium.ANIME, genres=("Sports",)),
        ]
    )
    recommender = Recommender.create(pool)
    member = recommender.recommend(MemberProfile(ratings={"tvmaze:goblin": 9}))
    assert reason(member.picks[0]).startswith("because you like romance fantasy")
    cold = recommender.recommend(
        MemberProfile(), Request(count=1), ServerSignals(watchlists={"anilist:w": 3})
    )
    assert [reason(p) for p in cold.picks] == ["3 members here have it on their watchlist"]


def test_favourites_of_several_words_are_kept_apart_with_and():
    two_genres = reason(pick({Signal.CONTENT: 0.5}, shared=("Fantasy", "Romance")))
    assert two_genres == "because you like fantasy romance"
    with_a_tag = reason(pick({Signal.CONTENT: 0.5}, shared=("Drama", "Primarily Adult Cast")))
    assert with_a_tag == "because you like drama and primarily adult cast"
