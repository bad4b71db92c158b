"""A bracket seeded from the anime airing this season, through the real bot, the sandbox and a
stand-in AniList."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from bot.client import WatchClubBot
from bot.config import Settings
from sandbox import Sandbox
from tests.integration.fake_providers import FakeProviders, settings_for
from tests.integration.test_parties import club, delivered, resources, world
from tests.support.clock import PacedClock

__all__ = ["club", "resources", "world"]  # fixtures shared with test_parties

NOW_SEASON = ("FALL", 2026)


@pytest.fixture
def clock() -> PacedClock:
    from datetime import UTC, datetime

    return PacedClock(datetime(2026, 11, 30, 12, 0, tzinfo=UTC))


@pytest.fixture
def settings(sandbox: Sandbox, tmp_path: Path, providers: FakeProviders) -> Settings:
    return settings_for(sandbox, tmp_path / "watchclub.sqlite3", providers)


async def test_a_bracket_seeded_from_this_seasons_anime(
    bot: WatchClubBot, resources: Any, sandbox: Sandbox, club: Any, providers: FakeProviders
):
    mina, general = club.member("mina"), club.channel("general")
    started = await sandbox.slash(
        "poll bracket",
        member=mina,
        channel=general,
        options={"name": "Best of the fall", "season": "anime", "size": 4},
    )
    assert started.ephemeral
    assert providers.seasons == [NOW_SEASON]
    assert "Bracket #1 **Best of the fall** has begun: 4 titles, 2 rounds" in started.content
    assert (
        "Seeds: 1. The Witch of Zero and the Star Knight, 2. To You in the Next Seat, "
        "3. Kanojo to Ryuu no Yuubinya, 4. Starry Sky Curling Club"
    ) in started.content
    await delivered(bot, resources)
    matches = [m for m in sandbox.messages(general) if "Best of the fall" in m.content]
    assert len(matches) == 2
    first = matches[0]
    assert [e["title"] for e in first.embeds] == [
        "The Witch of Zero and the Star Knight",
        "Starry Sky Curling Club",  # seed 1 meets seed 4
    ]


async def test_a_season_too_small_for_the_bracket_says_so_and_starts_nothing(
    bot: WatchClubBot, resources: Any, sandbox: Sandbox, club: Any, providers: FakeProviders
):
    mina, general = club.member("mina"), club.channel("general")
    refused = await sandbox.slash(
        "poll bracket",
        member=mina,
        channel=general,
        options={"name": "Best of the fall", "season": "anime", "size": 8},
    )
    assert refused.ephemeral
    assert "A bracket of 8 needs 8; found 4" in refused.content
    assert "Try a smaller `size`, or list the titles." in refused.content
    await delivered(bot, resources)
    assert not [m for m in sandbox.messages(general) if "Best of the fall" in m.content]
