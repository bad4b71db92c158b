"""The fault matrix (issue 13, §3) for the metadata providers, through the real bot, the
sandbox and the provider fake over real HTTP: AniList or TVmaze answering 429 with a long
Retry-After, 403 (Cloudflare's HTML page), 500, an HTML page or a wrong JSON shape in a 200,
or not answering before the bot's timeout. The member always gets an answer: the built-in
catalog's card with a plain note that the provider is not answering, never an error code;
and when the provider is back, the next search uses it again.

The per-provider detail (TMDB too, every status, retries and back-off) is in
tests/unit/metadata/test_anilist.py, test_tvmaze.py, test_tmdb.py and test_http_policy.py."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from aiohttp import web

from bot import resources as bot_resources
from bot.config import Settings
from sandbox import Sandbox
from tests.integration.fake_providers import FakeProviders, settings_for

HTML = "<!DOCTYPE html><html><head><title>Attention Required! | Cloudflare</title></head></html>"


class FaultyProviders(FakeProviders):
    """The fake, with one fault for every answer while `fault` is set."""

    def __init__(self) -> None:
        super().__init__()
        self.fault: str | None = None

    async def _slow_or_down(self) -> web.Response | None:
        match self.fault:
            case "429":
                return web.json_response(
                    {"errors": [{"message": "Too Many Requests.", "status": 429}]},
                    status=429,
                    headers={"Retry-After": "120"},
                )
            case "403":
                return web.Response(text=HTML, status=403, content_type="text/html")
            case "500":
                return web.json_response({"error": "Internal Server Error"}, status=500)
            case "html in a 200":
                return web.Response(text=HTML, status=200, content_type="text/html")
            case "wrong shape in a 200":
                return web.json_response({"data": [1, 2, 3], "shows": "none"})
            case "timeout":
                self.delay = 3.0  # past the bot's timeout, which the fixture shortens
            case _:
                self.delay = 0.0
        return await super()._slow_or_down()


@pytest.fixture
async def providers() -> AsyncIterator[FaultyProviders]:
    fake = FaultyProviders()
    await fake.start()
    yield fake
    await fake.stop()


@pytest.fixture
def settings(
    sandbox: Sandbox, tmp_path: Path, providers: FakeProviders, monkeypatch: pytest.MonkeyPatch
) -> Settings:
    # A timeout of 0.3 s instead of 10: three attempts time out in about a second.
    monkeypatch.setattr(bot_resources, "PROVIDER_TIMEOUT", httpx.Timeout(0.3, connect=0.3))
    return settings_for(sandbox, tmp_path / "watchclub.sqlite3", providers)


@pytest.fixture
def club(world: Any) -> Any:
    return world.guild("K-Drama Club")


FAULTS = ["429", "403", "500", "html in a 200", "wrong shape in a 200", "timeout"]


@pytest.mark.parametrize("fault", FAULTS)
async def test_a_failing_tvmaze_still_answers_from_the_catalog_and_says_so(
    bot: Any, sandbox: Sandbox, club: Any, providers: FaultyProviders, fault: str
):
    providers.fault = fault
    result = await sandbox.slash(
        "title",
        member=club.member("jun"),
        channel=club.channel("general"),
        options={"name": "goblin", "medium": "kdrama"},
        timeout=15,
    )
    embed = result.last_embeds[0]
    assert "Goblin" in embed["title"] or "Guardian" in embed["title"]
    assert "TVmaze not answering right now; showing my built-in catalog." in embed["description"]
    assert "tvmaze search" in providers.requests
    assert "error code" not in str(embed)


# AniList's 500 is the recovery test's fault below; its timeout is the same path as TVmaze's
# (one policy, tests/unit/metadata/test_http_policy.py) and costs 4 s here, so it is left out.
@pytest.mark.parametrize("fault", ["429", "403", "html in a 200", "wrong shape in a 200"])
async def test_a_failing_anilist_still_answers_from_the_catalog_and_says_so(
    bot: Any, sandbox: Sandbox, club: Any, providers: FaultyProviders, fault: str
):
    providers.fault = fault
    result = await sandbox.slash(
        "title",
        member=club.member("jun"),
        channel=club.channel("general"),
        options={"name": "frieren", "medium": "anime"},
        timeout=15,
    )
    embed = result.last_embeds[0]
    assert "Frieren" in embed["title"]
    assert (
        "AniList is not answering right now, so this may be out of date." in (embed["description"])
    )
    assert any(r.startswith("anilist") for r in providers.requests)
    assert "error code" not in str(embed)


async def test_once_anilist_is_back_the_next_search_uses_it_again(
    bot: Any, sandbox: Sandbox, club: Any, providers: FaultyProviders
):
    providers.fault = "500"
    jun, general = club.member("jun"), club.channel("general")
    options = {"name": "starlight", "medium": "anime"}
    # A show only AniList knows: while it fails, the member is told why nothing was found.
    down = await sandbox.slash("title", member=jun, channel=general, options=options, timeout=15)
    assert down.ephemeral
    assert down.content.startswith("I found no anime or K-drama called “starlight”.")
    assert "AniList not answering right now; showing my built-in catalog." in down.content
    providers.fault = None
    back = await sandbox.slash("title", member=jun, channel=general, options=options, timeout=15)
    [card] = back.last_embeds
    assert card["title"].startswith("Starlight Courier"), card["title"]
    assert card["footer"]["text"] == "Data: AniList (anilist.co)"
    assert "not answering" not in str(card)
