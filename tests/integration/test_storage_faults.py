"""The database failing under a member's command, through the real bot and the sandbox: the disk
full when a write commits (SQLITE_FULL), and another process holding the database for a moment.
The member is told in plain words, nothing is half-written, and the next command works without
anyone stepping in."""

from __future__ import annotations

from typing import Any

import pytest

from bot.client import WatchClubBot
from bot.resources import Resources
from sandbox import Sandbox, World
from tests.integration.test_fault_matrix import HeldLock, fail_commits

GOBLIN = "catalog:guardian-the-lonely-and-great-god"
CLOY = "catalog:crash-landing-on-you"


@pytest.fixture
def club(world: World) -> Any:
    return world.guild("K-Drama Club")


async def _ratings(resources: Resources) -> list[tuple[str, int]]:
    rows = await resources.db.fetchall(
        "SELECT title_id, score FROM taste_ratings ORDER BY title_id"
    )
    return [(row["title_id"], row["score"]) for row in rows]


async def test_a_full_disk_at_commit_tells_the_member_and_saves_nothing_half(
    bot: WatchClubBot,
    resources: Resources,
    sandbox: Sandbox,
    club: Any,
    monkeypatch: pytest.MonkeyPatch,
):
    sora, general = club.member("sora"), club.channel("general")
    await sandbox.slash("rate", member=sora, channel=general, options={"title": GOBLIN, "score": 9})
    fail_commits(monkeypatch, 1)
    # Two rows in one transaction (the quick picker's rate_many would be the same): the rating
    # replaced and a new one; neither may survive the failed commit.
    refused = await sandbox.slash(
        "watched", member=sora, channel=general, options={"title": GOBLIN, "score": 3}
    )
    assert refused.ephemeral
    assert "storage is full or failing, so nothing was saved" in refused.content
    assert "error code `" in refused.content
    assert await _ratings(resources) == [(GOBLIN, 9)]
    watched = await resources.db.fetchall("SELECT title_id FROM taste_watched")
    assert watched == []
    # No restart, no manual step: the writer left the failed transaction, the next write works.
    again = await sandbox.slash(
        "rate", member=sora, channel=general, options={"title": CLOY, "score": 8}
    )
    assert again.content.startswith("Rated"), again.content
    assert await _ratings(resources) == [(CLOY, 8), (GOBLIN, 9)]


async def test_a_database_locked_for_a_moment_only_delays_the_write(
    bot: WatchClubBot, resources: Resources, sandbox: Sandbox, club: Any
):
    sora, general = club.member("sora"), club.channel("general")
    async with HeldLock(resources.db.path) as lock:
        lock.release_in(0.8)
        rated = await sandbox.slash(
            "rate", member=sora, channel=general, options={"title": GOBLIN, "score": 9}
        )
    assert rated.content.startswith("Rated"), rated.content
    assert await _ratings(resources) == [(GOBLIN, 9)]
