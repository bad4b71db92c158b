"""Following the airing: the parties created, moved and cancelled after each schedule reading,
when following ends, and the offset members type."""

from __future__ import annotations

import itertools
from dataclasses import replace
from datetime import timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.errors import UserFacingError
from bot.metadata.models import Airing, AirSchedule
from bot.parties.follow import (
    HORIZON,
    MAX_OFFSET_MINUTES,
    EpisodeParty,
    FollowChanges,
    FollowedEpisode,
    MovedParty,
    parse_offset,
    plan_follow,
)

NOW = 1_795_435_200  # 2026-11-23 12:00 UTC
HOUR = 3600
DAY = 24 * HOUR
WEEK = 7 * DAY
NOTHING = FollowChanges(create=(), move=(), cancel=(), ended=False)


def schedule(
    *airings: tuple[int, int], finished: bool = False, last_episode: int | None = None
) -> AirSchedule:
    return AirSchedule(
        title_id="anilist:154587",
        title_name="Frieren",
        airings=tuple(Airing(episode, airs_at) for episode, airs_at in airings),
        finished=finished,
        last_episode=last_episode,
    )


def weekly(first_episode: int, first_airs_at: int, count: int) -> list[tuple[int, int]]:
    return [(first_episode + i, first_airs_at + i * WEEK) for i in range(count)]


def plan(
    read: AirSchedule,
    followed: list[FollowedEpisode] | None = None,
    *,
    offset_minutes: int = 0,
    now: int = NOW,
    since_episode: int | None = None,
) -> FollowChanges:
    return plan_follow(
        read, followed or [], offset_minutes=offset_minutes, now=now, since_episode=since_episode
    )


# --- creating ---------------------------------------------------------------------------------


def test_episodes_starting_within_the_horizon_are_created():
    read = schedule(*weekly(12, NOW + 2 * DAY, 3))  # days 2, 9 and 16

    changes = plan(read)

    assert changes == FollowChanges(
        create=(EpisodeParty(12, NOW + 2 * DAY),), move=(), cancel=(), ended=False
    )


def test_the_horizon_is_eight_days_inclusive():
    assert timedelta(days=8) == HORIZON
    read = schedule((1, NOW + 8 * DAY), (2, NOW + 8 * DAY + 1))
    assert [p.episode for p in plan(read).create] == [1]


def test_a_longer_horizon_creates_more():
    read = schedule(*weekly(12, NOW + 2 * DAY, 3))
    changes = plan_follow(read, [], offset_minutes=0, now=NOW, horizon=timedelta(days=20))
    assert [p.episode for p in changes.create] == [12, 13, 14]


def test_the_offset_is_added_to_the_air_time():
    read = schedule((12, NOW + DAY))
    assert plan(read, offset_minutes=90).create == (EpisodeParty(12, NOW + DAY + 90 * 60),)


def test_the_offset_counts_against_now_and_the_horizon():
    # Aired 30 minutes ago, but the party an hour after the airing is still to come.
    aired = schedule((12, NOW - 30 * 60))
    assert plan(aired, offset_minutes=60).create == (EpisodeParty(12, NOW + 30 * 60),)
    assert plan(aired).create == ()
    # Airs in 7 days 23 hours: two hours later is past the horizon.
    late = schedule((13, NOW + 8 * DAY - HOUR))
    assert plan(late, offset_minutes=120).create == ()


def test_episodes_already_aired_are_not_created():
    read = schedule((10, NOW - WEEK), (11, NOW), (12, NOW + 1))
    assert plan(read).create == (EpisodeParty(12, NOW + 1),)


def test_a_followed_episode_is_never_created_again():
    read = schedule((12, NOW + DAY), (13, NOW + 2 * DAY))
    followed = [
        FollowedEpisode(12, party_id=7, starts_at=NOW + DAY),
        # Cancelled by someone: it stays cancelled.
        FollowedEpisode(13, party_id=8, starts_at=NOW + 2 * DAY, cancelled=True),
    ]
    assert plan(read, followed) == NOTHING


def test_following_begins_at_since_episode():
    read = schedule((11, NOW + HOUR), (12, NOW + DAY), (13, NOW + 2 * DAY))
    assert [p.episode for p in plan(read, since_episode=12).create] == [12, 13]


def test_an_episode_listed_twice_gets_one_party_at_its_earliest_time():
    read = schedule((12, NOW + 2 * DAY), (12, NOW + DAY), (13, NOW + 3 * DAY))
    assert plan(read).create == (EpisodeParty(12, NOW + DAY), EpisodeParty(13, NOW + 3 * DAY))


# --- moving -----------------------------------------------------------------------------------


def test_a_moved_episode_moves_its_party():
    read = schedule((12, NOW + DAY + 2 * HOUR))  # a sports delay
    followed = [FollowedEpisode(12, party_id=7, starts_at=NOW + DAY + HOUR)]

    changes = plan(read, followed, offset_minutes=60)

    assert changes == FollowChanges(
        create=(),
        move=(MovedParty(7, 12, NOW + DAY + 3 * HOUR, was=NOW + DAY + HOUR),),
        cancel=(),
        ended=False,
    )


def test_a_week_off_moves_the_party_beyond_the_horizon():
    read = schedule((12, NOW + DAY + WEEK))
    followed = [FollowedEpisode(12, party_id=7, starts_at=NOW + DAY)]
    assert plan(read, followed).move == (MovedParty(7, 12, NOW + DAY + WEEK, was=NOW + DAY),)


@pytest.mark.parametrize("drift", [1, 30, 59, -59])
def test_a_change_under_a_minute_is_no_move(drift):
    read = schedule((12, NOW + DAY + drift))
    followed = [FollowedEpisode(12, party_id=7, starts_at=NOW + DAY)]
    assert plan(read, followed) == NOTHING


@pytest.mark.parametrize("drift", [60, -60])
def test_a_change_of_a_minute_is_a_move(drift):
    read = schedule((12, NOW + DAY + drift))
    followed = [FollowedEpisode(12, party_id=7, starts_at=NOW + DAY)]
    assert plan(read, followed).move == (MovedParty(7, 12, NOW + DAY + drift, was=NOW + DAY),)


def test_a_started_party_is_never_touched():
    read = schedule((12, NOW + HOUR), (13, NOW + WEEK))
    followed = [
        FollowedEpisode(12, party_id=7, starts_at=NOW - HOUR),  # under way
        FollowedEpisode(11, party_id=6, starts_at=NOW),  # starting this second; not listed
    ]
    assert plan(read, followed) == FollowChanges(
        create=(EpisodeParty(13, NOW + WEEK),), move=(), cancel=(), ended=False
    )


def test_a_cancelled_party_is_not_moved():
    read = schedule((12, NOW + 2 * DAY))
    followed = [FollowedEpisode(12, party_id=7, starts_at=NOW + DAY, cancelled=True)]
    assert plan(read, followed) == NOTHING


def test_a_party_is_not_moved_into_the_past():
    # The broadcaster aired it early: by the party's time the episode is out, so the party
    # keeps its time rather than being skipped.
    read = schedule((12, NOW - HOUR), (13, NOW + WEEK))
    followed = [FollowedEpisode(12, party_id=7, starts_at=NOW + HOUR)]
    assert plan(read, followed).move == ()


# --- cancelling -------------------------------------------------------------------------------


def test_an_episode_gone_from_the_schedule_cancels_its_party():
    # TVmaze lists every episode: 12 is missing between 11 and 13, so it was dropped.
    read = schedule((11, NOW - WEEK), (13, NOW + 2 * DAY))
    followed = [FollowedEpisode(12, party_id=7, starts_at=NOW + DAY)]
    assert plan(read, followed) == FollowChanges(
        create=(EpisodeParty(13, NOW + 2 * DAY),), move=(), cancel=(7,), ended=False
    )


def test_an_episode_that_aired_early_keeps_its_party():
    # AniList lists only episodes not yet aired: 12, below every listed one, aired (early),
    # it was not dropped; its party keeps its time and nobody is told it is cancelled.
    read = schedule((13, NOW + 2 * DAY))
    followed = [FollowedEpisode(12, party_id=7, starts_at=NOW + DAY)]
    assert plan(read, followed).cancel == ()


def test_an_episode_that_just_aired_is_not_gone():
    # AniList lists only episodes not yet aired: episode 12 aired 30 minutes ago, and its
    # party an hour after the airing is still to come.
    read = schedule((13, NOW + WEEK - 30 * 60))
    followed = [FollowedEpisode(12, party_id=7, starts_at=NOW + 30 * 60)]
    assert plan(read, followed, offset_minutes=60).cancel == ()


def test_an_empty_answer_for_a_show_not_finished_changes_nothing():
    followed = [
        FollowedEpisode(12, party_id=7, starts_at=NOW + DAY),
        FollowedEpisode(11, party_id=6, starts_at=NOW - WEEK),
    ]
    assert plan(schedule(), followed) == NOTHING
    assert plan(schedule(last_episode=12), followed) == NOTHING
    assert plan(schedule(last_episode=11), followed) == NOTHING  # not even ended


def test_a_finished_show_with_nothing_listed_cancels_what_has_not_aired():
    followed = [FollowedEpisode(12, party_id=7, starts_at=NOW + DAY)]
    assert plan(schedule(finished=True), followed) == FollowChanges(
        create=(), move=(), cancel=(7,), ended=True
    )


# --- ending -----------------------------------------------------------------------------------


def test_a_finished_show_with_nothing_ahead_ends():
    read = schedule(*weekly(1, NOW - 12 * WEEK, 12), finished=True, last_episode=12)
    followed = [FollowedEpisode(12, party_id=7, starts_at=NOW - 5 * DAY)]
    assert plan(read, followed) == FollowChanges(create=(), move=(), cancel=(), ended=True)


def test_a_finished_show_goes_on_while_a_party_is_ahead():
    # AniList marks a show finished as its last episode airs; the party an hour later is ahead.
    followed = [FollowedEpisode(12, party_id=7, starts_at=NOW + 30 * 60)]
    changes = plan(schedule(finished=True, last_episode=12), followed, offset_minutes=60)
    assert changes == NOTHING


def test_a_finished_show_goes_on_while_an_episode_is_ahead():
    read = schedule((12, NOW + 10 * DAY), finished=True)  # beyond the horizon for now
    assert plan(read) == NOTHING


def test_following_ends_once_the_last_episodes_party_has_started():
    read = schedule(*weekly(1, NOW - 11 * WEEK - DAY, 12), last_episode=12)
    followed = [FollowedEpisode(12, party_id=7, starts_at=NOW - DAY)]
    assert plan(read, followed).ended


def test_following_ends_when_the_last_episode_aired_without_a_party():
    read = schedule(*weekly(1, NOW - 11 * WEEK - DAY, 12), last_episode=12)
    assert plan(read).ended


def test_following_goes_on_when_more_episodes_come_than_were_counted():
    read = schedule((12, NOW - DAY), (13, NOW + 6 * DAY), last_episode=12)
    followed = [FollowedEpisode(12, party_id=7, starts_at=NOW - DAY)]
    assert plan(read, followed) == FollowChanges(
        create=(EpisodeParty(13, NOW + 6 * DAY),), move=(), cancel=(), ended=False
    )


def test_a_cancelled_party_ahead_does_not_hold_following_open():
    read = schedule((12, NOW + DAY), finished=True)
    followed = [FollowedEpisode(12, party_id=7, starts_at=NOW + DAY, cancelled=True)]
    assert plan(read, followed).ended


def test_an_offset_out_of_range_is_a_programming_error():
    with pytest.raises(ValueError, match="offset_minutes"):
        plan(schedule(), offset_minutes=-1)
    with pytest.raises(ValueError, match="offset_minutes"):
        plan(schedule(), offset_minutes=MAX_OFFSET_MINUTES + 1)


# --- a season, read daily ---------------------------------------------------------------------


def test_a_season_followed_day_by_day_creates_each_party_once_and_ends():
    first_air = NOW + 3 * DAY
    airings = weekly(1, first_air, 4)
    parties: dict[int, FollowedEpisode] = {}
    ids = itertools.count(100)
    created_on: dict[int, int] = {}
    ended_on = None
    for day in range(40):
        now = NOW + day * DAY
        # AniList's shape: only episodes not yet aired are listed; finished after the last.
        listed = [(e, t) for e, t in airings if t > now]
        read = schedule(*listed, finished=not listed, last_episode=4)
        changes = plan(read, list(parties.values()), offset_minutes=30, now=now)
        assert changes.move == ()
        assert changes.cancel == ()
        for party in changes.create:
            assert party.episode not in parties
            parties[party.episode] = FollowedEpisode(party.episode, next(ids), party.starts_at)
            created_on[party.episode] = day
        if changes.ended:
            ended_on = day
            break
    assert sorted(parties) == [1, 2, 3, 4]
    assert [parties[e].starts_at for e in (1, 2, 3, 4)] == [t + 30 * 60 for _, t in airings]
    # Each party is created the first day its start (30 minutes after the airing) is within
    # eight days.
    assert created_on == {1: 0, 2: 3, 3: 10, 4: 17}
    assert ended_on == 25  # the day after the last party started


# --- properties -------------------------------------------------------------------------------

episodes = st.integers(min_value=1, max_value=30)
instants = st.integers(min_value=NOW - 3 * WEEK, max_value=NOW + 3 * WEEK)


@st.composite
def situations(draw: st.DrawFn) -> tuple[AirSchedule, list[FollowedEpisode], int, int | None]:
    airings = draw(st.lists(st.tuples(episodes, instants), max_size=15))
    read = schedule(
        *airings,
        finished=draw(st.booleans()),
        last_episode=draw(st.none() | episodes),
    )
    followed_episodes = draw(st.lists(episodes, max_size=10))
    followed = [
        FollowedEpisode(
            episode,
            party_id=index + 1,
            starts_at=draw(instants),
            cancelled=draw(st.booleans()),
        )
        for index, episode in enumerate(followed_episodes)
    ]
    offset = draw(st.sampled_from([0, 1, 30, 60, 90, 24 * 60, MAX_OFFSET_MINUTES]))
    since = draw(st.none() | episodes)
    return read, followed, offset, since


def apply(
    changes: FollowChanges, followed: list[FollowedEpisode], next_id: int
) -> list[FollowedEpisode]:
    moved = {move.party_id: move for move in changes.move}
    cancelled = set(changes.cancel)
    after = []
    for party in followed:
        if party.party_id in moved:
            assert moved[party.party_id].was == party.starts_at
            party = replace(party, starts_at=moved[party.party_id].starts_at)
        if party.party_id in cancelled:
            party = replace(party, cancelled=True)
        after.append(party)
    ids = itertools.count(next_id)
    after += [FollowedEpisode(p.episode, next(ids), p.starts_at) for p in changes.create]
    return after


@settings(max_examples=400, deadline=None)
@given(situations())
def test_plans_are_sound_and_idempotent(situation):
    read, followed, offset, since = situation
    changes = plan(read, followed, offset_minutes=offset, since_episode=since)

    # Nothing is created in the past, beyond the horizon, twice, or again once followed.
    created = [party.episode for party in changes.create]
    assert len(created) == len(set(created))
    assert not set(created) & {party.episode for party in followed}
    for party in changes.create:
        assert NOW < party.starts_at <= NOW + int(HORIZON.total_seconds())
        assert since is None or party.episode >= since
    # Only parties ahead and not cancelled are moved or cancelled; never both; never into
    # the past.
    by_id = {party.party_id: party for party in followed}
    touched = [move.party_id for move in changes.move] + list(changes.cancel)
    assert len(touched) == len(set(touched))
    for party_id in touched:
        assert by_id[party_id].starts_at > NOW
        assert not by_id[party_id].cancelled
    for move in changes.move:
        assert move.starts_at > NOW
        assert abs(move.starts_at - move.was) >= 60
    # An empty answer of a show not finished changes nothing.
    if not read.airings and not read.finished:
        assert changes == NOTHING

    # Applying the changes and reading the same schedule again changes nothing more.
    after = apply(changes, followed, next_id=len(followed) + 1)
    again = plan(read, after, offset_minutes=offset, since_episode=since)
    assert again == FollowChanges(create=(), move=(), cancel=(), ended=changes.ended)


@settings(max_examples=200, deadline=None)
@given(situations(), st.integers(min_value=1, max_value=3 * DAY))
def test_no_created_party_starts_in_the_past_as_time_goes_on(situation, elapsed):
    read, followed, offset, since = situation
    now = NOW + elapsed
    changes = plan(read, followed, offset_minutes=offset, now=now, since_episode=since)
    assert all(party.starts_at > now for party in changes.create)
    assert all(move.starts_at > now for move in changes.move)


# --- the offset -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "minutes"),
    [
        ("", 0),
        ("0", 0),
        ("0m", 0),
        ("at air time", 0),
        ("At Air Time", 0),
        ("after it airs", 0),
        ("1h", 60),
        ("1 hour", 60),
        ("1 HOUR", 60),
        ("90m", 90),
        ("90 minutes", 90),
        ("1 hour after it airs", 60),
        ("30 minutes after", 30),
        ("30 mins after airing", 30),
        ("2h30m", 150),
        ("2h 30m", 150),
        ("2 hours and 30 minutes after the episode airs", 150),
        ("1d", 24 * 60),
        ("1 day", 24 * 60),
        ("1w", MAX_OFFSET_MINUTES),
        ("7 days", MAX_OFFSET_MINUTES),
        ("\uff11\uff48", 60),  # full-width one and h
        ("\u0661h", 60),  # Arabic-Indic one
        ("\u0967 hour", 60),  # Devanagari one
        ("  45m  ", 45),
    ],
)
def test_offsets_as_typed(typed, minutes):
    assert parse_offset(typed) == minutes


@pytest.mark.parametrize(
    "typed", ["1 hour before", "30m before it airs", "-1h", "\u22121h", "-30 minutes"]
)
def test_an_offset_before_the_airing_is_refused(typed):
    with pytest.raises(UserFacingError, match="not before") as refused:
        parse_offset(typed)
    assert "`1h`" in refused.value.message  # says what is accepted


@pytest.mark.parametrize(
    "typed",
    [
        "8d",
        "1w1m",
        "169h",
        "10081m",
        "soon",
        "tomorrow",
        "1.5h",
        "1h1h",
        "1 month",
        "h",
        "1",
        "99999999h",
        "1h @everyone",
        "after after",
    ],
)
def test_unreadable_or_too_long_offsets_are_refused(typed):
    with pytest.raises(UserFacingError) as refused:
        parse_offset(typed)
    assert "up to 7 days" in refused.value.message
    assert "`2h30m`" in refused.value.message


@given(st.text(max_size=40))
def test_any_text_is_an_offset_in_range_or_a_clear_refusal(text):
    try:
        minutes = parse_offset(text)
    except UserFacingError as refused:
        assert "up to 7 days" in refused.message
    else:
        assert 0 <= minutes <= MAX_OFFSET_MINUTES


@pytest.mark.parametrize("typed", ["1,000m", "1 000m", "1 and 2h", "1 2h"])
def test_digits_split_by_separators_are_not_run_together(typed):
    with pytest.raises(UserFacingError, match="not an offset I can read"):
        parse_offset(typed)


@pytest.mark.parametrize(("typed", "minutes"), [("2h 30m", 150), ("1 hour, 30 minutes", 90)])
def test_pieces_with_their_units_add_up(typed, minutes):
    assert parse_offset(typed) == minutes
