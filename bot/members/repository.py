"""The `member_settings` table: a person's own preferences, the same in every server."""

from __future__ import annotations

from bot.members.models import MemberSettings
from bot.storage.database import Database


class MemberSettingsRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def get(self, user_id: int) -> MemberSettings:
        row = await self._db.fetchone(
            "SELECT user_id, timezone FROM member_settings WHERE user_id = ?", (user_id,)
        )
        if row is None:
            return MemberSettings(user_id=user_id)
        return MemberSettings(user_id=row["user_id"], timezone=row["timezone"])

    async def set_timezone(self, user_id: int, timezone: str | None, *, now: int) -> None:
        async with self._db.transaction() as tx:
            await tx.execute(
                """
                INSERT INTO member_settings (user_id, timezone, updated_at) VALUES (?, ?, ?)
                ON CONFLICT (user_id) DO UPDATE SET
                    timezone = excluded.timezone, updated_at = excluded.updated_at
                """,
                (user_id, timezone, now),
            )
