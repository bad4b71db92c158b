"""TitleService.air_schedule: each episode's real air time, for watch parties that follow the
airing, read through the real AniList and TVmaze clients from recorded-shape answers."""

from __future__ import annotations

import copy
import json
from collections.abc import AsyncIterator, Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from bot.errors import UserFacingError
from bot.metadata.anilist import AniListProvider
from bot.metadata.http_policy import ANILIST_WINDOWS, TVMAZE_WINDOWS, ProviderHttp
from bot.metadata.models import Airing, AirSchedule
from bot.metadata.service import CachePolicy
from bot.metadata.tvmaze import TVmazeProvider
from tests.support.replay import ReplayApi, graphql_operation, ok, status

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
FRIEREN = 154587
EXAMPLE_SHOW = 990001
CLOY_ON_TVMAZE = 990500
DOWN = status(503, {"message": "Service Unavailable"})


def load(relative: str) -> Any:
    return json.loads((FIXTURES / relative).read_text(encoding="utf-8"))


def frieren(**changes: Any) -> dict[str, Any]:
    media = load("anilist/media_by_id_full.handbuilt.json")
    media["data"]["Media"].update(changes)
    return media


def upcoming(*nodes: Any) -> dict[str, Any]:
    """AniList's answer to AnimeUpcomingAirings: `airingSchedule(notYetAired: true)` nodes."""
    return {"data": {"Media": {"id": FRIEREN, "airingSchedule": {"nodes": list(nodes)}}}}


def example_show(**changes: Any) -> dict[str, Any]:
    show = load("tvmaze/show_kdrama_embedded.handbuilt.json")
    show.update(changes)
    return show


def episodes_of(show: dict[str, Any]) -> list[dict[str, Any]]:
    return copy.deepcopy(show["_embedded"]["episodes"])


def unix(stamp: str) -> int:
    return int(datetime.fromisoformat(stamp).timestamp())


@pytest.fixture
def anilist_api() -> ReplayApi:
    return ReplayApi(route=graphql_operation)


@pytest.fixture
def tvmaze_api() -> ReplayApi:
    return ReplayApi()


@pytest.fixture
async def providers(
    anilist_api: ReplayApi, tvmaze_api: ReplayApi, clock
) -> AsyncIterator[list[Any]]:
    """The real clients over MockTransport; retries and backoff pass on the fake clock."""

    def http(name: str, api: ReplayApi, windows: Any) -> ProviderHttp:
        client = httpx.AsyncClient(base_url="https://api.test", transport=httpx.MockTransport(api))
        clients.append(client)
        return ProviderHttp(name, client, windows=windows, clock=clock, sleep=clock.sleep)

    clients: list[httpx.AsyncClient] = []
    yield [
        AniListProvider(http("anilist", anilist_api, ANILIST_WINDOWS)),
        TVmazeProvider(http("tvmaze", tvmaze_api, TVMAZE_WINDOWS)),
    ]
    for client in clients:
        await client.aclose()


@pytest.fixture
async def service(start_titles, providers):
    return await start_titles(providers)


def operations(api: ReplayApi) -> list[str]:
    return [graphql_operation(request) for request in api.requests]


# --- anime: AniList ---------------------------------------------------------------------------


async def test_an_airing_anime_reads_anilists_upcoming_episodes(service, anilist_api):
    anilist_api.on("AnimeById", ok(frieren()))
    anilist_api.on(
        "AnimeUpcomingAirings",
        ok(
            upcoming(
                {"airingAt": 1796000000, "episode": 14},
                {"airingAt": 1795400000, "episode": 13},
                {"airingAt": None, "episode": 15},  # not given a time yet: cannot be followed
                None,
            )
        ),
    )

    schedule = await service.air_schedule(f"anilist:{FRIEREN}")

    assert schedule == AirSchedule(
        title_id=f"anilist:{FRIEREN}",
        title_name="Frieren: Beyond Journey’s End",
        airings=(Airing(13, 1795400000), Airing(14, 1796000000)),
        finished=False,
        last_episode=28,  # AniList's count is the planned total
    )


async def test_air_times_are_read_afresh_every_time(service, anilist_api):
    # A moved episode must move its party: the details may come from the cache, the air times
    # never do.
    anilist_api.on("AnimeById", ok(frieren()))
    anilist_api.on(
        "AnimeUpcomingAirings",
        ok(upcoming({"airingAt": 1795400000, "episode": 13})),
        ok(upcoming({"airingAt": 1795400000 + 7 * 86400, "episode": 13})),
    )

    first = await service.air_schedule(f"anilist:{FRIEREN}")
    moved = await service.air_schedule(f"anilist:{FRIEREN}")

    assert first.airings == (Airing(13, 1795400000),)
    assert moved.airings == (Airing(13, 1795400000 + 7 * 86400),)
    assert operations(anilist_api) == ["AnimeById", "AnimeUpcomingAirings", "AnimeUpcomingAirings"]


async def test_a_finished_anime_is_finished_with_nothing_to_air(service, anilist_api):
    anilist_api.on("AnimeById", ok(frieren(status="FINISHED", nextAiringEpisode=None)))
    anilist_api.on("AnimeUpcomingAirings", ok(upcoming()))

    schedule = await service.air_schedule(f"anilist:{FRIEREN}")

    assert schedule.finished
    assert schedule.airings == ()
    assert schedule.last_episode == 28


async def test_a_cancelled_anime_is_finished_too(service, anilist_api):
    anilist_api.on("AnimeById", ok(frieren(status="CANCELLED")))
    anilist_api.on("AnimeUpcomingAirings", ok(upcoming()))

    assert (await service.air_schedule(f"anilist:{FRIEREN}")).finished


async def test_an_airing_anime_with_nothing_announced_is_not_finished(service, anilist_api):
    # Between episodes AniList may list nothing ahead yet; only its status ends a show.
    anilist_api.on("AnimeById", ok(frieren(episodes=None, nextAiringEpisode=None)))
    anilist_api.on("AnimeUpcomingAirings", ok(upcoming()))

    schedule = await service.air_schedule(f"anilist:{FRIEREN}")

    assert (schedule.finished, schedule.airings, schedule.last_episode) == (False, (), None)


# --- K-drama: TVmaze --------------------------------------------------------------------------


async def test_a_kdrama_reads_every_tvmaze_episode_with_its_airstamp(service, tvmaze_api):
    show = example_show()
    listed = episodes_of(show)
    listed[15]["airstamp"] = None  # the finale's time is not announced yet
    tvmaze_api.on(f"/shows/{EXAMPLE_SHOW}", ok(show))
    tvmaze_api.on(f"/shows/{EXAMPLE_SHOW}/episodes", ok(listed))

    schedule = await service.air_schedule(f"tvmaze:{EXAMPLE_SHOW}")

    assert schedule.title_id == f"tvmaze:{EXAMPLE_SHOW}"
    assert schedule.title_name == "Example K-Drama"
    assert [a.episode for a in schedule.airings] == list(range(1, 16))  # aired ones included
    assert schedule.airings[0] == Airing(1, unix("2026-10-03T12:20:00+00:00"))
    assert schedule.airings[4] == Airing(5, unix("2026-10-17T12:20:00+00:00"))
    assert not schedule.finished
    # While a show runs, TVmaze counts only the episodes announced so far: not a last episode.
    assert schedule.last_episode is None


async def test_an_ended_kdrama_is_finished_and_its_count_is_the_last_episode(service, tvmaze_api):
    show = example_show(status="Ended")
    tvmaze_api.on(f"/shows/{EXAMPLE_SHOW}", ok(show))
    tvmaze_api.on(f"/shows/{EXAMPLE_SHOW}/episodes", ok(episodes_of(show)))

    schedule = await service.air_schedule(f"tvmaze:{EXAMPLE_SHOW}")

    assert schedule.finished
    assert schedule.last_episode == 16
    assert len(schedule.airings) == 16


# --- catalog titles: through their AniList or TVmaze twin --------------------------------------


async def test_a_catalog_anime_is_read_through_its_anilist_twin(service, anilist_api):
    anilist_api.on("AnimeById", ok(frieren()))
    anilist_api.on("AnimeUpcomingAirings", ok(upcoming({"airingAt": 1795400000, "episode": 13})))

    schedule = await service.air_schedule("catalog:frieren-beyond-journeys-end")

    assert schedule.title_id == f"anilist:{FRIEREN}"  # the id actually read
    assert schedule.airings == (Airing(13, 1795400000),)
    assert json.loads(anilist_api.requests[0].content)["variables"] == {"id": FRIEREN}


def cloy_on_tvmaze() -> dict[str, Any]:
    return example_show(
        id=CLOY_ON_TVMAZE,
        name="Crash Landing on You",
        premiered="2019-12-14",
        status="Ended",
        url=f"https://www.tvmaze.com/shows/{CLOY_ON_TVMAZE}/crash-landing-on-you",
    )


async def test_a_catalog_kdrama_without_a_link_is_found_on_tvmaze_by_name(service, tvmaze_api):
    # The catalog links Crash Landing on You to TMDB only: TMDB has no air times.
    show = cloy_on_tvmaze()
    search_hit = {k: v for k, v in show.items() if k != "_embedded"}
    tvmaze_api.on("/search/shows", ok([{"score": 0.9, "show": search_hit}]))
    tvmaze_api.on(f"/shows/{CLOY_ON_TVMAZE}", ok(show))
    tvmaze_api.on(f"/shows/{CLOY_ON_TVMAZE}/episodes", ok(episodes_of(show)))

    schedule = await service.air_schedule("catalog:crash-landing-on-you")
    again = await service.air_schedule("catalog:crash-landing-on-you")

    assert schedule.title_id == f"tvmaze:{CLOY_ON_TVMAZE}"
    assert schedule.title_name == "Crash Landing on You"
    assert (schedule.finished, schedule.last_episode) == (True, 16)
    assert again == schedule
    # Found once, then linked: the second follow reads the twin without searching again.
    assert tvmaze_api.paths().count("/search/shows") == 1
    assert tvmaze_api.requests[0].url.params["q"] == "Crash Landing on You"


async def test_a_namesake_from_another_year_is_not_taken_for_the_catalog_title(service, tvmaze_api):
    other = {k: v for k, v in cloy_on_tvmaze().items() if k != "_embedded"}
    other["premiered"] = "2031-01-01"
    tvmaze_api.on("/search/shows", ok([{"score": 0.9, "show": other}]))

    with pytest.raises(UserFacingError, match="can't find Crash Landing on You on TVmaze"):
        await service.air_schedule("catalog:crash-landing-on-you")
    assert f"/shows/{CLOY_ON_TVMAZE}/episodes" not in tvmaze_api.paths()


async def test_a_catalog_title_with_no_provider_cannot_be_followed(start_titles):
    offline = await start_titles([])
    with pytest.raises(UserFacingError, match="no source of air times"):
        await offline.air_schedule("catalog:crash-landing-on-you")
    with pytest.raises(UserFacingError, match="AniList is not available here"):
        await offline.air_schedule(f"anilist:{FRIEREN}")


# --- refusals ---------------------------------------------------------------------------------


@pytest.mark.parametrize("title_id", ["tmdb:94796", "tmdb:1399"])
async def test_a_tmdb_title_cannot_be_followed(service, anilist_api, tvmaze_api, title_id):
    with pytest.raises(UserFacingError, match="TMDB gives only the day an episode airs"):
        await service.air_schedule(title_id)
    assert anilist_api.requests == tvmaze_api.requests == []


async def test_unknown_titles(service):
    with pytest.raises(UserFacingError, match="don't know that title"):
        await service.air_schedule("mal:1")
    with pytest.raises(UserFacingError, match="not in my catalog"):
        await service.air_schedule("catalog:no-such-show")


async def test_a_title_the_provider_no_longer_has(service, anilist_api):
    anilist_api.on("AnimeById", status(404, load("anilist/error_404_not_found.handbuilt.json")))
    with pytest.raises(UserFacingError, match="no longer has that title"):
        await service.air_schedule("anilist:999999999")


# --- providers down ---------------------------------------------------------------------------

Setup = Callable[[ReplayApi, ReplayApi], None]


def everything_down(anilist_api: ReplayApi, tvmaze_api: ReplayApi) -> None:
    for operation in ("AnimeById", "AnimeUpcomingAirings"):
        anilist_api.on(operation, DOWN)


def only_air_times_down(anilist_api: ReplayApi, tvmaze_api: ReplayApi) -> None:
    anilist_api.on("AnimeById", ok(frieren()))
    anilist_api.on("AnimeUpcomingAirings", DOWN)


@pytest.mark.parametrize("setup", [everything_down, only_air_times_down])
async def test_anilist_down_says_to_try_again(service, anilist_api, tvmaze_api, setup: Setup):
    # With AniList down the lookup would fall back to the catalog's copy of Frieren, whose
    # status may be years old: no schedule is built from it.
    setup(anilist_api, tvmaze_api)
    with pytest.raises(UserFacingError, match=r"AniList is not answering right now.*try again"):
        await service.air_schedule(f"anilist:{FRIEREN}")


async def test_tvmaze_down_says_to_try_again(service, tvmaze_api):
    show = example_show()
    tvmaze_api.on(f"/shows/{EXAMPLE_SHOW}", ok(show))
    tvmaze_api.on(f"/shows/{EXAMPLE_SHOW}/episodes", DOWN)
    with pytest.raises(UserFacingError, match=r"TVmaze is not answering right now.*try again"):
        await service.air_schedule(f"tvmaze:{EXAMPLE_SHOW}")


async def test_tvmaze_down_while_looking_for_a_catalog_twin(service, tvmaze_api):
    tvmaze_api.on("/search/shows", DOWN)
    with pytest.raises(UserFacingError, match=r"TVmaze is not answering right now.*try again"):
        await service.air_schedule("catalog:crash-landing-on-you")


async def test_a_stale_copy_of_the_details_will_do_when_only_they_fail(service, anilist_api, clock):
    anilist_api.on("AnimeById", ok(frieren()))
    anilist_api.on("AnimeUpcomingAirings", ok(upcoming({"airingAt": 1795400000, "episode": 13})))
    await service.air_schedule(f"anilist:{FRIEREN}")
    clock.advance(CachePolicy().airing_title + 1)
    anilist_api.routes["AnimeById"] = [DOWN]

    schedule = await service.air_schedule(f"anilist:{FRIEREN}")

    assert operations(anilist_api).count("AnimeById") > 1  # asked again, and failed
    assert schedule.airings == (Airing(13, 1795400000),)
    assert not schedule.finished
