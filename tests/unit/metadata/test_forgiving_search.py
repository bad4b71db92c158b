"""/title forgives typos and fan aliases, with providers up or down."""

from __future__ import annotations

import pytest

from bot.background import BackgroundTasks
from bot.metadata.catalog import Catalog
from bot.metadata.models import Medium, Title, TitleNames
from bot.metadata.repository import TitleCacheRepository
from bot.metadata.service import TitleService
from tests.unit.metadata.test_service import FakeProvider

CLOY = Title(
    id="tvmaze:44360",
    medium=Medium.KDRAMA,
    names=TitleNames(english="Crash Landing on You"),
    attribution="test",
    year=2019,
)
STARLIGHT = Title(
    id="tvmaze:990123",
    medium=Medium.KDRAMA,
    names=TitleNames(english="Starlight Courier"),
    attribution="test",
    year=2025,
)


@pytest.fixture
def tvmaze() -> FakeProvider:
    return FakeProvider(
        name="tvmaze",
        media=frozenset({Medium.KDRAMA}),
        search_gives_details=False,
        titles={CLOY.id: CLOY, STARLIGHT.id: STARLIGHT},
    )


@pytest.fixture
async def service(start_titles, tvmaze):
    return await start_titles([tvmaze])


async def test_an_alias_is_asked_for_by_the_titles_name(service, tvmaze):
    outcome = await service.search("cloy", medium=Medium.KDRAMA)
    assert tvmaze.searches == ["Crash Landing on You"]
    assert outcome.titles[0].id == CLOY.id
    assert [t.id for t in outcome.titles].count("catalog:crash-landing-on-you") == 0


async def test_a_typo_the_provider_cannot_read_still_finds_the_title(service, tvmaze):
    outcome = await service.search("lovely runer", medium=Medium.KDRAMA)
    assert tvmaze.searches == ["lovely runer"]  # it found nothing for that
    assert [t.id for t in outcome.titles] == ["catalog:lovely-runner"]


async def test_with_every_provider_down_typos_find_catalog_and_saved_titles(service, tvmaze):
    await service.search("starlight courier", medium=Medium.KDRAMA)  # saved to the cache
    tvmaze.down = True

    typo = await service.search("lovely runer", medium=Medium.KDRAMA)
    saved = await service.search("starlite courier", medium=Medium.KDRAMA)

    assert [t.id for t in typo.titles] == ["catalog:lovely-runner"]
    assert [t.id for t in saved.titles] == [STARLIGHT.id]
    assert saved.notes == ("TVmaze not answering right now; showing my built-in catalog.",)


async def test_near_misses_do_not_stop_the_background_search(db, clock, tvmaze):
    # Six catalog titles close to what is typed, none of them what was meant.
    bakeries = [
        Title(
            id=f"catalog:moonlit-bakery-{n}",
            medium=Medium.KDRAMA,
            names=TitleNames(english=f"Moonlit Bakery {n}"),
            attribution="test",
        )
        for n in range(1, 7)
    ]
    tasks = BackgroundTasks()
    service = TitleService(TitleCacheRepository(db), Catalog(bakeries), [tvmaze], clock, tasks)
    await service.start()

    suggestions = service.suggest("moonlt bakery", medium=Medium.KDRAMA)
    await tasks.wait_idle()  # the background search
    await tasks.close()

    assert len(suggestions) >= 5  # all near misses
    assert tvmaze.searches == ["moonlt bakery"]


async def test_an_alias_is_expanded_only_for_the_medium_it_names(start_titles, tvmaze):
    anilist = FakeProvider()  # AniList's shape: anime only
    service = await start_titles([anilist, tvmaze])

    await service.search("goblin")

    assert anilist.searches == ["goblin"]  # Goblin Slayer is still findable
    assert tvmaze.searches == ["Guardian: The Lonely and Great God"]


async def test_an_exact_answer_is_not_buried_under_near_misses(start_titles):
    reply = Title(
        id="tvmaze:21939",
        medium=Medium.KDRAMA,
        names=TitleNames(english="Reply 1988"),
        attribution="test",
        year=2015,
    )
    provider = FakeProvider(
        name="tvmaze", media=frozenset({Medium.KDRAMA}), titles={reply.id: reply}
    )
    service = await start_titles([provider])

    outcome = await service.search("Reply 1988", medium=Medium.KDRAMA)

    assert [t.id for t in outcome.titles] == [reply.id]  # not Reply 1994 and 1997 too


async def test_when_the_provider_knows_nothing_the_catalog_answers(service, tvmaze):
    outcome = await service.search("Kingdom", medium=Medium.KDRAMA)
    assert tvmaze.searches == ["Kingdom"]
    assert outcome.titles[0].id == "catalog:kingdom"
    assert outcome.notes == ()
