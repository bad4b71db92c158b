"""Crash recovery end to end (issue 4, §3; issue 8, §3): the real `watchclub run`, SIGKILLed
again and again while a few hundred timers fire and their messages go out, still delivers
every message exactly once, and every watch-party reminder once per way, pinging exactly the
Going members who take pings; a tally board edited every second while the kills land ends at its
latest version, and no version is ever applied after a higher one. Judged from what users see
in the sandbox, then from the database.

Votes (issue 11): SIGKILLed while members click poll buttons in bursts, the bot never loses a
vote it acknowledged, never counts one twice, and after the restart still takes votes and
closes each poll at its deadline with one results post.

The kill schedule comes from a seeded RNG printed at the start; CRASH_TEST_SEED=<seed> replays
the same plan and kill delays (process timing still varies, so a replay is close, not exact).
"""

from __future__ import annotations

import asyncio
import os
import random
import time
from collections.abc import Callable
from dataclasses import replace
from functools import partial
from pathlib import Path

import pytest

from bot.polls.anonymity import VoterKey
from bot.polls.models import OptionSpec, PollKind, PollSpec, ResultsVisibility, TitleCard
from bot.polls.service import close_key
from sandbox import Sandbox, StoredMessage, World
from tests.integration.crash_harness import (
    INTERACTION_CALLBACK,
    MARKER,
    PARTY_MARKER,
    TALLY_KEY,
    BotProcess,
    KillTriggers,
    Mix,
    PlannedMessage,
    Resend,
    VoteCommits,
    VoteCrowd,
    VotePoll,
    accepted_callbacks,
    applied_tally_versions,
    committed_unanswered,
    deliveries,
    describe_sends,
    message_sends,
    open_vote_polls,
    party_reminder_problems,
    party_reminders_heard,
    plan_messages,
    plan_tally,
    poll_posts,
    polls_on_disk,
    resends,
    results_posts,
    results_shown,
    seed_party_reminders,
    seed_timers,
    stored_state,
    tally_shown,
    tally_version,
    vote_problems,
    vote_trails,
    voter_names,
)
from tests.support.settings import sandbox_settings

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


# -- votes (issue 11) ----------------------------------------------------------------------------

VOTERS = 40
# Both polls close this long after they open. The kills go on while one more cycle, as long as
# the longest so far, still ends VOTE_RESERVE seconds ahead of the deadline: time for the last
# start, for the clicks the last process never answered to run out (CLICK_TIMEOUT), and for a
# round of votes after them.
VOTE_CLOSE_AFTER = 26
VOTE_RESERVE = 7.0
MIN_VOTE_KILLS = 4
# Each kill comes a random time after the process is up, then: the moment a group of votes
# commits, before the sandbox takes any of its replies; at the next reply the sandbox takes
# (the rest of the group's replies, and the next group, still under way); a moment after the
# next burst of clicks is sent (while the bot reads or writes it); or at once.
VOTE_KILL_TARGETS = ("commit", "reply", "burst", "anywhere")
VOTE_RUN_BEFORE_KILL = (0.3, 1.5)
BURST_GAP = 0.15
BURST_SIZE = (4, 24)
RESULTS_TIMEOUT = 20.0
SLOW_BURN_CARD = TitleCard(
    "catalog:crash-landing-on-you", "Crash Landing on You", "kdrama", 0.81, 0.1
)
FANTASY_CARD = TitleCard("anilist:154587", "Frieren", "anime", 0.2, 0.91)


async def test_every_acknowledged_vote_survives_crashes(
    sandbox: Sandbox, world: World, tmp_path: Path
) -> None:
    """Members click the vote buttons of two polls in bursts while `watchclub run` is
    SIGKILLed again and again: an open multiple-choice poll, whose ballots name the member,
    and an anonymous versus poll, whose ballots are keyed hashes. After every kill, each
    stored ballot is one that the member's clicks can have left (each answered click applied,
    as its reply said; an unanswered one applied or not), no ballot is nobody's, and the
    running counts and turnout equal the ballots. Then the restarted bot takes a vote from
    every member in each poll, stores each as answered, and closes both polls at their
    deadline: one results post each, showing the recount."""
    seed = int(os.environ.get(SEED_VARIABLE) or random.randrange(2**32))
    print(f"crash test seed: {seed} (replay with {SEED_VARIABLE}={seed})")
    rng = random.Random(seed)
    guild = world.guild("K-Drama Club")
    members = [guild.add_member(f"voter{n:02d}") for n in range(VOTERS)]
    database = tmp_path / "club.sqlite3"
    key_path = sandbox_settings(sandbox, database).voter_key_path
    creator = int(guild.member("mina").id)
    closes_at = int(time.time()) + VOTE_CLOSE_AFTER
    general, parties_channel = guild.channel("general"), guild.channel("watch-parties")
    opened = await open_vote_polls(
        database,
        key_path,
        [
            PollSpec(
                guild_id=int(guild.id),
                channel_id=int(general.id),
                creator_id=creator,
                question="What do we watch this weekend?",
                kind=PollKind.MULTI,
                options=tuple(
                    OptionSpec(label)
                    for label in ("Crash Landing on You", "Frieren", "Goblin", "Toradora")
                ),
                closes_at=closes_at,
                anonymous=False,
                results=ResultsVisibility.LIVE,
                max_choices=4,
            ),
            PollSpec(
                guild_id=int(guild.id),
                channel_id=int(parties_channel.id),
                creator_id=creator,
                question="Slow-burn or fantasy tonight?",
                kind=PollKind.VERSUS,
                options=(
                    OptionSpec("Crash Landing on You", SLOW_BURN_CARD),
                    OptionSpec("Frieren", FANTASY_CARD),
                ),
                closes_at=closes_at,
                anonymous=True,
                results=ResultsVisibility.AT_CLOSE,
            ),
        ],
    )
    polls = [VotePoll(opened[0], general), VotePoll(opened[1], parties_channel)]
    poll_ids = [poll.id for poll in polls]
    key = VoterKey.load_or_create(key_path)  # the test holds the key, as the bot does
    crowd = VoteCrowd(sandbox, members, polls, rng, gap=BURST_GAP, burst=BURST_SIZE)
    commits = VoteCommits(database)

    def kill_moment(target: str) -> Callable[[], bool]:
        if target == "commit":
            return commits.next_commit()
        start, bursts = len(sandbox.requests), crowd.bursts
        if target == "reply":
            return lambda: any(r.route == INTERACTION_CALLBACK for r in sandbox.requests[start:])
        return lambda: crowd.bursts > bursts

    runs: list[BotProcess] = []
    problems: list[str] = []  # each told once, from the first kill after which it shows
    told_nobody: list[int] = []  # per kill: stored ballots whose click the kill left unanswered
    longest = 0.0
    try:
        number = 0
        while True:
            bot = await BotProcess.launch(sandbox, database, tmp_path / f"vote-run-{number}.log")
            runs.append(bot)
            crowd.run = number
            await bot.wait_up(partial(bot.connected, sandbox), within=START_TIMEOUT)
            if number == 0:
                posted = await bot.wait_until(
                    lambda: all(crowd.poll_message(p) for p in polls), within=10
                )
                assert posted, f"the poll messages were never posted:\n{bot.log()}"
                crowd.start()
            crowd.enabled = True
            await asyncio.sleep(rng.uniform(*VOTE_RUN_BEFORE_KILL))
            target = VOTE_KILL_TARGETS[number % len(VOTE_KILL_TARGETS)]
            if target == "anywhere":
                bot.kill_note = "anywhere"
            else:
                # Looked for at every turn of the event loop: the sandbox, on this loop too,
                # may take a reply between two looks, and no more.
                hit = await bot.wait_until(kill_moment(target), within=TARGET_WAIT, every=0)
                if hit and target == "burst":
                    await asyncio.sleep(rng.uniform(0.0, 0.03))
                bot.kill_note = f"at the next {target}" + ("" if hit else ": none came")
            await bot.kill()
            crowd.enabled = False
            # What this kill left on disk, before a restart touches it. A click still in
            # flight counts as unanswered: only the dead process could have answered it.
            trails = vote_trails(crowd.clicks)
            on_disk = polls_on_disk(database, poll_ids)
            for problem in vote_problems(polls, members, trails, on_disk, key):
                if not any(p.endswith(f": {problem}") for p in problems):
                    problems.append(f"after kill {number}: {problem}")
            told_nobody.append(
                committed_unanswered(polls, members, trails, on_disk, key, run=number)
            )
            number += 1
            longest = max(longest, time.time() - bot.launched_at)
            if time.time() + longest > closes_at - VOTE_RESERVE:
                break
        assert number >= MIN_VOTE_KILLS, (
            f"only {number} kills fit before the deadline; this machine is too slow for"
            f" VOTE_CLOSE_AFTER={VOTE_CLOSE_AFTER}"
        )
        crash_clicks = list(crowd.clicks)

        final = await BotProcess.launch(sandbox, database, tmp_path / "vote-run-final.log")
        runs.append(final)
        crowd.run = number
        # Meanwhile the clicks the last process never answered run out: they were sent to
        # its session, which the new one replaces, so nothing can answer them now.
        await asyncio.gather(
            crowd.stop(), final.wait_up(partial(final.connected, sandbox), within=START_TIMEOUT)
        )
        # The restarted bot takes a vote from every member in each poll, all at once.
        wave = [crowd.send(m, p, rng.randrange(p.options)) for p in polls for m in members]
        final_clicks = [await task for task in wave]
        wave_done_at = time.time()
        trails = vote_trails(crowd.clicks)
        after_wave = polls_on_disk(database, poll_ids)

        def both_closed() -> bool:
            return all(
                results_posts(sandbox, p) and not poll_posts(sandbox, p)[0].components
                for p in polls
            )

        within = closes_at - time.time() + RESULTS_TIMEOUT
        await final.wait_until(both_closed, within=within)
        await sandbox.settle(quiet=0.5, timeout=10)
        exit_code = await final.terminate(within=30)
    finally:
        commits.close()
        await crowd.stop()
        for run in runs:
            await run.ensure_dead()

    closed = polls_on_disk(database, poll_ids)
    _print_vote_runs(runs, crowd, told_nobody)
    logs = "\n".join(f"--- {run.log_path.name}\n{run.log()[-3000:]}" for run in runs)

    # 1. After each kill: every acknowledged vote stored, none counted twice.
    assert not problems, f"seed {seed}:\n" + "\n".join(problems) + f"\n{logs}"
    # Every reply the sandbox accepted came back to its click: none was left out above.
    answered = [c for c in crowd.clicks if c.acknowledged]
    assert len(accepted_callbacks(sandbox.requests)) == len(answered)

    # 2. After the restart: every member's vote taken, answered, and stored as answered.
    unanswered = [(c.member.username, c.poll.id, c.failure) for c in final_clicks if not c.answer]
    assert not unanswered, f"seed {seed}: votes after the restart not answered: {unanswered}"
    assert wave_done_at < closes_at, "the votes after the restart came after the deadline"
    problems = vote_problems(polls, members, trails, after_wave, key)
    assert not problems, f"seed {seed}: after the restart:\n" + "\n".join(problems) + f"\n{logs}"
    for poll in polls:
        names = voter_names(poll, members, key)
        stored = {names[v]: b for v, b in after_wave[poll.id].ballots.items()}
        told = {m.id: trails[(poll.id, m.id)].acknowledged for m in members}
        assert stored == {m: b for m, b in told.items() if b is not None}

    # 3. The close, at the deadline, once: one results post with the recount of the ballots.
    assert exit_code == 0, f"seed {seed}: the final run exited with {exit_code}\n{logs}"
    assert "Stopped cleanly" in final.log(), final.log()
    for poll in polls:
        disk = closed[poll.id]
        assert disk.ballots == after_wave[poll.id].ballots  # nothing changed after the wave
        assert (disk.closed_at, disk.closed_by) == (closes_at, None)
        assert disk.close_timers == {close_key(poll.id): "done"}
        assert disk.turnout == len(disk.ballots)
        assert disk.votes == disk.recount(poll.options)
        [results] = results_posts(sandbox, poll)
        assert results_shown(results, poll) == (disk.turnout, disk.votes), results.embeds
        assert [a["filename"] for a in results.attachments] == ["results.png"]
        # The poll's own message: posted once, its buttons gone, showing the final count.
        [message] = poll_posts(sandbox, poll)
        assert not message.components
        assert tally_shown(message, poll) == disk.votes, message.content
    anonymous = closed[polls[1].id]
    assert not {m.id for m in members} & set(anonymous.ballots), "a member id is stored"

    # Last, so a real failure above is never hidden by this: kills that never caught a vote
    # between its click and its reply would have proved little.
    assert any(not c.acknowledged for c in crash_clicks), f"seed {seed}: no kill caught a vote"


def _print_vote_runs(runs: list[BotProcess], crowd: VoteCrowd, told_nobody: list[int]) -> None:
    """Where each kill landed: shown with -s, and in the report when the test fails."""
    for number, run in enumerate(runs):
        clicks = [c for c in crowd.clicks if c.run == number]
        answered = sum(1 for c in clicks if c.acknowledged)
        end = run.ended_at or time.time()
        up_at = run.up_at or end
        if number < len(told_nobody):
            ending = (
                f"killed ({run.kill_note}) {end - up_at:.2f} s later, leaving"
                f" {told_nobody[number]} stored ballots whose click got no reply"
            )
        else:
            ending = f"stopped {end - up_at:.2f} s later"
        print(
            f"vote run {number}: up {up_at - run.launched_at:.2f} s after launch, {ending};"
            f" {len(clicks)} clicks sent, {answered} answered"
        )
    answered = sum(1 for c in crowd.clicks if c.acknowledged)
    print(f"votes: {len(crowd.clicks)} clicks in {crowd.bursts} bursts, {answered} answered")
