"""A member's leanings (a watch party they went to, a vote in a poll that names its voters) in
the ranking: mild seeds below a rating, a party title counts as seen, and the reason names
the leaning for what it was, never as a rating. And the server's poll wins and held parties
bringing titles forward with their own reasons."""

from __future__ import annotations

from types import MappingProxyType

import pytest

from bot.metadata.models import Tag
from bot.recommend.knn import RatingAggregate, fit_item_knn
from bot.recommend.ranking import (
    Anchor,
    CandidatePool,
    Leaning,
    MemberProfile,
    Pick,
    Recommender,
    Request,
    ServerEvidence,
    ServerKind,
    ServerSignals,
    Signal,
)
from bot.recommend.reasons import reason
from tests.unit.recommend.titles import fantasy_anime, romance_kdrama, title

GOBLIN, DEL_LUNA = "tvmaze:goblin", "tvmaze:hotel-del-luna"
FRIEREN, ABYSS = "anilist:frieren", "anilist:made-in-abyss"
TITLES = (
    romance_kdrama(GOBLIN, name="Goblin", tags=(Tag("Slow Burn", 90), Tag("Magic", 60))),
    romance_kdrama(DEL_LUNA, name="Hotel del Luna", genres=("Romance", "Fantasy")),
    romance_kdrama("tvmaze:reply-1988", name="Reply 1988", genres=("Family", "Comedy")),
    fantasy_anime(FRIEREN, name="Frieren", tags=(Tag("Elf", 90), Tag("Magic", 90))),
    fantasy_anime(ABYSS, name="Made in Abyss", genres=("Adventure", "Mystery", "Fantasy")),
    title("anilist:toradora", name="Toradora!", genres=("Romance", "Comedy")),
    title("anilist:k-on", name="K-On!", genres=("Comedy", "Music")),
)


@pytest.fixture(scope="module")
def pool() -> CandidatePool:
    return CandidatePool.build(TITLES)


@pytest.fixture(scope="module")
def recommender(pool: CandidatePool) -> Recommender:
    # Who loved Goblin loved Hotel del Luna; who loved Frieren loved Made in Abyss.
    rows = [(m, GOBLIN, 9) for m in range(6)] + [(m, DEL_LUNA, 10) for m in range(6)]
    rows += [(m, FRIEREN, 9) for m in range(6, 12)] + [(m, ABYSS, 9) for m in range(6, 12)]
    return Recommender.create(pool, fit_item_knn(RatingAggregate.from_ratings(rows)))


def picks_of(recommender: Recommender, profile: MemberProfile, **request: object):
    result = recommender.recommend(profile, Request(**request))  # type: ignore[arg-type]
    return result, {pick.title.id: pick for pick in result.picks}


def test_a_party_the_member_went_to_counts_as_seen(recommender: Recommender):
    profile = MemberProfile(leanings={GOBLIN: Leaning.PARTY, FRIEREN: Leaning.VOTE})
    _, picks = picks_of(recommender, profile)
    assert GOBLIN not in picks
    assert FRIEREN in picks  # a vote is no viewing: the title may still be recommended
    _, with_seen = picks_of(recommender, profile, include_seen=True)
    assert GOBLIN in with_seen


def test_a_vote_alone_gives_personal_picks_named_as_a_vote(recommender: Recommender):
    result, _ = picks_of(recommender, MemberProfile(leanings={GOBLIN: Leaning.VOTE}))
    assert not result.cold_start
    top = result.picks[0]
    assert top.title.id == DEL_LUNA
    assert top.ranked_signals[0] is Signal.KNN
    assert top.anchor == Anchor(GOBLIN, "Goblin", None, Leaning.VOTE)
    assert reason(top).startswith("because you voted for *Goblin*")


def test_a_party_alone_is_named_as_the_party(recommender: Recommender):
    result, _ = picks_of(recommender, MemberProfile(leanings={GOBLIN: Leaning.PARTY}))
    assert result.picks[0].title.id == DEL_LUNA
    assert reason(result.picks[0]).startswith("because you went to the watch party of *Goblin*")


@pytest.mark.parametrize("kind", list(Leaning))
def test_a_leaning_weighs_less_than_a_rating(recommender: Recommender, kind: Leaning):
    # The same two shapes of taste, swapped: what was rated always leads over what was leaned.
    rated_frieren = MemberProfile(ratings={FRIEREN: 10}, leanings={GOBLIN: kind})
    _, picks = picks_of(recommender, rated_frieren)
    assert picks[ABYSS].components[Signal.KNN] > picks[DEL_LUNA].components[Signal.KNN] > 0
    assert picks[ABYSS].relevance > picks[DEL_LUNA].relevance
    rated_goblin = MemberProfile(ratings={GOBLIN: 10}, leanings={FRIEREN: kind})
    _, picks = picks_of(recommender, rated_goblin, include_seen=True)
    assert picks[DEL_LUNA].components[Signal.KNN] > picks[ABYSS].components[Signal.KNN] > 0


def test_a_party_weighs_more_than_a_vote(recommender: Recommender):
    profile = MemberProfile(leanings={GOBLIN: Leaning.VOTE, FRIEREN: Leaning.PARTY})
    _, picks = picks_of(recommender, profile)
    assert picks[ABYSS].components[Signal.KNN] > picks[DEL_LUNA].components[Signal.KNN] > 0


def test_a_rating_is_the_members_word_over_a_leaning(recommender: Recommender):
    # Ana rated Goblin 3 and also voted for it: her rating stands, the vote adds nothing.
    profile = MemberProfile(ratings={GOBLIN: 3}, leanings={GOBLIN: Leaning.VOTE})
    _, picks = picks_of(recommender, profile, include_seen=True)
    assert picks[DEL_LUNA].components[Signal.KNN] < 0
    loved = MemberProfile(ratings={GOBLIN: 9}, leanings={GOBLIN: Leaning.PARTY})
    result, _ = picks_of(recommender, loved, include_seen=True)
    top = result.picks[0]
    assert top.anchor == Anchor(GOBLIN, "Goblin", 9)
    assert reason(top).startswith("because you rated *Goblin* 9")


def test_the_like_title_is_asked_for_even_when_voted_for(recommender: Recommender):
    profile = MemberProfile(leanings={GOBLIN: Leaning.VOTE})
    result, _ = picks_of(recommender, profile, like=GOBLIN)
    top = result.picks[0]
    assert top.anchor == Anchor(GOBLIN, "Goblin", None)
    assert reason(top).startswith("because you asked for something like *Goblin*")


def test_without_a_model_a_leaning_shapes_the_content_taste(pool: CandidatePool):
    recommender = Recommender.create(pool)
    result, picks = picks_of(recommender, MemberProfile(leanings={FRIEREN: Leaning.VOTE}))
    # What they voted for is no viewing: it may come first, and is never "close to" itself.
    assert [p.title.id for p in result.picks[:2]] == [FRIEREN, ABYSS]
    assert picks[FRIEREN].similar_to is None
    assert picks[ABYSS].ranked_signals[0] is Signal.CONTENT
    assert picks[ABYSS].similar_to == Anchor(FRIEREN, "Frieren", None, Leaning.VOTE)
    assert picks[ABYSS].components[Signal.CONTENT] > picks["tvmaze:reply-1988"].components.get(
        Signal.CONTENT, 0.0
    )
    assert reason(picks[ABYSS]).startswith("because you like fantasy")
    assert "rated" not in reason(picks[ABYSS])


def test_no_reason_calls_a_leaning_a_rating(recommender: Recommender):
    profile = MemberProfile(leanings={GOBLIN: Leaning.PARTY, FRIEREN: Leaning.VOTE})
    result, _ = picks_of(recommender, profile, count=5)
    lines = [reason(pick) for pick in result.picks]
    assert lines
    assert not any("rated" in line or "asked for" in line for line in lines), lines


# -- the server's poll wins and parties ---------------------------------------------------------


def test_a_poll_win_brings_a_title_forward_with_its_reason(pool: CandidatePool):
    signals = ServerSignals(poll_wins={"anilist:k-on": 2}, parties={"tvmaze:reply-1988": 1})
    result = Recommender.create(pool).recommend(MemberProfile(), Request(count=3), signals)
    assert result.cold_start
    top, second = result.picks[:2]
    assert top.title.id == "anilist:k-on"
    assert top.server == ServerEvidence(ServerKind.POLL_WINS, 2)
    assert reason(top) == "it won 2 polls here"
    assert second.title.id == "tvmaze:reply-1988"
    assert second.server == ServerEvidence(ServerKind.PARTIES, 1)
    assert reason(second) == "watched together at a party here"
    assert reason(second, for_server=True) == "watched together at a party here"


# -- the wording where a leaning is the anchor --------------------------------------------------


def pick(components: dict[Signal, float], **kwargs: object) -> Pick:
    defaults: dict[str, object] = {
        "title": TITLES[1],
        "score": 0.5,
        "relevance": sum(components.values()),
        "components": MappingProxyType(components),
        "diversity_penalty": 0.0,
        "compass": (0.5, 0.5),
    }
    return Pick(**{**defaults, **kwargs})  # type: ignore[arg-type]


WENT = Anchor(GOBLIN, "Goblin", None, Leaning.PARTY)
VOTED = Anchor(GOBLIN, "Goblin", None, Leaning.VOTE)


def test_knn_reasons_name_the_party_or_the_vote():
    went = pick({Signal.KNN: 0.5}, anchor=WENT, shared=("Fantasy", "Romance"))
    assert reason(went) == (
        "because you went to the watch party of *Goblin* and like fantasy romance"
    )
    assert reason(pick({Signal.KNN: 0.5}, anchor=VOTED)) == "because you voted for *Goblin*"


def test_content_reasons_name_the_party_or_the_vote():
    assert (
        reason(pick({Signal.CONTENT: 0.4}, similar_to=WENT))
        == "close to *Goblin*, whose watch party you went to"
    )
    assert (
        reason(pick({Signal.CONTENT: 0.4}, similar_to=VOTED))
        == "close to *Goblin*, which you voted for"
    )
    # With shared taste the line names the taste, and only a rated title after it.
    assert (
        reason(pick({Signal.CONTENT: 0.4}, similar_to=VOTED, shared=("Fantasy",)))
        == "because you like fantasy"
    )


def test_for_the_server_a_leaning_is_never_named():
    assert reason(pick({Signal.KNN: 0.5}, anchor=WENT), for_server=True) == (
        "loved by the fans of what this server rates highly"
    )
