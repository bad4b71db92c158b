"""Edits, files and scheduled events through the real bot and the sandbox: what members see."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from bot.client import WatchClubBot
from bot.outbox.message import (
    Attachment,
    EventDetails,
    MessageEdit,
    MirrorEvent,
    OutgoingMessage,
    RemoveEvent,
    ToChannel,
)
from bot.outbox.repository import OutboxRepository
from bot.outbox.worker import MIRROR_OFF_AT_CAP, MIRROR_OFF_NO_PERMISSION
from bot.resources import Resources
from sandbox import CREATE_EVENTS, MANAGE_EVENTS, Sandbox, World
from tests.support.waiting import eventually

PNG_DAY_1 = b"\x89PNG\r\n\x1a\n" + b"day one" * 8
PNG_DAY_2 = b"\x89PNG\r\n\x1a\n" + b"day two" * 8


@pytest.fixture
def world() -> World:
    world = World.default()
    world.guild("K-Drama Club").add_voice_channel("Theater")
    return world


async def outcomes(resources: Resources) -> list[str | None]:
    rows = await resources.db.fetchall("SELECT outcome FROM outbox ORDER BY id")
    return [row["outcome"] for row in rows]


async def settled(resources: Resources, count: int) -> None:
    async def done() -> bool:
        return (await OutboxRepository(resources.db).counts()).pending == 0

    deadline = asyncio.get_running_loop().time() + 10
    while len(await outcomes(resources)) < count or not await done():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(await outcomes(resources))
        await asyncio.sleep(0.02)


async def mirror_turned_off(resources: Resources, guild_id: int) -> None:
    repository = OutboxRepository(resources.db)
    deadline = asyncio.get_running_loop().time() + 10
    while await repository.events.mirror_status(guild_id) is None:
        assert asyncio.get_running_loop().time() < deadline, "the mirror never turned off"
        await asyncio.sleep(0.02)


async def held(resources: Resources) -> list[str]:
    """Why each request still waiting is waiting."""
    rows = await resources.db.fetchall("SELECT last_error FROM outbox WHERE state = 'pending'")
    return [row["last_error"] for row in rows]


def session(start: datetime, name: str = "Frieren ep 5-6", **place: object) -> EventDetails:
    begins = int(start.timestamp())
    where = place or {"location": "https://example.org/watch"}
    return EventDetails(name, begins, begins + 3600, **where)  # type: ignore[arg-type]


async def test_a_chart_is_posted_and_then_replaced_by_an_edit(
    bot: WatchClubBot, resources, sandbox: Sandbox, world: World
):
    general = world.guild("K-Drama Club").channel("general")
    channel_id = int(general.id)
    await bot.services.outbox.queue(
        [
            OutgoingMessage(
                ToChannel(channel_id),
                "Poll: slow-burn or fantasy?",
                files=(Attachment("tally.png", PNG_DAY_1, "Votes after day one"),),
                key="poll:1",
            ),
            MessageEdit(
                channel_id,
                "Poll: slow-burn or fantasy? (closed)",
                message_key="poll:1",
                files=(Attachment("tally.png", PNG_DAY_2, "Final votes"),),
            ),
        ]
    )
    await settled(resources, 2)
    [message] = sandbox.messages(general)
    assert message.content == "Poll: slow-burn or fantasy? (closed)"
    assert message.edited
    [attachment] = message.attachments
    assert attachment["filename"] == "tally.png"
    assert attachment["description"] == "Final votes"
    assert sandbox.attachment_data(attachment) == PNG_DAY_2
    assert await outcomes(resources) == ["channel", "edited"]
    assert await resources.db.fetchone("SELECT 1 FROM outbox_files") is None


async def test_an_edit_of_a_deleted_message_ends_quietly(
    bot: WatchClubBot, resources, sandbox: Sandbox, world: World
):
    general = world.guild("K-Drama Club").channel("general")
    await bot.services.outbox.queue([OutgoingMessage(ToChannel(int(general.id)), "Tally: 0")])
    await eventually(lambda: sandbox.messages(general))
    [message] = sandbox.messages(general)
    message.deleted = True  # a moderator deleted the poll
    await bot.services.outbox.queue(
        [MessageEdit(int(general.id), "Tally: 1", message_id=int(message.id))]
    )
    await settled(resources, 2)
    assert await outcomes(resources) == ["channel", "message_gone"]
    assert await OutboxRepository(resources.db).failed(limit=5) == []


async def test_a_session_is_mirrored_as_an_event_kept_in_step_and_removed(
    bot: WatchClubBot, resources, sandbox: Sandbox, world: World
):
    guild = world.guild("K-Drama Club")
    theater = guild.channel("Theater")
    start = datetime.now(UTC).replace(microsecond=0) + timedelta(days=2)
    outbox = bot.services.outbox
    await outbox.queue([MirrorEvent(int(guild.id), "party:1", session(start))])
    await settled(resources, 1)
    [event] = sandbox.scheduled_events(guild)
    assert event["name"] == "Frieren ep 5-6"
    assert event["entity_metadata"] == {"location": "https://example.org/watch"}
    record = await OutboxRepository(resources.db).events.event_record("party:1")
    assert record is not None
    assert record.event_id == int(event["id"])

    moved = session(start + timedelta(hours=1), place="voice", channel_id=int(theater.id))
    await outbox.queue([MirrorEvent(int(guild.id), "party:1", moved)])
    await settled(resources, 2)
    [event] = sandbox.scheduled_events(guild)
    assert event["channel_id"] == theater.id
    assert datetime.fromisoformat(event["scheduled_start_time"]) == start + timedelta(hours=1)

    await outbox.queue([RemoveEvent(int(guild.id), "party:1")])
    await settled(resources, 3)
    assert sandbox.scheduled_events(guild) == []
    assert await outcomes(resources) == ["event_created", "event_updated", "event_removed"]


async def test_without_manage_events_the_mirror_is_off_and_about_says_why(
    bot: WatchClubBot, resources, sandbox: Sandbox, world: World
):
    guild = world.guild("K-Drama Club")
    await sandbox.revoke_bot_permissions(guild, MANAGE_EVENTS | CREATE_EVENTS)
    start = datetime.now(UTC) + timedelta(days=1)
    await bot.services.outbox.queue([MirrorEvent(int(guild.id), "party:1", session(start))])
    await mirror_turned_off(resources, int(guild.id))
    assert sandbox.scheduled_events(guild) == []
    assert await held(resources) == [MIRROR_OFF_NO_PERMISSION]  # waits for the next try

    about = await sandbox.slash(
        "about", member=guild.member("jun"), channel=guild.channel("general")
    )
    fields = {field["name"]: field["value"] for field in about.embeds[0]["fields"]}
    assert MIRROR_OFF_NO_PERMISSION in fields["Discord events"]


async def test_at_the_hundred_event_cap_the_mirror_is_off_and_about_says_why(
    bot: WatchClubBot, resources, sandbox: Sandbox, world: World
):
    guild = world.guild("K-Drama Club")
    await sandbox.add_scheduled_events(guild, 100)
    start = datetime.now(UTC) + timedelta(days=1)
    await bot.services.outbox.queue([MirrorEvent(int(guild.id), "party:1", session(start))])
    await mirror_turned_off(resources, int(guild.id))
    assert len(sandbox.scheduled_events(guild)) == 100
    assert await held(resources) == [MIRROR_OFF_AT_CAP]
    about = await sandbox.slash(
        "about", member=guild.member("jun"), channel=guild.channel("general")
    )
    fields = {field["name"]: field["value"] for field in about.embeds[0]["fields"]}
    assert MIRROR_OFF_AT_CAP in fields["Discord events"]
