"""The `guild_settings` table: one row per server that changed something."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from dataclasses import replace

from bot.guilds.models import GuildSettings
from bot.storage.database import Database

_COLUMNS = (
    "guild_id, timezone, announcement_channel_id, reminder_lead_minutes, "
    "watch_party_role_id, updated_at, updated_by"
)


def _from_row(row: sqlite3.Row) -> GuildSettings:
    return GuildSettings(
        guild_id=row["guild_id"],
        timezone=row["timezone"],
        announcement_channel_id=row["announcement_channel_id"],
        reminder_lead_minutes=tuple(json.loads(row["reminder_lead_minutes"])),
        watch_party_role_id=row["watch_party_role_id"],
        updated_at=row["updated_at"],
        updated_by=row["updated_by"],
    )


class GuildSettingsRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def get(self, guild_id: int) -> GuildSettings:
        row = await self._db.fetchone(
            f"SELECT {_COLUMNS} FROM guild_settings WHERE guild_id = ?",  # noqa: S608 - constant
            (guild_id,),
        )
        return _from_row(row) if row else GuildSettings(guild_id=guild_id)

    async def modify(
        self,
        guild_id: int,
        change: Callable[[GuildSettings], GuildSettings],
        *,
        now: int,
        by: int | None,
    ) -> GuildSettings:
        """Read, change and write one server's settings in a single write transaction."""
        async with self._db.transaction() as tx:
            row = await tx.fetchone(
                f"SELECT {_COLUMNS} FROM guild_settings WHERE guild_id = ?",  # noqa: S608 - constant
                (guild_id,),
            )
            current = _from_row(row) if row else GuildSettings(guild_id=guild_id)
            updated = replace(change(current), guild_id=guild_id, updated_at=now, updated_by=by)
            await tx.execute(
                """
                INSERT INTO guild_settings (
                    guild_id, timezone, announcement_channel_id, reminder_lead_minutes,
                    watch_party_role_id, updated_at, updated_by
                ) VALUES (?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (guild_id) DO UPDATE SET
                    timezone = excluded.timezone,
                    announcement_channel_id = excluded.announcement_channel_id,
                    reminder_lead_minutes = excluded.reminder_lead_minutes,
                    watch_party_role_id = excluded.watch_party_role_id,
                    updated_at = excluded.updated_at,
                    updated_by = excluded.updated_by
                """,
                (
                    updated.guild_id,
                    updated.timezone,
                    updated.announcement_channel_id,
                    json.dumps(list(updated.reminder_lead_minutes)),
                    updated.watch_party_role_id,
                    now,
                    by,
                ),
            )
        return updated
