"""Buttons and threads through the outbox, on a fake clock and a fake Discord: what a message
and an edit may say, how they are stored and read back, how queued edits collapse, and that a
thread that cannot be opened never costs the message."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.outbox.message import (
    Button,
    MessageEdit,
    OutgoingMessage,
    ToChannel,
    ToMember,
    edit_from_payload,
    edit_to_payload,
    message_from_payload,
    message_to_payload,
)
from bot.outbox.queueing import can_merge, merge_key
from bot.outbox.repository import OutboxRepository
from bot.outbox.transport import TemporaryFailure
from bot.outbox.worker import Outbox
from bot.storage import migrations
from bot.storage.database import Database
from tests.support.fake_discord import FakeDiscord
from tests.unit.outbox.conftest import crash_once_applied, make_outbox

GOING = Button("Going", custom_id="party:7:rsvp:going", style="success", emoji="✅")
MAYBE = Button("Maybe", custom_id="party:7:rsvp:maybe")
WATCH = Button("Where to watch", url="https://example.org/frieren")
CLOSED = Button("Closed", custom_id="party:7:closed", style="danger")


def announcement(**options: object) -> OutgoingMessage:
    return OutgoingMessage(ToChannel(10), "Watch party: Frieren, Friday 8 pm", **options)  # type: ignore[arg-type]


async def last_error(db: Database) -> str | None:
    row = await db.fetchone("SELECT last_error FROM outbox WHERE action = 'send'")
    assert row is not None
    return row["last_error"]


# -- what a button, a message and an edit may say -------------------------------------------


@pytest.mark.parametrize(
    ("options", "problem"),
    [
        ({"label": "Go"}, "custom_id"),
        ({"label": "Go", "custom_id": "a", "url": "https://example.org"}, "not both"),
        ({"label": "", "custom_id": "a"}, "label"),
        ({"label": "x" * 81, "custom_id": "a"}, "label"),
        ({"label": "Go", "custom_id": "x" * 101}, "custom_id"),
        ({"label": "Go", "url": "ftp://example.org"}, "http"),
        ({"label": "Go", "url": "https://example.org/" + "x" * 500}, "512"),
        ({"label": "Go", "custom_id": "a", "style": "link"}, "style"),
        ({"label": "Go", "custom_id": "a", "emoji": ""}, "emoji"),
    ],
)
def test_a_button_is_checked_against_discord_limits_when_made(options, problem):
    with pytest.raises(ValueError, match=problem):
        Button(**options)


def test_a_link_buttons_limits_are_exactly_discords():
    Button("x" * 80, url="https://example.org/" + "x" * (512 - 20))
    Button("Go", custom_id="x" * 100)


def test_a_message_holds_at_most_25_buttons_with_distinct_custom_ids():
    announcement(buttons=tuple(Button(f"{n}", custom_id=f"b{n}") for n in range(25)))
    with pytest.raises(ValueError, match="25"):
        announcement(buttons=tuple(Button(f"{n}", custom_id=f"b{n}") for n in range(26)))
    with pytest.raises(ValueError, match="share a custom_id"):
        announcement(buttons=(GOING, GOING))


def test_buttons_alone_are_not_a_message():
    with pytest.raises(ValueError, match="needs content, an embed or a file"):
        OutgoingMessage(ToChannel(10), "", buttons=(GOING,))


def test_a_thread_name_is_trimmed_checked_and_only_for_channels():
    assert announcement(thread_name="  Frieren night  ").thread_name == "Frieren night"
    assert announcement(thread_name="x" * 100).thread_name == "x" * 100
    for bad in ("", "   ", "x" * 101):
        with pytest.raises(ValueError, match="thread name"):
            announcement(thread_name=bad)
    with pytest.raises(ValueError, match="channel"):
        OutgoingMessage(ToMember(7, fallback_channel_id=10), "Reminder", thread_name="Talk")


def test_an_edit_clears_the_buttons_or_replaces_them_not_both():
    with pytest.raises(ValueError, match="not both"):
        MessageEdit(10, "Closed", message_id=1, clear_components=True, buttons=(CLOSED,))
    MessageEdit(10, "Closed", message_id=1, clear_components=True, buttons=())


def test_a_message_with_buttons_or_a_thread_is_never_merged():
    plain = announcement(mergeable=True)
    assert can_merge(plain)
    for special in (
        announcement(mergeable=True, buttons=(GOING,)),
        announcement(mergeable=True, thread_name="Frieren night"),
    ):
        assert not can_merge(special)
        assert merge_key(special, 1_800_000_000) is None


# -- timers' payloads ---------------------------------------------------------------------


def test_a_message_with_buttons_and_a_thread_survives_a_timer_payload():
    message = announcement(buttons=(GOING, MAYBE, WATCH), thread_name="Frieren night", key="p7")
    assert message_from_payload(message_to_payload(message)) == message


def test_a_payload_stored_before_buttons_existed_still_loads():
    old = {
        "to": {"channel_id": 10},
        "content": "Reminder: Frieren in 1 hour",
        "mention_user_ids": [7],
        "mention_role_ids": [],
        "embed": None,
        "mergeable": True,
        "key": None,
    }
    message = message_from_payload(old)
    assert (message.buttons, message.thread_name) == ((), None)
    edit = edit_from_payload({"channel_id": 10, "content": "Closed", "message_key": "p7"})
    assert (edit.buttons, edit.clear_components) == (None, False)


@pytest.mark.parametrize("buttons", [None, (), (CLOSED, WATCH)])
def test_an_edits_buttons_survive_a_timer_payload(buttons):
    edit = MessageEdit(10, "Watch party: Frieren (closed)", message_key="p7", buttons=buttons)
    assert edit_from_payload(edit_to_payload(edit)) == edit


# -- through the outbox ---------------------------------------------------------------------


async def test_a_message_goes_out_with_its_buttons_and_opens_its_thread(outbox, discord, db):
    buttons = (GOING, MAYBE, WATCH)
    await outbox.queue([announcement(buttons=buttons, thread_name="Frieren night")])
    await outbox.drain()
    [post] = discord.posts
    assert post.message.buttons == buttons
    [message_id] = discord.messages
    assert discord.threads == {message_id: "Frieren night"}
    assert discord.attempts == ["channel 10", f"thread on {message_id}"]
    assert await last_error(db) is None


async def test_without_the_thread_permission_the_message_is_sent_once_and_says_why(
    outbox, discord, db, repo
):
    discord.no_thread_permission.add(10)
    await outbox.queue([announcement(buttons=(GOING,), thread_name="Frieren night")])
    await outbox.drain()
    assert len(discord.posts) == 1
    assert discord.threads == {}
    counts = await repo.counts()
    assert (counts.sent, counts.failed, counts.pending) == (1, 0, 0)
    assert await last_error(db) == "thread not opened: 403 (code 50013): Missing Permissions"


async def test_a_thread_that_fails_for_a_while_is_not_retried_by_resending(
    outbox, discord, clock, db, repo, monkeypatch
):
    async def thread_down(channel_id: int, message_id: int, name: str) -> None:
        discord.attempts.append(f"thread on {message_id}")
        raise TemporaryFailure("502: Bad Gateway")

    monkeypatch.setattr(discord, "open_thread", thread_down)
    await outbox.queue([announcement(thread_name="Frieren night")])
    await outbox.drain()
    clock.advance(3600)
    await outbox.drain()
    assert len(discord.posts) == 1
    assert [a for a in discord.attempts if a.startswith("thread")] == [
        f"thread on {max(discord.messages)}"
    ]
    assert (await repo.counts()).sent == 1
    assert await last_error(db) == "thread not opened: 502: Bad Gateway"


async def test_a_resend_after_a_crash_opens_one_thread_on_the_one_message(repo, discord, clock):
    outbox = make_outbox(repo, discord, clock)
    await outbox.queue([announcement(buttons=(GOING,), thread_name="Frieren night")])
    await crash_once_applied(outbox, discord)  # posted; the bot died before recording it
    await make_outbox(repo, discord, clock).drain()  # the restarted bot resends it
    [post] = discord.posts
    [message_id] = discord.messages
    assert discord.threads == {message_id: "Frieren night"}
    assert post.message.buttons == (GOING,)


async def test_rows_with_buttons_and_a_thread_survive_a_restart(
    tmp_path: Path, discord: FakeDiscord, clock
):
    path = tmp_path / "restart.sqlite3"
    db = await Database.open(path)
    await migrations.upgrade(db)
    queued = make_outbox(OutboxRepository(db), discord, clock)
    await queued.queue(
        [
            announcement(buttons=(GOING, WATCH), thread_name="Frieren night", key="p7"),
            MessageEdit(10, "Watch party: Frieren (closed)", message_key="p7", buttons=(CLOSED,)),
        ]
    )
    await db.close()  # the bot stops before sending anything

    db = await Database.open(path)
    try:
        await make_outbox(OutboxRepository(db), discord, clock).drain()
        clock.advance(5)
        await make_outbox(OutboxRepository(db), discord, clock).drain()
    finally:
        await db.close()
    [post] = discord.posts
    assert post.message.buttons == (GOING, WATCH)
    [(message_id, stored)] = discord.messages.items()
    assert discord.threads == {message_id: "Frieren night"}
    [edit] = stored.edits
    assert edit.buttons == (CLOSED,)


# -- collapsing queued edits ----------------------------------------------------------------


async def applied_edit(outbox: Outbox, discord: FakeDiscord, edits: list[MessageEdit]):
    await outbox.queue(edits)
    await outbox.drain()
    [stored] = discord.messages.values()
    [edit] = stored.edits
    return edit


async def posted(outbox: Outbox, discord: FakeDiscord) -> int:
    await outbox.queue([announcement(buttons=(GOING, MAYBE))])
    await outbox.drain()
    return max(discord.messages)


def state(message_id: int, text: str, **options: object) -> MessageEdit:
    return MessageEdit(10, text, message_id=message_id, **options)  # type: ignore[arg-type]


async def test_an_edit_keeps_the_buttons_unless_it_says_otherwise(outbox, discord):
    message_id = await posted(outbox, discord)
    edit = await applied_edit(outbox, discord, [state(message_id, "2 going")])
    assert (edit.buttons, edit.clear_components) == (None, False)


async def test_buttons_an_edit_replaced_survive_a_later_edit_that_keeps_them(outbox, discord):
    message_id = await posted(outbox, discord)
    edit = await applied_edit(
        outbox,
        discord,
        [
            state(message_id, "Closed", buttons=(CLOSED,)),
            state(message_id, "Closed, 3 went"),  # says nothing of the buttons
        ],
    )
    assert edit.content == "Closed, 3 went"
    assert (edit.buttons, edit.clear_components) == ((CLOSED,), False)


async def test_the_latest_change_of_the_buttons_wins(outbox, discord, clock):
    message_id = await posted(outbox, discord)
    edit = await applied_edit(
        outbox,
        discord,
        [
            state(message_id, "Closed", clear_components=True),
            state(message_id, "Reopened", buttons=(GOING,)),
            state(message_id, "Reopened, 1 going"),
        ],
    )
    assert (edit.buttons, edit.clear_components) == ((GOING,), False)
    discord.messages[message_id].edits.clear()
    clock.advance(60)  # past the spacing of edits
    edit = await applied_edit(
        outbox,
        discord,
        [
            state(message_id, "Reopened", buttons=(GOING,)),
            state(message_id, "Closed", clear_components=True),
            state(message_id, "Closed for good"),
        ],
    )
    assert (edit.buttons, edit.clear_components) == (None, True)


async def test_an_edit_that_removes_every_button_is_kept_as_such(outbox, discord):
    message_id = await posted(outbox, discord)
    edit = await applied_edit(
        outbox, discord, [state(message_id, "Closed", buttons=()), state(message_id, "Closed!")]
    )
    assert edit.buttons == ()
