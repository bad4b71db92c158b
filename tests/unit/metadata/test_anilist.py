"""AniListProvider against recorded-shape AniList responses, through httpx.MockTransport.

The client is built as bot/resources.py builds it; ProviderHttp runs on the fake clock, whose
sleep advances time instantly and records each wait, so retries and pauses cost nothing.
"""

from __future__ import annotations

import copy
import json
import logging
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from bot.metadata.anilist import (
    AIRING_QUERY,
    ANILIST_ATTRIBUTION,
    BY_ID_QUERY,
    BY_IDS_QUERY,
    RECOMMENDATIONS_QUERY,
    SEARCH_QUERY,
    AiringSlot,
    AniListProvider,
    title_from_media,
)
from bot.metadata.http_policy import ANILIST_WINDOWS, ProviderHttp
from bot.metadata.models import Medium, NextEpisode, Status, Tag, Title, TitleNames
from bot.metadata.provider import (
    ProviderBadResponse,
    ProviderRateLimited,
    ProviderUnavailable,
)
from bot.resources import PROVIDER_TIMEOUT, USER_AGENT
from tests.support.clock import FakeClock
from tests.support.replay import ReplayApi, graphql_operation, ok, raw, status, timeout

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "anilist"
ENDPOINT = "https://graphql.anilist.co"
REFERER = "https://github.com/watchclub/watchclub"
# ../shared/reference/api-samples/headers_examples.json, anilist "200_observed_2026" and
# "429_observed_2026": in 2026 a 429 carries Retry-After and no other rate headers.
HEADERS_200 = {"x-ratelimit-limit": "30", "x-ratelimit-remaining": "29"}
HEADERS_429 = {"retry-after": "60"}
CLOUDFLARE_403 = (
    '<!DOCTYPE html><html lang="en-US"><head><title>Just a moment...</title></head>'
    "<body><noscript>Enable JavaScript and cookies to continue</noscript></body></html>"
)


def load(name: str) -> dict[str, Any]:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


# --- the fake AniList -------------------------------------------------------------------------


class FakeAniList(ReplayApi):
    """AniList's one endpoint, answered per GraphQL operation name; the last reply repeats."""

    def __init__(self) -> None:
        super().__init__(route=graphql_operation)

    def variables(self) -> list[dict[str, Any]]:
        return [body["variables"] for body in self.bodies()]


@pytest.fixture
def fake_clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def api() -> FakeAniList:
    return FakeAniList()


@pytest.fixture
async def provider(api: FakeAniList, fake_clock: FakeClock) -> AsyncIterator[AniListProvider]:
    async with httpx.AsyncClient(
        base_url=ENDPOINT,
        headers={"User-Agent": USER_AGENT, "Accept": "application/json", "Referer": REFERER},
        timeout=PROVIDER_TIMEOUT,
        transport=httpx.MockTransport(api),
    ) as client:
        http = ProviderHttp(
            "anilist", client, windows=ANILIST_WINDOWS, clock=fake_clock, sleep=fake_clock.sleep
        )
        yield AniListProvider(http)


def media(media_id: int, **fields: Any) -> dict[str, Any]:
    return {
        "id": media_id,
        "type": "ANIME",
        "isAdult": False,
        "title": {"romaji": f"Title {media_id}"},
        **fields,
    }


def page(key: str, items: list[Any], *, has_next: bool = False) -> dict[str, Any]:
    return {"data": {"Page": {"pageInfo": {"hasNextPage": has_next}, key: items}}}


def by_ids_reply(request: httpx.Request) -> httpx.Response:
    """AnimeByIds the way AniList answers it: known ids in id order, unknown ones dropped."""
    ids = json.loads(request.content)["variables"]["ids"]
    found = [media(i) for i in sorted(ids) if i % 7 != 0]  # multiples of 7 "do not exist"
    return httpx.Response(200, json=page("media", found), headers=HEADERS_200)


# --- search -----------------------------------------------------------------------------------


async def test_search_reads_the_sample_page(provider: AniListProvider, api: FakeAniList) -> None:
    api.on("SearchAnime", ok(load("page_search_media.handbuilt.json"), HEADERS_200))

    [title] = await provider.search("one piece")

    assert title.id == "anilist:21"
    assert title.source == "anilist"
    assert title.source_id == "21"
    assert title.medium is Medium.ANIME
    assert title.display_name == "ONE PIECE"
    assert title.names.romanized == "ONE PIECE"
    assert title.format == "TV"
    assert title.status is Status.RELEASING
    assert title.genres == ("Action", "Adventure", "Comedy", "Drama", "Fantasy")
    assert title.score == 88
    assert title.popularity == 530725
    assert title.country == "JP"
    assert title.cover_url is not None
    assert title.cover_url.endswith("bx21-YCDoj1EkAxFn.jpg")
    assert title.source_url == "https://anilist.co/anime/21"
    assert title.attribution == ANILIST_ATTRIBUTION
    assert title.same_as == ()
    assert title.synopsis is None
    assert title.next_episode is None


async def test_search_reads_the_official_docs_page_with_romaji_only(
    provider: AniListProvider, api: FakeAniList
) -> None:
    api.on("SearchAnime", ok(load("page_search_fate_zero.official_docs.json"), HEADERS_200))

    titles = await provider.search("fate/zero", limit=3)

    assert [t.id for t in titles] == ["anilist:55191", "anilist:10087", "anilist:33649"]
    assert {t.display_name for t in titles} == {"Fate/Zero"}
    assert all(t.names.english is None for t in titles)
    assert all(t.status is Status.UNKNOWN and t.genres == () for t in titles)


async def test_search_asks_for_non_adult_anime_by_search_match(
    provider: AniListProvider, api: FakeAniList
) -> None:
    api.on("SearchAnime", ok(page("media", []), HEADERS_200))

    await provider.search("  frieren  ", limit=7)

    [body] = api.bodies()
    assert body["query"] == SEARCH_QUERY
    assert body["variables"] == {"search": "frieren", "perPage": 7}
    assert "type: ANIME" in body["query"]
    assert "isAdult: false" in body["query"]
    assert "sort: [SEARCH_MATCH]" in body["query"]


async def test_search_text_never_reaches_the_query_document(
    provider: AniListProvider, api: FakeAniList
) -> None:
    api.on("SearchAnime", ok(page("media", []), HEADERS_200))
    hostile = '") { id } } mutation { DeleteMediaListEntry(id: 1) { deleted } } #'

    await provider.search(hostile)

    [body] = api.bodies()
    assert body["query"] == SEARCH_QUERY
    assert body["variables"]["search"] == hostile.strip()


async def test_search_limit_is_clamped_to_one_page_of_50(
    provider: AniListProvider, api: FakeAniList
) -> None:
    api.on("SearchAnime", ok(page("media", [media(i) for i in range(1, 51)]), HEADERS_200))

    titles = await provider.search("a", limit=500)

    assert api.variables() == [{"search": "a", "perPage": 50}]
    assert len(titles) == 50


@pytest.mark.parametrize(("query", "limit"), [("", 10), ("   ", 10), ("naruto", 0)])
async def test_search_without_anything_to_ask_sends_nothing(
    provider: AniListProvider, api: FakeAniList, query: str, limit: int
) -> None:
    assert await provider.search(query, limit=limit) == []
    assert api.requests == []


async def test_search_with_no_match_is_empty(provider: AniListProvider, api: FakeAniList) -> None:
    api.on("SearchAnime", ok(page("media", []), HEADERS_200))

    assert await provider.search("zzzzqqqq") == []


async def test_search_with_null_media_list_is_empty(
    provider: AniListProvider, api: FakeAniList
) -> None:
    api.on("SearchAnime", ok({"data": {"Page": {"media": None}}}, HEADERS_200))

    assert await provider.search("x") == []


async def test_search_drops_adult_and_non_anime_entries_and_null_items(
    provider: AniListProvider, api: FakeAniList
) -> None:
    manhwa = load("media_manhwa_countryOfOrigin_KR.handbuilt.json")["data"]["Media"]
    items = [media(1), media(2, isAdult=True), manhwa, None, media(3)]
    api.on("SearchAnime", ok(page("media", items), HEADERS_200))

    titles = await provider.search("x")

    assert [t.id for t in titles] == ["anilist:1", "anilist:3"]


async def test_search_answered_with_anilist_404_is_empty(
    provider: AniListProvider, api: FakeAniList
) -> None:
    api.on("SearchAnime", status(404, load("error_404_not_found.handbuilt.json")))

    assert await provider.search("x") == []


# --- fetch ------------------------------------------------------------------------------------


async def test_fetch_by_id(provider: AniListProvider, api: FakeAniList) -> None:
    api.on("AnimeById", ok(load("media_by_id_full.handbuilt.json"), HEADERS_200))

    title = await provider.fetch("154587")

    assert title is not None
    assert title.id == "anilist:154587"
    assert title.display_name == "Frieren: Beyond Journey’s End"
    assert title.next_episode == NextEpisode(number=12, airs_at=1764340200)
    [body] = api.bodies()
    assert body["query"] == BY_ID_QUERY
    assert body["variables"] == {"id": 154587}
    assert "type: ANIME" in body["query"]


async def test_fetch_unknown_id_is_none(provider: AniListProvider, api: FakeAniList) -> None:
    api.on("AnimeById", status(404, load("error_404_not_found.handbuilt.json")))

    assert await provider.fetch("999999999") is None
    assert len(api.requests) == 1


async def test_fetch_null_media_in_a_200_is_none(
    provider: AniListProvider, api: FakeAniList
) -> None:
    api.on("AnimeById", ok({"data": {"Media": None}}, HEADERS_200))

    assert await provider.fetch("5") is None


async def test_fetch_never_returns_an_adult_entry(
    provider: AniListProvider, api: FakeAniList
) -> None:
    api.on("AnimeById", ok({"data": {"Media": media(5, isAdult=True)}}, HEADERS_200))

    assert await provider.fetch("5") is None


@pytest.mark.parametrize(
    "source_id", ["", "  ", "abc", "21.5", "-3", "0", "anilist:21", "\uff12\uff11", "99999999999"]
)
async def test_fetch_of_a_non_id_sends_nothing(
    provider: AniListProvider, api: FakeAniList, source_id: str
) -> None:
    assert await provider.fetch(source_id) is None
    assert api.requests == []


async def test_fetch_404_that_is_not_anilists_is_a_bad_response(
    provider: AniListProvider, api: FakeAniList
) -> None:
    """A wrong ANILIST_API_URL must not look like "no such anime"."""
    api.on("AnimeById", raw(404, "<html><body>404 page not found</body></html>"))

    with pytest.raises(ProviderBadResponse, match="404"):
        await provider.fetch("21")


# --- fetch_many -------------------------------------------------------------------------------


async def test_fetch_many_splits_into_pages_of_50_and_keeps_the_order_asked(
    provider: AniListProvider, api: FakeAniList
) -> None:
    api.on("AnimeByIds", by_ids_reply)
    ids = list(range(120, 0, -1))  # descending, so AniList's id order differs from ours

    titles = await provider.fetch_many(ids)

    assert [len(v["ids"]) for v in api.variables()] == [50, 50, 20]
    assert [i for v in api.variables() for i in v["ids"]] == ids
    assert all(v["perPage"] == 50 for v in api.variables())
    expected = [f"anilist:{i}" for i in ids if i % 7 != 0]
    assert [t.id for t in titles] == expected
    [query] = {body["query"] for body in api.bodies()}
    assert query == BY_IDS_QUERY
    assert "type: ANIME" in query
    assert "isAdult: false" in query


async def test_fetch_many_skips_duplicates_and_impossible_ids(
    provider: AniListProvider, api: FakeAniList
) -> None:
    api.on("AnimeByIds", by_ids_reply)

    titles = await provider.fetch_many([3, 3, 0, -1, 2**40, 1])

    assert api.variables() == [{"ids": [3, 1], "perPage": 50}]
    assert [t.id for t in titles] == ["anilist:3", "anilist:1"]


async def test_fetch_many_of_nothing_sends_nothing(
    provider: AniListProvider, api: FakeAniList
) -> None:
    assert await provider.fetch_many([]) == []
    assert api.requests == []


# --- airing schedule --------------------------------------------------------------------------


def airing_page_one() -> dict[str, Any]:
    body = copy.deepcopy(load("page_airing_schedules.handbuilt.json"))
    body["data"]["Page"]["pageInfo"]["hasNextPage"] = True
    return body


def airing_entry(media_id: int, episode: int, airs_at: int, **media_fields: Any) -> dict[str, Any]:
    return {
        "airingAt": airs_at,
        "episode": episode,
        "mediaId": media_id,
        "media": media(media_id, **media_fields),
    }


async def test_airing_schedule_follows_has_next_page(
    provider: AniListProvider, api: FakeAniList
) -> None:
    second = page("airingSchedules", [airing_entry(154587, 12, 1720920000)], has_next=False)
    api.on("AiringSchedule", ok(airing_page_one(), HEADERS_200), ok(second, HEADERS_200))

    slots = await provider.airing_schedule(start=1720310400, end=1720915200 + 86400)

    assert len(api.requests) == 2
    assert [v["page"] for v in api.variables()] == [1, 2]
    assert all(v["after"] == 1720310399 and v["before"] == 1721001600 for v in api.variables())
    assert [(s.title.id, s.episode, s.airs_at) for s in slots] == [
        ("anilist:21", 1112, 1720917000),
        ("anilist:154587", 12, 1720920000),
    ]
    assert isinstance(slots[0], AiringSlot)
    assert slots[0].title.display_name == "ONE PIECE"
    assert slots[0].title.country == "JP"
    assert api.bodies()[0]["query"] == AIRING_QUERY


async def test_airing_schedule_stops_at_the_page_limit(
    provider: AniListProvider, api: FakeAniList
) -> None:
    def endless(request: httpx.Request) -> httpx.Response:
        n = json.loads(request.content)["variables"]["page"]
        body = page("airingSchedules", [airing_entry(n, 1, 1000 + n)], has_next=True)
        return httpx.Response(200, json=body)

    api.on("AiringSchedule", endless)

    slots = await provider.airing_schedule(start=0, end=10_000, page_limit=3)

    assert len(api.requests) == 3
    assert [s.title.id for s in slots] == ["anilist:1", "anilist:2", "anilist:3"]


async def test_airing_schedule_drops_adult_and_broken_entries(
    provider: AniListProvider, api: FakeAniList
) -> None:
    entries = [
        airing_entry(1, 1, 100),
        airing_entry(2, 1, 101, isAdult=True),
        {"airingAt": 102, "episode": 3, "mediaId": 3, "media": None},
        {"airingAt": None, "episode": 1, "mediaId": 4, "media": media(4)},
        {"airingAt": 103, "episode": 2, "mediaId": 5, "media": {"title": {"romaji": "No id"}}},
        airing_entry(1, 1, 100),  # the same slot again, as a page shift can repeat it
    ]
    api.on("AiringSchedule", ok(page("airingSchedules", entries), HEADERS_200))

    slots = await provider.airing_schedule(start=0, end=1000)

    assert [(s.title.id, s.episode) for s in slots] == [("anilist:1", 1), ("anilist:5", 2)]


async def test_airing_schedule_of_an_empty_window_sends_nothing(
    provider: AniListProvider, api: FakeAniList
) -> None:
    assert await provider.airing_schedule(start=100, end=100) == []
    assert await provider.airing_schedule(start=100, end=200, page_limit=0) == []
    assert api.requests == []


# --- recommendations --------------------------------------------------------------------------


async def test_recommendations_skip_deleted_adult_and_downvoted(
    provider: AniListProvider, api: FakeAniList
) -> None:
    api.on("AnimeRecommendations", ok(load("media_recommendations.handbuilt.json"), HEADERS_200))

    titles = await provider.recommendations("4224")

    assert [t.id for t in titles] == ["anilist:21519", "anilist:98762"]
    assert titles[0].display_name == "Your Name."
    assert titles[1].display_name == "Tsuki ga Kirei"  # no English title: romaji
    [body] = api.bodies()
    assert body["query"] == RECOMMENDATIONS_QUERY
    assert body["variables"] == {"id": 4224, "perPage": 15}
    assert "sort: [RATING_DESC]" in body["query"]


async def test_recommendations_respect_the_limit(
    provider: AniListProvider, api: FakeAniList
) -> None:
    api.on("AnimeRecommendations", ok(load("media_recommendations.handbuilt.json"), HEADERS_200))

    titles = await provider.recommendations("4224", limit=1)

    assert [t.id for t in titles] == ["anilist:21519"]
    assert api.variables() == [{"id": 4224, "perPage": 6}]


async def test_recommendations_for_an_unknown_or_bad_id_are_empty(
    provider: AniListProvider, api: FakeAniList
) -> None:
    api.on("AnimeRecommendations", status(404, load("error_404_not_found.handbuilt.json")))

    assert await provider.recommendations("999999999") == []
    assert await provider.recommendations("not-an-id") == []
    assert len(api.requests) == 1


# --- what every request carries ---------------------------------------------------------------


async def test_every_request_identifies_the_bot_and_posts_json_to_the_endpoint(
    provider: AniListProvider, api: FakeAniList
) -> None:
    api.on("SearchAnime", ok(load("page_search_media.handbuilt.json"), HEADERS_200))
    api.on("AnimeById", ok(load("media_by_id_full.handbuilt.json"), HEADERS_200))
    api.on("AnimeByIds", by_ids_reply)
    api.on("AiringSchedule", ok(load("page_airing_schedules.handbuilt.json"), HEADERS_200))
    api.on("AnimeRecommendations", ok(load("media_recommendations.handbuilt.json"), HEADERS_200))

    await provider.search("one piece")
    await provider.fetch("154587")
    await provider.fetch_many([1, 2])
    await provider.airing_schedule(start=0, end=1)
    await provider.recommendations("4224")

    assert [graphql_operation(r) for r in api.requests] == [
        "SearchAnime",
        "AnimeById",
        "AnimeByIds",
        "AiringSchedule",
        "AnimeRecommendations",
    ]
    for request in api.requests:
        assert request.method == "POST"
        assert str(request.url) == ENDPOINT + "/"
        # Without a Referer AniList answers 403 "temporarily disabled" (2026 gate).
        assert request.headers["Referer"] == REFERER
        user_agent = request.headers["User-Agent"]
        assert user_agent.startswith("watchclub/")
        assert "+https://" in user_agent
        assert "python-httpx" not in user_agent
        assert request.headers["Content-Type"] == "application/json"
        assert request.headers["Accept"] == "application/json"
        assert set(json.loads(request.content)) == {"query", "variables"}


@pytest.mark.parametrize(
    "document", [SEARCH_QUERY, BY_ID_QUERY, BY_IDS_QUERY, AIRING_QUERY, RECOMMENDATIONS_QUERY]
)
def test_documents_share_one_media_fragment_and_are_balanced(document: str) -> None:
    assert document.count("fragment WatchclubMedia on Media") == 1
    assert "...WatchclubMedia" in document
    assert "status(version: 2)" in document  # without version 2 AniList never says HIATUS
    assert document.count("{") == document.count("}")
    assert document.count("(") == document.count(")")
    assert document.count("[") == document.count("]")
    assert "%" not in document
    assert "{}" not in document


# --- normalization ----------------------------------------------------------------------------


def full_media() -> dict[str, Any]:
    return copy.deepcopy(load("media_by_id_full.handbuilt.json")["data"]["Media"])


def test_full_media_normalizes_every_field() -> None:
    title = title_from_media(full_media())

    assert title.id == "anilist:154587"
    assert title.medium is Medium.ANIME
    assert title.names.english == "Frieren: Beyond Journey’s End"
    assert title.names.romanized == "Sousou no Frieren"
    assert title.names.native == "葬送のフリーレン"
    assert title.names.synonyms == ("Frieren at the Funeral",)  # blanks and nulls dropped
    assert title.year == 2023
    assert title.format == "TV"
    assert title.episodes == 28
    assert title.episode_minutes == 24
    assert title.status is Status.RELEASING
    assert title.genres == ("Adventure", "Drama", "Fantasy")
    assert title.score == 90
    assert title.popularity == 412000
    assert title.country == "JP"
    assert title.cover_url is not None
    assert "/cover/large/" in title.cover_url  # extraLarge preferred
    assert title.next_episode == NextEpisode(number=12, airs_at=1764340200)
    assert title.source_url == "https://anilist.co/anime/154587"
    assert title.same_as == ()  # idMal points at MAL, which the bot does not use
    assert title.attribution == ANILIST_ATTRIBUTION


def test_description_html_is_stripped() -> None:
    synopsis = title_from_media(full_media()).synopsis

    assert synopsis is not None
    assert "<" not in synopsis
    assert ">" not in synopsis
    assert "&amp;" not in synopsis
    assert "Elf mage Frieren and her courageous" in synopsis
    assert "Demon King & brought peace" in synopsis
    assert "Source" not in synopsis
    assert synopsis.startswith("The adventure is over")


def test_spoiler_tags_are_flagged_and_adult_tags_dropped() -> None:
    title = title_from_media(full_media())

    assert title.tags == (
        Tag(name="Elf", rank=96, spoiler=False, category="Cast-Traits"),
        Tag(name="Magic", rank=92, spoiler=False, category="Theme-Fantasy"),
        Tag(name="Time Skip", rank=80, spoiler=True, category="Technical"),
        Tag(name="Tragedy", rank=61, spoiler=True, category="Theme-Drama"),
    )
    assert [tag.name for tag in title.visible_tags] == ["Elf", "Magic"]


def test_missing_english_title_falls_back_to_romaji() -> None:
    raw = full_media()
    raw["title"] = {"romaji": "Sousou no Frieren", "english": None, "native": "葬送のフリーレン"}

    title = title_from_media(raw)

    assert title.names.english is None
    assert title.display_name == "Sousou no Frieren"


def test_year_falls_back_to_start_date_and_score_to_mean_score() -> None:
    raw = full_media()
    raw.update(
        seasonYear=None,
        averageScore=None,
        coverImage={"extraLarge": None, "large": "https://img.anili.st/l.jpg"},
    )
    raw["startDate"] = {"year": 2022, "month": None, "day": None}

    title = title_from_media(raw)

    assert title.year == 2022
    assert title.score == 91
    assert title.cover_url == "https://img.anili.st/l.jpg"


@pytest.mark.parametrize(
    ("raw", "status"),
    [
        ("FINISHED", Status.FINISHED),
        ("RELEASING", Status.RELEASING),
        ("NOT_YET_RELEASED", Status.NOT_YET_RELEASED),
        ("CANCELLED", Status.CANCELLED),
        ("HIATUS", Status.HIATUS),
        ("SOMETHING_NEW", Status.UNKNOWN),
        (None, Status.UNKNOWN),
    ],
)
def test_status_mapping(raw: str | None, status: Status) -> None:
    assert title_from_media(media(1, status=raw)).status is status


def test_every_field_null_does_not_crash() -> None:
    raw: dict[str, Any] = {
        "id": 7,
        "idMal": None,
        "type": None,
        "format": None,
        "status": None,
        "isAdult": None,
        "title": None,
        "synonyms": None,
        "description": None,
        "startDate": None,
        "seasonYear": None,
        "episodes": None,
        "duration": None,
        "countryOfOrigin": None,
        "genres": None,
        "tags": [None, {"name": None}, {"name": "Magic", "rank": None}],
        "averageScore": None,
        "meanScore": None,
        "popularity": None,
        "coverImage": None,
        "siteUrl": None,
        "nextAiringEpisode": {"airingAt": None, "episode": 3},
    }

    title = title_from_media(raw)

    assert title.id == "anilist:7"
    assert title.display_name == "Untitled"
    assert title.year is None
    assert title.status is Status.UNKNOWN
    assert title.synopsis is None
    assert title.cover_url is None
    assert title.score is None
    assert title.next_episode is None
    assert title.tags == (Tag(name="Magic"),)
    assert title.source_url == "https://anilist.co/anime/7"


def test_only_an_id_is_enough() -> None:
    title = title_from_media({"id": 8})

    assert title == Title(
        id="anilist:8",
        medium=Medium.ANIME,
        names=TitleNames(),
        attribution=ANILIST_ATTRIBUTION,
        source_url="https://anilist.co/anime/8",
    )


@pytest.mark.parametrize("raw", [{}, {"id": None}, {"id": "21"}, {"id": True}, {"title": {}}])
def test_media_without_an_integer_id_is_a_bad_response(raw: dict[str, Any]) -> None:
    with pytest.raises(ProviderBadResponse):
        title_from_media(raw)


def test_kr_entry_keeps_its_country() -> None:
    """AniList + KR is manhwa or Korean animation, never a live-action K-drama."""
    raw = load("media_manhwa_countryOfOrigin_KR.handbuilt.json")["data"]["Media"]

    title = title_from_media(raw)

    assert title.country == "KR"
    assert title.names.native == "나 혼자만 레벨업"
    assert title.names.synonyms == ("Only I Level Up",)
    assert [tag.name for tag in title.tags][:2] == ["Long Strip", "Full Color"]


def test_normalized_titles_survive_the_cache_round_trip() -> None:
    title = title_from_media(full_media())

    assert Title.from_json(title.to_json()) == title


async def test_search_entry_without_id_is_dropped_not_the_whole_answer(
    provider: AniListProvider, api: FakeAniList
) -> None:
    api.on(
        "SearchAnime",
        ok(page("media", [media(1), {"title": {"romaji": "No id"}}, media(2)]), HEADERS_200),
    )

    found = await provider.search("x")

    assert [title.id for title in found] == ["anilist:1", "anilist:2"]


# --- failures ---------------------------------------------------------------------------------


async def test_429_with_retry_after_is_rate_limited_without_a_retry_storm(
    provider: AniListProvider, api: FakeAniList, fake_clock: FakeClock
) -> None:
    api.on(
        "SearchAnime",
        status(429, load("error_429_too_many_requests.official_docs.json"), HEADERS_429),
        ok(load("page_search_media.handbuilt.json"), HEADERS_200),
    )

    with pytest.raises(ProviderRateLimited) as caught:
        await provider.search("one piece")

    assert caught.value.retry_after == 60
    assert len(api.requests) == 1
    assert fake_clock.sleeps == []

    # Everyone waits out the pause: a second caller fails fast without asking AniList again ...
    with pytest.raises(ProviderRateLimited):
        await provider.search("one piece")
    assert len(api.requests) == 1

    # ... and once Retry-After has passed, requests go through again.
    await fake_clock.sleep(60)
    assert [t.id for t in await provider.search("one piece")] == ["anilist:21"]
    assert len(api.requests) == 2


async def test_403_api_disabled_body_is_unavailable(
    provider: AniListProvider, api: FakeAniList
) -> None:
    api.on("AnimeById", status(403, load("error_403_api_disabled.official_docs.json")))

    with pytest.raises(ProviderUnavailable, match="403"):
        await provider.fetch("21")
    assert len(api.requests) == 1


async def test_cloudflare_html_403_is_unavailable(
    provider: AniListProvider, api: FakeAniList
) -> None:
    api.on("SearchAnime", raw(403, CLOUDFLARE_403))

    with pytest.raises(ProviderUnavailable):
        await provider.search("x")
    assert len(api.requests) == 1


async def test_500_then_200_succeeds_after_one_retry(
    provider: AniListProvider, api: FakeAniList, fake_clock: FakeClock
) -> None:
    api.on(
        "SearchAnime",
        raw(500, "Internal Server Error", "text/plain"),
        ok(load("page_search_media.handbuilt.json"), HEADERS_200),
    )

    titles = await provider.search("one piece")

    assert [t.id for t in titles] == ["anilist:21"]
    assert len(api.requests) == 2
    assert len(fake_clock.sleeps) == 1  # one backoff, on the fake clock


async def test_503_three_times_is_unavailable(provider: AniListProvider, api: FakeAniList) -> None:
    api.on("SearchAnime", raw(503, "Service Unavailable", "text/plain"))

    with pytest.raises(ProviderUnavailable, match="503"):
        await provider.search("x")
    assert len(api.requests) == 3


async def test_timeouts_three_times_are_unavailable(
    provider: AniListProvider, api: FakeAniList
) -> None:
    api.on("AnimeById", timeout())

    with pytest.raises(ProviderUnavailable, match="timed out"):
        await provider.fetch("21")
    assert len(api.requests) == 3


async def test_malformed_json_in_a_200_is_a_bad_response(
    provider: AniListProvider, api: FakeAniList
) -> None:
    api.on("SearchAnime", raw(200, '{"data": {"Page": ', "application/json"))

    with pytest.raises(ProviderBadResponse, match="not a JSON object"):
        await provider.search("x")


async def test_html_in_a_200_is_a_bad_response(provider: AniListProvider, api: FakeAniList) -> None:
    api.on("SearchAnime", raw(200, CLOUDFLARE_403))

    with pytest.raises(ProviderBadResponse, match="text/html"):
        await provider.search("x")


async def test_undecodable_body_is_a_bad_response(
    provider: AniListProvider, api: FakeAniList
) -> None:
    api.on(
        "SearchAnime",
        raw(200, "not gzip", "application/json", headers={"content-encoding": "gzip"}),
    )

    with pytest.raises(ProviderBadResponse, match="undecodable"):
        await provider.search("x")


@pytest.mark.parametrize(
    "body",
    [
        [],
        {"data": None},
        {"data": {"Page": None}},
        {"data": {"Page": {"media": {"id": 1}}}},
        {"errors": None},
    ],
)
async def test_wrong_shapes_are_bad_responses(
    provider: AniListProvider, api: FakeAniList, body: Any
) -> None:
    api.on("SearchAnime", status(200, body))

    with pytest.raises(ProviderBadResponse):
        await provider.search("x")


async def test_graphql_error_in_a_200_is_a_bad_response_with_anilists_message(
    provider: AniListProvider, api: FakeAniList
) -> None:
    body = {"data": None, "errors": [{"message": "Internal Server Error", "status": 500}]}
    api.on("SearchAnime", status(200, body))

    with pytest.raises(ProviderBadResponse, match="Internal Server Error"):
        await provider.search("x")
    assert len(api.requests) == 1


async def test_400_invalid_query_is_a_bad_response_with_anilists_message(
    provider: AniListProvider, api: FakeAniList
) -> None:
    api.on("AnimeById", status(400, load("error_400_invalid_field.official_docs.json")))

    with pytest.raises(ProviderBadResponse, match="nonexistentField"):
        await provider.fetch("21")
    assert len(api.requests) == 1


async def test_partial_data_with_errors_is_used_and_logged(
    provider: AniListProvider, api: FakeAniList, caplog: pytest.LogCaptureFixture
) -> None:
    body = load("page_search_media.handbuilt.json")
    body["errors"] = [{"message": "Cannot return null for non-nullable field.", "status": 500}]
    body["data"]["Page"]["media"].append(None)  # the entry that failed

    with caplog.at_level(logging.WARNING, logger="bot.metadata.anilist"):
        api.on("SearchAnime", ok(body, HEADERS_200))
        titles = await provider.search("one piece")

    assert [t.id for t in titles] == ["anilist:21"]
    assert "Cannot return null" in caplog.text
