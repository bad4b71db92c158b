"""The outbox's event tables: the guild scheduled events it created (`scheduled_events`), by the
feature's key, and the servers where mirroring is off (`event_mirroring`), with the outbox rows
that change them."""

from __future__ import annotations

import json
from dataclasses import dataclass

from bot.outbox.batching import Batch
from bot.outbox.message import EventDetails
from bot.outbox.rows import finish
from bot.storage.database import Database, Transaction


@dataclass(frozen=True)
class MirrorOff:
    guild_id: int
    code: int  # 50013: Manage Events is missing; 30038: the server is at 100 events
    reason: str
    since: int


@dataclass(frozen=True)
class EventRecord:
    guild_id: int
    event_id: int | None  # None: deleted in Discord, and left deleted


class EventRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def event_record(self, key: str) -> EventRecord | None:
        row = await self._db.fetchone(
            "SELECT guild_id, event_id FROM scheduled_events WHERE event_key = ?", (key,)
        )
        return None if row is None else EventRecord(row["guild_id"], row["event_id"])

    async def interrupted_creates(self, key: str) -> list[EventDetails]:
        """Creates of this event that were sent but never recorded (the bot stopped between
        Discord's answer and the commit, a send timed out after it landed, or a newer change
        superseded the row meanwhile): any of them may have made an event."""
        rows = await self._db.fetchall(
            """
            SELECT event FROM outbox
            WHERE event_key = ? AND action = 'event_mirror' AND started_at IS NOT NULL
                AND coalesce(outcome, '') NOT IN ('event_created', 'event_adopted')
            ORDER BY id DESC
            """,
            (key,),
        )
        return [EventDetails(**json.loads(row["event"])) for row in rows]

    async def record_event(
        self, batch: Batch, *, guild_id: int, event_id: int, outcome: str, now: int
    ) -> None:
        """Remember the event, whatever became of the row meanwhile (a newer change may have
        superseded it: that change needs this id). An event made (created or found after an
        interrupted create) shows the server accepts new events: mirroring is on again."""
        async with self._db.transaction() as tx:
            await _set_event(tx, batch.first.event_key, guild_id, event_id, now)
            await _mirror_works(tx, guild_id, made_one=outcome == "event_created")
            await _resolve_started(tx, batch.first.event_key)
            await finish(tx, batch, "sent", outcome, now)

    async def forget_event(self, batch: Batch, *, state: str, outcome: str, now: int) -> None:
        """The event is deleted by us (or was never made): forget it and close the row."""
        row = batch.first
        async with self._db.transaction() as tx:
            await tx.execute("DELETE FROM scheduled_events WHERE event_key = ?", (row.event_key,))
            if outcome == "event_removed" and row.guild_id is not None:
                await _mirror_works(tx, row.guild_id, made_one=False)
            await _resolve_started(tx, row.event_key)
            await finish(tx, batch, state, outcome, now)

    async def removal_interrupted(self, key: str) -> bool:
        """Whether a delete of this event was sent and never recorded: it may have landed."""
        row = await self._db.fetchone(
            """
            SELECT 1 FROM outbox
            WHERE event_key = ? AND action = 'event_remove' AND started_at IS NOT NULL
                AND coalesce(outcome, '') NOT IN ('event_removed', 'event_gone')
            LIMIT 1
            """,
            (key,),
        )
        return row is not None

    async def drop_event_record(self, key: str) -> None:
        """Forget an event id that no longer exists in Discord (our own delete landed)."""
        async with self._db.transaction() as tx:
            await tx.execute("DELETE FROM scheduled_events WHERE event_key = ?", (key,))
            await _resolve_started(tx, key)

    async def recorded_event_ids(self, guild_id: int) -> set[int]:
        rows = await self._db.fetchall(
            """
            SELECT event_id FROM scheduled_events
            WHERE guild_id = ? AND event_id IS NOT NULL
            """,
            (guild_id,),
        )
        return {row["event_id"] for row in rows}

    async def event_deleted_in_discord(self, batch: Batch, *, now: int) -> None:
        """Someone deleted the event in Discord: remember that, so the mirror leaves it deleted
        rather than bringing it back with the next change."""
        row = batch.first
        assert row.guild_id is not None  # the table's CHECK: events name their guild
        async with self._db.transaction() as tx:
            await _set_event(tx, row.event_key, row.guild_id, None, now)
            await finish(tx, batch, "skipped", "event_gone", now, error="deleted in Discord")

    async def mirror_off(
        self, batch: Batch, *, guild_id: int, code: int, reason: str, now: int, retry_at: int
    ) -> None:
        """Turn event mirroring off for the guild, keeping the reason for /about, and hold the
        request until `retry_at`."""
        async with self._db.transaction() as tx:
            await tx.execute(
                """
                INSERT INTO event_mirroring (guild_id, off_code, off_reason, off_since)
                VALUES (?, ?, ?, ?)
                ON CONFLICT (guild_id) DO UPDATE SET off_code = excluded.off_code,
                    off_reason = excluded.off_reason, off_since = excluded.off_since
                """,
                (guild_id, code, reason, now),
            )
            await tx.execute(
                """
                UPDATE outbox SET send_after = ?, last_error = ?
                WHERE batch_id = ? AND state = 'pending'
                """,
                (retry_at, reason, batch.batch_id),
            )

    async def mirror_status(self, guild_id: int) -> MirrorOff | None:
        """Why mirroring is off in this guild, or None when it is on."""
        row = await self._db.fetchone(
            """
            SELECT guild_id, off_code, off_reason, off_since FROM event_mirroring
            WHERE guild_id = ?
            """,
            (guild_id,),
        )
        return None if row is None else MirrorOff(*row)

    async def mirrors_off(self, *, limit: int) -> list[MirrorOff]:
        rows = await self._db.fetchall(
            """
            SELECT guild_id, off_code, off_reason, off_since FROM event_mirroring
            ORDER BY off_since DESC LIMIT ?
            """,
            (limit,),
        )
        return [MirrorOff(*row) for row in rows]


async def _mirror_works(tx: Transaction, guild_id: int, *, made_one: bool) -> None:
    """A request Discord accepted shows the bot has Manage Events; a new event also shows
    the server is below the cap."""
    await tx.execute(
        "DELETE FROM event_mirroring WHERE guild_id = ? AND (? OR off_code = 50013)",
        (guild_id, made_one),
    )


async def _resolve_started(tx: Transaction, key: str | None) -> None:
    """The event's state is known again: earlier sent-but-unrecorded requests no longer need
    looking for."""
    await tx.execute(
        "UPDATE outbox SET started_at = NULL WHERE event_key = ? AND state != 'pending'",
        (key,),
    )


async def _set_event(
    tx: Transaction, key: str | None, guild_id: int, event_id: int | None, now: int
) -> None:
    await tx.execute(
        """
        INSERT INTO scheduled_events (event_key, guild_id, event_id, updated_at)
        VALUES (?, ?, ?, ?)
        ON CONFLICT (event_key) DO UPDATE SET
            guild_id = excluded.guild_id, event_id = excluded.event_id,
            updated_at = excluded.updated_at
        """,
        (key, guild_id, event_id, now),
    )
