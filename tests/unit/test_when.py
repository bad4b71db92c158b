"""Reading `when` as members type it, in their zone, across clock changes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.errors import UserFacingError
from bot.when import MAX_AHEAD, MAX_LENGTH, read_date, read_when

SEOUL = ZoneInfo("Asia/Seoul")
NEW_YORK = ZoneInfo("America/New_York")
FRIDAY_7PM_KST = datetime(2026, 12, 4, 19, 0, tzinfo=SEOUL)


def read(text: str, zone: str = "Asia/Seoul", now: datetime = FRIDAY_7PM_KST):
    return read_when(text, zone=zone, now=now)


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("2026-12-05 20:00", "2026-12-05T20:00:00+09:00"),
        ("fri 8pm", "2026-12-04T20:00:00+09:00"),  # today: 8pm is still ahead
        ("friday 6pm", "2026-12-11T18:00:00+09:00"),  # 6pm today has passed: next Friday
        ("next fri 8pm", "2026-12-11T20:00:00+09:00"),  # "next" never means today
        ("tomorrow 21:00", "2026-12-05T21:00:00+09:00"),
        ("tonight 9", "2026-12-04T21:00:00+09:00"),
        ("in 2 hours", "2026-12-04T21:00:00+09:00"),
        ("in 30 minutes", "2026-12-04T19:30:00+09:00"),
        ("in an hour", "2026-12-04T20:00:00+09:00"),
        ("next saturday 7:30pm", "2026-12-05T19:30:00+09:00"),
        ("sat at 7:30 pm", "2026-12-05T19:30:00+09:00"),
        ("5 dec 20:00", "2026-12-05T20:00:00+09:00"),
        ("december 24 8pm", "2026-12-24T20:00:00+09:00"),
        ("12월 5일 20:00", "2026-12-05T20:00:00+09:00"),
        ("tomorrow noon", "2026-12-05T12:00:00+09:00"),
        # "fri 8pm" in full-width letters, as phones type it
        ("\uff26\uff32\uff29\u3000\uff18\uff30\uff2d", "2026-12-04T20:00:00+09:00"),
    ],
)
def test_phrasings_members_type(typed, expected):
    assert read(typed).start.isoformat() == expected


@pytest.mark.parametrize(
    ("typed", "zone", "expected"),
    [
        ("8pm KST", "Asia/Seoul", "2026-12-04T20:00:00+09:00"),
        ("20:00 +09:00", "Asia/Seoul", "2026-12-04T20:00:00+09:00"),
        ("fri 8pm Asia/Tokyo", "Asia/Tokyo", "2026-12-04T20:00:00+09:00"),
        ("fri 8pm America/New_York", "America/New_York", "2026-12-04T20:00:00-05:00"),
        ("fri 8pm EST", "America/New_York", "2026-12-04T20:00:00-05:00"),
    ],
)
def test_a_zone_written_in_the_text_wins(typed, zone, expected):
    reading = read_when(typed, zone="Europe/London", now=FRIDAY_7PM_KST)
    assert reading.start.isoformat() == expected
    assert str(reading.start.tzinfo) == zone or reading.zone.startswith("Etc/")


def test_a_bare_time_that_has_passed_means_tomorrow_and_says_so():
    reading = read("6pm")
    assert reading.start.isoformat() == "2026-12-05T18:00:00+09:00"
    assert reading.notes == ("18:00 has passed today, so I read it as tomorrow.",)


@pytest.mark.parametrize(
    ("typed", "says"),
    [
        ("", "Type when the party starts"),
        ("8", "I can't tell what time `8` means"),
        ("may", "I can't tell what time `may` means"),
        ("fri", "I can't tell what time `fri` means"),
        ("tomorrow tomorrow", "I can't tell what time"),
        ("25:00", "`25:00` is not a time of day"),
        ("13pm", "`13pm` is not a time of day"),
        ("31/02 20:00", "I can't tell which day `31/02` is"),
        ("tonight 6pm", "18:00 today has already passed"),
        ("2026-12-01 20:00", "has already passed"),
        ("2028-01-01 10:00", "more than a year ahead"),
        ("8pm IST", "`IST` means different times in different places"),
        ("ep 5 fri 8pm", "I can't tell which day `ep 5 fri` is"),
        ("8pm " + "x" * MAX_LENGTH, f"at most {MAX_LENGTH} characters"),
    ],
)
def test_what_is_not_a_time_is_refused_with_the_reason(typed, says):
    with pytest.raises(UserFacingError, match=None) as refused:
        read(typed)
    assert says in str(refused.value)


def test_a_wall_time_the_clocks_skip_is_refused_with_the_nearest():
    # 14 Mar 2027: New York's clocks jump from 02:00 to 03:00.
    now = datetime(2027, 3, 10, 12, 0, tzinfo=NEW_YORK)
    with pytest.raises(UserFacingError) as refused:
        read_when("2027-03-14 02:30", zone="America/New_York", now=now)
    assert "02:30 does not exist on Sun 14 Mar in America/New_York" in str(refused.value)
    assert "Did you mean 03:30?" in str(refused.value)


def test_a_wall_time_that_happens_twice_is_the_first_and_says_so():
    # 1 Nov 2026: New York's clocks go back from 02:00 EDT to 01:00 EST.
    now = datetime(2026, 10, 28, 12, 0, tzinfo=NEW_YORK)
    reading = read_when("sun 1:30am", zone="America/New_York", now=now)
    assert reading.start.isoformat() == "2026-11-01T01:30:00-04:00"
    assert reading.notes == (
        "01:30 happens twice on Sun 1 Nov in America/New_York as the clocks go back; "
        "I read the first (UTC-04:00).",
    )


def test_in_two_hours_is_real_time_across_a_clock_change():
    now = datetime(2026, 11, 1, 0, 30, tzinfo=NEW_YORK)  # EDT, an hour and a half before
    reading = read_when("in 2 hours", zone="America/New_York", now=now)
    assert reading.start.astimezone(UTC) == now.astimezone(UTC) + timedelta(hours=2)
    assert reading.start.strftime("%H:%M %Z") == "01:30 EST"  # the second 01:30


def test_the_same_wall_time_each_side_of_a_clock_change():
    before = read_when("fri 8pm", zone="America/New_York", now=datetime(2026, 10, 26, tzinfo=UTC))
    after = read_when("fri 8pm", zone="America/New_York", now=datetime(2026, 11, 2, tzinfo=UTC))
    assert (before.start.hour, after.start.hour) == (20, 20)
    elapsed = after.start.astimezone(UTC) - before.start.astimezone(UTC)
    assert elapsed == timedelta(days=7, hours=1)  # 8pm EDT, then 8pm EST


def test_autocomplete_preview():
    assert read("2026-12-05 20:00").preview(FRIDAY_7PM_KST) == "Sat 5 Dec 20:00 KST · in 25 h"
    assert read("in 30 minutes").preview(FRIDAY_7PM_KST) == "Fri 4 Dec 19:30 KST · in 30 min"
    assert read("december 24 8pm").preview(FRIDAY_7PM_KST) == "Thu 24 Dec 20:00 KST · in 20 days"
    assert read("20:00 +09:00").preview(FRIDAY_7PM_KST).startswith("Fri 4 Dec 20:00 UTC+09:00")


WORDS = st.sampled_from(
    [
        "fri",
        "next",
        "tomorrow",
        "tonight",
        "today",
        "in",
        "2",
        "hours",
        "8pm",
        "21:00",
        "7:30",
        "am",
        "pm",
        "noon",
        "dec",
        "5",
        "2026-12-05",
        "31/02",
        "25:00",
        "KST",
        "IST",
        "+09:00",
        "UTC+9",
        "Asia/Seoul",
        "may",
        "at",
        "@everyone",
        "`",
        "\u200b",
        "\uff18",  # a full-width 8
        "시",
    ]
)
ZONES = st.sampled_from(["Asia/Seoul", "America/New_York", "Europe/London", "Asia/Kolkata"])
# hypothesis takes naive bounds and adds the zone itself.
NOWS = st.datetimes(
    min_value=datetime(2026, 1, 1),  # noqa: DTZ001
    max_value=datetime(2028, 12, 31),  # noqa: DTZ001
    timezones=st.just(UTC),
)


@settings(max_examples=300, deadline=None)
@given(
    text=st.one_of(st.lists(WORDS, max_size=6).map(" ".join), st.text(max_size=120)),
    zone=ZONES,
    now=NOWS,
)
def test_any_text_is_refused_clearly_or_read_as_a_time_ahead(text, zone, now):
    try:
        reading = read_when(text, zone=zone, now=now)
    except UserFacingError as refused:
        assert str(refused)
        return
    assert now < reading.start <= now + MAX_AHEAD


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("5 dec", "2026-12-05"),
        ("2027-01-31", "2027-01-31"),
        ("today", "2026-12-04"),
        ("tomorrow", "2026-12-05"),
        ("fri", "2026-12-04"),
        ("next fri", "2026-12-11"),
        ("sat", "2026-12-05"),
    ],
)
def test_reading_a_day(typed, expected):
    assert read_date(typed, zone="Asia/Seoul", now=FRIDAY_7PM_KST).isoformat() == expected


@pytest.mark.parametrize(
    ("typed", "says"),
    [
        ("", "Type a day"),
        ("2026-12-01", "has already passed"),
        ("2028-06-01", "more than a year ahead"),
        ("whenever", "I can't tell which day"),
    ],
)
def test_a_day_that_cannot_be_read_is_refused(typed, says):
    with pytest.raises(UserFacingError) as refused:
        read_date(typed, zone="Asia/Seoul", now=FRIDAY_7PM_KST)
    assert says in str(refused.value)


def test_a_day_and_month_already_gone_this_year_is_next_years():
    assert read_date("1 dec", zone="Asia/Seoul", now=FRIDAY_7PM_KST).isoformat() == "2027-12-01"


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("8.30pm", "2026-12-04T20:30:00+09:00"),
        ("in 1h", "2026-12-04T20:00:00+09:00"),
        ("in 90m", "2026-12-04T20:30:00+09:00"),
        ("in 2.5 hours", "2026-12-04T21:30:00+09:00"),
        ("dec 4 9pm", "2026-12-04T21:00:00+09:00"),  # today's own date is today, not next year's
    ],
)
def test_more_ways_members_write_it(typed, expected):
    assert read(typed).start.isoformat() == expected


def test_tonight_12_is_refused_as_ambiguous():
    with pytest.raises(UserFacingError, match="not an evening hour"):
        read("tonight 12")


def test_a_time_later_in_a_repeated_hour_is_still_today():
    # 01:30 EST, the second pass of the night the clocks go back: 01:45 is 15 minutes ahead.
    now = datetime(2026, 11, 1, 6, 30, tzinfo=UTC)
    reading = read_when("1:45am", zone="America/New_York", now=now)
    assert reading.start.date().isoformat() == "2026-11-01"
    assert reading.start.astimezone(UTC) > now


def test_a_summer_abbreviation_in_winter_is_read_as_that_places_clock_and_said():
    now = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
    reading = read_when("fri 8pm EDT", zone="Asia/Seoul", now=now)
    assert reading.start.utcoffset() == timedelta(hours=-5)
    assert (reading.start.hour, reading.start.tzname()) == (20, "EST")
    assert "EDT is not in use on Fri 4 Dec; read as the same place's clock then, EST" in (
        " ".join(reading.notes)
    )
    in_use = read_when("fri 8pm EST", zone="Asia/Seoul", now=now)
    assert not any("not in use" in note for note in in_use.notes)
    kst = read_when("fri 8pm KST", zone="UTC", now=now)
    assert not any("not in use" in note for note in kst.notes)
