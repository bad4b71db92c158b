"""A watch party's life, as members see it: preview and Confirm, the announcement with its
buttons and event, answers that edit the counts, reminders (pings and DMs), a reschedule and a
cancel with their notices, and the next session of a series announced as the last one ends.

The service, the timers and the outbox are the real ones on SQLite; only Discord is a fake.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import icalendar
import pytest

from bot.errors import UserFacingError
from bot.parties.models import MoveRequest, Party, PlaceKind, Rsvp, ScheduleRequest
from tests.support.clock import FakeClock
from tests.unit.parties.conftest import World

SEOUL = ZoneInfo("Asia/Seoul")
NEW_YORK = ZoneInfo("America/New_York")
NOW = datetime(2026, 12, 4, 1, 0, tzinfo=UTC)  # Fri 10:00 KST
GUILD, CHANNEL, VOICE = 111, 900, 950
HOST, JUN, SORA, MINA = 1, 2, 3, 4


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(NOW)


def request(**changes: object) -> ScheduleRequest:
    values: dict[str, object] = {
        "guild_id": GUILD,
        "channel_id": CHANNEL,
        "host_id": HOST,
        "title_name": "Crash Landing on You",
        "when": "fri 8pm",
        "zone": "Asia/Seoul",
        "title_id": "catalog:crash-landing-on-you",
        "last_episode": 16,
        "runtime_minutes": 70,
        "episodes": "1-2",
        "place_kind": PlaceKind.VOICE,
        "place": str(VOICE),
        "cover_url": "https://img.example/cloy.jpg",
        "compass_line": "Slow-burn 0.81 · Fantasy 0.10",
    }
    values.update(changes)
    return ScheduleRequest(**values)  # type: ignore[arg-type]


async def confirmed(world: World, **changes: object):
    draft, _ = await world.parties.preview(request(**changes))
    party = (await world.parties.confirm(draft.id, HOST, guild_id=GUILD)).party
    await world.outbox.drain()
    return party


async def move(world: World, party: Party, **fields: Any) -> Party:
    return await world.parties.reschedule(MoveRequest(guild_id=GUILD, party_id=party.id, **fields))


def fields(embed: dict) -> dict[str, str]:
    return {field["name"]: field["value"] for field in embed["fields"]}


async def test_confirm_posts_the_announcement_with_buttons_and_mirrors_the_session(world):
    party = await confirmed(world)
    [post] = world.discord.posts
    [embed] = post.message.embeds
    start = int(datetime(2026, 12, 4, 20, 0, tzinfo=SEOUL).timestamp())
    assert embed["title"].endswith("Crash Landing on You")
    assert embed["thumbnail"] == {"url": "https://img.example/cloy.jpg"}
    assert "Slow-burn 0.81" in embed["description"]
    shown = fields(embed)
    assert shown["When"] == f"<t:{start}:F> (<t:{start}:R>)\nEnds <t:{start + 140 * 60}:t>"
    assert shown["Episodes"] == "1\u20132"
    assert shown["Where"] == f"<#{VOICE}>"
    assert shown["Host"] == f"<@{HOST}>"
    assert shown["RSVP"] == "\u2705 0 Going \u00b7 \U0001f914 0 Maybe \u00b7 \u274c 0 Can't go"
    labels = [(b.label, b.custom_id) for b in post.message.buttons]
    assert labels[:4] == [
        ("Going", f"party:{party.id}:rsvp:going"),
        ("Maybe", f"party:{party.id}:rsvp:maybe"),
        ("Can't go", f"party:{party.id}:rsvp:not_going"),
        ("Add to calendar", f"party:{party.id}:calendar"),
    ]
    google = post.message.buttons[4]
    assert google.url is not None
    assert google.url.startswith("https://calendar.google.com/")
    [event] = world.discord.events[GUILD].values()
    assert (event.place, event.channel_id, event.start) == ("voice", VOICE, start)
    assert event.name == "Crash Landing on You, episodes 1\u20132"


async def test_confirm_creates_exactly_the_plan_the_preview_showed_and_only_once(world, clock):
    draft, planned = await world.parties.preview(request(when="in 2 hours"))
    clock.advance(10 * 60)  # the member looks at the preview for ten minutes
    party = (await world.parties.confirm(draft.id, HOST, guild_id=GUILD)).party
    assert party.sessions[0].session.start == planned.plan.sessions[0].start
    with pytest.raises(UserFacingError, match="expired or was already confirmed"):
        await world.parties.confirm(draft.id, HOST, guild_id=GUILD)
    assert len(await world.parties.upcoming(GUILD)) == 1


async def test_another_member_cannot_confirm_someone_elses_plan(world):
    draft, _ = await world.parties.preview(request())
    with pytest.raises(UserFacingError, match="expired or was already confirmed"):
        await world.parties.confirm(draft.id, JUN, guild_id=GUILD)
    assert await world.parties.upcoming(GUILD) == []


async def test_a_start_that_passed_while_waiting_at_confirm_is_refused(world, clock):
    draft, _ = await world.parties.preview(request(when="in 5 minutes"))
    clock.advance(10 * 60)
    with pytest.raises(UserFacingError, match="has passed"):
        await world.parties.confirm(draft.id, HOST, guild_id=GUILD)
    assert world.discord.posts == []


async def test_each_answer_edits_the_announcement_with_the_latest_counts(world):
    party = await confirmed(world)
    [message_id] = world.discord.messages
    for member, choice in ((JUN, Rsvp.GOING), (SORA, Rsvp.MAYBE), (SORA, Rsvp.GOING)):
        await world.parties.rsvp(GUILD, party.id, member, choice)
    await world.outbox.drain()
    [final] = world.discord.messages[message_id].edits[-1].embeds
    assert fields(final)["RSVP"].startswith("\u2705 2 Going \u00b7 \U0001f914 0 Maybe")
    assert fields(final)["Going"] == f"<@{JUN}> <@{SORA}>"


async def test_reminders_ping_exactly_the_going_members_and_dm_those_who_asked(world):
    party = await confirmed(world)
    await world.parties.rsvp(GUILD, party.id, JUN, Rsvp.GOING)
    await world.parties.rsvp(GUILD, party.id, SORA, Rsvp.GOING)
    await world.parties.rsvp(GUILD, party.id, MINA, Rsvp.MAYBE)
    await world.parties.set_dm_reminders(GUILD, SORA, on=True)
    start = datetime(2026, 12, 4, 20, 0, tzinfo=SEOUL)
    await world.at(start - timedelta(hours=1))
    reminders = [p for p in world.discord.posts if "starts in 1h" in p.message.content]
    [ping] = [p for p in reminders if p.where == f"channel {CHANNEL}"]
    [dm] = [p for p in reminders if p.where != f"channel {CHANNEL}"]
    assert ping.message.mention_user_ids == (JUN,)
    assert f"<@{MINA}>" not in ping.message.content
    assert dm.where == f"dm {SORA}"
    assert dm.message.mention_user_ids == ()
    assert f"Watch party #{party.id} in <#{CHANNEL}>" in dm.message.content


async def test_a_member_who_turns_going_after_a_lead_time_is_not_reminded_of_it(world):
    party = await confirmed(world)
    start = datetime(2026, 12, 4, 20, 0, tzinfo=SEOUL)
    world.set_time(start - timedelta(minutes=59))  # the 1-hour reminder is due but not run
    await world.parties.rsvp(GUILD, party.id, JUN, Rsvp.GOING)
    await world.deliver()
    [ping] = [p for p in world.discord.posts if "starts in" in p.message.content]
    assert ping.message.mention_user_ids == ()
    await world.at(start - timedelta(minutes=15))
    [_, second] = [p for p in world.discord.posts if "starts in" in p.message.content]
    assert second.message.mention_user_ids == (JUN,)


async def test_only_the_host_or_an_event_manager_may_change_a_party(world):
    party = await confirmed(world)
    with pytest.raises(UserFacingError, match="Only the host"):
        await world.parties.cancel(GUILD, party.id, by=JUN, can_manage_events=False)
    with pytest.raises(UserFacingError, match="Only the host"):
        await move(
            world, party, host_id=JUN, can_manage_events=False, when="sat 9pm", zone="Asia/Seoul"
        )
    unchanged = await world.parties.get(GUILD, party.id)
    assert unchanged == party
    moved = await move(
        world, party, host_id=JUN, can_manage_events=True, when="sat 9pm", zone="Asia/Seoul"
    )
    assert moved.sessions[0].session.start == datetime(2026, 12, 5, 21, 0, tzinfo=SEOUL)


async def test_a_reschedule_moves_reminders_event_and_announcement_and_tells_the_going(world):
    party = await confirmed(world)
    await world.parties.rsvp(GUILD, party.id, JUN, Rsvp.GOING)
    await move(
        world, party, host_id=HOST, can_manage_events=False, when="sat 9pm", zone="Asia/Seoul"
    )
    await world.outbox.drain()
    new_start = int(datetime(2026, 12, 5, 21, 0, tzinfo=SEOUL).timestamp())
    [notice] = [p for p in world.discord.posts if "moved to" in p.message.content]
    assert f"<t:{new_start}:F>" in notice.message.content
    assert notice.message.mention_user_ids == (JUN,)
    [event] = world.discord.events[GUILD].values()
    assert event.start == new_start
    [announcement_id] = [m for m, s in world.discord.messages.items() if not s.content]
    edit = world.discord.messages[announcement_id].edits[-1]
    [embed] = edit.embeds
    assert f"<t:{new_start}:F>" in fields(embed)["When"]
    # Friday's reminders are gone; Saturday's fire.
    await world.at(datetime(2026, 12, 4, 19, 0, tzinfo=SEOUL))
    assert not [p for p in world.discord.posts if "starts in" in p.message.content]
    await world.at(datetime(2026, 12, 5, 20, 0, tzinfo=SEOUL))
    [reminder] = [p for p in world.discord.posts if "starts in 1h" in p.message.content]
    assert reminder.message.mention_user_ids == (JUN,)


async def test_cancelling_stops_reminders_removes_the_event_and_the_buttons(world):
    party = await confirmed(world)
    await world.parties.rsvp(GUILD, party.id, JUN, Rsvp.GOING)
    after = await world.parties.cancel(GUILD, party.id, by=HOST, can_manage_events=False)
    assert after.cancelled
    await world.outbox.drain()
    [notice] = [p for p in world.discord.posts if "is cancelled" in p.message.content]
    assert notice.message.mention_user_ids == (JUN,)
    assert world.discord.events.get(GUILD) == {}
    [announcement_id] = [m for m, s in world.discord.messages.items() if not s.content]
    assert world.discord.messages[announcement_id].has_buttons is False
    await world.at(datetime(2026, 12, 4, 21, 0, tzinfo=SEOUL))
    assert not [p for p in world.discord.posts if "starts" in p.message.content]
    with pytest.raises(UserFacingError, match="cancelled"):
        await world.parties.rsvp(GUILD, party.id, SORA, Rsvp.GOING)


async def test_a_series_announces_each_next_session_when_the_last_one_ends(world):
    party = await confirmed(
        world, repeat="weekly fri,sat", episodes=None, per_session=2, sessions=3
    )
    assert [s.session.episodes and str(s.session.episodes) for s in party.sessions] == [
        "1\u20132",
        "3\u20134",
        "5\u20136",
    ]
    first_end = party.sessions[0].session.end
    assert first_end is not None
    await world.at(first_end)
    announcements = [p for p in world.discord.posts if p.message.embeds]
    assert len(announcements) == 2
    [second] = announcements[1].message.embeds
    assert fields(second)["Episodes"] == "3\u20134"
    assert fields(second)["Series"].startswith("Session 2 of 3")
    # The first session's event is removed, the second's created.
    [event] = world.discord.events[GUILD].values()
    assert event.name.endswith("episodes 3\u20134")


async def test_a_weekly_new_york_series_moved_as_a_whole_keeps_its_wall_time_across_dst(world):
    clock_start = datetime(2026, 10, 20, 12, 0, tzinfo=UTC)
    world.set_time(clock_start)
    party = await confirmed(
        world,
        when="2026-10-30 20:00",
        zone="America/New_York",
        repeat="weekly fri",
        sessions=3,
        episodes=None,
        per_session=None,
        last_episode=None,
    )
    moved = await move(
        world,
        party,
        host_id=HOST,
        can_manage_events=False,
        when="2026-10-31 21:00",
        zone="America/New_York",
        rest_of_series=True,
    )
    walls = [s.session.start.astimezone(NEW_YORK) for s in moved.sessions]
    assert [(w.day, w.hour) for w in walls] == [(31, 21), (7, 21), (14, 21)]
    # The clocks went back on 1 Nov: the same wall time is an hour later in UTC.
    utc_hours = [s.session.start.astimezone(UTC).hour for s in moved.sessions]
    assert utc_hours == [1, 2, 2]
    assert [s.sequence for s in moved.sessions] == [1, 1, 1]


async def test_a_session_cannot_be_moved_past_the_next_one(world):
    party = await confirmed(
        world, repeat="weekly fri,sat", episodes=None, per_session=2, sessions=3
    )
    with pytest.raises(UserFacingError, match="out of order"):
        await move(
            world,
            party,
            host_id=HOST,
            can_manage_events=False,
            when="2026-12-11 20:00",
            zone="Asia/Seoul",
            session=1,
        )
    assert await world.parties.get(GUILD, party.id) == party


async def test_the_members_calendar_holds_the_parties_they_are_going_to(world):
    going = await confirmed(world)
    await confirmed(world, title_name="Goblin", when="sat 9pm")
    await world.parties.rsvp(GUILD, going.id, JUN, Rsvp.GOING)
    assert await world.parties.member_calendar(GUILD, SORA) is None
    calendar = await world.parties.member_calendar(GUILD, JUN)
    assert calendar is not None
    parsed = icalendar.Calendar.from_ical(calendar.data)
    [event] = parsed.walk("VEVENT")
    assert str(event["SUMMARY"]) == "Crash Landing on You, episodes 1\u20132"
    assert event["UID"] == f"party-{going.id}-session-1@watchclub"
    await world.parties.cancel(GUILD, going.id, by=HOST, can_manage_events=False)
    again = await world.parties.member_calendar(GUILD, JUN)
    assert again is not None
    [cancelled] = icalendar.Calendar.from_ical(again.data).walk("VEVENT")
    assert str(cancelled["STATUS"]) == "CANCELLED"
    assert int(cancelled["SEQUENCE"]) == 1


async def test_a_draft_revised_with_a_zone_reads_the_time_there(world):
    draft = await world.parties.hold(request(zone=""))
    _, planned = await world.parties.revise(draft.id, HOST, guild_id=GUILD, zone="America/New_York")
    start = planned.plan.sessions[0].start
    assert (start.tzinfo, start.hour) == (NEW_YORK, 20)
    _, changed = await world.parties.revise(draft.id, HOST, guild_id=GUILD, when="sat 9pm")
    assert changed.plan.sessions[0].start.hour == 21


async def test_a_link_place_is_an_external_event_and_a_long_link_is_not_cut(world):
    long_link = "https://watch.example/" + "a" * 120
    await confirmed(world, place_kind=PlaceKind.LINK, place=long_link)
    [event] = world.discord.events[GUILD].values()
    assert event.place == "external"
    assert event.location == "Discord: see the announcement"
    await confirmed(world, place_kind=PlaceKind.LINK, place="https://watch.example/r")
    locations = sorted(e.location or "" for e in world.discord.events[GUILD].values())
    assert locations == ["Discord: see the announcement", "https://watch.example/r"]


def test_request_round_trips_through_a_draft():
    from bot.parties.drafts import request_from_json, request_to_json

    original = replace(request(), wants_thread=True, note="라면 night")
    assert request_from_json(request_to_json(original)) == original


async def test_the_readmes_new_york_series_across_dst_is_what_the_bot_plans(world):
    """README.md, "A series across a daylight-saving change": the table is this plan."""
    world.set_time(datetime(2027, 3, 1, 12, 0, tzinfo=UTC))
    _, planned = await world.parties.preview(
        request(
            when="2027-03-05 20:00",
            zone="America/New_York",
            repeat="weekly fri",
            sessions=4,
            episodes=None,
            per_session=2,
        )
    )
    seoul, london = ZoneInfo("Asia/Seoul"), ZoneInfo("Europe/London")
    rows = [
        (
            str(s.episodes),
            s.start.strftime("%a %-d %b %H:%M %Z"),
            s.start.astimezone(UTC).strftime("%a %H:%M"),
            s.start.astimezone(seoul).strftime("%a %H:%M"),
            s.start.astimezone(london).strftime("%a %H:%M %Z"),
        )
        for s in planned.plan.sessions
    ]
    assert rows == [
        ("1\u20132", "Fri 5 Mar 20:00 EST", "Sat 01:00", "Sat 10:00", "Sat 01:00 GMT"),
        ("3\u20134", "Fri 12 Mar 20:00 EST", "Sat 01:00", "Sat 10:00", "Sat 01:00 GMT"),
        ("5\u20136", "Fri 19 Mar 20:00 EDT", "Sat 00:00", "Sat 09:00", "Sat 00:00 GMT"),
        ("7\u20138", "Fri 26 Mar 20:00 EDT", "Sat 00:00", "Sat 09:00", "Sat 00:00 GMT"),
    ]


async def test_a_title_typed_to_ping_or_restyle_is_shown_as_typed_in_reminders(world):
    party = await confirmed(world, title_name="**Boom** @everyone <@&777> <@42>", title_id=None)
    await world.parties.rsvp(GUILD, party.id, JUN, Rsvp.GOING)
    await world.at(datetime(2026, 12, 4, 19, 0, tzinfo=SEOUL))
    [ping] = [p for p in world.discord.posts if "starts in 1h" in p.message.content]
    assert "\\*\\*Boom\\*\\* @\u200beveryone <@\u200b&777> <@\u200b42>" in ping.message.content
    assert ping.message.mention_user_ids == (JUN,)
    assert ping.message.mention_role_ids == ()


async def test_new_lead_times_reach_the_parties_already_planned(world, db):
    from bot.guilds.repository import GuildSettingsRepository
    from bot.guilds.service import GuildSettingsService

    party = await confirmed(world)
    await world.parties.rsvp(GUILD, party.id, JUN, Rsvp.GOING)
    settings = GuildSettingsService(GuildSettingsRepository(db), world.clock)
    await settings.set_reminder_lead_times(GUILD, "2h", by=HOST)
    assert await world.parties.apply_lead_times(GUILD) == 1
    start = datetime(2026, 12, 4, 20, 0, tzinfo=SEOUL)
    await world.at(start - timedelta(hours=2))
    await world.at(start - timedelta(minutes=15))
    reminders = [p.message.content for p in world.discord.posts if "starts in" in p.message.content]
    assert len(reminders) == 1
    assert "starts in 2h" in reminders[0]
    await world.at(start)
    assert any("is starting now" in p.message.content for p in world.discord.posts)


async def test_a_plan_waiting_for_its_zone_cannot_be_confirmed(world):
    draft = await world.parties.hold(request(zone=""))
    with pytest.raises(UserFacingError, match="Pick your time zone first"):
        await world.parties.confirm(draft.id, HOST, guild_id=GUILD)
    assert await world.parties.upcoming(GUILD) == []


async def test_a_reschedule_is_previewed_and_tells_nobody_until_confirmed(world):
    party = await confirmed(world)
    await world.parties.rsvp(GUILD, party.id, JUN, Rsvp.GOING)
    draft, planned = await world.parties.preview_move(
        MoveRequest(GUILD, party.id, HOST, when="sat 9pm", zone="America/New_York")
    )
    [move_shown] = planned.moves
    assert planned.zone == "America/New_York"
    assert move_shown.start == datetime(2026, 12, 5, 21, 0, tzinfo=NEW_YORK)
    assert move_shown.start.tzinfo == SEOUL  # kept in the party's zone
    await world.outbox.drain()
    assert not [p for p in world.discord.posts if "moved to" in p.message.content]
    assert (await world.parties.get(GUILD, party.id)).sessions == party.sessions
    # Another member can't confirm it; the host can, once.
    with pytest.raises(UserFacingError, match="expired or was already confirmed"):
        await world.parties.confirm(draft.id, JUN, guild_id=GUILD, can_manage_events=True)
    done = await world.parties.confirm(draft.id, HOST, guild_id=GUILD)
    assert done.moved
    assert done.party.sessions[0].session.start == move_shown.start
    with pytest.raises(UserFacingError):
        await world.parties.confirm(draft.id, HOST, guild_id=GUILD)
    await world.outbox.drain()
    [notice] = [p for p in world.discord.posts if "moved to" in p.message.content]
    assert notice.message.mention_user_ids == (JUN,)


async def test_a_reschedule_previewed_by_an_event_manager_needs_the_right_at_confirm_too(world):
    party = await confirmed(world)
    draft, _ = await world.parties.preview_move(
        MoveRequest(GUILD, party.id, JUN, when="sat 9pm", zone="Asia/Seoul", can_manage_events=True)
    )
    with pytest.raises(UserFacingError, match="Only the host"):
        await world.parties.confirm(draft.id, JUN, guild_id=GUILD, can_manage_events=False)
    assert await world.parties.get(GUILD, party.id) == party


def series_posts(world: World) -> list[str]:
    return [
        fields(embed)["Series"]
        for p in world.discord.posts
        for embed in p.message.embeds
        if "Series" in fields(embed)
    ]


async def test_after_downtime_across_two_session_ends_the_next_session_is_announced_once(world):
    party = await confirmed(world, repeat="daily", sessions=4, per_session=1, episodes=None)
    # Down from before session 1 ended until after session 2 ended: both advance timers run.
    await world.at(party.sessions[2].session.start - timedelta(minutes=5))
    assert [s.split(" \u00b7")[0] for s in series_posts(world)] == [
        "Session 1 of 4",
        "Session 3 of 4",
    ]


async def test_cancelling_the_announced_session_announces_the_next_one_at_once(world):
    party = await confirmed(world, repeat="daily", sessions=3, per_session=1, episodes=None)
    await world.parties.cancel(GUILD, party.id, by=HOST, can_manage_events=False, session=1)
    await world.outbox.drain()
    assert [s.split(" \u00b7")[0] for s in series_posts(world)] == [
        "Session 1 of 3",
        "Session 2 of 3",
    ]
    first_id = min(world.discord.messages)
    assert world.discord.messages[first_id].has_buttons is False
    # Session 1's end passes: session 2 was announced already, so nothing is posted twice.
    await world.at(party.sessions[0].session.start + timedelta(hours=3))
    assert len(series_posts(world)) == 2


async def test_cancelling_a_whole_series_partly_past_cancels_the_party(world):
    party = await confirmed(world, repeat="daily", sessions=3, per_session=1, episodes=None)
    world.set_time(party.sessions[1].session.start + timedelta(minutes=30))
    after = await world.parties.cancel(GUILD, party.id, by=HOST, can_manage_events=False)
    assert after.cancelled
    with pytest.raises(UserFacingError, match="cancelled"):
        await world.parties.rsvp(GUILD, party.id, JUN, Rsvp.GOING)


async def test_moving_a_session_keeps_its_real_length_across_a_clock_change(world):
    world.set_time(datetime(2026, 10, 20, 12, 0, tzinfo=UTC))
    party = await confirmed(
        world,
        when="2026-10-30 23:30",
        zone="America/New_York",
        episodes="1-2",
        runtime_minutes=60,
        place_kind=PlaceKind.NONE,
        place=None,
    )
    first = party.sessions[0].session
    assert first.end is not None
    assert first.end.astimezone(UTC) - first.start.astimezone(UTC) == timedelta(hours=2)
    # Moved onto the night the clocks go back (1 Nov, 01:00-02:00 happens twice).
    moved = await move(world, party, host_id=HOST, when="2026-10-31 23:30", zone="America/New_York")
    session = moved.sessions[0].session
    assert session.end is not None
    assert session.end.astimezone(UTC) - session.start.astimezone(UTC) == timedelta(hours=2)


async def test_a_draft_is_confirmed_only_in_the_server_it_was_made_in(world):
    draft, _ = await world.parties.preview(request())
    with pytest.raises(UserFacingError, match="expired or was already confirmed"):
        await world.parties.confirm(draft.id, HOST, guild_id=GUILD + 1)
    assert await world.parties.upcoming(GUILD) == []


async def test_a_series_longer_than_the_cap_says_where_it_stops(world):
    _, planned = await world.parties.preview(
        request(
            title_name="One Piece", repeat="daily", episodes=None, per_session=1, last_episode=1100
        )
    )
    assert len(planned.plan.sessions) == 100
    assert "stops after episode 100 of 1100" in " ".join(planned.notes)
    _, short = await world.parties.preview(request(repeat="daily", episodes=None, per_session=2))
    assert len(short.plan.sessions) == 8
    assert short.notes == ()


async def test_a_title_of_only_invisible_characters_is_refused(world):
    with pytest.raises(UserFacingError, match="at least one letter or digit"):
        await world.parties.preview(request(title_name="\u200b\u200d ", title_id=None))


async def test_a_reschedule_confirmed_after_the_session_changed_moves_nothing(world):
    party = await confirmed(world, repeat="weekly fri", episodes=None, per_session=1, sessions=3)
    draft, _ = await world.parties.preview_move(
        MoveRequest(GUILD, party.id, HOST, when="sat 9pm", zone="Asia/Seoul")
    )
    await world.parties.cancel(GUILD, party.id, by=HOST, can_manage_events=False, session=1)
    with pytest.raises(UserFacingError, match="Session 1 is already cancelled"):
        await world.parties.confirm(draft.id, HOST, guild_id=GUILD)
    after = await world.parties.get(GUILD, party.id)
    assert after.sessions[1].session == party.sessions[1].session  # session 2 stays put
    # Moved by someone else since the preview: the preview's move is refused too.
    draft, _ = await world.parties.preview_move(
        MoveRequest(GUILD, party.id, HOST, when="sat 9pm", zone="Asia/Seoul", session=2)
    )
    await move(world, party, host_id=HOST, when="sun 9pm", zone="Asia/Seoul", session=2)
    with pytest.raises(UserFacingError, match="changed after this preview"):
        await world.parties.confirm(draft.id, HOST, guild_id=GUILD)


async def test_a_move_planned_before_a_cancel_committed_is_not_applied(world):
    party = await confirmed(world)
    planned = await world.parties.plan_move(
        MoveRequest(GUILD, party.id, HOST, when="sat 9pm", zone="Asia/Seoul")
    )
    await world.parties.cancel(GUILD, party.id, by=HOST, can_manage_events=False)
    with pytest.raises(UserFacingError, match="changed meanwhile"):
        await world.parties._move(planned)  # the race, played in order
    assert (await world.parties.get(GUILD, party.id)).cancelled
    await world.outbox.drain()
    assert not [p for p in world.discord.posts if "moved to" in p.message.content]


async def test_the_next_announcement_is_chosen_when_it_is_posted(world):
    party = await confirmed(world, repeat="daily", sessions=3, per_session=1, episodes=None)
    await world.parties.cancel(GUILD, party.id, by=HOST, can_manage_events=False, session=2)
    # Session 1's advance timer read the party before the cancel: it still posts session 3.
    await world.parties.announce_after(GUILD, party.id, 1, world.clock.now())
    await world.outbox.drain()
    assert [s.split(" \u00b7")[0] for s in series_posts(world)] == [
        "Session 1 of 3",
        "Session 3 of 3",
    ]


async def test_a_reminder_made_for_a_start_the_session_no_longer_has_is_dropped(world):
    from bot.parties.reminders import KIND as REMINDER_KIND
    from bot.parties.reminders import PartyReminders, reminder_key
    from bot.parties.repository import PartyRepository
    from bot.timers.models import FiredTimer

    party = await confirmed(world)
    await world.parties.rsvp(GUILD, party.id, JUN, Rsvp.GOING)

    async def no_role(guild_id: int) -> int | None:
        return None

    reminders = PartyReminders(PartyRepository(world.db), no_role)
    start = party.sessions[0].session.start.astimezone(UTC)
    payload = {"party_id": party.id, "guild_id": GUILD, "session": 1, "lead_minutes": 60}
    key = reminder_key(party.id, 1, 60)
    stale = FiredTimer(1, key, REMINDER_KIND, start - timedelta(hours=25), payload, 1, timedelta(0))
    world.set_time(start - timedelta(hours=25))
    assert (await reminders.fire(stale)).messages == ()
    due = FiredTimer(1, key, REMINDER_KIND, start - timedelta(hours=1), payload, 1, timedelta(0))
    world.set_time(start - timedelta(hours=1))
    assert len((await reminders.fire(due)).messages) == 1
