"""The outbox on a fake clock and a fake Discord: pacing, merging, nonces, DMs, failures."""

from __future__ import annotations

import pytest

from bot.clock import to_unix
from bot.outbox.message import OutgoingMessage, ToChannel, ToMember
from bot.outbox.queueing import QueuedDelivery
from bot.outbox.repository import OutboxRepository
from bot.outbox.transport import (
    RateLimited,
    Rejected,
    RenderedMessage,
    TemporaryFailure,
)
from bot.storage.database import Database
from tests.support.clock import FakeClock
from tests.unit.outbox.conftest import crash_once_applied, make_outbox


async def queue(
    repo: OutboxRepository, clock: FakeClock, *messages: OutgoingMessage, merge_key: str = "m"
) -> None:
    await repo.enqueue(
        [
            QueuedDelivery(f"test:{to_unix(clock.now())}:{n}:{m.content}", m, merge_key=merge_key)
            for n, m in enumerate(messages)
        ],
        now=to_unix(clock.now()),
    )


async def states(db: Database) -> list[tuple[str, str | None]]:
    rows = await db.fetchall("SELECT state, outcome FROM outbox ORDER BY id")
    return [(r["state"], r["outcome"]) for r in rows]


async def test_a_channel_message_goes_out_once_with_its_nonce_and_only_its_mentions(
    outbox, repo, discord, clock, db
):
    await queue(
        repo,
        clock,
        OutgoingMessage(ToChannel(10), "<@7> the party starts now", mention_user_ids=(7,)),
    )
    await outbox.drain()
    [post] = discord.posts
    assert post.where == "channel 10"
    assert post.message == RenderedMessage("<@7> the party starts now", (), (7,), ())
    assert post.nonce.startswith("wc")
    assert len(post.nonce) <= 25
    assert await states(db) == [("sent", "channel")]
    row = await db.fetchone("SELECT message_id FROM outbox")
    assert row is not None
    assert row["message_id"] == 1001


async def test_mergeable_messages_for_one_channel_and_minute_become_one_message(
    outbox, repo, discord, clock
):
    await queue(
        repo,
        clock,
        OutgoingMessage(ToChannel(10), "<@1> Reply 1988 in 15 min", (1,), mergeable=True),
        OutgoingMessage(ToChannel(10), "<@2> Frieren in 15 min", (2,), mergeable=True),
        OutgoingMessage(ToChannel(20), "<@3> elsewhere", (3,), mergeable=True),
        OutgoingMessage(ToChannel(10), "A poll closed", mergeable=False),
        merge_key="10:same-minute",
    )
    await outbox.drain()
    by_place = sorted(
        (p.where, p.message.content, p.message.mention_user_ids) for p in discord.posts
    )
    assert by_place == [
        ("channel 10", "<@1> Reply 1988 in 15 min\n<@2> Frieren in 15 min", (1, 2)),
        ("channel 10", "A poll closed", ()),
        ("channel 20", "<@3> elsewhere", (3,)),
    ]


async def test_merging_never_makes_a_message_longer_than_discord_allows(
    outbox, repo, discord, clock
):
    line = "x" * 900
    await queue(
        repo, clock, *(OutgoingMessage(ToChannel(10), line, mergeable=True) for _ in range(5))
    )
    await outbox.drain()
    assert [len(p.message.content) for p in discord.posts] == [1801, 1801, 900]


async def test_a_resend_after_a_crash_repeats_the_same_nonce_and_posts_nothing_new(
    repo, discord, clock, db
):
    await queue(
        repo,
        clock,
        *(OutgoingMessage(ToChannel(10), f"reminder {n}", mergeable=True) for n in range(3)),
    )
    await crash_once_applied(make_outbox(repo, discord, clock), discord)
    assert await states(db) == [("pending", None)] * 3  # posted, but never recorded

    await make_outbox(repo, discord, clock).drain()  # the restarted bot
    assert [p.message.content for p in discord.posts] == ["reminder 0\nreminder 1\nreminder 2"]
    assert discord.attempts == ["channel 10", "channel 10"]  # same nonce both times
    assert await states(db) == [("sent", "channel")] * 3


async def test_rows_queued_after_a_batch_was_sealed_do_not_change_it(repo, discord, clock):
    await queue(repo, clock, OutgoingMessage(ToChannel(10), "first", mergeable=True))
    await repo.seal_ready(now=to_unix(clock.now()), limit=100)
    await queue(repo, clock, OutgoingMessage(ToChannel(10), "second", mergeable=True))
    await make_outbox(repo, discord, clock).drain()
    assert [p.message.content for p in discord.posts] == ["first", "second"]


async def test_a_closed_dm_falls_back_to_the_channel_mentioning_the_member(
    outbox, repo, discord, clock, db
):
    discord.closed_dms.add(7)
    await queue(
        repo,
        clock,
        OutgoingMessage(ToMember(7, fallback_channel_id=10), "Your watch party starts in 1h"),
    )
    await outbox.drain()
    [post] = discord.posts
    assert post.where == "channel 10"
    assert post.message.content == (
        "<@7> your DMs are closed, so here it is:\nYour watch party starts in 1h"
    )
    assert post.message.mention_user_ids == (7,)
    assert await states(db) == [("sent", "dm_fallback")]
    assert (await repo.counts()).fell_back == 1


async def test_an_open_dm_is_delivered_as_a_dm(outbox, repo, discord, clock, db):
    await queue(repo, clock, OutgoingMessage(ToMember(8, fallback_channel_id=10), "Hello"))
    await outbox.drain()
    assert [p.where for p in discord.posts] == ["dm 8"]
    assert await states(db) == [("sent", "dm")]


async def test_a_closed_dm_without_a_fallback_channel_fails_with_the_reason(
    outbox, repo, discord, clock
):
    discord.closed_dms.add(7)
    await queue(repo, clock, OutgoingMessage(ToMember(7), "Hello"))
    await outbox.drain()
    assert discord.posts == []
    [failed] = await repo.failed(limit=5)
    assert failed.destination == "DM to member 7"
    assert failed.last_error == (
        "rejected: the member's DMs are closed and there is no channel to use"
    )


async def test_a_route_rate_limit_parks_that_channel_only(outbox, repo, discord, clock, db):
    await queue(repo, clock, OutgoingMessage(ToChannel(10), "busy channel"))
    await queue(repo, clock, OutgoingMessage(ToChannel(20), "quiet channel"))
    discord.fail(RateLimited(3.0, is_global=False))
    await outbox.drain()
    assert [p.where for p in discord.posts] == ["channel 20"]
    row = await db.fetchone("SELECT send_after, attempts FROM outbox WHERE channel_id = 10")
    assert row is not None
    assert row["send_after"] == to_unix(clock.now()) + 3
    assert row["attempts"] == 0  # waiting for our turn is not a failed attempt
    clock.advance(3)
    await outbox.drain()
    assert [p.where for p in discord.posts] == ["channel 20", "channel 10"]


async def test_a_global_rate_limit_pauses_every_send(outbox, repo, discord, clock):
    discord.fail(RateLimited(2.0, is_global=True))
    await queue(repo, clock, OutgoingMessage(ToChannel(10), "one"))
    await outbox.drain()
    await queue(repo, clock, OutgoingMessage(ToChannel(20), "two"))
    before = clock.monotonic()
    await outbox.drain()
    assert [p.where for p in discord.posts] == ["channel 20", "channel 10"]
    assert all(p.at >= before + 2.0 for p in discord.posts)  # the limiter held both back


async def test_temporary_failures_retry_with_backoff_then_give_up(repo, discord, clock, db):
    outbox = make_outbox(repo, discord, clock, max_attempts=3)
    await queue(repo, clock, OutgoingMessage(ToChannel(10), "flaky"))
    discord.fail(*(TemporaryFailure("502: Bad Gateway") for _ in range(3)))
    for _ in range(3):
        await outbox.drain()
        row = await db.fetchone("SELECT send_after FROM outbox")
        assert row is not None
        clock.advance(max(0, row["send_after"] - to_unix(clock.now())))
    [failed] = await repo.failed(limit=5)
    assert failed.attempts == 3
    assert failed.last_error == "gave up after 3 attempts; last: TemporaryFailure: 502: Bad Gateway"
    assert discord.posts == []


async def test_a_retry_after_a_temporary_failure_delivers(outbox, repo, discord, clock, db):
    await queue(repo, clock, OutgoingMessage(ToChannel(10), "flaky"))
    discord.fail(TemporaryFailure("timeout"))
    await outbox.drain()
    assert discord.posts == []
    clock.advance(5)
    await outbox.drain()
    assert [p.message.content for p in discord.posts] == ["flaky"]
    assert await states(db) == [("sent", "channel")]


async def test_a_rejected_message_fails_at_once(outbox, repo, discord, clock):
    discord.fail(Rejected("403 (code 50001): Missing Access"))
    await queue(repo, clock, OutgoingMessage(ToChannel(10), "no access"))
    await outbox.drain()
    [failed] = await repo.failed(limit=5)
    assert failed.attempts == 1
    assert failed.last_error == "rejected: 403 (code 50001): Missing Access"
    assert discord.attempts == ["channel 10"]


async def test_sends_stay_under_forty_per_second(outbox, repo, discord, clock):
    await queue(
        repo, clock, *(OutgoingMessage(ToChannel(100 + n), f"reminder {n}") for n in range(200))
    )
    await outbox.drain()
    times = sorted(p.at for p in discord.posts)
    assert len(times) == 200
    busiest = max(sum(1 for t in times if start <= t < start + 1.0) for start in times)
    assert busiest <= 40
    assert times[-1] - times[0] >= 200 / 40 - 1.0


async def test_one_channel_gets_its_messages_in_order_one_at_a_time(outbox, repo, discord, clock):
    await queue(repo, clock, *(OutgoingMessage(ToChannel(10), f"part {n}") for n in range(6)))
    await outbox.drain()
    assert [p.message.content for p in discord.posts] == [f"part {n}" for n in range(6)]


async def test_queueing_the_same_key_twice_sends_once(outbox, repo, discord, clock):
    message = OutgoingMessage(ToChannel(10), "once")
    await repo.enqueue([QueuedDelivery("same", message)], now=to_unix(clock.now()))
    await repo.enqueue([QueuedDelivery("same", message)], now=to_unix(clock.now()))
    await outbox.drain()
    assert len(discord.posts) == 1


async def test_stop_sends_what_is_ready_before_returning(repo, discord, clock, db):
    outbox = make_outbox(repo, discord, clock)
    outbox.start()
    await queue(repo, clock, *(OutgoingMessage(ToChannel(10 + n), f"m{n}") for n in range(5)))
    outbox.notify()
    await outbox.stop(grace=5)
    assert len(discord.posts) == 5
    assert await states(db) == [("sent", "channel")] * 5


def test_a_message_is_checked_against_discord_limits_when_made():
    with pytest.raises(ValueError, match="at most 2000"):
        OutgoingMessage(ToChannel(1), "x" * 2001)
    with pytest.raises(ValueError, match="needs content, an embed or a file"):
        OutgoingMessage(ToChannel(1), "")
    with pytest.raises(ValueError, match="at most 100 users"):
        OutgoingMessage(ToChannel(1), "hi", mention_user_ids=tuple(range(101)))
