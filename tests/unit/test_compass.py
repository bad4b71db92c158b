"""The story compass: slow-burn and fantasy scores from genres, tags and keywords."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.compass import (
    GENRE_WEIGHTS,
    KEYWORD_WEIGHTS,
    MEDIUM_PRIORS,
    TAG_WEIGHTS,
    CompassReading,
    Signal,
    explain,
    meter,
    read_compass,
    saturate,
)
from bot.metadata.models import Medium, Tag, Title, TitleNames


def make_title(
    medium: Medium = Medium.ANIME,
    genres: tuple[str, ...] = (),
    tags: tuple[Tag, ...] = (),
    keywords: tuple[str, ...] = (),
    title_id: str = "anilist:1",
) -> Title:
    return Title(
        id=title_id,
        medium=medium,
        names=TitleNames(english="X"),
        attribution="t",
        genres=genres,
        tags=tags,
        keywords=keywords,
    )


ISEKAI = make_title(
    Medium.ANIME,
    genres=("Adventure", "Fantasy"),
    tags=(Tag("Isekai", 94), Tag("Magic", 88), Tag("Reincarnation", 80)),
)
WORKPLACE_ROMANCE = make_title(
    Medium.KDRAMA,
    genres=("Romance", "Comedy", "Drama"),
    tags=(Tag("Office", 80), Tag("Fake Relationship", 70), Tag("Primarily Adult Cast", 60)),
    title_id="tvmaze:1",
)
GOBLIN_LIKE = make_title(
    Medium.KDRAMA,
    genres=("Romance", "Fantasy", "Drama"),
    tags=(Tag("Gods", 85), Tag("Afterlife", 80), Tag("Curses", 70), Tag("Love Triangle", 60)),
    title_id="tvmaze:2",
)
SPORTS_ANIME = make_title(
    Medium.ANIME,
    genres=("Sports", "Comedy", "Drama"),
    tags=(
        Tag("Baseball", 92),
        Tag("Team Sports", 85),
        Tag("Coming of Age", 70),
        Tag("Male Protagonist", 60),
    ),
)
ACTION_THRILLER = make_title(
    Medium.KDRAMA,
    genres=("Action", "Thriller", "Crime", "Drama"),
    tags=(Tag("Revenge", 80), Tag("Gore", 40)),
    title_id="tvmaze:3",
)
TMDB_TIME_TRAVEL = make_title(
    Medium.KDRAMA,
    genres=("Sci-Fi & Fantasy",),
    keywords=("time travel", "romance"),
    title_id="tmdb:1",
)


# --- the test cases from the brief ---------------------------------------------------------------


def test_isekai_anime_is_fantasy_not_slow_burn():
    reading = read_compass(ISEKAI)
    assert reading.fantasy >= 0.8
    assert reading.slow_burn <= 0.3


def test_workplace_romance_kdrama_is_slow_burn_not_fantasy():
    reading = read_compass(WORKPLACE_ROMANCE)
    assert reading.slow_burn >= 0.8
    assert reading.fantasy <= 0.25


def test_fantasy_romance_kdrama_is_both():
    reading = read_compass(GOBLIN_LIKE)
    assert reading.slow_burn >= 0.7
    assert reading.fantasy >= 0.7


def test_sports_anime_is_neither():
    reading = read_compass(SPORTS_ANIME)
    assert reading.slow_burn <= 0.35
    assert reading.fantasy <= 0.35


def test_action_thriller_kdrama_is_neither():
    reading = read_compass(ACTION_THRILLER)
    assert reading.slow_burn <= 0.2
    assert reading.fantasy <= 0.2


def test_tmdb_style_kdrama_with_genre_and_keywords_only():
    reading = read_compass(TMDB_TIME_TRAVEL)
    assert 0.5 <= reading.slow_burn < 0.8
    assert 0.5 <= reading.fantasy < 0.8
    labels = {signal.label for signal in reading.signals}
    assert {"genre Sci-Fi & Fantasy", 'keyword "time travel"', 'keyword "romance"'} <= labels


def test_harem_romance_is_less_slow_burn_than_slice_of_life_romance():
    harem = make_title(
        genres=("Romance", "Comedy"),
        tags=(Tag("Female Harem", 90), Tag("Ecchi", 60), Tag("School", 70)),
    )
    quiet = make_title(
        genres=("Romance", "Slice of Life"),
        tags=(Tag("Iyashikei", 70), Tag("Heterosexual", 80), Tag("School", 70)),
    )
    assert read_compass(harem).slow_burn < read_compass(quiet).slow_burn - 0.2


@pytest.mark.parametrize("genre", ["Action", "Mecha", "Sports", "Horror"])
def test_action_heavy_genres_lower_slow_burn_a_little(genre):
    base = read_compass(make_title(genres=("Romance",)))
    mixed = read_compass(make_title(genres=("Romance", genre)))
    assert base.slow_burn - 0.1 < mixed.slow_burn < base.slow_burn
    negative = [s for s in mixed.signals if s.axis == "slow_burn" and s.weight < 0]
    assert [s.label for s in negative] == [f"genre {genre}"]


# --- tags: rank, spoilers, categories ------------------------------------------------------------


def test_spoiler_tags_count_for_scoring():
    plain = read_compass(make_title(tags=(Tag("Time Travel", 90, spoiler=False),)))
    spoiler = read_compass(make_title(tags=(Tag("Time Travel", 90, spoiler=True),)))
    without = read_compass(make_title())
    assert spoiler.fantasy == plain.fantasy > without.fantasy


def test_spoiler_tags_are_not_displayed():
    reading = read_compass(
        make_title(
            Medium.KDRAMA, genres=("Fantasy",), tags=(Tag("Reincarnation", 100, spoiler=True),)
        )
    )
    assert "Reincarnation" not in explain(reading, "fantasy")
    assert all(not s.spoiler for s in reading.top("fantasy"))
    assert any(s.spoiler for s in reading.top("fantasy", include_spoilers=True))


def test_tag_rank_scales_contribution():
    strong = read_compass(make_title(Medium.LIVE_ACTION, tags=(Tag("Magic", 90),)))
    weak = read_compass(make_title(Medium.LIVE_ACTION, tags=(Tag("Magic", 30),)))
    assert strong.fantasy > weak.fantasy > 0
    (signal,) = strong.signals
    assert signal == Signal("Magic (rank 90)", "fantasy", pytest.approx(0.8 * 0.9))


def test_tag_rank_is_clamped():
    over = read_compass(make_title(tags=(Tag("Magic", 250),)))
    full = read_compass(make_title(tags=(Tag("Magic", 100),)))
    under = read_compass(make_title(Medium.LIVE_ACTION, tags=(Tag("Magic", -40),)))
    assert over == full
    assert under.fantasy == 0.0


def test_unknown_tag_uses_its_anilist_category():
    reading = read_compass(
        make_title(Medium.LIVE_ACTION, tags=(Tag("Some New Spell", 80, category="Theme-Fantasy"),))
    )
    assert reading.fantasy > 0
    uncategorized = make_title(Medium.LIVE_ACTION, tags=(Tag("Some New Spell", 80),))
    assert read_compass(uncategorized).fantasy == 0


def test_unknown_names_are_ignored():
    reading = read_compass(
        make_title(
            Medium.LIVE_ACTION,
            genres=("Documentary", ""),
            tags=(Tag("Baseball"),),
            keywords=("jeju island",),
        )
    )
    assert reading == CompassReading(slow_burn=0.0, fantasy=0.0, signals=())


# --- keywords and de-duplication -----------------------------------------------------------------


def test_keywords_match_whole_keyword_case_insensitively():
    hit = read_compass(make_title(Medium.LIVE_ACTION, keywords=("Time Travel",)))
    partial = read_compass(make_title(Medium.LIVE_ACTION, keywords=("time", "travelling")))
    assert hit.fantasy > 0
    assert partial.fantasy == 0


def test_real_tmdb_keyword_sample_slow_burn_romance():
    # tv_keywords_standalone.handbuilt.json: "slow burn romance", "jeju island"
    reading = read_compass(
        make_title(Medium.KDRAMA, keywords=("slow burn romance", "jeju island"), title_id="tmdb:2")
    )
    assert reading.slow_burn >= 0.6


def test_same_name_across_sources_counts_once():
    genre_only = read_compass(make_title(Medium.LIVE_ACTION, genres=("Fantasy",)))
    everywhere = read_compass(
        make_title(
            Medium.LIVE_ACTION,
            genres=("Fantasy", "fantasy"),
            tags=(Tag("FANTASY", 100),),
            keywords=("fantasy",),
        )
    )
    assert everywhere.fantasy == genre_only.fantasy
    assert [s.label for s in everywhere.signals] == ["genre Fantasy"]


def test_names_normalize_hyphens_and_apostrophes():
    a = read_compass(make_title(Medium.LIVE_ACTION, tags=(Tag("Boys\u2019 Love", 80),)))
    b = read_compass(make_title(Medium.LIVE_ACTION, tags=(Tag("boys' love", 80),)))
    c = read_compass(make_title(Medium.LIVE_ACTION, keywords=("nine tailed fox",)))
    assert a.slow_burn == b.slow_burn > 0
    assert c.fantasy > 0


def test_different_evidence_adds_up_but_saturates():
    genre = read_compass(make_title(Medium.LIVE_ACTION, genres=("Fantasy",))).fantasy
    both = read_compass(
        make_title(Medium.LIVE_ACTION, genres=("Fantasy",), tags=(Tag("Magic", 100),))
    ).fantasy
    pile = read_compass(
        make_title(
            Medium.LIVE_ACTION,
            genres=("Fantasy", "Supernatural", "Mahou Shoujo"),
            tags=tuple(Tag(name, 100) for name in ("Magic", "Isekai", "Gods", "Dragons", "Elf")),
            keywords=("magic", "goblin", "gumiho", "isekai"),
        )
    ).fantasy
    assert genre < both < pile < 1.0


def test_saturation_function():
    assert saturate(-3.0) == 0.0
    assert saturate(0.0) == 0.0
    assert saturate(1.0) == pytest.approx(1 - math.exp(-1))
    assert saturate(math.nan) == 0.0
    assert saturate(1e9) == 1.0


# --- the medium prior -----------------------------------------------------------------------------


def test_medium_prior_is_small_and_visible():
    kdrama = read_compass(make_title(Medium.KDRAMA, title_id="tvmaze:9"))
    anime = read_compass(make_title(Medium.ANIME))
    assert 0 < kdrama.slow_burn < 0.15
    assert kdrama.fantasy == 0
    assert 0 < anime.fantasy < 0.15
    assert anime.slow_burn == 0
    assert kdrama.top("slow_burn") == (Signal("K-drama prior", "slow_burn", 0.1),)
    assert anime.top("fantasy") == (Signal("anime prior", "fantasy", 0.1),)
    assert read_compass(make_title(Medium.LIVE_ACTION)).signals == ()


def test_prior_tips_the_balance_between_identical_evidence():
    genres = ("Romance", "Fantasy")
    kdrama = read_compass(make_title(Medium.KDRAMA, genres=genres))
    anime = read_compass(make_title(Medium.ANIME, genres=genres))
    assert kdrama.slow_burn > anime.slow_burn
    assert anime.fantasy > kdrama.fantasy


# --- reading, explain, meter ----------------------------------------------------------------------


def test_top_is_positive_descending_and_limited():
    reading = read_compass(GOBLIN_LIKE)
    top = reading.top("fantasy", 2)
    assert [s.label for s in top] == ["genre Fantasy", "Gods (rank 85)"]
    assert all(s.weight > 0 and s.axis == "fantasy" for s in top)
    assert reading.top("fantasy", 0) == ()
    harem = read_compass(make_title(genres=("Romance",), tags=(Tag("Female Harem", 90),)))
    assert [s.label for s in harem.top("slow_burn", 5)] == ["genre Romance"]


def test_explain_format_exactly():
    reading = CompassReading(
        slow_burn=0.12,
        fantasy=0.86,
        signals=(
            Signal("K-drama prior", "slow_burn", 0.1),
            Signal("Magic (rank 94)", "fantasy", 0.752),
            Signal("Isekai (rank 88)", "fantasy", 0.704),
            Signal("genre Fantasy", "fantasy", 0.7),
            Signal("Reincarnation (rank 40)", "fantasy", 0.2),
        ),
    )
    assert explain(reading, "fantasy") == (
        "fantasy 0.86: Magic (rank 94), Isekai (rank 88), genre Fantasy"
    )
    assert explain(reading, "slow_burn") == "slow-burn 0.12: no strong signals"
    assert explain(reading, "fantasy", n=1) == "fantasy 0.86: Magic (rank 94)"


def test_explain_real_readings():
    example = make_title(genres=("Fantasy",), tags=(Tag("Magic", 94), Tag("Isekai", 88)))
    reading = read_compass(example)
    assert explain(reading, "fantasy") == (
        "fantasy 0.90: Magic (rank 94), Isekai (rank 88), genre Fantasy"
    )
    assert explain(reading, "slow_burn") == "slow-burn 0.00: no strong signals"
    assert explain(read_compass(WORKPLACE_ROMANCE), "slow_burn") == (
        "slow-burn 0.88: genre Romance, Fake Relationship (rank 70), genre Drama"
    )
    # outweighed positive evidence is not shown as a reason
    assert explain(read_compass(ACTION_THRILLER), "slow_burn") == (
        "slow-burn 0.00: no strong signals"
    )


def test_explain_rounds_half_up():
    reading = CompassReading(slow_burn=0.125, fantasy=0.005, signals=())
    assert explain(reading, "slow_burn") == "slow-burn 0.13: no strong signals"
    assert explain(reading, "fantasy") == "fantasy 0.01: no strong signals"


def test_unknown_axis_is_rejected():
    reading = read_compass(ISEKAI)
    with pytest.raises(ValueError, match="axis"):
        explain(reading, "romance")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("value", "width", "bar"),
    [
        (0.80, 10, "████████░░"),
        (0.85, 10, "█████████░"),  # half up
        (0.05, 10, "█░░░░░░░░░"),  # half up
        (0.04, 10, "░░░░░░░░░░"),
        (0.0, 10, "░░░░░░░░░░"),
        (1.0, 10, "██████████"),
        (1.7, 10, "██████████"),  # clamped
        (-0.3, 10, "░░░░░░░░░░"),  # clamped
        (0.5, 4, "██░░"),
        (0.25, 2, "█░"),
        (0.5, 0, ""),
    ],
)
def test_meter(value, width, bar):
    assert meter(value, width) == bar


def test_meter_rejects_negative_width():
    with pytest.raises(ValueError, match="width"):
        meter(0.5, -1)


# --- tables ---------------------------------------------------------------------------------------


def test_fantasy_weights_are_never_negative():
    for table in (GENRE_WEIGHTS, TAG_WEIGHTS, KEYWORD_WEIGHTS, MEDIUM_PRIORS):
        assert all(weights.fantasy >= 0 for weights in table.values())


def test_real_vocabularies_are_covered():
    # AniList genres, TMDB TV genre names and TVmaze genres that carry axis meaning
    for genre in ("Romance", "Fantasy", "Supernatural", "Mahou Shoujo", "Slice of Life"):
        assert genre in GENRE_WEIGHTS
    for genre in ("Sci-Fi & Fantasy", "Animation", "Soap", "Science-Fiction", "Family"):
        assert genre in GENRE_WEIGHTS
    for tag in ("Josei", "Love Triangle", "Isekai", "Magic", "Super Power", "Female Harem"):
        assert tag in TAG_WEIGHTS


# --- properties -----------------------------------------------------------------------------------

_KNOWN_NAMES = sorted({*GENRE_WEIGHTS, *TAG_WEIGHTS, *KEYWORD_WEIGHTS})
_FANTASY_TAGS = sorted(name for name, w in TAG_WEIGHTS.items() if w.fantasy > 0)
names = st.one_of(st.sampled_from(_KNOWN_NAMES), st.text(max_size=20))
tags = st.builds(
    Tag,
    name=names,
    rank=st.integers(min_value=-50, max_value=200),
    spoiler=st.booleans(),
    category=st.one_of(st.none(), st.sampled_from(["Theme-Romance", "Theme-Fantasy", "Cast"])),
)
titles = st.builds(
    make_title,
    medium=st.sampled_from(list(Medium)),
    genres=st.lists(names, max_size=8).map(tuple),
    tags=st.lists(tags, max_size=12).map(tuple),
    keywords=st.lists(names.map(str.lower), max_size=8).map(tuple),
)


@given(titles)
def test_scores_always_within_unit_interval(title):
    reading = read_compass(title)
    assert 0.0 <= reading.slow_burn <= 1.0
    assert 0.0 <= reading.fantasy <= 1.0
    for axis in ("slow_burn", "fantasy"):
        assert explain(reading, axis).startswith(("slow-burn ", "fantasy "))
        assert len(meter(reading.score(axis))) == 10


@given(
    titles,
    st.sampled_from(_FANTASY_TAGS),
    st.integers(min_value=0, max_value=100),
    st.booleans(),
    st.integers(min_value=0, max_value=12),
)
def test_adding_a_fantasy_tag_never_lowers_fantasy(title, name, rank, spoiler, position):
    before = read_compass(title).fantasy
    tags = list(title.tags)
    tags.insert(min(position, len(tags)), Tag(name, rank, spoiler=spoiler))
    after = read_compass(make_title(title.medium, title.genres, tuple(tags), title.keywords))
    assert after.fantasy >= before


@given(titles, st.randoms(use_true_random=False))
def test_deterministic_and_order_independent(title, rnd):
    first = read_compass(title)
    assert read_compass(title) == first
    rebuilt = make_title(title.medium, title.genres, title.tags, title.keywords)
    assert read_compass(rebuilt) == first
    shuffled_tags = list(title.tags)
    rnd.shuffle(shuffled_tags)
    shuffled_genres = list(title.genres)
    rnd.shuffle(shuffled_genres)
    shuffled = read_compass(
        make_title(title.medium, tuple(shuffled_genres), tuple(shuffled_tags), title.keywords)
    )
    assert shuffled.slow_burn == first.slow_burn
    assert shuffled.fantasy == first.fantasy
