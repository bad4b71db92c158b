"""The taste service on a real, migrated SQLite file and a fake clock."""

from __future__ import annotations

import pytest

from bot.metadata.models import Medium
from bot.storage.database import Database
from bot.taste.models import TitleRef
from bot.taste.repository import TasteRepository
from bot.taste.service import TasteService
from tests.support.clock import FakeClock

GUILD, OTHER_GUILD = 111, 222
ANA, BO, CY = 1001, 1002, 1003

GOBLIN = TitleRef("catalog:goblin", "Guardian: The Lonely and Great God", Medium.KDRAMA)
TORADORA = TitleRef("anilist:4224", "Toradora!", Medium.ANIME)
FRIEREN = TitleRef("anilist:154587", "Frieren: Beyond Journey's End", Medium.ANIME)
CLOY = TitleRef("tvmaze:41507", "Crash Landing on You", Medium.KDRAMA)


@pytest.fixture
def taste(db: Database, clock: FakeClock) -> TasteService:
    return TasteService(TasteRepository(db), clock)
