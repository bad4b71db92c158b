"""Picking a slow-burn vs fantasy pair when the member names none."""

from __future__ import annotations

import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.metadata.models import Medium
from bot.polls.pairs import (
    STRONG,
    Candidate,
    NoPair,
    Shortfall,
    VersusPair,
    find_opponent,
    find_pair,
)

CLOY = Candidate("tvmaze:1", "Crash Landing on You", Medium.KDRAMA, 0.81, 0.10, 0.92)
GOBLIN = Candidate("tvmaze:2", "Guardian: The Lonely and Great God", Medium.KDRAMA, 0.7, 0.8, 0.85)
REPLY = Candidate("tvmaze:3", "Reply 1988", Medium.KDRAMA, 0.75, 0.0, 0.4)
NICHE = Candidate("tvmaze:4", "A Quiet Niche Drama", Medium.KDRAMA, 0.9, 0.0, 0.05)
FRIEREN = Candidate("anilist:1", "Frieren", Medium.ANIME, 0.2, 0.90, 0.90)
MUSHOKU = Candidate("anilist:2", "Mushoku Tensei", Medium.ANIME, 0.1, 0.85, 0.45)
TORADORA = Candidate("anilist:3", "Toradora!", Medium.ANIME, 0.85, 0.05, 0.8)
WEAK = Candidate("anilist:4", "Barely Magic", Medium.ANIME, 0.0, 0.55, 0.9)
EVERYONE = [CLOY, GOBLIN, REPLY, NICHE, FRIEREN, MUSHOKU, TORADORA, WEAK]


def picked(found: VersusPair | NoPair) -> VersusPair:
    assert isinstance(found, VersusPair), found
    return found


def test_the_reason_line():
    pair = picked(find_pair([CLOY, FRIEREN], set(), 7))
    assert (pair.slow_burn, pair.fantasy) == (CLOY, FRIEREN)
    assert pair.reason == (
        "Crash Landing on You (slow-burn 0.81) vs Frieren (fantasy 0.90): both loved, "
        "about as popular, and neither watched nor polled here recently"
    )
    assert not pair.slow_burn_fallback
    assert not pair.fantasy_fallback


def test_a_k_drama_against_an_anime_by_default():
    for seed in range(30):
        pair = picked(find_pair(EVERYONE, set(), seed))
        assert pair.slow_burn.medium is Medium.KDRAMA
        assert pair.fantasy.medium is Medium.ANIME
        assert pair.slow_burn.slow_burn >= STRONG
        assert pair.fantasy.fantasy >= STRONG


def test_the_best_matched_popular_pair_wins_when_it_stands_out():
    # CLOY (0.92) and FRIEREN (0.90) are the closest and the most popular by a wide margin.
    pair = picked(find_pair([CLOY, NICHE, FRIEREN, MUSHOKU], set(), 0))
    assert (pair.slow_burn, pair.fantasy) == (CLOY, FRIEREN)


def test_a_gap_counts_more_than_popularity():
    # A lopsided pair of a hit and an unknown loses to two equally middling titles.
    hit = Candidate("tvmaze:9", "Hit", Medium.KDRAMA, 0.8, 0.0, 1.0)
    middling_kdrama = Candidate("tvmaze:8", "Middling", Medium.KDRAMA, 0.8, 0.0, 0.5)
    unknown = Candidate("anilist:9", "Unknown", Medium.ANIME, 0.0, 0.8, 0.1)
    middling_anime = Candidate("anilist:8", "Middling Anime", Medium.ANIME, 0.0, 0.8, 0.5)
    pair = picked(find_pair([hit, middling_kdrama, unknown, middling_anime], set(), 3))
    assert (pair.slow_burn, pair.fantasy) == (middling_kdrama, middling_anime)


def test_weak_titles_are_never_a_side():
    for seed in range(30):
        pair = picked(find_pair(EVERYONE, set(), seed))
        assert WEAK not in (pair.slow_burn, pair.fantasy)
    only_weak = find_pair([CLOY, WEAK], set(), 0)
    assert isinstance(only_weak, NoPair)
    assert only_weak.shortfall is Shortfall.NO_FANTASY
    assert "0.6" in only_weak.reason


def test_recent_titles_are_excluded():
    recent = {CLOY.title_id, FRIEREN.title_id}
    for seed in range(30):
        pair = picked(find_pair(EVERYONE, recent, seed))
        assert pair.slow_burn.title_id not in recent
        assert pair.fantasy.title_id not in recent


def test_a_side_falls_back_to_any_medium():
    # Every strong K-drama was used recently; Toradora! (a slow-burn anime) takes that side.
    recent = {CLOY.title_id, GOBLIN.title_id, REPLY.title_id, NICHE.title_id}
    pair = picked(find_pair(EVERYONE, recent, 1))
    assert pair.slow_burn == TORADORA
    assert pair.slow_burn_fallback
    assert not pair.fantasy_fallback
    assert pair.fantasy.medium is Medium.ANIME
    assert "no fresh slow-burn K-drama was strong enough, so that side is an anime" in pair.reason


def test_the_fantasy_side_falls_back_too():
    pair = picked(find_pair([CLOY, GOBLIN], set(), 0))
    assert (pair.slow_burn, pair.fantasy) == (CLOY, GOBLIN)
    assert pair.fantasy_fallback
    assert "no fresh fantasy anime was strong enough, so that side is a K-drama" in pair.reason


def test_a_title_strong_on_both_is_never_against_itself():
    lone = find_pair([GOBLIN], set(), 0)
    assert isinstance(lone, NoPair)
    assert lone.shortfall is Shortfall.SAME_TITLE
    assert "Guardian" in lone.reason


def test_no_slow_burn_side():
    found = find_pair([FRIEREN, MUSHOKU], set(), 0)
    assert isinstance(found, NoPair)
    assert found.shortfall is Shortfall.NO_SLOW_BURN


def test_no_pair_when_everything_strong_was_used_says_so():
    recent = {c.title_id for c in EVERYONE if c.slow_burn >= STRONG}
    found = find_pair(EVERYONE, recent, 0)
    assert isinstance(found, NoPair)
    assert found.shortfall is Shortfall.NO_SLOW_BURN
    assert "watched or polled here recently" in found.reason


def test_no_candidates():
    found = find_pair([], set(), 0)
    assert isinstance(found, NoPair)
    assert found.shortfall is Shortfall.NO_SLOW_BURN


def test_the_reason_is_honest_about_a_gap_and_obscurity():
    quiet = Candidate("tvmaze:7", "Quiet", Medium.KDRAMA, 0.7, 0.0, 0.1)
    famous = Candidate("anilist:7", "Famous", Medium.ANIME, 0.0, 0.7, 0.8)
    pair = picked(find_pair([quiet, famous], set(), 0))
    assert "lesser-known picks, the closest in popularity available" in pair.reason
    near = Candidate("anilist:6", "Near", Medium.ANIME, 0.0, 0.7, 0.6)
    assert (
        "both well known, close in popularity" in picked(find_pair([REPLY, near], set(), 0)).reason
    )


@pytest.mark.parametrize("field", ["slow_burn", "fantasy", "popularity"])
def test_scores_outside_zero_to_one_are_refused(field):
    values = {"slow_burn": 0.5, "fantasy": 0.5, "popularity": 0.5, field: 1.5}
    with pytest.raises(ValueError, match=field):
        Candidate("x:1", "X", Medium.ANIME, **values)


def test_same_seed_same_pair_and_seeds_give_variety():
    many = [
        Candidate(f"tvmaze:{i}", f"Drama {i}", Medium.KDRAMA, 0.8, 0.1, 0.8) for i in range(5)
    ] + [Candidate(f"anilist:{i}", f"Anime {i}", Medium.ANIME, 0.1, 0.8, 0.8) for i in range(5)]
    assert find_pair(many, set(), 42) == find_pair(many, set(), 42)
    assert find_pair(many, set(), random.Random(42)) == find_pair(many, set(), 42)
    assert len({find_pair(many, set(), seed) for seed in range(40)}) > 1


candidates = st.lists(
    st.builds(
        Candidate,
        title_id=st.sampled_from([f"t:{i}" for i in range(12)]),
        name=st.just("T"),
        medium=st.sampled_from(list(Medium)),
        slow_burn=st.floats(0, 1),
        fantasy=st.floats(0, 1),
        popularity=st.floats(0, 1),
    ),
    max_size=12,
    unique_by=lambda c: c.title_id,
)


@given(candidates, st.sets(st.sampled_from([f"t:{i}" for i in range(12)])), st.integers())
def test_properties_of_a_pick(pool, recent, seed):
    found = find_pair(pool, recent, seed)
    assert found == find_pair(list(pool), set(recent), seed)  # deterministic for a seed
    if isinstance(found, NoPair):
        assert found.reason
        return
    a, b = found.slow_burn, found.fantasy
    assert a.title_id != b.title_id
    assert a.title_id not in recent
    assert b.title_id not in recent
    assert a.slow_burn >= STRONG
    assert b.fantasy >= STRONG
    fresh = [c for c in pool if c.title_id not in recent]
    has_kdrama = any(c.medium is Medium.KDRAMA and c.slow_burn >= STRONG for c in fresh)
    has_anime = any(c.medium is Medium.ANIME and c.fantasy >= STRONG for c in fresh)
    assert (a.medium is Medium.KDRAMA) == has_kdrama
    assert (b.medium is Medium.ANIME) == has_anime
    assert found.slow_burn_fallback == (not has_kdrama)
    assert found.fantasy_fallback == (not has_anime)


# -- one side named: the bot picks the other ---------------------------------------------------


def test_a_named_slow_burn_side_gets_the_best_matched_fresh_fantasy_anime():
    pair = picked(find_opponent(CLOY, "slow_burn", EVERYONE, set(), 1))
    assert pair.slow_burn == CLOY
    assert pair.fantasy == FRIEREN  # closest in popularity among strong fantasy anime
    assert not pair.fantasy_fallback


def test_a_named_fantasy_side_gets_a_slow_burn_k_drama_and_never_itself():
    pair = picked(find_opponent(GOBLIN, "fantasy", EVERYONE, {CLOY.title_id}, 3))
    assert pair.fantasy == GOBLIN
    assert pair.slow_burn.medium is Medium.KDRAMA
    assert pair.slow_burn not in (GOBLIN, CLOY)


def test_with_no_fresh_opponent_it_says_why():
    found = find_opponent(CLOY, "slow_burn", [CLOY, REPLY], set(), 1)
    assert isinstance(found, NoPair)
    assert found.shortfall is Shortfall.NO_FANTASY
    assert "fantasy" in found.reason
