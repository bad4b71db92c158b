"""The `party_follows` table, and which episodes of a follow already have their party."""

from __future__ import annotations

import sqlite3
from typing import Final

from bot.metadata.models import AirSchedule
from bot.parties.follow import FollowedEpisode
from bot.parties.models import Follow, NewFollow, PlaceKind
from bot.storage.database import Database, Transaction

_COLUMNS: Final = (
    "id, guild_id, channel_id, host_id, title_id, title_name, zone, offset_minutes, place_kind,"
    " place, cover_url, compass_line, since_episode, ended_at, stopped_at"
)


class FollowRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def create_in(
        self, tx: Transaction, new: NewFollow, schedule: AirSchedule, since: int | None, *, now: int
    ) -> int:
        """A new follow's row, inside the caller's transaction (with its first check)."""
        return await tx.insert(
            """
            INSERT INTO party_follows (
                guild_id, channel_id, host_id, title_id, title_name, zone, offset_minutes,
                place_kind, place, cover_url, compass_line, since_episode, created_at
            ) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """,
            (
                new.guild_id,
                new.channel_id,
                new.host_id,
                schedule.title_id,
                schedule.title_name[:100],
                new.zone,
                new.offset_minutes,
                new.place_kind.value,
                new.place,
                new.cover_url,
                new.compass_line,
                since,
                now,
            ),
        )

    async def get(self, follow_id: int, *, guild_id: int | None = None) -> Follow | None:
        row = await self._db.fetchone(
            f"SELECT {_COLUMNS} FROM party_follows WHERE id = ?",  # noqa: S608 - constant
            (follow_id,),
        )
        if row is None or (guild_id is not None and row["guild_id"] != guild_id):
            return None
        return _follow(row)

    async def active(self, guild_id: int) -> list[Follow]:
        rows = await self._db.fetchall(
            f"SELECT {_COLUMNS} FROM party_follows"  # noqa: S608 - constant
            " WHERE guild_id = ? AND ended_at IS NULL AND stopped_at IS NULL ORDER BY id",
            (guild_id,),
        )
        return [_follow(row) for row in rows]

    async def followed(self, follow: Follow) -> list[FollowedEpisode]:
        """The episodes of this show that have a party here, from this follow or an earlier
        one of the same show (unfollowed, then followed again with another offset)."""
        rows = await self._db.fetchall(
            """
            SELECT p.id, p.follow_episode, COALESCE(p.follow_airs_at, s.starts_at) AS starts_at,
                p.cancelled_at
            FROM watch_parties AS p JOIN party_sessions AS s ON s.party_id = p.id AND s.number = 1
            WHERE p.follow_id IN (
                SELECT id FROM party_follows WHERE guild_id = ? AND title_id = ?)
            ORDER BY p.follow_episode, p.id
            """,
            (follow.guild_id, follow.title_id),
        )
        return [
            FollowedEpisode(
                row["follow_episode"], row["id"], row["starts_at"], row["cancelled_at"] is not None
            )
            for row in rows
        ]

    async def mark(self, follow_id: int, *, checked_at: int, ended: bool) -> None:
        async with self._db.transaction() as tx:
            await self.mark_in(tx, follow_id, checked_at=checked_at, ended=ended)

    async def mark_in(
        self, tx: Transaction, follow_id: int, *, checked_at: int, ended: bool
    ) -> None:
        await tx.execute(
            "UPDATE party_follows SET last_checked_at = ?,"
            " ended_at = CASE WHEN ? THEN COALESCE(ended_at, ?) ELSE ended_at END"
            " WHERE id = ?",
            (checked_at, ended, checked_at, follow_id),
        )

    async def stop(self, follow_id: int, *, now: int) -> None:
        async with self._db.transaction() as tx:
            await tx.execute(
                "UPDATE party_follows SET stopped_at = COALESCE(stopped_at, ?) WHERE id = ?",
                (now, follow_id),
            )


def _follow(row: sqlite3.Row) -> Follow:
    return Follow(
        id=row["id"],
        guild_id=row["guild_id"],
        channel_id=row["channel_id"],
        host_id=row["host_id"],
        title_id=row["title_id"],
        title_name=row["title_name"],
        zone=row["zone"],
        offset_minutes=row["offset_minutes"],
        place_kind=PlaceKind(row["place_kind"]),
        place=row["place"],
        cover_url=row["cover_url"],
        compass_line=row["compass_line"],
        since_episode=row["since_episode"],
        ended=row["ended_at"] is not None,
        stopped=row["stopped_at"] is not None,
    )
