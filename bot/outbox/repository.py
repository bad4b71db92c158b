"""The `outbox` table: queued messages, how they were grouped, and whether they went out."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass

from bot.outbox.batching import Batch, QueuedRow, group_rows
from bot.outbox.message import ToChannel
from bot.outbox.queueing import QueuedMessage
from bot.storage.database import Database, Transaction


@dataclass(frozen=True)
class OutboxCounts:
    pending: int
    sent: int
    failed: int
    fell_back: int


@dataclass(frozen=True)
class FailedMessage:
    id: int
    destination: str
    content: str
    attempts: int
    last_error: str | None
    finished_at: int | None


def _row(row: sqlite3.Row) -> QueuedRow:
    return QueuedRow(
        id=row["id"],
        channel_id=row["channel_id"],
        member_id=row["member_id"],
        fallback_channel_id=row["fallback_channel_id"],
        content=row["content"],
        embed=None if row["embed"] is None else json.loads(row["embed"]),
        mention_user_ids=tuple(json.loads(row["mention_user_ids"])),
        mention_role_ids=tuple(json.loads(row["mention_role_ids"])),
        merge_key=row["merge_key"],
        attempts=row["attempts"],
    )


class OutboxRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def enqueue(self, queued: Sequence[QueuedMessage], *, now: int) -> None:
        async with self._db.transaction() as tx:
            await self.enqueue_in(tx, queued, now=now)

    async def enqueue_in(
        self, tx: Transaction, queued: Sequence[QueuedMessage], *, now: int
    ) -> None:
        """Queue inside the caller's transaction, so the messages commit with its other work."""
        await tx.executemany(
            """
            INSERT INTO outbox (
                dedupe_key, channel_id, member_id, fallback_channel_id, content, embed,
                mention_user_ids, mention_role_ids, merge_key, send_after, created_at
            ) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (dedupe_key) DO NOTHING
            """,
            [_insert_params(item, now) for item in queued],
        )

    async def seal_ready(self, *, now: int, limit: int) -> int:
        """Group ready rows that are not yet in a batch; returns how many batches were formed."""
        async with self._db.transaction() as tx:
            rows = await tx.fetchall(
                """
                SELECT id, channel_id, member_id, fallback_channel_id, content, embed,
                    mention_user_ids,
                    mention_role_ids, merge_key, attempts, batch_id
                FROM outbox
                WHERE state = 'pending' AND batch_id IS NULL AND send_after <= ?
                ORDER BY id LIMIT ?
                """,
                (now, limit),
            )
            groups = group_rows([_row(row) for row in rows])
            await tx.executemany(
                "UPDATE outbox SET batch_id = ? WHERE id = ?",
                [(group[0].id, row.id) for group in groups for row in group],
            )
            return len(groups)

    async def ready_batches(self, *, now: int, limit: int) -> list[Batch]:
        """Sealed batches due to be sent, oldest first."""
        rows = await self._db.fetchall(
            """
            SELECT id, channel_id, member_id, fallback_channel_id, content, embed, mention_user_ids,
                    mention_role_ids, merge_key, attempts, batch_id
            FROM outbox
            WHERE batch_id IN (
                SELECT DISTINCT batch_id FROM outbox
                WHERE state = 'pending' AND batch_id IS NOT NULL AND send_after <= ?
                ORDER BY batch_id LIMIT ?
            ) AND state = 'pending'
            ORDER BY batch_id, id
            """,
            (now, limit),
        )
        batches: dict[int, list[QueuedRow]] = {}
        for row in rows:
            batches.setdefault(row["batch_id"], []).append(_row(row))
        return [Batch(batch_id, tuple(members)) for batch_id, members in batches.items()]

    async def next_send_after(self) -> int | None:
        row = await self._db.fetchone(
            "SELECT min(send_after) AS next FROM outbox WHERE state = 'pending'"
        )
        return None if row is None or row["next"] is None else int(row["next"])

    async def mark_sent(self, batch: Batch, *, message_id: int, via: str, now: int) -> None:
        async with self._db.transaction() as tx:
            await tx.execute(
                """
                UPDATE outbox SET state = 'sent', message_id = ?, delivered_via = ?,
                    finished_at = ?, last_error = NULL
                WHERE batch_id = ? AND state = 'pending'
                """,
                (message_id, via, now, batch.batch_id),
            )

    async def retry_later(
        self, batch: Batch, *, send_after: int, error: str, count_attempt: bool
    ) -> None:
        async with self._db.transaction() as tx:
            await tx.execute(
                """
                UPDATE outbox SET send_after = ?, last_error = ?, attempts = attempts + ?
                WHERE batch_id = ? AND state = 'pending'
                """,
                (send_after, error, 1 if count_attempt else 0, batch.batch_id),
            )

    async def mark_failed(self, batch: Batch, *, error: str, now: int) -> None:
        async with self._db.transaction() as tx:
            await tx.execute(
                """
                UPDATE outbox SET state = 'failed', last_error = ?, finished_at = ?,
                    attempts = attempts + 1
                WHERE batch_id = ? AND state = 'pending'
                """,
                (error, now, batch.batch_id),
            )

    async def counts(self) -> OutboxCounts:
        row = await self._db.fetchone(
            """
            SELECT
                count(*) FILTER (WHERE state = 'pending') AS pending,
                count(*) FILTER (WHERE state = 'sent') AS sent,
                count(*) FILTER (WHERE state = 'failed') AS failed,
                count(*) FILTER (WHERE delivered_via = 'dm_fallback') AS fell_back
            FROM outbox
            """
        )
        assert row is not None  # an aggregate always returns a row
        return OutboxCounts(row["pending"], row["sent"], row["failed"], row["fell_back"])

    async def failed(self, *, limit: int) -> list[FailedMessage]:
        rows = await self._db.fetchall(
            """
            SELECT id, channel_id, member_id, content, attempts, last_error, finished_at
            FROM outbox WHERE state = 'failed' ORDER BY finished_at DESC, id DESC LIMIT ?
            """,
            (limit,),
        )
        return [
            FailedMessage(
                id=row["id"],
                destination=(
                    f"channel {row['channel_id']}"
                    if row["channel_id"] is not None
                    else f"DM to member {row['member_id']}"
                ),
                content=row["content"],
                attempts=row["attempts"],
                last_error=row["last_error"],
                finished_at=row["finished_at"],
            )
            for row in rows
        ]

    async def sweep(self, *, sent_before: int, failed_before: int) -> int:
        """Forget sent messages, and later failed ones, finished before the cut-offs."""
        async with self._db.transaction() as tx:
            return await tx.execute(
                """
                DELETE FROM outbox
                WHERE (state = 'sent' AND finished_at < ?) OR (state = 'failed' AND finished_at < ?)
                """,
                (sent_before, failed_before),
            )


def _insert_params(item: QueuedMessage, now: int) -> tuple[object, ...]:
    message = item.message
    to = message.to
    is_channel = isinstance(to, ToChannel)
    return (
        item.dedupe_key,
        to.channel_id if isinstance(to, ToChannel) else None,
        None if isinstance(to, ToChannel) else to.member_id,
        None if isinstance(to, ToChannel) else to.fallback_channel_id,
        message.content,
        None if message.embed is None else json.dumps(message.embed),
        json.dumps(list(message.mention_user_ids)),
        json.dumps(list(message.mention_role_ids)),
        item.merge_key if is_channel and message.mergeable else None,
        now,
        now,
    )
