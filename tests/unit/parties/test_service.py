"""Creating a watch party and answering it, on a real SQLite file and a fake clock."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.errors import UserFacingError
from bot.parties.models import (
    EpisodeRange,
    PartyPlan,
    PlaceKind,
    RepeatRule,
    Rsvp,
    RsvpCounts,
    ScheduleRequest,
    Session,
    Weekday,
)
from bot.parties.service import PartyService
from tests.support.clock import FakeClock
from tests.unit.parties.conftest import build_party_service

SEOUL = ZoneInfo("Asia/Seoul")
NOW = datetime(2026, 12, 4, 10, 0, tzinfo=UTC)  # Fri 19:00 KST
GUILD, OTHER_GUILD = 111, 222
HOST, JUN, SORA = 1, 2, 3


def plan(**changes) -> PartyPlan:
    first = datetime(2026, 12, 4, 20, 0, tzinfo=SEOUL)
    values = {
        "guild_id": GUILD,
        "channel_id": 900,
        "host_id": HOST,
        "title_name": "Crash Landing on You",
        "title_id": "catalog:crash-landing-on-you",
        "zone": "Asia/Seoul",
        "sessions": (
            Session(1, first, first + timedelta(minutes=140), EpisodeRange(1, 2)),
            Session(2, first + timedelta(days=1), None, EpisodeRange(3, 4)),
        ),
        "place_kind": PlaceKind.LINK,
        "place": "https://watch.example/room",
        "note": "Bring snacks; 라면 optional",
        "repeat": RepeatRule("weekly", (Weekday.FRI, Weekday.SAT)),
    }
    values.update(changes)
    return PartyPlan(**values)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(NOW)


@pytest.fixture
def service(db, clock) -> PartyService:
    return build_party_service(db, clock)


async def test_a_created_party_reads_back_exactly(service):
    created = await service.create(plan())
    loaded = await service.get(GUILD, created.id)
    assert loaded == created
    assert loaded.plan == plan()  # zone, wall times, episodes, rule and Hangul all kept
    assert [s.session.start.tzinfo for s in loaded.sessions] == [SEOUL, SEOUL]


async def test_another_servers_party_is_not_found(service):
    created = await service.create(plan())
    with pytest.raises(UserFacingError, match=f"no watch party #{created.id} in this server"):
        await service.get(OTHER_GUILD, created.id)
    with pytest.raises(UserFacingError):
        await service.rsvp(OTHER_GUILD, created.id, JUN, Rsvp.GOING)


async def test_answers_count_and_a_second_click_changes_the_answer(service):
    party = await service.create(plan())
    await service.rsvp(GUILD, party.id, JUN, Rsvp.GOING)
    await service.rsvp(GUILD, party.id, SORA, Rsvp.MAYBE)
    result = await service.rsvp(GUILD, party.id, SORA, Rsvp.GOING)
    assert result.counts == RsvpCounts(going=2, going_ids=(JUN, SORA))
    assert result.changed
    result = await service.rsvp(GUILD, party.id, JUN, Rsvp.NOT_GOING)
    assert result.counts == RsvpCounts(going=1, not_going=1, going_ids=(SORA,))
    assert await service.rsvp_of(party.id, JUN) is Rsvp.NOT_GOING
    assert await service.rsvp_of(party.id, HOST) is None


async def test_clicking_the_same_answer_again_keeps_when_it_was_given(service, clock):
    party = await service.create(plan())
    await service.rsvp(GUILD, party.id, JUN, Rsvp.GOING)
    clock.advance(60)
    await service.rsvp(GUILD, party.id, SORA, Rsvp.GOING)
    clock.advance(60)
    result = await service.rsvp(GUILD, party.id, JUN, Rsvp.GOING)
    assert result.counts.going_ids == (JUN, SORA)  # JUN answered first, and still did
    assert not result.changed


async def test_a_party_that_has_started_takes_no_answers(service, clock):
    party = await service.create(plan())
    clock.advance(timedelta(days=2).total_seconds())
    with pytest.raises(UserFacingError, match="already started"):
        await service.rsvp(GUILD, party.id, JUN, Rsvp.GOING)


async def test_upcoming_lists_this_servers_parties_soonest_first(service, clock):
    saturday_9pm = datetime(2026, 12, 5, 21, 0, tzinfo=SEOUL)
    later = await service.create(plan(title_name="Goblin", sessions=(Session(1, saturday_9pm),)))
    sooner = await service.create(plan())
    await service.create(plan(guild_id=OTHER_GUILD))
    assert [p.id for p in await service.upcoming(GUILD)] == [sooner.id, later.id]
    clock.advance(timedelta(hours=1, minutes=30).total_seconds())  # the first is under way
    assert [p.id for p in await service.upcoming(GUILD)] == [sooner.id, later.id]
    clock.advance(timedelta(hours=10, minutes=30).total_seconds())  # the first is over
    assert [p.id for p in await service.upcoming(GUILD)] == [sooner.id, later.id]
    clock.advance(timedelta(days=1).total_seconds())  # every session has started
    assert await service.upcoming(GUILD) == []


@pytest.mark.parametrize(
    ("changes", "says"),
    [
        ({"sessions": ()}, "at least one session"),
        ({"title_name": "  "}, "1 to 100 characters"),
        ({"title_name": "x" * 101}, "1 to 100 characters"),
        ({"note": "x" * 501}, "at most 500 characters; that one has 501"),
        ({"place": "javascript:alert(1)"}, "must start with https://"),
    ],
)
async def test_a_bad_plan_is_refused_and_nothing_is_written(service, db, changes, says):
    with pytest.raises(UserFacingError, match=None) as refused:
        await service.create(plan(**changes))
    assert says in str(refused.value)
    assert (await db.fetchone("SELECT COUNT(*) AS n FROM watch_parties"))["n"] == 0


async def test_sessions_out_of_order_are_refused(service):
    first, second = plan().sessions
    swapped = (dataclasses.replace(first, number=2), dataclasses.replace(second, number=1))
    with pytest.raises(UserFacingError, match="each start after the one before"):
        await service.create(plan(sessions=tuple(reversed(swapped))))


async def test_a_start_that_passed_while_waiting_at_confirm_is_refused(service, clock):
    clock.advance(timedelta(hours=2).total_seconds())  # now 21:00 KST, after the 20:00 start
    with pytest.raises(UserFacingError, match="has passed while the plan waited"):
        await service.create(plan())


def test_reading_a_time_uses_the_clock(service):
    assert service.read_time("fri 8pm", zone="Asia/Seoul").start == plan().sessions[0].start


def request(**changes) -> ScheduleRequest:
    values = {
        "guild_id": GUILD,
        "channel_id": 900,
        "host_id": HOST,
        "title_name": "Crash Landing on You",
        "title_id": "catalog:crash-landing-on-you",
        "when": "fri 8pm",
        "zone": "Asia/Seoul",
        "last_episode": 16,
        "runtime_minutes": 70,
    }
    values.update(changes)
    return ScheduleRequest(**values)


def test_the_issues_series_is_planned_from_what_the_member_typed(service):
    planned = service.plan(
        request(episodes="1-16", per_session=2, repeat="every fri and sat", when="fri 8pm KST")
    )
    sessions = planned.plan.sessions
    assert len(sessions) == 8
    assert [str(s.episodes) for s in sessions] == [
        "1\u20132",
        "3\u20134",
        "5\u20136",
        "7\u20138",
        "9\u201310",
        "11\u201312",
        "13\u201314",
        "15\u201316",
    ]
    assert [s.start.strftime("%a %d %H:%M") for s in sessions[:3]] == [
        "Fri 04 20:00",
        "Sat 05 20:00",
        "Fri 11 20:00",
    ]
    assert sessions[0].end == sessions[0].start + timedelta(minutes=140)
    assert planned.plan.repeat == RepeatRule("weekly", (Weekday.FRI, Weekday.SAT))
    assert planned.notes == ()


def test_a_single_party_with_episodes_ends_after_them(service):
    planned = service.plan(request(episodes="5-6", when="tomorrow 21:00"))
    [session] = planned.plan.sessions
    assert session.start.isoformat() == "2026-12-05T21:00:00+09:00"
    assert session.end == session.start + timedelta(minutes=140)
    assert str(session.episodes) == "5\u20136"


def test_a_zone_written_in_when_becomes_the_partys_zone(service):
    planned = service.plan(request(when="sat 8pm America/New_York", zone="Asia/Seoul"))
    assert planned.plan.zone == "America/New_York"
    assert planned.plan.sessions[0].start.isoformat() == "2026-12-05T20:00:00-05:00"


def test_a_series_until_a_day(service):
    planned = service.plan(request(repeat="weekly", until="24 dec"))
    assert [s.start.day for s in planned.plan.sessions] == [4, 11, 18]


def test_the_time_reading_note_is_passed_on(service):
    planned = service.plan(request(when="6pm"))
    assert planned.notes == ("18:00 has passed today, so I read it as tomorrow.",)


@pytest.mark.parametrize(
    ("changes", "says"),
    [
        ({"when": "whenever"}, "I can't tell what time"),
        ({"repeat": "sometimes"}, "Try `daily`"),
        ({"episodes": "6-5"}, "5-6"),
        ({"episodes": "1-20"}, "16"),
        ({"sessions": 3}, "only applies to a series"),
        ({"repeat": "weekly", "until": "2026-12-01"}, "has already passed"),
        ({"note": "x" * 501}, "at most 500 characters"),
        ({"place_kind": PlaceKind.LINK, "place": "not a link"}, "https://"),
    ],
)
def test_what_cannot_be_planned_is_refused_with_the_reason(service, changes, says):
    with pytest.raises(UserFacingError) as refused:
        service.plan(request(**changes))
    assert says in str(refused.value)


async def test_headings_list_what_upcoming_lists_in_the_same_order(service, clock):
    saturday_9pm = datetime(2026, 12, 5, 21, 0, tzinfo=SEOUL)
    later = await service.create(plan(title_name="Goblin", sessions=(Session(1, saturday_9pm),)))
    sooner = await service.create(plan())
    await service.create(plan(guild_id=OTHER_GUILD))
    clock.advance(timedelta(hours=1, minutes=30).total_seconds())  # the first is under way
    headings = await service.headings(GUILD, limit=25)
    assert [h.id for h in headings] == [p.id for p in await service.upcoming(GUILD)]
    assert [h.id for h in headings] == [sooner.id, later.id]
    # Session 1 of the series is under way: its next session is the one shown.
    assert headings[0].shown_start == int(sooner.sessions[1].session.start.timestamp())
    assert (headings[1].title_name, headings[1].zone) == ("Goblin", "Asia/Seoul")
