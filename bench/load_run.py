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
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.bot_process import BotProcess, ProcessStats
from bench.load_world import (
    SETUP_PARTY_TITLE,
    Server,
    build_world,
    move_poll_closes,
    open_servers,
    party_starts,
)
from sandbox import Sandbox

DISCORD_GLOBAL_LIMIT = 50  # requests per second, interaction answers exempt
SETUP_AT_ONCE = 16  # servers being set up at the same time
START_TIMEOUT = 120.0
SETTLE_TIMEOUT = 90.0
MIB = 1024 * 1024


@dataclass
class LoadWorld:
    sandbox: Sandbox
    bot: BotProcess
    servers: list[Server]
    database: Path
    setup_seconds: float
    set_up: ProcessStats  # every server set up, before the traffic
    party_starts: dict[int, float]  # server index -> unix time its setup party starts
    poll_closes: dict[int, float] = field(default_factory=dict)  # server index -> unix time


@contextlib.asynccontextmanager
async def running_world(
    servers: int, members: int, party_minutes: Sequence[int]
) -> AsyncIterator[LoadWorld]:
    """The sandbox with `servers` servers and `members` members in all, the bot in its own
    process, and every server set up; server i's party starts `party_minutes[i % len]` minutes
    after its host scheduled it."""
    world, built = build_world(servers, max(2, members // servers))
    with tempfile.TemporaryDirectory(prefix="watchclub-load-") as folder:
        database = Path(folder) / "load.sqlite3"
        async with Sandbox(world, global_rate_limit=DISCORD_GLOBAL_LIMIT) as sandbox:
            bot = BotProcess("watchclub", sandbox, database)
            try:
                await bot.wait_up(sandbox, 1)
                await sandbox.wait_synced(START_TIMEOUT)
                began = time.time()
                minutes = [party_minutes[i % len(party_minutes)] for i in range(len(built))]
                await open_servers(sandbox, built, minutes, SETUP_AT_ONCE)
                setup_seconds = time.time() - began
                stored = party_starts(database, [server.party_id for server in built])
                starts = {i: float(stored[server.party_id]) for i, server in enumerate(built)}
                await asyncio.sleep(2.0)  # the last setup posts leave the outbox
                yield LoadWorld(
                    sandbox=sandbox,
                    bot=bot,
                    servers=built,
                    database=database,
                    setup_seconds=setup_seconds,
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


def busiest_second(times: Sequence[float]) -> int:
    """The most of `times` within any one second (a sliding window, as the limit counts)."""
    ordered = sorted(times)
    most, first = 0, 0
    for last, at in enumerate(ordered):
        while at - ordered[first] >= 1.0:
            first += 1
        most = max(most, last - first + 1)
    return most


def rest_figures(sandbox: Sandbox, start: float, end: float) -> dict[str, Any]:
    """The bot's REST requests bound by Discord's global limit during [start, end): per second
    on average and in the busiest second, and how many the sandbox's limit refused (429).

    Only the global limit is modelled: Discord's per-route limits (e.g. edits of one message)
    are not, so "0 429s" says the bot stays under 50/s, not under every bucket."""
    times: list[float] = []
    refused = 0
    for request in sandbox.requests:
        if start <= request.at < end and request.under_global_limit:
            times.append(request.at)
            refused += request.status == 429 and not request.fault
    return {
        "requests_per_s_mean": round(len(times) / max(1.0, end - start), 1),
        "requests_busiest_second": busiest_second(times),
        "discord_global_limit_per_s": DISCORD_GLOBAL_LIMIT,
        "responses_429": refused,
    }


@dataclass(frozen=True)
class Due:
    due: int
    once: int
    missing: int
    twice: int

    def figures(self) -> dict[str, int]:
        return {"due": self.due, "once": self.once, "missing": self.missing, "twice": self.twice}


def count_posted(
    due: dict[int, float],
    texts: Callable[[int], Sequence[str]],
    matches: Callable[[int, str], bool],
    now: float,
) -> Due:
    """For each server whose item was due by `now`, how many of its channel's `texts` are that
    item's post: once is right, none is lost, more is sent twice."""
    counts = [sum(1 for text in texts(i) if matches(i, text)) for i, at in due.items() if at <= now]
    return Due(
        due=len(counts),
        once=counts.count(1),
        missing=counts.count(0),
        twice=sum(1 for c in counts if c > 1),
    )


def _texts(load: LoadWorld) -> Callable[[int], list[str]]:
    return lambda i: [m.content for m in load.sandbox.messages(load.servers[i].general)]


def is_start_reminder(text: str) -> bool:
    return SETUP_PARTY_TITLE in text and "is starting now" in text


def reminders_due(load: LoadWorld, now: float) -> Due:
    """Each server's setup party's start reminder, for parties started by now."""
    return count_posted(load.party_starts, _texts(load), lambda i, t: is_start_reminder(t), now)


def poll_closes_due(load: LoadWorld, now: float) -> Due:
    """Each moved poll's results post, for polls closed by now."""

    def is_results(i: int, text: str) -> bool:
        return f"Poll #{load.servers[i].closing_poll_id} has closed." in text

    return count_posted(load.poll_closes, _texts(load), is_results, now)


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


async def end_of_run(load: LoadWorld) -> tuple[dict[str, Any], ProcessStats]:
    """Once the traffic has stopped: whether the timed work was posted exactly once, what
    failed anywhere, and what is stored; with the bot's last look at itself."""
    checked_at = await settle_timed_work(load)
    final = await load.bot.stats()
    figures = {
        "reminders": reminders_due(load, checked_at).figures(),
        "poll_closes": poll_closes_due(load, checked_at).figures(),
        "bot_error_log_records": final.error_records,
        "bot_first_errors": final.first_errors,
        "sandbox_internal_errors": len(load.sandbox.internal_errors),
        "outbox_failed": outbox_failed(load.database),
        **{f"end_{key}": value for key, value in file_sizes(load.database).items()},
        **{f"rows_{key}": value for key, value in stored_rows(load.database).items()},
    }
    return figures, final


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
