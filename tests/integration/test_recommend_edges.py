"""/recommend with AniList's recommendation edges, through the real bot, the sandbox and a fake
AniList over real HTTP: a pick's reason is the edge ("AniList fans of *Frieren* recommend it"),
the edges are read once and then from the cache, and a slow or down AniList costs the member
nothing: the answer comes from the rest while AniList has not answered yet."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from bot.client import WatchClubBot
from bot.config import Settings
from bot.resources import Resources
from sandbox import Sandbox, World
from tests.integration.fake_providers import FakeProviders, settings_for

FRIEREN_ANILIST = "anilist:154587"
FRIEREN_NAME = "Frieren: Beyond Journey's End"  # the catalog's name of the show
YOUR_NAME = "catalog:your-name"  # the catalog's copy of AniList's top edge of Frieren


@pytest.fixture
def settings(sandbox: Sandbox, tmp_path: Path, providers: FakeProviders) -> Settings:
    return settings_for(sandbox, tmp_path / "watchclub.sqlite3", providers)


@pytest.fixture
def club(world: World) -> Any:
    return world.guild("K-Drama Club")


def picked_ids(result: Any) -> list[str]:
    [menu] = [c for row in result.components for c in row["components"] if c["type"] == 3]
    return [option["value"] for option in menu["options"]]


def edge_requests(providers: FakeProviders) -> int:
    return providers.requests.count("anilist AnimeRecommendations")


async def test_a_pick_from_anilists_recommendations_says_so(
    bot: WatchClubBot, sandbox: Sandbox, club: Any, providers: FakeProviders
):
    sora, general = club.member("sora"), club.channel("general")
    result = await sandbox.slash(
        "recommend", member=sora, channel=general, options={"like": FRIEREN_ANILIST, "count": 5}
    )
    assert result.ephemeral
    assert YOUR_NAME in picked_ids(result)
    description = result.embeds[0]["description"]
    assert "**1. Your Name.**" in description
    assert f"AniList fans of *{FRIEREN_NAME}* recommend it" in description
    assert edge_requests(providers) == 1
    again = await sandbox.slash(
        "recommend", member=sora, channel=general, options={"like": FRIEREN_ANILIST, "count": 5}
    )
    assert f"AniList fans of *{FRIEREN_NAME}* recommend it" in again.embeds[0]["description"]
    assert edge_requests(providers) == 1  # the second answer read the saved edges


async def test_in_public_the_like_title_is_named(
    bot: WatchClubBot, sandbox: Sandbox, club: Any, providers: FakeProviders
):
    result = await sandbox.slash(
        "recommend",
        member=club.member("jun"),
        channel=club.channel("general"),
        options={"like": FRIEREN_ANILIST, "for": "server", "count": 3},
    )
    assert not result.ephemeral
    assert f"AniList fans of *{FRIEREN_NAME}* recommend it" in result.embeds[0]["description"]


async def test_a_slow_anilist_is_not_waited_for_and_its_answer_serves_the_next_request(
    bot: WatchClubBot,
    resources: Resources,
    sandbox: Sandbox,
    club: Any,
    providers: FakeProviders,
):
    # AniList answers after 5 s, within the 10 s the sandbox waits for the bot's answer: had
    # the bot waited for it, the picks would carry its edges.
    providers.delay = 5.0
    sora, general = club.member("sora"), club.channel("general")
    like = {"like": FRIEREN_ANILIST, "count": 5}
    result = await sandbox.slash("recommend", member=sora, channel=general, options=like)
    assert result.ephemeral
    assert len(picked_ids(result)) == 5
    assert "AniList fans" not in result.embeds[0]["description"]
    # The call went on in the background and saved its answer: the next request has it.
    await resources.tasks.wait_idle()
    later = await sandbox.slash("recommend", member=sora, channel=general, options=like)
    assert f"AniList fans of *{FRIEREN_NAME}* recommend it" in later.embeds[0]["description"]
    assert edge_requests(providers) == 1


async def test_a_down_anilist_costs_nothing(
    bot: WatchClubBot, sandbox: Sandbox, club: Any, providers: FakeProviders
):
    providers.down = True
    result = await sandbox.slash(
        "recommend",
        member=club.member("sora"),
        channel=club.channel("general"),
        options={"like": FRIEREN_ANILIST, "count": 5},
    )
    assert result.ephemeral
    assert len(picked_ids(result)) == 5
    assert "AniList fans" not in result.embeds[0]["description"]
    assert edge_requests(providers) >= 1
