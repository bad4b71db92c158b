"""The title service: cache TTLs, stale-on-error, coalescing and the catalog fallback."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

import pytest

from bot.background import BackgroundTasks
from bot.errors import UserFacingError
from bot.metadata.catalog import Catalog
from bot.metadata.models import Medium, Status, Title, TitleNames
from bot.metadata.provider import ProviderUnavailable
from bot.metadata.repository import TitleCacheRepository
from bot.metadata.service import CachePolicy, TitleService


def anime(number: int, name: str, *, status: Status = Status.FINISHED) -> Title:
    # Ids from 900001 up are in no catalog entry's same_as, so only the fake provider knows them.
    return Title(
        id=f"anilist:{900000 + number}",
        medium=Medium.ANIME,
        names=TitleNames(english=name),
        attribution="Data: AniList",
        status=status,
        popularity=1000 - number,
    )


@dataclass
class FakeProvider:
    """Answers from a dict; can be switched to failing, and counts calls."""

    name: str = "anilist"
    media: frozenset[Medium] = frozenset({Medium.ANIME})
    search_gives_details: bool = True
    titles: dict[str, Title] = field(default_factory=dict)
    down: bool = False
    delay: float = 0.0
    searches: list[str] = field(default_factory=list)
    fetches: list[str] = field(default_factory=list)

    async def search(self, query: str, *, limit: int = 10) -> list[Title]:
        self.searches.append(query)
        await asyncio.sleep(self.delay)
        if self.down:
            raise ProviderUnavailable(self.name, "down")
        found = [t for t in self.titles.values() if query.casefold() in t.display_name.casefold()]
        return found[:limit]

    async def fetch(self, source_id: str) -> Title | None:
        self.fetches.append(source_id)
        await asyncio.sleep(self.delay)
        if self.down:
            raise ProviderUnavailable(self.name, "down")
        return self.titles.get(f"{self.name}:{source_id}")


@pytest.fixture
def provider():
    return FakeProvider(
        titles={t.id: t for t in (anime(1, "Zephyrine"), anime(2, "Zephyrine Movie"))}
    )


@pytest.fixture
async def service(start_titles, provider):
    return await start_titles([provider])


async def test_lookup_caches_until_the_ttl(service, provider, clock):
    assert (await service.lookup("anilist:900001")).title.display_name == "Zephyrine"
    await service.lookup("anilist:900001")
    assert provider.fetches == ["900001"]
    clock.advance(CachePolicy().finished_title + 1)
    await service.lookup("anilist:900001")
    assert provider.fetches == ["900001", "900001"]


async def test_airing_titles_expire_within_hours(service, provider, clock):
    provider.titles["anilist:900003"] = anime(3, "Airing Now", status=Status.RELEASING)
    await service.lookup("anilist:900003")
    clock.advance(CachePolicy().airing_title + 1)
    await service.lookup("anilist:900003")
    assert provider.fetches == ["900003", "900003"]


async def test_stale_copy_serves_an_outage_and_says_so(service, provider, clock):
    await service.lookup("anilist:900001")
    clock.advance(CachePolicy().finished_title + 1)
    provider.down = True
    lookup = await service.lookup("anilist:900001")
    assert lookup.title.display_name == "Zephyrine"
    assert lookup.note == "AniList is not answering right now, so this may be out of date."


async def test_outage_without_a_copy_is_a_clear_message(service, provider):
    provider.down = True
    with pytest.raises(UserFacingError, match="AniList is not answering right now"):
        await service.lookup("anilist:900001")


async def test_unknown_id_and_unknown_source(service):
    with pytest.raises(UserFacingError, match="no longer has that title"):
        await service.lookup("anilist:999999")
    with pytest.raises(UserFacingError, match="don't know that title"):
        await service.lookup("mal:1")


async def test_concurrent_identical_lookups_make_one_call(service, provider):
    provider.delay = 0.05
    results = await asyncio.gather(*(service.lookup("anilist:900001") for _ in range(20)))
    assert {r.title.id for r in results} == {"anilist:900001"}
    assert provider.fetches == ["900001"]
    assert service.upstream_calls == 1


async def test_search_results_and_no_match_are_cached(service, provider, clock):
    first = await service.search("zephyrine", medium=Medium.ANIME)
    assert [t.id for t in first.titles] == ["anilist:900001", "anilist:900002"]
    await service.search("Zephyrine ", medium=Medium.ANIME)
    assert provider.searches == ["zephyrine"]
    assert (await service.search("zzzz", medium=Medium.ANIME)).titles == ()
    await service.search("zzzz", medium=Medium.ANIME)
    assert provider.searches == ["zephyrine", "zzzz"]
    clock.advance(CachePolicy().empty_search + 1)
    await service.search("zzzz", medium=Medium.ANIME)
    await service.search("zephyrine", medium=Medium.ANIME)
    assert provider.searches == ["zephyrine", "zzzz", "zzzz"]


async def test_search_outage_falls_back_to_the_catalog(service, provider):
    provider.down = True
    outcome = await service.search("toradora", medium=Medium.ANIME)
    assert outcome.titles[0].display_name == "Toradora!"
    assert outcome.titles[0].source == "catalog"
    assert outcome.notes == ("AniList not answering right now; showing my built-in catalog.",)


async def test_stale_search_beats_the_catalog_when_a_provider_fails(service, provider, clock):
    await service.search("zephyrine", medium=Medium.ANIME)
    clock.advance(CachePolicy().search + 1)
    provider.down = True
    outcome = await service.search("zephyrine", medium=Medium.ANIME)
    assert [t.id for t in outcome.titles] == ["anilist:900001", "anilist:900002"]
    assert "may be out of date" in outcome.notes[0]


async def test_suggest_answers_from_memory_and_prefetches_a_miss(service, provider):
    assert service.suggest("zeph") == []
    await service._tasks.wait_idle()
    assert provider.searches == ["zeph"]
    labels = [s.label for s in service.suggest("zeph")]
    assert labels[0].startswith("Zephyrine")
    assert all(" · anime" in label for label in labels)


async def test_typing_fast_prefetches_only_the_latest_text(service, provider):
    provider.delay = 0.05
    service.suggest("zzq")
    await asyncio.sleep(0.01)  # the search for "zzq" is under way
    for typed in ("zzqa", "zzqab", "zzqabc"):  # typed while it runs
        service.suggest(typed)
        await asyncio.sleep(0.005)
    await service._tasks.wait_idle()
    assert provider.searches == ["zzq", "zzqabc"]


async def test_catalog_entries_suggest_offline(db, clock):
    tasks = BackgroundTasks()
    offline = TitleService(TitleCacheRepository(db), Catalog.bundled(), [], clock, tasks)
    await offline.start()
    suggestions = offline.suggest("goblin")
    assert suggestions
    assert suggestions[0].title_id.startswith("catalog:")
    assert len(tasks) == 0  # offline: no background fetch
    lookup = await offline.lookup(suggestions[0].title_id)
    assert lookup.note is None


async def test_purge_drops_old_entries_on_start(db, clock, provider):
    tasks = BackgroundTasks()
    repo = TitleCacheRepository(db)
    first = TitleService(repo, Catalog.bundled(), [provider], clock, tasks)
    await first.start()
    await first.lookup("anilist:900001")
    clock.advance(CachePolicy().keep + 1)
    second = TitleService(repo, Catalog.bundled(), [provider], clock, tasks)
    await second.start()
    assert "anilist:900001" not in second._index
    assert await db.fetchone("SELECT * FROM title_cache") is None
    await tasks.close(grace=0)


async def test_a_long_running_service_purges_without_a_restart(service, provider, clock, db):
    await service.lookup("anilist:900001")
    assert service.suggest("zephyrine")[0].title_id == "anilist:900001"
    clock.advance(CachePolicy().keep + 1)
    assert await service.purge() == 1
    assert [s.title_id for s in service.suggest("zephyrine")] == []
    assert await db.fetchone("SELECT * FROM title_cache") is None


async def test_a_provider_that_hangs_is_answered_around_and_its_answer_kept(db, clock):
    slow = FakeProvider(titles={t.id: t for t in (anime(1, "Zephyrine"),)}, delay=0.3)
    tasks = BackgroundTasks()
    policy = CachePolicy(answer_within=0.05)
    service = TitleService(
        TitleCacheRepository(db), Catalog.bundled(), [slow], clock, tasks, policy
    )
    await service.start()

    outcome = await service.search("zephyrine", medium=Medium.ANIME)
    assert outcome.titles == ()  # nothing known yet, and no waiting for the provider
    assert outcome.notes == ("AniList not answering right now; showing my built-in catalog.",)
    with pytest.raises(UserFacingError, match="not answering right now"):
        await service.lookup("anilist:900001")

    await asyncio.sleep(0.4)  # the shared calls finish on their own and save what they found
    again = await service.search("zephyrine", medium=Medium.ANIME)
    assert [t.id for t in again.titles] == ["anilist:900001"]
    assert (await service.lookup("anilist:900001")).note is None
    assert slow.searches == ["zephyrine"]
    assert slow.fetches == ["900001"]
    await tasks.close()


async def test_providers_asked_in_turn_share_one_wait(db, clock):
    hanging = [
        FakeProvider(name=name, media=frozenset({Medium.KDRAMA}), delay=5.0)
        for name in ("tmdb", "tvmaze")
    ]
    tasks = BackgroundTasks()
    policy = CachePolicy(answer_within=0.2)
    service = TitleService(
        TitleCacheRepository(db), Catalog.bundled(), hanging, clock, tasks, policy
    )
    await service.start()
    outcome = await service.search("reply 1988", medium=Medium.KDRAMA)

    assert outcome.titles[0].id == "catalog:reply-1988"
    assert outcome.notes == (
        "TMDB and TVmaze not answering right now; showing my built-in catalog.",
    )
    # TMDB used up the wait; TVmaze is not asked for another whole one.
    assert hanging[0].searches == ["reply 1988"]
    assert hanging[1].searches == []
    assert len(tasks) == 1  # the abandoned call is tracked, so shutdown can stop it
    await tasks.close(grace=0)
