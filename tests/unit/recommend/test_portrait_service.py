"""PortraitService on a real, migrated SQLite file and the bundled catalog: whose portrait may
be read, titles outside the pool looked up (or skipped), and the chart."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator

import pytest

from bot.background import BackgroundTasks
from bot.charts.renderer import ChartRenderer
from bot.errors import UserFacingError
from bot.metadata.catalog import Catalog
from bot.metadata.models import Medium, Title
from bot.metadata.service import TitleLookup
from bot.recommend import portrait_service
from bot.recommend.portrait_service import PortraitService
from bot.recommend.service import RecommendService
from bot.storage.database import Database
from bot.taste.models import TitleRef
from bot.taste.repository import TasteRepository
from bot.taste.service import TasteService
from tests.support.clock import FakeClock
from tests.unit.recommend.titles import fantasy_anime
from tests.unit.test_charts import image_size

GUILD = 111
ANA, BO, CY = 1001, 1002, 1003
CATALOG = Catalog.bundled()
MAGE = fantasy_anime("anilist:77777", name="Mage Journey")  # in no catalog


def ref(title_id: str) -> TitleRef:
    title = CATALOG.get(title_id)
    assert title is not None, title_id
    return TitleRef.of(title)


GOBLIN = ref("catalog:guardian-the-lonely-and-great-god")
CLOY = ref("catalog:crash-landing-on-you")
REPLY = ref("catalog:reply-1988")
SQUID = ref("catalog:squid-game")


class FakeTitles:
    """The title service's lookup: one AniList title known, one that never answers, the rest
    refused."""

    def __init__(self) -> None:
        self.asked: list[str] = []

    async def lookup(self, title_id: str) -> TitleLookup:
        self.asked.append(title_id)
        if title_id == MAGE.id:
            return TitleLookup(MAGE)
        if title_id == "anilist:999":
            await asyncio.sleep(60)
        raise UserFacingError("AniList is not answering right now.")


async def no_cached_titles() -> list[Title]:
    return []


@pytest.fixture
def taste(db: Database, clock: FakeClock) -> TasteService:
    return TasteService(TasteRepository(db), clock)


@pytest.fixture
async def tasks() -> AsyncIterator[BackgroundTasks]:
    running = BackgroundTasks()
    yield running
    await running.close(grace=5)


@pytest.fixture
def renderer() -> Iterator[ChartRenderer]:
    charts = ChartRenderer()
    yield charts
    charts.close()


@pytest.fixture
def titles() -> FakeTitles:
    return FakeTitles()


@pytest.fixture
def service(
    taste: TasteService,
    clock: FakeClock,
    tasks: BackgroundTasks,
    titles: FakeTitles,
    renderer: ChartRenderer,
) -> PortraitService:
    recommend = RecommendService(taste, tuple(CATALOG), no_cached_titles, clock, tasks)
    return PortraitService(taste, recommend, titles, renderer)  # type: ignore[arg-type]


async def test_another_members_portrait_needs_their_opt_in(
    service: PortraitService, taste: TasteService
):
    await taste.rate(GUILD, BO, GOBLIN, 9)
    with pytest.raises(UserFacingError, match=r"^Bo keeps their taste to themself"):
        await service.portrait(GUILD, BO, asker_id=ANA, name="Bo")
    await taste.opt_in(GUILD, BO)
    answer = await service.portrait(GUILD, BO, asker_id=ANA, name="Bo")
    assert not answer.own
    assert answer.opted_in
    assert answer.portrait.compass is not None
    own = await service.portrait(GUILD, ANA, asker_id=ANA, name="Ana")
    assert own.own
    assert own.portrait.empty


async def test_only_opted_in_members_are_matched(service: PortraitService, taste: TasteService):
    scores = {GOBLIN: 10, CLOY: 9, REPLY: 8, SQUID: 2}
    for member in (ANA, BO, CY):
        for title, score in scores.items():
            await taste.rate(GUILD, member, title, score)
    await taste.opt_in(GUILD, CY)
    await taste.opt_in(GUILD, ANA)
    found = (await service.portrait(GUILD, ANA, asker_id=ANA, name="Ana")).portrait
    assert [(m.member_id, m.shared_titles) for m in found.matches] == [(CY, 4)]
    await taste.opt_out(GUILD, CY)
    found = (await service.portrait(GUILD, ANA, asker_id=ANA, name="Ana")).portrait
    assert found.matches == ()


async def test_titles_outside_the_pool_are_looked_up_and_unknown_ones_skipped(
    service: PortraitService,
    taste: TasteService,
    titles: FakeTitles,
    monkeypatch: pytest.MonkeyPatch,
):
    monkeypatch.setattr(portrait_service, "LOOKUP_SECONDS", 0.2)
    await taste.rate(GUILD, ANA, TitleRef(MAGE.id, "Mage Journey", Medium.ANIME), 10)
    await taste.rate(GUILD, ANA, TitleRef("anilist:5", "Gone", Medium.ANIME), 9)
    await taste.watchlist_add(GUILD, ANA, TitleRef("anilist:999", "Slow", Medium.ANIME))
    await taste.rate(GUILD, ANA, GOBLIN, 8)
    found = (await service.portrait(GUILD, ANA, asker_id=ANA, name="Ana")).portrait
    assert sorted(titles.asked) == ["anilist:5", "anilist:77777", "anilist:999"]
    assert (found.titles, found.placed) == (4, 2)
    assert [f.title_id for f in found.favourites] == [MAGE.id, GOBLIN.id]
    assert "Magic" in found.top_features


async def test_the_chart_is_a_png_and_there_is_none_without_a_place(
    service: PortraitService, taste: TasteService
):
    await taste.rate(GUILD, ANA, GOBLIN, 9)
    found = (await service.portrait(GUILD, ANA, asker_id=ANA, name="Ana")).portrait
    png = await service.chart(found, heading="Your taste", member_label="You")
    assert png is not None
    image_size(png)
    await taste.rate(GUILD, BO, TitleRef("anilist:5", "Gone", Medium.ANIME), 9)
    await taste.opt_in(GUILD, BO)
    unplaced = (await service.portrait(GUILD, BO, asker_id=ANA, name="Bo")).portrait
    assert unplaced.compass is None
    assert await service.chart(unplaced, heading="Bo", member_label="Bo") is None


async def test_with_the_pool_built_one_show_under_two_ids_is_one_title_in_common(
    taste: TasteService,
    clock: FakeClock,
    tasks: BackgroundTasks,
    titles: FakeTitles,
    renderer: ChartRenderer,
):
    recommend = RecommendService(taste, tuple(CATALOG), no_cached_titles, clock, tasks)
    service = PortraitService(taste, recommend, titles, renderer)  # type: ignore[arg-type]
    frieren, toradora = ref("catalog:frieren-beyond-journeys-end"), ref("catalog:toradora")
    on_anilist = {
        TitleRef("anilist:154587", frieren.name, Medium.ANIME): 10,
        TitleRef("anilist:4224", toradora.name, Medium.ANIME): 3,
        GOBLIN: 9,
    }
    for title, score in on_anilist.items():
        await taste.rate(GUILD, ANA, title, score)
    for title, score in {frieren: 9, toradora: 2, GOBLIN: 10}.items():
        await taste.rate(GUILD, BO, title, score)
    await taste.opt_in(GUILD, BO)
    await recommend.start()
    await recommend.wait_built()
    assert recommend.current is not None
    found = (await service.portrait(GUILD, ANA, asker_id=ANA, name="Ana")).portrait
    assert titles.asked == []  # every title was in the pool, under one of its ids
    assert found.placed == 3
    assert [(m.member_id, m.shared_titles) for m in found.matches] == [(BO, 3)]
