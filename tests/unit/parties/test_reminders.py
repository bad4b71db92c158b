"""Party reminders: which timers a party gets, and who each reminder pings."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.outbox.message import ToChannel
from bot.parties.models import PlaceKind, Rsvp
from bot.parties.reminders import KIND, PartyReminders, reminder_key, reminder_timers
from bot.parties.repository import PartyRepository
from bot.parties.service import PartyService
from bot.timers.models import FiredTimer, PermanentTimerError
from tests.support.clock import FakeClock
from tests.unit.parties.conftest import build_party_service
from tests.unit.parties.test_service import GUILD, HOST, JUN, NOW, SORA, plan

ROLE = 4444


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(NOW)


@pytest.fixture
def repository(db) -> PartyRepository:
    return PartyRepository(db)


@pytest.fixture
def service(db, clock) -> PartyService:
    return build_party_service(db, clock)


async def no_role(guild_id: int) -> int | None:
    return None


async def the_role(guild_id: int) -> int | None:
    return ROLE


def fired(party_id: int, session: int, lead: int, due: datetime, *, late=timedelta(0)):
    payload = {"party_id": party_id, "guild_id": GUILD, "session": session, "lead_minutes": lead}
    key = reminder_key(party_id, session, lead)
    return FiredTimer(1, key, KIND, due, payload, 1, late)


async def test_every_session_gets_each_lead_time_and_its_start(service):
    party = await service.create(plan())
    timers = reminder_timers(party, (60, 15), now=NOW - timedelta(hours=1))
    first, second = (s.session.start for s in party.sessions)
    expected = [
        (reminder_key(party.id, number, lead), start - timedelta(minutes=lead))
        for number, start in ((1, first), (2, second))
        for lead in (60, 15, 0)
    ]
    assert [(t.key, datetime.fromtimestamp(t.due_at, UTC)) for t in timers] == expected
    assert {t.kind for t in timers} == {KIND}


async def test_lead_times_already_passed_get_no_timer(service):
    party = await service.create(plan())
    start = party.sessions[0].session.start
    timers = reminder_timers(party, (60, 15), now=start - timedelta(minutes=30))
    assert [t.key for t in timers][:2] == [
        reminder_key(party.id, 1, 15),
        reminder_key(party.id, 1, 0),
    ]


async def test_cancelled_sessions_get_no_timers(service):
    party = await service.create(plan())
    cancelled = dataclasses.replace(party.sessions[0], cancelled=True)
    party = dataclasses.replace(party, sessions=(cancelled, party.sessions[1]))
    assert all(":session:2:" in t.key for t in reminder_timers(party, (60,), now=NOW))


async def test_a_reminder_pings_exactly_who_was_going_when_it_was_due(service, repository, clock):
    party = await service.create(plan())
    start = party.sessions[0].session.start
    due = start - timedelta(minutes=60)
    await service.rsvp(GUILD, party.id, JUN, Rsvp.GOING)
    await service.rsvp(GUILD, party.id, HOST, Rsvp.MAYBE)
    await service.rsvp(GUILD, party.id, 77, Rsvp.GOING)
    await service.rsvp(GUILD, party.id, 77, Rsvp.NOT_GOING)  # left: not pinged
    clock.current = due + timedelta(seconds=5)
    await service.rsvp(GUILD, party.id, SORA, Rsvp.GOING)  # too late for this one

    outcome = await PartyReminders(repository, the_role).fire(fired(party.id, 1, 60, due))

    [message] = outcome.messages
    assert message.to == ToChannel(900)
    assert message.mention_user_ids == (JUN,)
    assert message.mention_role_ids == (ROLE,)
    stamp = int(start.timestamp())
    assert message.content == (
        f"\u23f0 **Crash Landing on You, episodes 1\u20132** starts in 1h: "
        f"<t:{stamp}:t> (<t:{stamp}:R>).\n"
        "Where: https://watch.example/room\n"
        f"<@&{ROLE}> <@{JUN}>"
    )


async def test_the_start_reminder_and_a_party_without_pings(service, repository):
    party = await service.create(plan(place_kind=PlaceKind.VOICE, place="5550001"))
    start = party.sessions[0].session.start
    outcome = await PartyReminders(repository, no_role).fire(fired(party.id, 1, 0, start))
    [message] = outcome.messages
    assert message.content == (
        "\U0001f3ac **Crash Landing on You, episodes 1\u20132** is starting now.\nWhere: <#5550001>"
    )
    assert message.mention_user_ids == ()
    assert message.mention_role_ids == ()


async def test_a_late_reminder_says_so_and_one_after_the_start_is_skipped(service, repository):
    party = await service.create(plan())
    start = party.sessions[0].session.start
    due = start - timedelta(minutes=60)
    reminders = PartyReminders(repository, no_role)

    late = await reminders.fire(fired(party.id, 1, 60, due, late=timedelta(minutes=20)))
    assert "starts in 40m" in late.messages[0].content  # the time really left
    assert "Late by 20m" in late.messages[0].content
    too_late = await reminders.fire(fired(party.id, 1, 60, due, late=timedelta(minutes=61)))
    assert too_late.messages == ()


async def test_many_going_members_are_split_across_messages(service, repository, clock):
    party = await service.create(plan())
    members = list(range(10_000_000_000_000_000, 10_000_000_000_000_120))
    for member in members:
        await service.rsvp(GUILD, party.id, member, Rsvp.GOING)
    due = party.sessions[0].session.start - timedelta(minutes=15)

    outcome = await PartyReminders(repository, the_role).fire(fired(party.id, 1, 15, due))

    pinged = [m for message in outcome.messages for m in message.mention_user_ids]
    assert pinged == members
    assert all(len(message.content) <= 2000 for message in outcome.messages)
    assert [message.mention_role_ids for message in outcome.messages] == [(ROLE,), (), ()]


async def test_a_party_of_another_server_or_gone_sends_nothing(service, repository):
    party = await service.create(plan())
    due = party.sessions[0].session.start
    reminders = PartyReminders(repository, no_role)
    other = fired(party.id, 1, 0, due)
    other = dataclasses.replace(other, payload={**other.payload, "guild_id": 999})
    assert (await reminders.fire(other)).messages == ()
    assert (await reminders.fire(fired(party.id + 1, 1, 0, due))).messages == ()
    assert (await reminders.fire(fired(party.id, 9, 0, due))).messages == ()


async def test_an_unreadable_reminder_is_dead_not_retried(repository):
    broken = FiredTimer(1, "party:x", KIND, NOW, {"party_id": "x"}, 1, timedelta(0))
    with pytest.raises(PermanentTimerError):
        await PartyReminders(repository, no_role).fire(broken)


async def test_after_downtime_only_the_nearest_reminder_goes_out(service, repository):
    party = await service.create(plan())
    start = party.sessions[0].session.start.astimezone(UTC)
    [hour, quarter, at_start] = [
        t
        for t in reminder_timers(party, (60, 15), now=NOW - timedelta(hours=1))
        if ":session:1:" in t.key
    ]
    reminders = PartyReminders(repository, no_role)
    back_at = start - timedelta(minutes=10)  # both the 1h and the 15m reminders are overdue

    def run(timer):
        due = datetime.fromtimestamp(timer.due_at, UTC)
        return FiredTimer(1, timer.key, KIND, due, timer.payload, 1, back_at - due)

    assert (await reminders.fire(run(hour))).messages == ()
    [message] = (await reminders.fire(run(quarter))).messages
    assert "starts in 10m" in message.content
    hours_late = dataclasses.replace(run(at_start), late_by=timedelta(hours=3))
    assert (await reminders.fire(hours_late)).messages == ()  # well under way: skipped


async def test_reminders_are_due_in_real_time_across_a_clock_change(service):
    # 8 Mar 2026: New York springs forward at 02:00; a 03:30 EDT session's 1h reminder is at
    # 01:30 EST, an hour of real time before, not at 02:30 (which does not exist).
    new_york = ZoneInfo("America/New_York")
    start = datetime(2026, 3, 8, 3, 30, tzinfo=new_york)
    clock_now = datetime(2026, 3, 1, tzinfo=UTC)
    party = await service.create(plan(zone="America/New_York", sessions=(plan().sessions[0],)))
    moved = dataclasses.replace(
        party.sessions[0], session=dataclasses.replace(party.sessions[0].session, start=start)
    )
    party = dataclasses.replace(party, sessions=(moved,))
    due = {
        t.key: datetime.fromtimestamp(t.due_at, UTC)
        for t in reminder_timers(party, (60,), now=clock_now)
    }
    assert due[reminder_key(party.id, 1, 60)] == start.astimezone(UTC) - timedelta(hours=1)
    assert (
        due[reminder_key(party.id, 1, 60)].astimezone(new_york).strftime("%H:%M %Z") == "01:30 EST"
    )
