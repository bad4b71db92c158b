"""Each episode's real air time, for watch parties that follow the airing."""

from __future__ import annotations

import json
import random
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx

from bot.metadata.anilist import AniListProvider
from bot.metadata.http_policy import ANILIST_WINDOWS, TVMAZE_WINDOWS, ProviderHttp
from bot.metadata.models import NextEpisode
from bot.metadata.tvmaze import TVmazeProvider
from tests.support.clock import FakeClock

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"


def _client(routes: dict[str, tuple[int, Any]], seen: list[httpx.Request]) -> httpx.AsyncClient:
    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        status, body = routes.get(request.url.path, (404, {"name": "Not Found", "status": 404}))
        return httpx.Response(status, json=body)

    return httpx.AsyncClient(base_url="https://api.test", transport=httpx.MockTransport(handler))


async def test_tvmaze_episodes_in_airing_order_numbered_across_seasons():
    show = json.loads((FIXTURES / "tvmaze/show_kdrama_embedded.handbuilt.json").read_text())
    episodes = show["_embedded"]["episodes"]
    second_season = [
        {**episodes[0], "id": 1, "season": 2, "number": 1, "airstamp": "2027-01-01T12:00:00+00:00"}
    ]
    special = [{**episodes[0], "id": 2, "type": "significant_special", "number": None}]
    # An episode not yet given a time, in the middle: the ones after it keep their numbers.
    unknown_time = {**episodes[4], "airstamp": None}
    season_zero = [{**episodes[0], "id": 4, "season": 0, "number": 1}]
    listed = [*episodes[:4], unknown_time, *episodes[5:], *second_season, *special, *season_zero]
    random.Random(7).shuffle(listed)
    seen: list[httpx.Request] = []
    async with _client({"/shows/990001/episodes": (200, listed)}, seen) as client:
        http = ProviderHttp("tvmaze", client, windows=TVMAZE_WINDOWS, clock=FakeClock())
        found = await TVmazeProvider(http).episodes("990001")

    numbers = [e.number for e in found]
    assert numbers == [n for n in range(1, len(episodes) + 2) if n != 5]
    first = episodes[0]["airstamp"]
    assert found[0] == NextEpisode(number=1, airs_at=_unix(first))
    assert found[-1] == NextEpisode(
        number=len(episodes) + 1, airs_at=_unix("2027-01-01T12:00:00+00:00")
    )
    assert [str(r.url) for r in seen] == ["https://api.test/shows/990001/episodes"]


async def test_tvmaze_unknown_show_has_no_episodes():
    async with _client({}, []) as client:
        http = ProviderHttp("tvmaze", client, windows=TVMAZE_WINDOWS, clock=FakeClock())
        assert await TVmazeProvider(http).episodes("424242") == []
        assert await TVmazeProvider(http).episodes("not-an-id") == []


async def test_anilist_upcoming_airings_soonest_first_without_broken_nodes():
    body = {
        "data": {
            "Media": {
                "id": 154587,
                "airingSchedule": {
                    "nodes": [
                        {"airingAt": 1765000000, "episode": 14},
                        {"airingAt": 1764400000, "episode": 13},
                        {"airingAt": None, "episode": 15},
                        {"airingAt": 1765600000, "episode": 2**70},
                        None,
                    ]
                },
            }
        }
    }
    seen: list[httpx.Request] = []
    async with _client({"/": (200, body)}, seen) as client:
        http = ProviderHttp("anilist", client, windows=ANILIST_WINDOWS, clock=FakeClock())
        found = await AniListProvider(http).upcoming_airings("154587")

    assert found == [
        NextEpisode(number=13, airs_at=1764400000),
        NextEpisode(number=14, airs_at=1765000000),
    ]
    sent = json.loads(seen[0].content)
    assert sent["variables"] == {"id": 154587, "perPage": 25}
    assert "notYetAired: true" in sent["query"]


async def test_anilist_upcoming_airings_of_an_unknown_anime():
    not_found = {"errors": [{"message": "Not Found.", "status": 404}], "data": {"Media": None}}
    async with _client({"/": (404, not_found)}, []) as client:
        http = ProviderHttp("anilist", client, windows=ANILIST_WINDOWS, clock=FakeClock())
        assert await AniListProvider(http).upcoming_airings("999999999") == []


def _unix(stamp: str) -> int:
    return int(datetime.fromisoformat(stamp).timestamp())
