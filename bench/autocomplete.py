"""Autocomplete latency over a 20,000-title cache, hit rates on typos, and upstream calls for a
burst of lookups.

Latency: `TitleService.suggest()` (what /title's autocomplete calls) on typed prefixes and on
typos (the fuzzy path), against the peer a bot author would write first, a `LIKE '%text%'`
query over the same cache table, in the same run.
Typos: how often the title meant by each entry of `tests/fixtures/typos.json` is the first
suggestion and among the 25 shown, for the forgiving index and for the prefix-only index, both
over the same titles in the same run.
Burst: 1,000 lookups of 200 distinct titles (popular ones asked most, Zipf-like), against a
provider that takes 20 ms, with the service's cache and coalescing, and without any cache.
"""

from __future__ import annotations

import asyncio
import gc
import json
import random
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.fixtures import CountingProvider, synthetic_titles
from bench.stats import percentile
from bot.background import BackgroundTasks
from bot.clock import SystemClock, to_unix
from bot.metadata.catalog import Catalog
from bot.metadata.models import Title
from bot.metadata.name_index import NameIndex, fold
from bot.metadata.repository import TitleCacheRepository, TitleExpiry
from bot.metadata.service import CachePolicy, TitleService
from bot.storage import migrations
from bot.storage.database import Database

CACHED_TITLES = 20_000
QUERIES = 2_000
BURST = 1_000
DISTINCT_IN_BURST = 200
SHOWN = 25  # Discord shows at most 25 choices
TYPOS = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "typos.json"
LETTERS = "abcdefghijklmnopqrstuvwxyz "


def _queries(names: list[str], rng: random.Random) -> list[str]:
    queries = []
    for _ in range(QUERIES):
        words = fold(rng.choice(names)).split()
        word = rng.choice(words)
        queries.append(word[: rng.randint(1, len(word))])
    return queries


def load_typos() -> list[tuple[str, str, str]]:
    """(typed, expected title id, kind) for every entry of the typo set."""
    rows = json.loads(TYPOS.read_text(encoding="utf-8"))["typos"]
    return [(row["typed"], row["expected"], row["kind"]) for row in rows]


def _misspelt(name: str, rng: random.Random) -> str:
    """`name` with one letter dropped, doubled, swapped with the next, or mistyped."""
    text = fold(name)
    at = rng.randrange(len(text))
    edit = rng.randrange(4)
    if edit == 0:
        return text[:at] + text[at + 1 :]
    if edit == 1:
        return text[:at] + text[at] + text[at:]
    if edit == 2 and at + 1 < len(text):
        return text[:at] + text[at + 1] + text[at] + text[at + 2 :]
    return text[:at] + rng.choice(LETTERS) + text[at + 1 :]


def _typo_queries(titles: list[Title], rng: random.Random) -> list[str]:
    """The typo set, topped up to QUERIES with misspelt names of cached titles (their English
    name without the number the fixtures add)."""
    queries = [typed for typed, _, _ in load_typos()]
    while len(queries) < QUERIES:
        words = rng.choice(titles).display_name.split()[:-1]
        queries.append(_misspelt(" ".join(words), rng))
    return queries


def _timed(call: Any, queries: list[str]) -> list[float]:
    gc.collect()  # the garbage of building an index is not the lookups' to pay for
    samples = []
    for typed in queries:
        began = time.perf_counter()
        call(typed)
        samples.append((time.perf_counter() - began) * 1000)
    return samples


def hit_rates(index: NameIndex) -> dict[str, float]:
    """Share of the typo set whose title is the first suggestion, and among the 25 shown."""
    typos = load_typos()
    first = shown = 0
    for typed, expected, _ in typos:
        found = [match.entry.title_id for match in index.search(typed, limit=SHOWN)]
        first += found[:1] == [expected]
        shown += expected in found
    return {"top1": first / len(typos), "top25": shown / len(typos)}


def _hit_rates_by_kind(forgiving: NameIndex, prefix_only: NameIndex) -> str:
    kinds: dict[str, list[int]] = {}
    for typed, expected, kind in load_typos():
        counts = kinds.setdefault(kind, [0, 0, 0])
        counts[0] += 1
        for column, index in ((1, forgiving), (2, prefix_only)):
            found = index.search(typed, limit=SHOWN)
            counts[column] += bool(found) and found[0].entry.title_id == expected
    return ", ".join(f"{kind} {f}/{p}/{n}" for kind, (n, f, p) in kinds.items())


def _typos(titles: list[Title]) -> dict[str, Any]:
    figures: dict[str, Any] = {"typo_set_entries": len(load_typos())}
    catalog = list(Catalog.bundled())
    for world, indexed in (("catalog", catalog), ("catalog_and_cache", catalog + titles)):
        indexes = {}
        for label, forgiving in (("forgiving", True), ("prefix_only", False)):
            index = indexes[label] = NameIndex(forgiving=forgiving)
            index.add_all(indexed)
            for rank, rate in hit_rates(index).items():
                figures[f"typo_hit_{rank}_{world}_{label}"] = round(rate, 3)
        if world == "catalog_and_cache":
            figures["typo_top1_by_kind_forgiving_prefix_only_entries"] = _hit_rates_by_kind(
                indexes["forgiving"], indexes["prefix_only"]
            )
    return figures


async def _latency(folder: Path, rng: random.Random) -> dict[str, Any]:
    clock = SystemClock()
    db = await Database.open(folder / "bench.sqlite3")
    await migrations.upgrade(db)
    repo = TitleCacheRepository(db)
    titles = synthetic_titles(CACHED_TITLES, rng)
    now = to_unix(clock.now())
    expiry = TitleExpiry(fetched_at=now, fresh_until=now + 86400, purge_at=now + 30 * 86400)
    await repo.put_titles([(title, expiry) for title in titles], complete=True)
    tasks = BackgroundTasks()
    service = TitleService(repo, Catalog.bundled(), [], clock, tasks)
    started = time.perf_counter()
    await service.start()
    index_seconds = time.perf_counter() - started
    queries = _queries([t.display_name for t in titles], rng)
    ours = _timed(service.suggest, queries)
    typo_queries = _typo_queries(titles, rng)
    fuzzy = _timed(service.suggest, typo_queries)
    # The same typed prefixes against an index that never forgives: what forgiving costs
    # when nothing is mistyped.
    prefix_only = NameIndex(forgiving=False)
    prefix_only.add_all([*Catalog.bundled(), *titles])
    baseline = _timed(prefix_only.search, queries)

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
    figures = {
        "cached_titles": CACHED_TITLES,
        "index_build_ms": round(index_seconds * 1000, 1),
        "suggest_p50_ms": round(statistics.median(ours), 3),
        "suggest_p99_ms": round(percentile(ours, 0.99), 3),
        "suggest_max_ms": round(max(ours), 3),
        "prefix_only_index_p50_ms": round(statistics.median(baseline), 3),
        "prefix_only_index_p99_ms": round(percentile(baseline, 0.99), 3),
        "typo_queries": len(typo_queries),
        "suggest_typo_p50_ms": round(statistics.median(fuzzy), 3),
        "suggest_typo_p99_ms": round(percentile(fuzzy, 0.99), 3),
        "suggest_typo_max_ms": round(max(fuzzy), 3),
        "peer_sql_like_p50_ms": round(statistics.median(peer), 3),
        "peer_sql_like_p99_ms": round(percentile(peer, 0.99), 3),
        "ratio_peer_to_suggest_p50": round(statistics.median(peer) / statistics.median(ours), 1),
        "ratio_peer_to_suggest_p99": round(percentile(peer, 0.99) / percentile(ours, 0.99), 1),
    }
    figures.update(_typos(titles))
    return figures


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
