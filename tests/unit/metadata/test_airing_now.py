"""`airing_now`: what each provider says is airing now, against recorded-shape responses.

AniList's season arithmetic (calendar quarters, the calendar year), the exact request each
provider is sent, one entry per show, the order by popularity, and how a provider's failure
surfaces. New fixtures, hand-built in the providers' own response shapes:

- anilist/page_season_media.handbuilt.json: `Page.media` as the SeasonAnime query asks for it
  (the WatchclubMedia fragment, no pageInfo), four series by POPULARITY_DESC with a tie.
- tvmaze/schedule_country_KR_busy.handbuilt.json: a Korean broadcast day, as `/schedule`
  answers: a drama with an episode and a special, a daily drama, variety, news and a cartoon.
- tmdb/discover_tv_airing_KR.handbuilt.json: a `/discover/tv` page, one title without an
  English name.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import httpx
import pytest

from bot.config import Settings
from bot.metadata.anilist import MEDIA_FIELDS, SEASON_QUERY, AniListProvider
from bot.metadata.http_policy import ANILIST_WINDOWS, TMDB_WINDOWS, TVMAZE_WINDOWS, ProviderHttp
from bot.metadata.models import Medium, NextEpisode, Status
from bot.metadata.provider import ProviderBadResponse, ProviderUnavailable
from bot.metadata.seasons import AnimeSeason, anime_season
from bot.metadata.tmdb import TMDBProvider
from bot.metadata.tvmaze import TVmazeProvider
from bot.resources import PROVIDER_TIMEOUT, USER_AGENT
from tests.support.clock import FakeClock
from tests.support.replay import ReplayApi, graphql_operation, ok, raw, status, timeout

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
V4_TOKEN = "eyJhbGciOiJIUzI1NiJ9.eyJhdWQiOiJ3YXRjaGNsdWItdGVzdCJ9.c2ln"


def load(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


@pytest.fixture
def fake_clock() -> FakeClock:
    return FakeClock(datetime(2026, 10, 17, 0, 0, tzinfo=UTC))


@pytest.fixture
def api() -> ReplayApi:
    return ReplayApi()


@pytest.fixture
def graphql() -> ReplayApi:
    return ReplayApi(route=graphql_operation)


def _client(base_url: str, api: ReplayApi, **headers: str) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        base_url=base_url,
        headers={"User-Agent": USER_AGENT, "Accept": "application/json", **headers},
        timeout=PROVIDER_TIMEOUT,
        transport=httpx.MockTransport(api),
    )


@pytest.fixture
async def anilist(graphql: ReplayApi, fake_clock: FakeClock) -> AsyncIterator[AniListProvider]:
    async with _client(
        "https://graphql.anilist.co", graphql, Referer="https://github.com/watchclub/watchclub"
    ) as client:
        http = ProviderHttp(
            "anilist", client, windows=ANILIST_WINDOWS, clock=fake_clock, sleep=fake_clock.sleep
        )
        yield AniListProvider(http)


@pytest.fixture
async def tvmaze(api: ReplayApi, fake_clock: FakeClock) -> AsyncIterator[TVmazeProvider]:
    async with _client(str(Settings().tvmaze_api_url), api) as client:
        http = ProviderHttp(
            "tvmaze", client, windows=TVMAZE_WINDOWS, clock=fake_clock, sleep=fake_clock.sleep
        )
        yield TVmazeProvider(http)


@pytest.fixture
async def tmdb(api: ReplayApi, fake_clock: FakeClock) -> AsyncIterator[TMDBProvider]:
    async with _client(
        str(Settings().tmdb_api_url), api, Authorization=f"Bearer {V4_TOKEN}"
    ) as client:
        http = ProviderHttp(
            "tmdb", client, windows=TMDB_WINDOWS, clock=fake_clock, sleep=fake_clock.sleep
        )
        yield TMDBProvider(http, api_key=V4_TOKEN)


# --- the anime season ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("moment", "season"),
    [
        ("2026-12-30T12:00:00+00:00", AnimeSeason("FALL", 2026)),
        ("2026-12-31T23:59:59+00:00", AnimeSeason("FALL", 2026)),
        ("2027-01-01T00:00:00+00:00", AnimeSeason("WINTER", 2027)),
        ("2027-01-02T09:00:00+00:00", AnimeSeason("WINTER", 2027)),
        ("2027-02-28T12:00:00+00:00", AnimeSeason("WINTER", 2027)),
        ("2027-03-31T23:59:59+00:00", AnimeSeason("WINTER", 2027)),
        ("2027-04-01T00:00:00+00:00", AnimeSeason("SPRING", 2027)),
        ("2027-06-30T12:00:00+00:00", AnimeSeason("SPRING", 2027)),
        ("2027-07-01T00:00:00+00:00", AnimeSeason("SUMMER", 2027)),
        ("2027-09-30T12:00:00+00:00", AnimeSeason("SUMMER", 2027)),
        ("2027-10-01T00:00:00+00:00", AnimeSeason("FALL", 2027)),
        # New Year's morning in Tokyo is still December 31 in UTC, the bot's time.
        ("2027-01-01T01:00:00+09:00", AnimeSeason("FALL", 2026)),
        ("2026-12-31T20:00:00-05:00", AnimeSeason("WINTER", 2027)),
    ],
)
def test_anime_season_is_the_calendar_quarter_of_the_calendar_year(
    moment: str, season: AnimeSeason
) -> None:
    assert anime_season(at(moment)) == season


def test_anime_season_labels_and_needs_an_aware_time() -> None:
    assert AnimeSeason("WINTER", 2027).label == "Winter 2027"
    assert anime_season(datetime(2026, 8, 1, tzinfo=timezone(timedelta(hours=2)))).label == (
        "Summer 2026"
    )
    with pytest.raises(ValueError, match="aware"):
        anime_season(datetime(2027, 1, 2))  # noqa: DTZ001 - the naive time is the point


# --- AniList -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("moment", "variables"),
    [
        ("2026-12-30T12:00:00+00:00", {"season": "FALL", "seasonYear": 2026, "perPage": 16}),
        ("2027-01-02T12:00:00+00:00", {"season": "WINTER", "seasonYear": 2027, "perPage": 16}),
    ],
)
async def test_anilist_asks_for_the_season_airing_now(
    anilist: AniListProvider, graphql: ReplayApi, moment: str, variables: dict[str, Any]
) -> None:
    graphql.on("SeasonAnime", ok(load("anilist/page_season_media.handbuilt.json")))

    await anilist.airing_now(at(moment), 16)

    [body] = graphql.bodies()
    assert body == {"query": SEASON_QUERY, "variables": variables}
    query = body["query"]
    # The season travels in variables; the filters and the order are fixed in the document.
    assert "media(\n      season: $season\n      seasonYear: $seasonYear\n" in query
    for clause in (
        "type: ANIME",
        "isAdult: false",
        "format_in: [TV, TV_SHORT, ONA]",
        "sort: [POPULARITY_DESC]",
    ):
        assert clause in query
    # The same fragment as search and fetch: complete titles with compass data.
    assert "...WatchclubMedia" in query
    assert query.endswith(MEDIA_FIELDS)


async def test_anilist_season_titles_are_complete_and_most_popular_first(
    anilist: AniListProvider, graphql: ReplayApi
) -> None:
    graphql.on("SeasonAnime", ok(load("anilist/page_season_media.handbuilt.json")))

    titles = await anilist.airing_now(at("2026-11-23T12:00:00+00:00"), 16)

    assert [(t.id, t.popularity) for t in titles] == [
        ("anilist:990101", 412033),
        ("anilist:990102", 150300),
        ("anilist:990103", 150300),  # a tie keeps AniList's order
        ("anilist:990104", 8200),
    ]
    first = titles[0]
    assert first.medium is Medium.ANIME
    assert first.display_name == "The Witch of Zero and the Star Knight"
    assert first.status is Status.RELEASING
    assert first.genres == ("Action", "Adventure", "Fantasy")
    assert [(tag.name, tag.rank) for tag in first.tags][:2] == [("Magic", 94), ("Isekai", 88)]
    assert first.next_episode == NextEpisode(number=8, airs_at=1795437000)
    assert first.synopsis is not None
    assert "<br>" not in first.synopsis
    assert titles[2].display_name == "Kanojo to Ryuu no Yuubinya"  # no English title
    assert titles[2].format == "ONA"
    assert titles[1].visible_tags[-1].name == "School"  # the spoiler tag is kept, not shown


async def test_anilist_season_is_sorted_and_cleaned_even_when_the_page_is_not(
    anilist: AniListProvider, graphql: ReplayApi
) -> None:
    def entry(media_id: int, popularity: int | None, **extra: Any) -> dict[str, Any]:
        return {
            "id": media_id,
            "type": "ANIME",
            "isAdult": False,
            "title": {"romaji": f"Title {media_id}"},
            "popularity": popularity,
            **extra,
        }

    page = [
        entry(1, 500),
        None,  # what GraphQL leaves where one entry failed
        entry(2, None),
        entry(3, 90_000),
        entry(4, 1_000_000, isAdult=True),
        entry(3, 90_000),
        {"title": {"romaji": "no id"}, "type": "ANIME"},
    ]
    graphql.on("SeasonAnime", ok({"data": {"Page": {"media": page}}}))

    titles = await anilist.airing_now(at("2026-11-23T12:00:00+00:00"), 3)

    assert [t.id for t in titles] == ["anilist:3", "anilist:1", "anilist:2"]


@pytest.mark.parametrize(("limit", "per_page"), [(4, 4), (16, 16), (50, 50), (80, 50)])
async def test_anilist_season_reads_one_page_of_at_most_50(
    anilist: AniListProvider, graphql: ReplayApi, limit: int, per_page: int
) -> None:
    graphql.on("SeasonAnime", ok({"data": {"Page": {"media": []}}}))

    assert await anilist.airing_now(at("2026-11-23T12:00:00+00:00"), limit) == []
    assert graphql.bodies()[0]["variables"]["perPage"] == per_page


async def test_anilist_season_of_nothing_asks_nothing(
    anilist: AniListProvider, graphql: ReplayApi
) -> None:
    assert await anilist.airing_now(at("2026-11-23T12:00:00+00:00"), 0) == []
    assert graphql.requests == []


@pytest.mark.parametrize(
    ("replies", "error"),
    [
        ([timeout()], ProviderUnavailable),
        ([raw(500, "Internal Server Error", "text/plain")], ProviderUnavailable),
        ([raw(200, "<html><body>Just a moment...</body></html>")], ProviderBadResponse),
        ([raw(200, '{"data": {"Page": ', "application/json")], ProviderBadResponse),
        ([ok({"data": {"Page": {"media": {"id": 1}}}})], ProviderBadResponse),
        (
            [ok({"data": None, "errors": [{"message": "Internal Server Error", "status": 500}]})],
            ProviderBadResponse,
        ),
    ],
    ids=["timeout", "500", "html", "truncated-json", "wrong-shape", "graphql-error"],
)
async def test_anilist_season_failures(
    anilist: AniListProvider, graphql: ReplayApi, replies: list[Any], error: type[Exception]
) -> None:
    graphql.on("SeasonAnime", *replies)

    with pytest.raises(error):
        await anilist.airing_now(at("2026-11-23T12:00:00+00:00"), 16)


# --- TVmaze --------------------------------------------------------------------------------


def schedule_days(api: ReplayApi, broadcast: dict[str, Any], web: dict[str, Any]) -> None:
    """Answer `/schedule` and `/schedule/web` per `date`; days not named are empty."""

    def reply(days: dict[str, Any]) -> Any:
        return lambda request: httpx.Response(200, json=days.get(request.url.params["date"], []))

    api.on("/schedule", reply(broadcast))
    api.on("/schedule/web", reply(web))


async def test_tvmaze_reads_the_week_around_now_from_both_schedules(
    tvmaze: TVmazeProvider, api: ReplayApi
) -> None:
    schedule_days(api, {}, {})

    assert await tvmaze.airing_now(at("2026-10-17T05:00:00+00:00"), 16) == []

    days = [f"2026-10-{day}" for day in range(14, 21)]
    asked = [(r.url.path, dict(r.url.params)) for r in api.requests]
    assert asked == [
        request
        for day in days
        for request in (
            ("/schedule", {"country": "KR", "date": day}),
            ("/schedule/web", {"date": day}),  # every country's and the global services
        )
    ]


async def test_tvmaze_lists_each_korean_drama_once_by_weight(
    tvmaze: TVmazeProvider, api: ReplayApi
) -> None:
    schedule_days(
        api,
        broadcast={
            "2026-10-17": load("tvmaze/schedule_country_KR.handbuilt.json"),
            "2026-10-18": load("tvmaze/schedule_country_KR_busy.handbuilt.json"),
            # the same show on another day of the week
            "2026-10-19": load("tvmaze/schedule_country_KR.handbuilt.json"),
        },
        web={"2026-10-17": load("tvmaze/schedule_web_mixed.handbuilt.json")},
    )

    titles = await tvmaze.airing_now(at("2026-10-17T05:00:00+00:00"), 16)

    # Variety (weight 95), news and the cartoon are left out, and so is the English web series.
    assert [(t.id, t.display_name, t.popularity) for t in titles] == [
        ("tvmaze:990011", "Example Weekend Drama", 91),
        # equal weights: in the order the week's schedules first list them
        ("tvmaze:990002", "Example Web Drama", 60),
        ("tvmaze:990001", "Example K-Drama", 60),
        ("tvmaze:990015", "Example Daily Drama", 60),
    ]
    assert all(t.medium is Medium.KDRAMA and t.format == "Scripted" for t in titles)
    # The existing show normaliser: the same Title a search would give.
    assert titles[0].country == "KR"
    assert titles[0].original_language == "ko"
    assert titles[0].genres == ("Drama", "Fantasy", "Romance")
    assert titles[0].year == 2026
    assert titles[1].country is None  # Netflix has no country; Korean by language

    schedule_days(
        api,
        broadcast={"2026-10-18": load("tvmaze/schedule_country_KR_busy.handbuilt.json")},
        web={},
    )
    assert [t.id for t in await tvmaze.airing_now(at("2026-10-17T05:00:00+00:00"), 1)] == [
        "tvmaze:990011"
    ]


async def test_tvmaze_days_follow_the_utc_date(tvmaze: TVmazeProvider, api: ReplayApi) -> None:
    schedule_days(api, {}, {})

    await tvmaze.airing_now(at("2027-01-01T08:00:00+09:00"), 16)  # Dec 31, 23:00 UTC

    dates = sorted({r.url.params["date"] for r in api.requests})
    assert dates == [
        "2026-12-28",
        "2026-12-29",
        "2026-12-30",
        "2026-12-31",
        "2027-01-01",
        "2027-01-02",
        "2027-01-03",
    ]


async def test_tvmaze_of_nothing_asks_nothing(tvmaze: TVmazeProvider, api: ReplayApi) -> None:
    assert await tvmaze.airing_now(at("2026-10-17T05:00:00+00:00"), 0) == []
    assert api.requests == []


@pytest.mark.parametrize(
    ("reply", "error"),
    [
        (timeout(), ProviderUnavailable),
        (raw(500, "Internal Server Error", "text/plain"), ProviderUnavailable),
        (raw(200, "<html>maintenance</html>"), ProviderBadResponse),
        (ok({"episodes": []}), ProviderBadResponse),
    ],
    ids=["timeout", "500", "html", "wrong-shape"],
)
async def test_tvmaze_failure_on_any_day_fails_the_list(
    tvmaze: TVmazeProvider, api: ReplayApi, reply: Any, error: type[Exception]
) -> None:
    def web(request: httpx.Request) -> httpx.Response:
        if request.url.params["date"] == "2026-10-16":
            return reply(request)
        return httpx.Response(200, json=[])

    api.on("/schedule", ok(load("tvmaze/schedule_country_KR.handbuilt.json")))
    api.on("/schedule/web", web)

    with pytest.raises(error):
        await tvmaze.airing_now(at("2026-10-17T05:00:00+00:00"), 16)


# --- TMDB ----------------------------------------------------------------------------------


async def test_tmdb_discovers_korean_series_with_episodes_this_week(
    tmdb: TMDBProvider, api: ReplayApi
) -> None:
    api.on("/3/discover/tv", ok(load("tmdb/discover_tv_airing_KR.handbuilt.json")))

    titles = await tmdb.airing_now(at("2026-10-17T05:00:00+00:00"), 16)

    [request] = api.requests
    assert request.url.path == "/3/discover/tv"
    assert dict(request.url.params) == {
        "with_origin_country": "KR",
        "with_original_language": "ko",
        "air_date.gte": "2026-10-14",
        "air_date.lte": "2026-10-20",
        "timezone": "Asia/Seoul",
        "sort_by": "popularity.desc",
        "without_genres": "16,99,10763,10764,10767",
        "include_adult": "false",
        "include_null_first_air_dates": "false",
        "language": "en-US",
        "page": "1",
    }
    assert request.headers["Authorization"] == f"Bearer {V4_TOKEN}"
    assert [(t.id, t.display_name, t.popularity) for t in titles] == [
        ("tmdb:990921", "Example Weekend Drama", 48),
        ("tmdb:990922", "Example Courtroom Romance", 21),
        ("tmdb:990923", "예시 미스터리", 6),  # no English name: the Korean one
    ]
    assert all(t.medium is Medium.KDRAMA and t.country == "KR" for t in titles)
    assert titles[0].genres == ("Sci-Fi & Fantasy", "Drama")
    assert titles[0].year == 2026


def _series(tv_id: int, **changes: Any) -> dict[str, Any]:
    [template] = load("tmdb/discover_tv_airing_KR.handbuilt.json")["results"][:1]
    return {**template, "id": tv_id, "name": f"Series {tv_id}", **changes}


async def test_tmdb_reads_pages_until_it_has_enough(tmdb: TMDBProvider, api: ReplayApi) -> None:
    pages = {
        "1": [_series(i, popularity=100 - i) for i in range(1, 21)],
        # a series that moved down between the two reads is listed where first seen
        "2": [_series(i, popularity=80 - i) for i in range(20, 40)],
        "3": [_series(i, popularity=60 - i) for i in range(40, 60)],
    }

    def reply(request: httpx.Request) -> httpx.Response:
        page = request.url.params["page"]
        body = {"page": int(page), "results": pages[page], "total_pages": 3, "total_results": 60}
        return httpx.Response(200, json=body)

    api.on("/3/discover/tv", reply)

    titles = await tmdb.airing_now(at("2026-10-17T05:00:00+00:00"), 30)

    assert [r.url.params["page"] for r in api.requests] == ["1", "2"]
    assert [t.id for t in titles] == [f"tmdb:{i}" for i in range(1, 31)]


async def test_tmdb_stops_at_the_last_page_and_keeps_only_korean_dramas(
    tmdb: TMDBProvider, api: ReplayApi
) -> None:
    body = {
        "page": 1,
        "results": [
            _series(1),
            _series(2, origin_country=["US"], original_language="en"),
            _series(3, genre_ids=[16, 18]),  # Korean animation is not a K-drama
            "not a series",
            _series(4, id=None),
        ],
        "total_pages": 1,
        "total_results": 5,
    }
    api.on("/3/discover/tv", ok(body))

    titles = await tmdb.airing_now(at("2026-10-17T05:00:00+00:00"), 50)

    assert [t.id for t in titles] == ["tmdb:1"]
    assert len(api.requests) == 1


@pytest.mark.parametrize(
    ("reply", "error"),
    [
        (timeout(), ProviderUnavailable),
        (raw(500, "Internal Server Error", "text/plain"), ProviderUnavailable),
        (status(401, {"status_code": 7, "success": False}), ProviderUnavailable),
        (raw(200, "<html>maintenance</html>"), ProviderBadResponse),
        (ok({"page": 1, "results": None}), ProviderBadResponse),
    ],
    ids=["timeout", "500", "401", "html", "wrong-shape"],
)
async def test_tmdb_failures(
    tmdb: TMDBProvider, api: ReplayApi, reply: Any, error: type[Exception]
) -> None:
    api.on("/3/discover/tv", reply)

    with pytest.raises(error):
        await tmdb.airing_now(at("2026-10-17T05:00:00+00:00"), 16)
