"""`TitleService.recommended_for`: AniList's recommendation edges of a title, for /recommend.

Read for an AniList id directly and for a catalog title through its AniList twin, never for
TVmaze, TMDB or K-dramas; the recommended titles land in the title cache and the list is cached
like a search; a slow AniList is waited on briefly (the call fills the cache in the
background), and a failing one gives the saved list or nothing, never an exception."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

import pytest

from bot.clock import to_unix
from bot.metadata.models import Medium, Title, TitleNames
from bot.metadata.provider import ProviderBadResponse, ProviderRateLimited, ProviderUnavailable
from bot.metadata.repository import TitleCacheRepository
from bot.metadata.service import CachePolicy
from bot.storage.database import Database

FRIEREN_ANILIST = "anilist:154587"
FRIEREN_CATALOG = "catalog:frieren-beyond-journeys-end"
GOBLIN_CATALOG = "catalog:guardian-the-lonely-and-great-god"


def anime(number: int, name: str) -> Title:
    # Ids from 900001 up are in no catalog entry's same_as, so only the fake provider knows them.
    return Title(
        id=f"anilist:{900000 + number}",
        medium=Medium.ANIME,
        names=TitleNames(english=name),
        attribution="Data: AniList",
        popularity=1000 - number,
    )


RECOMMENDED = [anime(1, "Wandering Witch"), anime(2, "Mushishi Again"), anime(3, "Somali")]


@dataclass
class FakeAniList:
    """Answers `recommendations` from a dict per AniList id; can be slow, down or rate limited."""

    name: str = "anilist"
    media: frozenset[Medium] = frozenset({Medium.ANIME})
    search_gives_details: bool = True
    edges: dict[str, list[Title]] = field(default_factory=dict)
    down: bool = False
    rate_limited: bool = False
    unreadable: bool = False
    delay: float = 0.0
    asked: list[tuple[str, int]] = field(default_factory=list)

    async def search(self, query: str, *, limit: int = 10) -> list[Title]:
        return []

    async def fetch(self, source_id: str) -> Title | None:
        return None

    async def recommendations(self, source_id: str, *, limit: int = 10) -> list[Title]:
        self.asked.append((source_id, limit))
        await asyncio.sleep(self.delay)
        if self.down:
            raise ProviderUnavailable(self.name, "down")
        if self.rate_limited:
            raise ProviderRateLimited(self.name, 60)
        if self.unreadable:
            raise ProviderBadResponse(self.name, "data.Media is not an object")
        return self.edges.get(source_id, [])[:limit]


@pytest.fixture
def anilist() -> FakeAniList:
    return FakeAniList(edges={"154587": list(RECOMMENDED)})


def names(titles: list[Title]) -> list[str]:
    return [title.display_name for title in titles]


async def test_an_anilist_title_gets_its_recommendations_best_first(
    start_titles, anilist, db, clock
):
    service = await start_titles([anilist])
    found = await service.recommended_for(FRIEREN_ANILIST)
    assert names(found) == ["Wandering Witch", "Mushishi Again", "Somali"]
    assert [source for source, _ in anilist.asked] == ["154587"]
    # Stored in the title cache, so /recommend's next pool has them.
    cached = await TitleCacheRepository(db).all_titles(now=to_unix(clock.now()))
    assert {t.id for t in RECOMMENDED} <= {t.id for t in cached}


async def test_a_catalog_title_is_read_through_its_anilist_twin(start_titles, anilist):
    service = await start_titles([anilist])
    assert service.recommendation_source(FRIEREN_CATALOG) == FRIEREN_ANILIST
    found = await service.recommended_for(FRIEREN_CATALOG, limit=2)
    assert names(found) == ["Wandering Witch", "Mushishi Again"]
    # The catalog title and its twin share one call and one saved list.
    assert names(await service.recommended_for(FRIEREN_ANILIST)) == names(RECOMMENDED)
    assert len(anilist.asked) == 1


@pytest.mark.parametrize(
    "title_id", [GOBLIN_CATALOG, "tvmaze:1234", "tmdb:94796", "catalog:no-such-title", "x"]
)
async def test_kdramas_and_other_sources_have_no_edges(start_titles, anilist, title_id):
    service = await start_titles([anilist])
    assert service.recommendation_source(title_id) is None
    assert await service.recommended_for(title_id) == []
    assert anilist.asked == []


async def test_a_second_ask_is_answered_from_the_cache_until_the_ttl(start_titles, anilist, clock):
    service = await start_titles([anilist])
    await service.recommended_for(FRIEREN_ANILIST)
    clock.advance(CachePolicy().recommendations - 60)
    restarted = await start_titles([anilist])  # the list is in the database, not in memory
    assert names(await restarted.recommended_for(FRIEREN_ANILIST)) == names(RECOMMENDED)
    assert len(anilist.asked) == 1
    clock.advance(120)
    await restarted.recommended_for(FRIEREN_ANILIST)
    assert len(anilist.asked) == 2


async def test_a_title_with_no_recommendations_is_asked_again_sooner(start_titles, clock):
    quiet = FakeAniList()
    service = await start_titles([quiet])
    assert await service.recommended_for(FRIEREN_ANILIST) == []
    await service.recommended_for(FRIEREN_ANILIST)
    assert len(quiet.asked) == 1
    clock.advance(CachePolicy().empty_search + 1)
    await service.recommended_for(FRIEREN_ANILIST)
    assert len(quiet.asked) == 2


@pytest.mark.parametrize("failure", ["down", "rate_limited"])
async def test_a_failing_anilist_gives_the_saved_list_or_nothing(
    start_titles, anilist, clock, failure
):
    service = await start_titles([anilist])
    setattr(anilist, failure, True)
    assert await service.recommended_for(FRIEREN_ANILIST) == []  # nothing saved, no exception
    setattr(anilist, failure, False)
    clock.advance(CachePolicy().empty_search + 1)
    await service.recommended_for(FRIEREN_ANILIST)
    clock.advance(CachePolicy().recommendations + 1)  # stale now
    setattr(anilist, failure, True)
    assert names(await service.recommended_for(FRIEREN_ANILIST)) == names(RECOMMENDED)
    assert len(anilist.asked) == 3


async def test_a_slow_anilist_is_waited_on_briefly_and_fills_the_cache_behind(
    start_titles, anilist
):
    anilist.delay = 0.5
    service = await start_titles([anilist], policy=CachePolicy(recommendations_within=0.05))
    loop = asyncio.get_running_loop()
    # Had it waited the 0.5 s, it would have the titles: not waiting is the empty answer.
    assert await service.recommended_for(FRIEREN_ANILIST) == []
    anilist.delay = 0.0
    # The call goes on and saves its answer: a later ask reads it without a new call.
    found: list[Title] = []
    deadline = loop.time() + 5
    while not found and loop.time() < deadline:
        await asyncio.sleep(0.02)
        found = await service.recommended_for(FRIEREN_ANILIST)
    assert names(found) == names(RECOMMENDED)
    assert len(anilist.asked) == 1


async def test_offline_the_saved_list_still_serves(start_titles, anilist, db: Database):
    online = await start_titles([anilist])
    await online.recommended_for(FRIEREN_CATALOG)
    offline = await start_titles([])
    assert offline.offline
    assert names(await offline.recommended_for(FRIEREN_CATALOG)) == names(RECOMMENDED)
    never_asked = await start_titles([])
    assert await never_asked.recommended_for("anilist:1") == []


async def test_a_provider_without_recommendations_gives_nothing(start_titles):
    @dataclass
    class SearchOnly:
        name: str = "anilist"
        media: frozenset[Medium] = frozenset({Medium.ANIME})
        search_gives_details: bool = True

        async def search(self, query: str, *, limit: int = 10) -> list[Title]:
            return []

        async def fetch(self, source_id: str) -> Title | None:
            return None

    service = await start_titles([SearchOnly()])
    assert await service.recommended_for(FRIEREN_ANILIST) == []


async def test_without_ask_only_the_saved_list_is_read_and_fresh_says_whether_asking_is_free(
    start_titles, anilist, clock
):
    service = await start_titles([anilist])
    assert not await service.recommendations_fresh(FRIEREN_ANILIST)
    assert await service.recommended_for(FRIEREN_ANILIST, ask=False) == []
    assert anilist.asked == []
    await service.recommended_for(FRIEREN_ANILIST)
    assert await service.recommendations_fresh(FRIEREN_CATALOG)  # the twin shares the list
    clock.advance(CachePolicy().recommendations + 60)
    assert not await service.recommendations_fresh(FRIEREN_ANILIST)
    stale = await service.recommended_for(FRIEREN_ANILIST, ask=False)
    assert names(stale) == names(RECOMMENDED)  # out of date, but better than nothing
    assert len(anilist.asked) == 1
    assert await service.recommendations_fresh(GOBLIN_CATALOG)  # nothing to ask for


async def test_an_unreadable_answer_is_not_asked_again_at_every_request(start_titles, clock):
    broken = FakeAniList(unreadable=True)
    service = await start_titles([broken])
    assert await service.recommended_for(FRIEREN_ANILIST) == []
    assert await service.recommended_for(FRIEREN_ANILIST) == []
    assert len(broken.asked) == 1
    clock.advance(CachePolicy().empty_search + 1)
    broken.unreadable = False
    broken.edges = {"154587": list(RECOMMENDED)}
    assert names(await service.recommended_for(FRIEREN_ANILIST)) == names(RECOMMENDED)


async def test_an_unreadable_answer_after_a_stale_list_keeps_that_list_for_a_while(
    start_titles, anilist, clock
):
    service = await start_titles([anilist])
    await service.recommended_for(FRIEREN_ANILIST)
    clock.advance(CachePolicy().recommendations + 60)
    anilist.unreadable = True
    for _ in range(3):
        assert names(await service.recommended_for(FRIEREN_ANILIST)) == names(RECOMMENDED)
    assert len(anilist.asked) == 2  # once fresh, once unreadable, then not again for a while
    assert await service.recommendations_fresh(FRIEREN_ANILIST)
