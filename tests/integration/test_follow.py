"""/watchparty follow through the real bot, the sandbox and a stand-in AniList: a party for each
new episode at its air time plus an offset, moved when the broadcaster moves the episode."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.client import WatchClubBot
from bot.config import Settings
from bot.resources import Resources
from sandbox import Sandbox
from tests.integration.fake_providers import FakeProviders, settings_for
from tests.integration.test_parties import (
    NOW,
    answer,
    at,
    clock,
    club,
    delivered,
    fields,
    posts_since,
    resources,
    set_zone,
    ts,
    world,
)
from tests.support.clock import PacedClock

__all__ = ["clock", "club", "resources", "world"]  # fixtures shared with test_parties

FRIEREN = 154587
HOUR = 3600
FIRST_AIRING = NOW + timedelta(days=1, hours=13)  # Sat 14:00 UTC, 23:00 KST


@pytest.fixture
async def providers() -> AsyncIterator[FakeProviders]:
    fake = FakeProviders()
    fake.airings[FRIEREN] = {
        13 + week: ts(FIRST_AIRING + timedelta(weeks=week)) for week in range(4)
    }
    await fake.start()
    yield fake
    await fake.stop()


@pytest.fixture
def settings(sandbox: Sandbox, tmp_path: Path, providers: FakeProviders) -> Settings:
    return settings_for(sandbox, tmp_path / "watchclub.sqlite3", providers)


async def test_following_announces_each_episode_and_moves_its_party_with_the_broadcast(
    bot: WatchClubBot,
    resources: Resources,
    sandbox: Sandbox,
    club: Any,
    clock: PacedClock,
    providers: FakeProviders,
):
    mina, jun, general = club.member("mina"), club.member("jun"), club.channel("general")
    await set_zone(sandbox, mina, general, "Asia/Seoul")
    followed = await sandbox.slash(
        "watchparty follow",
        member=mina,
        channel=general,
        options={"title": f"anilist:{FRIEREN}", "offset": "1 hour after it airs"},
    )
    assert followed.ephemeral
    embed = followed.embeds[0]
    assert embed["title"].startswith("Following Frieren")
    party_start = FIRST_AIRING + timedelta(hours=1)
    assert f"episode 13: <t:{ts(party_start)}:F>" in fields(embed)["Announced now"]
    await delivered(bot, resources)
    [announcement] = [m for m in sandbox.messages(general) if m.embeds]
    shown = fields(announcement.embeds[0])
    assert shown["Episode"] == "13"
    assert shown["When"].startswith(f"<t:{ts(party_start)}:F>")
    await answer(sandbox, announcement, jun, "going")

    # The broadcaster pushes episode 13 back two hours; the daily re-read moves the party.
    providers.airings[FRIEREN][13] += 2 * HOUR
    seen = len(posts_since(sandbox, general, 0))
    await at(bot, resources, clock, NOW + timedelta(days=1, minutes=1))
    moved_to = party_start + timedelta(hours=2)
    [notice] = [m for m in posts_since(sandbox, general, seen) if "moved to" in m.content]
    assert f"moved to <t:{ts(moved_to)}:F>" in notice.content
    assert notice.mentions == [jun.id]
    events = {e["name"]: e for e in sandbox.scheduled_events(club)}
    moved_event = events["Frieren: Beyond Journey\u2019s End, episode 13"]
    assert datetime.fromisoformat(moved_event["scheduled_start_time"]) == moved_to


async def test_only_the_host_or_an_event_manager_stops_following(
    bot: WatchClubBot, sandbox: Sandbox, club: Any, providers: FakeProviders
):
    mina, jun, general = club.member("mina"), club.member("jun"), club.channel("general")
    await set_zone(sandbox, mina, general, "Asia/Seoul")
    await sandbox.slash(
        "watchparty follow", member=mina, channel=general, options={"title": f"anilist:{FRIEREN}"}
    )
    choices = await sandbox.autocomplete(
        "watchparty unfollow", member=jun, channel=general, options={"follow": ""}, focused="follow"
    )
    assert [c["name"] for c in choices] == ["#1 Frieren: Beyond Journey\u2019s End"]
    refused = await sandbox.slash(
        "watchparty unfollow", member=jun, channel=general, options={"follow": 1}
    )
    assert refused.content.startswith(f"Only the host (<@{mina.id}>)")
    stopped = await sandbox.slash(
        "watchparty unfollow", member=mina, channel=general, options={"follow": 1}
    )
    assert stopped.content.startswith("Stopped following **Frieren")


async def test_a_name_typed_without_picking_is_refused_with_what_to_do(
    bot: WatchClubBot, sandbox: Sandbox, club: Any
):
    refused = await sandbox.slash(
        "watchparty follow",
        member=club.member("mina"),
        channel=club.channel("general"),
        options={"title": "frieren"},
    )
    assert refused.ephemeral
    assert "Pick the show from the suggestions" in refused.content
