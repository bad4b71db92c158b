"""Counting ballots: plain tallies (single, versus, multi) and instant runoff (ranked)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.polls.counting import RankedResults, check_ballot, instant_runoff, tally
from bot.polls.models import PollKind, PollOption

# --- models -----------------------------------------------------------------------------------


def test_an_option_is_plain_data():
    option = PollOption(0, "Frieren", "anilist:154587")
    assert option == PollOption(index=0, label="Frieren", title_id="anilist:154587")
    assert PollOption(1, "Something else").title_id is None
    with pytest.raises(ValueError, match="0 or more"):
        PollOption(-1, "nope")


# --- single and versus ------------------------------------------------------------------------


def test_single_counts_one_vote_per_ballot():
    results = tally(3, [(0,), (2,), (2,), (1,), (2,)], kind=PollKind.SINGLE)
    assert results.votes == (1, 1, 3)
    assert results.turnout == 5
    assert results.winners == (2,)
    assert not results.is_tie
    assert results.percentages == (20.0, 20.0, 60.0)


def test_single_tie_stays_a_tie():
    results = tally(3, [(0,), (1,), (0,), (1,), (2,)], kind=PollKind.SINGLE)
    assert results.winners == (0, 1)
    assert results.is_tie


def test_an_empty_poll_has_no_winner():
    results = tally(4, [], kind=PollKind.SINGLE)
    assert results.votes == (0, 0, 0, 0)
    assert results.turnout == 0
    assert results.winners == ()
    assert not results.is_tie
    assert results.percentages == (0.0, 0.0, 0.0, 0.0)


def test_versus_is_single_with_two_sides():
    results = tally(2, [(1,), (1,), (0,)], kind=PollKind.VERSUS)
    assert results.kind is PollKind.VERSUS
    assert results.votes == (1, 2)
    assert results.winners == (1,)
    assert tally(2, [(0,), (1,)], kind=PollKind.VERSUS).winners == (0, 1)


def test_versus_needs_exactly_two_sides():
    with pytest.raises(ValueError, match="two sides"):
        tally(3, [(0,)], kind=PollKind.VERSUS)
    with pytest.raises(ValueError, match="two sides"):
        tally(3, [], kind=PollKind.VERSUS)


def test_single_refuses_two_choices():
    with pytest.raises(ValueError, match="at most 1 choice"):
        tally(3, [(0, 1)], kind=PollKind.SINGLE)


def test_only_multi_takes_max_choices():
    with pytest.raises(ValueError, match="only a multi poll"):
        tally(3, [(0,)], kind=PollKind.SINGLE, max_choices=2)


def test_ranked_polls_are_not_tallied():
    with pytest.raises(ValueError, match="instant_runoff"):
        tally(3, [(0,)], kind=PollKind.RANKED)


# --- multi ------------------------------------------------------------------------------------


def test_multi_counts_each_choice_once():
    ballots = [(0, 1), (1,), (1, 2), (0, 1)]
    results = tally(3, ballots, kind=PollKind.MULTI, max_choices=2)
    assert results.votes == (2, 4, 1)
    assert results.turnout == 4
    assert results.winners == (1,)
    # Percentages are of voters, so they add up to more than 100 on a multi poll.
    assert results.percentages == (50.0, 100.0, 25.0)
    assert sum(results.percentages) > 100


def test_multi_tie():
    results = tally(4, [(0, 3), (3, 0), (1,)], kind=PollKind.MULTI, max_choices=3)
    assert results.winners == (0, 3)
    assert results.is_tie


def test_multi_refuses_more_than_max_choices():
    with pytest.raises(ValueError, match="at most 2 choice"):
        tally(4, [(0, 1, 2)], kind=PollKind.MULTI, max_choices=2)


def test_multi_max_choices_must_fit_the_poll():
    with pytest.raises(ValueError, match="max_choices is 1 to 3"):
        tally(3, [], kind=PollKind.MULTI, max_choices=4)
    with pytest.raises(ValueError, match="max_choices is 1 to 3"):
        tally(3, [(0,)], kind=PollKind.MULTI, max_choices=0)


def test_multi_with_every_option_allowed():
    results = tally(3, [(0, 1, 2), (2,)], kind=PollKind.MULTI, max_choices=3)
    assert results.votes == (1, 1, 2)
    assert results.winners == (2,)


# --- malformed ballots ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("ballot", "message"),
    [
        ((), "at least one option"),
        ((3,), "not one of the poll's 3 options"),
        ((-1,), "not one of the poll's 3 options"),
        ((1, 1), "at most once"),
    ],
)
@pytest.mark.parametrize("kind", [PollKind.MULTI, PollKind.RANKED])
def test_malformed_ballots_raise(ballot, message, kind):
    with pytest.raises(ValueError, match=message):
        check_ballot(3, ballot, kind=kind, max_choices=3 if kind is PollKind.MULTI else 1)
    count = (
        (lambda: instant_runoff(3, [(0,), ballot]))
        if kind is PollKind.RANKED
        else (lambda: tally(3, [(0,), ballot], kind=kind, max_choices=3))
    )
    with pytest.raises(ValueError, match=message):
        count()


def test_a_poll_without_options_is_refused():
    with pytest.raises(ValueError, match="at least one option"):
        tally(0, [], kind=PollKind.SINGLE)
    with pytest.raises(ValueError, match="at least one option"):
        instant_runoff(0, [])


def test_well_formed_ballots_pass():
    check_ballot(2, (1,), kind=PollKind.VERSUS)
    check_ballot(5, (4, 0, 2), kind=PollKind.MULTI, max_choices=3)
    check_ballot(5, (4, 0, 2, 1, 3), kind=PollKind.RANKED)


# --- instant runoff ---------------------------------------------------------------------------


def test_a_majority_in_round_one_wins_at_once():
    results = instant_runoff(3, [(0, 1), (0, 2), (0,), (1, 0), (2, 1)])
    assert results.winners == (0,)
    assert not results.is_tie
    assert len(results.rounds) == 1
    only = results.rounds[0]
    assert only.number == 1
    assert dict(only.counts) == {0: 3, 1: 1, 2: 1}
    assert only.active == 5
    assert only.exhausted == 0
    assert only.eliminated == ()
    assert results.votes == (3, 1, 1)
    assert results.turnout == 5
    assert results.percentages == (60.0, 20.0, 20.0)
    assert results.final_round is only


def test_half_is_not_a_majority():
    # 2 of 4 is not a strict majority, so round one ends without a winner: 1 and 2 tie for
    # fewest and go out together, and round two has 0 alone with 2 of 2 active ballots.
    results = instant_runoff(3, [(0,), (0,), (1,), (2, 1)])
    assert [dict(r.counts) for r in results.rounds] == [{0: 2, 1: 1, 2: 1}, {0: 2}]
    assert [r.eliminated for r in results.rounds] == [(1, 2), ()]
    assert (results.rounds[1].active, results.rounds[1].exhausted) == (2, 2)
    assert results.winners == (0,)


def test_transfers_decide_the_winner():
    # Round 1: A 4, B 3, C 2. C goes out; its ballots prefer B next, and B wins 5 to 4.
    a, b, c = 0, 1, 2
    ballots = [(a,)] * 4 + [(b, a)] * 3 + [(c, b)] * 2
    results = instant_runoff(3, ballots)
    assert results.winners == (b,)
    assert [dict(r.counts) for r in results.rounds] == [{a: 4, b: 3, c: 2}, {a: 4, b: 5}]
    assert [r.eliminated for r in results.rounds] == [(c,), ()]
    assert results.votes == (4, 3, 2)  # first preferences, whoever won the runoff


def test_a_first_round_tie_for_last_eliminates_both():
    # A 4, B 3, C 1, D 1: C and D tie for fewest and go out together.
    a, b, c, d = range(4)
    ballots = [(a,)] * 4 + [(b,)] * 3 + [(c, b)] + [(d, b)]
    results = instant_runoff(4, ballots)
    assert results.rounds[0].eliminated == (c, d)
    assert dict(results.rounds[1].counts) == {a: 4, b: 5}
    assert results.winners == (b,)
    assert len(results.rounds) == 2


def test_a_full_tie_at_the_end_stays_a_tie():
    # A 3, B 3, C 2. C goes out; its ballots split, and A and B tie at 4 each.
    a, b, c = range(3)
    ballots = [(a,)] * 3 + [(b,)] * 3 + [(c, a), (c, b)]
    results = instant_runoff(3, ballots)
    assert [dict(r.counts) for r in results.rounds] == [{a: 3, b: 3, c: 2}, {a: 4, b: 4}]
    assert results.winners == (a, b)
    assert results.is_tie
    assert results.rounds[-1].eliminated == ()


def test_everyone_tied_in_round_one_is_a_tie_of_all():
    results = instant_runoff(3, [(0,), (1,), (2,)])
    assert results.winners == (0, 1, 2)
    assert results.is_tie
    assert len(results.rounds) == 1


def test_options_nobody_ranks_first_go_out_first():
    # Nobody ranks 2 or 3 first: they tie at 0 and go out together, even though 3 is everyone's
    # second choice. That is instant runoff, not a Condorcet method.
    ballots = [(0, 3), (0, 3), (1, 3), (1, 3), (1, 2, 3)]
    results = instant_runoff(4, ballots)
    assert results.rounds[0].eliminated == ()  # 1 has 3 of 5 at once
    assert results.winners == (1,)
    tied = instant_runoff(4, [(0, 3), (0, 3), (1, 3), (1, 3)])
    assert [r.eliminated for r in tied.rounds] == [(2, 3), ()]
    assert tied.winners == (0, 1)


def test_exhausted_ballots_leave_the_majority_base():
    # Round 1: A 3, B 2, C 2 (7 ballots, no majority). B and C tie for fewest and both go out;
    # B's voters ranked nobody else and C's ranked A, so round 2 has A 5 of 5 active.
    a, b, c = range(3)
    ballots = [(a,)] * 3 + [(b,)] * 2 + [(c, a)] * 2
    results = instant_runoff(3, ballots)
    assert results.rounds[0].eliminated == (b, c)
    second = results.rounds[1]
    assert dict(second.counts) == {a: 5}
    assert second.active == 5
    assert second.exhausted == 2
    assert results.winners == (a,)


def test_a_majority_of_active_ballots_is_enough():
    # 9 ballots. Round 1: A 4, B 3, C 2; C goes out and its two ballots are exhausted.
    # Round 2: A 4 of 7 active ballots is a majority, though not of all 9.
    a, b, c = range(3)
    ballots = [(a,)] * 4 + [(b,)] * 3 + [(c,)] * 2
    results = instant_runoff(3, ballots)
    assert [r.eliminated for r in results.rounds] == [(c,), ()]
    final = results.rounds[-1]
    assert (final.active, final.exhausted) == (7, 2)
    assert results.winners == (a,)


def test_several_rounds_are_recorded_in_order():
    a, b, c, d = range(4)
    ballots = (
        [(a, b)] * 5  # A 5
        + [(b, c)] * 4  # B 4
        + [(c, b)] * 3  # C 3
        + [(d, c, b)] * 2  # D 2
    )
    results = instant_runoff(4, ballots)
    assert [r.number for r in results.rounds] == [1, 2, 3]
    assert [dict(r.counts) for r in results.rounds] == [
        {a: 5, b: 4, c: 3, d: 2},
        {a: 5, b: 4, c: 5},
        {a: 5, c: 9},
    ]
    assert [r.eliminated for r in results.rounds] == [(d,), (b,), ()]
    assert results.winners == (c,)


def test_no_ballots_no_rounds_no_winner():
    results = instant_runoff(3, [])
    assert isinstance(results, RankedResults)
    assert results.kind is PollKind.RANKED
    assert results.rounds == ()
    assert results.final_round is None
    assert results.winners == ()
    assert results.votes == (0, 0, 0)
    assert results.turnout == 0


def test_a_single_ballot_wins_for_its_first_choice():
    results = instant_runoff(5, [(3, 1)])
    assert results.winners == (3,)
    assert len(results.rounds) == 1


def test_one_option_poll():
    assert instant_runoff(1, [(0,), (0,)]).winners == (0,)


# --- properties -------------------------------------------------------------------------------


@st.composite
def ranked_polls(draw: st.DrawFn, min_ballots: int = 0) -> tuple[int, list[tuple[int, ...]]]:
    options = draw(st.integers(min_value=1, max_value=6))
    ranking = st.permutations(range(options)).flatmap(
        lambda order: st.integers(min_value=1, max_value=len(order)).map(
            lambda length: tuple(order[:length])
        )
    )
    ballots = draw(st.lists(ranking, min_size=min_ballots, max_size=40))
    return options, ballots


@given(ranked_polls(min_ballots=1))
def test_irv_always_has_a_winner_when_there_is_a_ballot(poll):
    options, ballots = poll
    results = instant_runoff(options, ballots)
    assert results.winners
    assert all(0 <= w < options for w in results.winners)
    assert list(results.winners) == sorted(set(results.winners))


@given(ranked_polls())
def test_irv_round_totals_never_exceed_the_ballots(poll):
    options, ballots = poll
    results = instant_runoff(options, ballots)
    for number, round_ in enumerate(results.rounds, start=1):
        assert round_.number == number
        assert sum(round_.counts.values()) == round_.active <= len(ballots)
        assert round_.active + round_.exhausted == len(ballots)
    assert all(r.eliminated for r in results.rounds[:-1])
    exhausted = [r.exhausted for r in results.rounds]
    assert exhausted == sorted(exhausted)  # once exhausted, a ballot stays exhausted


@given(ranked_polls(min_ballots=1))
def test_irv_winner_is_still_in_the_race_and_eliminated_never_return(poll):
    options, ballots = poll
    results = instant_runoff(options, ballots)
    gone: set[int] = set()
    for round_ in results.rounds:
        assert not gone & set(round_.counts)
        gone |= set(round_.eliminated)
    assert not gone & set(results.winners)
    assert set(results.winners) <= set(results.rounds[-1].counts)


@given(ranked_polls(min_ballots=1))
def test_irv_a_majority_of_first_preferences_always_wins(poll):
    options, ballots = poll
    results = instant_runoff(options, ballots)
    for option, count in enumerate(results.votes):
        if 2 * count > len(ballots):
            assert results.winners == (option,)
            assert len(results.rounds) == 1


@given(ranked_polls(), st.randoms(use_true_random=False))
def test_irv_ballot_order_does_not_matter(poll, rng):
    options, ballots = poll
    shuffled = list(ballots)
    rng.shuffle(shuffled)
    assert instant_runoff(options, shuffled) == instant_runoff(options, ballots)


@given(
    st.integers(min_value=1, max_value=6).flatmap(
        lambda n: st.tuples(
            st.just(n),
            st.lists(st.integers(min_value=0, max_value=n - 1).map(lambda i: (i,)), max_size=30),
        )
    )
)
def test_single_and_one_preference_irv_agree_on_a_majority(poll):
    options, ballots = poll
    plain = tally(options, ballots, kind=PollKind.SINGLE)
    runoff = instant_runoff(options, ballots)
    assert plain.votes == runoff.votes
    assert sum(plain.votes) == plain.turnout == len(ballots)
    if plain.winners and 2 * plain.votes[plain.winners[0]] > len(ballots):
        assert runoff.winners == plain.winners


@given(
    st.integers(min_value=1, max_value=6).flatmap(
        lambda n: st.tuples(
            st.just(n),
            st.integers(min_value=1, max_value=n),
            st.lists(st.sets(st.integers(0, n - 1), min_size=1).map(tuple), max_size=30),
        )
    )
)
def test_multi_totals_and_winners(poll):
    options, max_choices, ballots = poll
    ballots = [b for b in ballots if len(b) <= max_choices]
    results = tally(options, ballots, kind=PollKind.MULTI, max_choices=max_choices)
    assert sum(results.votes) == sum(len(b) for b in ballots)
    assert all(count <= results.turnout for count in results.votes)
    assert all(0.0 <= p <= 100.0 for p in results.percentages)
    if ballots:
        top = max(results.votes)
        assert results.winners == tuple(i for i, v in enumerate(results.votes) if v == top)
    else:
        assert results.winners == ()
