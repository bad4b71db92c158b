"""Every provider field, replaced by something hostile: the field is dropped, never the answer.

Real answers hold strings where lists belong, numbers JSON allows but floats cannot hold (1e400
reads as infinity), negative runtimes and links that are not links. Each case below swaps one
field of a recorded answer and checks that the title still comes out, that the field is empty
or sane, and that its card is an embed Discord would accept.
"""

from __future__ import annotations

import copy
import json
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from bot.compass import read_compass
from bot.metadata.anilist import AniListProvider, title_from_media
from bot.metadata.http_policy import ANILIST_WINDOWS, TMDB_WINDOWS, TVMAZE_WINDOWS, ProviderHttp
from bot.metadata.models import Title
from bot.metadata.tmdb import TMDBProvider, title_from_tv
from bot.metadata.tvmaze import TVmazeProvider, title_from_show
from cogs.titles.embeds import title_card
from tests.support.clock import FakeClock

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"

HOSTILE: list[Any] = [
    "Drama",
    float("inf"),  # what json.loads makes of 1e400
    float("-inf"),
    float("nan"),
    -5,
    0,
    2**70,
    True,
    None,
    {},
    [],
    [None, 5, {"x": 1}],
    "x" * 10_000,
    "javascript:alert(1)",
    "\x00",
]


def _load(path: str) -> Any:
    return json.loads((FIXTURES / path).read_text(encoding="utf-8"))


def _anilist_media() -> dict[str, Any]:
    media: dict[str, Any] = _load("anilist/media_by_id_full.handbuilt.json")["data"]["Media"]
    return media


def _tvmaze_show() -> dict[str, Any]:
    show: dict[str, Any] = _load("tvmaze/show_kdrama_embedded.handbuilt.json")
    return show


def _tmdb_details() -> dict[str, Any]:
    details: dict[str, Any] = _load("tmdb/tv_details_kdrama_en.handbuilt.json")
    return details


SOURCES: dict[str, tuple[Callable[[], dict[str, Any]], Callable[[dict[str, Any]], Title]]] = {
    "anilist": (_anilist_media, title_from_media),
    "tvmaze": (_tvmaze_show, title_from_show),
    "tmdb": (_tmdb_details, title_from_tv),
}


def _cases() -> list[Any]:
    cases = []
    for source, (base, _) in SOURCES.items():
        for key in sorted(base()):
            if key == "id":
                continue
            for position, value in enumerate(HOSTILE):
                cases.append(pytest.param(source, key, value, id=f"{source}-{key}-{position}"))
    return cases


def _assert_sane(title: Title) -> None:
    assert all(len(genre) > 1 for genre in title.genres), title.genres
    assert all(len(name) > 1 for name in title.names.synonyms), title.names.synonyms
    assert title.episodes is None or 0 < title.episodes <= 10_000
    assert title.episode_minutes is None or 0 < title.episode_minutes <= 600
    assert title.score is None or 0 <= title.score <= 100
    assert title.popularity is None or title.popularity >= 0
    assert title.year is None or 1900 <= title.year <= 2100
    for url in (title.cover_url, title.source_url):
        assert url is None or url.startswith(("https://", "http://"))
    embed = title_card(title, read_compass(title))
    assert len(embed) <= 6000
    assert all(len(field.value or "") <= 1024 for field in embed.fields)
    json.dumps(embed.to_dict())  # what discord.py sends: must serialise


@pytest.mark.parametrize(("source", "key", "value"), _cases())
def test_one_hostile_field_leaves_a_sane_title(source: str, key: str, value: Any) -> None:
    base, normalize = SOURCES[source]
    item = copy.deepcopy(base())
    item[key] = value
    title = normalize(item)
    assert title.id.startswith(f"{source}:")
    _assert_sane(title)


@pytest.mark.parametrize("value", HOSTILE)
@pytest.mark.parametrize(
    ("source", "nested"),
    [
        ("anilist", ("title", "english")),
        ("anilist", ("coverImage", "extraLarge")),
        ("anilist", ("nextAiringEpisode", "airingAt")),
        ("tvmaze", ("rating", "average")),
        ("tvmaze", ("image", "original")),
        ("tvmaze", ("_embedded", "episodes")),
        ("tmdb", ("next_episode_to_air", "air_date")),
        ("tmdb", ("last_episode_to_air", "runtime")),
    ],
)
def test_one_hostile_nested_field_leaves_a_sane_title(
    source: str, nested: tuple[str, str], value: Any
) -> None:
    base, normalize = SOURCES[source]
    item = copy.deepcopy(base())
    outer, inner = nested
    item[outer] = {**(item.get(outer) or {}), inner: value}
    _assert_sane(normalize(item))


def test_a_string_where_a_list_belongs_is_one_item_not_letters() -> None:
    show = {**_tvmaze_show(), "genres": "Drama"}
    assert title_from_show(show).genres == ("Drama",)
    media = {**_anilist_media(), "genres": "Drama", "synonyms": "Frieren"}
    title = title_from_media(media)
    assert title.genres == ("Drama",)
    assert title.names.synonyms == ("Frieren",)


def test_a_negative_duration_is_no_duration() -> None:
    title = title_from_media({**_anilist_media(), "duration": -5})
    assert title.episode_minutes is None
    assert "-5 min" not in str(title_card(title, read_compass(title)).to_dict())


# --- whole answers through httpx, where 1e400 is parsed -----------------------------------------


def _json_with_overflow(body: Any) -> bytes:
    """`body` as JSON text in which every 123456789.5 is written as 1e400."""
    return json.dumps(body).replace("123456789.5", "1e400").encode()


def _client(reply: bytes) -> httpx.AsyncClient:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=reply, headers={"Content-Type": "application/json"})

    return httpx.AsyncClient(base_url="https://api.test", transport=httpx.MockTransport(handler))


async def test_anilist_search_with_1e400_keeps_every_title() -> None:
    items = [
        {**_anilist_media(), "id": 1, "popularity": 123456789.5},
        {**_anilist_media(), "id": 2, "averageScore": 123456789.5, "duration": -5},
        {**_anilist_media(), "id": 3},
    ]
    body = _json_with_overflow({"data": {"Page": {"media": items}}})
    clock = FakeClock()
    async with _client(body) as client:
        http = ProviderHttp("anilist", client, windows=ANILIST_WINDOWS, clock=clock)
        found = await AniListProvider(http).search("frieren")
    assert [title.id for title in found] == ["anilist:1", "anilist:2", "anilist:3"]
    assert found[0].popularity is None
    assert found[1].score == 91  # the unreadable average gives way to the mean score
    assert found[1].episode_minutes is None


async def test_tvmaze_search_with_1e400_keeps_every_title() -> None:
    shows = [
        {"score": 1, "show": {**_tvmaze_show(), "id": 1, "weight": 123456789.5}},
        {"score": 1, "show": {**_tvmaze_show(), "id": 2, "rating": {"average": 123456789.5}}},
        {"score": 1, "show": {**_tvmaze_show(), "id": 3, "runtime": 123456789.5}},
    ]
    clock = FakeClock()
    async with _client(_json_with_overflow(shows)) as client:
        http = ProviderHttp("tvmaze", client, windows=TVMAZE_WINDOWS, clock=clock)
        found = await TVmazeProvider(http).search("lovers")
    assert [title.id for title in found] == ["tvmaze:1", "tvmaze:2", "tvmaze:3"]
    assert found[0].popularity is None
    assert found[1].score is None


async def test_tmdb_search_with_1e400_keeps_every_title() -> None:
    results = _load("tmdb/search_tv_mixed.handbuilt.json")["results"]
    korean = [r for r in results if "KR" in (r.get("origin_country") or [])][:2]
    assert len(korean) == 2
    korean[0] = {**korean[0], "popularity": 123456789.5, "vote_average": 123456789.5}
    body = _json_with_overflow({"page": 1, "results": korean, "total_results": 2})
    clock = FakeClock()
    async with _client(body) as client:
        http = ProviderHttp("tmdb", client, windows=TMDB_WINDOWS, clock=clock)
        found = await TMDBProvider(http, api_key="0" * 32).search("love")
    assert len(found) == 2
    assert found[0].popularity is None
    assert found[0].score is None
    assert not math.isinf(found[1].popularity or 0)


def test_huge_lists_and_texts_are_capped_and_far_dates_dropped() -> None:
    details = {
        **_tmdb_details(),
        "alternative_titles": {"results": [{"title": "x" * 100_000}, {"title": "Real Name"}]},
        "keywords": {"results": [{"name": f"keyword {n}"} for n in range(5_000)]},
    }
    title = title_from_tv(details)
    assert "Real Name" in title.names.synonyms
    assert all(len(name) <= 500 for name in title.names.synonyms)
    assert len(title.keywords) <= 100

    show = {
        **_tvmaze_show(),
        "_embedded": {"nextepisode": {"number": 3, "airstamp": "9999-12-31T00:00:00+00:00"}},
    }
    assert title_from_show(show).next_episode is None
    media = {**_anilist_media(), "nextAiringEpisode": {"episode": 3, "airingAt": 2**39}}
    assert title_from_media(media).next_episode is None
