"""The compass on well-known titles, as each source describes them: orderings a fan would agree on.

Titles are built through the real normalizers from answers shaped like each provider's
(AniList tags with ranks, TVmaze genres, TMDB genre ids and keywords), and from the bundled
catalog. The ranks are as AniList lists them, rounded.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from bot.compass import Axis, explain, read_compass
from bot.metadata.anilist import title_from_media
from bot.metadata.catalog import Catalog
from bot.metadata.models import Title
from bot.metadata.tmdb import title_from_tv
from bot.metadata.tvmaze import title_from_show

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
CATALOG = Catalog.bundled()


def anilist(media_id: int, name: str, genres: list[str], tags: dict[str, int]) -> Title:
    return title_from_media(
        {
            "id": media_id,
            "type": "ANIME",
            "title": {"english": name},
            "genres": genres,
            "tags": [{"name": tag, "rank": rank} for tag, rank in tags.items()],
        }
    )


def tvmaze(show_id: int, name: str, genres: list[str]) -> Title:
    return title_from_show({"id": show_id, "name": name, "language": "Korean", "genres": genres})


def tmdb(tv_id: int, name: str, genre_ids: list[int], keywords: list[str]) -> Title:
    tv: dict[str, Any] = {
        "id": tv_id,
        "name": name,
        "original_language": "ko",
        "origin_country": ["KR"],
        "genre_ids": genre_ids,
    }
    if keywords:
        tv["keywords"] = {"results": [{"id": i, "name": k} for i, k in enumerate(keywords)]}
    return title_from_tv(tv)


def catalog(slug: str) -> Title:
    title = CATALOG.get(f"catalog:{slug}")
    assert title is not None, slug
    return title


TITLES: dict[str, Title] = {
    # AniList
    "One Piece (AniList)": anilist(
        21,
        "One Piece",
        ["Action", "Adventure", "Comedy", "Drama", "Fantasy"],
        {
            "Pirates": 95,
            "Ensemble Cast": 93,
            "Shounen": 92,
            "Super Power": 88,
            "Found Family": 86,
            "Travel": 85,
            "Tragedy": 80,
            "Time Skip": 70,
            "War": 65,
            "Marriage": 63,
            "Military": 60,
            "Heterosexual": 40,
        },
    ),
    "Frieren (AniList)": title_from_media(
        json.loads((FIXTURES / "anilist/media_by_id_full.handbuilt.json").read_text())["data"][
            "Media"
        ]
    ),
    "Attack on Titan (AniList)": anilist(
        16498,
        "Attack on Titan",
        ["Action", "Drama", "Fantasy", "Mystery"],
        {
            "Military": 93,
            "Survival": 90,
            "Tragedy": 88,
            "Post-Apocalyptic": 85,
            "Kaiju": 84,
            "Gore": 82,
            "Shounen": 80,
            "Dystopian": 80,
            "Heterosexual": 20,
        },
    ),
    "Demon Slayer (AniList)": anilist(
        101922,
        "Demon Slayer",
        ["Action", "Adventure", "Drama", "Fantasy", "Supernatural"],
        {"Demons": 94, "Shounen": 90, "Swordplay": 88, "Family Life": 70, "Gore": 70},
    ),
    "Jujutsu Kaisen (AniList)": anilist(
        113415,
        "Jujutsu Kaisen",
        ["Action", "Drama", "Supernatural"],
        {"Urban Fantasy": 94, "Shounen": 92, "Super Power": 90, "Curses": 89, "Exorcism": 85},
    ),
    "Horimiya (AniList)": anilist(
        124080,
        "Horimiya",
        ["Comedy", "Romance", "Slice of Life"],
        {"Heterosexual": 95, "School": 92, "Couples": 88, "Coming of Age": 60},
    ),
    "Kaguya-sama (AniList)": anilist(
        101921,
        "Kaguya-sama: Love is War",
        ["Comedy", "Psychological", "Romance", "Slice of Life"],
        {"Heterosexual": 92, "School": 90, "Student Council": 88, "Unrequited Love": 50},
    ),
    # TVmaze: genres only
    "Crash Landing on You (TVmaze)": tvmaze(
        44360, "Crash Landing on You", ["Drama", "Comedy", "Romance"]
    ),
    "Goblin (TVmaze)": tvmaze(
        22606, "Guardian: The Lonely and Great God", ["Drama", "Fantasy", "Romance"]
    ),
    "Hotel del Luna (TVmaze)": tvmaze(
        42209, "Hotel del Luna", ["Drama", "Fantasy", "Horror", "Romance"]
    ),
    "Reply 1988 (TVmaze)": tvmaze(21939, "Reply 1988", ["Drama", "Comedy", "Family"]),
    "Squid Game (TVmaze)": tvmaze(43687, "Squid Game", ["Drama", "Thriller", "Action"]),
    # TMDB: genre ids (TV has no Romance or Fantasy genre) and keywords
    "Crash Landing on You (TMDB)": tmdb(
        94796, "Crash Landing on You", [18, 35], ["north korea", "romance", "soldier", "heiress"]
    ),
    "Goblin (TMDB)": tmdb(
        67915,
        "Guardian: The Lonely and Great God",
        [18, 10765],
        ["goblin", "grim reaper", "immortality", "reincarnation", "romance"],
    ),
    "Business Proposal (TMDB)": tmdb(
        132017, "Business Proposal", [35, 18], ["office romance", "romantic comedy", "blind date"]
    ),
    "Squid Game (TMDB)": tmdb(93405, "Squid Game", [10759, 9648, 18], ["survival", "death game"]),
    "a K-drama romance as TMDB search lists it (TMDB)": tmdb(
        990001, "Spring Letters", [18, 35], []
    ),
    # The catalog
    "Crash Landing on You (catalog)": catalog("crash-landing-on-you"),
    "Reply 1988 (catalog)": catalog("reply-1988"),
    "Goblin (catalog)": catalog("guardian-the-lonely-and-great-god"),
    "Frieren (catalog)": catalog("frieren-beyond-journeys-end"),
    "One Piece (catalog)": catalog("one-piece"),
    "Squid Game (catalog)": catalog("squid-game"),
}

# (higher, lower, axis): `higher` must score above `lower` on `axis`.
ORDERINGS: list[tuple[str, str, Axis]] = [
    # slow-burn
    ("Crash Landing on You (TMDB)", "One Piece (AniList)", "slow_burn"),
    ("Crash Landing on You (TVmaze)", "One Piece (AniList)", "slow_burn"),
    ("Crash Landing on You (catalog)", "One Piece (AniList)", "slow_burn"),
    ("a K-drama romance as TMDB search lists it (TMDB)", "One Piece (AniList)", "slow_burn"),
    ("Business Proposal (TMDB)", "Squid Game (TMDB)", "slow_burn"),
    ("Horimiya (AniList)", "Jujutsu Kaisen (AniList)", "slow_burn"),
    ("Kaguya-sama (AniList)", "Demon Slayer (AniList)", "slow_burn"),
    ("Kaguya-sama (AniList)", "One Piece (AniList)", "slow_burn"),
    ("Reply 1988 (catalog)", "Attack on Titan (AniList)", "slow_burn"),
    ("Reply 1988 (TVmaze)", "Squid Game (TVmaze)", "slow_burn"),
    ("Goblin (TVmaze)", "Squid Game (TVmaze)", "slow_burn"),
    ("Crash Landing on You (TMDB)", "Frieren (AniList)", "slow_burn"),
    # fantasy
    ("Frieren (AniList)", "Reply 1988 (catalog)", "fantasy"),
    ("Frieren (AniList)", "Reply 1988 (TVmaze)", "fantasy"),
    ("Frieren (catalog)", "Crash Landing on You (TMDB)", "fantasy"),
    ("Goblin (TMDB)", "Crash Landing on You (TMDB)", "fantasy"),
    ("Goblin (TVmaze)", "Crash Landing on You (TVmaze)", "fantasy"),
    ("Goblin (catalog)", "Business Proposal (TMDB)", "fantasy"),
    ("Hotel del Luna (TVmaze)", "Reply 1988 (TVmaze)", "fantasy"),
    ("Jujutsu Kaisen (AniList)", "Horimiya (AniList)", "fantasy"),
    ("Demon Slayer (AniList)", "Kaguya-sama (AniList)", "fantasy"),
    ("One Piece (AniList)", "Squid Game (catalog)", "fantasy"),
]


@pytest.mark.parametrize(("higher", "lower", "axis"), ORDERINGS)
def test_well_known_titles_order_as_fans_would(higher: str, lower: str, axis: Axis) -> None:
    high, low = read_compass(TITLES[higher]), read_compass(TITLES[lower])
    assert high.score(axis) > low.score(axis), (
        f"{higher} {high.score(axis):.2f} should be above {lower} {low.score(axis):.2f} on {axis}"
    )


@pytest.mark.parametrize(
    "name",
    ["One Piece (AniList)", "Attack on Titan (AniList)", "Squid Game (TMDB)", "Frieren (AniList)"],
)
def test_stories_without_a_romance_at_heart_are_not_slow_burn(name: str) -> None:
    assert read_compass(TITLES[name]).slow_burn < 0.30


@pytest.mark.parametrize(
    "name",
    [
        "Crash Landing on You (TMDB)",
        "Business Proposal (TMDB)",
        "Crash Landing on You (TVmaze)",
        "Crash Landing on You (catalog)",
        "Horimiya (AniList)",
    ],
)
def test_romance_led_titles_read_as_slow_burn_from_every_source(name: str) -> None:
    assert read_compass(TITLES[name]).slow_burn >= 0.60


def test_a_side_marriage_is_named_weakly_and_not_as_a_reason() -> None:
    reading = read_compass(TITLES["One Piece (AniList)"])
    marriage = next(s for s in reading.signals if s.label.startswith("Marriage"))
    assert marriage.weight == pytest.approx(0.50 * 0.63 * 0.25, abs=1e-4)
    assert "Marriage" not in explain(reading, "slow_burn")


def test_side_romance_keywords_are_weighed_like_side_romance_tags() -> None:
    keywords = tmdb(990002, "Pirate Road", [10759, 18], ["marriage", "love triangle", "pirate"])
    tagged = anilist(990002, "Pirate Road", ["Action", "Drama"], {"Marriage": 100})
    assert read_compass(keywords).slow_burn < 0.45
    assert read_compass(tagged).slow_burn < 0.45
