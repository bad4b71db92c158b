"""The world of `bench load` and `bench soak`: many servers, each set up through real commands.

Every server gets a general channel, a watch-party role, members and a host who may manage it.
`open_server` then does what a server's members would have done before the traffic starts,
through the sandbox like any member: the host sets the server's time zone, opens a live poll
(the one members vote on) and a second poll that will close during the run, and schedules and
confirms a watch party that starts during the run (so its start reminder falls due).

A poll runs at least 10 minutes, longer than a benchmark's run, so `move_poll_closes` moves the
closing polls' deadlines (the poll row and its close timer together, as if each had been opened
10 minutes earlier) into the run. The dispatcher re-reads its next due timer every few seconds,
so the running bot picks the new deadlines up by itself.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import sqlite3
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from sandbox import Sandbox, World
from sandbox.messages import StoredMessage
from sandbox.permissions import MANAGE_GUILD
from sandbox.world import ChannelSpec, GuildSpec, MemberSpec

POSTED_TIMEOUT = 60.0
VOTE_ID = re.compile(r"^poll:(\d+):vote:(\d+)$")
RSVP_ID = re.compile(r"^party:(\d+):rsvp:going$")
POLL_OPTIONS = ("Goblin", "Frieren", "Signal", "Vincenzo")
# The setup party's title, which the traffic never schedules: its start reminder is told apart.
SETUP_PARTY_TITLE = "Hotel del Luna"
# Titles members type: English names, synonyms and romanizations from the offline catalog.
TITLES = (
    "Goblin",
    "Crash Landing on You",
    "Frieren",
    "Signal",
    "Vincenzo",
    "Reply 1988",
    "My Mister",
    "Business Proposal",
    "Alchemy of Souls",
    "Queen of Tears",
    "Lovely Runner",
    "Squid Game",
    "Kingdom",
    "The Glory",
    "Our Beloved Summer",
)


@dataclass
class Server:
    """One server of the world, and what the traffic needs of it once it is open."""

    guild: GuildSpec
    host: MemberSpec
    members: list[MemberSpec]
    general: ChannelSpec
    poll: StoredMessage | None = None
    poll_id: int = 0
    closing_poll_id: int = 0
    party: StoredMessage | None = None
    party_id: int = 0


def build_world(servers: int, members_per_server: int) -> tuple[World, list[Server]]:
    world = World()
    built: list[Server] = []
    for n in range(servers):
        guild = world.add_guild(f"Club {n}")
        general = guild.add_text_channel("general")
        guild.add_role("Watch Party", mentionable=True)
        host = guild.add_member(f"host{n}", permissions=MANAGE_GUILD)
        members = [host] + [guild.add_member(f"m{n}-{k}") for k in range(members_per_server - 1)]
        built.append(Server(guild=guild, host=host, members=members, general=general))
    return world, built


def _find_posted(
    sandbox: Sandbox, channel: ChannelSpec, pattern: re.Pattern[str], skip: set[int]
) -> tuple[StoredMessage, int] | None:
    for message in reversed(sandbox.messages(channel)):
        for custom_id in message.custom_ids():
            found = pattern.match(custom_id)
            if found and int(found[1]) not in skip:
                return message, int(found[1])
    return None


def confirm_id(preview: StoredMessage | None) -> str | None:
    """The Confirm button's custom_id on a watch-party preview, if it has one."""
    ids = [] if preview is None else preview.custom_ids()
    return next((custom_id for custom_id in ids if custom_id.endswith(":confirm")), None)


async def _posted(
    sandbox: Sandbox, channel: ChannelSpec, pattern: re.Pattern[str], skip: set[int]
) -> tuple[StoredMessage, int]:
    """The newest message in `channel` with a button matching `pattern`, whose id is not in
    `skip`, once the outbox has posted it."""
    deadline = time.monotonic() + POSTED_TIMEOUT
    while time.monotonic() < deadline:
        found = _find_posted(sandbox, channel, pattern, skip)
        if found is not None:
            return found
        await asyncio.sleep(0.1)
    raise RuntimeError(f"nothing matching {pattern.pattern} was posted in #{channel.name}")


async def open_server(sandbox: Sandbox, server: Server, party_starts_in_minutes: int) -> None:
    """The host's setup of one server, through the sandbox like any member."""
    host, general = server.host, server.general
    await sandbox.slash(
        "config timezone", member=host, channel=general, options={"zone": "Asia/Seoul"}
    )
    options = {f"option{n + 1}": name for n, name in enumerate(POLL_OPTIONS)}
    await sandbox.slash(
        "poll create",
        member=host,
        channel=general,
        options={"question": "What next?", **options, "results": "live", "duration": "7d"},
    )
    server.poll, server.poll_id = await _posted(sandbox, general, VOTE_ID, set())
    await sandbox.slash(
        "poll create",
        member=host,
        channel=general,
        options={"question": "Friday or Saturday?", "option1": "Friday", "option2": "Saturday"},
    )
    _, server.closing_poll_id = await _posted(sandbox, general, VOTE_ID, {server.poll_id})
    preview = await sandbox.slash(
        "watchparty schedule",
        member=host,
        channel=general,
        options={"title": SETUP_PARTY_TITLE, "when": f"in {party_starts_in_minutes} minutes"},
    )
    confirm = confirm_id(preview.message)
    if preview.message is None or confirm is None:
        raise RuntimeError(f"the watch-party preview has no Confirm: {preview.content!r}")
    await sandbox.click(member=host, message=preview.message, custom_id=confirm)
    server.party, server.party_id = await _posted(sandbox, general, RSVP_ID, set())


async def open_servers(
    sandbox: Sandbox, servers: Sequence[Server], starts_in_minutes: Sequence[int], at_once: int
) -> None:
    gate = asyncio.Semaphore(at_once)

    async def one(server: Server, minutes: int) -> None:
        async with gate:
            await open_server(sandbox, server, minutes)

    await asyncio.gather(*(one(s, m) for s, m in zip(servers, starts_in_minutes, strict=True)))


def party_starts(database: Path, party_ids: Sequence[int]) -> dict[int, int]:
    """Party id -> the unix second its first session starts, as the bot stored it."""
    wanted = set(party_ids)
    with contextlib.closing(sqlite3.connect(database, timeout=30)) as connection:
        rows = connection.execute("SELECT party_id, starts_at FROM party_sessions WHERE number = 1")
        return {party_id: starts_at for party_id, starts_at in rows if party_id in wanted}


def move_poll_closes(database: Path, closes: Sequence[tuple[int, int]]) -> None:
    """Give each (poll id, unix second) pair that deadline: the poll's and its timer's."""
    with contextlib.closing(sqlite3.connect(database, timeout=30)) as connection, connection:
        for poll_id, at in closes:
            connection.execute("UPDATE polls SET closes_at = ? WHERE id = ?", (at, poll_id))
            connection.execute(
                "UPDATE timers SET due_at = ?, run_at = ? WHERE key = ? AND state = 'pending'",
                (at, at, f"poll:{poll_id}:close"),
            )
