"""Several embeds on one message (a "versus" poll's two title cards) through the outbox, on a
fake clock and a fake Discord; and rows and timer payloads stored when a message had one embed
at most, which still send after the upgrade."""

from __future__ import annotations

import json
from typing import Any

import pytest

from bot.clock import to_unix
from bot.outbox.message import (
    MAX_EMBEDS,
    MessageEdit,
    OutgoingMessage,
    ToChannel,
    edit_from_payload,
    edit_to_payload,
    message_from_payload,
    message_to_payload,
)
from bot.outbox.queueing import QueuedDelivery, can_merge
from bot.outbox.repository import OutboxRepository
from bot.outbox.worker import Outbox
from bot.storage.database import Database
from tests.support.clock import FakeClock
from tests.support.fake_discord import FakeDiscord

FRIEREN: dict[str, Any] = {"title": "Frieren", "description": "Fantasy, slow-burn"}
TORADORA: dict[str, Any] = {"title": "Toradora!", "description": "Romance, comedy"}
VERSUS = (FRIEREN, TORADORA)


def card(n: int) -> dict[str, Any]:
    return {"title": f"Option {n}"}


async def stored_embed_columns(db: Database) -> list[str | None]:
    rows = await db.fetchall("SELECT embed FROM outbox ORDER BY id")
    return [row["embed"] for row in rows]


async def test_a_message_with_two_embeds_goes_out_with_both_in_order(outbox, discord, db):
    await outbox.queue([OutgoingMessage(ToChannel(10), "Which next?", embeds=VERSUS)])
    await outbox.drain()
    [post] = discord.posts
    assert post.message.embeds == VERSUS
    assert post.message.content == "Which next?"
    [column] = await stored_embed_columns(db)
    assert column is not None
    assert json.loads(column) == [FRIEREN, TORADORA]  # a JSON array in the old column


async def test_a_message_without_embeds_stores_none(outbox, discord, db):
    await outbox.queue([OutgoingMessage(ToChannel(10), "Plain text")])
    await outbox.drain()
    assert discord.posts[0].message.embeds == ()
    assert await stored_embed_columns(db) == [None]


async def test_an_edit_replaces_two_embeds_with_two_others_and_then_with_none(
    outbox: Outbox, discord: FakeDiscord, clock: FakeClock
):
    await outbox.queue([OutgoingMessage(ToChannel(10), "", embeds=VERSUS, key="poll:1")])
    await outbox.drain()
    [message_id] = discord.messages
    tallied = ({**FRIEREN, "footer": {"text": "3 votes"}}, {**TORADORA, "footer": {"text": "1"}})
    await outbox.queue([MessageEdit(10, "", embeds=tallied, message_key="poll:1")])
    await outbox.drain()
    assert discord.messages[message_id].edits[-1].embeds == tallied
    clock.advance(60)
    await outbox.queue([MessageEdit(10, "Poll closed", message_id=message_id)])
    await outbox.drain()
    assert discord.messages[message_id].edits[-1].embeds == ()  # an edit states the whole message


@pytest.mark.parametrize("count", [0, 1, 2, MAX_EMBEDS])
def test_up_to_ten_embeds_are_accepted(count):
    embeds = tuple(card(n) for n in range(count))
    assert OutgoingMessage(ToChannel(10), "x", embeds=embeds).embeds == embeds
    assert MessageEdit(10, "x", embeds=embeds, message_id=1).embeds == embeds


def test_eleven_embeds_are_refused_on_a_message_and_on_an_edit():
    eleven = tuple(card(n) for n in range(MAX_EMBEDS + 1))
    with pytest.raises(ValueError, match="at most 10 embeds"):
        OutgoingMessage(ToChannel(10), "x", embeds=eleven)
    with pytest.raises(ValueError, match="at most 10 embeds"):
        MessageEdit(10, "x", embeds=eleven, message_id=1)


def test_one_embed_not_wrapped_in_a_tuple_is_refused():
    with pytest.raises(ValueError, match="tuple of embeds"):
        OutgoingMessage(ToChannel(10), "x", embeds=FRIEREN)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="tuple of embeds"):
        MessageEdit(10, "x", embeds=[FRIEREN], message_id=1)  # type: ignore[arg-type]


def test_embeds_alone_are_enough_and_nothing_at_all_is_refused():
    assert OutgoingMessage(ToChannel(10), "", embeds=VERSUS).content == ""
    with pytest.raises(ValueError, match="needs content, an embed or a file"):
        OutgoingMessage(ToChannel(10), "", embeds=())
    with pytest.raises(ValueError, match="leaves content, an embed or a file"):
        MessageEdit(10, "", embeds=(), message_id=1)


def test_messages_with_embeds_are_never_merged():
    assert can_merge(OutgoingMessage(ToChannel(10), "Reminder", mergeable=True))
    assert not can_merge(OutgoingMessage(ToChannel(10), "x", embeds=VERSUS, mergeable=True))


async def test_rows_with_embeds_sharing_a_merge_key_still_go_alone(outbox, repo, discord, clock):
    now = to_unix(clock.now())
    await repo.enqueue(
        [
            QueuedDelivery("a", OutgoingMessage(ToChannel(10), "one", embeds=VERSUS), "m"),
            QueuedDelivery("b", OutgoingMessage(ToChannel(10), "two", embeds=(FRIEREN,)), "m"),
        ],
        now=now,
    )
    await outbox.drain()
    assert [p.message.embeds for p in discord.posts] == [VERSUS, (FRIEREN,)]


def test_two_embeds_survive_a_timer_payload():
    message = OutgoingMessage(ToChannel(10), "Which next?", embeds=VERSUS)
    assert message_from_payload(message_to_payload(message)) == message
    edit = MessageEdit(10, "Closed", embeds=VERSUS, message_key="poll:1")
    assert edit_from_payload(edit_to_payload(edit)) == edit


def test_a_timer_payload_stored_with_one_embed_or_none_still_loads():
    old = {"to": {"channel_id": 10}, "content": "", "embed": FRIEREN, "key": "p7"}
    assert message_from_payload(old).embeds == (FRIEREN,)
    none = {"to": {"channel_id": 10}, "content": "Reminder", "embed": None}
    assert message_from_payload(none).embeds == ()
    edit = {"channel_id": 10, "content": "", "embed": TORADORA, "message_key": "p7"}
    assert edit_from_payload(edit).embeds == (TORADORA,)


def test_a_timer_payload_with_unreadable_embeds_is_refused():
    with pytest.raises(ValueError, match="unreadable embeds"):
        message_from_payload({"to": {"channel_id": 10}, "content": "x", "embeds": "oops"})


async def as_before_the_upgrade(db: Database, embed: dict[str, Any]) -> None:
    """Rewrite the waiting rows' embed column as the previous version stored it: one object."""
    async with db.transaction() as tx:
        await tx.execute(
            "UPDATE outbox SET embed = ? WHERE state = 'pending'", (json.dumps(embed),)
        )


async def test_a_message_queued_with_one_embed_before_the_upgrade_still_sends(
    repo: OutboxRepository, outbox: Outbox, discord: FakeDiscord, clock: FakeClock, db: Database
):
    now = to_unix(clock.now())
    message = OutgoingMessage(ToChannel(10), "Tonight", embeds=(card(0),), key="p1")
    await repo.enqueue([QueuedDelivery("old-send", message)], now=now)
    await as_before_the_upgrade(db, FRIEREN)
    await outbox.drain()
    [post] = discord.posts
    assert post.message.embeds == (FRIEREN,)
    assert post.message.content == "Tonight"


async def test_an_edit_queued_with_one_embed_before_the_upgrade_still_applies(
    repo: OutboxRepository, outbox: Outbox, discord: FakeDiscord, clock: FakeClock, db: Database
):
    await outbox.queue([OutgoingMessage(ToChannel(10), "Tonight")])
    await outbox.drain()
    [message_id] = discord.messages
    edit = MessageEdit(10, "Tonight (moved)", embeds=(card(0),), message_id=message_id)
    await repo.enqueue([QueuedDelivery("old-edit", edit)], now=to_unix(clock.now()))
    await as_before_the_upgrade(db, TORADORA)
    await outbox.drain()
    assert discord.messages[message_id].edits[-1].embeds == (TORADORA,)
