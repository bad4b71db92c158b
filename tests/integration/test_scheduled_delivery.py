"""Timers to Discord through the real bot: what members see when scheduled messages fire."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from bot.client import WatchClubBot
from bot.outbox.message import OutgoingMessage, ToChannel, ToMember
from bot.outbox.repository import OutboxRepository
from bot.scheduled_messages import scheduled_message
from sandbox import Sandbox, World
from tests.support.waiting import eventually


async def schedule(bot: WatchClubBot, message: OutgoingMessage, key: str, *, in_seconds: float = 0):
    due = datetime.now(UTC) + timedelta(seconds=in_seconds)
    await bot.services.timers.schedule_many([scheduled_message(message, due_at=due, key=key)])


async def test_a_scheduled_message_is_posted_once_and_pings_only_who_it_names(
    bot: WatchClubBot, sandbox: Sandbox, world: World
):
    guild = world.guild("K-Drama Club")
    general = guild.channel("general")
    jun = guild.member("jun")
    await schedule(
        bot,
        OutgoingMessage(
            ToChannel(int(general.id)),
            f"<@{jun.id}> Twinkling Watermelon starts now @everyone",
            mention_user_ids=(int(jun.id),),
        ),
        key="test:1",
    )
    await eventually(lambda: sandbox.messages(general))
    [message] = sandbox.messages(general)
    assert message.content.startswith(f"<@{jun.id}> Twinkling Watermelon starts now")
    assert message.mentions == [jun.id]
    assert message.mention_everyone is False
    [request] = [r for r in sandbox.requests if r.path.endswith(f"/channels/{general.id}/messages")]
    assert request.json is not None
    assert request.json["nonce"].startswith("wc")
    assert request.json["enforce_nonce"] is True


async def test_a_dm_to_a_member_with_closed_dms_lands_in_the_channel_mentioning_them(
    bot: WatchClubBot, resources, sandbox: Sandbox, world: World
):
    guild = world.guild("K-Drama Club")
    parties = guild.channel("watch-parties")
    sora = guild.member("sora")
    sandbox.close_dms(sora)
    await schedule(
        bot,
        OutgoingMessage(ToMember(int(sora.id), int(parties.id)), "Your party starts in 1h"),
        key="test:dm",
    )
    await eventually(lambda: sandbox.messages(parties))
    [message] = sandbox.messages(parties)
    assert message.content == (
        f"<@{sora.id}> your DMs are closed, so here it is:\nYour party starts in 1h"
    )
    assert message.mentions == [sora.id]
    assert sandbox.dms(sora) == []
    # Discord answered before the bot recorded it: wait for the record, not a fixed time.
    outbox = OutboxRepository(resources.db)
    for _ in range(500):
        if (await outbox.counts()).pending == 0:
            break
        await asyncio.sleep(0.01)
    assert (await outbox.counts()).fell_back == 1


async def test_an_open_dm_arrives_as_a_dm(bot: WatchClubBot, sandbox: Sandbox, world: World):
    guild = world.guild("K-Drama Club")
    mina = guild.member("mina")
    await schedule(
        bot,
        OutgoingMessage(ToMember(int(mina.id), int(guild.channel("general").id)), "Hello"),
        key="test:dm-open",
    )
    await eventually(lambda: sandbox.dms(mina))
    assert [m.content for m in sandbox.dms(mina)] == ["Hello"]
    assert sandbox.messages(guild.channel("general")) == []


async def test_a_429_is_waited_out_and_the_message_still_goes_out_once(
    bot: WatchClubBot, sandbox: Sandbox, world: World
):
    general = world.guild("K-Drama Club").channel("general")
    sandbox.fail_next("POST", "/channels/{channel_id}/messages", 429, retry_after=0.3)
    await schedule(bot, OutgoingMessage(ToChannel(int(general.id)), "after the wait"), "test:429")
    await eventually(lambda: sandbox.messages(general))
    await asyncio.sleep(0.3)
    assert [m.content for m in sandbox.messages(general)] == ["after the wait"]
    statuses = [r.status for r in sandbox.requests if r.route == "/channels/{channel_id}/messages"]
    assert statuses == [429, 200]


async def test_reminders_due_in_the_same_minute_for_one_channel_read_as_one_message(
    bot: WatchClubBot, resources, sandbox: Sandbox, world: World
):
    general = world.guild("K-Drama Club").channel("general")
    due = resources.clock.now() + timedelta(seconds=1)
    await bot.services.timers.schedule_many(
        [
            scheduled_message(
                OutgoingMessage(
                    ToChannel(int(general.id)), f"{title} starts in 15 min", mergeable=True
                ),
                due_at=due,
                key=f"test:merge:{n}",
            )
            for n, title in enumerate(("Reply 1988", "Frieren", "Moving"))
        ]
    )
    await eventually(lambda: sandbox.messages(general))
    await asyncio.sleep(0.2)
    assert [m.content for m in sandbox.messages(general)] == [
        "Reply 1988 starts in 15 min\nFrieren starts in 15 min\nMoving starts in 15 min"
    ]


async def test_a_message_discord_refuses_is_recorded_as_failed_with_the_reason(
    bot: WatchClubBot, resources, sandbox: Sandbox, world: World
):
    general = world.guild("K-Drama Club").channel("general")
    sandbox.fail_next("POST", "/channels/{channel_id}/messages", 403, code=50013)
    await schedule(bot, OutgoingMessage(ToChannel(int(general.id)), "no permission"), "test:403")
    outbox = OutboxRepository(resources.db)
    for _ in range(500):
        if await outbox.failed(limit=1):
            break
        await asyncio.sleep(0.02)
    [failure] = await outbox.failed(limit=1)
    assert failure.destination == f"channel {general.id}"
    assert failure.last_error is not None
    assert failure.last_error.startswith("rejected: 403 (code 50013)")
    assert sandbox.messages(general) == []
