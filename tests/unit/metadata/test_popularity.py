"""Popularity from three sources on one scale, so an anime does not outrank every K-drama."""

from __future__ import annotations

import dataclasses

import pytest

from bot.metadata.models import Medium, Title, TitleNames
from bot.metadata.popularity import ANCHORS, CATALOG_POPULARITY, relative_popularity


def title(title_id: str, popularity: int | None, medium: Medium = Medium.KDRAMA) -> Title:
    return Title(
        id=title_id,
        medium=medium,
        names=TitleNames(english="x"),
        attribution="test",
        popularity=popularity,
    )


def test_equally_famous_titles_from_each_source_land_close_together() -> None:
    # Hits of their kind: an AniList top-100 anime, a K-drama TVmaze weighs 98, a K-drama TMDB
    # trends at about 40.
    hits = [
        relative_popularity(title("anilist:16498", 400_000, Medium.ANIME)),
        relative_popularity(title("tvmaze:44360", 98)),
        relative_popularity(title("tmdb:94796", 40)),
    ]
    assert max(hits) - min(hits) < 0.02
    assert min(hits) > 0.98


def test_a_mid_anime_no_longer_outranks_a_hit_kdrama() -> None:
    mid_anime = title("anilist:1", 20_000, Medium.ANIME)  # raw 20,000 > 98 and > 40
    assert relative_popularity(title("tvmaze:44360", 98)) > relative_popularity(mid_anime)
    assert relative_popularity(title("tmdb:94796", 40)) > relative_popularity(mid_anime)


@pytest.mark.parametrize("source", sorted(ANCHORS))
def test_order_within_a_source_is_kept(source: str) -> None:
    figures = sorted({point for point, _ in ANCHORS[source]} | {0.3, 7, 77, 5_000, 600_000})
    shares = [relative_popularity(title(f"{source}:1", round(f))) for f in figures]
    assert shares == sorted(shares)
    assert all(0.0 <= share <= 1.0 for share in shares)


def test_unknown_and_catalog_titles() -> None:
    assert relative_popularity(title("tmdb:1", None)) == 0.0
    assert relative_popularity(title("mal:1", 5000)) == 0.0
    catalog = dataclasses.replace(title("catalog:reply-1988", None))
    assert relative_popularity(catalog) == CATALOG_POPULARITY
