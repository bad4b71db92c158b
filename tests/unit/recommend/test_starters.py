"""The quick picker's titles: well-known, K-drama and anime in turn, never one already rated."""

from __future__ import annotations

from bot.metadata.catalog import load_catalog
from bot.metadata.models import Medium, Status
from bot.recommend.starters import starter_titles
from tests.unit.recommend.titles import fantasy_anime, romance_kdrama, title


def test_the_most_popular_come_first_taking_each_medium_in_turn():
    titles = [
        fantasy_anime("anilist:1", popularity=900_000),
        fantasy_anime("anilist:2", popularity=500_000),
        fantasy_anime("anilist:3", popularity=100),
        romance_kdrama("tvmaze:1", popularity=99),
        romance_kdrama("tvmaze:2", popularity=40),
    ]
    picked = [t.id for t in starter_titles(titles, skip=frozenset(), count=4)]
    assert picked == ["tvmaze:1", "anilist:1", "tvmaze:2", "anilist:2"]


def test_rated_titles_are_skipped_under_any_id_and_twins_are_offered_once():
    frieren = fantasy_anime("catalog:frieren", popularity=300_000, same_as=("anilist:154587",))
    twin = fantasy_anime("anilist:154587", popularity=300_000, same_as=("catalog:frieren",))
    other = fantasy_anime("anilist:5", popularity=2_000)
    assert [t.id for t in starter_titles([frieren, twin, other], skip=frozenset())] == [
        "catalog:frieren",
        "anilist:5",
    ]
    skipped = starter_titles([frieren, twin, other], skip=frozenset({"anilist:154587"}))
    assert [t.id for t in skipped] == ["anilist:5"]


def test_unreleased_titles_are_never_offered_and_other_media_come_last():
    titles = [
        title("tmdb:1", medium=Medium.LIVE_ACTION, popularity=90),
        fantasy_anime("anilist:9", status=Status.NOT_YET_RELEASED, popularity=900_000),
        fantasy_anime("anilist:8", popularity=10),
    ]
    assert [t.id for t in starter_titles(titles, skip=frozenset())] == ["anilist:8", "tmdb:1"]


def test_the_bundled_catalog_offers_five_of_both_media_and_moves_on_once_rated():
    catalog = load_catalog()
    first = starter_titles(catalog, skip=frozenset())
    assert len(first) == 5
    assert {t.medium for t in first} == {Medium.ANIME, Medium.KDRAMA}
    second = starter_titles(catalog, skip=frozenset(t.id for t in first))
    assert not {t.id for t in first} & {t.id for t in second}
    assert len(second) == 5
