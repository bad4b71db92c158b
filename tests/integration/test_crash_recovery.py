"""Crash recovery end to end (issue 4, §3; issue 8, §3): the real `watchclub run`, SIGKILLed
again and again while a few hundred timers fire and their messages go out, still delivers
every message exactly once, and every watch-party reminder once per way, pinging exactly the
Going members who take pings; a tally board edited every second while the kills land ends at its
latest version, and no version is ever applied after a higher one. Judged from what users see
in the sandbox, then from the database.

The kill schedule comes from a seeded RNG printed at the start; CRASH_TEST_SEED=<seed> replays
the same plan and kill delays (process timing still varies, so a replay is close, not exact).
"""

from __future__ import annotations

import asyncio
import os
import random
import time
from dataclasses import replace
from functools import partial
from pathlib import Path

import pytest

from sandbox import Sandbox, StoredMessage, World
from tests.integration.crash_harness import (
    MARKER,
    PARTY_MARKER,
    TALLY_KEY,
    BotProcess,
    KillTriggers,
    Mix,
    PlannedMessage,
    Resend,
    applied_tally_versions,
    deliveries,
    describe_sends,
    message_sends,
    party_reminder_problems,
    party_reminders_heard,
    plan_messages,
    plan_tally,
    resends,
    seed_party_reminders,
    seed_timers,
    stored_state,
    tally_version,
)

pytestmark = pytest.mark.slow

SEED_VARIABLE = "CRASH_TEST_SEED"
MIX = Mix(merged=130, single=80, dm=50, closed_dm=40)
# A kill cycle (start, run, kill) takes about 2.5 s, so eight of them take about 20 s. The first
# wave falls due just after the first start and the last near the end of the kill period, so
# kills keep landing while timers are claimed and messages sent (and a "claim" kill, which
# waits up to TARGET_WAIT for the next wave, finds one).
FIRST_WAVE_AFTER = 2
WAVES = 10
WAVE_GAP = 2
# Watch parties whose reminders fall due with the waves, a third each at 60, 15 and 0 minutes
# before their start, each answered by a random mix of the three members.
PARTY_REMINDERS = 12
# The tally board is posted as the first wave falls due and edited every second after it.
TALLY_EDITS = 18
# Each kill comes a random 0.2-2.5 s after the process is up; then, for "send" and "claim",
# at the next such moment (see KillTriggers), or after TARGET_WAIT if none comes.
KILL_TARGETS = ("claim", "send", "edit", "anywhere", "claim", "send", "edit", "anywhere")
RUN_BEFORE_KILL = (0.2, 2.5)
TARGET_WAIT = 2.0
START_TIMEOUT = 30.0
DELIVERY_TIMEOUT = 60.0


async def test_every_timer_is_delivered_exactly_once_across_crashes(
    sandbox: Sandbox, world: World, tmp_path: Path
) -> None:
    seed = int(os.environ.get(SEED_VARIABLE) or random.randrange(2**32))
    print(f"crash test seed: {seed} (replay with {SEED_VARIABLE}={seed})")
    rng = random.Random(seed)
    guild = world.guild("K-Drama Club")
    members = [guild.member(name) for name in ("mina", "jun", "sora")]
    mina, jun, sora = members
    sandbox.close_dms(sora)
    database = tmp_path / "club.sqlite3"

    now = int(time.time())
    planned = plan_messages(
        sandbox,
        guild,
        rng,
        mix=MIX,
        open_dm_members=[mina, jun],
        closed_dm_member=sora,
        due_times=[now + FIRST_WAVE_AFTER + WAVE_GAP * wave for wave in range(WAVES)],
    )
    general = guild.channel("general")
    tally_timers = plan_tally(
        int(general.id),
        posted_at=now + FIRST_WAVE_AFTER,
        edit_times=[now + FIRST_WAVE_AFTER + 1 + n for n in range(TALLY_EDITS)],
    )
    await seed_timers(database, planned, now=now, extra=tally_timers)
    parties = await seed_party_reminders(
        database,
        guild,
        rng,
        count=PARTY_REMINDERS,
        pinged=jun,
        dm_open=mina,
        dm_closed=sora,
        due_times=[now + FIRST_WAVE_AFTER + WAVE_GAP * wave for wave in range(WAVES)],
        now=now,
    )

    def tally_now() -> int | None:
        boards = [m for m in sandbox.messages(general) if tally_version(m.content) is not None]
        return tally_version(boards[0].content) if len(boards) == 1 else None

    def all_delivered() -> bool:
        found = deliveries(sandbox, guild, members)
        reminders = party_reminders_heard(sandbox, guild, members)
        return (
            all(p.marker in found for p in planned)
            and tally_now() == TALLY_EDITS
            and all(
                len(reminders.get(r.marker, [])) >= 1 + len(r.dm) + len(r.fallback) for r in parties
            )
        )

    runs: list[BotProcess] = []
    triggers = KillTriggers(sandbox, database)
    try:
        for number, target in enumerate(KILL_TARGETS):
            bot = await BotProcess.launch(sandbox, database, tmp_path / f"run-{number}.log")
            runs.append(bot)
            # The first start syncs commands; later ones skip that (the hash is stored), and
            # their first sign of life is the REST login that timers start right after.
            up = (
                (lambda: sandbox.sync_count >= 1)
                if number == 0
                else partial(bot.logged_in, sandbox)
            )
            await bot.wait_up(up, within=START_TIMEOUT)
            await asyncio.sleep(rng.uniform(*RUN_BEFORE_KILL))
            if target == "anywhere":
                bot.kill_note = "anywhere"
            else:
                moment = {
                    "send": triggers.next_send,
                    "edit": triggers.next_edit,
                }.get(target, lambda: triggers.claimed)()
                hit = await bot.wait_until(moment, within=TARGET_WAIT, every=0.001)
                bot.kill_note = f"at the next {target}" + ("" if hit else ": none came")
            await bot.kill()
        final = await BotProcess.launch(sandbox, database, tmp_path / "run-final.log")
        runs.append(final)
        await final.wait_up(partial(final.logged_in, sandbox), within=START_TIMEOUT)
        # Whether everything arrived is judged below, with a report of what is missing.
        await final.wait_until(all_delivered, within=DELIVERY_TIMEOUT)
        # Resends of already-posted batches change nothing users see, so let them finish
        # before asking the bot to stop: the database check below expects every row sent.
        await sandbox.settle(quiet=0.5, timeout=10)
        exit_code = await final.terminate(within=30)
    finally:
        triggers.close()
        for run in runs:
            await run.ensure_dead()

    requests = sandbox.requests
    repeated = resends(requests)
    found = deliveries(sandbox, guild, members)
    _print_runs(sandbox, runs, repeated, found)
    logs = "\n".join(f"--- {run.log_path.name}\n{run.log()[-3000:]}" for run in runs)

    duplicated = sorted(m for m, messages in found.items() if len(messages) > 1)
    lost = [p.marker for p in planned if p.marker not in found]
    assert not duplicated, (
        f"seed {seed}: delivered more than once: {duplicated}\n"
        f"sends carrying them:\n{describe_sends(requests, duplicated)}\n{logs}"
    )
    assert not lost, (
        f"seed {seed}: never delivered: {lost}\n"
        f"sends carrying them:\n{describe_sends(requests, lost)}\n{logs}"
    )
    assert found.keys() == {p.marker for p in planned}  # nothing unplanned slipped in
    problems = party_reminder_problems(parties, party_reminders_heard(sandbox, guild, members))
    assert not problems, f"seed {seed}: party reminders:\n" + "\n".join(problems) + f"\n{logs}"
    for p in planned:
        _assert_shown_where_expected(p, found[p.marker][0], seed)
    # Every resend reached the message it was meant to repeat, not a new one.
    assert all(r.message_id == r.first_message_id for r in repeated), repeated

    assert exit_code == 0, f"seed {seed}: the final run exited with {exit_code}\n{logs}"
    assert "Stopped cleanly" in final.log(), final.log()

    # The tally board: posted once, showing its last version, every version applied in order.
    boards = [m for m in sandbox.messages(general) if tally_version(m.content) is not None]
    assert len(boards) == 1, [m.content for m in boards]
    assert tally_version(boards[0].content) == TALLY_EDITS
    applied = applied_tally_versions(requests)
    assert applied == sorted(applied), f"seed {seed}: an edit landed after a newer one: {applied}"
    print(f"tally board: {TALLY_EDITS} edits queued; versions Discord applied, in order: {applied}")

    stored = await stored_state(database)
    party_rows = [row for row in stored.outbox if PARTY_MARKER.search(row["content"])]
    assert len(party_rows) == sum(1 + len(r.dm) + len(r.fallback) for r in parties)
    assert {row["state"] for row in party_rows} == {"sent"}
    party_fallbacks = [row for row in party_rows if row["outcome"] == "dm_fallback"]
    assert len(party_fallbacks) == sum(len(r.fallback) for r in parties)
    party_ids = {row["id"] for row in party_rows}
    stored = replace(stored, outbox=[row for row in stored.outbox if row["id"] not in party_ids])
    assert stored.timers == {p.key: "done" for p in planned}
    assert set(stored.tally_timers.values()) == {"done"}
    assert len(stored.tally_timers) == TALLY_EDITS + 1
    sends = [row for row in stored.outbox if row["action"] == "send"]
    edits = [row for row in stored.outbox if row["action"] == "edit"]
    assert len(sends) == len(planned) + 1  # one row per timer: queued exactly once
    assert len(edits) == TALLY_EDITS
    unsent = [dict(row) for row in sends if row["state"] != "sent"]
    assert not unsent, unsent
    [board_row] = [row for row in sends if row["message_key"] == TALLY_KEY]
    assert board_row["state"] == "sent"
    outcomes = {(row["state"], row["outcome"]) for row in edits}
    assert outcomes <= {("sent", "edited"), ("skipped", "superseded")}, outcomes
    fell_back = [row for row in stored.outbox if row["outcome"] == "dm_fallback"]
    assert len(fell_back) == MIX.closed_dm
    assert {row["member_id"] for row in fell_back} == {int(sora.id)}

    # Last, so a real failure above is never hidden by this: if no kill left a run to recover
    # or a send to repeat, the kills missed every crash window and the pass would mean little.
    recovered = sum(run.recovered_timers() for run in runs)
    assert repeated or recovered, f"seed {seed}: no kill landed in a crash window"


def _assert_shown_where_expected(
    planned: PlannedMessage, message: StoredMessage, seed: int
) -> None:
    assert message.channel_id == planned.shows_in, (
        f"seed {seed}: {planned.marker} ({planned.kind}) is in channel {message.channel_id}, "
        f"expected {planned.shows_in}"
    )
    if planned.pings is not None:
        # The closed-DM fallback: in the channel, addressed to the member, who is pinged.
        assert message.content.startswith(f"<@{planned.pings}>"), message.content
        assert message.mentions == [planned.pings], message.mentions


def _print_runs(
    sandbox: Sandbox,
    runs: list[BotProcess],
    repeated: list[Resend],
    found: dict[str, list[StoredMessage]],
) -> None:
    """Where each kill landed: shown with -s, and in the report when the test fails."""
    for number, run in enumerate(runs):
        sends = message_sends(run.requests(sandbox))
        end = run.ended_at or time.time()
        run_resends = sum(1 for r in repeated if run.launched_at <= r.request.at <= end)
        up_at = run.up_at or end
        ending = "stopped" if number == len(runs) - 1 else f"killed ({run.kill_note})"
        print(
            f"run {number}: up {up_at - run.launched_at:.2f} s after launch, {ending}"
            f" {end - up_at:.2f} s later"
            f"; {len(sends)} sends, {run_resends} answered by nonce with an existing"
            f" message; recovered {run.recovered_timers()} timers the last kill left running"
        )
    messages = {id(m): m for ms in found.values() for m in ms}.values()
    joined = sum(1 for m in messages if len(MARKER.findall(m.content)) > 1)
    fallbacks = sum(1 for r in repeated if str(r.request.json["nonce"]).endswith("f"))
    print(
        f"total: {len(repeated)} nonce-deduplicated resends ({fallbacks} of closed-DM"
        " fallbacks), "
        f"{sum(run.recovered_timers() for run in runs)} recovered timers, "
        f"{len(messages)} messages for the markers ({joined} joining several)"
    )
