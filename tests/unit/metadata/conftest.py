"""A TitleService on the test database, started, with its background work closed afterwards."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Sequence

import pytest

from bot.background import BackgroundTasks
from bot.metadata.catalog import Catalog
from bot.metadata.provider import TitleProvider
from bot.metadata.repository import TitleCacheRepository
from bot.metadata.service import CachePolicy, TitleService
from bot.storage.database import Database
from tests.support.clock import FakeClock

StartTitles = Callable[..., Awaitable[TitleService]]


@pytest.fixture
async def start_titles(db: Database, clock: FakeClock) -> AsyncIterator[StartTitles]:
    """`await start_titles(providers, catalog=..., policy=...)`: a started service; call it
    again for a restart on the same database."""
    started: list[BackgroundTasks] = []

    async def start(
        providers: Sequence[TitleProvider],
        *,
        catalog: Catalog | None = None,
        policy: CachePolicy | None = None,
    ) -> TitleService:
        tasks = BackgroundTasks()
        started.append(tasks)
        service = TitleService(
            TitleCacheRepository(db),
            catalog or Catalog.bundled(),
            providers,
            clock,
            tasks,
            policy,
        )
        await service.start()
        return service

    yield start
    for tasks in started:
        await tasks.close(grace=0)
