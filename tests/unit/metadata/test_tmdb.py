"""The TMDB client against recorded-shape responses through httpx.MockTransport.

Fixtures in tests/fixtures/tmdb/: files named like the research samples are verbatim copies of
../shared/reference/api-samples/tmdb/; `search_tv_mixed`, `discover_tv_origin_KR_page2` and
`tv_details_kdrama_en` are hand-built variants in the same shapes (en-US names, alternative
titles, external ids, mixed-case keywords).
"""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from bot.config import Settings
from bot.metadata.http_policy import TMDB_WINDOWS, ProviderHttp
from bot.metadata.models import Medium, NextEpisode, Status
from bot.metadata.provider import (
    ProviderBadResponse,
    ProviderError,
    ProviderRateLimited,
    ProviderUnavailable,
)
from bot.metadata.tmdb import (
    TMDB_ATTRIBUTION,
    TMDB_IMAGE_BASE,
    TMDB_TV_GENRES,
    TMDBAuth,
    TMDBProvider,
    title_from_tv,
)
from bot.resources import PROVIDER_TIMEOUT, USER_AGENT
from tests.support.clock import FakeClock
from tests.support.replay import ReplayApi, ok, raw, status, timeout

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "tmdb"
V3_KEY = "0123456789abcdef0123456789abcdef"
V4_TOKEN = (
    "eyJhbGciOiJIUzI1NiJ9.eyJhdWQiOiJ3YXRjaGNsdWItdGVzdCIsInNjb3BlcyI6WyJhcGlfcmVhZCJdfQ.c2ln"
)


def load(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


def unix(text: str) -> int:
    return int(datetime.fromisoformat(text).timestamp())


FakeTMDB = ReplayApi


@pytest.fixture
def fake_clock() -> FakeClock:
    return FakeClock(datetime(2025, 3, 15, 0, 0, tzinfo=UTC))


@pytest.fixture
def api() -> FakeTMDB:
    return FakeTMDB()


ProviderFactory = Callable[..., TMDBProvider]


@pytest.fixture
async def make_provider(api: FakeTMDB, fake_clock: FakeClock) -> AsyncIterator[ProviderFactory]:
    clients: list[httpx.AsyncClient] = []

    def make(key: str = V4_TOKEN, *, bearer_default: bool = True) -> TMDBProvider:
        # Built as bot/resources.py builds it (Bearer default header), transport swapped.
        headers = {"User-Agent": USER_AGENT, "Accept": "application/json"}
        if bearer_default:
            headers["Authorization"] = f"Bearer {key}"
        client = httpx.AsyncClient(
            base_url=str(Settings().tmdb_api_url),
            headers=headers,
            timeout=PROVIDER_TIMEOUT,
            transport=httpx.MockTransport(api),
        )
        clients.append(client)
        http = ProviderHttp(
            "tmdb", client, windows=TMDB_WINDOWS, clock=fake_clock, sleep=fake_clock.sleep
        )
        return TMDBProvider(http, api_key=key)

    yield make
    for client in clients:
        await client.aclose()


@pytest.fixture
def provider(make_provider: ProviderFactory) -> TMDBProvider:
    return make_provider()


# --- credentials ---------------------------------------------------------------------------


async def test_a_v3_key_goes_in_the_query_and_no_bearer_header(make_provider, api):
    provider = make_provider(V3_KEY)
    api.on("/3/search/tv", ok(load("search_tv_mixed.handbuilt.json")))

    await provider.search("tangerines")

    [request] = api.requests
    assert request.url.params["api_key"] == V3_KEY
    assert "Authorization" not in request.headers
    assert request.url.params["query"] == "tangerines"  # the other params are untouched


async def test_a_v4_token_goes_in_the_bearer_header_never_the_url(make_provider, api):
    api.on("/3/tv/219246", ok(load("tv_details_kdrama_en.handbuilt.json")))

    for bearer_default in (True, False):  # resources.py sets it; the provider does not rely on it
        provider = make_provider(V4_TOKEN, bearer_default=bearer_default)
        await provider.fetch("219246")

    for request in api.requests:
        assert request.headers["Authorization"] == f"Bearer {V4_TOKEN}"
        assert "api_key" not in request.url.params
        assert V4_TOKEN not in str(request.url)


def test_key_kind_is_detected_and_never_shown():
    assert TMDBAuth(V3_KEY).is_v3_key
    assert TMDBAuth(V3_KEY.upper()).is_v3_key
    assert not TMDBAuth(V4_TOKEN).is_v3_key
    assert not TMDBAuth(V3_KEY + "0").is_v3_key
    assert V3_KEY not in repr(TMDBAuth(V3_KEY))
    assert V4_TOKEN not in repr(TMDBAuth(V4_TOKEN))
    with pytest.raises(ValueError):
        TMDBAuth("   ")


@pytest.mark.parametrize("key", [V3_KEY, V4_TOKEN])
async def test_the_key_is_never_logged_or_put_in_an_error(make_provider, api, caplog, key):
    caplog.set_level(logging.DEBUG, logger="bot")
    provider = make_provider(key)
    api.on("/3/search/tv", status(429, load("error_429_rate_limited.json"), {"retry-after": "1"}))
    api.on("/3/tv/1", status(500, None))

    with pytest.raises(ProviderError) as limited:
        await provider.search("x")
    with pytest.raises(ProviderError) as down:
        await provider.fetch("1")

    assert key not in caplog.text
    assert key not in str(limited.value)
    assert key not in str(down.value)


async def test_401_invalid_key_is_unavailable(provider, api):
    api.on("/3/search/tv", status(401, load("error_401_invalid_key.json")))

    with pytest.raises(ProviderUnavailable):
        await provider.search("tangerines")
    assert len(api.requests) == 1


# --- search --------------------------------------------------------------------------------


async def test_search_keeps_only_korean_titles_in_tmdb_order(provider, api):
    api.on("/3/search/tv", ok(load("search_tv_mixed.handbuilt.json")))

    titles = await provider.search("example")

    # dropped: Breaking Bad (US/en), a British drama, a Japanese anime; kept: KR/ko, a US+KR
    # co-production in English, a Korean-language title without an origin country
    assert [t.id for t in titles] == ["tmdb:219246", "tmdb:990902", "tmdb:990903"]
    assert {t.medium for t in titles} == {Medium.KDRAMA}
    # the response says total_pages 3: a search reads only the first page
    [request] = api.requests
    assert dict(request.url.params) == {
        "query": "example",
        "include_adult": "false",
        "language": "en-US",
        "page": "1",
    }


async def test_search_results_are_normalized_from_genre_ids(provider, api):
    api.on("/3/search/tv", ok(load("search_tv_mixed.handbuilt.json")))

    tangerines, coproduction, unrated = await provider.search("example")

    assert tangerines.names.english == "When Life Gives You Tangerines"
    assert tangerines.names.native == "폭싹 속았수다"
    assert tangerines.genres == ("Drama",)
    assert tangerines.cover_url == f"{TMDB_IMAGE_BASE}/ihN3sIsoyMLUs7HCKP4BYqAeyrA.jpg"
    assert tangerines.score == 91  # 9.139 of 10
    assert tangerines.popularity == 19
    assert tangerines.year == 2025
    assert tangerines.country == "KR"
    assert tangerines.original_language == "ko"
    assert tangerines.attribution == TMDB_ATTRIBUTION
    assert tangerines.format == "TV"
    assert tangerines.source_url == "https://www.themoviedb.org/tv/219246"
    assert coproduction.country == "KR"  # origin ["US", "KR"]
    assert coproduction.genres == ("Sci-Fi & Fantasy",)
    assert coproduction.names.native is None  # an English original
    assert unrated.score is None  # vote_count 0
    assert unrated.cover_url is None
    assert unrated.genres == ("Drama", "Soap")


async def test_search_stops_at_the_limit(provider, api):
    api.on("/3/search/tv", ok(load("search_tv_mixed.handbuilt.json")))

    assert [t.id for t in await provider.search("example", limit=1)] == ["tmdb:219246"]


async def test_search_without_korean_results_is_empty(provider, api):
    api.on("/3/search/tv", ok(load("search_tv_breaking_bad.official_docs.json")))

    assert await provider.search("breaking bad") == []


async def test_search_with_no_results_is_empty(provider, api):
    api.on("/3/search/tv", ok({"page": 1, "results": [], "total_pages": 0, "total_results": 0}))

    assert await provider.search("zzzz") == []


async def test_blank_search_asks_nothing(provider, api):
    assert await provider.search(" ") == []
    assert await provider.search("x", limit=0) == []
    assert api.requests == []


# --- discover ------------------------------------------------------------------------------


async def test_discover_pages_through_korean_series(provider, api):
    def by_page(request: httpx.Request) -> httpx.Response:
        page = request.url.params["page"]
        name = {
            "1": "discover_tv_origin_KR.handbuilt.json",
            "2": "discover_tv_origin_KR_page2.handbuilt.json",
        }.get(page)
        body = load(name) if name else {"page": int(page), "results": [], "total_pages": 2}
        return httpx.Response(200, json=body)

    api.on("/3/discover/tv", by_page)

    first = await provider.discover()
    second = await provider.discover(page=2)
    past_the_end = await provider.discover(page=3)

    assert [t.id for t in first] == ["tmdb:219246"]
    assert [t.id for t in second] == ["tmdb:990905"]
    assert second[0].genres == ("Sci-Fi & Fantasy", "Drama")
    assert past_the_end == []
    assert [r.url.params["page"] for r in api.requests] == ["1", "2", "3"]
    assert dict(api.requests[0].url.params) == {
        "with_origin_country": "KR",
        "with_original_language": "ko",
        "sort_by": "popularity.desc",
        "include_adult": "false",
        "language": "en-US",
        "page": "1",
        "without_genres": "16,10764,10767",
    }


async def test_discover_genre_filters(provider, api):
    api.on("/3/discover/tv", ok(load("discover_tv_origin_KR.handbuilt.json")))

    await provider.discover(genre_ids=[10765, 18])
    await provider.discover(genre_ids=(10765, 18), match_any=True)
    await provider.discover(genre_ids=[16])

    params = [r.url.params for r in api.requests]
    assert [p["with_genres"] for p in params] == ["10765,18", "10765|18", "16"]
    assert [p.get("without_genres") for p in params] == [
        "16,10764,10767",
        "16,10764,10767",
        "10764,10767",  # asking for animation lifts its exclusion
    ]


@pytest.mark.parametrize("page", [0, -1, 501])
async def test_discover_outside_tmdb_pages_asks_nothing(provider, api, page):
    with pytest.raises(ValueError):
        await provider.discover(page=page)
    assert api.requests == []


# --- fetch ---------------------------------------------------------------------------------


async def test_fetch_normalizes_details(provider, api):
    api.on("/3/tv/219246", ok(load("tv_details_kdrama_en.handbuilt.json")))

    title = await provider.fetch("219246")

    assert title is not None
    [request] = api.requests
    assert str(request.url).startswith("https://api.themoviedb.org/3/tv/219246?")
    appended = request.url.params["append_to_response"].split(",")
    assert {"keywords", "alternative_titles", "external_ids"} <= set(appended)
    assert title.id == "tmdb:219246"
    assert title.medium is Medium.KDRAMA
    assert title.names.english == "When Life Gives You Tangerines"
    assert title.names.native == "폭싹 속았수다"
    assert title.names.synonyms == ("Pokssak Sokatsuda", "You Have Done Well")
    assert title.keywords == ("slow burn romance", "jeju island", "coming of age", "found family")
    assert title.genres == ("Drama", "Soap")
    assert title.synopsis == (
        "In Jeju, a spirited girl & a steadfast boy's island story blossoms into a lifelong "
        "tale of setbacks and triumphs."
    )
    assert title.episodes == 16
    assert title.episode_minutes == 63  # episode_run_time is empty: the last episode's runtime
    assert title.status is Status.RELEASING
    # air_date 2025-03-21 has no time of day: it stays a date, never a made-up instant
    assert title.next_episode == NextEpisode(number=9, air_date="2025-03-21")
    assert title.cover_url == "https://image.tmdb.org/t/p/w500/ihN3sIsoyMLUs7HCKP4BYqAeyrA.jpg"
    assert title.score == 91
    assert title.popularity == 19
    assert title.country == "KR"
    assert title.original_language == "ko"
    assert title.year == 2025
    assert title.source_url == "https://www.themoviedb.org/tv/219246"
    assert title.same_as == ()


async def test_fetch_of_a_title_without_an_english_name(provider, api):
    # the ko-KR capture: name == original_name, so it is the native title, not an English one
    api.on("/3/tv/219246", ok(load("tv_details_with_append_keywords.handbuilt.json")))

    title = await provider.fetch("219246")

    assert title is not None
    assert title.names.english is None
    assert title.names.native == "폭싹 속았수다"
    assert title.display_name == "폭싹 속았수다"
    assert title.genres == ("Drama",)  # read by id: the ko-KR name "드라마" is not used
    assert title.keywords == ("slow burn romance", "jeju island", "coming of age")


async def test_fetch_of_a_western_series(provider, api):
    api.on(
        "/3/tv/1399",
        ok(load("tv_details_1399_game_of_thrones.official_docs_trimmed_seasons.json")),
    )

    title = await provider.fetch("1399")

    assert title is not None
    assert title.medium is Medium.LIVE_ACTION
    assert title.status is Status.FINISHED
    assert title.names.english == "Game of Thrones"
    assert title.names.native is None
    assert title.names.synonyms == ()
    assert title.episode_minutes == 60
    assert title.episodes == 73
    assert title.next_episode is None
    assert title.keywords == ()
    assert title.score == 84
    assert title.country == "US"
    assert title.genres == ("Sci-Fi & Fantasy", "Drama", "Action & Adventure")


async def test_fetch_unknown_id_is_none(provider, api):
    api.on("/3/tv/999999999", status(404, load("error_404_not_found.json")))

    assert await provider.fetch("999999999") is None


# "\u0661" is an Arabic-Indic digit one: str.isdigit() accepts it, TMDB ids do not.
@pytest.mark.parametrize("source_id", ["", "abc", "12a", "-1", "tmdb:1", "1/keywords", "\u0661"])
async def test_fetch_of_a_non_id_asks_nothing(provider, api, source_id):
    assert await provider.fetch(source_id) is None
    assert api.requests == []


# --- failures ------------------------------------------------------------------------------


async def test_429_is_rate_limited_without_a_retry_storm(provider, api, fake_clock):
    api.on("/3/search/tv", status(429, load("error_429_rate_limited.json"), {"Retry-After": "30"}))

    with pytest.raises(ProviderRateLimited) as caught:
        await provider.search("tangerines")
    assert caught.value.retry_after == 30
    assert len(api.requests) == 1
    with pytest.raises(ProviderRateLimited):
        await provider.fetch("219246")  # still paused: nobody asks
    assert len(api.requests) == 1
    assert fake_clock.sleeps == []


async def test_tmdb_one_second_retry_after_is_waited_out(provider, api, fake_clock):
    api.on(
        "/3/search/tv",
        status(429, load("error_429_rate_limited.json"), {"retry-after": "1"}),
        ok(load("search_tv_mixed.handbuilt.json")),
    )

    titles = await provider.search("example")

    assert len(titles) == 3
    assert len(api.requests) == 2
    assert sum(fake_clock.sleeps) == pytest.approx(1.0)


async def test_repeated_short_429s_end_after_the_attempts(provider, api):
    api.on("/3/search/tv", status(429, load("error_429_rate_limited.json"), {"retry-after": "1"}))

    with pytest.raises(ProviderRateLimited):
        await provider.search("example")
    assert len(api.requests) == 3


async def test_403_is_unavailable(provider, api):
    api.on("/3/tv/219246", raw(403, b"<html>Request blocked</html>"))

    with pytest.raises(ProviderUnavailable):
        await provider.fetch("219246")
    assert len(api.requests) == 1


async def test_a_5xx_is_retried(provider, api):
    api.on(
        "/3/discover/tv",
        status(502, None),
        ok(load("discover_tv_origin_KR.handbuilt.json")),
    )

    assert [t.id for t in await provider.discover()] == ["tmdb:219246"]
    assert len(api.requests) == 2


async def test_three_5xx_are_unavailable(provider, api):
    api.on("/3/search/tv", status(503, None))

    with pytest.raises(ProviderUnavailable):
        await provider.search("example")
    assert len(api.requests) == 3


async def test_three_timeouts_are_unavailable(provider, api):
    api.on("/3/tv/219246", timeout())

    with pytest.raises(ProviderUnavailable):
        await provider.fetch("219246")
    assert len(api.requests) == 3


@pytest.mark.parametrize(
    "reply",
    [
        raw(200, b"<!DOCTYPE html><html>Cloudflare</html>"),
        raw(200, b'{"page": 1, "results": [', "application/json;charset=utf-8"),
    ],
    ids=["html", "truncated"],
)
async def test_malformed_json_is_a_bad_response(provider, api, reply):
    api.on("/3/search/tv", reply)

    with pytest.raises(ProviderBadResponse):
        await provider.search("example")
    assert len(api.requests) == 1


@pytest.mark.parametrize(
    "body",
    [[], {"page": 1}, {"page": 1, "results": {"id": 1}}, "results"],
    ids=["list", "no-results", "results-object", "string"],
)
async def test_a_wrong_shape_is_a_bad_response(provider, api, body):
    api.on("/3/search/tv", ok(body))
    api.on("/3/discover/tv", ok(body))

    with pytest.raises(ProviderBadResponse):
        await provider.search("example")
    with pytest.raises(ProviderBadResponse):
        await provider.discover()


async def test_details_that_are_not_an_object_are_a_bad_response(provider, api):
    api.on("/3/tv/219246", ok([load("tv_details_kdrama_en.handbuilt.json")]))

    with pytest.raises(ProviderBadResponse):
        await provider.fetch("219246")


async def test_an_unexpected_client_error_is_a_bad_response(provider, api):
    api.on("/3/search/tv", status(422, {"success": False, "status_code": 22}))

    with pytest.raises(ProviderBadResponse) as caught:
        await provider.search("example")
    assert "22" in str(caught.value)


# --- normalization, pure -------------------------------------------------------------------


def _tv(**changes: Any) -> dict[str, Any]:
    return {**load("tv_details_kdrama_en.handbuilt.json"), **changes}


def test_genre_map_is_tmdbs_tv_genre_list():
    shipped = {g["id"]: g["name"] for g in load("genre_tv_list.json")["genres"]}
    assert dict(TMDB_TV_GENRES) == shipped


@pytest.mark.parametrize(
    ("raw_status", "expected"),
    [
        ("Returning Series", Status.RELEASING),
        ("Ended", Status.FINISHED),
        ("Canceled", Status.CANCELLED),
        ("In Production", Status.NOT_YET_RELEASED),
        ("Planned", Status.NOT_YET_RELEASED),
        ("Pilot", Status.UNKNOWN),
        (None, Status.UNKNOWN),
    ],
)
def test_status_mapping(raw_status, expected):
    assert title_from_tv(_tv(status=raw_status)).status is expected


def test_medium_follows_country_language_and_animation():
    korean_cartoon = _tv(genres=[{"id": 16, "name": "Animation"}])
    anime = _tv(genres=[{"id": 16, "name": "Animation"}], origin_country=["JP"])
    anime = {**anime, "original_language": "ja"}
    western = _tv(origin_country=["GB"], original_language="en")
    assert title_from_tv(_tv()).medium is Medium.KDRAMA
    assert title_from_tv(korean_cartoon).medium is Medium.ANIMATION
    assert title_from_tv(anime).medium is Medium.ANIME
    assert title_from_tv(western).medium is Medium.LIVE_ACTION


def test_genres_are_read_by_id_whatever_the_response_language():
    result = load("discover_tv_origin_KR.handbuilt.json")["results"][0]
    korean_details = {
        **result,
        "genres": [{"id": 18, "name": "드라마"}, {"id": 35, "name": "코미디"}],
    }
    assert title_from_tv(korean_details).genres == ("Drama", "Comedy")
    assert title_from_tv({**result, "genre_ids": [18, 424242]}).genres == ("Drama",)


def test_missing_or_odd_fields_do_not_break_normalization():
    tv = {
        "id": 7,
        "name": None,
        "original_name": "",
        "first_air_date": "",
        "episode_run_time": [0, None],
        "vote_average": 0,
        "popularity": None,
        "poster_path": "",
        "keywords": {"results": [{"name": ""}, "junk"]},
        "next_episode_to_air": {"episode_number": 3, "air_date": None},
        "origin_country": None,
    }
    title = title_from_tv(tv)
    assert title.display_name == "Untitled"
    assert title.year is None
    assert title.episode_minutes is None
    assert title.score is None
    assert title.popularity is None
    assert title.cover_url is None
    assert title.keywords == ()
    assert title.next_episode is None
    assert title.country is None
    assert title.medium is Medium.LIVE_ACTION
    with pytest.raises(ValueError):
        title_from_tv({"name": "no id"})


def test_a_title_survives_the_cache_round_trip():
    title = title_from_tv(load("tv_details_kdrama_en.handbuilt.json"))
    assert type(title).from_json(title.to_json()) == title
