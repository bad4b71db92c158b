"""The fault matrix (issue 13, §3) for watch parties, on a clock the tests move: the party's
announcement deleted by a moderator, and the bot's Send Messages permission revoked while a
reminder falls due. The RSVPs members gave are kept, every reminder that can be delivered is
delivered once, one that cannot is recorded with Discord's reason (the operator's
`watchclub timers` report shows it), and once the permission is back the next one goes out
with nobody stepping in."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest

from bot.client import WatchClubBot
from bot.config import Settings
from bot.resources import Resources, open_resources
from bot.timers.report import timer_report
from sandbox import SEND_MESSAGES, Sandbox, World
from sandbox.payloads import role_payload
from tests.integration.test_parties import (
    FRI_8PM,
    NOW,
    SAT_9PM,
    TITLE,
    answer,
    at,
    custom_ids,
    delivered,
    edits_settled,
    party_of,
    posts_since,
    scheduled,
    set_zone,
)
from tests.support.clock import PacedClock


@pytest.fixture
def clock() -> PacedClock:
    return PacedClock(NOW)


@pytest.fixture
async def resources(settings: Settings, clock: PacedClock) -> AsyncIterator[Resources]:
    async with open_resources(settings, clock=clock) as opened:
        yield opened


@pytest.fixture
def world() -> World:
    world = World.default()
    club = world.guild("K-Drama Club")
    club.add_voice_channel("Theater")
    club.add_member("hana", global_name="Hana")
    return world


@pytest.fixture
def club(world: World) -> Any:
    return world.guild("K-Drama Club")


async def rsvps(resources: Resources) -> dict[int, str]:
    rows = await resources.db.fetchall("SELECT member_id, choice FROM party_rsvps")
    return {int(row["member_id"]): row["choice"] for row in rows}


async def test_a_deleted_announcement_keeps_the_rsvps_and_the_reminders_still_come(
    bot: WatchClubBot, resources: Resources, sandbox: Sandbox, club: Any, clock: PacedClock
):
    mina, general = club.member("mina"), club.channel("general")
    jun, sora = club.member("jun"), club.member("sora")
    await set_zone(sandbox, mina, general, "Asia/Seoul")
    announcement = await scheduled(bot, resources, sandbox, club)
    party = party_of(announcement)
    for member in (jun, sora):
        going = await answer(sandbox, announcement, member, "going")
        assert going.content.startswith(f"\u2705 You're **Going** to **{TITLE}**")
    await edits_settled(bot, resources, clock)
    announcement.deleted = True  # a moderator deletes the announcement
    seen = len(posts_since(sandbox, general, 0))

    # The host moves the party: the edit of the gone announcement ends quietly, the going
    # members are still told, and the reminders move with it.
    preview = await sandbox.slash(
        "watchparty reschedule",
        member=mina,
        channel=general,
        options={"party": party, "when": "sat 9pm"},
    )
    assert preview.message is not None, preview.content
    [confirm, _] = custom_ids(preview.components)
    done = await sandbox.click(member=mina, message=preview.message, custom_id=confirm)
    assert done.embeds[0]["title"] == f"Watch party #{party} moved"
    await edits_settled(bot, resources, clock)
    [notice] = posts_since(sandbox, general, seen)
    assert sorted(notice.mentions) == sorted([jun.id, sora.id])
    assert await rsvps(resources) == {int(jun.id): "going", int(sora.id): "going"}
    gone = await resources.db.fetchall("SELECT state FROM outbox WHERE outcome = 'message_gone'")
    assert [row["state"] for row in gone] == ["skipped"]
    failed = await resources.db.fetchall("SELECT last_error FROM outbox WHERE state = 'failed'")
    assert [row["last_error"] for row in failed] == []

    seen += 1
    await at(bot, resources, clock, FRI_8PM)
    assert posts_since(sandbox, general, seen) == []  # nothing at the old time
    heard = []
    for due in (SAT_9PM - timedelta(minutes=60), SAT_9PM - timedelta(minutes=15), SAT_9PM):
        await at(bot, resources, clock, due)
        [reminder] = posts_since(sandbox, general, seen)
        seen += 1
        assert TITLE in reminder.content
        assert sorted(reminder.mentions) == sorted([jun.id, sora.id])
        heard.append(reminder.content)
    assert len(heard) == 3
    clock.advance(3 * 3600)
    await delivered(bot, resources)
    assert posts_since(sandbox, general, seen) == []  # none twice


async def test_a_revoked_send_permission_fails_that_reminder_with_the_reason_and_the_next_comes(
    bot: WatchClubBot, resources: Resources, sandbox: Sandbox, club: Any, clock: PacedClock
):
    mina, general = club.member("mina"), club.channel("general")
    jun, sora = club.member("jun"), club.member("sora")
    await set_zone(sandbox, mina, general, "Asia/Seoul")
    announcement = await scheduled(bot, resources, sandbox, club)
    chose = await sandbox.slash(
        "watchparty remind dm", member=sora, channel=general, options={"dm": "on"}
    )
    assert "by DM" in chose.content
    for member in (jun, sora):
        await answer(sandbox, announcement, member, "going")
    await edits_settled(bot, resources, clock)
    seen = len(posts_since(sandbox, general, 0))

    # An admin takes Send Messages away from the bot just before the first reminder.
    held = [club.everyone_role, *club.bot_member.roles]
    changed = [role for role in held if role.permissions & SEND_MESSAGES]
    await sandbox.revoke_bot_permissions(club, SEND_MESSAGES)
    await at(bot, resources, clock, FRI_8PM - timedelta(minutes=60))
    assert posts_since(sandbox, general, seen) == []
    [dm] = sandbox.dms(sora)  # the member who chose DMs is reminded all the same
    assert "starts in 1h" in dm.content
    rows = await resources.db.fetchall(
        "SELECT state, last_error FROM outbox WHERE channel_id = ? AND action = 'send'"
        " AND content LIKE '%starts in 1h%'",
        (int(general.id),),
    )
    [(state, error)] = [(row["state"], row["last_error"]) for row in rows]
    assert state == "failed"
    assert error.startswith("rejected: 403 (code 50013)"), error
    tries = [
        r
        for r in sandbox.requests
        if r.path == f"/channels/{general.id}/messages" and r.status == 403
    ]
    assert len(tries) == 1  # refused once, not retried in a loop
    report = "\n".join(await timer_report(resources.db))
    assert "50013" in report, report

    # The permission comes back: the next reminder goes out, with nobody stepping in.
    for role in changed:
        role.permissions |= SEND_MESSAGES
        await sandbox.dispatch(
            "GUILD_ROLE_UPDATE", {"guild_id": club.id, "role": role_payload(role)}
        )
    await at(bot, resources, clock, FRI_8PM - timedelta(minutes=15))
    [reminder] = posts_since(sandbox, general, seen)
    assert "starts in 15m" in reminder.content
    assert reminder.mentions == [jun.id]
    assert len(sandbox.dms(sora)) == 2
