"""A local stand-in for AniList and TVmaze on 127.0.0.1, answering in their documented shapes.

The real provider clients talk to it over real HTTP; the bodies come from tests/fixtures.
`down = True` turns every answer into a 503, to see the bot's stale and catalog fallbacks;
`delay` makes every answer slow.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import json
import re
from pathlib import Path
from typing import Any

from aiohttp import web
from pydantic import HttpUrl

from bot.config import Settings
from sandbox import Sandbox
from tests.support.settings import sandbox_settings

FIXTURES = Path(__file__).parents[1] / "fixtures"
STARLIGHT_COURIER = 990777
_OPERATION = re.compile(r"\b(?:query|mutation)\s+(\w+)")


def _load(relative: str) -> Any:
    return json.loads((FIXTURES / relative).read_text(encoding="utf-8"))


class FakeProviders:
    def __init__(self) -> None:
        frieren = _load("anilist/media_by_id_full.handbuilt.json")["data"]["Media"]
        self.anime: dict[int, dict[str, Any]] = {frieren["id"]: frieren}
        # A show that only this fake knows (not in the catalog), for cache-miss tests.
        courier = copy.deepcopy(frieren)
        courier.update(
            id=STARLIGHT_COURIER,
            title={"romaji": "Hoshizora Haitatsu", "english": "Starlight Courier", "native": None},
            nextAiringEpisode=None,
            status="FINISHED",
            siteUrl=f"https://anilist.co/anime/{STARLIGHT_COURIER}",
        )
        self.anime[STARLIGHT_COURIER] = courier
        for media in _load("anilist/page_search_media.handbuilt.json")["data"]["Page"]["media"]:
            self.anime.setdefault(media["id"], media)
        show = _load("tvmaze/show_kdrama_embedded.handbuilt.json")
        self.shows: dict[int, dict[str, Any]] = {show["id"]: show}
        # Episodes not yet aired, per anime id: {episode: airingAt}, as AniList's airingSchedule.
        self.airings: dict[int, dict[int, int]] = {}
        # The current season's anime, most popular first, as AniList's Page.media answers it.
        self.season_media: list[dict[str, Any]] = _load("anilist/page_season_media.handbuilt.json")[
            "data"
        ]["Page"]["media"]
        self.seasons: list[tuple[str, int]] = []  # the (season, year) each season query asked
        # What AniList's users recommend, per anime id: RecommendationConnection nodes, best
        # rated first. Frieren's are the recorded-shape nodes (Your Name, which the catalog
        # has; Tsuki ga Kirei, which it has not; a deleted, an adult and a downvoted one).
        recommended = _load("anilist/media_recommendations.handbuilt.json")["data"]["Media"]
        self.recommendations: dict[int, list[dict[str, Any]]] = {
            frieren["id"]: recommended["recommendations"]["nodes"]
        }
        self.down = False
        self.gone_shows: set[int] = set()  # listed by the search, 404 for their details
        self.broken_shows: set[int] = set()  # listed by the search, 503 for their details
        self.delay = 0.0  # seconds before each answer, to make the bot defer
        self._stopping = asyncio.Event()  # ends the delays at stop: no minute-long teardown
        self.requests: list[str] = []
        self._runner: web.AppRunner | None = None
        self.base_url = ""

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post("/anilist/", self._anilist)
        app.router.add_post("/anilist", self._anilist)
        app.router.add_get("/tvmaze/search/shows", self._tvmaze_search)
        app.router.add_get("/tvmaze/shows/{show_id}", self._tvmaze_show)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = self._runner.addresses[0][1]
        self.base_url = f"http://127.0.0.1:{port}"

    async def stop(self) -> None:
        self._stopping.set()
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def anilist_url(self) -> str:
        return f"{self.base_url}/anilist"

    @property
    def tvmaze_url(self) -> str:
        return f"{self.base_url}/tvmaze"

    async def _slow_or_down(self) -> web.Response | None:
        if self.delay:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), self.delay)
        if self.down:
            return web.json_response({"error": "maintenance"}, status=503)
        return None

    async def _anilist(self, request: web.Request) -> web.Response:
        body = await request.json()
        operation = (_OPERATION.search(body["query"]) or [None, "?"])[1]
        self.requests.append(f"anilist {operation}")
        if (refusal := await self._slow_or_down()) is not None:
            return refusal
        if not request.headers.get("Referer"):
            # AniList in 2026: no Referer -> 403 with the "temporarily disabled" body.
            return web.json_response(
                _load("anilist/error_403_api_disabled.official_docs.json"), status=403
            )
        variables = body.get("variables", {})
        if operation == "SearchAnime":
            wanted = str(variables.get("search", "")).casefold()
            found = [
                copy.deepcopy(media)
                for media in self.anime.values()
                if any(wanted in str(name).casefold() for name in media["title"].values() if name)
            ]
            page = {"pageInfo": {"hasNextPage": False, "currentPage": 1}, "media": found}
            return web.json_response({"data": {"Page": page}})
        if operation == "AnimeById":
            media = self.anime.get(int(variables.get("id", 0)))
            if media is None:
                return web.json_response(
                    {"errors": [{"message": "Not Found.", "status": 404}], "data": {"Media": None}},
                    status=404,
                )
            return web.json_response({"data": {"Media": copy.deepcopy(media)}})
        if operation == "SeasonAnime":
            self.seasons.append((str(variables.get("season")), int(variables.get("seasonYear", 0))))
            season = copy.deepcopy(self.season_media)
            page = {"pageInfo": {"hasNextPage": False, "currentPage": 1}, "media": season}
            return web.json_response({"data": {"Page": page}})
        if operation == "AnimeUpcomingAirings":
            media_id = int(variables.get("id", 0))
            nodes = [
                {"airingAt": at, "episode": episode}
                for episode, at in sorted(self.airings.get(media_id, {}).items())
            ]
            schedule = {"id": media_id, "airingSchedule": {"nodes": nodes}}
            return web.json_response({"data": {"Media": schedule}})
        if operation == "AnimeRecommendations":
            media_id = int(variables.get("id", 0))
            if media_id not in self.anime and media_id not in self.recommendations:
                return web.json_response(
                    {"errors": [{"message": "Not Found.", "status": 404}], "data": {"Media": None}},
                    status=404,
                )
            per_page = int(variables.get("perPage", 25))
            nodes = copy.deepcopy(self.recommendations.get(media_id, []))[:per_page]
            media = {"id": media_id, "recommendations": {"nodes": nodes}}
            return web.json_response({"data": {"Media": media}})
        return web.json_response({"errors": [{"message": f"unsupported {operation}"}]}, status=400)

    async def _tvmaze_search(self, request: web.Request) -> web.Response:
        self.requests.append("tvmaze search")
        if (refusal := await self._slow_or_down()) is not None:
            return refusal
        wanted = request.query.get("q", "").casefold()
        hits = [
            {
                "score": 0.9,
                "show": copy.deepcopy({k: v for k, v in show.items() if k != "_embedded"}),
            }
            for show in self.shows.values()
            if wanted in show["name"].casefold()
        ]
        return web.json_response(hits)

    async def _tvmaze_show(self, request: web.Request) -> web.Response:
        self.requests.append("tvmaze show")
        if (refusal := await self._slow_or_down()) is not None:
            return refusal
        show_id = int(request.match_info["show_id"])
        if show_id in self.broken_shows:
            return web.json_response({"error": "maintenance"}, status=503)
        show = None if show_id in self.gone_shows else self.shows.get(show_id)
        if show is None:
            return web.json_response({"name": "Not Found", "status": 404}, status=404)
        return web.json_response(copy.deepcopy(show))


def settings_for(sandbox: Sandbox, database: Path, providers: FakeProviders) -> Settings:
    """The bot's settings with AniList and TVmaze answered by `providers`."""
    return sandbox_settings(
        sandbox,
        database,
        anilist_api_url=HttpUrl(providers.anilist_url),
        tvmaze_api_url=HttpUrl(providers.tvmaze_url),
    )
