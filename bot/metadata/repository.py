"""The `title_cache` and `search_cache` tables: normalized provider answers, kept with a TTL."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

from bot.metadata.models import Title
from bot.storage.database import Database


@dataclass(frozen=True)
class CachedTitle:
    title: Title
    fetched_at: int
    fresh_until: int
    complete: bool  # fetched as details; False for what a search listed

    def is_fresh(self, now: int) -> bool:
        return now < self.fresh_until

    def serves_details(self, now: int) -> bool:
        """True when this copy can stand for the title's details without asking again."""
        return self.complete and self.is_fresh(now)


@dataclass(frozen=True)
class CachedSearch:
    title_ids: tuple[str, ...]
    fetched_at: int
    fresh_until: int

    def is_fresh(self, now: int) -> bool:
        return now < self.fresh_until


@dataclass(frozen=True)
class TitleExpiry:
    fetched_at: int
    fresh_until: int
    purge_at: int


class TitleCacheRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def get(self, title_id: str, *, now: int) -> CachedTitle | None:
        row = await self._db.fetchone(
            "SELECT body, fetched_at, fresh_until, complete FROM title_cache"
            " WHERE title_id = ? AND purge_at > ?",
            (title_id, now),
        )
        if row is None:
            return None
        return CachedTitle(
            Title.from_json(row["body"]),
            row["fetched_at"],
            row["fresh_until"],
            complete=bool(row["complete"]),
        )

    async def get_many(self, title_ids: Sequence[str], *, now: int) -> dict[str, Title]:
        if not title_ids:
            return {}
        rows = await self._db.fetchall(
            "SELECT title_id, body FROM title_cache"
            " WHERE title_id IN (SELECT value FROM json_each(?)) AND purge_at > ?",
            (json.dumps(list(title_ids)), now),
        )
        return {row["title_id"]: Title.from_json(row["body"]) for row in rows}

    async def all_titles(self, *, now: int) -> list[Title]:
        rows = await self._db.fetchall("SELECT body FROM title_cache WHERE purge_at > ?", (now,))
        return [Title.from_json(row["body"]) for row in rows]

    async def put_titles(
        self, entries: Sequence[tuple[Title, TitleExpiry]], *, complete: bool
    ) -> list[str]:
        """Store titles in one transaction (a search stores all its results at once).

        `complete` marks details fetched by id. What a search listed (`complete=False`) never
        replaces a complete row, fresh or stale: the stale details still know more. Returns the
        ids that were written.
        """
        if not entries:
            return []
        async with self._db.transaction() as tx:
            richer: set[str] = set()
            if not complete:
                # Details past their purge date are as good as gone: they are neither read nor
                # worth keeping over a fresh listing.
                rows = await tx.fetchall(
                    "SELECT title_id FROM title_cache WHERE complete = 1 AND purge_at > ?"
                    " AND title_id IN (SELECT value FROM json_each(?))",
                    (
                        min(expiry.fetched_at for _, expiry in entries),
                        json.dumps([title.id for title, _ in entries]),
                    ),
                )
                richer = {row["title_id"] for row in rows}
            entries = [(title, expiry) for title, expiry in entries if title.id not in richer]
            await tx.executemany(
                """
                INSERT INTO title_cache
                    (title_id, medium, body, fetched_at, fresh_until, purge_at, complete)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (title_id) DO UPDATE SET
                    medium = excluded.medium, body = excluded.body,
                    fetched_at = excluded.fetched_at, fresh_until = excluded.fresh_until,
                    purge_at = excluded.purge_at, complete = excluded.complete
                """,
                [
                    (
                        title.id,
                        title.medium.value,
                        title.to_json(),
                        expiry.fetched_at,
                        expiry.fresh_until,
                        expiry.purge_at,
                        int(complete),
                    )
                    for title, expiry in entries
                ],
            )
        return [title.id for title, _ in entries]

    async def get_search(self, search_key: str, *, now: int) -> CachedSearch | None:
        row = await self._db.fetchone(
            "SELECT title_ids, fetched_at, fresh_until FROM search_cache"
            " WHERE search_key = ? AND purge_at > ?",
            (search_key, now),
        )
        if row is None:
            return None
        ids = tuple(json.loads(row["title_ids"]))
        return CachedSearch(ids, row["fetched_at"], row["fresh_until"])

    async def put_search(
        self, search_key: str, title_ids: Sequence[str], expiry: TitleExpiry
    ) -> None:
        async with self._db.transaction() as tx:
            await tx.execute(
                """
                INSERT INTO search_cache (search_key, title_ids, fetched_at, fresh_until, purge_at)
                VALUES (?, ?, ?, ?, ?)
                ON CONFLICT (search_key) DO UPDATE SET
                    title_ids = excluded.title_ids, fetched_at = excluded.fetched_at,
                    fresh_until = excluded.fresh_until, purge_at = excluded.purge_at
                """,
                (
                    search_key,
                    json.dumps(list(title_ids)),
                    expiry.fetched_at,
                    expiry.fresh_until,
                    expiry.purge_at,
                ),
            )

    async def purge(self, *, now: int) -> list[str]:
        """Delete what is past its purge date; returns the ids of the titles that went."""
        async with self._db.transaction() as tx:
            rows = await tx.fetchall("SELECT title_id FROM title_cache WHERE purge_at <= ?", (now,))
            await tx.execute("DELETE FROM title_cache WHERE purge_at <= ?", (now,))
            await tx.execute("DELETE FROM search_cache WHERE purge_at <= ?", (now,))
        return [row["title_id"] for row in rows]
