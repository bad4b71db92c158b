"""What a click does to a member's vote, and which questions, options and durations are
accepted: the pure rules of a poll."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.errors import UserFacingError
from bot.polls.models import (
    CountedOption,
    Poll,
    PollKind,
    ResultsVisibility,
    VoteAction,
    VoteRequest,
)
from bot.polls.rules import (
    check_max_choices,
    check_option,
    check_options,
    check_question,
    clean_text,
    counted,
    next_ballot,
    parse_duration,
    read_ranking,
)


def poll(kind: PollKind = PollKind.SINGLE, *, options: int = 3, max_choices: int = 1) -> Poll:
    return Poll(
        id=7,
        guild_id=1,
        channel_id=2,
        creator_id=3,
        question="What next?",
        kind=kind,
        max_choices=max_choices,
        anonymous=True,
        results=ResultsVisibility.LIVE,
        options=tuple(CountedOption(i, f"Option {i + 1}", 0) for i in range(options)),
        opened_at=0,
        closes_at=100,
        turnout=0,
        revision=0,
    )


def click(option: int) -> VoteRequest:
    return VoteRequest(1, 7, 42, VoteAction.TOGGLE, option=option)


def rank(*ranking: int) -> VoteRequest:
    return VoteRequest(1, 7, 42, VoteAction.RANK, ranking=ranking)


@pytest.mark.parametrize("kind", [PollKind.SINGLE, PollKind.VERSUS])
def test_one_vote_per_member_changed_by_another_click_and_withdrawn_by_the_same(kind):
    single = poll(kind, options=2 if kind is PollKind.VERSUS else 3)
    assert next_ballot(single, None, click(0)) == (0,)
    assert next_ballot(single, (0,), click(1)) == (1,)
    assert next_ballot(single, (1,), click(1)) is None


def test_multi_takes_up_to_n_choices_and_refuses_one_more_naming_the_choices():
    multi = poll(PollKind.MULTI, options=4, max_choices=2)
    ballot = next_ballot(multi, None, click(2))
    ballot = next_ballot(multi, ballot, click(0))
    assert ballot == (0, 2)
    with pytest.raises(UserFacingError, match=r"up to 2 options and have: Option 1, Option 3"):
        next_ballot(multi, ballot, click(3))
    assert next_ballot(multi, ballot, click(0)) == (2,)
    assert next_ballot(multi, (2,), click(2)) is None


def test_a_ranked_poll_takes_a_ranking_not_a_click_and_an_empty_ranking_withdraws():
    ranked = poll(PollKind.RANKED)
    assert next_ballot(ranked, None, rank(2, 0)) == (2, 0)
    assert next_ballot(ranked, (2, 0), rank(1, 2, 0)) == (1, 2, 0)
    assert next_ballot(ranked, (1,), rank()) is None
    with pytest.raises(UserFacingError, match="Rank the options"):
        next_ballot(ranked, None, click(0))
    with pytest.raises(UserFacingError, match="at most once"):
        next_ballot(ranked, None, rank(1, 1))
    with pytest.raises(UserFacingError, match="not ranked"):
        next_ballot(poll(), None, rank(0))


def test_withdrawing_leaves_no_ballot_and_an_option_outside_the_poll_is_refused():
    assert next_ballot(poll(), (1,), VoteRequest(1, 7, 42, VoteAction.WITHDRAW)) is None
    with pytest.raises(UserFacingError, match="options 1 to 3"):
        next_ballot(poll(), None, click(3))


def test_running_counts_follow_first_preferences_on_ranked_polls_and_every_choice_otherwise():
    assert counted(PollKind.RANKED, (2, 0, 1)) == (2,)
    assert counted(PollKind.MULTI, (0, 2)) == (0, 2)
    assert counted(PollKind.SINGLE, None) == ()


@pytest.mark.parametrize(
    ("typed", "expected"),
    [("3 1 2", (2, 0, 1)), ("3,1", (2, 0)), ("2 > 3 > 1", (1, 2, 0)), ("", ()), ("  ", ())],
)
def test_a_ranking_is_read_from_option_numbers(typed, expected):
    assert read_ranking(typed, 3) == expected


@pytest.mark.parametrize("typed", ["1 1", "4", "0", "one two", "1; DROP TABLE", "9999"])
def test_a_bad_ranking_says_what_is_accepted(typed):
    with pytest.raises(UserFacingError, match="1 to 3"):
        read_ranking(typed, 3)


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        (None, timedelta(hours=24)),
        ("30m", timedelta(minutes=30)),
        ("24h", timedelta(hours=24)),
        ("3d", timedelta(days=3)),
        ("1d 12h", timedelta(hours=36)),
        ("90 minutes", timedelta(minutes=90)),
        ("7 days", timedelta(days=7)),
        ("10m", timedelta(minutes=10)),
    ],
)
def test_durations(typed, expected):
    assert parse_duration(typed) == expected


@pytest.mark.parametrize("typed", ["9m", "8d", "tomorrow", "5", "1h banana", "-1h", "0m"])
def test_a_duration_outside_10_minutes_to_7_days_or_unreadable_is_refused(typed):
    with pytest.raises(UserFacingError, match="10 minutes to 7 days"):
        parse_duration(typed)


def test_options_are_cleaned_and_one_over_the_limit_names_the_limit():
    assert check_option("  Crash\u200b Landing\n on   You ", 1) == "Crash Landing on You"
    assert clean_text("a\x00b\u202ec") == "abc"
    assert check_option("x" * 80, 2) == "x" * 80
    with pytest.raises(
        UserFacingError, match=r"Option 2 can be at most 80 characters; that one has 81"
    ):
        check_option("x" * 81, 2)
    with pytest.raises(UserFacingError, match="Option 3 is empty"):
        check_option("\u200b \n", 3)


def test_options_must_be_2_to_10_and_distinct():
    check_options(["A", "B"])
    with pytest.raises(UserFacingError, match="2 to 10 options"):
        check_options(["A"])
    with pytest.raises(UserFacingError, match="2 to 10 options"):
        check_options([str(n) for n in range(11)])
    with pytest.raises(UserFacingError, match="Options 1 and 3 are the same"):
        check_options(["Goblin", "Frieren", "goblin"])


def test_the_question_is_cleaned_and_capped():
    assert check_question(" What\nnext? ") == "What next?"
    with pytest.raises(UserFacingError, match="at most 200"):
        check_question("q" * 201)
    with pytest.raises(UserFacingError, match="empty"):
        check_question("\u200b")


def test_multi_takes_2_up_to_the_number_of_options():
    assert check_max_choices(PollKind.MULTI, 3, 5) == 3
    assert check_max_choices(PollKind.MULTI, None, 5) == 5
    assert check_max_choices(PollKind.SINGLE, None, 5) == 1
    with pytest.raises(UserFacingError, match="2 to 4"):
        check_max_choices(PollKind.MULTI, 5, 4)
