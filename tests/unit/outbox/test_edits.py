"""Edits and files through the outbox, on a fake clock and a fake Discord: collapsing, spacing,
deleted messages, edits of messages still queued, files kept until sent, and crashes."""

from __future__ import annotations

import asyncio

import pytest

from bot.clock import to_unix
from bot.outbox.message import Attachment, MessageEdit, OutgoingMessage, ToChannel, ToMember
from bot.outbox.queueing import QueuedDelivery
from bot.outbox.repository import OutboxRepository
from bot.outbox.transport import RenderedEdit, TemporaryFailure
from bot.outbox.worker import Outbox
from bot.storage.database import Database
from tests.support.fake_discord import DM_CHANNEL_BASE, FakeDiscord
from tests.unit.outbox.conftest import crash_once_applied, make_outbox

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def chart(name: str = "tally.png") -> Attachment:
    return Attachment(name, PNG, "The tally so far")


async def post(outbox: Outbox, discord: FakeDiscord, content: str = "Tally: 0 votes") -> int:
    """A message the bot posted earlier; returns its id."""
    await outbox.queue([OutgoingMessage(ToChannel(10), content)])
    await outbox.drain()
    return max(discord.messages)


def tally(message_id: int, votes: int, **options: object) -> MessageEdit:
    return MessageEdit(10, f"Tally: {votes} votes", message_id=message_id, **options)  # type: ignore[arg-type]


async def outcomes(db: Database, action: str = "edit") -> list[tuple[str, str | None]]:
    rows = await db.fetchall(
        "SELECT state, outcome FROM outbox WHERE action = ? ORDER BY id", (action,)
    )
    return [(row["state"], row["outcome"]) for row in rows]


async def test_an_edit_replaces_the_message_content_and_is_recorded(outbox, discord, db):
    message_id = await post(outbox, discord)
    await outbox.queue([tally(message_id, 1)])
    await outbox.drain()
    assert discord.messages[message_id].content == "Tally: 1 votes"
    assert await outcomes(db) == [("sent", "edited")]
    row = await db.fetchone("SELECT message_id FROM outbox WHERE action = 'edit'")
    assert row is not None
    assert row["message_id"] == message_id


async def test_queued_edits_of_one_message_collapse_into_the_latest(outbox, discord, db):
    message_id = await post(outbox, discord)
    await outbox.queue([tally(message_id, votes) for votes in range(1, 51)])
    await outbox.drain()
    stored = discord.messages[message_id]
    assert [edit.content for edit in stored.edits] == ["Tally: 50 votes"]
    assert await outcomes(db) == [("skipped", "superseded")] * 49 + [("sent", "edited")]


async def test_a_thousand_votes_a_minute_edit_the_message_a_few_times(outbox, discord, clock, db):
    message_id = await post(outbox, discord)
    for vote in range(1, 1001):  # one vote every 60 ms for a minute
        await outbox.queue([tally(message_id, vote)])
        if vote % 10 == 0:
            await outbox.drain()
        clock.advance(0.06)
    clock.advance(10)
    await outbox.drain()
    applied = [edit.content for edit in discord.messages[message_id].edits]
    assert 3 <= len(applied) <= 8  # spaced 10 s apart: a few a minute, not a thousand
    assert applied[-1] == "Tally: 1000 votes"  # the final tally is exact
    numbers = [int(text.split()[1]) for text in applied]
    assert numbers == sorted(numbers)  # never an older tally after a newer one
    counts = await OutboxRepository(db).counts()
    assert counts.outcomes["edited"] == len(applied)
    assert counts.outcomes["superseded"] == 1000 - len(applied)


async def test_an_edit_waits_out_the_spacing_since_the_last_one(outbox, discord, clock):
    message_id = await post(outbox, discord)
    await outbox.queue([tally(message_id, 1, spacing=30)])
    await outbox.drain()
    await outbox.queue([tally(message_id, 2, spacing=30)])
    await outbox.drain()
    assert len(discord.messages[message_id].edits) == 1
    clock.advance(29)
    await outbox.drain()
    assert len(discord.messages[message_id].edits) == 1
    clock.advance(1)
    await outbox.drain()
    assert discord.messages[message_id].content == "Tally: 2 votes"


async def test_an_edit_of_a_deleted_message_ends_quietly(outbox, discord, db, repo):
    message_id = await post(outbox, discord)
    discord.deleted.add(message_id)
    await outbox.queue([tally(message_id, 3)])
    await outbox.drain()
    assert await outcomes(db) == [("skipped", "message_gone")]
    assert await repo.failed(limit=5) == []
    assert discord.attempts.count(f"edit {message_id}") == 1  # not retried


async def test_an_edit_of_a_message_still_queued_waits_for_it(outbox, discord, clock, db):
    announce = OutgoingMessage(ToChannel(10), "Watch party: Frieren, 8 pm", key="party:1")
    edit = MessageEdit(10, "Watch party: Frieren, 9 pm", message_key="party:1")
    await outbox.queue([announce, edit])
    await outbox.drain()
    clock.advance(5)
    await outbox.drain()
    [message] = discord.messages.values()
    assert message.content == "Watch party: Frieren, 9 pm"
    assert await outcomes(db) == [("sent", "edited")]


async def test_an_edit_of_a_message_that_never_went_out_is_recorded_as_missing(outbox, discord, db):
    discord.closed_dms.add(7)
    await outbox.queue([OutgoingMessage(ToMember(7), "psst", key="dm:1")])
    await outbox.drain()
    await outbox.queue([MessageEdit(10, "psst, updated", message_key="dm:1")])
    await outbox.drain()
    assert await outcomes(db) == [("skipped", "message_missing")]


async def test_a_new_message_carries_its_png_and_the_file_is_dropped_once_sent(outbox, discord, db):
    await outbox.queue([OutgoingMessage(ToChannel(10), "", files=(chart(),))])
    assert (await db.fetchone("SELECT count(*) AS n FROM outbox_files"))["n"] == 1
    await outbox.drain()
    [sent] = discord.posts
    assert [(f.filename, f.data, f.description) for f in sent.message.files] == [
        ("tally.png", PNG, "The tally so far")
    ]
    assert (await db.fetchone("SELECT count(*) AS n FROM outbox_files"))["n"] == 0


async def test_files_wait_with_their_row_across_a_restart(repo, discord, clock):
    first = make_outbox(repo, discord, clock)
    await first.queue([OutgoingMessage(ToChannel(10), "chart", files=(chart("a.png"),))])
    await first.stop(grace=0)  # never started: the bot stops with the message queued
    await make_outbox(repo, discord, clock).drain()
    assert [f.filename for f in discord.posts[0].message.files] == ["a.png"]


async def test_an_edit_replaces_keeps_or_removes_attachments(outbox, discord, clock):
    await outbox.queue([OutgoingMessage(ToChannel(10), "poll", files=(chart("day1.png"),))])
    await outbox.drain()
    message_id = max(discord.messages)
    stored = discord.messages[message_id]
    for files, expected in (
        ((chart("day2.png"),), ("day2.png",)),
        (None, ("day2.png",)),
        ((), ()),
    ):
        await outbox.queue([MessageEdit(10, "poll", message_id=message_id, files=files)])
        clock.advance(10)
        await outbox.drain()
        assert stored.files == expected


async def test_an_edit_can_remove_the_buttons_of_a_closed_poll(outbox, discord):
    message_id = await post(outbox, discord)
    await outbox.queue([tally(message_id, 9, clear_components=True)])
    await outbox.drain()
    assert discord.messages[message_id].has_buttons is False


async def test_a_crash_after_discord_applied_an_edit_resends_it_harmlessly(
    repo, discord, clock, db
):
    outbox = make_outbox(repo, discord, clock)
    message_id = await post(outbox, discord)
    await outbox.queue([tally(message_id, 1)])
    await crash_once_applied(outbox, discord)
    assert await outcomes(db) == [("pending", None)]

    await make_outbox(repo, discord, clock).drain()
    assert [e.content for e in discord.messages[message_id].edits] == ["Tally: 1 votes"] * 2
    assert await outcomes(db) == [("sent", "edited")]


async def test_an_edit_queued_during_a_crash_lands_after_the_one_in_flight(
    repo, discord, clock, db
):
    outbox = make_outbox(repo, discord, clock)
    message_id = await post(outbox, discord)
    await outbox.queue([tally(message_id, 1)])

    async def a_vote_arrives() -> None:
        await outbox.queue([tally(message_id, 2)])

    await crash_once_applied(outbox, discord, meanwhile=a_vote_arrives)
    clock.advance(10)
    await make_outbox(repo, discord, clock).drain()
    stored = discord.messages[message_id]
    assert [e.content for e in stored.edits] == ["Tally: 1 votes", "Tally: 2 votes"]
    assert stored.content == "Tally: 2 votes"
    assert await outcomes(db) == [("skipped", "superseded"), ("sent", "edited")]


async def test_queueing_an_old_edit_again_does_not_undo_a_newer_one(outbox, discord, repo, clock):
    message_id = await post(outbox, discord)
    now = to_unix(clock.now())
    await repo.enqueue([QueuedDelivery("vote:1", tally(message_id, 1))], now=now)
    await repo.enqueue([QueuedDelivery("vote:2", tally(message_id, 2))], now=now)
    await repo.enqueue([QueuedDelivery("vote:1", tally(message_id, 1))], now=now)  # replayed
    await outbox.drain()
    assert discord.messages[message_id].content == "Tally: 2 votes"


def test_an_edit_names_its_message_one_way():
    with pytest.raises(ValueError, match="message_id or by message_key"):
        MessageEdit(10, "x")
    with pytest.raises(ValueError, match="message_id or by message_key"):
        MessageEdit(10, "x", message_id=1, message_key="k")
    with pytest.raises(ValueError, match="unsafe attachment filename"):
        Attachment("../etc/passwd", PNG)
    with pytest.raises(ValueError, match="at most 10 files"):
        OutgoingMessage(ToChannel(1), "x", files=tuple(chart(f"{n}.png") for n in range(11)))


async def test_collapsing_keeps_what_a_replaced_edit_changed_in_files_and_buttons(outbox, discord):
    message_id = await post(outbox, discord)
    await outbox.queue(
        [
            MessageEdit(10, "Poll closed", message_id=message_id, files=(chart("final.png"),)),
            MessageEdit(10, "Poll closed", message_id=message_id, clear_components=True),
            MessageEdit(10, "Poll closed: slow-burn wins", message_id=message_id),
        ]
    )
    await outbox.drain()
    stored = discord.messages[message_id]
    assert len(stored.edits) == 1
    assert stored.content == "Poll closed: slow-burn wins"
    assert stored.files == ("final.png",)
    assert stored.has_buttons is False


async def test_an_edit_never_replaces_one_with_a_higher_version(outbox, discord, db):
    message_id = await post(outbox, discord)
    await outbox.queue([tally(message_id, 5, version=5)])  # a click, counted after
    await outbox.queue([tally(message_id, 3, version=3)])  # a timer, counted before
    await outbox.drain()
    assert discord.messages[message_id].content == "Tally: 5 votes"
    assert await outcomes(db) == [("sent", "edited"), ("skipped", "superseded")]


async def test_an_edit_queued_before_its_message_waits_for_it(outbox, discord, clock):
    await outbox.queue([MessageEdit(10, "Watch party: 9 pm", message_key="party:2")])
    await outbox.drain()
    assert discord.messages == {}
    await outbox.queue([OutgoingMessage(ToChannel(10), "Watch party: 8 pm", key="party:2")])
    await outbox.drain()
    clock.advance(2)
    await outbox.drain()
    [message] = discord.messages.values()
    assert message.content == "Watch party: 9 pm"


async def test_a_keyed_message_stays_editable_after_its_rows_are_swept(
    outbox, discord, repo, clock
):
    await outbox.queue([OutgoingMessage(ToChannel(10), "Watch party: 8 pm", key="party:3")])
    await outbox.drain()
    clock.advance(8 * 86400)
    now = to_unix(clock.now())
    assert await repo.sweep(sent_before=now - 7 * 86400, failed_before=now) == 1
    await outbox.queue([MessageEdit(10, "Watch party: moved to 9 pm", message_key="party:3")])
    await outbox.drain()
    [message] = discord.messages.values()
    assert message.content == "Watch party: moved to 9 pm"


async def test_requests_go_out_in_the_order_they_were_queued(outbox, discord):
    await outbox.queue(
        [
            OutgoingMessage(ToChannel(10), "Here is the chart", files=(chart(),)),
            OutgoingMessage(ToChannel(10), "Vote below"),
        ]
    )
    await outbox.drain()
    assert [p.message.content for p in discord.posts] == ["Here is the chart", "Vote below"]


async def test_an_edit_superseded_while_it_waits_is_not_sent_and_its_files_move_on(
    outbox, discord, repo, clock, db
):
    message_id = await post(outbox, discord)
    await outbox.queue([MessageEdit(10, "a", message_id=message_id, files=(chart(),))])
    now = to_unix(clock.now())
    await repo.seal_ready(now=now, limit=10)
    [waiting] = await repo.ready_batches(now=now, limit=10)  # a worker picked it up
    await outbox.queue([MessageEdit(10, "b", message_id=message_id)])
    assert await repo.files_for_send(waiting) is None  # so the worker skips it
    rows = await db.fetchall("SELECT outbox_id, filename FROM outbox_files")
    assert [(row["outbox_id"], row["filename"]) for row in rows] == [
        (waiting.batch_id + 1, "tally.png")  # carried by the newer edit, nothing left behind
    ]


async def test_keyed_messages_are_never_merged_into_one_post(outbox, discord, repo, clock):
    await repo.enqueue(
        [
            QueuedDelivery(
                f"rsvp:{name}",
                OutgoingMessage(ToChannel(10), f"Party {name}: 0 going", mergeable=True, key=name),
                merge_key="10:same-minute",
            )
            for name in ("A", "B")
        ],
        now=to_unix(clock.now()),
    )
    await outbox.drain()
    await outbox.queue([MessageEdit(10, "Party B: 1 going", message_key="B")])
    await outbox.drain()
    assert sorted(m.content for m in discord.messages.values()) == [
        "Party A: 0 going",
        "Party B: 1 going",
    ]


async def test_a_key_used_again_names_the_newer_message_once_it_is_posted(outbox, discord, clock):
    await outbox.queue([OutgoingMessage(ToChannel(10), "Board (day 1)", key="board")])
    await outbox.drain()
    clock.advance(86400)
    discord.fail(TemporaryFailure("503"))  # the day-2 board's first attempt fails
    await outbox.queue(
        [
            OutgoingMessage(ToChannel(10), "Board (day 2)", key="board"),
            MessageEdit(10, "Board (day 2): 1 vote", message_key="board"),
        ]
    )
    await outbox.drain()
    clock.advance(60)
    await outbox.drain()
    day1, day2 = sorted(discord.messages.values(), key=lambda m: m.id)
    assert (day1.content, day1.edits) == ("Board (day 1)", [])
    assert day2.content == "Board (day 2): 1 vote"


async def test_an_edit_superseded_in_flight_is_recorded_as_sent_and_spaces_the_next(
    outbox, discord, clock, db
):
    message_id = await post(outbox, discord)
    applied, answered = asyncio.Event(), asyncio.Event()
    apply_edit = discord.edit_message

    async def slow_to_answer(channel_id: int, target: int, edit: RenderedEdit) -> None:
        await apply_edit(channel_id, target, edit)
        applied.set()
        await answered.wait()

    discord.edit_message = slow_to_answer
    await outbox.queue([tally(message_id, 1)])
    sending = asyncio.create_task(outbox.drain())
    await applied.wait()
    await outbox.queue([tally(message_id, 2)])  # supersedes the edit Discord is applying
    answered.set()
    await sending
    assert await outcomes(db) == [("sent", "edited"), ("pending", None)]
    await outbox.drain()
    assert len(discord.messages[message_id].edits) == 1  # 10 s after the first, not at once
    clock.advance(10)
    await outbox.drain()
    assert discord.messages[message_id].content == "Tally: 2 votes"


async def test_an_edit_waits_for_its_queued_message_however_long_the_bot_was_down(
    outbox, discord, clock, db
):
    await outbox.queue([MessageEdit(10, "Party: 4 going", message_key="rsvp")])
    await outbox.queue([OutgoingMessage(ToChannel(10), "Party: 0 going", key="rsvp")])
    clock.advance(2 * 3600)  # down for two hours
    await outbox.drain()
    clock.advance(60)
    await outbox.drain()
    assert [m.content for m in discord.messages.values()] == ["Party: 4 going"]


async def test_a_dm_posted_under_a_key_can_be_edited_by_its_key(outbox, discord):
    await outbox.queue([OutgoingMessage(ToMember(7), "Your party: 8 pm", key="dm:7")])
    await outbox.drain()
    await outbox.queue([MessageEdit(0, "Your party: moved to 9 pm", message_key="dm:7")])
    await outbox.drain()
    [message] = discord.messages.values()
    assert message.content == "Your party: moved to 9 pm"
    assert discord.edited_in[message.id] == DM_CHANNEL_BASE + 7  # the DM, not channel 0
