"""What `bench load` and `bench soak` share: the world up and running, the bot's process
watched, Discord's side counted, and the timed work checked.

The sandbox enforces Discord's global limit of 50 requests per second (interaction answers are
exempt, as on Discord), so the 429 count is what a real bot would have been refused.
"""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
import tempfile
import time
from collections import Counter
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.bot_process import BotProcess, ProcessStats
from bench.load_world import Server, build_world, move_poll_closes, open_servers
from sandbox import Sandbox

DISCORD_GLOBAL_LIMIT = 50  # requests per second, interaction answers exempt
SETUP_AT_ONCE = 16  # servers being set up at the same time
START_TIMEOUT = 120.0
SETTLE_TIMEOUT = 90.0
MIB = 1024 * 1024
EXEMPT_PREFIXES = ("/interactions/", "/webhooks/")


@dataclass
class LoadWorld:
    sandbox: Sandbox
    bot: BotProcess
    servers: list[Server]
    database: Path
    setup_seconds: float
    ready: ProcessStats  # connected and synced, before any server was set up
    set_up: ProcessStats  # every server set up, before the traffic
    party_starts: dict[int, float]  # server index -> unix time its party starts
    poll_closes: dict[int, float] = field(default_factory=dict)  # server index -> unix time


@contextlib.asynccontextmanager
async def running_world(
    servers: int, members: int, party_minutes: Sequence[int]
) -> AsyncIterator[LoadWorld]:
    """The sandbox with `servers` servers and `members` members in all, the bot in its own
    process, and every server set up; its parties start `party_minutes[i % len]` minutes after
    their setup."""
    world, built = build_world(servers, max(2, members // servers))
    with tempfile.TemporaryDirectory(prefix="watchclub-load-") as folder:
        database = Path(folder) / "load.sqlite3"
        async with Sandbox(world, global_rate_limit=DISCORD_GLOBAL_LIMIT) as sandbox:
            bot = BotProcess("watchclub", sandbox, database)
            try:
                await bot.wait_up(sandbox, 1)
                await sandbox.wait_synced(START_TIMEOUT)
                ready = await bot.stats()
                began = time.time()
                minutes = [party_minutes[i % len(party_minutes)] for i in range(len(built))]
                await open_servers(sandbox, built, minutes, SETUP_AT_ONCE)
                starts = {i: began + m * 60 for i, m in enumerate(minutes)}
                setup_seconds = time.time() - began
                await asyncio.sleep(2.0)  # the last setup posts leave the outbox
                yield LoadWorld(
                    sandbox=sandbox,
                    bot=bot,
                    servers=built,
                    database=database,
                    setup_seconds=setup_seconds,
                    ready=ready,
                    set_up=await bot.stats(),
                    party_starts=starts,
                )
            finally:
                await bot.stop()


def spread_poll_closes(load: LoadWorld, start: float, seconds: float) -> None:
    """Close every server's second poll during [start, start + seconds], spread evenly."""
    count = len(load.servers)
    load.poll_closes = {i: start + (i + 0.5) / count * seconds for i in range(count)}
    move_poll_closes(
        load.database,
        [(load.servers[i].closing_poll_id, int(at)) for i, at in load.poll_closes.items()],
    )


async def one_server_rss(members_per_server: int) -> int:
    """The bot's resident memory in a world of one server set up like the others: the base
    that memory per server is counted from."""
    async with running_world(1, members_per_server, [60]) as load:
        return load.set_up.rss_bytes


class Sampler:
    """The bot's process looked at every `every` seconds while a phase runs."""

    def __init__(self, bot: BotProcess, every: float = 1.0) -> None:
        self._bot = bot
        self._every = every
        self.samples: list[tuple[float, ProcessStats]] = []
        self._task: asyncio.Task[None] | None = None

    async def _loop(self) -> None:
        while True:
            self.samples.append((time.time(), await self._bot.stats()))
            await asyncio.sleep(self._every)

    def start(self) -> None:
        self._task = asyncio.create_task(self._loop())

    async def stop(self) -> ProcessStats:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        last = await self._bot.stats()
        self.samples.append((time.time(), last))
        return last


def rest_figures(sandbox: Sandbox, start: float, end: float) -> dict[str, Any]:
    """The bot's REST requests bound by Discord's global limit during [start, end): per second
    on average and in the busiest second; and the 429s the sandbox's limit answered in the
    whole run, setup included."""
    per_second: Counter[int] = Counter()
    for request in sandbox.requests:
        if start <= request.at < end and not request.path.startswith(EXEMPT_PREFIXES):
            per_second[int(request.at)] += 1
    seconds = max(1.0, end - start)
    return {
        "requests_per_s_mean": round(sum(per_second.values()) / seconds, 1),
        "requests_per_s_busiest_second": max(per_second.values(), default=0),
        "discord_global_limit_per_s": DISCORD_GLOBAL_LIMIT,
        "responses_429": sandbox.rate_limited_count,
    }


def _texts(sandbox: Sandbox, server: Server) -> list[str]:
    return [m.content for m in sandbox.messages(server.general)]


@dataclass(frozen=True)
class Due:
    due: int
    once: int
    missing: int
    twice: int

    def figures(self) -> dict[str, int]:
        return {"due": self.due, "once": self.once, "missing": self.missing, "twice": self.twice}


def _count(load: LoadWorld, due: dict[int, float], marker: Callable[[int], str], now: float) -> Due:
    counts = [
        sum(1 for text in _texts(load.sandbox, load.servers[i]) if marker(i) in text)
        for i, at in due.items()
        if at <= now
    ]
    return Due(
        due=len(counts),
        once=counts.count(1),
        missing=counts.count(0),
        twice=sum(1 for c in counts if c > 1),
    )


def reminders_due(load: LoadWorld, now: float) -> Due:
    """Each server's party start reminder ("… is starting now"), for parties started by now."""
    return _count(load, load.party_starts, lambda i: "is starting now", now)


def poll_closes_due(load: LoadWorld, now: float) -> Due:
    """Each moved poll's results post, for polls closed by now."""
    return _count(
        load,
        load.poll_closes,
        lambda i: f"Poll #{load.servers[i].closing_poll_id} has closed.",
        now,
    )


async def settle_timed_work(load: LoadWorld) -> float:
    """Wait until every reminder and poll close due by now has been posted (or `SETTLE_TIMEOUT`);
    returns the unix time the check was made for."""
    now = time.time()
    deadline = time.monotonic() + SETTLE_TIMEOUT
    while time.monotonic() < deadline:
        if not reminders_due(load, now).missing and not poll_closes_due(load, now).missing:
            break
        await asyncio.sleep(0.5)
    await asyncio.sleep(2.0)  # a second copy still on its way would show now
    return now


def file_sizes(database: Path) -> dict[str, int]:
    wal = database.with_name(database.name + "-wal")
    return {
        "database_bytes": database.stat().st_size if database.exists() else 0,
        "wal_bytes": wal.stat().st_size if wal.exists() else 0,
    }


def stored_rows(database: Path) -> dict[str, int]:
    with contextlib.closing(sqlite3.connect(database, timeout=30)) as connection:
        return {
            table: connection.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
            for table in ("poll_votes", "party_rsvps", "watch_parties", "polls", "timers", "outbox")
        }


def outbox_failed(database: Path) -> int:
    with contextlib.closing(sqlite3.connect(database, timeout=30)) as connection:
        query = "SELECT count(*) FROM outbox WHERE state = 'failed'"
        (failed,) = connection.execute(query).fetchone()
    return int(failed)


def mib(value: float) -> float:
    return round(value / MIB, 1)
