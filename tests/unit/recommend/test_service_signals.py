"""RecommendService with the polls and watch parties on a real SQLite file: the server's poll
wins and held parties reach the picks and their reasons (read again after the rebuild
interval), and a member's parties and votes become leanings that are not ratings."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest

from bot.background import BackgroundTasks
from bot.metadata.catalog import Catalog
from bot.metadata.models import Title
from bot.polls.models import PollKind
from bot.recommend.ranking import Audience, Leaning, Request, ServerKind
from bot.recommend.reasons import reason
from bot.recommend.service import RecommendService, leanings_of, server_signals
from bot.recommend.signals_repository import MemberActivity, ServerActivity, SignalsRepository
from bot.storage.database import Database
from bot.taste.models import TitleAggregate, TitleRef
from bot.taste.repository import TasteRepository
from bot.taste.service import TasteService
from tests.support.clock import FakeClock
from tests.unit.recommend.activity import GUILD, party, poll

ANA, BO = 1001, 1002
INTERVAL = 60.0
CATALOG = Catalog.bundled()
GOBLIN = "catalog:guardian-the-lonely-and-great-god"
CLOY = "catalog:crash-landing-on-you"
FRIEREN = "catalog:frieren-beyond-journeys-end"
TORADORA = "catalog:toradora"


async def no_cached_titles() -> list[Title]:
    return []


@pytest.fixture
def taste(db: Database, clock: FakeClock) -> TasteService:
    return TasteService(TasteRepository(db), clock)


@pytest.fixture
async def service(
    db: Database, taste: TasteService, clock: FakeClock
) -> AsyncIterator[RecommendService]:
    tasks = BackgroundTasks()
    service = RecommendService(
        taste,
        tuple(CATALOG),
        no_cached_titles,
        clock,
        tasks,
        min_interval=INTERVAL,
        activity=SignalsRepository(db),
    )
    await service.start()
    await service.wait_built()
    yield service
    await tasks.close(grace=5)


def test_server_signals_carry_poll_wins_and_parties():
    goblin = CATALOG.get(GOBLIN)
    assert goblin is not None
    aggregates = [TitleAggregate(TitleRef.of(goblin), 1, 9, watched=0, watchlisted=0)]
    activity = ServerActivity(poll_wins={FRIEREN: 2}, parties={CLOY: 1})
    signals = server_signals(aggregates, activity)
    assert dict(signals.ratings) == {GOBLIN: 1.0}
    assert dict(signals.poll_wins) == {FRIEREN: 2.0}
    assert dict(signals.parties) == {CLOY: 1.0}


def test_a_party_says_more_than_a_vote_for_the_same_title():
    activity = MemberActivity(attended=frozenset({GOBLIN}), voted_for=frozenset({GOBLIN, CLOY}))
    assert dict(leanings_of(activity)) == {GOBLIN: Leaning.PARTY, CLOY: Leaning.VOTE}


async def test_a_poll_win_and_a_held_party_lead_a_cold_start_with_their_reasons(
    service: RecommendService, db: Database
):
    await poll(db, FRIEREN, TORADORA, anonymous=True, winners=(0,))
    await party(db, CLOY, -timedelta(days=2))
    answer = await service.recommend(GUILD, ANA, Request(count=5))
    picks = {pick.title.id: pick for pick in answer.recommendations.picks}
    assert picks[FRIEREN].server is not None
    assert picks[FRIEREN].server.kind is ServerKind.POLL_WINS
    assert reason(picks[FRIEREN]) == "it won a poll here"
    assert reason(picks[CLOY]) == "watched together at a party here"
    for_server = await service.recommend(GUILD, ANA, Request(audience=Audience.SERVER, count=5))
    first = for_server.recommendations.picks[0]
    assert first.title.id in {FRIEREN, CLOY}
    assert reason(first, for_server=True) in {
        "it won a poll here",
        "watched together at a party here",
    }


async def test_poll_wins_and_parties_are_read_again_after_the_interval(
    service: RecommendService, db: Database, clock: FakeClock
):
    await service.recommend(GUILD, ANA, Request())  # reads (and keeps) nothing yet
    await poll(db, FRIEREN, TORADORA, winners=(0,))
    await party(db, CLOY, timedelta(seconds=30))  # starts half an interval from now

    def server_kinds(answer) -> dict[str, ServerKind]:
        return {
            p.title.id: p.server.kind for p in answer.recommendations.picks if p.server is not None
        }

    assert server_kinds(await service.recommend(GUILD, ANA, Request())) == {}
    clock.advance(INTERVAL)
    seen = server_kinds(await service.recommend(GUILD, ANA, Request()))
    assert seen == {FRIEREN: ServerKind.POLL_WINS, CLOY: ServerKind.PARTIES}


async def test_a_members_party_is_seen_and_their_votes_lean_without_being_ratings(
    service: RecommendService, db: Database
):
    await party(db, GOBLIN, -timedelta(days=1), going=(ANA,))
    await poll(db, FRIEREN, TORADORA, ballots={ANA: (0,)})
    await poll(db, CLOY, TORADORA, kind=PollKind.RANKED, anonymous=True, ballots={ANA: (0, 1)})
    profile = await service.member_profile(GUILD, ANA)
    assert dict(profile.leanings) == {GOBLIN: Leaning.PARTY, FRIEREN: Leaning.VOTE}
    assert not profile.ratings
    answer = await service.recommend(GUILD, ANA, Request(count=10))
    assert not answer.has_ratings  # still invited to rate: leanings are no ratings
    assert not answer.recommendations.cold_start
    picked = [pick.title.id for pick in answer.recommendations.picks]
    assert GOBLIN not in picked
    assert all("you rated" not in reason(pick) for pick in answer.recommendations.picks)
    # Another member's profile knows nothing of Ana's party or vote.
    assert not (await service.member_profile(GUILD, BO)).leanings
