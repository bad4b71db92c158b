"""The database failing under a member's command, through the real bot and the sandbox: the disk
full when a write commits (SQLITE_FULL), and another process holding the database for a moment.
The member is told in plain words, nothing is half-written, and the next command works without
anyone stepping in."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from typing import Any

import pytest

from bot.client import WatchClubBot
from bot.resources import Resources
from bot.storage import database
from sandbox import Sandbox, World

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


def _disk_full() -> sqlite3.OperationalError:
    error = sqlite3.OperationalError("database or disk is full")
    error.sqlite_errorcode = sqlite3.SQLITE_FULL  # type: ignore[attr-defined]
    return error


async def test_a_full_disk_at_commit_tells_the_member_and_saves_nothing_half(
    bot: WatchClubBot,
    resources: Resources,
    sandbox: Sandbox,
    club: Any,
    monkeypatch: pytest.MonkeyPatch,
):
    sora, general = club.member("sora"), club.channel("general")
    await sandbox.slash("rate", member=sora, channel=general, options={"title": GOBLIN, "score": 9})
    real = database._run_to_end
    failures = [_disk_full()]

    async def commit_fails_once(connection: Any, sql: str) -> None:
        if sql == "COMMIT" and failures:
            raise failures.pop()
        await real(connection, sql)

    monkeypatch.setattr(database, "_run_to_end", commit_fails_once)
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
    locked, release = threading.Event(), threading.Event()

    def hold_the_lock() -> None:
        # Another process (a backup script, a sqlite3 shell) holding the write lock.
        other = sqlite3.connect(resources.db.path, isolation_level=None)
        try:
            other.execute("BEGIN IMMEDIATE")
            locked.set()
            release.wait(10)
            other.execute("COMMIT")
        finally:
            other.close()

    holder = threading.Thread(target=hold_the_lock)
    holder.start()
    try:
        assert await asyncio.to_thread(locked.wait, 10)
        asyncio.get_running_loop().call_later(0.8, release.set)
        rated = await sandbox.slash(
            "rate", member=sora, channel=general, options={"title": GOBLIN, "score": 9}
        )
    finally:
        release.set()
        await asyncio.to_thread(holder.join, 10)
    assert rated.content.startswith("Rated"), rated.content
    assert await _ratings(resources) == [(GOBLIN, 9)]
