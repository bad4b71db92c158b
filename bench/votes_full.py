"""`python -m bench votes`, part 2: the full path. A member clicks a vote button in the sandbox
-> INTERACTION_CREATE over the gateway -> the real bot (discord.py, the `VoteButton`
DynamicItem, `PollService.vote`, the ballot box, SQLite) -> the interaction callback (the
private "Your vote …" reply) back to the sandbox.

The bot runs in a process of its own (`multiprocessing`, spawn) and the sandbox with the load
generator in this one, so on a 2-core machine each side has a core, as a bot and Discord do in
production. The same plan also runs once with the bot in this process (one event loop for
the sandbox, the load and the bot) to show what sharing a core costs.

Load: every wave but the last is released open-loop at `rate` clicks/s (a click starts at its
time whether or not earlier ones were answered), so latency is what a member waits at that
offered rate; the last wave is one burst (every member at once), for the capacity. Latency is
from just before `Sandbox.click` (which builds the payload and sends it over the gateway) to
the sandbox holding the bot's callback. A click the bot does not answer within the sandbox's
3 s deadline counts as failed.

The peer in the same run is a bare discord.py bot (`NoopBot`, `bench/noop_bot.py`) on the same
sandbox and poll message, whose button answers at once without touching a database: the ceiling
that the sandbox, the load generator and discord.py leave for watchclub's own work.
"""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
import statistics
import time
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.bot_process import START_TIMEOUT, BotProcess
from bench.load_world import VOTE_ID
from bench.votes_plan import Plan, Tally
from bot.client import create_bot
from bot.demo import sandbox_settings
from bot.polls.message import status_text
from bot.polls.repository import PollRepository
from bot.resources import open_resources
from bot.storage.database import Database
from sandbox import Sandbox, World
from sandbox.messages import StoredMessage
from sandbox.testing import start_client
from sandbox.world import MemberSpec

TICK = 0.005  # seconds between two launches of the clicks that are due (open loop)
FINAL_EDIT_TIMEOUT = 20.0


# -- driving ----------------------------------------------------------------------------------


@dataclass
class _Clicks:
    latencies: list[float] = field(default_factory=list)
    failed: int = 0
    seconds: float = 0.0
    driver_cpu: float = 0.0  # CPU seconds of this process: the sandbox and the load
    bot_cpu: float | None = None  # CPU seconds of the bot's process, when it has its own

    @property
    def count(self) -> int:
        return len(self.latencies) + self.failed

    def figures(self) -> dict[str, Any]:
        lat = sorted(self.latencies)
        return {
            "clicks": self.count,
            "votes_per_s": round(len(lat) / self.seconds) if self.seconds else 0,
            "p50_ms": round(statistics.median(lat) * 1000, 1) if lat else None,
            "p99_ms": round(lat[min(len(lat) - 1, int(0.99 * len(lat)))] * 1000, 1)
            if lat
            else None,
            "failed": self.failed,
            # CPU per click is what the figures above cost each side, however busy the
            # machine was; busy is that CPU over the wall time (1.0: a whole core).
            "sandbox_process_cpu_ms_per_click": round(self.driver_cpu / self.count * 1000, 2)
            if self.count
            else None,
            "sandbox_process_cpu_busy": round(self.driver_cpu / self.seconds, 2)
            if self.seconds
            else None,
            "bot_process_cpu_ms_per_click": None
            if self.bot_cpu is None or not self.count
            else round(self.bot_cpu / self.count * 1000, 2),
            "bot_process_cpu_busy": None
            if self.bot_cpu is None or not self.seconds
            else round(self.bot_cpu / self.seconds, 2),
        }


Click = Callable[[MemberSpec, int], Coroutine[Any, Any, None]]


def _clicker(sandbox: Sandbox, message: StoredMessage, poll_id: int) -> Callable[[_Clicks], Click]:
    def bind(into: _Clicks) -> Click:
        async def click(member: MemberSpec, option: int) -> None:
            began = time.perf_counter()
            try:
                await sandbox.click(
                    member=member, message=message, custom_id=f"poll:{poll_id}:vote:{option}"
                )
            except Exception:  # the sandbox's deadline passed, or the bot refused: not answered
                into.failed += 1
                return
            into.latencies.append(time.perf_counter() - began)

        return click

    return bind


async def _paced(
    waves: tuple[tuple[tuple[int, int], ...], ...],
    members: list[MemberSpec],
    click: Click,
    rate: float,
) -> float:
    """Release the clicks open-loop at `rate` per second; returns the seconds until the last
    one was answered."""
    clicks = [pair for wave in waves for pair in wave]
    tasks: list[asyncio.Task[None]] = []
    began = time.perf_counter()
    launched = 0
    while launched < len(clicks):
        due = min(len(clicks), int((time.perf_counter() - began) * rate) + 1)
        for member, option in clicks[launched:due]:
            tasks.append(asyncio.create_task(click(members[member], option)))
        launched = due
        await asyncio.sleep(TICK)
    await asyncio.gather(*tasks)
    return time.perf_counter() - began


async def _burst(
    wave: tuple[tuple[int, int], ...], members: list[MemberSpec], click: Click
) -> float:
    began = time.perf_counter()
    await asyncio.gather(*(click(members[member], option) for member, option in wave))
    return time.perf_counter() - began


@dataclass
class _Run:
    paced: _Clicks
    burst: _Clicks


async def _drive(
    sandbox: Sandbox,
    message: StoredMessage,
    poll_id: int,
    members: list[MemberSpec],
    plan: Plan,
    rate: float,
    bot: BotProcess | None,
) -> _Run:
    bind = _clicker(sandbox, message, poll_id)
    run = _Run(_Clicks(), _Clicks())

    async def measured(into: _Clicks, phase: Awaitable[float]) -> None:
        driver = time.process_time()
        bot_before = bot.cpu_seconds() if bot is not None else 0.0
        into.seconds = await phase
        into.driver_cpu = time.process_time() - driver
        if bot is not None:
            into.bot_cpu = bot.cpu_seconds() - bot_before

    if len(plan.waves) > 1:
        await measured(run.paced, _paced(plan.waves[:-1], members, bind(run.paced), rate))
    await measured(run.burst, _burst(plan.waves[-1], members, bind(run.burst)))
    return run


# -- the poll ---------------------------------------------------------------------------------


def _world(plan: Plan) -> tuple[World, list[MemberSpec]]:
    world = World.default()
    club = world.guild("K-Drama Club")
    members = [club.add_member(f"voter{n}") for n in range(plan.members)]
    return world, members


async def _open_poll(sandbox: Sandbox, world: World, options: int) -> tuple[StoredMessage, int]:
    club = world.guild("K-Drama Club")
    general = club.channel("general")
    values: dict[str, Any] = {
        "question": "What do we watch on Friday?",
        "results": "live",
        "duration": "1h",
    }
    values.update({f"option{n + 1}": f"Show {n + 1}" for n in range(options)})
    await sandbox.slash("poll create", member=club.member("mina"), channel=general, options=values)
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        for message in sandbox.messages(general):
            for row in message.components:
                for item in row.get("components", []):
                    found = VOTE_ID.match(str(item.get("custom_id") or ""))
                    if found:
                        return message, int(found[1])
        await asyncio.sleep(0.05)
    raise RuntimeError("the poll message never reached the sandbox")


def _shows(content: str, tally: Tally) -> bool:
    noun = "vote" if tally.turnout == 1 else "votes"
    return f"{tally.turnout:,} {noun}" in content and all(
        f"({count:,}) **{index + 1}.**" in content for index, count in enumerate(tally.votes)
    )


async def _final_edit(sandbox: Sandbox, message: StoredMessage, tally: Tally) -> float | None:
    """Seconds until the poll message shows `tally`; None if it never does."""
    began = time.perf_counter()
    while time.perf_counter() - began < FINAL_EDIT_TIMEOUT:
        if _shows(message.content, tally):
            return time.perf_counter() - began
        await asyncio.sleep(0.02)
    return None


def _edits_of(sandbox: Sandbox, message: StoredMessage) -> int:
    return sum(
        1
        for request in sandbox.requests
        if request.method == "PATCH" and request.path.endswith(f"/messages/{message.id}")
    )


@dataclass(frozen=True)
class _Stored:
    counts: Tally
    recount: Tally
    edits_queued: int
    edits_superseded: int
    last_edit_exact: bool


async def _stored(database: Path, poll_id: int, guild_id: int, message: StoredMessage) -> _Stored:
    with contextlib.closing(sqlite3.connect(database)) as connection:
        votes = tuple(
            n
            for (n,) in connection.execute(
                "SELECT votes FROM poll_options WHERE poll_id = ? ORDER BY position", (poll_id,)
            )
        )
        (turnout,) = connection.execute(
            "SELECT turnout FROM polls WHERE id = ?", (poll_id,)
        ).fetchone()
        recount = [0] * len(votes)
        voters = 0
        for (ballot,) in connection.execute(
            "SELECT ballot FROM poll_votes WHERE poll_id = ?", (poll_id,)
        ):
            voters += 1
            for index in ballot.strip("[]").split(","):
                recount[int(index)] += 1
        queued, superseded = connection.execute(
            "SELECT count(*), count(*) FILTER (WHERE outcome = 'superseded') FROM outbox "
            "WHERE action = 'edit' AND message_key = ?",
            (f"poll:{poll_id}:message",),
        ).fetchone()
    db = await Database.open(database)
    try:
        poll = await PollRepository(db).get(poll_id, guild_id=guild_id)
    finally:
        await db.close()
    assert poll is not None
    return _Stored(
        counts=Tally(votes, turnout),
        recount=Tally(tuple(recount), voters),
        edits_queued=queued,
        edits_superseded=superseded,
        last_edit_exact=message.content == status_text(poll),
    )


# -- the runs ---------------------------------------------------------------------------------


async def _watchclub(
    folder: Path, plan: Plan, options: int, rate: float, *, split: bool
) -> dict[str, Any]:
    world, members = _world(plan)
    club = world.guild("K-Drama Club")
    database = folder / f"full-{'split' if split else 'inproc'}.sqlite3"
    expected = plan.expected(options)
    async with Sandbox(world) as sandbox, contextlib.AsyncExitStack() as stack:
        bot: BotProcess | None = None
        if split:
            bot = BotProcess("watchclub", sandbox, database)
            await bot.wait_up(sandbox, 1)
        else:
            settings = sandbox_settings(sandbox, database, offline=True, log_level="WARNING")
            resources = await stack.enter_async_context(open_resources(settings))
            await stack.enter_async_context(start_client(create_bot(settings, resources), sandbox))
        await sandbox.wait_synced(START_TIMEOUT)
        message, poll_id = await _open_poll(sandbox, world, options)
        edits_before = _edits_of(sandbox, message)
        run = await _drive(sandbox, message, poll_id, members, plan, rate, bot)
        final_after = await _final_edit(sandbox, message, expected)
        await asyncio.sleep(0.5)  # an edit still on its way would show here
        edits = _edits_of(sandbox, message) - edits_before
        peer: dict[str, Any] = {}
        if bot is not None:
            await bot.stop()
            # The peer: a bare discord.py bot answering the same buttons, nothing stored.
            noop = BotProcess("noop", sandbox, folder / "unused.sqlite3")
            await noop.wait_up(sandbox, 2)
            peer_run = await _drive(sandbox, message, poll_id, members, plan, rate, noop)
            await noop.stop()
            peer = {"noop_paced": peer_run.paced.figures(), "noop_burst": peer_run.burst.figures()}
    stored = await _stored(database, poll_id, int(club.id), message)
    return {
        "paced": run.paced.figures(),
        "burst": run.burst.figures(),
        **peer,
        "tally_exact": stored.counts == expected and stored.recount == expected,
        "stored_tally": stored.counts,
        "expected_tally": expected,
        "edits_reaching_sandbox": edits,
        "edits_queued": stored.edits_queued,
        "edits_superseded": stored.edits_superseded,
        "final_tally_shown_s_after_last_click": None
        if final_after is None
        else round(final_after, 2),
        "last_edit_exact": stored.last_edit_exact,
    }


async def run_full(folder: Path, plan: Plan, options: int, rate: float) -> dict[str, Any]:
    split = await _watchclub(folder, plan, options, rate, split=True)
    inproc = await _watchclub(folder, plan, options, rate, split=False)
    clicks = plan.clicks
    return {
        "full_clicks": clicks,
        "full_members": plan.members,
        "full_offered_rate_per_s": rate,
        **{f"full_{key}": value for key, value in split.items()},
        "full_naive_would_edit": clicks,
        "full_edit_ratio_naive_over_ours": round(
            clicks / max(1, split["edits_reaching_sandbox"]), 1
        ),
        "inprocess_paced": inproc["paced"],
        "inprocess_burst": inproc["burst"],
        "inprocess_tally_exact": inproc["tally_exact"],
    }
