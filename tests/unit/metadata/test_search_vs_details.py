"""A title found by a search is not its details: TMDB and TVmaze results lack status and episodes.

The card must come from details, and a search must never overwrite details already cached.
"""

from __future__ import annotations

import dataclasses

import pytest

from bot.metadata.models import Medium, Status, Title, TitleNames
from bot.metadata.repository import TitleCacheRepository
from bot.metadata.service import CachePolicy
from tests.unit.metadata.test_service import FakeProvider

FULL = Title(
    id="tvmaze:990077",
    medium=Medium.KDRAMA,
    names=TitleNames(english="Moonlit Bakery"),
    attribution="Data: TVmaze",
    year=2024,
    status=Status.FINISHED,
    episodes=16,
    episode_minutes=65,
)
LISTED = dataclasses.replace(FULL, status=Status.UNKNOWN, episodes=None)


@dataclasses.dataclass
class ThinSearchProvider(FakeProvider):
    """TVmaze's shape: searches list thin titles (an English name, no status or episodes), a
    fetch by id gives the details."""

    name: str = "tvmaze"
    media: frozenset[Medium] = frozenset({Medium.KDRAMA})
    search_gives_details: bool = False

    async def search(self, query: str, *, limit: int = 10) -> list[Title]:
        found = await super().search(query, limit=limit)
        return [
            dataclasses.replace(
                t,
                names=TitleNames(english=t.names.english),
                status=Status.UNKNOWN,
                episodes=None,
            )
            for t in found
        ]


@pytest.fixture
def thin() -> ThinSearchProvider:
    return ThinSearchProvider(titles={FULL.id: FULL})


@pytest.fixture
async def service(start_titles, thin):
    return await start_titles([thin])


async def test_a_title_picked_from_a_search_is_shown_with_its_details(service, thin):
    found = await service.search("moonlit", medium=Medium.KDRAMA)
    assert found.titles == (LISTED,)

    lookup = await service.lookup(FULL.id)

    assert lookup.title.status is Status.FINISHED
    assert lookup.title.episodes == 16
    assert thin.fetches == ["990077"]


async def test_a_later_search_never_replaces_cached_details(service, thin, db, clock):
    await service.lookup(FULL.id)
    clock.advance(CachePolicy().search + 1)
    await service.search("moonlit", medium=Medium.KDRAMA)

    cached = await TitleCacheRepository(db).get(FULL.id, now=int(clock.now().timestamp()))
    assert cached is not None
    assert cached.complete
    assert cached.title == FULL
    assert (await service.lookup(FULL.id)).title == FULL
    assert thin.fetches == ["990077"]  # the details were still fresh: no second fetch


async def test_stale_details_outrank_a_fresh_search_result(service, thin, db, clock):
    await service.lookup(FULL.id)
    clock.advance(CachePolicy().finished_title + 1)
    await service.search("moonlit", medium=Medium.KDRAMA)
    thin.down = True

    lookup = await service.lookup(FULL.id)

    assert lookup.title == FULL
    assert lookup.note == "TVmaze is not answering right now, so this may be out of date."


async def test_during_an_outage_a_search_copy_is_shown_with_a_note(service, thin):
    await service.search("moonlit", medium=Medium.KDRAMA)
    thin.down = True

    lookup = await service.lookup(FULL.id)

    assert lookup.title == LISTED
    assert lookup.note is not None


async def test_a_search_does_not_replace_the_names_autocomplete_knows(service, thin):
    detailed = dataclasses.replace(
        FULL, names=TitleNames(english="Moonlit Bakery", native="달빛 빵집")
    )
    thin.titles[FULL.id] = detailed
    await service.lookup(FULL.id)
    assert FULL.id in [s.title_id for s in service.suggest("달빛 빵")]

    await service.search("moonlit", medium=Medium.KDRAMA)  # lists it without its native name

    assert FULL.id in [s.title_id for s in service.suggest("달빛 빵")]


async def test_details_past_their_purge_date_do_not_block_a_fresh_listing(service, thin, db, clock):
    await service.lookup(FULL.id)
    clock.advance(CachePolicy().keep + 1)  # past purge_at, not yet purged

    await service.search("moonlit", medium=Medium.KDRAMA)

    cached = await TitleCacheRepository(db).get(FULL.id, now=int(clock.now().timestamp()))
    assert cached is not None
    assert cached.title == LISTED
    assert FULL.id in [s.title_id for s in service.suggest("moonlit")]
