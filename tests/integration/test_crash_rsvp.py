"""SIGKILL mid-RSVP (issue 13, §3): the real `watchclub run`, killed while members click a watch
party's Going / Maybe / Can't go buttons, never loses an answer it confirmed. After every kill,
each member's stored answer is the one their last confirmed click gave, or one of the clicks
after it that got no reply (the process died between the commit and the reply); never an older
one, never one nobody clicked. The restarted bot takes an answer from every member, and the
announcement's counts follow what is stored.

The kills land at the moment an answer commits (before its reply) and at the moment the
sandbox accepts a reply: the two windows where an answer could be lost or told wrongly.
Replay a run's plan with CRASH_TEST_SEED=<seed>."""

from __future__ import annotations

import asyncio
import os
import random
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import pytest

from sandbox import InteractionTimeoutError, MemberSpec, NotConnectedError, Sandbox, World
from tests.integration.crash_harness import INTERACTION_CALLBACK, BotProcess

pytestmark = pytest.mark.slow

SEED_VARIABLE = "CRASH_TEST_SEED"
MEMBERS = 12
KILL_TARGETS = ("commit", "reply")
RUN_BEFORE_KILL = (0.2, 0.8)
TARGET_WAIT = 2.0
START_TIMEOUT = 30.0
CLICK_TIMEOUT = 3.0  # Discord's deadline for the first reply
CHOICES = ("going", "maybe", "not_going")
SAID = {
    "going": "You're **Going**",
    "maybe": "You're a **Maybe**",
    "not_going": "You **can't go**",
}
COUNTS = {"going": "Going", "maybe": "Maybe", "not_going": "Can't go"}


@dataclass
class Click:
    member: MemberSpec
    choice: str
    run: int
    answer: str | None = None
    failure: str | None = None

    @property
    def acknowledged(self) -> bool:
        return self.answer is not None


class Crowd:
    """Each member clicks one answer after another (the next once the last is answered or
    timed out), all members at once, while `enabled`."""

    def __init__(self, sandbox: Sandbox, members: list[MemberSpec], rng: random.Random) -> None:
        self._sandbox = sandbox
        self._members = members
        self._rng = rng
        self.announcement: object = None
        self.party = 0
        self.run = 0
        self.enabled = False
        self.clicks: list[Click] = []
        self._tasks: list[asyncio.Task[None]] = []
        self._stopping = False

    def start(self) -> None:
        self._tasks = [asyncio.create_task(self._member(m)) for m in self._members]

    async def stop(self) -> None:
        self._stopping = True
        await asyncio.gather(*self._tasks, return_exceptions=True)

    async def _member(self, member: MemberSpec) -> None:
        while not self._stopping:
            if not self.enabled:
                await asyncio.sleep(0.01)
                continue
            await self.click(member, self._rng.choice(CHOICES))
            await asyncio.sleep(self._rng.uniform(0.0, 0.05))

    async def click(self, member: MemberSpec, choice: str) -> Click:
        click = Click(member, choice, self.run)
        self.clicks.append(click)
        try:
            result = await self._sandbox.click(
                member=member,
                message=self.announcement,  # type: ignore[arg-type]
                custom_id=f"party:{self.party}:rsvp:{choice}",
                timeout=CLICK_TIMEOUT,
            )
            click.answer = result.content
        except InteractionTimeoutError:
            click.failure = "no reply"
        except NotConnectedError:
            click.failure = "no bot connected"
        return click


def stored_answers(database: Path) -> dict[str, str]:
    connection = sqlite3.connect(database)
    try:
        rows = connection.execute("SELECT member_id, choice FROM party_rsvps").fetchall()
    finally:
        connection.close()
    return {str(member): choice for member, choice in rows}


def problems(clicks: list[Click], members: list[MemberSpec], stored: dict[str, str]) -> list[str]:
    found: list[str] = []
    for member in members:
        mine = [c for c in clicks if c.member.id == member.id]
        for click in mine:
            if click.acknowledged and SAID[click.choice] not in (click.answer or ""):
                found.append(f"{member.username}: {click.choice} was answered {click.answer!r}")
        acked = [i for i, c in enumerate(mine) if c.acknowledged]
        after = mine[acked[-1] + 1 :] if acked else mine
        allowed = {c.choice for c in after} | ({mine[acked[-1]].choice} if acked else {None})
        have = stored.get(member.id)
        if have not in allowed:
            trail = ", ".join(f"{c.choice}{'' if c.acknowledged else '?'}" for c in mine)
            found.append(f"{member.username}: stored {have!r}, clicks {trail}")
    return found


def replied_since(sandbox: Sandbox, start: int) -> bool:
    return any(r.route == INTERACTION_CALLBACK for r in sandbox.requests[start:])


class Commits:
    """Sees an answer commit: the stored answers, read by a plain reader, change."""

    def __init__(self, database: Path) -> None:
        self._connection = sqlite3.connect(database)

    def close(self) -> None:
        self._connection.close()

    def _answers(self) -> str:
        row = self._connection.execute(
            "SELECT group_concat(member_id || ':' || choice) FROM"
            " (SELECT member_id, choice FROM party_rsvps ORDER BY member_id)"
        ).fetchone()
        return str(row[0])

    def next_commit(self) -> Callable[[], bool]:
        before = self._answers()
        return lambda: self._answers() != before


async def test_every_confirmed_rsvp_survives_sigkill(
    sandbox: Sandbox, world: World, tmp_path: Path
) -> None:
    seed = int(os.environ.get(SEED_VARIABLE) or random.randrange(2**32))
    print(f"crash test seed: {seed} (replay with {SEED_VARIABLE}={seed})")
    rng = random.Random(seed)
    guild = world.guild("K-Drama Club")
    members = [guild.add_member(f"fan{n:02d}") for n in range(MEMBERS)]
    mina, general = guild.member("mina"), guild.channel("general")
    database = tmp_path / "club.sqlite3"
    crowd = Crowd(sandbox, members, rng)
    runs: list[BotProcess] = []
    found: list[str] = []
    commits: Commits | None = None
    try:
        first = await BotProcess.launch(sandbox, database, tmp_path / "rsvp-run-0.log")
        runs.append(first)
        await first.wait_up(partial(first.connected, sandbox), within=START_TIMEOUT)
        zone = await sandbox.slash(
            "timezone", member=mina, channel=general, options={"zone": "Asia/Seoul"}
        )
        assert "Your timezone is now" in zone.embeds[0]["description"], zone.content
        preview = await sandbox.slash(
            "watchparty schedule",
            member=mina,
            channel=general,
            options={"title": "Crash Landing on You", "when": "tomorrow 21:00"},
        )
        assert preview.message is not None, preview.content
        confirm = preview.message.custom_ids()[0]
        await sandbox.click(member=mina, message=preview.message, custom_id=confirm)
        posted = await first.wait_until(
            lambda: any(m.embeds and m.components for m in sandbox.messages(general)), within=10
        )
        assert posted, f"the announcement was never posted:\n{first.log()}"
        announcement = next(m for m in sandbox.messages(general) if m.components)
        crowd.announcement = announcement
        crowd.party = int(announcement.custom_ids()[0].split(":")[1])
        commits = Commits(database)
        crowd.start()

        bot = first
        for number, target in enumerate(KILL_TARGETS):
            crowd.run = number
            crowd.enabled = True
            await asyncio.sleep(rng.uniform(*RUN_BEFORE_KILL))
            if target == "commit":
                hit = await bot.wait_until(commits.next_commit(), within=TARGET_WAIT, every=0)
            else:
                hit = await bot.wait_until(
                    partial(replied_since, sandbox, len(sandbox.requests)),
                    within=TARGET_WAIT,
                    every=0,
                )
            bot.kill_note = f"at the next {target}" + ("" if hit else ": none came")
            await bot.kill()
            crowd.enabled = False
            # What the kill left on disk is final: a click still in flight counts as
            # unanswered, since only the dead process could have answered it.
            for problem in problems(crowd.clicks, members, stored_answers(database)):
                found.append(f"after kill {number} ({bot.kill_note}): {problem}")
            bot = await BotProcess.launch(
                sandbox, database, tmp_path / f"rsvp-run-{number + 1}.log"
            )
            runs.append(bot)
            await bot.wait_up(partial(bot.connected, sandbox), within=START_TIMEOUT)
        crowd.run = len(KILL_TARGETS)
        await crowd.stop()

        # The restarted bot takes an answer from every member, all at once.
        final = await asyncio.gather(*(crowd.click(m, rng.choice(CHOICES)) for m in members))
        unanswered = [(c.member.username, c.failure) for c in final if not c.acknowledged]
        assert not unanswered, f"seed {seed}: not answered after the restart: {unanswered}"
        stored = stored_answers(database)
        assert stored == {c.member.id: c.choice for c in final}

        def counts_shown() -> bool:
            shown = {f["name"]: f["value"] for f in announcement.embeds[0].get("fields", [])}
            line = shown.get("RSVP", "")
            return all(
                (f" {sum(1 for v in stored.values() if v == choice)} {label}" in line)
                or not any(v == choice for v in stored.values())
                for choice, label in COUNTS.items()
            )

        shown_in_time = await bot.wait_until(counts_shown, within=15)
        exit_code = await bot.terminate(within=30)
    finally:
        if commits is not None:
            commits.close()
        await crowd.stop()
        for run in runs:
            await run.ensure_dead()

    logs = "\n".join(f"--- {run.log_path.name}\n{run.log()[-2000:]}" for run in runs)
    answered = sum(1 for c in crowd.clicks if c.acknowledged)
    lost = sum(1 for c in crowd.clicks if not c.acknowledged)
    print(
        f"rsvp crash test: {len(crowd.clicks)} clicks, {answered} answered, {lost} without a"
        f" reply; kills: {', '.join(r.kill_note for r in runs[:-1])}"
    )
    assert not found, f"seed {seed}:\n" + "\n".join(found) + f"\n{logs}"
    assert shown_in_time, f"seed {seed}: the announcement's counts never matched\n{logs}"
    assert exit_code == 0, f"seed {seed}: the final run exited with {exit_code}\n{logs}"
    # A kill that caught no click between its commit and its reply would prove little.
    assert lost > 0, f"seed {seed}: no kill caught an answer in flight"
