"""The domain services the cogs share, built once from settings and resources."""

from __future__ import annotations

from dataclasses import dataclass

from bot.config import Settings
from bot.metadata.catalog import Catalog
from bot.metadata.registry import build_providers
from bot.metadata.service import TitleService
from bot.resources import Resources
from bot.storage.title_cache import TitleCacheRepository


@dataclass(frozen=True)
class Services:
    titles: TitleService

    async def start(self) -> None:
        await self.titles.start()


def build_services(settings: Settings, resources: Resources) -> Services:
    titles = TitleService(
        TitleCacheRepository(resources.db),
        Catalog.bundled(),
        build_providers(settings, resources),
        resources.clock,
        resources.tasks,
    )
    return Services(titles=titles)
