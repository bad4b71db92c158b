"""The `bot_meta` table: small facts about this installation."""

from __future__ import annotations

from bot.storage.database import Database


class MetaRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def get(self, key: str) -> str | None:
        row = await self._db.fetchone("SELECT value FROM bot_meta WHERE key = ?", (key,))
        return None if row is None else str(row["value"])

    async def put(self, key: str, value: str, *, now: int) -> None:
        async with self._db.transaction() as tx:
            await tx.execute(
                """
                INSERT INTO bot_meta (key, value, updated_at) VALUES (?, ?, ?)
                ON CONFLICT (key) DO UPDATE SET
                    value = excluded.value, updated_at = excluded.updated_at
                """,
                (key, value, now),
            )
