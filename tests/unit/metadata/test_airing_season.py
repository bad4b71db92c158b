"""`TitleService.airing_season`: a bracket's seeds from what airs now.

Which provider answers for which medium, the merge of TVmaze and TMDB (one line per show, by
relative popularity), the cache (one upstream call for brackets of 4, 8 and 16, and for callers
asking at once; none across a season change), stale copies, the catalog's airing titles, and
the notes members read. The last tests run the real providers over recorded-shape responses.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from bot.config import Settings
from bot.metadata.anilist import AniListProvider
from bot.metadata.catalog import Catalog
from bot.metadata.http_policy import ANILIST_WINDOWS, TMDB_WINDOWS, TVMAZE_WINDOWS, ProviderHttp
from bot.metadata.models import Medium, Status, Title, TitleNames
from bot.metadata.provider import ProviderBadResponse, ProviderUnavailable
from bot.metadata.service import CachePolicy, SeasonTitles
from bot.metadata.tmdb import TMDBProvider
from bot.metadata.tvmaze import TVmazeProvider
from bot.resources import PROVIDER_TIMEOUT, USER_AGENT
from tests.support.clock import FakeClock
from tests.support.replay import ReplayApi, graphql_operation, ok, raw, timeout

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"


def load(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


def catalog_without_airing() -> Catalog:
    """The bundled catalog less its titles still airing (an empty one is not passed on)."""
    return Catalog([t for t in Catalog.bundled() if t.status is not Status.RELEASING])


def anime(number: int, popularity: int) -> Title:
    # Ids from 900001 up are in no catalog entry's same_as.
    return Title(
        id=f"anilist:{900000 + number}",
        medium=Medium.ANIME,
        names=TitleNames(english=f"Seasonal Anime {number}"),
        attribution="Data: AniList",
        year=2026,
        status=Status.RELEASING,
        popularity=popularity,
    )


def drama(source: str, number: int, name: str, popularity: int, year: int = 2026) -> Title:
    return Title(
        id=f"{source}:{990000 + number}",
        medium=Medium.KDRAMA,
        names=TitleNames(english=name),
        attribution=f"Data: {source}",
        year=year,
        popularity=popularity,
    )


@dataclass
class FakeAiring:
    """A provider that lists what airs now; can be switched to failing, and records calls."""

    name: str = "anilist"
    media: frozenset[Medium] = frozenset({Medium.ANIME})
    search_gives_details: bool = True
    airing: list[Title] = field(default_factory=list)
    down: bool = False
    delay: float = 0.0
    calls: list[tuple[datetime, int]] = field(default_factory=list)

    async def search(self, query: str, *, limit: int = 10) -> list[Title]:
        return []

    async def fetch(self, source_id: str) -> Title | None:
        return None

    async def airing_now(self, now: datetime, limit: int = 16) -> list[Title]:
        self.calls.append((now, limit))
        await asyncio.sleep(self.delay)
        if self.down:
            raise ProviderUnavailable(self.name, "down")
        return self.airing[:limit]


def tvmaze_fake(*titles: Title) -> FakeAiring:
    return FakeAiring("tvmaze", frozenset({Medium.KDRAMA}), False, list(titles))


def tmdb_fake(*titles: Title) -> FakeAiring:
    return FakeAiring("tmdb", frozenset({Medium.KDRAMA}), False, list(titles))


@pytest.fixture
def anilist() -> FakeAiring:
    return FakeAiring(airing=[anime(n, 10_000 * (20 - n)) for n in range(1, 19)])


# --- anime ---------------------------------------------------------------------------------


async def test_anime_comes_from_anilists_season(start_titles, anilist, clock) -> None:
    service = await start_titles([anilist])

    season = await service.airing_season(Medium.ANIME, limit=8)

    assert isinstance(season, SeasonTitles)
    assert [t.id for t in season.titles] == [f"anilist:{900000 + n}" for n in range(1, 9)]
    assert season.medium is Medium.ANIME
    assert season.sources == ("anilist",)
    assert season.source_label == "AniList"
    assert season.read
    assert season.season == "Fall 2026"  # the clock says 2026-11-23
    assert not season.stale
    assert season.note is None
    # Asked with the service's clock, for a whole bracket of 16 however few are wanted.
    assert anilist.calls == [(clock.now(), 16)]


async def test_brackets_of_4_8_and_16_share_one_call_and_one_cached_list(
    start_titles, anilist
) -> None:
    service = await start_titles([anilist])

    sizes = [len((await service.airing_season(Medium.ANIME, limit=n)).titles) for n in (4, 8, 16)]

    assert sizes == [4, 8, 16]
    assert len(anilist.calls) == 1


async def test_a_list_longer_than_16_is_asked_for_as_such(start_titles, anilist) -> None:
    service = await start_titles([anilist])

    season = await service.airing_season(Medium.ANIME, limit=18)

    assert len(season.titles) == 18
    assert [limit for _, limit in anilist.calls] == [18]


@pytest.mark.parametrize("limit", [0, -1, 51])
async def test_the_limit_is_checked(start_titles, anilist, limit) -> None:
    service = await start_titles([anilist])

    with pytest.raises(ValueError, match="limit"):
        await service.airing_season(Medium.ANIME, limit=limit)
    assert anilist.calls == []


async def test_concurrent_callers_share_one_upstream_call(start_titles, anilist) -> None:
    anilist.delay = 0.05
    service = await start_titles([anilist])

    seasons = await asyncio.gather(*(service.airing_season(Medium.ANIME) for _ in range(10)))

    assert {len(s.titles) for s in seasons} == {16}
    assert len(anilist.calls) == 1
    assert service.upstream_calls == 1


async def test_the_titles_are_cached_like_search_results(start_titles, anilist, db, clock):
    service = await start_titles([anilist])
    await service.airing_season(Medium.ANIME)

    # Complete (AniList gives details), so a card needs no further call...
    lookup = await service.lookup("anilist:900001")
    assert lookup.title.display_name == "Seasonal Anime 1"
    assert lookup.note is None
    # ...and they are in autocomplete, even after a restart.
    restarted = await start_titles([anilist])
    [first, *_] = restarted.suggest("seasonal anime 1", medium=Medium.ANIME)
    assert first.title_id == "anilist:900001"
    # The restarted service serves the saved list without asking again.
    assert len((await restarted.airing_season(Medium.ANIME)).titles) == 16
    assert len(anilist.calls) == 1


async def test_the_list_is_read_again_after_its_ttl(start_titles, anilist, clock) -> None:
    service = await start_titles([anilist])
    await service.airing_season(Medium.ANIME)
    clock.advance(CachePolicy().airing_season - 60)
    await service.airing_season(Medium.ANIME)
    assert len(anilist.calls) == 1

    clock.advance(120)
    await service.airing_season(Medium.ANIME)
    assert len(anilist.calls) == 2


async def test_a_new_season_is_read_although_the_old_list_is_fresh(start_titles, anilist, clock):
    clock.current = datetime(2026, 12, 31, 23, 0, tzinfo=UTC)
    service = await start_titles([anilist])
    fall = await service.airing_season(Medium.ANIME)
    clock.advance(2 * 3600)  # well inside the TTL, but January

    winter = await service.airing_season(Medium.ANIME)

    assert (fall.season, winter.season) == ("Fall 2026", "Winter 2027")
    assert [now for now, _ in anilist.calls] == [
        datetime(2026, 12, 31, 23, 0, tzinfo=UTC),
        datetime(2027, 1, 1, 1, 0, tzinfo=UTC),
    ]


async def test_too_few_titles_say_so(start_titles, anilist) -> None:
    anilist.airing = anilist.airing[:3]
    service = await start_titles([anilist])

    season = await service.airing_season(Medium.ANIME, limit=8)

    assert len(season.titles) == 3
    assert season.sources == ("anilist",)
    assert season.note == "AniList lists only 3 anime for Fall 2026, fewer than the 8 asked for."


async def test_an_empty_season_says_so(start_titles, anilist) -> None:
    anilist.airing = []
    service = await start_titles([anilist])

    season = await service.airing_season(Medium.ANIME, limit=4)

    assert season.titles == ()
    assert season.sources == ("anilist",)
    assert season.note == "AniList lists no anime for Fall 2026 yet."


async def test_titles_of_another_medium_are_not_seeds(start_titles, anilist) -> None:
    anilist.airing = [drama("anilist", 1, "Not anime", 999_999), anime(1, 5)]
    service = await start_titles([anilist])

    season = await service.airing_season(Medium.ANIME, limit=4)

    assert [t.id for t in season.titles] == ["anilist:900001"]


# --- K-dramas ------------------------------------------------------------------------------


async def test_kdramas_merge_tvmaze_and_tmdb_one_line_per_show_by_popularity(start_titles):
    tmdb = tmdb_fake(
        drama("tmdb", 1, "Twin Drama", 48),  # ~0.99 of TMDB's titles
        drama("tmdb", 2, "Only On TMDB", 3),  # ~0.70
    )
    tvmaze = tvmaze_fake(
        drama("tvmaze", 3, "Only On TVmaze", 93),  # 0.95
        drama("tvmaze", 4, "Twin Drama", 91),  # the same show as tmdb:990001
        drama("tvmaze", 5, "Twin Drama", 40, year=2011),  # a namesake from another year
    )
    service = await start_titles([tmdb, tvmaze])

    season = await service.airing_season(Medium.KDRAMA, limit=4)

    assert [t.id for t in season.titles] == [
        "tmdb:990001",
        "tvmaze:990003",
        "tmdb:990002",
        "tvmaze:990005",
    ]
    assert season.sources == ("tmdb", "tvmaze")
    assert season.source_label == "TMDB and TVmaze"
    assert season.season is None
    assert season.note is None
    assert len(tmdb.calls) == len(tvmaze.calls) == 1


async def test_kdramas_without_tmdb_come_from_tvmaze(start_titles) -> None:
    tvmaze = tvmaze_fake(*(drama("tvmaze", n, f"Drama {n}", 90 - n) for n in range(1, 6)))
    service = await start_titles([tvmaze])

    season = await service.airing_season(Medium.KDRAMA, limit=8)

    assert season.sources == ("tvmaze",)
    assert len(season.titles) == 5
    assert season.note == (
        "TVmaze lists only 5 K-dramas airing this week, fewer than the 8 asked for."
    )


async def test_one_kdrama_source_down_leaves_the_other_and_says_so(start_titles) -> None:
    tmdb = tmdb_fake(drama("tmdb", 1, "Only On TMDB", 40))
    tmdb.down = True
    tvmaze = tvmaze_fake(*(drama("tvmaze", n, f"Drama {n}", 90 - n) for n in range(2, 10)))
    service = await start_titles([tmdb, tvmaze])

    season = await service.airing_season(Medium.KDRAMA, limit=8)

    assert season.sources == ("tvmaze",)
    assert len(season.titles) == 8
    assert season.note == (
        "TMDB is not answering right now, so this list has only TVmaze's K-dramas."
    )


async def test_a_failed_provider_is_stood_in_for_by_its_saved_list(start_titles, clock) -> None:
    tmdb = tmdb_fake(*(drama("tmdb", n, f"Drama {n}", 50 - n) for n in range(1, 5)))
    tvmaze = tvmaze_fake(*(drama("tvmaze", n, f"Other {n}", 90 - n) for n in range(5, 9)))
    service = await start_titles([tmdb, tvmaze])
    await service.airing_season(Medium.KDRAMA, limit=8)
    clock.advance(CachePolicy().airing_season + 1)
    tmdb.down = True

    season = await service.airing_season(Medium.KDRAMA, limit=8)

    assert len(season.titles) == 8
    assert season.sources == ("tmdb", "tvmaze")
    assert season.stale
    assert season.note == "TMDB is not answering right now, so this list may be out of date."
    assert len(tvmaze.calls) == 2


# --- nothing to read -----------------------------------------------------------------------


async def test_anilist_down_falls_back_to_the_catalogs_airing_titles(start_titles, anilist):
    anilist.down = True
    service = await start_titles([anilist])

    season = await service.airing_season(Medium.ANIME, limit=4)

    catalog_airing = [
        t for t in Catalog.bundled() if t.medium is Medium.ANIME and t.status is Status.RELEASING
    ]
    assert catalog_airing  # the catalog marks some titles as still airing
    assert list(season.titles) == catalog_airing[:4]
    assert season.sources == ("catalog",)
    assert season.source_label == "my built-in catalog"
    assert not season.read
    assert season.note == (
        "AniList is not answering right now, so I can't read this season's anime. "
        "These are the titles my built-in catalog lists as still airing; it may be out of date. "
        f"My built-in catalog has only {len(catalog_airing)} anime still airing, "
        "fewer than the 4 asked for."
    )


async def test_kdrama_sources_down_and_no_catalog_titles_say_plainly(start_titles) -> None:
    tmdb, tvmaze = tmdb_fake(), tvmaze_fake()
    tmdb.down = tvmaze.down = True
    service = await start_titles([tmdb, tvmaze])

    season = await service.airing_season(Medium.KDRAMA, limit=8)

    assert season.titles == ()  # the catalog marks no K-drama as airing: no made-up list
    assert season.sources == ()
    assert season.source_label is None
    assert not season.read
    assert season.note == (
        "TMDB and TVmaze are not answering right now, so I can't read the K-dramas airing "
        "now. Please try again in a few minutes."
    )


async def test_a_provider_too_slow_to_wait_for_counts_as_not_answering(start_titles, anilist):
    anilist.delay = 0.5
    service = await start_titles(
        [anilist], catalog=catalog_without_airing(), policy=CachePolicy(answer_within=0.01)
    )

    season = await service.airing_season(Medium.ANIME, limit=4)

    assert season.titles == ()
    assert season.note == (
        "AniList is not answering right now, so I can't read this season's anime. "
        "Please try again in a few minutes."
    )


async def test_offline_says_no_source_is_switched_on(start_titles) -> None:
    service = await start_titles([])

    anime_season = await service.airing_season(Medium.ANIME, limit=4)
    drama_season = await service.airing_season(Medium.KDRAMA, limit=4)

    assert anime_season.sources == ("catalog",)
    assert anime_season.note is not None
    assert anime_season.note.startswith(
        "No title source is switched on here, so I can't read this season's anime. "
        "These are the titles my built-in catalog lists as still airing"
    )
    assert drama_season.titles == ()
    assert drama_season.note == (
        "No title source is switched on here, so I can't read the K-dramas airing now."
    )


async def test_a_provider_without_the_capability_is_not_asked(start_titles) -> None:
    @dataclass
    class SearchOnly:
        name: str = "tvmaze"
        media: frozenset[Medium] = frozenset({Medium.KDRAMA})
        search_gives_details: bool = False

        async def search(self, query: str, *, limit: int = 10) -> list[Title]:
            raise AssertionError("not asked")

        async def fetch(self, source_id: str) -> Title | None:
            raise AssertionError("not asked")

    service = await start_titles([SearchOnly()], catalog=catalog_without_airing())

    season = await service.airing_season(Medium.KDRAMA, limit=4)

    assert season.titles == ()
    assert season.note == (
        "No title source is switched on here, so I can't read the K-dramas airing now."
    )


# --- the real providers over recorded-shape responses --------------------------------------


@pytest.fixture
async def http_client() -> AsyncIterator[Callable[[str, ReplayApi], httpx.AsyncClient]]:
    clients: list[httpx.AsyncClient] = []

    def make(base_url: str, api: ReplayApi) -> httpx.AsyncClient:
        client = httpx.AsyncClient(
            base_url=base_url,
            headers={"User-Agent": USER_AGENT, "Accept": "application/json"},
            timeout=PROVIDER_TIMEOUT,
            transport=httpx.MockTransport(api),
        )
        clients.append(client)
        return client

    yield make
    for client in clients:
        await client.aclose()


@pytest.fixture
def real_anilist(http_client, clock: FakeClock) -> tuple[AniListProvider, ReplayApi]:
    api = ReplayApi(route=graphql_operation)
    client = http_client("https://graphql.anilist.co", api)
    http = ProviderHttp("anilist", client, windows=ANILIST_WINDOWS, clock=clock, sleep=clock.sleep)
    return AniListProvider(http), api


async def test_anilist_answers_through_the_service(start_titles, real_anilist) -> None:
    provider, api = real_anilist
    api.on("SeasonAnime", ok(load("anilist/page_season_media.handbuilt.json")))
    service = await start_titles([provider])

    season = await service.airing_season(Medium.ANIME, limit=4)

    assert [t.id for t in season.titles] == [
        "anilist:990101",
        "anilist:990102",
        "anilist:990103",
        "anilist:990104",
    ]
    assert season.note is None
    assert api.bodies()[0]["variables"] == {"season": "FALL", "seasonYear": 2026, "perPage": 16}
    # Complete titles: a card reads them from the cache, with their compass tags.
    card = await service.lookup("anilist:990102")
    assert ("Slow Burn", 91) in [(tag.name, tag.rank) for tag in card.title.tags]
    assert len(api.requests) == 1


@pytest.mark.parametrize(
    "reply",
    [
        timeout(),
        raw(500, "Internal Server Error", "text/plain"),
        raw(200, "<html><body>Just a moment...</body></html>"),
        ok({"data": {"Page": {"media": "garbage"}}}),
    ],
    ids=["timeout", "500", "html", "garbage"],
)
async def test_anilist_errors_give_a_clear_note(start_titles, real_anilist, reply) -> None:
    provider, api = real_anilist
    api.on("SeasonAnime", reply)
    service = await start_titles([provider], catalog=catalog_without_airing())

    season = await service.airing_season(Medium.ANIME, limit=8)

    assert season.titles == ()
    assert season.sources == ()
    assert season.note == (
        "AniList is not answering right now, so I can't read this season's anime. "
        "Please try again in a few minutes."
    )


async def test_tvmaze_and_tmdb_answer_through_the_service(
    start_titles, http_client, clock: FakeClock
) -> None:
    clock.current = datetime(2026, 10, 17, 5, 0, tzinfo=UTC)
    maze_api, tmdb_api = ReplayApi(), ReplayApi()

    def day(fixtures: dict[str, str]) -> Any:
        return lambda request: httpx.Response(
            200,
            json=load(fixtures[request.url.params["date"]])
            if request.url.params["date"] in fixtures
            else [],
        )

    maze_api.on(
        "/schedule",
        day(
            {
                "2026-10-17": "tvmaze/schedule_country_KR.handbuilt.json",
                "2026-10-18": "tvmaze/schedule_country_KR_busy.handbuilt.json",
            }
        ),
    )
    maze_api.on("/schedule/web", day({"2026-10-17": "tvmaze/schedule_web_mixed.handbuilt.json"}))
    tmdb_api.on("/3/discover/tv", ok(load("tmdb/discover_tv_airing_KR.handbuilt.json")))
    token = "eyJhbGciOiJIUzI1NiJ9.eyJhdWQiOiJ3YXRjaGNsdWItdGVzdCJ9.c2ln"
    tmdb = TMDBProvider(
        ProviderHttp(
            "tmdb",
            http_client(str(Settings().tmdb_api_url), tmdb_api),
            windows=TMDB_WINDOWS,
            clock=clock,
            sleep=clock.sleep,
        ),
        api_key=token,
    )
    tvmaze = TVmazeProvider(
        ProviderHttp(
            "tvmaze",
            http_client(str(Settings().tvmaze_api_url), maze_api),
            windows=TVMAZE_WINDOWS,
            clock=clock,
            sleep=clock.sleep,
        )
    )
    service = await start_titles([tmdb, tvmaze])

    season = await service.airing_season(Medium.KDRAMA, limit=8)

    # "Example Weekend Drama" is on both (same name, same year): listed once, as TMDB's,
    # which is the more popular of the two on the shared scale (`relative_popularity`: TMDB
    # 48 is 0.99 of TMDB's titles, TVmaze's weight 91 is 0.92 of TVmaze's). TMDB's 6.4 (0.81)
    # beats TVmaze's weight 60 (0.65); equal weights keep TVmaze's order.
    assert [t.id for t in season.titles] == [
        "tmdb:990921",
        "tmdb:990922",
        "tmdb:990923",
        "tvmaze:990002",
        "tvmaze:990001",
        "tvmaze:990015",
    ]
    assert season.sources == ("tmdb", "tvmaze")
    assert season.note == (
        "TMDB and TVmaze list only 6 K-dramas airing this week, fewer than the 8 asked for."
    )
    assert len(tmdb_api.requests) == 1
    assert len(maze_api.requests) == 14
    # Listed titles are saved as search results are (not complete: TVmaze's schedule lacks
    # the episode list), so autocomplete knows them.
    assert service.suggest("example weekend", medium=Medium.KDRAMA)


async def test_a_bad_tmdb_answer_leaves_tvmaze_and_says_so(
    start_titles, http_client, clock: FakeClock
) -> None:
    maze_api, tmdb_api = ReplayApi(), ReplayApi()
    maze_api.on("/schedule", ok(load("tvmaze/schedule_country_KR.handbuilt.json")))
    maze_api.on("/schedule/web", ok([]))
    tmdb_api.on("/3/discover/tv", raw(200, "<html>maintenance</html>"))
    tmdb = TMDBProvider(
        ProviderHttp(
            "tmdb",
            http_client(str(Settings().tmdb_api_url), tmdb_api),
            windows=TMDB_WINDOWS,
            clock=clock,
            sleep=clock.sleep,
        ),
        api_key="0123456789abcdef0123456789abcdef",
    )
    tvmaze = TVmazeProvider(
        ProviderHttp(
            "tvmaze",
            http_client(str(Settings().tvmaze_api_url), maze_api),
            windows=TVMAZE_WINDOWS,
            clock=clock,
            sleep=clock.sleep,
        )
    )
    service = await start_titles([tmdb, tvmaze])

    season = await service.airing_season(Medium.KDRAMA, limit=4)

    assert [t.id for t in season.titles] == ["tvmaze:990001"]
    assert season.sources == ("tvmaze",)
    assert season.note == (
        "TMDB is not answering right now, so this list has only TVmaze's K-dramas. "
        "TVmaze lists only 1 K-drama airing this week, fewer than the 4 asked for."
    )
    with pytest.raises(ProviderBadResponse):
        await tmdb.airing_now(clock.now(), 4)
