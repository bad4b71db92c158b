"""The fault matrix (issue 13, §3) through the real bot and the sandbox, on the real clock:
Discord's global 429 and 5xx on a reminder and on the reply to a vote, the gateway dropped,
resumed and invalidated, a channel deleted under a reminder, a poll message deleted before its
close, and the database full or locked while a vote is cast or a reminder falls due.

Each test injects one fault and asserts what members see and what is stored: no acknowledged
vote lost or counted twice, no reminder lost or sent twice, a clear private message when
something could not be saved, and the next action working with nobody stepping in.
(docs/reliability.md §3 maps every fault of the issue to its test.)"""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from typing import Any

import pytest

from bot.client import WatchClubBot
from bot.outbox.message import OutgoingMessage, ToChannel
from bot.resources import Resources
from bot.storage import database
from sandbox import Sandbox, World
from tests.integration.test_scheduled_delivery import schedule
from tests.support.waiting import eventually

CLOY = "catalog:crash-landing-on-you"
FRIEREN = "catalog:frieren-beyond-journeys-end"
MESSAGES_ROUTE = "/channels/{channel_id}/messages"
CALLBACK_ROUTE = "/interactions/{interaction_id}/{interaction_token}/callback"
VOTED_FOR_CLOY = "Your vote in poll #1: **Crash Landing on You**."


@pytest.fixture
def club(world: World) -> Any:
    return world.guild("K-Drama Club")


# -- helpers ----------------------------------------------------------------------------------


async def outbox_rows(resources: Resources) -> list[tuple[str, str | None]]:
    rows = await resources.db.fetchall("SELECT state, outcome FROM outbox ORDER BY id")
    return [(row["state"], row["outcome"]) for row in rows]


async def timer_states(resources: Resources, prefix: str) -> dict[str, str]:
    rows = await resources.db.fetchall(
        "SELECT key, state FROM timers WHERE key LIKE ? ORDER BY key", (prefix + "%",)
    )
    return {row["key"]: row["state"] for row in rows}


async def quiet_outbox(resources: Resources, within: float = 15.0) -> None:
    """Wait until no outbox row is pending any more (sent, failed or skipped)."""
    deadline = asyncio.get_running_loop().time() + within
    while True:
        row = await resources.db.fetchone(
            "SELECT count(*) AS n FROM outbox WHERE state = 'pending'"
        )
        assert row is not None
        if row["n"] == 0:
            return
        assert asyncio.get_running_loop().time() < deadline, await outbox_rows(resources)
        await asyncio.sleep(0.02)


def contents(sandbox: Sandbox, channel: Any) -> list[str]:
    return [m.content for m in sandbox.messages(channel)]


def statuses(sandbox: Sandbox, route: str) -> list[int]:
    return [r.status for r in sandbox.requests if r.route == route]


async def open_versus(sandbox: Sandbox, club: Any) -> Any:
    """Sora's versus poll (#1), posted in #general: its message."""
    general = club.channel("general")
    opened = await sandbox.slash(
        "poll versus",
        member=club.member("sora"),
        channel=general,
        options={"slowburn": CLOY, "fantasy": FRIEREN, "results": "live"},
    )
    assert opened.ephemeral, opened.content
    await eventually(lambda: any(m.components for m in sandbox.messages(general)))
    return next(m for m in sandbox.messages(general) if m.components)


async def ballots(resources: Resources) -> int:
    row = await resources.db.fetchone("SELECT count(*) AS n FROM poll_votes")
    assert row is not None
    return int(row["n"])


def _disk_full() -> sqlite3.OperationalError:
    error = sqlite3.OperationalError("database or disk is full")
    error.sqlite_errorcode = sqlite3.SQLITE_FULL  # type: ignore[attr-defined]
    return error


def fail_commits(monkeypatch: pytest.MonkeyPatch, count: int) -> list[int]:
    """The next `count` COMMITs, whoever makes them, fail as on a full disk. Returns a list
    that grows by one for each failure injected."""
    real = database._run_to_end
    failed: list[int] = []

    async def commit(connection: Any, sql: str) -> None:
        if sql == "COMMIT" and len(failed) < count:
            failed.append(1)
            raise _disk_full()
        await real(connection, sql)

    monkeypatch.setattr(database, "_run_to_end", commit)
    return failed


class HeldLock:
    """Another process (a backup, a sqlite3 shell) holding the write lock until released."""

    def __init__(self, path: Any) -> None:
        self._path = path
        self._locked = threading.Event()
        self._release = threading.Event()
        self._thread = threading.Thread(target=self._hold)

    def _hold(self) -> None:
        other = sqlite3.connect(self._path, isolation_level=None)
        try:
            other.execute("BEGIN IMMEDIATE")
            self._locked.set()
            self._release.wait(10)
            other.execute("COMMIT")
        finally:
            other.close()

    async def __aenter__(self) -> HeldLock:
        self._thread.start()
        assert await asyncio.to_thread(self._locked.wait, 10)
        return self

    def release_in(self, seconds: float) -> None:
        asyncio.get_running_loop().call_later(seconds, self._release.set)

    async def __aexit__(self, *exc: object) -> None:
        self._release.set()
        await asyncio.to_thread(self._thread.join, 10)


# -- Discord REST: 429 and 5xx ------------------------------------------------------------------


async def test_a_global_429_holds_a_reminder_back_and_it_still_goes_out_once(
    bot: WatchClubBot, resources: Resources, sandbox: Sandbox, club: Any
):
    general = club.channel("general")
    sandbox.fail_next("POST", MESSAGES_ROUTE, 429, retry_after=0.4, global_=True)
    await schedule(bot, OutgoingMessage(ToChannel(int(general.id)), "Goblin in 15 min"), "f:g")
    await eventually(lambda: sandbox.messages(general))
    await quiet_outbox(resources)
    assert contents(sandbox, general) == ["Goblin in 15 min"]
    assert statuses(sandbox, MESSAGES_ROUTE) == [429, 200]
    assert await outbox_rows(resources) == [("sent", "channel")]
    assert await timer_states(resources, "f:") == {"f:g": "done"}


@pytest.mark.parametrize("status", [502, 503])
async def test_a_discord_5xx_on_a_reminder_is_retried_and_it_goes_out_once(
    bot: WatchClubBot, resources: Resources, sandbox: Sandbox, club: Any, status: int
):
    """502 is retried by discord.py itself; 503 reaches the outbox, which backs off."""
    general = club.channel("general")
    sandbox.fail_next("POST", MESSAGES_ROUTE, status)
    await schedule(bot, OutgoingMessage(ToChannel(int(general.id)), "Frieren starts now"), "f:5")
    await eventually(lambda: sandbox.messages(general), within=15)
    await quiet_outbox(resources)
    assert contents(sandbox, general) == ["Frieren starts now"]
    assert statuses(sandbox, MESSAGES_ROUTE) == [status, 200]
    assert await outbox_rows(resources) == [("sent", "channel")]


async def test_a_5xx_on_the_reply_to_a_vote_is_retried_and_the_vote_counts_once(
    bot: WatchClubBot, resources: Resources, sandbox: Sandbox, club: Any
):
    message = await open_versus(sandbox, club)
    sandbox.fail_next("POST", CALLBACK_ROUTE, 500)
    answer = await sandbox.click(
        member=club.member("jun"), message=message, custom_id="poll:1:vote:0"
    )
    assert answer.ephemeral
    assert answer.content.startswith(VOTED_FOR_CLOY), answer.content
    assert 500 in statuses(sandbox, CALLBACK_ROUTE)
    assert await ballots(resources) == 1
    await eventually(lambda: "1 vote" in message.content)


# -- the gateway --------------------------------------------------------------------------------


async def _still_serves(
    bot: WatchClubBot,
    resources: Resources,
    sandbox: Sandbox,
    club: Any,
    key: str,
    *,
    poll: bool = True,
) -> None:
    """After the gateway fault: a command, a vote and a reminder all work."""
    general = club.channel("general")
    about = await sandbox.slash("about", member=club.member("jun"), channel=general)
    assert about.embeds[0]["title"] == "About watchclub"
    if poll:
        message = await open_versus(sandbox, club)
        voted = await sandbox.click(
            member=club.member("mina"), message=message, custom_id="poll:1:vote:0"
        )
        assert voted.content.startswith(VOTED_FOR_CLOY), voted.content
        assert await ballots(resources) == 1
    await schedule(bot, OutgoingMessage(ToChannel(int(general.id)), f"reminder {key}"), key)
    await eventually(lambda: f"reminder {key}" in contents(sandbox, general))
    await quiet_outbox(resources)
    assert contents(sandbox, general).count(f"reminder {key}") == 1


async def test_a_dropped_gateway_connection_is_resumed_and_votes_cast_meanwhile_count(
    bot: WatchClubBot, resources: Resources, sandbox: Sandbox, club: Any
):
    await bot.wait_until_ready()
    message = await open_versus(sandbox, club)
    await quiet_outbox(resources)
    voters = [club.member(name) for name in ("jun", "mina", "sora")]
    assert bot.ws is not None
    # The connection drops with an abnormal code (4000, "unknown error") while members click:
    # the session lives on at Discord, so the bot RESUMEs it and Discord replays what it
    # missed. (Closed from the bot's side: the sandbox, like Discord, ends a session only
    # when the bot closes with 1000 or 1001.)
    _, *answers = await asyncio.gather(
        bot.ws.socket.close(code=4000, message=b"connection dropped"),
        *(
            sandbox.click(member=voter, message=message, custom_id="poll:1:vote:0")
            for voter in voters
        ),
    )
    await eventually(lambda: sandbox.resume_count == 1, within=15)
    assert sandbox.identify_count == 1  # resumed, not a new session
    for answered in answers:
        assert answered.content.startswith(VOTED_FOR_CLOY), answered.content
    assert await ballots(resources) == 3
    await eventually(lambda: "3 votes" in message.content)
    await _still_serves(bot, resources, sandbox, club, "f:drop", poll=False)


async def test_an_invalid_session_makes_the_bot_identify_again_and_go_on(
    bot: WatchClubBot, resources: Resources, sandbox: Sandbox, club: Any
):
    await bot.wait_until_ready()
    await sandbox.invalidate_session(resumable=False, timeout=15)
    assert sandbox.identify_count == 2
    await eventually(lambda: bot.is_ready() and bot.get_guild(int(club.id)) is not None)
    await _still_serves(bot, resources, sandbox, club, "f:invalid")


async def test_a_resumable_invalid_session_is_resumed_and_the_bot_goes_on(
    bot: WatchClubBot, resources: Resources, sandbox: Sandbox, club: Any
):
    await bot.wait_until_ready()
    await sandbox.invalidate_session(resumable=True, timeout=15)
    assert sandbox.identify_count == 1
    await _still_serves(bot, resources, sandbox, club, "f:resumable")


# -- gone: a deleted channel, a deleted poll message ---------------------------------------------


async def test_a_reminder_for_a_deleted_channel_fails_once_with_the_reason_and_others_go_on(
    bot: WatchClubBot, resources: Resources, sandbox: Sandbox, club: Any
):
    general, parties = club.channel("general"), club.channel("watch-parties")
    club.channels.remove(parties)  # an admin deletes #watch-parties
    await sandbox.dispatch("CHANNEL_DELETE", {"id": parties.id, "guild_id": club.id, "type": 0})
    await schedule(bot, OutgoingMessage(ToChannel(int(parties.id)), "into the void"), "f:gone")
    await schedule(bot, OutgoingMessage(ToChannel(int(general.id)), "still here"), "f:here")
    await eventually(lambda: sandbox.messages(general))
    await quiet_outbox(resources)
    rows = await resources.db.fetchall(
        "SELECT content, state, last_error FROM outbox ORDER BY content"
    )
    gone, here = (dict(row) for row in rows)
    assert (gone["content"], gone["state"]) == ("into the void", "failed")
    assert "10003" in gone["last_error"], gone["last_error"]  # Unknown Channel, not retried
    assert (here["content"], here["state"]) == ("still here", "sent")
    assert contents(sandbox, general) == ["still here"]
    tried = [r for r in sandbox.requests if r.path == f"/channels/{parties.id}/messages"]
    assert len(tried) == 1
    assert await timer_states(resources, "f:") == {"f:gone": "done", "f:here": "done"}


async def test_a_poll_whose_message_was_deleted_still_closes_and_posts_its_results(
    bot: WatchClubBot, resources: Resources, sandbox: Sandbox, club: Any
):
    sora, general = club.member("sora"), club.channel("general")
    message = await open_versus(sandbox, club)
    for name in ("jun", "mina"):
        voted = await sandbox.click(
            member=club.member(name), message=message, custom_id="poll:1:vote:0"
        )
        assert voted.content.startswith(VOTED_FOR_CLOY)
    message.deleted = True  # a moderator deleted the poll's message
    closed = await sandbox.slash("poll close", member=sora, channel=general, options={"poll": 1})
    assert closed.ephemeral
    await eventually(lambda: any("has closed" in c for c in contents(sandbox, general)))
    await quiet_outbox(resources)
    [results] = [m for m in sandbox.messages(general) if "has closed" in m.content]
    [embed] = results.embeds
    assert embed["description"].startswith("\U0001f3c6 **Crash Landing on You** wins.")
    assert {f["name"]: f["value"] for f in embed["fields"]}["Turnout"] == "2 voters"
    assert await ballots(resources) == 2
    row = await resources.db.fetchone("SELECT closed_at FROM polls WHERE id = 1")
    assert row is not None
    assert row["closed_at"] is not None
    failed = await resources.db.fetchall("SELECT last_error FROM outbox WHERE state = 'failed'")
    assert [dict(r) for r in failed] == []  # the edit of the gone message ends quietly


# -- the database -------------------------------------------------------------------------------


async def test_a_full_disk_on_a_vote_tells_the_member_counts_nothing_and_the_next_vote_works(
    bot: WatchClubBot,
    resources: Resources,
    sandbox: Sandbox,
    club: Any,
    monkeypatch: pytest.MonkeyPatch,
):
    message = await open_versus(sandbox, club)
    await quiet_outbox(resources)
    jun = club.member("jun")
    failed = fail_commits(monkeypatch, 1)
    refused = await sandbox.click(member=jun, message=message, custom_id="poll:1:vote:0")
    assert failed == [1]
    assert refused.ephemeral
    assert "storage is full or failing, so nothing was saved" in refused.content
    assert "Your vote" not in refused.content  # never acknowledged as a vote
    assert await ballots(resources) == 0
    again = await sandbox.click(member=jun, message=message, custom_id="poll:1:vote:0")
    assert again.content.startswith(VOTED_FOR_CLOY), again.content
    assert await ballots(resources) == 1
    await eventually(lambda: "1 vote" in message.content)


async def test_a_full_disk_when_a_reminder_falls_due_delays_it_and_it_goes_out_once(
    bot: WatchClubBot,
    resources: Resources,
    sandbox: Sandbox,
    club: Any,
    monkeypatch: pytest.MonkeyPatch,
):
    general = club.channel("general")
    await schedule(
        bot,
        OutgoingMessage(ToChannel(int(general.id)), "Reply 1988 in 15 min"),
        "f:full",
        in_seconds=0.5,
    )
    # The disk is full for the next three commits, whoever makes them: the claim of the due
    # timer, the record of its run (which queues the message), the record of the send.
    failed = fail_commits(monkeypatch, 3)
    await eventually(lambda: sandbox.messages(general), within=15)
    await quiet_outbox(resources)
    assert len(failed) == 3
    assert contents(sandbox, general) == ["Reply 1988 in 15 min"]
    assert await outbox_rows(resources) == [("sent", "channel")]
    assert await timer_states(resources, "f:") == {"f:full": "done"}
    await sandbox.settle(quiet=0.5)
    assert contents(sandbox, general) == ["Reply 1988 in 15 min"]


async def test_a_database_locked_when_a_reminder_falls_due_only_delays_it(
    bot: WatchClubBot, resources: Resources, sandbox: Sandbox, club: Any
):
    general = club.channel("general")
    loop = asyncio.get_running_loop()
    scheduled_at = loop.time()
    await schedule(
        bot,
        OutgoingMessage(ToChannel(int(general.id)), "Moving starts now"),
        "f:locked",
        in_seconds=1.0,
    )
    async with HeldLock(resources.db.path) as lock:
        held_before_due = loop.time() - scheduled_at < 0.9  # a loaded machine may be slower
        lock.release_in(1.5)
        await asyncio.sleep(1.2)
        if held_before_due:
            assert sandbox.messages(general) == []  # nothing can be claimed while it is held
    await eventually(lambda: sandbox.messages(general), within=15)
    await quiet_outbox(resources)
    assert contents(sandbox, general) == ["Moving starts now"]
    assert await timer_states(resources, "f:") == {"f:locked": "done"}


async def test_a_database_locked_for_a_moment_only_delays_a_vote(
    bot: WatchClubBot, resources: Resources, sandbox: Sandbox, club: Any
):
    message = await open_versus(sandbox, club)
    await quiet_outbox(resources)
    async with HeldLock(resources.db.path) as lock:
        lock.release_in(0.8)
        voted = await sandbox.click(
            member=club.member("jun"), message=message, custom_id="poll:1:vote:0"
        )
    assert voted.content.startswith(VOTED_FOR_CLOY), voted.content
    assert await ballots(resources) == 1
