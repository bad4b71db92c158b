"""Brackets: standard seeding, progression to a champion, ties resolved by seed."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.polls.bracket import (
    Bracket,
    Match,
    advance_on_tie,
    champion,
    current_round,
    is_finished,
    new_bracket,
    ready_matches,
    record_winner,
    seed_order,
)


def titles(size: int) -> list[str]:
    return [f"anilist:{seed}" for seed in range(1, size + 1)]


def first_round(bracket: Bracket) -> list[tuple[int | None, int | None]]:
    return [(m.top, m.bottom) for m in bracket.rounds[0]]


def play(bracket: Bracket, pick) -> Bracket:
    """Decide every ready match with `pick(match)` until the bracket is finished."""
    while not is_finished(bracket):
        for r, m in ready_matches(bracket):
            bracket = record_winner(bracket, r, m, pick(bracket.rounds[r][m]))
    return bracket


def test_standard_seeding_for_8():
    assert first_round(new_bracket(titles(8))) == [(1, 8), (4, 5), (3, 6), (2, 7)]


def test_standard_seeding_for_4_and_16():
    assert seed_order(4) == ((1, 4), (2, 3))
    assert seed_order(16) == (
        (1, 16),
        (8, 9),
        (5, 12),
        (4, 13),
        (3, 14),
        (6, 11),
        (7, 10),
        (2, 15),
    )


@pytest.mark.parametrize("size", [4, 8, 16])
def test_seeding_is_fair(size):
    pairs = seed_order(size)
    assert sorted(s for pair in pairs for s in pair) == list(range(1, size + 1))
    assert all(a + b == size + 1 for a, b in pairs)
    # When the better seed always wins, round r is contested by exactly seeds 1 .. size / 2^r:
    # good seeds meet as late as possible, 1 and 2 only in the final.
    bracket = new_bracket(titles(size))
    for number, matches in enumerate(bracket.rounds):
        assert len(matches) == size // 2 ** (number + 1)
    bracket = play(bracket, advance_on_tie)
    for number, matches in enumerate(bracket.rounds):
        seeds = sorted(s for m in matches for s in (m.top, m.bottom) if s is not None)
        assert seeds == list(range(1, size // 2**number + 1))
    assert (bracket.rounds[-1][0].top, bracket.rounds[-1][0].bottom) == (1, 2)


@pytest.mark.parametrize(("size", "rounds"), [(4, 2), (8, 3), (16, 4)])
def test_progression_to_a_champion(size, rounds):
    bracket = new_bracket(titles(size))
    assert len(bracket.rounds) == rounds
    assert current_round(bracket) == 0
    assert not is_finished(bracket)
    assert champion(bracket) is None
    # The underdog wins every match: the lowest seed of all is champion.
    for number in range(rounds):
        assert current_round(bracket) == number
        assert ready_matches(bracket) == tuple((number, m) for m in range(size >> (number + 1)))
        for m, match in enumerate(bracket.rounds[number]):
            assert match.top is not None
            assert match.bottom is not None
            bracket = record_winner(bracket, number, m, max(match.top, match.bottom))
    assert is_finished(bracket)
    assert current_round(bracket) is None
    assert ready_matches(bracket) == ()
    assert champion(bracket) == size
    assert bracket.entrant(size) == f"anilist:{size}"


def test_winners_fill_the_next_round_in_order():
    bracket = new_bracket(titles(8))
    bracket = record_winner(bracket, 0, 0, 8)
    assert bracket.rounds[1][0] == Match(top=8, bottom=None)
    bracket = record_winner(bracket, 0, 1, 4)
    assert bracket.rounds[1][0] == Match(top=8, bottom=4)
    bracket = record_winner(bracket, 0, 3, 2)
    assert bracket.rounds[1][1] == Match(top=None, bottom=2)
    assert current_round(bracket) == 0
    # The ready semi-final can be played before the last quarter-final; the caller decides.
    assert ready_matches(bracket) == ((0, 2), (1, 0))


def test_record_winner_leaves_the_old_bracket_alone():
    before = new_bracket(titles(4))
    after = record_winner(before, 0, 0, 1)
    assert before.rounds[0][0].winner is None
    assert before.rounds[1][0] == Match(None, None)
    assert after.rounds[0][0].winner == 1
    assert after is not before


def test_record_winner_refuses_bad_moves():
    bracket = new_bracket(titles(4))
    with pytest.raises(ValueError, match="seed 3 is not in match 0"):
        record_winner(bracket, 0, 0, 3)
    with pytest.raises(ValueError, match="waiting for its entrants"):
        record_winner(bracket, 1, 0, 1)
    with pytest.raises(ValueError, match="no round 2"):
        record_winner(bracket, 2, 0, 1)
    with pytest.raises(ValueError, match="no match 2"):
        record_winner(bracket, 0, 2, 1)
    decided = record_winner(bracket, 0, 0, 4)
    with pytest.raises(ValueError, match="already decided"):
        record_winner(decided, 0, 0, 1)


@pytest.mark.parametrize("size", [0, 1, 2, 3, 5, 6, 7, 12, 32])
def test_invalid_sizes_are_refused(size):
    with pytest.raises(ValueError, match="4, 8 or 16"):
        new_bracket(titles(size))
    with pytest.raises(ValueError, match="4, 8 or 16"):
        seed_order(size)


def test_an_entrant_is_in_a_bracket_once():
    with pytest.raises(ValueError, match="once"):
        new_bracket(["a", "b", "c", "a"])


def test_entrants_by_seed():
    bracket = new_bracket(["first", "second", "third", "fourth"])
    assert bracket.entrant(1) == "first"
    assert bracket.entrant(4) == "fourth"
    with pytest.raises(ValueError, match="no seed 5"):
        bracket.entrant(5)


def test_the_higher_seed_advances_on_a_tie():
    assert advance_on_tie(Match(4, 5)) == 4
    assert advance_on_tie(Match(top=7, bottom=2)) == 2
    with pytest.raises(ValueError, match="waiting"):
        advance_on_tie(Match(None, 3))


@given(st.sampled_from([4, 8, 16]), st.lists(st.booleans(), min_size=15, max_size=15))
def test_any_run_of_results_ends_with_one_champion(size, upsets):
    outcomes = iter(upsets)

    def pick(match: Match) -> int:
        assert match.top is not None
        assert match.bottom is not None
        lower, higher = sorted((match.top, match.bottom))
        return higher if next(outcomes) else lower

    bracket = play(new_bracket(titles(size)), pick)
    winner = champion(bracket)
    assert winner is not None
    assert 1 <= winner <= size
    # The champion won a match in every round, and everyone else lost exactly once.
    decided = [m for matches in bracket.rounds for m in matches]
    assert len(decided) == size - 1
    losers = [s for m in decided for s in (m.top, m.bottom) if s != m.winner]
    assert sorted(losers) == sorted(set(range(1, size + 1)) - {winner})
    assert sum(1 for m in decided if m.winner == winner) == len(bracket.rounds)
