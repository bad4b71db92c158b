"""Guild scheduled events through the outbox, on a fake clock and a fake Discord: created once,
kept in step, removed; a missing permission (403) or the 100-event cap (30038) turns the
server's mirror off with its reason; a crash between Discord's answer and the commit makes no
second event."""

from __future__ import annotations

import pytest

from bot.outbox.event_repository import EventRecord
from bot.outbox.message import EventDetails, MirrorEvent, RemoveEvent
from bot.outbox.transport import TemporaryFailure
from bot.outbox.worker import (
    MIRROR_OFF_AT_CAP,
    MIRROR_OFF_NO_PERMISSION,
)
from bot.storage.database import Database
from tests.unit.outbox.conftest import crash_once_applied, make_outbox

GUILD = 500
START = 1_800_000_000


def session(name: str = "Frieren ep 5-6", start: int = START) -> EventDetails:
    return EventDetails(name, start, start + 3600, location="https://example.org/room")


async def outcomes(db: Database) -> list[tuple[str, str | None]]:
    rows = await db.fetchall("SELECT state, outcome FROM outbox ORDER BY id")
    return [(row["state"], row["outcome"]) for row in rows]


async def test_an_event_is_created_once_kept_in_step_and_removed(outbox, discord, repo, db):
    await outbox.queue([MirrorEvent(GUILD, "party:1", session())])
    await outbox.drain()
    [(event_id, details)] = discord.events[GUILD].items()
    assert details == session()
    assert await repo.events.event_record("party:1") == EventRecord(GUILD, event_id)

    await outbox.queue([MirrorEvent(GUILD, "party:1", session(start=START + 3600))])
    await outbox.drain()
    assert discord.events[GUILD] == {event_id: session(start=START + 3600)}

    await outbox.queue([RemoveEvent(GUILD, "party:1")])
    await outbox.drain()
    assert discord.events[GUILD] == {}
    assert await repo.events.event_record("party:1") is None
    assert await outcomes(db) == [
        ("sent", "event_created"),
        ("sent", "event_updated"),
        ("sent", "event_removed"),
    ]


async def test_queued_changes_of_one_event_collapse_into_the_latest(outbox, discord, db):
    await outbox.queue([MirrorEvent(GUILD, "party:1", session())])
    await outbox.drain()
    await outbox.queue(
        [MirrorEvent(GUILD, "party:1", session(start=START + n * 60)) for n in range(1, 6)]
    )
    await outbox.drain()
    assert discord.attempts.count(f"update event {max(discord.events[GUILD])}") == 1
    assert list(discord.events[GUILD].values()) == [session(start=START + 300)]
    assert [o for _, o in await outcomes(db)].count("superseded") == 4


async def test_removing_an_event_before_it_was_created_makes_none(outbox, discord, db):
    await outbox.queue([MirrorEvent(GUILD, "party:1", session()), RemoveEvent(GUILD, "party:1")])
    await outbox.drain()
    assert discord.events.get(GUILD, {}) == {}
    assert await outcomes(db) == [("skipped", "superseded"), ("skipped", "event_gone")]


async def test_without_manage_events_the_mirror_turns_off_and_waits_for_the_permission(
    outbox, discord, repo, clock, db
):
    discord.no_event_permission.add(GUILD)
    await outbox.queue([MirrorEvent(GUILD, "party:1", session())])
    await outbox.drain()
    off = await repo.events.mirror_status(GUILD)
    assert off is not None
    assert (off.code, off.reason) == (50013, MIRROR_OFF_NO_PERMISSION)
    assert await repo.failed(limit=5) == []  # not a failure: the server chose it

    attempts = len(discord.attempts)
    await outbox.queue([MirrorEvent(GUILD, "party:2", session("Moving ep 3"))])
    await outbox.drain()
    assert len(discord.attempts) == attempts  # while off, Discord is not asked again
    assert await outcomes(db) == [("pending", None)] * 2  # both wait for the next try

    discord.no_event_permission.clear()  # an admin grants the permission
    clock.advance(6 * 3600)
    await outbox.drain()
    assert await repo.events.mirror_status(GUILD) is None  # on again
    assert sorted(d.name for d in discord.events[GUILD].values()) == [
        "Frieren ep 5-6",
        "Moving ep 3",
    ]
    assert await outcomes(db) == [("sent", "event_created")] * 2


async def test_a_request_held_past_its_session_is_dropped_and_recorded(
    outbox, discord, repo, clock, db
):
    discord.no_event_permission.add(GUILD)
    soon = int(clock.now().timestamp()) + 3600  # starts before the next try, 6 hours on
    await outbox.queue([MirrorEvent(GUILD, "party:1", session())])
    await outbox.drain()
    await outbox.queue([MirrorEvent(GUILD, "party:2", session("Tonight", start=soon))])
    await outbox.drain()
    assert (await outcomes(db))[-1] == ("skipped", "mirror_off")


async def test_a_removal_refused_without_the_permission_happens_once_it_is_back(
    outbox, discord, repo, clock
):
    await outbox.queue([MirrorEvent(GUILD, "party:1", session())])
    await outbox.drain()
    discord.no_event_permission.add(GUILD)
    await outbox.queue([RemoveEvent(GUILD, "party:1")])  # the party is cancelled
    await outbox.drain()
    assert len(discord.events[GUILD]) == 1  # refused: the event is still there
    discord.no_event_permission.clear()
    clock.advance(6 * 3600)
    await outbox.drain()
    assert discord.events[GUILD] == {}
    assert await repo.events.event_record("party:1") is None


async def test_at_the_hundred_event_cap_new_events_wait_and_existing_ones_still_change(
    outbox, discord, repo, db
):
    await outbox.queue([MirrorEvent(GUILD, "party:1", session())])
    await outbox.drain()
    discord.fill_events(GUILD, 99)
    await outbox.queue([MirrorEvent(GUILD, "party:2", session("Moving ep 3"))])
    await outbox.drain()
    off = await repo.events.mirror_status(GUILD)
    assert off is not None
    assert (off.code, off.reason) == (30038, MIRROR_OFF_AT_CAP)
    assert len(discord.events[GUILD]) == 100
    await outbox.queue([MirrorEvent(GUILD, "party:1", session(start=START + 60))])
    await outbox.drain()
    mine = await repo.events.event_record("party:1")
    assert mine is not None
    assert mine.event_id is not None
    assert discord.events[GUILD][mine.event_id] == session(start=START + 60)
    assert await repo.events.mirror_status(GUILD) is not None  # an update does not turn it on


async def test_other_servers_keep_mirroring_when_one_is_off(outbox, discord, repo):
    discord.no_event_permission.add(GUILD)
    await outbox.queue(
        [MirrorEvent(GUILD, "party:1", session()), MirrorEvent(GUILD + 1, "party:2", session())]
    )
    await outbox.drain()
    assert len(discord.events[GUILD + 1]) == 1
    assert await repo.events.mirror_status(GUILD + 1) is None


async def test_a_crash_after_discord_created_the_event_makes_no_second_one(
    repo, discord, clock, db
):
    first = make_outbox(repo, discord, clock)
    await first.queue([MirrorEvent(GUILD, "party:1", session())])
    await crash_once_applied(first, discord)
    assert await outcomes(db) == [("pending", None)]

    await make_outbox(repo, discord, clock).drain()
    [event_id] = discord.events[GUILD]
    assert await repo.events.event_record("party:1") == EventRecord(GUILD, event_id)
    assert await outcomes(db) == [("sent", "event_adopted")]


async def test_a_removal_queued_during_a_crash_still_finds_the_created_event(
    repo, discord, clock, db
):
    first = make_outbox(repo, discord, clock)
    await first.queue([MirrorEvent(GUILD, "party:1", session())])

    async def the_party_is_cancelled() -> None:
        await first.queue([RemoveEvent(GUILD, "party:1")])

    await crash_once_applied(first, discord, meanwhile=the_party_is_cancelled)
    await make_outbox(repo, discord, clock).drain()
    assert discord.events[GUILD] == {}
    assert await outcomes(db) == [("skipped", "superseded"), ("sent", "event_removed")]


async def test_an_event_deleted_in_discord_is_left_deleted(outbox, discord, repo, db):
    await outbox.queue([MirrorEvent(GUILD, "party:1", session())])
    await outbox.drain()
    discord.events[GUILD].clear()  # a moderator deleted it
    for minutes in (1, 2):  # later changes of the party do not bring it back
        await outbox.queue([MirrorEvent(GUILD, "party:1", session(start=START + minutes * 60))])
        await outbox.drain()
    assert discord.events[GUILD] == {}
    assert await repo.events.event_record("party:1") == EventRecord(GUILD, None)
    assert (await outcomes(db))[-2:] == [("skipped", "event_gone")] * 2
    await outbox.queue([RemoveEvent(GUILD, "party:1")])
    await outbox.drain()
    assert await repo.events.event_record("party:1") is None


def test_event_details_are_checked_when_made():
    with pytest.raises(ValueError, match="needs an end time"):
        EventDetails("x", START, location="somewhere")
    with pytest.raises(ValueError, match="needs its channel"):
        EventDetails("x", START, place="voice")
    with pytest.raises(ValueError, match="ends after it starts"):
        EventDetails("x", START, START, location="somewhere")


async def test_a_lower_version_never_brings_back_a_cancelled_party(outbox, discord, repo):
    await outbox.queue([RemoveEvent(GUILD, "party:2", version=3)])  # cancelled before made
    await outbox.drain()
    await outbox.queue([MirrorEvent(GUILD, "party:2", session(), version=2)])  # a late, older state
    await outbox.drain()
    assert discord.events.get(GUILD, {}) == {}
    assert await repo.events.event_record("party:2") is None


async def test_a_held_request_whose_session_passes_is_dropped_not_retried_forever(
    outbox, discord, clock, db
):
    discord.no_event_permission.add(GUILD)
    soon = int(clock.now().timestamp()) + 2 * 3600
    await outbox.queue([MirrorEvent(GUILD, "party:1", session(start=soon))])
    await outbox.drain()
    assert await outcomes(db) == [("skipped", "mirror_off")]  # starts before the next try
    for _ in range(10):
        clock.advance(6 * 3600)
        await outbox.drain()
    assert discord.attempts.count(f"create event in {GUILD}") == 1


async def test_a_change_that_goes_through_shows_mirroring_works_again(outbox, discord, repo, clock):
    await outbox.queue([MirrorEvent(GUILD, "party:1", session())])
    await outbox.drain()
    discord.no_event_permission.add(GUILD)
    await outbox.queue([MirrorEvent(GUILD, "party:1", session(start=START + 60))])
    await outbox.drain()
    assert await repo.events.mirror_status(GUILD) is not None
    discord.no_event_permission.clear()
    clock.advance(6 * 3600)
    await outbox.drain()  # the held update goes through
    assert await repo.events.mirror_status(GUILD) is None


async def test_a_party_back_on_after_our_delete_landed_unrecorded_gets_a_new_event(
    outbox, discord, repo, clock
):
    await outbox.queue([MirrorEvent(GUILD, "party:1", session())])
    await outbox.drain()
    await outbox.queue([RemoveEvent(GUILD, "party:1")])  # the host cancels

    async def back_on() -> None:  # and un-cancels while the delete is in flight
        await outbox.queue([MirrorEvent(GUILD, "party:1", session(start=START + 3600))])

    await crash_once_applied(outbox, discord, meanwhile=back_on)
    restarted = make_outbox(repo, discord, clock)
    await restarted.drain()
    await restarted.drain()
    assert list(discord.events[GUILD].values()) == [session(start=START + 3600)]
    record = await repo.events.event_record("party:1")
    assert record is not None
    assert record.event_id in discord.events[GUILD]


async def test_an_interrupted_create_never_adopts_another_partys_twin(outbox, discord, repo, clock):
    same = session()
    await outbox.queue([MirrorEvent(GUILD, "party:B", same)])
    await outbox.drain()
    discord.fail(TemporaryFailure("timed out"))  # A's identical create is never made
    await outbox.queue([MirrorEvent(GUILD, "party:A", same)])
    await outbox.drain()
    clock.advance(60)
    await outbox.drain()
    a, b = await repo.events.event_record("party:A"), await repo.events.event_record("party:B")
    assert a is not None
    assert b is not None
    assert a.event_id != b.event_id
    await outbox.queue([RemoveEvent(GUILD, "party:A")])
    await outbox.drain()
    assert list(discord.events[GUILD]) == [b.event_id]  # B's event survives A's cancel
