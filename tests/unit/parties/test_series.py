"""Series of watch parties: what members type for `repeat` and `episodes`, and the sessions a
series expands into, in its zone's wall-clock time across clock changes."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from itertools import islice, pairwise
from zoneinfo import ZoneInfo

import pytest
from dateutil.rrule import DAILY, WEEKLY, rrule
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.errors import UserFacingError
from bot.parties.models import EpisodeRange, RepeatRule, Session, Weekday
from bot.parties.series import (
    MAX_EPISODE,
    MAX_EPISODES_LENGTH,
    MAX_REPEAT_LENGTH,
    describe_rule,
    expand_series,
    parse_episodes,
    parse_repeat,
)

SEOUL = ZoneInfo("Asia/Seoul")
NEW_YORK = ZoneInfo("America/New_York")
LONDON = ZoneInfo("Europe/London")
FRI_SAT = RepeatRule("weekly", (Weekday.FRI, Weekday.SAT))
DAILY_RULE = RepeatRule("daily")
WEEKLY_RULE = RepeatRule("weekly")
FRIDAY_8PM_KST = datetime(2026, 12, 4, 20, 0, tzinfo=SEOUL)


def starts(sessions: list[Session]) -> list[str]:
    return [session.start.isoformat() for session in sessions]


def episodes_of(sessions: list[Session]) -> list[str]:
    return [str(session.episodes) for session in sessions]


# --- the example ---


def test_crash_landing_on_you_two_episodes_every_fri_and_sat_is_eight_sessions():
    series = expand_series(
        FRIDAY_8PM_KST,
        "Asia/Seoul",
        parse_repeat("every Fri and Sat"),
        episodes=parse_episodes("episodes 1–16"),
        per_session=2,
        runtime_minutes=70,
    )
    assert [session.number for session in series] == list(range(1, 9))
    assert starts(series) == [
        "2026-12-04T20:00:00+09:00",
        "2026-12-05T20:00:00+09:00",
        "2026-12-11T20:00:00+09:00",
        "2026-12-12T20:00:00+09:00",
        "2026-12-18T20:00:00+09:00",
        "2026-12-19T20:00:00+09:00",
        "2026-12-25T20:00:00+09:00",
        "2026-12-26T20:00:00+09:00",
    ]
    assert episodes_of(series) == ["1–2", "3–4", "5–6", "7–8", "9–10", "11–12", "13–14", "15–16"]
    assert [f"{session.end:%H:%M}" for session in series] == ["22:20"] * 8


# --- daylight saving ---


def test_new_york_weekly_stays_at_20_00_local_as_the_clocks_go_back_on_1_nov_2026():
    series = expand_series(
        datetime(2026, 10, 23, 20, 0, tzinfo=NEW_YORK), "America/New_York", WEEKLY_RULE, sessions=3
    )
    assert starts(series) == [
        "2026-10-23T20:00:00-04:00",
        "2026-10-30T20:00:00-04:00",
        "2026-11-06T20:00:00-05:00",
    ]
    in_utc = [session.start.astimezone(UTC).strftime("%d %H:%M") for session in series]
    assert in_utc == ["24 00:00", "31 00:00", "07 01:00"]


def test_new_york_weekly_stays_at_20_00_local_as_the_clocks_go_forward_on_14_mar_2027():
    series = expand_series(
        datetime(2027, 3, 7, 20, 0, tzinfo=NEW_YORK), "America/New_York", WEEKLY_RULE, sessions=3
    )
    assert starts(series) == [
        "2027-03-07T20:00:00-05:00",
        "2027-03-14T20:00:00-04:00",  # the day itself
        "2027-03-21T20:00:00-04:00",
    ]
    assert series[1].start.astimezone(UTC) - series[0].start.astimezone(UTC) == timedelta(
        days=6, hours=23
    )


def test_a_wall_time_the_clocks_skip_moves_forward_by_the_gap_that_day_only():
    # 14 Mar 2027 in New York: 02:00 EST jumps to 03:00 EDT, so 02:30 does not exist.
    series = expand_series(
        datetime(2027, 3, 13, 2, 30, tzinfo=NEW_YORK), "America/New_York", DAILY_RULE, sessions=3
    )
    assert starts(series) == [
        "2027-03-13T02:30:00-05:00",
        "2027-03-14T03:30:00-04:00",
        "2027-03-15T02:30:00-04:00",
    ]


def test_a_wall_time_that_happens_twice_is_the_first():
    # 1 Nov 2026 in New York: 02:00 EDT falls back to 01:00 EST, so 01:30 happens twice.
    series = expand_series(
        datetime(2026, 10, 31, 1, 30, tzinfo=NEW_YORK), "America/New_York", DAILY_RULE, sessions=3
    )
    assert starts(series) == [
        "2026-10-31T01:30:00-04:00",
        "2026-11-01T01:30:00-04:00",
        "2026-11-02T01:30:00-05:00",
    ]


def test_a_start_in_the_second_of_a_doubled_hour_is_kept_as_it_was_read():
    second_one_thirty = datetime(2026, 11, 1, 1, 30, fold=1, tzinfo=NEW_YORK)
    series = expand_series(second_one_thirty, "America/New_York", DAILY_RULE, sessions=2)
    assert starts(series) == ["2026-11-01T01:30:00-05:00", "2026-11-02T01:30:00-05:00"]


@pytest.mark.parametrize(
    ("first", "expected"),
    [
        # British Summer Time ends on Sun 25 Oct 2026 and starts on Sun 28 Mar 2027.
        (
            datetime(2026, 10, 18, 21, 0, tzinfo=LONDON),
            ["2026-10-18T21:00:00+01:00", "2026-10-25T21:00:00+00:00", "2026-11-01T21:00:00+00:00"],
        ),
        (
            datetime(2027, 3, 21, 21, 0, tzinfo=LONDON),
            ["2027-03-21T21:00:00+00:00", "2027-03-28T21:00:00+01:00", "2027-04-04T21:00:00+01:00"],
        ),
        # 01:30 does not exist in London on 28 Mar 2027 (01:00 GMT jumps to 02:00 BST).
        (
            datetime(2027, 3, 21, 1, 30, tzinfo=LONDON),
            ["2027-03-21T01:30:00+00:00", "2027-03-28T02:30:00+01:00", "2027-04-04T01:30:00+01:00"],
        ),
        # 01:30 happens twice in London on 25 Oct 2026: the first is BST.
        (
            datetime(2026, 10, 18, 1, 30, tzinfo=LONDON),
            ["2026-10-18T01:30:00+01:00", "2026-10-25T01:30:00+01:00", "2026-11-01T01:30:00+00:00"],
        ),
    ],
)
def test_london_weekly_across_both_clock_changes(first, expected):
    assert starts(expand_series(first, "Europe/London", WEEKLY_RULE, sessions=3)) == expected


def test_a_kst_series_holds_20_00_kst_while_new_york_sees_it_move_an_hour():
    series = expand_series(
        datetime(2026, 10, 23, 20, 0, tzinfo=SEOUL), "Asia/Seoul", WEEKLY_RULE, sessions=3
    )
    assert [f"{session.start:%a %H:%M %Z}" for session in series] == ["Fri 20:00 KST"] * 3
    # Korea keeps no daylight saving, so the sessions are exactly a week apart in real time...
    in_utc = [session.start.astimezone(UTC) for session in series]
    assert {later - earlier for earlier, later in pairwise(in_utc)} == {timedelta(days=7)}
    # ...and New York, whose own clocks go back on 1 Nov, sees them an hour earlier from then on.
    from_new_york = [f"{session.start.astimezone(NEW_YORK):%a %H:%M %Z}" for session in series]
    assert from_new_york == ["Fri 07:00 EDT", "Fri 07:00 EDT", "Fri 06:00 EST"]


def test_a_session_that_runs_across_a_clock_change_lasts_real_minutes():
    # Two 60-minute episodes from 00:30 EDT on 1 Nov 2026 end at the second 01:30, in EST.
    session = expand_series(
        datetime(2026, 11, 1, 0, 30, tzinfo=NEW_YORK),
        "America/New_York",
        None,
        episodes=EpisodeRange(1, 2),
        runtime_minutes=60,
    )[0]
    assert session.end is not None
    assert session.end.isoformat() == "2026-11-01T01:30:00-05:00"
    assert session.end.astimezone(UTC) - session.start.astimezone(UTC) == timedelta(hours=2)


def test_a_start_given_in_another_zone_is_read_in_the_partys_zone():
    series = expand_series(
        datetime(2026, 12, 4, 11, 0, tzinfo=UTC), "Asia/Seoul", FRI_SAT, sessions=2
    )
    assert starts(series) == ["2026-12-04T20:00:00+09:00", "2026-12-05T20:00:00+09:00"]
    assert {str(session.start.tzinfo) for session in series} == {"Asia/Seoul"}


# --- where a series ends ---


def test_until_is_a_day_in_the_zone_and_includes_that_day():
    series = expand_series(FRIDAY_8PM_KST, "Asia/Seoul", DAILY_RULE, until=date(2026, 12, 7))
    assert [session.start.date().isoformat() for session in series] == [
        "2026-12-04",
        "2026-12-05",
        "2026-12-06",
        "2026-12-07",
    ]


def test_until_on_the_start_day_is_one_session():
    assert len(expand_series(FRIDAY_8PM_KST, "Asia/Seoul", FRI_SAT, until=date(2026, 12, 4))) == 1


def test_sessions_ends_a_series_before_its_episodes_run_out():
    series = expand_series(
        FRIDAY_8PM_KST,
        "Asia/Seoul",
        FRI_SAT,
        sessions=3,
        episodes=EpisodeRange(1, 16),
        per_session=2,
    )
    assert episodes_of(series) == ["1–2", "3–4", "5–6"]


def test_episodes_end_a_series_before_sessions_or_until():
    series = expand_series(
        FRIDAY_8PM_KST,
        "Asia/Seoul",
        FRI_SAT,
        sessions=50,
        until=date(2027, 6, 1),
        episodes=EpisodeRange(5, 8),
        per_session=2,
    )
    assert episodes_of(series) == ["5–6", "7–8"]


def test_until_ends_a_series_before_its_episodes_run_out():
    series = expand_series(
        FRIDAY_8PM_KST,
        "Asia/Seoul",
        FRI_SAT,
        until=date(2026, 12, 11),
        episodes=EpisodeRange(1, 16),
        per_session=2,
    )
    assert episodes_of(series) == ["1–2", "3–4", "5–6"]


def test_without_episodes_a_series_counts_from_1_to_the_titles_last_episode():
    series = expand_series(
        FRIDAY_8PM_KST, "Asia/Seoul", WEEKLY_RULE, per_session=3, last_episode=10
    )
    assert episodes_of(series) == ["1–3", "4–6", "7–9", "10"]


def test_an_ongoing_title_counts_on_until_the_sessions_end():
    series = expand_series(FRIDAY_8PM_KST, "Asia/Seoul", WEEKLY_RULE, per_session=2, sessions=3)
    assert episodes_of(series) == ["1–2", "3–4", "5–6"]


def test_max_sessions_caps_a_series_that_would_run_longer():
    series = expand_series(
        FRIDAY_8PM_KST, "Asia/Seoul", DAILY_RULE, until=date(2027, 12, 1), max_sessions=5
    )
    assert len(series) == 5
    assert series[-1].start.isoformat() == "2026-12-08T20:00:00+09:00"
    assert len(expand_series(FRIDAY_8PM_KST, "Asia/Seoul", DAILY_RULE, sessions=500)) == 100


def test_episodes_that_do_not_divide_evenly_leave_a_shorter_last_session():
    series = expand_series(
        FRIDAY_8PM_KST,
        "Asia/Seoul",
        FRI_SAT,
        episodes=EpisodeRange(1, 16),
        per_session=3,
        runtime_minutes=60,
    )
    assert episodes_of(series) == ["1–3", "4–6", "7–9", "10–12", "13–15", "16"]
    assert [session.end - session.start for session in series if session.end] == [
        timedelta(hours=3)
    ] * 5 + [timedelta(hours=1)]


def test_a_series_without_episodes_has_sessions_without_them():
    series = expand_series(FRIDAY_8PM_KST, "Asia/Seoul", FRI_SAT, sessions=2, runtime_minutes=120)
    assert [(session.episodes, session.end) for session in series] == [(None, None), (None, None)]


def test_a_single_party_is_one_session_with_all_its_episodes():
    (session,) = expand_series(
        FRIDAY_8PM_KST, "Asia/Seoul", None, episodes=EpisodeRange(5, 6), runtime_minutes=65
    )
    assert session == Session(
        1, FRIDAY_8PM_KST, datetime(2026, 12, 4, 22, 10, tzinfo=SEOUL), EpisodeRange(5, 6)
    )


def test_without_a_runtime_a_session_has_no_end():
    (session,) = expand_series(FRIDAY_8PM_KST, "Asia/Seoul", None, episodes=EpisodeRange(5, 6))
    assert session.end is None


# --- refusals of a series ---


@pytest.mark.parametrize(
    ("rule", "options", "says"),
    [
        (
            FRI_SAT,
            {},
            "A series needs an end: give `sessions` or `until`, or `episodes` with "
            "`episodes_per_session`.",
        ),
        (FRI_SAT, {"per_session": 2}, "A series needs an end"),
        (
            FRI_SAT,
            {"episodes": EpisodeRange(1, 16), "sessions": 8},
            "Say how many of episodes 1–16 each session shows with `episodes_per_session`",
        ),
        (
            FRI_SAT,
            {"episodes": EpisodeRange(1, 20), "per_session": 2, "last_episode": 16},
            "This title has 16 episodes, so it has no episode 20.",
        ),
        (
            None,
            {"episodes": EpisodeRange(17, 17), "last_episode": 16},
            "This title has 16 episodes, so it has no episode 17.",
        ),
        (FRI_SAT, {"sessions": 0}, "A series needs at least 1 session."),
        (FRI_SAT, {"sessions": 3, "per_session": 0}, "`episodes_per_session` can be 1 to 10,000."),
        (
            FRI_SAT,
            {"sessions": 3, "per_session": MAX_EPISODE + 1},
            "`episodes_per_session` can be 1 to 10,000.",
        ),
        (
            FRI_SAT,
            {"until": date(2026, 12, 3)},
            "`until` (Thu 3 Dec 2026) is before the first session (Fri 4 Dec 2026).",
        ),
        (
            RepeatRule("weekly", (Weekday.SAT, Weekday.SUN)),
            {"sessions": 4},
            "The first session is on a Fri, but the series repeats every Sat and Sun. "
            "Start it on Sat 5 Dec 2026, or add Fri to `repeat`.",
        ),
        (
            RepeatRule("weekly", (Weekday.MON, Weekday.THU)),
            {"sessions": 4},
            "Start it on Mon 7 Dec 2026, or add Fri to `repeat`.",
        ),
        (
            None,
            {"sessions": 4},
            "`sessions` only applies to a series. Add `repeat`",
        ),
        (
            None,
            {"until": date(2026, 12, 31), "per_session": 2},
            "`until` and `episodes_per_session` only apply to a series.",
        ),
        (
            # 13 episodes of 2 hours do not fit between Fri 20:00 and Sat 20:00.
            FRI_SAT,
            {"episodes": EpisodeRange(1, 26), "per_session": 13, "runtime_minutes": 120},
            "Session 1 would still be running when session 2 starts (Sat 5 Dec 2026). "
            "Show fewer episodes per session, or repeat less often.",
        ),
    ],
)
def test_a_series_that_cannot_be_is_refused_with_the_reason(rule, options, says):
    with pytest.raises(UserFacingError) as refused:
        expand_series(FRIDAY_8PM_KST, "Asia/Seoul", rule, **options)
    assert says in refused.value.message


@pytest.mark.parametrize(
    ("start", "options"),
    [
        (datetime(2026, 12, 4, 20, 0), {"sessions": 2}),  # noqa: DTZ001
        (FRIDAY_8PM_KST, {"sessions": 2, "runtime_minutes": 0}),
        (FRIDAY_8PM_KST, {"sessions": 2, "max_sessions": 0}),
        (FRIDAY_8PM_KST, {"sessions": 2, "last_episode": 0}),
    ],
)
def test_what_the_caller_passes_wrong_is_a_programming_error(start, options):
    with pytest.raises(ValueError, match="must be"):
        expand_series(start, "Asia/Seoul", FRI_SAT, **options)


@pytest.mark.parametrize(("frequency", "weekdays"), [("monthly", ()), ("daily", (Weekday.FRI,))])
def test_a_repeat_rule_that_cannot_be_is_refused_when_made(frequency, weekdays):
    with pytest.raises(ValueError, match=r"frequency|daily"):
        RepeatRule(frequency, weekdays)


# --- reading `repeat` ---

WORKING_WEEK = (Weekday.MON, Weekday.TUE, Weekday.WED, Weekday.THU, Weekday.FRI)


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("daily", DAILY_RULE),
        ("Every day", DAILY_RULE),
        ("everyday", DAILY_RULE),
        ("weekly", WEEKLY_RULE),
        ("every week", WEEKLY_RULE),
        ("weekly fri,sat", FRI_SAT),
        ("weekly fri sat", FRI_SAT),
        ("Weekly Fri, Sat", FRI_SAT),
        ("every fri and sat", FRI_SAT),
        ("every fri & sat", FRI_SAT),
        ("fri,sat", FRI_SAT),
        ("sat/fri", FRI_SAT),
        ("fri,sat,fri", FRI_SAT),
        ("fridays and saturdays", FRI_SAT),
        ("Friday and Saturday", FRI_SAT),
        ("every week on fri and sat", FRI_SAT),
        ("weekly on fri, sat", FRI_SAT),
        ("\uff26\uff32\uff29, \uff33\uff21\uff34", FRI_SAT),  # full-width, as phones type it
        ("mon-fri", RepeatRule("weekly", WORKING_WEEK)),
        ("mon – fri", RepeatRule("weekly", WORKING_WEEK)),
        ("mon to fri", RepeatRule("weekly", WORKING_WEEK)),
        ("weekdays", RepeatRule("weekly", WORKING_WEEK)),
        ("every weekday", RepeatRule("weekly", WORKING_WEEK)),
        ("weekends", RepeatRule("weekly", (Weekday.SAT, Weekday.SUN))),
        ("every weekend", RepeatRule("weekly", (Weekday.SAT, Weekday.SUN))),
        ("sat-mon", RepeatRule("weekly", (Weekday.MON, Weekday.SAT, Weekday.SUN))),
        ("weekdays and sun", RepeatRule("weekly", (*WORKING_WEEK, Weekday.SUN))),
        ("tues, thurs", RepeatRule("weekly", (Weekday.TUE, Weekday.THU))),
        ("wed", RepeatRule("weekly", (Weekday.WED,))),
    ],
)
def test_repeats_as_members_type_them(typed, expected):
    assert parse_repeat(typed) == expected


@pytest.mark.parametrize(
    ("typed", "says"),
    [
        ("", "Say how the series repeats, for example `daily`, `weekly`"),
        ("   ", "Say how the series repeats"),
        ("every", "Say which days `every` means. Try `daily`, `weekly`"),
        ("and", "Say which days `and` means"),
        ("monthly", "I can't read `monthly` as days of the week. Try `daily`, `weekly`"),
        ("every other fri", "I can't read `other` in `every other fri` as days of the week"),
        ("fri-funday", "I can't read `fri-funday` as days of the week"),
        ("mon-wed-fri", "I can't read `mon-wed-fri` as days of the week"),
        ("weekly daily", "I can't read `daily` in `weekly daily`"),
        ("fri 8pm", "I can't read `8pm` in `fri 8pm`"),
        ("`@everyone`", "I can't read `'@everyone'` as days"),
        ("fri " * 20, f"`repeat` can be at most {MAX_REPEAT_LENGTH} characters; that one has 79."),
    ],
)
def test_a_repeat_that_cannot_be_read_is_refused_with_what_is_accepted(typed, says):
    with pytest.raises(UserFacingError) as refused:
        parse_repeat(typed)
    assert says in refused.value.message


# --- reading `episodes` ---


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("5-6", EpisodeRange(5, 6)),
        ("5–6", EpisodeRange(5, 6)),  # an en dash
        ("5 — 6", EpisodeRange(5, 6)),
        ("5~6", EpisodeRange(5, 6)),
        ("5 to 6", EpisodeRange(5, 6)),
        ("5", EpisodeRange(5, 5)),
        ("05", EpisodeRange(5, 5)),
        ("6-6", EpisodeRange(6, 6)),
        ("ep 5-6", EpisodeRange(5, 6)),
        ("Ep. 5", EpisodeRange(5, 5)),
        ("eps 5-6", EpisodeRange(5, 6)),
        ("ep5-ep6", EpisodeRange(5, 6)),
        ("episode 7", EpisodeRange(7, 7)),
        ("episodes 1-16", EpisodeRange(1, 16)),
        ("Episodes 1 - 16", EpisodeRange(1, 16)),
        ("e5", EpisodeRange(5, 5)),
        ("e5-e6", EpisodeRange(5, 6)),
        ("\uff15\uff0d\uff16", EpisodeRange(5, 6)),  # full-width "5-6"
        (str(MAX_EPISODE), EpisodeRange(MAX_EPISODE, MAX_EPISODE)),
    ],
)
def test_episodes_as_members_type_them(typed, expected):
    assert parse_episodes(typed) == expected


@pytest.mark.parametrize(
    ("typed", "says"),
    [
        ("", "Say which episodes, for example `5`, `5-6`, `ep 5-6` or `episodes 1-16`."),
        ("0", "Episodes are numbered from 1."),
        ("0-3", "Episodes are numbered from 1."),
        ("6-5", "`6-5` runs backwards. Did you mean `5-6`?"),
        ("ep 6–5", "`6-5` runs backwards"),
        ("10001", "Episode numbers go up to 10,000."),
        ("1-99999999999999999999", "Episode numbers go up to 10,000."),
        ("five", "I can't read `five` as episodes. Try `5`, `5-6`, `ep 5-6` or `episodes 1-16`."),
        ("5-", "I can't read `5-` as episodes"),
        ("-5", "I can't read `-5` as episodes"),
        ("5,6", "I can't read `5,6` as episodes"),
        ("1.5", "I can't read `1.5` as episodes"),
        ("season 2", "I can't read `season 2` as episodes"),
        ("ep", "I can't read `ep` as episodes"),
        ("\u0665", "I can't read `\u0665` as episodes"),  # an Arabic-Indic five is not taken as a 5
        ("1" * 41, f"`episodes` can be at most {MAX_EPISODES_LENGTH} characters; that one has 41"),
    ],
)
def test_episodes_that_cannot_be_read_are_refused_with_what_is_accepted(typed, says):
    with pytest.raises(UserFacingError) as refused:
        parse_episodes(typed)
    assert says in refused.value.message


# --- describing a rule ---


@pytest.mark.parametrize(
    ("rule", "says"),
    [
        (DAILY_RULE, "every day"),
        (WEEKLY_RULE, "every week"),
        (RepeatRule("weekly", (Weekday.FRI,)), "every Fri"),
        (FRI_SAT, "every Fri and Sat"),
        (RepeatRule("weekly", (Weekday.SAT, Weekday.FRI)), "every Fri and Sat"),
        (RepeatRule("weekly", (Weekday.MON, Weekday.WED, Weekday.FRI)), "every Mon, Wed and Fri"),
        (RepeatRule("weekly", WORKING_WEEK), "every weekday"),
        (RepeatRule("weekly", (Weekday.SAT, Weekday.SUN)), "every Sat and Sun"),
        (RepeatRule("weekly", tuple(Weekday)), "every day"),
    ],
)
def test_a_rule_reads_as_members_would_say_it(rule, says):
    assert describe_rule(rule) == says


@pytest.mark.parametrize(
    "typed", ["daily", "weekly", "fri,sat", "weekdays", "weekends", "mon, wed and fri", "sun"]
)
def test_a_described_rule_reads_back_as_the_same_rule(typed):
    rule = parse_repeat(typed)
    assert parse_repeat(describe_rule(rule)) == rule


# --- checked against rrule itself, the way its documentation says to use it ---


def rrule_starts(
    first: datetime, rule: RepeatRule, until: date | None, limit: int
) -> list[datetime]:
    """Sessions as rrule expands them from an aware start, with UNTIL in UTC at the end of the
    `until` day in the start's zone, as instants."""
    zone = first.tzinfo
    assert zone is not None
    until_utc = (
        None
        if until is None
        else datetime.combine(until + timedelta(days=1), time(), zone).astimezone(UTC)
        - timedelta(microseconds=1)
    )
    occurrences = rrule(
        DAILY if rule.frequency == "daily" else WEEKLY,
        dtstart=first,
        byweekday=rule.weekdays or None,
        until=until_utc,
    )
    return [occurrence.astimezone(UTC) for occurrence in islice(occurrences, limit)]


@pytest.mark.parametrize(
    ("first", "rule", "until"),
    [
        (datetime(2026, 10, 2, 20, 0, tzinfo=NEW_YORK), FRI_SAT, date(2027, 4, 30)),
        (datetime(2027, 3, 1, 2, 30, tzinfo=NEW_YORK), DAILY_RULE, date(2027, 3, 31)),
        (datetime(2026, 10, 1, 1, 30, tzinfo=LONDON), DAILY_RULE, date(2026, 11, 10)),
        # Lord Howe Island's clocks go forward half an hour, 02:00 to 02:30, on 4 Oct 2026.
        (
            datetime(2026, 9, 28, 2, 15, tzinfo=ZoneInfo("Australia/Lord_Howe")),
            DAILY_RULE,
            date(2026, 10, 10),
        ),
        (
            datetime(2026, 9, 7, 23, 45, tzinfo=ZoneInfo("Australia/Lord_Howe")),
            RepeatRule("weekly", WORKING_WEEK),
            date(2026, 12, 1),
        ),
        (datetime(2026, 12, 4, 20, 0, tzinfo=SEOUL), FRI_SAT, date(2027, 5, 1)),
    ],
)
def test_the_expansion_matches_rrule_from_an_aware_start(first, rule, until):
    series = expand_series(first, str(first.tzinfo), rule, until=until)
    assert [session.start.astimezone(UTC) for session in series] == rrule_starts(
        first, rule, until, limit=1000
    )


# --- any valid series ---

PROPERTY_ZONES = [
    "America/New_York",
    "Europe/London",
    "Asia/Seoul",
    "Asia/Kolkata",
    "Australia/Lord_Howe",  # a half-hour clock change
    "America/Santiago",  # its clocks change at midnight
    "Pacific/Chatham",
]
PROPERTY_YEARS = (date(2026, 1, 1), date(2028, 12, 31))


QUARTER_HOURS = [time(hour, minute) for hour in range(24) for minute in (0, 15, 30, 45)]


def clock_changes(zone: ZoneInfo) -> list[tuple[date, list[time]]]:
    """Each day in PROPERTY_YEARS when `zone`'s clocks change, with the wall times (to the
    quarter hour) that day skips or doubles."""
    days = [
        PROPERTY_YEARS[0] + timedelta(days=offset)
        for offset in range((PROPERTY_YEARS[1] - PROPERTY_YEARS[0]).days)
    ]
    changes = []
    for day in days:
        if (
            datetime.combine(day, time(12), zone).utcoffset()
            == datetime.combine(day - timedelta(days=1), time(12), zone).utcoffset()
        ):
            continue
        # A change at midnight may fall at the end of the day before.
        for changed in (day - timedelta(days=1), day):
            walls = [wall for wall in QUARTER_HOURS if not is_plain(changed, wall, zone)]
            if walls:
                changes.append((changed, walls))
    return changes


def is_plain(day: date, wall: time, zone: ZoneInfo) -> bool:
    """Whether `wall` happens exactly once on `day` in `zone`."""
    first = datetime.combine(day, wall, zone)
    second = first.replace(fold=1)
    exists = first.astimezone(UTC).astimezone(zone).time() == wall
    return exists and first.utcoffset() == second.utcoffset()


CLOCK_CHANGES = {name: clock_changes(ZoneInfo(name)) for name in PROPERTY_ZONES}


def start_days_and_walls(zone_name: str) -> st.SearchStrategy[tuple[date, time]]:
    anywhere = st.tuples(
        st.dates(*PROPERTY_YEARS), st.builds(time, st.integers(0, 23), st.integers(0, 59))
    )
    changes = CLOCK_CHANGES[zone_name]
    if not changes:
        return anywhere
    # Series that meet a skipped or doubled wall time are the interesting ones, so they start
    # at such a time up to three weeks before the change more often than chance would.
    near_a_change = st.sampled_from(changes).flatmap(
        lambda change: st.tuples(
            st.integers(0, 21).map(lambda before: change[0] - timedelta(days=before)),
            st.sampled_from(change[1]),
        )
    )
    return st.one_of(anywhere, near_a_change)


@st.composite
def valid_series(draw: st.DrawFn) -> dict[str, object]:
    zone_name = draw(st.sampled_from(PROPERTY_ZONES))
    zone = ZoneInfo(zone_name)
    day, wall = draw(start_days_and_walls(zone_name))
    wall = wall.replace(fold=draw(st.integers(0, 1)))
    # An instant; a wall time the clocks skip lands somewhere real.
    start = datetime.combine(day, wall, zone).astimezone(UTC)
    local_day = start.astimezone(zone).date()
    local_weekday = Weekday(local_day.weekday())
    if draw(st.booleans()):
        rule = DAILY_RULE
    else:
        others = draw(st.sets(st.sampled_from(list(Weekday))))
        rule = RepeatRule("weekly", tuple(sorted(others | {local_weekday})) if others else ())
    per_session = draw(st.none() | st.integers(1, 5))
    episodes = None
    if per_session is not None and draw(st.booleans()):
        first = draw(st.integers(1, 50))
        episodes = EpisodeRange(first, first + draw(st.integers(0, 60)))
    last_episode = draw(st.none() | st.integers(episodes.last if episodes else 1, 300))
    sessions = draw(st.none() | st.integers(1, 60))
    until = draw(
        st.none() | st.integers(0, 400).map(lambda ahead: local_day + timedelta(days=ahead))
    )
    ends_with_episodes = per_session is not None and (
        episodes is not None or last_episode is not None
    )
    if sessions is None and until is None and not ends_with_episodes:
        sessions = draw(st.integers(1, 60))
    return {
        "start": start,
        "zone": str(zone),
        "rule": rule,
        "sessions": sessions,
        "until": until,
        "episodes": episodes,
        "per_session": per_session,
        "last_episode": last_episode,
        # At most 5 episodes of 4 hours: shorter than the 23 hours between daily sessions
        # on the day the clocks go forward, so no valid series overlaps itself.
        "runtime_minutes": draw(st.none() | st.integers(1, 240)),
        "max_sessions": draw(st.one_of(st.just(100), st.integers(1, 120))),
    }


@settings(max_examples=300, deadline=None)
@given(request=valid_series())
def test_any_valid_series_is_ordered_at_one_wall_time_with_contiguous_episodes(request):
    series = expand_series(**request)
    zone = ZoneInfo(request["zone"])
    first = request["start"].astimezone(zone)
    wall = first.time().replace(fold=0)

    assert 1 <= len(series) <= request["max_sessions"]
    assert [session.number for session in series] == list(range(1, len(series) + 1))
    assert series[0].start == first
    assert series[0].start.fold == first.fold
    assert {str(session.start.tzinfo) for session in series} == {request["zone"]}

    instants = [session.start.astimezone(UTC) for session in series]
    assert instants == sorted(set(instants))  # strictly increasing

    for session in series[1:]:
        meant = datetime.combine(session.start.date(), wall, zone)
        if session.start.time() != wall:  # only where the clocks skip that wall time
            assert meant.astimezone(UTC).astimezone(zone).time() != wall
        assert session.start.astimezone(UTC) == meant.astimezone(UTC)

    for earlier, later in pairwise(series):
        if earlier.end is not None:
            assert earlier.end <= later.start

    if request["sessions"] is not None:
        assert len(series) <= request["sessions"]
    if request["until"] is not None:
        assert series[-1].start.date() <= request["until"]

    per_session = request["per_session"]
    episodes = request["episodes"]
    final_episode = episodes.last if episodes else request["last_episode"]
    if per_session is None:
        assert {session.episodes for session in series} == {None}
    else:
        batches = [session.episodes for session in series]
        assert all(batch is not None for batch in batches)
        assert batches[0].first == (episodes.first if episodes else 1)
        for earlier, later in pairwise(batches):
            assert later.first == earlier.last + 1
            assert earlier.count == per_session
        assert batches[-1].count <= per_session
        if final_episode is not None:
            assert batches[-1].last <= final_episode

    runtime = request["runtime_minutes"]
    for session in series:
        if session.episodes is None or runtime is None:
            assert session.end is None
        else:
            assert session.end is not None
            lasts = session.end.astimezone(UTC) - session.start.astimezone(UTC)
            assert lasts == timedelta(minutes=session.episodes.count * runtime)

    # Checked against rrule: the same sessions, and where rrule has one more, the series
    # stopped because its sessions, its cap or its episodes ran out.
    expected = rrule_starts(
        first.replace(fold=0), request["rule"], request["until"], len(series) + 1
    )
    assert instants[1:] == expected[1 : len(series)]
    if len(expected) > len(series):
        ran_out_of_episodes = (
            final_episode is not None
            and per_session is not None
            and series[-1].episodes is not None
            and series[-1].episodes.last == final_episode
        )
        assert len(series) in (request["sessions"], request["max_sessions"]) or ran_out_of_episodes


@settings(max_examples=300, deadline=None)
@given(text=st.text(max_size=80))
def test_any_text_is_read_or_refused_clearly(text):
    for parse in (parse_repeat, parse_episodes):
        try:
            parse(text)
        except UserFacingError as refused:
            assert refused.message
