"""Edits, files, buttons, threads and scheduled events through the real bot and the sandbox:
what members see."""

from __future__ import annotations

import asyncio
import re
from datetime import UTC, datetime, timedelta
from typing import Any

import discord
import pytest

from bot.client import WatchClubBot
from bot.discord_transport import DiscordTransport
from bot.outbox.message import (
    Attachment,
    Button,
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
from sandbox import CREATE_EVENTS, CREATE_PUBLIC_THREADS, MANAGE_EVENTS, Sandbox, World
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


GOING = Button("Going", custom_id="test:rsvp:going", style="success", emoji="🍿")
MAYBE = Button("Maybe", custom_id="test:rsvp:maybe")
WATCH = Button("Where to watch", url="https://example.org/frieren")


class Rsvp(
    discord.ui.DynamicItem[discord.ui.Button[discord.ui.View]],
    template=r"test:rsvp:(?P<answer>\w+)",
):
    """A persistent button of the kind a cog registers, answering whoever clicks."""

    def __init__(self, answer: str) -> None:
        super().__init__(discord.ui.Button(label=answer, custom_id=f"test:rsvp:{answer}"))
        self.answer = answer

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str]
    ) -> Rsvp:
        return cls(match["answer"])

    async def callback(self, interaction: discord.Interaction) -> None:
        await interaction.response.send_message(f"You answered {self.answer}.", ephemeral=True)


def buttons_of(message: Any) -> list[list[tuple[Any, ...]]]:
    """Each row of a message's buttons as members see them: label, style, id or link, emoji."""
    return [
        [
            (
                b["label"],
                b["style"],
                b.get("custom_id") or b.get("url"),
                (b.get("emoji") or {}).get("name"),
            )
            for b in row["components"]
        ]
        for row in message.components
    ]


def views_held(bot: WatchClubBot) -> tuple[int, int]:
    store = bot._connection._view_store
    return len(store._views), len(store._synced_message_views)


async def test_a_message_arrives_with_its_buttons_and_a_click_reaches_the_persistent_item(
    bot: WatchClubBot, resources, sandbox: Sandbox, world: World
):
    club = world.guild("K-Drama Club")
    general = club.channel("general")
    bot.add_dynamic_items(Rsvp)
    held = views_held(bot)
    await bot.services.outbox.queue(
        [
            OutgoingMessage(
                ToChannel(int(general.id)), "Frieren night!", buttons=(GOING, MAYBE, WATCH)
            )
        ]
    )
    await settled(resources, 1)
    [message] = sandbox.messages(general)
    assert buttons_of(message) == [
        [
            ("Going", 3, "test:rsvp:going", "🍿"),
            ("Maybe", 2, "test:rsvp:maybe", None),
            ("Where to watch", 5, "https://example.org/frieren", None),
        ]
    ]
    assert views_held(bot) == held  # the view was sent, not stored: the item takes the click
    answer = await sandbox.click(
        member=club.member("jun"), message=message, custom_id="test:rsvp:maybe"
    )
    assert answer.ephemeral
    assert answer.content == "You answered maybe."


async def test_an_edit_keeps_the_buttons_and_one_that_names_them_replaces_them(
    bot: WatchClubBot, resources, sandbox: Sandbox, world: World
):
    general = world.guild("K-Drama Club").channel("general")
    channel_id = int(general.id)
    outbox = bot.services.outbox
    await outbox.queue(
        [
            OutgoingMessage(
                ToChannel(channel_id), "Frieren night: 0 going", buttons=(GOING, MAYBE), key="p1"
            )
        ]
    )
    await settled(resources, 1)
    [message] = sandbox.messages(general)
    await outbox.queue([MessageEdit(channel_id, "Frieren night: 1 going", message_key="p1")])
    await settled(resources, 2)
    assert message.content == "Frieren night: 1 going"
    assert [b[2] for b in buttons_of(message)[0]] == ["test:rsvp:going", "test:rsvp:maybe"]

    closed = Button("Closed", custom_id="test:rsvp:closed", style="danger")
    await outbox.queue(
        [
            MessageEdit(
                channel_id,
                "Frieren night: closed",
                message_key="p1",
                buttons=(closed, WATCH),
                spacing=0,
            )
        ]
    )
    await settled(resources, 3)
    assert message.content == "Frieren night: closed"
    assert buttons_of(message) == [
        [
            ("Closed", 4, "test:rsvp:closed", None),
            ("Where to watch", 5, "https://example.org/frieren", None),
        ]
    ]


async def test_a_message_opens_its_thread_and_a_second_start_opens_none(
    bot: WatchClubBot, resources, sandbox: Sandbox, world: World
):
    general = world.guild("K-Drama Club").channel("general")
    await bot.services.outbox.queue(
        [
            OutgoingMessage(
                ToChannel(int(general.id)),
                "Frieren night!",
                buttons=(GOING,),
                thread_name="Frieren night: talk",
            )
        ]
    )
    await settled(resources, 1)
    [message] = sandbox.messages(general)
    [thread] = sandbox.threads(general)
    assert (thread["name"], thread["id"], thread["type"]) == ("Frieren night: talk", message.id, 11)
    await eventually(lambda: bot.get_channel(int(message.id)) is not None)  # THREAD_CREATE

    # A resend after a crash finds the message by its nonce and tries the thread again:
    # Discord answers 160004, which is what was wanted.
    transport = DiscordTransport()
    transport.connect(bot)
    await transport.open_thread(int(general.id), int(message.id), "Frieren night: talk")
    assert len(sandbox.threads(general)) == 1
    assert await outcomes(resources) == ["channel"]


async def test_without_the_thread_permission_the_message_is_sent_once_and_no_thread_exists(
    bot: WatchClubBot, resources, sandbox: Sandbox, world: World
):
    guild = world.guild("K-Drama Club")
    general = guild.channel("general")
    await sandbox.revoke_bot_permissions(guild, CREATE_PUBLIC_THREADS)
    await bot.services.outbox.queue(
        [OutgoingMessage(ToChannel(int(general.id)), "Frieren night!", thread_name="Talk")]
    )
    await settled(resources, 1)
    [message] = sandbox.messages(general)
    assert message.content == "Frieren night!"
    assert sandbox.threads(general) == []
    row = await resources.db.fetchone("SELECT state, outcome, last_error FROM outbox")
    assert (row["state"], row["outcome"]) == ("sent", "channel")
    assert "thread not opened" in row["last_error"]
    assert "50013" in row["last_error"]


async def test_a_versus_poll_arrives_with_both_title_cards_and_an_edit_replaces_both(
    bot: WatchClubBot, resources, sandbox: Sandbox, world: World
):
    general = world.guild("K-Drama Club").channel("general")
    channel_id = int(general.id)
    frieren = {"title": "Frieren", "description": "Fantasy, slow-burn"}
    toradora = {"title": "Toradora!", "description": "Romance, comedy"}
    await bot.services.outbox.queue(
        [
            OutgoingMessage(
                ToChannel(channel_id), "Which next?", embeds=(frieren, toradora), key="v1"
            )
        ]
    )
    await settled(resources, 1)
    [message] = sandbox.messages(general)
    assert [(e["title"], e["description"]) for e in message.embeds] == [
        ("Frieren", "Fantasy, slow-burn"),
        ("Toradora!", "Romance, comedy"),
    ]
    tallied = (
        {**frieren, "footer": {"text": "3 votes"}},
        {**toradora, "footer": {"text": "1 vote"}},
    )
    await bot.services.outbox.queue(
        [MessageEdit(channel_id, "Which next? (closed)", embeds=tallied, message_key="v1")]
    )
    await settled(resources, 2)
    assert message.content == "Which next? (closed)"
    assert [(e["title"], e["footer"]["text"]) for e in message.embeds] == [
        ("Frieren", "3 votes"),
        ("Toradora!", "1 vote"),
    ]
    assert await outcomes(resources) == ["channel", "edited"]
