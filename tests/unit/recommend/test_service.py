"""RecommendService on a real, migrated SQLite file, the bundled catalog and a fake clock: the
model is built in the background, rebuilt when ratings change (at most every `min_interval`),
a request never waits for a build, a member with no ratings gets the server's favourites, and
what a member rated, watched or turned down is never picked."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Sequence
from dataclasses import replace

import pytest

from bot.background import BackgroundTasks
from bot.errors import UserFacingError
from bot.metadata.catalog import Catalog
from bot.metadata.models import Title
from bot.recommend.ranking import (
    Audience,
    MediumFilter,
    Pick,
    Recommender,
    Request,
    ServerKind,
)
from bot.recommend.service import (
    RecommendService,
    build_recommender,
    server_profile,
    server_signals,
)
from bot.storage.database import Database
from bot.taste.models import RatingTriple, TitleAggregate, TitleRef
from bot.taste.repository import TasteRepository
from bot.taste.service import TasteService
from tests.support.clock import FakeClock

GUILD, OTHER_GUILD = 111, 222
ANA, BO, CY = 1001, 1002, 1003
INTERVAL = 60.0

CATALOG = Catalog.bundled()


def ref(title_id: str) -> TitleRef:
    title = CATALOG.get(title_id)
    assert title is not None, title_id
    return TitleRef.of(title)


GOBLIN = ref("catalog:guardian-the-lonely-and-great-god")
CLOY = ref("catalog:crash-landing-on-you")
FRIEREN = ref("catalog:frieren-beyond-journeys-end")
TORADORA = ref("catalog:toradora")
FRIEREN_TITLE = CATALOG.get(FRIEREN.id)
assert FRIEREN_TITLE is not None


async def no_cached_titles() -> list[Title]:
    return []


class GatedBuild:
    """A build that waits in its worker thread until the test opens the gate."""

    def __init__(self) -> None:
        self.gate = threading.Event()
        self.started = threading.Event()
        self.calls = 0

    def __call__(self, titles: Sequence[Title], ratings: Sequence[RatingTriple]) -> Recommender:
        self.calls += 1
        self.started.set()
        assert self.gate.wait(10), "the test never opened the gate"
        return build_recommender(titles, ratings)


@pytest.fixture
def taste(db: Database, clock: FakeClock) -> TasteService:
    return TasteService(TasteRepository(db), clock)


@pytest.fixture
async def tasks() -> AsyncIterator[BackgroundTasks]:
    running = BackgroundTasks()
    yield running
    await running.close(grace=5)


@pytest.fixture
def service(taste: TasteService, clock: FakeClock, tasks: BackgroundTasks) -> RecommendService:
    return RecommendService(
        taste, tuple(CATALOG), no_cached_titles, clock, tasks, min_interval=INTERVAL
    )


def ids(picks: Sequence[Pick]) -> list[str]:
    return [pick.title.id for pick in picks]


# -- the background build -----------------------------------------------------------------------


async def test_start_builds_the_first_model_in_the_background(
    service: RecommendService, taste: TasteService
):
    await taste.rate(GUILD, ANA, GOBLIN, 9)
    await taste.rate(GUILD, BO, GOBLIN, 8)
    await taste.rate(GUILD, BO, CLOY, 9)
    await service.start()
    assert service.building  # started, not awaited
    await service.wait_built()
    assert service.model_ready
    assert service.builds == 1
    current = service.current
    assert current is not None
    assert current.model is not None
    assert len(current.pool) == len(CATALOG)


async def test_no_rebuild_while_the_ratings_are_unchanged(
    service: RecommendService, clock: FakeClock
):
    await service.start()
    await service.wait_built()
    clock.advance(INTERVAL * 10)
    assert not service.refresh()
    await service.recommend(GUILD, ANA, Request())
    assert service.builds == 1


async def test_a_rating_change_rebuilds_at_most_once_per_interval(
    service: RecommendService, taste: TasteService, clock: FakeClock
):
    await service.start()
    await service.wait_built()
    await taste.rate(GUILD, ANA, GOBLIN, 9)
    assert service.stale()
    assert not service.refresh()  # the last build started less than INTERVAL ago
    await service.recommend(GUILD, ANA, Request())
    await service.wait_built()
    assert service.builds == 1
    assert service.stale()
    clock.advance(INTERVAL)
    await service.recommend(GUILD, ANA, Request())  # the request starts it
    await service.wait_built()
    assert not service.stale()
    assert service.builds == 2


async def test_a_request_never_waits_for_a_rebuild(
    taste: TasteService, clock: FakeClock, tasks: BackgroundTasks
):
    build = GatedBuild()
    service = RecommendService(
        taste, tuple(CATALOG), no_cached_titles, clock, tasks, min_interval=INTERVAL, build=build
    )
    await taste.rate(GUILD, ANA, FRIEREN, 9)
    await service.start()
    assert await asyncio.to_thread(build.started.wait, 5)
    # The first build is stuck in its thread; the request is answered from the catalog alone.
    answer = await asyncio.wait_for(service.recommend(GUILD, ANA, Request(count=3)), timeout=5)
    assert not answer.model_ready
    assert len(answer.recommendations.picks) == 3
    assert FRIEREN.id not in ids(answer.recommendations.picks)
    assert service.building
    build.gate.set()
    await service.wait_built()
    assert service.model_ready

    # A later rebuild: requests keep the last model while it runs.
    first_model = service.current
    build.gate.clear()
    build.started.clear()
    await taste.rate(GUILD, BO, GOBLIN, 9)
    clock.advance(INTERVAL)
    answer = await asyncio.wait_for(service.recommend(GUILD, ANA, Request()), timeout=5)
    assert answer.model_ready
    assert service.building
    assert service.current is first_model
    build.gate.set()
    await service.wait_built()
    assert service.current is not first_model
    assert build.calls == 2


async def test_a_failed_build_keeps_the_last_model(
    taste: TasteService, clock: FakeClock, tasks: BackgroundTasks
):
    calls = 0

    def flaky(titles: Sequence[Title], ratings: Sequence[RatingTriple]) -> Recommender:
        nonlocal calls
        calls += 1
        if calls > 1:
            raise RuntimeError("out of memory")
        return build_recommender(titles, ratings)

    service = RecommendService(
        taste, tuple(CATALOG), no_cached_titles, clock, tasks, min_interval=INTERVAL, build=flaky
    )
    await service.start()
    await service.wait_built()
    kept = service.current
    await taste.rate(GUILD, ANA, GOBLIN, 9)
    clock.advance(INTERVAL)
    assert service.refresh()
    await service.wait_built()
    assert service.current is kept
    answer = await service.recommend(GUILD, ANA, Request())
    assert answer.recommendations.picks


async def test_cached_titles_join_the_pool(
    taste: TasteService, clock: FakeClock, tasks: BackgroundTasks
):
    extra = replace(FRIEREN_TITLE, id="anilist:999999", same_as=())

    async def cached() -> list[Title]:
        return [extra]

    service = RecommendService(taste, tuple(CATALOG), cached, clock, tasks)
    await service.start()
    await service.wait_built()
    assert service.title("anilist:999999") == extra


# -- what a request gets ------------------------------------------------------------------------


async def test_a_member_with_no_ratings_gets_the_servers_favourites(
    service: RecommendService, taste: TasteService
):
    await taste.rate(GUILD, BO, GOBLIN, 10)
    await taste.rate(GUILD, CY, GOBLIN, 9)
    await taste.watchlist_add(GUILD, CY, CLOY)
    await taste.rate(OTHER_GUILD, BO, TORADORA, 10)  # another server's favourite
    await service.start()
    await service.wait_built()
    answer = await service.recommend(GUILD, ANA, Request(count=5))
    assert not answer.has_ratings
    assert answer.recommendations.cold_start
    picks = answer.recommendations.picks
    assert ids(picks)[0] == GOBLIN.id
    assert CLOY.id in ids(picks)  # on a watchlist here (diversity may move it down a place)
    assert picks[0].server is not None
    assert picks[0].server.kind is ServerKind.RATINGS
    assert picks[0].server.count == 2
    assert ids(picks)[1] != TORADORA.id


async def test_rated_watched_and_not_interested_titles_are_never_picked(
    service: RecommendService, taste: TasteService
):
    await taste.rate(GUILD, ANA, GOBLIN, 9)
    await taste.watched(GUILD, ANA, CLOY)
    await taste.not_interested(GUILD, ANA, FRIEREN)
    await taste.rate(GUILD, BO, FRIEREN, 10)  # loved here, but Ana said no
    await taste.rate(GUILD, BO, CLOY, 10)
    await service.start()
    await service.wait_built()
    for medium in MediumFilter:
        answer = await service.recommend(GUILD, ANA, Request(medium=medium, count=10))
        picked = ids(answer.recommendations.picks)
        assert picked
        assert not {GOBLIN.id, CLOY.id, FRIEREN.id} & set(picked)
        assert answer.has_ratings


async def test_for_the_server_uses_the_servers_ratings_and_skips_what_it_rated(
    service: RecommendService, taste: TasteService
):
    await taste.rate(GUILD, BO, GOBLIN, 10)
    await taste.watchlist_add(GUILD, CY, CLOY)
    await service.start()
    await service.wait_built()
    answer = await service.recommend(GUILD, ANA, Request(audience=Audience.SERVER, count=10))
    picked = ids(answer.recommendations.picks)
    assert GOBLIN.id not in picked
    assert answer.audience is Audience.SERVER
    assert answer.has_ratings


async def test_an_unknown_like_title_is_a_clear_refusal(service: RecommendService):
    with pytest.raises(UserFacingError, match="start from it"):
        await service.recommend(GUILD, ANA, Request(like="anilist:123456789"))


# -- the server's signals -----------------------------------------------------------------------


def aggregate(title: TitleRef, ratings: int, score_sum: int, watchlisted: int) -> TitleAggregate:
    return TitleAggregate(title, ratings, score_sum, watched=0, watchlisted=watchlisted)


def test_server_signals_count_liked_ratings_and_watchlists():
    signals = server_signals(
        [
            aggregate(GOBLIN, ratings=3, score_sum=27, watchlisted=0),
            aggregate(CLOY, ratings=2, score_sum=6, watchlisted=4),  # disliked here
        ]
    )
    assert dict(signals.ratings) == {GOBLIN.id: 3.0}
    assert dict(signals.watchlists) == {CLOY.id: 4.0}
    assert not signals.poll_wins
    assert not signals.parties


def test_server_profile_rates_by_the_mean():
    profile = server_profile([aggregate(GOBLIN, ratings=2, score_sum=17, watchlisted=1)])
    assert dict(profile.ratings) == {GOBLIN.id: 8.5}
    assert profile.watchlist == frozenset({GOBLIN.id})


# -- the quick picker ----------------------------------------------------------------------------


async def test_starters_skip_what_the_member_rated_or_turned_down_in_this_server(
    service: RecommendService, taste: TasteService
):
    first = await service.starters(GUILD, ANA)
    assert len(first) == 5
    rated, turned_down = TitleRef.of(first[0]), TitleRef.of(first[1])
    await taste.rate(GUILD, ANA, rated, 8)
    await taste.not_interested(GUILD, ANA, turned_down)
    again = [t.id for t in await service.starters(GUILD, ANA)]
    assert rated.id not in again
    assert turned_down.id not in again
    assert len(again) == 5
    elsewhere = await service.starters(OTHER_GUILD, ANA)  # another server
    assert [t.id for t in elsewhere] == [t.id for t in first]


async def test_excluded_titles_are_the_rated_watched_and_not_interested_ones(
    service: RecommendService, taste: TasteService
):
    await taste.rate(GUILD, ANA, GOBLIN, 9)
    await taste.watched(GUILD, ANA, TORADORA)
    await taste.not_interested(GUILD, ANA, CLOY)
    await taste.watchlist_add(GUILD, ANA, FRIEREN)  # wanted, so not excluded
    await taste.rate(OTHER_GUILD, ANA, FRIEREN, 2)  # another server's word does not count here
    profile = await service.member_profile(GUILD, ANA)
    excluded = set(profile.ratings) | profile.watched | profile.not_interested
    assert excluded == {GOBLIN.id, TORADORA.id, CLOY.id}
