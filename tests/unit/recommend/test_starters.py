"""The quick picker's titles: known here first, then known everywhere, spread over the compass
and both media, never one already rated or turned down, and not the same five for everyone."""

from __future__ import annotations

from bot.compass import read_compass
from bot.metadata.catalog import load_catalog
from bot.metadata.models import Medium, Status
from bot.recommend.starters import starter_titles
from tests.unit.recommend.titles import fantasy_anime, romance_kdrama, title

CATALOG = load_catalog()


def test_titles_members_here_know_come_before_famous_ones():
    famous = fantasy_anime("anilist:1", popularity=900_000)
    known = fantasy_anime("anilist:2", popularity=100)
    picked = starter_titles([famous, known], skip=frozenset(), known_here={"anilist:2": 3})
    assert [t.id for t in picked] == ["anilist:2", "anilist:1"]


def test_the_more_popular_of_two_unknown_titles_comes_first():
    titles = [
        fantasy_anime("anilist:3", popularity=100),
        fantasy_anime("anilist:1", popularity=9e5),
    ]
    assert [t.id for t in starter_titles(titles, skip=frozenset(), count=1)] == ["anilist:1"]


def test_the_offer_takes_each_corner_of_the_compass_and_each_medium_in_turn():
    titles = [
        *(fantasy_anime(f"anilist:{n}", popularity=900_000 - n) for n in range(5)),
        romance_kdrama("tvmaze:1", popularity=10),
    ]
    picked = starter_titles(titles, skip=frozenset(), count=2)
    assert {t.medium for t in picked} == {Medium.ANIME, Medium.KDRAMA}
    catalog_pick = starter_titles(CATALOG, skip=frozenset(), count=4)
    corners = {
        (t.medium, read_compass(t).fantasy > read_compass(t).slow_burn) for t in catalog_pick
    }
    assert len(corners) == 4


def test_rated_titles_are_skipped_under_any_id_and_twins_are_offered_once():
    frieren = fantasy_anime("catalog:frieren", popularity=300_000, same_as=("anilist:154587",))
    twin = fantasy_anime("anilist:154587", popularity=300_000, same_as=("catalog:frieren",))
    other = fantasy_anime("anilist:5", popularity=2_000)
    offered = [t.id for t in starter_titles([frieren, twin, other], skip=frozenset())]
    assert offered == ["catalog:frieren", "anilist:5"]
    skipped = starter_titles([frieren, twin, other], skip=frozenset({"anilist:154587"}))
    assert [t.id for t in skipped] == ["anilist:5"]


def test_unreleased_titles_are_never_offered_and_other_media_come_last():
    titles = [
        title("tmdb:1", medium=Medium.LIVE_ACTION, popularity=90),
        fantasy_anime("anilist:9", status=Status.NOT_YET_RELEASED, popularity=900_000),
        fantasy_anime("anilist:8", popularity=10),
    ]
    assert [t.id for t in starter_titles(titles, skip=frozenset())] == ["anilist:8", "tmdb:1"]


def test_newcomers_get_different_titles_among_equals_and_the_same_ones_each_time():
    first = [t.id for t in starter_titles(CATALOG, skip=frozenset(), member_id=1)]
    assert first == [t.id for t in starter_titles(CATALOG, skip=frozenset(), member_id=1)]
    assert first != [t.id for t in starter_titles(CATALOG, skip=frozenset(), member_id=2)]


def test_the_bundled_catalog_offers_five_and_moves_on_once_they_are_rated():
    first = starter_titles(CATALOG, skip=frozenset())
    assert len(first) == 5
    second = starter_titles(CATALOG, skip=frozenset(t.id for t in first))
    assert len(second) == 5
    assert not {t.id for t in first} & {t.id for t in second}
