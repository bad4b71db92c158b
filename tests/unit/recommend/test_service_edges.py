"""RecommendService with AniList's recommendation edges, read through a real TitleService and
title cache (SQLite) from a fake AniList: the seeds asked for, edge titles already in the pool
scored at once, new ones joining the pool at the next rebuild (at most once per
`min_interval`, with no rating changed), and an AniList that fails costing nothing."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import pytest

from bot.background import BackgroundTasks
from bot.clock import to_unix
from bot.metadata.catalog import Catalog
from bot.metadata.models import Medium, Tag, Title
from bot.metadata.provider import ProviderUnavailable
from bot.metadata.repository import TitleCacheRepository
from bot.metadata.service import TitleService
from bot.recommend.ranking import Audience, Pick, Request, Signal
from bot.recommend.reasons import reason
from bot.recommend.service import RecommendService
from bot.storage.database import Database
from bot.taste.models import TitleRef
from bot.taste.repository import TasteRepository
from bot.taste.service import TasteService
from tests.support.clock import FakeClock
from tests.unit.recommend.titles import fantasy_anime

GUILD, ANA, BO, CY = 111, 1001, 1002, 1003
INTERVAL = 60.0
CATALOG = Catalog.bundled()
FRIEREN = "catalog:frieren-beyond-journeys-end"
VIOLET = "catalog:violet-evergarden"
# Known to the fake AniList only: not in the catalog, so not in the first pool.
WANDERING_WITCH = fantasy_anime(
    "anilist:900001",
    name="Wandering Witch",
    genres=("Adventure", "Drama", "Fantasy"),
    tags=(Tag("Magic", 90), Tag("Travel", 80)),
)
VIOLET_ON_ANILIST = fantasy_anime("anilist:21827", name="Violet Evergarden", genres=("Drama",))


def ref(title_id: str) -> TitleRef:
    title = CATALOG.get(title_id)
    assert title is not None, title_id
    return TitleRef.of(title)


@dataclass
class FakeAniList:
    name: str = "anilist"
    media: frozenset[Medium] = frozenset({Medium.ANIME})
    search_gives_details: bool = True
    edges: dict[str, list[Title]] = field(default_factory=dict)
    down: bool = False
    asked: list[str] = field(default_factory=list)

    async def search(self, query: str, *, limit: int = 10) -> list[Title]:
        return []

    async def fetch(self, source_id: str) -> Title | None:
        return None

    async def recommendations(self, source_id: str, *, limit: int = 10) -> list[Title]:
        self.asked.append(source_id)
        if self.down:
            raise ProviderUnavailable(self.name, "down")
        return self.edges.get(source_id, [])[:limit]


@pytest.fixture
def anilist() -> FakeAniList:
    return FakeAniList(edges={"154587": [WANDERING_WITCH, VIOLET_ON_ANILIST]})


@pytest.fixture
async def tasks() -> AsyncIterator[BackgroundTasks]:
    running = BackgroundTasks()
    yield running
    await running.close(grace=5)


@pytest.fixture
def taste(db: Database, clock: FakeClock) -> TasteService:
    return TasteService(TasteRepository(db), clock)


@pytest.fixture
async def titles(
    db: Database, clock: FakeClock, tasks: BackgroundTasks, anilist: FakeAniList
) -> TitleService:
    service = TitleService(TitleCacheRepository(db), CATALOG, [anilist], clock, tasks)
    await service.start()
    return service


@pytest.fixture
async def service(
    db: Database,
    clock: FakeClock,
    tasks: BackgroundTasks,
    taste: TasteService,
    titles: TitleService,
) -> RecommendService:
    cache = TitleCacheRepository(db)

    async def cached_titles() -> list[Title]:
        return await cache.all_titles(now=to_unix(clock.now()))

    recommend = RecommendService(
        taste, tuple(CATALOG), cached_titles, clock, tasks, min_interval=INTERVAL, edges=titles
    )
    await recommend.start()
    await recommend.wait_built()
    return recommend


async def picks_for(service: RecommendService, request: Request, member: int = ANA) -> list[Pick]:
    return list((await service.recommend(GUILD, member, request)).recommendations.picks)


def by_id(picks: list[Pick]) -> dict[str, Pick]:
    return {pick.title.id: pick for pick in picks}


async def test_edge_titles_in_the_pool_count_at_once_and_new_ones_join_at_the_next_rebuild(
    service: RecommendService, anilist: FakeAniList, clock: FakeClock
):
    like = Request(like=FRIEREN)
    first = by_id(await picks_for(service, like))
    # Violet is in the catalog (its AniList twin is the edge): it gets the signal now.
    violet = first[VIOLET]
    assert violet.components[Signal.EDGES] > 0
    assert violet.edge_anchor is not None
    assert violet.edge_anchor.title_id == FRIEREN
    # Wandering Witch is cached now but not in the pool yet; the pool is stale, and the
    # rebuild waits for the interval although no rating changed.
    assert WANDERING_WITCH.id not in first
    assert service.current is not None
    assert not service.current.pool.rows_of(WANDERING_WITCH.id)
    assert service.stale()
    assert not service.refresh()
    assert service.builds == 1

    clock.advance(INTERVAL)
    await picks_for(service, like)
    await service.wait_built()
    assert service.builds == 2
    assert not service.stale()
    after = by_id(await picks_for(service, like))
    witch = after[WANDERING_WITCH.id]
    assert witch.ranked_signals[0] is Signal.EDGES
    assert reason(witch) == "AniList fans of *Frieren: Beyond Journey's End* recommend it"
    assert anilist.asked == ["154587"]  # the edges were read once, then from the cache
    clock.advance(INTERVAL)
    assert not service.refresh()  # nothing new: no more rebuilds


async def test_a_pool_that_only_gained_edge_titles_keeps_the_fitted_model(
    service: RecommendService, taste: TasteService, clock: FakeClock
):
    await taste.rate(GUILD, ANA, ref(FRIEREN), 9)
    await taste.rate(GUILD, BO, ref(FRIEREN), 8)
    await taste.rate(GUILD, BO, ref("catalog:toradora"), 9)
    clock.advance(INTERVAL)
    await picks_for(service, Request())
    await service.wait_built()
    assert service.current is not None
    fitted = service.current.model
    assert fitted is not None
    await picks_for(service, Request(like=FRIEREN))  # Wandering Witch: new to the pool
    clock.advance(INTERVAL)
    await picks_for(service, Request(like=FRIEREN))
    await service.wait_built()
    assert service.current.pool.rows_of(WANDERING_WITCH.id)
    assert service.current.model is fitted  # unrated titles: no refit
    assert not service.stale()


async def test_without_like_the_best_rated_anilist_titles_are_the_seeds_one_asked_a_request(
    service: RecommendService, taste: TasteService, anilist: FakeAniList
):
    await taste.rate(GUILD, ANA, ref("catalog:guardian-the-lonely-and-great-god"), 10)  # K-drama
    await taste.rate(GUILD, ANA, ref(FRIEREN), 9)
    await taste.rate(GUILD, ANA, ref("catalog:cowboy-bebop"), 9)
    await taste.rate(GUILD, ANA, ref("catalog:toradora"), 8)
    await taste.rate(GUILD, ANA, ref("catalog:your-name"), 8)
    await taste.rate(GUILD, ANA, ref("catalog:horimiya"), 7)  # not a clear "more like this"
    await picks_for(service, Request())
    assert anilist.asked == ["1"]  # one request to AniList per /recommend, the best seed first
    picks = by_id(await picks_for(service, Request()))
    assert anilist.asked == ["1", "154587"]  # the next seed whose list is not saved
    assert picks[VIOLET].edge_anchor is not None
    assert picks[VIOLET].edge_anchor.score == 9
    assert reason(picks[VIOLET]) == "AniList fans of *Frieren: Beyond Journey's End* recommend it"
    await picks_for(service, Request())
    await picks_for(service, Request())
    assert sorted(anilist.asked) == sorted(["1", "154587", "4224"])  # at most three seeds


async def test_a_down_anilist_costs_nothing(
    service: RecommendService, taste: TasteService, anilist: FakeAniList
):
    anilist.down = True
    picks = await picks_for(service, Request(like=FRIEREN))
    assert len(picks) == 10
    assert all(Signal.EDGES not in pick.components for pick in picks)
    assert not service.stale()


async def test_a_broken_edge_reader_is_logged_and_the_answer_comes_anyway(
    taste: TasteService,
    clock: FakeClock,
    tasks: BackgroundTasks,
    caplog: pytest.LogCaptureFixture,
):
    class Broken:
        def recommendation_source(self, title_id: str) -> str | None:
            return "anilist:154587"

        async def recommended_for(self, title_id: str, *, limit: int = 10) -> list[Title]:
            raise RuntimeError("a bug")

    async def nothing_cached() -> list[Title]:
        return []

    service = RecommendService(taste, tuple(CATALOG), nothing_cached, clock, tasks, edges=Broken())
    picks = (await service.recommend(GUILD, ANA, Request(like=FRIEREN))).recommendations.picks
    assert len(picks) == 10
    assert "Reading AniList's recommendations" in caplog.text


async def test_a_public_answer_names_no_rated_seed_and_stands_on_several_members(
    service: RecommendService, taste: TasteService
):
    await taste.rate(GUILD, BO, ref(FRIEREN), 10)
    server = Request(audience=Audience.SERVER)
    alone = by_id(await picks_for(service, server))
    assert all(pick.edge_anchor is None for pick in alone.values())  # one member's 10: no seed
    for member in (ANA, CY):
        await taste.rate(GUILD, member, ref(FRIEREN), 9)
    await service.wait_built()
    picks = by_id(await picks_for(service, server))
    violet = picks[VIOLET]
    assert violet.edge_anchor is not None
    line = reason(violet, for_server=True)
    assert "Frieren" not in line
    liked = by_id(await picks_for(service, Request(audience=Audience.SERVER, like=FRIEREN)))
    assert "Frieren" in reason(liked[VIOLET], for_server=True)


async def test_concurrent_requests_share_one_call_for_a_seed(
    service: RecommendService, anilist: FakeAniList
):
    answers = await asyncio.gather(*(picks_for(service, Request(like=FRIEREN)) for _ in range(3)))
    assert all(by_id(picks)[VIOLET].edge_anchor is not None for picks in answers)
    assert anilist.asked == ["154587"]
