"""Sessions as .ics files and Google Calendar links, read back by independent parsers.

The .ics is read back with icalendar's parser, its VTIMEZONE blocks turned into time zones by
dateutil and compared with zoneinfo, and a weekly series checked against dateutil's own RRULE
expansion. (recurring-ical-events would be the natural expander, but its release 3.8.2 pins
python-dateutil<3 and the project runs on 4.0, so the test uses dateutil.rrule directly.)
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

import pytest
from dateutil.rrule import rrulestr
from icalendar import Calendar, Event

from bot.parties.calendar import (
    ELLIPSIS,
    FALLBACK_FILENAME,
    GOOGLE_TEMPLATE_URL,
    LINK_BUTTON_URL_LIMIT,
    CalendarEntry,
    calendar_file,
    calendar_filename,
    google_calendar_link,
)

NEW_YORK = ZoneInfo("America/New_York")
SEOUL = ZoneInfo("Asia/Seoul")
LONDON = ZoneInfo("Europe/London")
STAMP = datetime(2026, 9, 1, 12, 0, tzinfo=UTC)
CLOY = "사랑의 불시착"  # Crash Landing on You


def entry(
    start: datetime,
    *,
    uid: str = "party-12-session-1@watchclub",
    hours: float = 2,  # of real time, whatever the clocks do
    **changes: object,
) -> CalendarEntry:
    zone = start.tzinfo
    assert isinstance(zone, ZoneInfo)
    made = CalendarEntry(
        uid=uid,
        title="Crash Landing on You",
        start=start,
        end=(start.astimezone(UTC) + timedelta(hours=hours)).astimezone(zone),
        zone=zone.key,
        description="Episodes 1–2. Bring snacks.",
        location="#watch-room",
        url="https://discord.com/channels/1/2/3",
        sequence=0,
        cancelled=False,
    )
    return replace(made, **changes)


def write(*entries: CalendarEntry) -> bytes:
    return calendar_file(entries, name="Watch parties", stamp=STAMP)


def events(ics: bytes) -> list[Event]:
    return list(Calendar.from_ical(ics).walk("VEVENT"))


def read_entries(ics: bytes) -> list[CalendarEntry]:
    """The file's events as entries, the zone taken from DTSTART's TZID."""
    return [
        CalendarEntry(
            uid=str(event["UID"]),
            title=str(event["SUMMARY"]),
            start=event.start,
            end=event.end,
            zone=event["DTSTART"].params["TZID"],
            description=str(event["DESCRIPTION"]),
            location=str(event["LOCATION"]) if "LOCATION" in event else None,
            url=str(event["URL"]) if "URL" in event else None,
            sequence=int(event["SEQUENCE"]),
            cancelled={"CANCELLED": True, "CONFIRMED": False}[str(event["STATUS"])],
        )
        for event in events(ics)
    ]


def instants(ics: bytes) -> list[datetime]:
    return [event.start.astimezone(UTC) for event in events(ics)]


def unfolded_lines(ics: bytes) -> list[str]:
    return ics.decode().replace("\r\n ", "").split("\r\n")


def vtimezone_zones(ics: bytes) -> dict[str, tzinfo]:
    """Each VTIMEZONE as a time zone built from the block itself, not looked up by its name."""
    return {
        timezone.tz_name: timezone.to_tz(lookup_tzid=False)
        for timezone in Calendar.from_ical(ics).timezones
    }


def weekly(first: datetime, weeks: int) -> list[CalendarEntry]:
    """A weekly series built by wall-clock arithmetic: the same local time every week."""
    zone = first.tzinfo
    return [
        entry(
            datetime.combine(first.date() + timedelta(weeks=week), first.time(), zone),
            uid=f"party-12-session-{week + 1}@watchclub",
        )
        for week in range(weeks)
    ]


# The file


def test_the_file_reads_back_as_exactly_the_entries() -> None:
    written = [
        entry(datetime(2026, 12, 4, 20, tzinfo=SEOUL)),
        entry(
            datetime(2026, 12, 5, 20, tzinfo=NEW_YORK),
            uid="party-12-session-2@watchclub",
            title=f"{CLOY} (Crash Landing on You)",
            description="",
            location=None,
            url=None,
            sequence=4,
            cancelled=True,
        ),
        entry(datetime(2027, 3, 28, 0, 30, tzinfo=LONDON), uid="party-13-session-1@watchclub"),
    ]

    ics = write(*written)

    assert read_entries(ics) == written
    assert [str(event.start.tzinfo) for event in events(ics)] == [e.zone for e in written]


def test_the_calendar_says_who_made_it_and_that_it_is_published() -> None:
    calendar = Calendar.from_ical(write(entry(datetime(2026, 12, 4, 20, tzinfo=SEOUL))))

    assert str(calendar["VERSION"]) == "2.0"
    assert "watchclub" in str(calendar["PRODID"])
    assert str(calendar["METHOD"]) == "PUBLISH"
    assert str(calendar["X-WR-CALNAME"]) == str(calendar["NAME"]) == "Watch parties"


def test_times_are_written_in_the_partys_zone_and_stamped_in_utc() -> None:
    lines = unfolded_lines(write(entry(datetime(2026, 12, 4, 20, tzinfo=SEOUL))))

    assert "DTSTART;TZID=Asia/Seoul:20261204T200000" in lines
    assert "DTEND;TZID=Asia/Seoul:20261204T220000" in lines
    assert "DTSTAMP:20260901T120000Z" in lines


def test_a_start_given_in_another_zone_is_written_in_the_entrys_zone() -> None:
    in_utc = datetime(2026, 12, 4, 11, tzinfo=UTC)
    seoul = entry(datetime(2026, 12, 4, 20, tzinfo=SEOUL))

    lines = unfolded_lines(write(replace(seoul, start=in_utc, end=in_utc + timedelta(hours=2))))

    assert "DTSTART;TZID=Asia/Seoul:20261204T200000" in lines


def test_a_party_kept_in_utc_is_written_in_utc_without_a_vtimezone() -> None:
    ics = write(entry(datetime(2026, 12, 4, 11, tzinfo=ZoneInfo("UTC"))))

    assert "DTSTART:20261204T110000Z" in unfolded_lines(ics)
    assert Calendar.from_ical(ics).timezones == []


def test_the_stamp_is_the_one_given() -> None:
    later = datetime(2026, 9, 2, 8, 30, tzinfo=SEOUL)
    ics = calendar_file([entry(datetime(2026, 12, 4, 20, tzinfo=SEOUL))], name="x", stamp=later)

    assert events(ics)[0].decoded("DTSTAMP") == later


def test_the_same_entries_make_the_same_bytes() -> None:
    series = weekly(datetime(2026, 10, 2, 20, tzinfo=NEW_YORK), 3)

    assert write(*series) == write(*series)


# Daylight saving time


def test_a_weekly_series_keeps_its_wall_time_and_lands_on_the_right_instants_across_dst() -> None:
    series = weekly(datetime(2026, 10, 2, 20, tzinfo=NEW_YORK), 10)  # clocks fall back Nov 1

    read = events(write(*series))

    assert {event.start.time() for event in read} == {time(20, 0)}
    assert [event.start.astimezone(UTC) for event in read] == (
        [datetime(2026, 10, day, 0, tzinfo=UTC) for day in (3, 10, 17, 24, 31)]  # EDT, -4
        + [datetime(2026, 11, 7, 1, tzinfo=UTC) + timedelta(weeks=w) for w in range(5)]  # EST
    )


def test_a_session_in_the_repeated_hour_after_clocks_fall_back_keeps_its_instant() -> None:
    # 01:30 happens twice in New York on 1 Nov 2026; a reader takes the wall time for the
    # first, so the second is written in UTC.
    first_pass = datetime(2026, 11, 1, 5, 30, tzinfo=UTC).astimezone(NEW_YORK)
    second_pass = datetime(2026, 11, 1, 6, 30, tzinfo=UTC).astimezone(NEW_YORK)
    assert first_pass.replace(tzinfo=None) == second_pass.replace(tzinfo=None)

    ics = write(
        entry(first_pass, uid="first@watchclub"),
        entry(second_pass, uid="second@watchclub"),
    )

    assert instants(ics) == [first_pass.astimezone(UTC), second_pass.astimezone(UTC)]
    lines = unfolded_lines(ics)
    assert "DTSTART;TZID=America/New_York:20261101T013000" in lines
    assert "DTSTART:20261101T063000Z" in lines


def test_a_session_may_end_in_the_repeated_hour_at_a_wall_time_before_its_start() -> None:
    # 01:30 EDT to 01:10 EST on 1 Nov 2026 is 40 minutes.
    start = datetime(2026, 11, 1, 5, 30, tzinfo=UTC).astimezone(NEW_YORK)
    end = datetime(2026, 11, 1, 6, 10, tzinfo=UTC).astimezone(NEW_YORK)

    (read,) = events(write(entry(start, end=end)))

    # Both sides in UTC: a time in a repeated hour never equals one in another zone (PEP 495).
    assert [read.start.astimezone(UTC), read.end.astimezone(UTC)] == [
        start.astimezone(UTC),
        end.astimezone(UTC),
    ]


def test_a_session_across_the_spring_forward_gap_ends_at_the_later_wall_time() -> None:
    # An hour from 1:30 on 14 Mar 2027 in New York ends at 3:30: 2:00 to 3:00 never happens.
    (read,) = events(write(entry(datetime(2027, 3, 14, 1, 30, tzinfo=NEW_YORK), hours=1)))

    assert (read.start.hour, read.start.minute, read.end.hour, read.end.minute) == (1, 30, 3, 30)
    assert read.end.astimezone(UTC) - read.start.astimezone(UTC) == timedelta(hours=1)


def test_a_wall_time_the_clocks_skip_is_written_as_the_one_they_show() -> None:
    # 2:30 on 14 Mar 2027 does not happen in New York; zoneinfo reads it as 2:30 EST.
    skipped = datetime(2027, 3, 14, 2, 30, tzinfo=NEW_YORK)

    ics = write(entry(skipped))

    assert "DTSTART;TZID=America/New_York:20270314T033000" in unfolded_lines(ics)
    assert instants(ics) == [datetime(2027, 3, 14, 7, 30, tzinfo=UTC)]


# VTIMEZONE


def test_every_zone_used_has_one_vtimezone_that_agrees_with_zoneinfo() -> None:
    written = [
        *weekly(datetime(2026, 10, 2, 20, tzinfo=NEW_YORK), 10),
        entry(datetime(2026, 12, 4, 20, tzinfo=SEOUL), uid="seoul@watchclub"),
        entry(datetime(2027, 3, 27, 23, 30, tzinfo=LONDON), uid="london@watchclub", hours=3),
    ]
    ics = write(*written)

    described = vtimezone_zones(ics)

    assert sorted(described) == ["America/New_York", "Asia/Seoul", "Europe/London"]
    assert [timezone.tz_name for timezone in Calendar.from_ical(ics).timezones] == sorted(described)
    for event in events(ics):
        for moment in (event.start, event.end):
            wall = moment.replace(tzinfo=None)
            as_described = wall.replace(tzinfo=described[str(moment.tzinfo)])
            assert as_described.astimezone(UTC) == moment.astimezone(UTC), moment


def test_the_vtimezone_covers_entries_past_icalendars_default_2038() -> None:
    written = [
        entry(datetime(2040, 7, 6, 20, tzinfo=NEW_YORK), uid="summer@watchclub"),
        entry(datetime(2040, 12, 7, 20, tzinfo=NEW_YORK), uid="winter@watchclub"),
    ]
    new_york = vtimezone_zones(write(*written))["America/New_York"]

    for written_entry in written:
        wall = written_entry.start.replace(tzinfo=None)
        assert wall.replace(tzinfo=new_york).utcoffset() == written_entry.start.utcoffset()


def test_the_vtimezone_starts_before_the_first_entry() -> None:
    ics = write(*weekly(datetime(2026, 10, 2, 20, tzinfo=NEW_YORK), 2))

    (timezone,) = Calendar.from_ical(ics).timezones
    observance_starts = [
        observance.decoded("DTSTART") for observance in timezone.standard + timezone.daylight
    ]
    assert min(observance_starts).date() < date(2026, 10, 2)


def test_a_short_lived_offset_such_as_moroccos_ramadan_hour_is_in_the_vtimezone() -> None:
    # Morocco left UTC+1 for UTC+0 from 10 Mar to 14 Apr 2024. Over these entries' window,
    # icalendar's own search leaps 64 days from 19 Feb straight past it and writes UTC+1.
    casablanca = ZoneInfo("Africa/Casablanca")
    before, during, after = (
        datetime(2024, month, day, 20, tzinfo=casablanca)
        for month, day in ((2, 20), (4, 1), (5, 1))
    )
    assert during.utcoffset() != before.utcoffset() == after.utcoffset()
    written = [
        entry(moment, uid=f"casablanca-{number}@watchclub")
        for number, moment in enumerate((before, during, after))
    ]

    described = vtimezone_zones(write(*written))["Africa/Casablanca"]

    for written_entry in written:
        wall = written_entry.start.replace(tzinfo=None)
        assert wall.replace(tzinfo=described).utcoffset() == written_entry.start.utcoffset()


# An independent expansion


def test_the_series_matches_an_rrule_expanded_by_dateutil() -> None:
    first = datetime(2026, 10, 2, 20, tzinfo=NEW_YORK)  # a Friday; clocks fall back Nov 1
    ours = instants(write(*weekly(first, 10)))

    template = Event()
    template.add("uid", "template@watchclub")
    template.add("dtstamp", STAMP)
    template.add("dtstart", first)
    template.add("rrule", {"FREQ": "WEEKLY", "BYDAY": "FR", "COUNT": 10})
    calendar = Calendar()
    calendar.add_component(template)
    (parsed,) = events(calendar.to_ical())
    rule = parsed["RRULE"].to_ical().decode()
    expanded = [moment.astimezone(UTC) for moment in rrulestr(rule, dtstart=parsed.start)]

    assert ours == expanded
    assert len({moment.hour for moment in expanded}) == 2  # the change of offset is inside


# Cancelling and changing


def test_a_cancelled_session_is_marked_cancelled_and_the_others_confirmed() -> None:
    kept, cancelled = weekly(datetime(2026, 12, 4, 20, tzinfo=SEOUL), 2)

    read = events(write(kept, replace(cancelled, cancelled=True)))

    assert [str(event["STATUS"]) for event in read] == ["CONFIRMED", "CANCELLED"]


def test_a_changed_session_keeps_its_uid_and_carries_its_sequence() -> None:
    original = entry(datetime(2026, 12, 4, 20, tzinfo=SEOUL))
    moved = replace(
        original,
        start=original.start + timedelta(hours=1),
        end=original.end + timedelta(hours=1),
        sequence=original.sequence + 1,
    )

    (before,), (after,) = events(write(original)), events(write(moved))

    assert str(before["UID"]) == str(after["UID"]) == "party-12-session-1@watchclub"
    assert (int(before["SEQUENCE"]), int(after["SEQUENCE"])) == (0, 1)
    assert "SEQUENCE:1" in unfolded_lines(write(moved))


# Text from members


def test_commas_semicolons_backslashes_newlines_and_hangul_are_escaped_and_read_back() -> None:
    title = f"{CLOY}, ep 1–2; \\o/ 🍿"
    description = "Line one, with a comma;\nline two: 한국어 자막\n\nhosted by 민지"
    written = entry(
        datetime(2026, 12, 4, 20, tzinfo=SEOUL),
        title=title,
        description=description,
        location="무비룸, 2층",
    )

    ics = write(written)

    lines = unfolded_lines(ics)
    assert f"SUMMARY:{CLOY}\\, ep 1–2\\; \\\\o/ 🍿" in lines
    assert (
        "DESCRIPTION:Line one\\, with a comma\\;\\nline two: 한국어 자막\\n\\nhosted by 민지"
        in lines
    )
    assert "LOCATION:무비룸\\, 2층" in lines
    assert read_entries(ics) == [written]


def test_carriage_returns_become_newlines_and_control_characters_are_dropped() -> None:
    written = entry(
        datetime(2026, 12, 4, 20, tzinfo=SEOUL),
        title="bell\x07 and\x00 null",
        description="windows\r\nline\rend\ttab\x1b[0m",
    )

    (read,) = read_entries(write(written))

    assert read.title == "bell and null"
    assert read.description == "windows\nline\nend\ttab[0m"


def test_lines_end_in_crlf_and_are_folded_at_75_octets_without_splitting_a_character() -> None:
    ics = write(
        entry(
            datetime(2026, 12, 4, 20, tzinfo=SEOUL),
            title=CLOY * 20,
            description="A long note, " * 40,
        )
    )

    assert ics.endswith(b"\r\n")
    physical_lines = ics[: -len(b"\r\n")].split(b"\r\n")
    assert all(b"\n" not in line and b"\r" not in line for line in physical_lines)
    assert all(len(line) <= 75 for line in physical_lines)
    assert all(line.decode("utf-8") for line in physical_lines)  # no split UTF-8 sequence
    assert sum(line.startswith(b" ") for line in physical_lines) >= 10  # both were folded


# What is refused


@pytest.mark.parametrize(
    "broken",
    [
        {"start": datetime(2026, 12, 4, 20)},  # noqa: DTZ001 (naive on purpose)
        {"end": datetime(2026, 12, 4, 19, tzinfo=SEOUL)},  # before the start
        {"end": datetime(2026, 12, 4, 20, tzinfo=SEOUL)},  # no length
        {"zone": "Mars/Olympus_Mons"},
        {"zone": "../../etc/passwd"},
        {"sequence": -1},
    ],
)
def test_an_entry_that_no_calendar_could_hold_is_refused(broken: dict[str, object]) -> None:
    valid = entry(datetime(2026, 12, 4, 20, tzinfo=SEOUL))

    with pytest.raises(ValueError):
        replace(valid, **broken)


def test_a_file_needs_entries_unique_uids_and_an_aware_stamp() -> None:
    one = entry(datetime(2026, 12, 4, 20, tzinfo=SEOUL))

    with pytest.raises(ValueError, match="at least one"):
        calendar_file([], name="x", stamp=STAMP)
    with pytest.raises(ValueError, match="only once"):
        calendar_file([one, one], name="x", stamp=STAMP)
    with pytest.raises(ValueError, match="aware"):
        calendar_file([one], name="x", stamp=datetime(2026, 9, 1, 12))  # noqa: DTZ001


# The Google Calendar link


def link_parameters(link: str) -> dict[str, str]:
    parts = urlsplit(link)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == GOOGLE_TEMPLATE_URL
    parsed = parse_qs(parts.query, keep_blank_values=True, strict_parsing=True)
    assert all(len(values) == 1 for values in parsed.values())
    return {key: values[0] for key, values in parsed.items()}


def test_the_google_link_carries_the_session_in_its_zones_wall_time() -> None:
    written = entry(
        datetime(2026, 12, 4, 20, tzinfo=SEOUL),
        title=f"{CLOY}, ep 1 & 2",
        description="Bring snacks; 자막 on.\nSee you!",
    )

    link = google_calendar_link(written)

    assert link_parameters(link) == {
        "action": "TEMPLATE",
        "text": f"{CLOY}, ep 1 & 2",
        "dates": "20261204T200000/20261204T220000",
        "ctz": "Asia/Seoul",
        "details": "Bring snacks; 자막 on.\nSee you!",
        "location": "#watch-room",
    }
    assert link.isascii()


def test_the_google_link_leaves_out_what_is_empty() -> None:
    bare = entry(datetime(2026, 12, 4, 20, tzinfo=SEOUL), description="", location=None)

    assert set(link_parameters(google_calendar_link(bare))) == {"action", "text", "dates", "ctz"}


def test_the_google_link_gives_the_repeated_hour_in_utc() -> None:
    second_pass = datetime(2026, 11, 1, 6, 30, tzinfo=UTC).astimezone(NEW_YORK)

    parameters = link_parameters(google_calendar_link(entry(second_pass)))

    assert parameters["dates"] == "20261101T063000Z/20261101T083000Z"
    assert parameters["ctz"] == "America/New_York"


def test_long_details_are_cut_first_so_the_link_fits_a_button() -> None:
    written = entry(datetime(2026, 12, 4, 20, tzinfo=SEOUL), description="Bring snacks. " * 300)

    link = google_calendar_link(written)

    assert len(link) <= LINK_BUTTON_URL_LIMIT
    parameters = link_parameters(link)
    assert parameters["text"] == written.title
    assert parameters["location"] == written.location
    assert parameters["details"].endswith(ELLIPSIS)
    assert written.description.startswith(parameters["details"].removesuffix(ELLIPSIS))
    assert len(parameters["details"]) > 100  # cut only as far as needed


def test_a_long_hangul_title_is_cut_after_the_details() -> None:
    written = entry(
        datetime(2026, 12, 4, 20, tzinfo=SEOUL),
        title=CLOY * 15,  # 105 syllables and spaces, about 900 characters once encoded
        description="자막 있음. " * 100,
    )

    link = google_calendar_link(written)

    assert len(link) <= LINK_BUTTON_URL_LIMIT
    parameters = link_parameters(link)
    assert "details" not in parameters
    assert parameters["text"].endswith(ELLIPSIS)
    assert written.title.startswith(parameters["text"].removesuffix(ELLIPSIS))
    assert parameters["location"] == "#watch-room"


def test_a_huge_location_is_cut_but_the_title_keeps_its_start() -> None:
    written = entry(
        datetime(2026, 12, 4, 20, tzinfo=ZoneInfo("America/Argentina/ComodRivadavia")),
        title=CLOY * 15,
        description="notes " * 100,
        location="https://example.com/" + "방" * 200,
    )

    parameters = link_parameters(google_calendar_link(written))

    assert len(google_calendar_link(written)) <= LINK_BUTTON_URL_LIMIT
    assert len(parameters["text"]) >= 10
    assert parameters["location"].startswith("https://example.com/")
    assert parameters["location"].endswith(ELLIPSIS)


def test_a_short_link_is_left_whole() -> None:
    written = entry(datetime(2026, 12, 4, 20, tzinfo=SEOUL), title=CLOY, description="자막 on")

    parameters = link_parameters(google_calendar_link(written))

    assert (parameters["text"], parameters["details"]) == (CLOY, "자막 on")


# The file name


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Crash Landing on You", "Crash-Landing-on-You.ics"),
        ("Re:Zero / Season 2?", "Re-Zero-Season-2.ics"),
        ("Café Minamdang", "Cafe-Minamdang.ics"),
        (CLOY, f"{FALLBACK_FILENAME}.ics"),
        ("", f"{FALLBACK_FILENAME}.ics"),
        ("../../etc/passwd", "etc-passwd.ics"),
        ("...", f"{FALLBACK_FILENAME}.ics"),
        ("CON", f"{FALLBACK_FILENAME}-CON.ics"),
        ("aux.party", f"{FALLBACK_FILENAME}-aux.party.ics"),
        ("Comet", "Comet.ics"),
        ("x" * 200, f"{'x' * 60}.ics"),
    ],
)
def test_calendar_filename_is_safe_ascii_ending_in_ics(name: str, expected: str) -> None:
    assert calendar_filename(name) == expected
