"""Autocomplete latency over a 20,000-title cache, and upstream calls for a burst of lookups.

Latency: `TitleService.suggest()` (what /title's autocomplete calls) against the peer a bot
author would write first, a `LIKE '%text%'` query over the same cache table, in the same run.
Burst: 1,000 lookups of 200 distinct titles (popular ones asked most, Zipf-like), against a
provider that takes 20 ms, with the service's cache and coalescing, and without any cache.
"""

from __future__ import annotations

import asyncio
import random
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.fixtures import CountingProvider, synthetic_titles
from bot.background import BackgroundTasks
from bot.clock import SystemClock, to_unix
from bot.metadata.catalog import Catalog
from bot.metadata.name_index import fold
from bot.metadata.repository import TitleCacheRepository, TitleExpiry
from bot.metadata.service import CachePolicy, TitleService
from bot.storage import migrations
from bot.storage.database import Database

CACHED_TITLES = 20_000
QUERIES = 2_000
BURST = 1_000
DISTINCT_IN_BURST = 200


def _percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def _queries(names: list[str], rng: random.Random) -> list[str]:
    queries = []
    for _ in range(QUERIES):
        words = fold(rng.choice(names)).split()
        word = rng.choice(words)
        queries.append(word[: rng.randint(1, len(word))])
    return queries


async def _latency(folder: Path, rng: random.Random) -> dict[str, Any]:
    clock = SystemClock()
    db = await Database.open(folder / "bench.sqlite3")
    await migrations.upgrade(db)
    repo = TitleCacheRepository(db)
    titles = synthetic_titles(CACHED_TITLES, rng)
    now = to_unix(clock.now())
    expiry = TitleExpiry(fetched_at=now, fresh_until=now + 86400, purge_at=now + 30 * 86400)
    await repo.put_titles([(title, expiry) for title in titles])
    tasks = BackgroundTasks()
    service = TitleService(repo, Catalog.bundled(), [], clock, tasks)
    started = time.perf_counter()
    await service.start()
    index_seconds = time.perf_counter() - started
    queries = _queries([t.display_name for t in titles], rng)

    ours: list[float] = []
    for typed in queries:
        began = time.perf_counter()
        service.suggest(typed)
        ours.append((time.perf_counter() - began) * 1000)

    # The peer: the query a bot author writes first. It matches names only and ranks by
    # popularity, as suggest() does, so it has to look at every row.
    peer: list[float] = []
    for typed in queries[:200]:  # the peer is slow; 200 samples give a stable median
        began = time.perf_counter()
        await db.fetchall(
            "SELECT title_id FROM title_cache"
            " WHERE json_extract(body, '$.names.english') LIKE ?"
            "    OR json_extract(body, '$.names.romanized') LIKE ?"
            " ORDER BY json_extract(body, '$.popularity') DESC LIMIT 25",
            (f"%{typed}%", f"%{typed}%"),
        )
        peer.append((time.perf_counter() - began) * 1000)
    await tasks.close()
    await db.close()
    return {
        "cached_titles": CACHED_TITLES,
        "index_build_ms": round(index_seconds * 1000, 1),
        "suggest_p50_ms": round(statistics.median(ours), 3),
        "suggest_p99_ms": round(_percentile(ours, 0.99), 3),
        "suggest_max_ms": round(max(ours), 3),
        "peer_sql_like_p50_ms": round(statistics.median(peer), 3),
        "peer_sql_like_p99_ms": round(_percentile(peer, 0.99), 3),
        "ratio_peer_to_suggest_p50": round(statistics.median(peer) / statistics.median(ours), 1),
        "ratio_peer_to_suggest_p99": round(_percentile(peer, 0.99) / _percentile(ours, 0.99), 1),
    }


async def _burst(folder: Path, rng: random.Random) -> dict[str, Any]:
    # Zipf: the n-th most popular title is asked for in proportion to 1/n.
    ranks = list(range(1, DISTINCT_IN_BURST + 1))
    picks = rng.choices(ranks, weights=[1 / rank for rank in ranks], k=BURST)
    wanted = [f"anilist:{rank}" for rank in picks]
    provider = CountingProvider(
        synthetic_titles(DISTINCT_IN_BURST, rng, source="anilist"), delay=0.02
    )

    db = await Database.open(folder / "burst.sqlite3")
    await migrations.upgrade(db)
    tasks = BackgroundTasks()
    service = TitleService(
        TitleCacheRepository(db), Catalog.bundled(), [provider], SystemClock(), tasks, CachePolicy()
    )
    await service.start()
    for wave in range(0, BURST, 100):  # 100 members at a time
        await asyncio.gather(*(service.lookup(i) for i in wanted[wave : wave + 100]))
    with_cache = provider.calls
    await tasks.close()
    await db.close()

    provider.calls = 0
    for wave in range(0, BURST, 100):
        await asyncio.gather(*(provider.fetch(i.split(":")[1]) for i in wanted[wave : wave + 100]))
    return {
        "burst_lookups": BURST,
        "burst_distinct_titles": len(set(wanted)),
        "upstream_calls_with_cache": with_cache,
        "upstream_calls_without_cache": provider.calls,
    }


async def run(*, rounds: int) -> dict[str, Any]:
    rng = random.Random(20261123)
    with tempfile.TemporaryDirectory() as folder:
        figures = await _latency(Path(folder), rng)
        figures.update(await _burst(Path(folder), rng))
    return figures
