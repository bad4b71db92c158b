"""One show, one line: catalog K-dramas and provider titles of the same show are linked."""

from __future__ import annotations

import pytest

from bot.metadata.catalog import Catalog
from bot.metadata.models import Medium, Status, Title, TitleNames
from bot.metadata.twins import ShowIdentity
from tests.unit.metadata.test_service import FakeProvider

CATALOG = Catalog.bundled()


def kdrama(title_id: str, year: int | None, **names: str) -> Title:
    return Title(
        id=title_id,
        medium=Medium.KDRAMA,
        names=TitleNames(**names),
        attribution="test",
        year=year,
        status=Status.FINISHED,
        episodes=20,
    )


TVMAZE_REPLY = kdrama("tvmaze:21939", 2015, english="Reply 1988")
TMDB_REPLY = kdrama("tmdb:64010", 2015, english="Reply 1988", native="응답하라 1988")
TMDB_CLOY_NATIVE_ONLY = kdrama("tmdb:94796", 2019, native="사랑의 불시착")


@pytest.mark.parametrize(
    ("title", "twin"),
    [
        (TVMAZE_REPLY, "catalog:reply-1988"),
        (TMDB_REPLY, "catalog:reply-1988"),
        (kdrama("tvmaze:1", 2016, english="Reply 1988"), "catalog:reply-1988"),  # a year off
        (kdrama("tmdb:2", 2019, native="사랑의 불시착"), "catalog:crash-landing-on-you"),
        (kdrama("tvmaze:3", 2005, english="Reply 1988"), None),  # another show of that name
        (kdrama("tvmaze:4", None, english="Reply 1988"), None),  # no year: no proof
        # A catalog synonym is another show's name too: Encounter was once called Boyfriend.
        (kdrama("tvmaze:5", 2018, english="Boyfriend"), None),
        (kdrama("tvmaze:6", 2016, english="Goblin"), None),
    ],
)
def test_provider_titles_find_their_catalog_twin_by_name_and_year(title, twin):
    found = ShowIdentity(CATALOG).catalog_twin(title)
    assert (found.id if found else None) == twin


def test_an_anime_is_never_the_twin_of_a_kdrama():
    anime = Title(
        id="anilist:7",
        medium=Medium.ANIME,
        names=TitleNames(english="Reply 1988"),
        attribution="test",
        year=2015,
    )
    assert ShowIdentity(CATALOG).catalog_twin(anime) is None


def test_provider_titles_without_a_year_are_never_merged():
    identity = ShowIdentity(CATALOG)
    first = kdrama("tvmaze:990002", None, english="Spring")
    second = kdrama("tmdb:990002", None, english="Spring")
    identity.learn(first)
    identity.learn(second)
    assert identity.show_of(first.id) != identity.show_of(second.id)


def test_two_providers_without_a_catalog_entry_are_one_show():
    identity = ShowIdentity(CATALOG)
    first = kdrama("tvmaze:990001", 2024, english="Moonlit Bakery")
    second = kdrama("tmdb:990001", 2024, english="Moonlit Bakery", native="달빛 빵집")
    identity.learn(first)
    identity.learn(second)
    assert identity.show_of(first.id) == identity.show_of(second.id)


@pytest.fixture
def tvmaze() -> FakeProvider:
    return FakeProvider(
        name="tvmaze",
        media=frozenset({Medium.KDRAMA}),
        search_gives_details=False,
        titles={TVMAZE_REPLY.id: TVMAZE_REPLY},
    )


@pytest.fixture
async def service(start_titles, tvmaze):
    return await start_titles([tvmaze], catalog=CATALOG)


async def test_a_kdrama_in_the_catalog_and_from_a_provider_is_suggested_once(service):
    before = [s.title_id for s in service.suggest("reply 1988")]
    assert before[0] == "catalog:reply-1988"

    await service.search("reply 1988", medium=Medium.KDRAMA)
    after = [s.title_id for s in service.suggest("reply 1988")]

    assert after[0] == "tvmaze:21939"  # the provider's entry: it knows more
    assert "catalog:reply-1988" not in after
    assert after[1:] == before[1:]  # Reply 1994 and 1997, near misses, are untouched


async def test_the_link_survives_a_restart(start_titles, tvmaze, service):
    await service.search("reply 1988", medium=Medium.KDRAMA)
    restarted = await start_titles([tvmaze], catalog=CATALOG)
    suggested = [s.title_id for s in restarted.suggest("reply 1988")]
    assert suggested[0] == "tvmaze:21939"
    assert "catalog:reply-1988" not in suggested


async def test_a_catalog_pick_shows_its_linked_provider_details(service, tvmaze):
    await service.search("reply 1988", medium=Medium.KDRAMA)

    lookup = await service.lookup("catalog:reply-1988")

    assert lookup.title.id == "tvmaze:21939"
    assert tvmaze.fetches == ["21939"]


async def test_search_results_list_a_show_once_across_sources(start_titles):
    both = [
        FakeProvider(
            name="tmdb", media=frozenset({Medium.KDRAMA}), titles={TMDB_REPLY.id: TMDB_REPLY}
        ),
        FakeProvider(
            name="tvmaze", media=frozenset({Medium.KDRAMA}), titles={TVMAZE_REPLY.id: TVMAZE_REPLY}
        ),
    ]
    service = await start_titles(both, catalog=CATALOG)
    await service.search("reply 1988", medium=Medium.KDRAMA)  # TMDB answers
    both[0].down = True
    await service.search("Reply 1988 ", medium=Medium.KDRAMA)  # cached key: TMDB again
    service_suggestions = [s.title_id for s in service.suggest("reply")]
    assert service_suggestions.count("tmdb:64010") + service_suggestions.count("tvmaze:21939") == 1
    assert "catalog:reply-1988" not in service_suggestions
