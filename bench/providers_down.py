"""/title searches while every provider is unreachable: time to the final answer.

The real `TitleService` with the real AniList and TVmaze clients, rate limiters and circuit
breakers, a real SQLite cache and the bundled catalog, on the wall clock. Every HTTP request
fails at once with a connection error (an `httpx.MockTransport`), as when the network is down.
30 searches for different catalog titles start one a second, without a medium filter, so each
asks both providers; the figure is the time from a search starting to its answer (the catalog
with the note that the providers are not answering).

The peer is the same stack with `ProviderHttp` as it was before issue 9, where each attempt first
waited for a rate-limit slot and only then asked the circuit breaker. Both run at the same time
in one event loop, each with its own service, clients, limiters and breakers.
"""

from __future__ import annotations

import asyncio
import logging
import random
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

from bench.stats import percentile
from bot.background import BackgroundTasks
from bot.clock import SystemClock
from bot.metadata.anilist import AniListProvider
from bot.metadata.catalog import Catalog
from bot.metadata.http_policy import ANILIST_WINDOWS, TVMAZE_WINDOWS, ProviderHttp
from bot.metadata.provider import (
    ProviderError,
    ProviderRateLimited,
    ProviderUnavailable,
    TitleProvider,
)
from bot.metadata.repository import TitleCacheRepository
from bot.metadata.service import CachePolicy, TitleService
from bot.metadata.tvmaze import TVmazeProvider
from bot.storage import migrations
from bot.storage.database import Database

SEARCHES = 30
INTERVAL = 1.0  # seconds between searches, as in the report
TARGET_P99 = 2.0
UNBOUNDED_WAIT = CachePolicy(answer_within=3600.0)


class LimiterFirstHttp(ProviderHttp):
    """The peer: `ProviderHttp.request` before issue 9, for the outcomes this benchmark meets
    (connection errors). Each attempt waited for a rate-limit slot, then asked the breaker."""

    async def request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        for attempt in range(1, self._max_attempts + 1):
            if not await self.limiter.acquire(give_up_after=self._max_retry_wait):
                raise ProviderRateLimited(self.name, self.limiter.paused_for())
            admission = self.breaker.allow()
            if not admission.allowed:
                raise ProviderUnavailable(self.name, "circuit open after repeated failures")
            try:
                response = await self._client.request(method, url, **kwargs)
            except httpx.RequestError as exc:
                if attempt < self._max_attempts:
                    await self._sleep(self._backoff_for(attempt))  # then counted, as it was
                self.breaker.record_failure(admission)
                if attempt == self._max_attempts:
                    raise ProviderUnavailable(self.name, "unreachable") from exc
                continue
            self.breaker.record_success(admission)
            return response
        raise ProviderError(self.name, "no attempts made")


class Unreachable:
    """A transport that refuses every request, counting them."""

    def __init__(self) -> None:
        self.requests = 0

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests += 1
        raise httpx.ConnectError("connection refused", request=request)


async def _searches(
    folder: Path,
    http_class: type[ProviderHttp],
    policy: CachePolicy,
    names: list[str],
    seed: int,
) -> dict[str, Any]:
    clock = SystemClock()
    jitter: Callable[[float, float], float] = random.Random(seed).uniform
    transport = Unreachable()
    db = await Database.open(folder / f"{http_class.__name__}.sqlite3")
    await migrations.upgrade(db)
    tasks = BackgroundTasks()
    async with (
        httpx.AsyncClient(transport=httpx.MockTransport(transport)) as anilist,
        httpx.AsyncClient(transport=httpx.MockTransport(transport)) as tvmaze,
    ):
        providers: list[TitleProvider] = [
            AniListProvider(
                http_class("anilist", anilist, windows=ANILIST_WINDOWS, clock=clock, jitter=jitter)
            ),
            TVmazeProvider(
                http_class("tvmaze", tvmaze, windows=TVMAZE_WINDOWS, clock=clock, jitter=jitter)
            ),
        ]
        service = TitleService(
            TitleCacheRepository(db), Catalog.bundled(), providers, clock, tasks, policy
        )
        await service.start()
        answered: list[float] = []
        fallbacks = 0

        async def one(name: str) -> None:
            nonlocal fallbacks
            began = time.perf_counter()
            outcome = await service.search(name)
            answered.append(time.perf_counter() - began)
            if outcome.titles and any("not answering" in note for note in outcome.notes):
                fallbacks += 1

        started = time.perf_counter()
        searches = []
        for number, name in enumerate(names):
            await asyncio.sleep(max(0.0, started + number * INTERVAL - time.perf_counter()))
            searches.append(asyncio.create_task(one(name)))
        await asyncio.gather(*searches)
    await tasks.close()
    await db.close()
    return {
        "p50": statistics.median(answered),
        "p99": percentile(answered, 0.99),
        "max": max(answered),
        "fallbacks": fallbacks,
        "requests": transport.requests,
    }


async def run(*, rounds: int = 1) -> dict[str, Any]:
    catalog = list(Catalog.bundled())
    # Different titles, so neither a cache nor request coalescing can answer one from another.
    names = [title.display_name for title in catalog[:: len(catalog) // SEARCHES]][:SEARCHES]
    # Every failed search logs a warning; 60 of them would bury the figures.
    logging.getLogger("bot.metadata").setLevel(logging.ERROR)
    with tempfile.TemporaryDirectory(prefix="watchclub-bench-down-") as folder:
        ours, peer = await asyncio.gather(
            _searches(Path(folder), ProviderHttp, CachePolicy(), names, seed=9),
            # The peer as it was before issue 9: no limit on how long a member waits either.
            _searches(Path(folder), LimiterFirstHttp, UNBOUNDED_WAIT, names, seed=9),
        )
    return {
        "searches": SEARCHES,
        "interval_s": INTERVAL,
        "answered_from_catalog_with_note_ours": ours["fallbacks"],
        "answered_from_catalog_with_note_peer": peer["fallbacks"],
        "final_answer_p50_s_ours": round(ours["p50"], 3),
        "final_answer_p99_s_ours": round(ours["p99"], 3),
        "final_answer_max_s_ours": round(ours["max"], 3),
        "final_answer_p50_s_peer_limiter_first": round(peer["p50"], 3),
        "final_answer_p99_s_peer_limiter_first": round(peer["p99"], 3),
        "final_answer_max_s_peer_limiter_first": round(peer["max"], 3),
        "ratio_peer_over_ours_p50": round(peer["p50"] / ours["p50"], 1),
        "ratio_peer_over_ours_p99": round(peer["p99"] / ours["p99"], 1),
        "p99_within_target_2s_ours": ours["p99"] <= TARGET_P99,
        "provider_requests_ours": ours["requests"],
        "provider_requests_peer": peer["requests"],
    }
