"""Everything the bot holds open, opened once in `main()` and closed on shutdown (rule 2)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass

import httpx

from bot import __version__
from bot.background import BackgroundTasks
from bot.charts.renderer import ChartRenderer
from bot.clock import Clock, SystemClock
from bot.config import Settings
from bot.metadata.clients import ProviderClients
from bot.polls.anonymity import VoterKey
from bot.storage import migrations
from bot.storage.database import Database

USER_AGENT = f"watchclub/{__version__} (+https://github.com/watchclub/watchclub)"
PROVIDER_TIMEOUT = httpx.Timeout(10.0, connect=5.0)


@dataclass(frozen=True)
class Resources:
    db: Database
    providers: ProviderClients
    clock: Clock
    tasks: BackgroundTasks
    voter_key: VoterKey
    charts: ChartRenderer


@asynccontextmanager
async def open_resources(
    settings: Settings, *, clock: Clock | None = None
) -> AsyncIterator[Resources]:
    """Open the database (migrated) and the provider clients; close them all on exit."""
    async with AsyncExitStack() as stack:
        db = await Database.open(settings.database)
        stack.push_async_callback(db.close)
        await migrations.upgrade(db)
        headers = {"User-Agent": USER_AGENT, "Accept": "application/json"}
        anilist = await stack.enter_async_context(
            httpx.AsyncClient(
                base_url=str(settings.anilist_api_url),
                # AniList asks API users to identify themselves with a Referer.
                headers={**headers, "Referer": "https://github.com/watchclub/watchclub"},
                timeout=PROVIDER_TIMEOUT,
            )
        )
        tvmaze = await stack.enter_async_context(
            httpx.AsyncClient(
                base_url=str(settings.tvmaze_api_url), headers=headers, timeout=PROVIDER_TIMEOUT
            )
        )
        tmdb: httpx.AsyncClient | None = None
        if settings.tmdb_api_key is not None:
            tmdb = await stack.enter_async_context(
                httpx.AsyncClient(
                    base_url=str(settings.tmdb_api_url),
                    headers={
                        **headers,
                        "Authorization": f"Bearer {settings.tmdb_api_key.get_secret_value()}",
                    },
                    timeout=PROVIDER_TIMEOUT,
                )
            )
        charts = ChartRenderer(config_dir=settings.chart_cache_dir)
        stack.callback(charts.close)
        tasks = BackgroundTasks()
        stack.push_async_callback(tasks.close)  # closed before the clients and the database
        yield Resources(
            db=db,
            providers=ProviderClients(anilist=anilist, tvmaze=tvmaze, tmdb=tmdb),
            clock=clock or SystemClock(),
            tasks=tasks,
            voter_key=VoterKey.load_or_create(settings.voter_key_path),
            charts=charts,
        )
