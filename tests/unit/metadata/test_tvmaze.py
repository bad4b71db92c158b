"""The TVmaze client against recorded-shape responses through httpx.MockTransport.

Fixtures in tests/fixtures/tvmaze/: the `*.handbuilt.json` files named like the research samples
are verbatim copies of ../shared/reference/api-samples/tvmaze/; `search_shows_mixed`,
`show_kdrama_embedded` and `schedule_web_mixed` are variants of them in the same shapes.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from bot.config import Settings
from bot.metadata.http_policy import TVMAZE_WINDOWS, ProviderHttp
from bot.metadata.models import Medium, NextEpisode, Status
from bot.metadata.provider import (
    ProviderBadResponse,
    ProviderRateLimited,
    ProviderUnavailable,
)
from bot.metadata.tvmaze import (
    TVMAZE_ATTRIBUTION,
    ScheduledEpisode,
    TVmazeProvider,
    is_korean,
    title_from_show,
)
from bot.resources import PROVIDER_TIMEOUT, USER_AGENT
from tests.support.clock import FakeClock
from tests.support.replay import ReplayApi, ok, raw, status, timeout

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "tvmaze"
NOT_FOUND = {"name": "Not Found", "message": "", "code": 0, "status": 404}


def load(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


def unix(text: str) -> int:
    return int(datetime.fromisoformat(text).timestamp())


FakeTVmaze = ReplayApi


@pytest.fixture
def fake_clock() -> FakeClock:
    return FakeClock(datetime(2026, 10, 17, 0, 0, tzinfo=UTC))


@pytest.fixture
def api() -> FakeTVmaze:
    return FakeTVmaze()


@pytest.fixture
async def provider(api: FakeTVmaze, fake_clock: FakeClock) -> AsyncIterator[TVmazeProvider]:
    # Built as bot/resources.py builds it, with the transport swapped for the fake.
    async with httpx.AsyncClient(
        base_url=str(Settings().tvmaze_api_url),
        headers={"User-Agent": USER_AGENT, "Accept": "application/json"},
        timeout=PROVIDER_TIMEOUT,
        transport=httpx.MockTransport(api),
    ) as client:
        http = ProviderHttp(
            "tvmaze", client, windows=TVMAZE_WINDOWS, clock=fake_clock, sleep=fake_clock.sleep
        )
        yield TVmazeProvider(http)


# --- search -------------------------------------------------------------------------------


async def test_search_keeps_only_korean_shows_in_tvmaze_order(provider, api):
    api.on("/search/shows", ok(load("search_shows_mixed.handbuilt.json")))

    titles = await provider.search("example")

    # dropped: a US drama, a British drama, a Japanese anime; kept: Korean language (tvN,
    # Netflix), a KR web channel without a language, and an English show on a KR network
    assert [t.id for t in titles] == [
        "tvmaze:990001",
        "tvmaze:990003",
        "tvmaze:990004",
        "tvmaze:990005",
    ]
    assert {t.medium for t in titles} == {Medium.KDRAMA}
    assert [str(r.url) for r in api.requests] == ["https://api.tvmaze.com/search/shows?q=example"]
    assert api.requests[0].headers["User-Agent"] == USER_AGENT


async def test_search_stops_at_the_limit(provider, api):
    api.on("/search/shows", ok(load("search_shows_mixed.handbuilt.json")))

    titles = await provider.search("example", limit=2)

    assert [t.id for t in titles] == ["tvmaze:990001", "tvmaze:990003"]


async def test_search_result_is_normalized(provider, api):
    api.on("/search/shows", ok(load("search_shows_kdrama.handbuilt.json")))

    [title] = await provider.search("  Example K-Drama ")

    assert api.requests[0].url.params["q"] == "Example K-Drama"
    assert title.id == "tvmaze:990001"
    assert title.source == "tvmaze"
    assert title.medium is Medium.KDRAMA
    assert title.names.english == "Example K-Drama"
    assert title.display_name == "Example K-Drama"
    assert title.attribution == TVMAZE_ATTRIBUTION
    assert title.year == 2026
    assert title.format == "Scripted"
    assert title.episode_minutes == 72  # averageRuntime before runtime
    assert title.episodes is None  # not embedded in a search
    assert title.status is Status.RELEASING
    assert title.genres == ("Drama", "Comedy", "Romance")
    assert title.synopsis == "A slow-burn office romance between two rivals."
    assert title.cover_url is None
    assert title.score is None  # rating.average is null
    assert title.popularity == 60
    assert title.country == "KR"
    assert title.original_language == "ko"
    assert title.next_episode is None
    assert title.source_url == "https://www.tvmaze.com/shows/990001/example-k-drama"
    assert title.same_as == ()


async def test_search_with_no_match_is_empty(provider, api):
    api.on("/search/shows", ok([]))

    assert await provider.search("zzzz no such show") == []
    assert len(api.requests) == 1


async def test_blank_search_asks_nothing(provider, api):
    assert await provider.search("   ") == []
    assert await provider.search("x", limit=0) == []
    assert api.requests == []


async def test_unreadable_items_are_skipped_not_fatal(provider, api):
    good = load("search_shows_kdrama.handbuilt.json")[0]
    no_id = {"score": 0.5, "show": {**good["show"], "id": None}}
    api.on("/search/shows", ok(["junk", {"score": 1.0}, no_id, good]))

    titles = await provider.search("example")

    assert [t.id for t in titles] == ["tvmaze:990001"]


# --- best match (/singlesearch) --------------------------------------------------------------


async def test_best_match_404_means_no_match(provider, api):
    api.on("/singlesearch/shows", status(404, NOT_FOUND))

    assert await provider.best_match("zzzz") is None
    assert api.paths() == ["/singlesearch/shows"]


async def test_best_match_returns_a_korean_show_only(provider, api):
    western = load("search_shows_mixed.handbuilt.json")[0]["show"]
    api.on(
        "/singlesearch/shows",
        ok(load("show_kdrama.handbuilt.json")),
        ok(western),
    )

    title = await provider.best_match("example k-drama")
    assert title is not None
    assert title.id == "tvmaze:990001"
    assert await provider.best_match("example western drama") is None


# --- fetch ---------------------------------------------------------------------------------


async def test_fetch_normalizes_the_embedded_show(provider, api):
    api.on("/shows/990001", ok(load("show_kdrama_embedded.handbuilt.json")))

    title = await provider.fetch("990001")

    assert title is not None
    [request] = api.requests
    assert request.url.params.get_list("embed[]") == ["nextepisode", "episodes"]
    assert title.id == "tvmaze:990001"
    assert title.episodes == 16
    assert title.next_episode == NextEpisode(number=5, airs_at=unix("2026-10-17T12:20:00+00:00"))
    assert title.score == 84  # rating 8.4 of 10
    assert title.synopsis == (
        "A slow-burn office romance between two rivals & one secret.\nBased on a webtoon."
    )
    assert title.cover_url == (
        "https://static.tvmaze.com/uploads/images/original_untouched/990/990001.jpg"
    )
    assert title.same_as == ()  # thetvdb and imdb are not sources watchclub reads


async def test_fetch_without_embeds_still_normalizes(provider, api):
    api.on("/shows/990001", ok(load("show_kdrama.handbuilt.json")))

    title = await provider.fetch("990001")

    assert title is not None
    assert title.episodes is None
    assert title.next_episode is None


async def test_fetch_unknown_id_is_none(provider, api):
    api.on("/shows/42", status(404, NOT_FOUND))

    assert await provider.fetch("42") is None


@pytest.mark.parametrize(
    "source_id", ["", "abc", "12a", "-1", "tvmaze:1", "1 ", "\u0663", "99999999999"]
)
async def test_fetch_of_a_non_id_asks_nothing(provider, api, source_id):
    assert await provider.fetch(source_id) is None
    assert api.requests == []


# --- schedule ------------------------------------------------------------------------------


async def test_schedule_merges_broadcast_and_korean_web_episodes(provider, api):
    api.on("/schedule", ok(load("schedule_country_KR.handbuilt.json")))
    api.on("/schedule/web", ok(load("schedule_web_mixed.handbuilt.json")))

    episodes = await provider.schedule(date=date(2026, 10, 17))

    by_path = {r.url.path: dict(r.url.params) for r in api.requests}
    assert by_path == {
        "/schedule": {"country": "KR", "date": "2026-10-17"},
        "/schedule/web": {"date": "2026-10-17"},
    }
    # the English web series is dropped; the rest is in air-time order
    assert [(e.title.display_name, e.season, e.number, e.airs_at) for e in episodes] == [
        ("Example Web Drama", 1, 1, unix("2026-10-17T07:00:00+00:00")),
        ("Example K-Drama", 1, 5, unix("2026-10-17T12:20:00+00:00")),
    ]
    assert all(isinstance(e, ScheduledEpisode) for e in episodes)
    assert episodes[0].title.id == "tvmaze:990002"
    assert episodes[0].title.country is None  # Netflix has no country; Korean by language
    assert episodes[1].title.country == "KR"


async def test_schedule_reads_the_web_shape_verbatim(provider, api):
    api.on("/schedule", ok([]))
    api.on("/schedule/web", ok(load("schedule_web.handbuilt.json")))

    [episode] = await provider.schedule(date=date(2026, 10, 17))

    assert episode.title.id == "tvmaze:990002"
    assert episode.title.medium is Medium.KDRAMA


async def test_schedule_of_an_empty_day(provider, api):
    api.on("/schedule", ok([]))
    api.on("/schedule/web", ok([]))

    assert await provider.schedule(date=date(2026, 10, 18)) == []


async def test_schedule_skips_episodes_without_an_airstamp(provider, api):
    [item] = load("schedule_country_KR.handbuilt.json")
    api.on("/schedule", ok([{**item, "airstamp": None}, {**item, "id": 1, "show": None}]))
    api.on("/schedule/web", ok([]))

    assert await provider.schedule(date=date(2026, 10, 17)) == []


async def test_schedule_with_a_wrong_shape_is_a_bad_response(provider, api):
    api.on("/schedule", ok([]))
    api.on("/schedule/web", ok({"episodes": []}))

    with pytest.raises(ProviderBadResponse):
        await provider.schedule(date=date(2026, 10, 17))


# --- failures ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("headers", "retry_after"),
    [({"Retry-After": "30"}, 30.0), ({}, 60.0)],  # TVmaze's own 429 carries no Retry-After
)
async def test_429_is_rate_limited_without_a_retry_storm(
    provider, api, fake_clock, headers, retry_after
):
    api.on("/search/shows", status(429, None, headers))

    with pytest.raises(ProviderRateLimited) as caught:
        await provider.search("example")
    assert caught.value.retry_after == retry_after
    assert len(api.requests) == 1
    # while the pause lasts, callers are turned away without another request
    with pytest.raises(ProviderRateLimited):
        await provider.fetch("990001")
    assert len(api.requests) == 1
    assert fake_clock.sleeps == []


async def test_a_short_retry_after_is_waited_out(provider, api, fake_clock):
    api.on(
        "/search/shows",
        status(429, None, {"Retry-After": "2"}),
        ok(load("search_shows_kdrama.handbuilt.json")),
    )

    titles = await provider.search("example")

    assert [t.id for t in titles] == ["tvmaze:990001"]
    assert len(api.requests) == 2
    assert sum(fake_clock.sleeps) == pytest.approx(2.0)


async def test_403_is_unavailable(provider, api):
    api.on("/search/shows", raw(403, b"<html>Forbidden</html>"))

    with pytest.raises(ProviderUnavailable):
        await provider.search("example")
    assert len(api.requests) == 1


async def test_a_5xx_is_retried(provider, api):
    api.on("/shows/990001", status(503, None), ok(load("show_kdrama_embedded.handbuilt.json")))

    title = await provider.fetch("990001")

    assert title is not None
    assert len(api.requests) == 2


async def test_three_5xx_are_unavailable(provider, api):
    api.on("/search/shows", status(500, None))

    with pytest.raises(ProviderUnavailable):
        await provider.search("example")
    assert len(api.requests) == 3


async def test_three_timeouts_are_unavailable(provider, api):
    api.on("/search/shows", timeout())

    with pytest.raises(ProviderUnavailable):
        await provider.search("example")
    assert len(api.requests) == 3


@pytest.mark.parametrize(
    "reply",
    [
        raw(200, b"<html><body>Maintenance</body></html>"),
        raw(200, b'[{"score": 0.9, "show": {', "application/json"),
        raw(200, b"", "application/json"),
    ],
    ids=["html", "truncated", "empty"],
)
async def test_malformed_json_is_a_bad_response(provider, api, reply):
    api.on("/search/shows", reply)

    with pytest.raises(ProviderBadResponse):
        await provider.search("example")
    assert len(api.requests) == 1


async def test_an_object_where_a_list_belongs_is_a_bad_response(provider, api):
    api.on("/search/shows", ok({"score": 0.9, "show": load("show_kdrama.handbuilt.json")}))

    with pytest.raises(ProviderBadResponse):
        await provider.search("example")


async def test_a_list_where_a_show_belongs_is_a_bad_response(provider, api):
    api.on("/shows/990001", ok([load("show_kdrama.handbuilt.json")]))

    with pytest.raises(ProviderBadResponse):
        await provider.fetch("990001")


async def test_a_show_without_an_id_is_a_bad_response(provider, api):
    api.on("/shows/990001", ok({"name": "Example K-Drama"}))

    with pytest.raises(ProviderBadResponse):
        await provider.fetch("990001")


async def test_an_unexpected_client_error_is_a_bad_response(provider, api):
    api.on("/search/shows", status(400, {"name": "Bad Request", "status": 400}))

    with pytest.raises(ProviderBadResponse):
        await provider.search("example")


# --- normalization, pure -------------------------------------------------------------------


def _show(**changes: Any) -> dict[str, Any]:
    return {**load("show_kdrama.handbuilt.json"), **changes}


@pytest.mark.parametrize(
    ("raw_status", "expected"),
    [
        ("Running", Status.RELEASING),
        ("Ended", Status.FINISHED),
        ("To Be Determined", Status.HIATUS),
        ("In Development", Status.NOT_YET_RELEASED),
        ("Something New", Status.UNKNOWN),
        (None, Status.UNKNOWN),
    ],
)
def test_status_mapping(raw_status, expected):
    assert title_from_show(_show(status=raw_status)).status is expected


def test_medium_follows_language_country_and_type():
    us = {"id": 8, "name": "HBO", "country": {"name": "United States", "code": "US"}}
    jp = {"id": 9, "name": "Tokyo MX", "country": {"name": "Japan", "code": "JP"}}
    western = _show(language="English", network=us)
    anime = _show(language="Japanese", type="Animation", genres=["Anime"], network=jp)
    cartoon = _show(language="Korean", type="Animation", genres=["Children"])
    assert title_from_show(_show()).medium is Medium.KDRAMA
    assert title_from_show(western).medium is Medium.LIVE_ACTION
    assert title_from_show(western).original_language == "en"
    assert title_from_show(anime).medium is Medium.ANIME
    assert title_from_show(cartoon).medium is Medium.ANIMATION
    assert not is_korean(western)


def test_fields_that_are_missing_or_odd_do_not_break_normalization():
    show = _show(
        name=None,
        premiered=None,
        runtime=None,
        averageRuntime=None,
        genres=None,
        rating=None,
        image={"medium": "https://static.tvmaze.com/m.jpg", "original": None},
        weight=None,
        network=None,
        webChannel=None,
        summary="<p></p>",
        language=None,
    )
    title = title_from_show(show)
    assert title.display_name == "Untitled"
    assert title.year is None
    assert title.episode_minutes is None
    assert title.genres == ()
    assert title.score is None
    assert title.cover_url == "https://static.tvmaze.com/m.jpg"
    assert title.country is None
    assert title.synopsis is None
    assert title.medium is Medium.LIVE_ACTION


def test_next_episode_needs_a_number_and_an_aware_airstamp():
    special = {"number": None, "airstamp": "2026-10-17T12:20:00+00:00"}
    naive = {"number": 6, "airstamp": "2026-10-17T12:20:00"}
    good = {"number": 6, "airstamp": "2026-10-18T21:20:00+09:00"}
    assert title_from_show(_show(), embedded={"nextepisode": special}).next_episode is None
    assert title_from_show(_show(), embedded={"nextepisode": naive}).next_episode is None
    assert title_from_show(_show(), embedded={"nextepisode": good}).next_episode == NextEpisode(
        6, unix("2026-10-18T12:20:00+00:00")
    )


def test_a_title_survives_the_cache_round_trip():
    title = title_from_show(load("show_kdrama_embedded.handbuilt.json"))
    assert type(title).from_json(title.to_json()) == title
