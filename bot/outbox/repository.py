"""The outbox's tables: queued requests (`outbox`), their files (`outbox_files`), the scheduled
events they created (`scheduled_events`) and where event mirroring is off (`event_mirroring`)."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from dataclasses import asdict, dataclass

from bot.outbox.batching import Batch, QueuedRow, group_rows
from bot.outbox.message import (
    Attachment,
    EventDetails,
    MessageEdit,
    MirrorEvent,
    OutgoingMessage,
    RemoveEvent,
    ToChannel,
)
from bot.outbox.queueing import QueuedDelivery, supersede_key
from bot.storage.database import Database, Transaction


@dataclass(frozen=True)
class OutboxCounts:
    pending: int
    sent: int
    failed: int
    skipped: int
    fell_back: int
    outcomes: dict[str, int]  # every recorded outcome, e.g. {"edited": 12, "superseded": 980}


@dataclass(frozen=True)
class FailedMessage:
    id: int
    destination: str
    content: str
    attempts: int
    last_error: str | None
    finished_at: int | None


@dataclass(frozen=True)
class MirrorOff:
    guild_id: int
    reason: str
    since: int


@dataclass(frozen=True)
class SentMessage:
    state: str  # 'pending', 'sent', 'failed' or 'skipped'
    message_id: int | None


_COLUMNS = """
    id, action, channel_id, member_id, fallback_channel_id, guild_id, message_key,
    target_message_id, event_key, event, content, embed, mention_user_ids, mention_role_ids,
    merge_key, supersede_key, spacing, replace_files, clear_components, attempts, started_at,
    batch_id
"""


def _row(row: sqlite3.Row) -> QueuedRow:
    return QueuedRow(
        id=row["id"],
        action=row["action"],
        channel_id=row["channel_id"],
        member_id=row["member_id"],
        fallback_channel_id=row["fallback_channel_id"],
        content=row["content"],
        embed=None if row["embed"] is None else json.loads(row["embed"]),
        mention_user_ids=tuple(json.loads(row["mention_user_ids"])),
        mention_role_ids=tuple(json.loads(row["mention_role_ids"])),
        merge_key=row["merge_key"],
        attempts=row["attempts"],
        guild_id=row["guild_id"],
        message_key=row["message_key"],
        target_message_id=row["target_message_id"],
        event_key=row["event_key"],
        event=None if row["event"] is None else EventDetails(**json.loads(row["event"])),
        supersede_key=row["supersede_key"],
        spacing=row["spacing"],
        replace_files=bool(row["replace_files"]),
        clear_components=bool(row["clear_components"]),
        started_at=row["started_at"],
    )


class OutboxRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    # -- queueing ---------------------------------------------------------------------------

    async def enqueue(self, queued: Sequence[QueuedDelivery], *, now: int) -> None:
        async with self._db.transaction() as tx:
            await self.enqueue_in(tx, queued, now=now)

    async def enqueue_in(
        self, tx: Transaction, queued: Sequence[QueuedDelivery], *, now: int
    ) -> None:
        """Queue inside the caller's transaction, so the requests commit with its other work.
        A request replaces any older one with the same supersede key still waiting."""
        plain = [i for i in queued if supersede_key(i.delivery) is None and not _files_of(i)]
        # The common case, a batch of reminders, costs one statement for all of them.
        await tx.executemany(_INSERT, [_insert_params(item, None, now) for item in plain])
        for item in queued:
            key = supersede_key(item.delivery)
            files = _files_of(item)
            if key is None and not files:
                continue
            if await tx.fetchone("SELECT 1 FROM outbox WHERE dedupe_key = ?", (item.dedupe_key,)):
                continue  # queued before; replacing newer requests with it would undo them
            if key is not None:
                await _supersede(tx, key, now=now)
            inserted = await tx.fetchone(_INSERT + " RETURNING id", _insert_params(item, key, now))
            if inserted is not None and files:
                await tx.executemany(
                    """
                    INSERT INTO outbox_files (outbox_id, position, filename, description, data)
                    VALUES (?, ?, ?, ?, ?)
                    """,
                    [
                        (inserted["id"], position, f.filename, f.description, f.data)
                        for position, f in enumerate(files)
                    ],
                )

    # -- what is ready ----------------------------------------------------------------------

    async def seal_ready(self, *, now: int, limit: int) -> int:
        """Group ready rows that are not yet in a batch; returns how many batches were formed."""
        async with self._db.transaction() as tx:
            rows = await tx.fetchall(
                f"""
                SELECT {_COLUMNS} FROM outbox
                WHERE state = 'pending' AND batch_id IS NULL AND send_after <= ?
                ORDER BY id LIMIT ?
                """,  # noqa: S608 - constant column list
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
            f"""
            SELECT {_COLUMNS} FROM outbox
            WHERE batch_id IN (
                SELECT DISTINCT batch_id FROM outbox
                WHERE state = 'pending' AND batch_id IS NOT NULL AND send_after <= ?
                ORDER BY batch_id LIMIT ?
            ) AND state = 'pending'
            ORDER BY batch_id, id
            """,  # noqa: S608 - constant column list
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

    async def files_of(self, batch: Batch) -> tuple[Attachment, ...]:
        """The files a batch carries, in order (read only when it is about to be sent)."""
        ids = [row.id for row in batch.rows]
        rows = await self._db.fetchall(
            f"""
            SELECT filename, description, data FROM outbox_files
            WHERE outbox_id IN ({",".join("?" * len(ids))}) ORDER BY outbox_id, position
            """,  # noqa: S608 - only placeholders are joined in
            ids,
        )
        return tuple(Attachment(r["filename"], bytes(r["data"]), r["description"]) for r in rows)

    async def sent_message(self, key: str) -> SentMessage | None:
        """The newest message queued under `key`: whether it went out, and its id."""
        row = await self._db.fetchone(
            """
            SELECT state, message_id FROM outbox WHERE message_key = ? AND action = 'send'
            ORDER BY id DESC LIMIT 1
            """,
            (key,),
        )
        return None if row is None else SentMessage(row["state"], row["message_id"])

    async def last_done_at(self, key: str) -> int | None:
        """When a request with this supersede key last went out (edits are spaced by it)."""
        row = await self._db.fetchone(
            """
            SELECT max(finished_at) AS last FROM outbox
            WHERE supersede_key = ? AND state = 'sent'
            """,
            (key,),
        )
        return None if row is None or row["last"] is None else int(row["last"])

    # -- how it went ------------------------------------------------------------------------

    async def mark_sent(
        self, batch: Batch, *, outcome: str, now: int, message_id: int | None = None
    ) -> None:
        async with self._db.transaction() as tx:
            await _finish(tx, batch, "sent", outcome, now, message_id=message_id)

    async def mark_skipped(self, batch: Batch, *, outcome: str, now: int, reason: str) -> None:
        """Done without doing it, on purpose (the message was deleted, mirroring is off)."""
        async with self._db.transaction() as tx:
            await _finish(tx, batch, "skipped", outcome, now, error=reason)

    async def mark_failed(self, batch: Batch, *, error: str, now: int) -> None:
        async with self._db.transaction() as tx:
            await _finish(tx, batch, "failed", None, now, error=error, count_attempt=True)

    async def retry_later(
        self, batch: Batch, *, send_after: int, error: str | None, count_attempt: bool
    ) -> None:
        async with self._db.transaction() as tx:
            await tx.execute(
                """
                UPDATE outbox SET send_after = ?, last_error = ?, attempts = attempts + ?
                WHERE batch_id = ? AND state = 'pending'
                """,
                (send_after, error, 1 if count_attempt else 0, batch.batch_id),
            )

    async def mark_started(self, batch: Batch, *, now: int) -> None:
        """Written before a request that has no nonce (an event create) first leaves, so a
        retry knows to look for what an interrupted attempt may have made."""
        async with self._db.transaction() as tx:
            await tx.execute(
                "UPDATE outbox SET started_at = coalesce(started_at, ?) WHERE batch_id = ?",
                (now, batch.batch_id),
            )

    # -- scheduled events -------------------------------------------------------------------

    async def event_id(self, key: str) -> int | None:
        row = await self._db.fetchone(
            "SELECT event_id FROM scheduled_events WHERE event_key = ?", (key,)
        )
        return None if row is None else int(row["event_id"])

    async def interrupted_creates(self, key: str) -> list[EventDetails]:
        """Creates of this event that were sent but never recorded (the bot stopped between
        Discord's answer and the commit, or a newer change superseded them meanwhile)."""
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
        """Remember the event Discord made, whatever became of the row meanwhile (a newer
        change may have superseded it: that change needs this id), and turn mirroring on."""
        key = batch.first.event_key
        async with self._db.transaction() as tx:
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
            await tx.execute("DELETE FROM event_mirroring WHERE guild_id = ?", (guild_id,))
            await _finish(tx, batch, "sent", outcome, now)

    async def forget_event(self, batch: Batch, *, state: str, outcome: str, now: int) -> None:
        """The event is deleted (or was already): forget its id and close the row."""
        async with self._db.transaction() as tx:
            await tx.execute(
                "DELETE FROM scheduled_events WHERE event_key = ?", (batch.first.event_key,)
            )
            await _finish(tx, batch, state, outcome, now)

    async def mirror_off(self, batch: Batch, *, guild_id: int, reason: str, now: int) -> None:
        """Turn event mirroring off for the guild, keeping the reason for /about."""
        async with self._db.transaction() as tx:
            await tx.execute(
                """
                INSERT INTO event_mirroring (guild_id, off_reason, off_since) VALUES (?, ?, ?)
                ON CONFLICT (guild_id) DO UPDATE SET
                    off_reason = excluded.off_reason, off_since = excluded.off_since
                """,
                (guild_id, reason, now),
            )
            await _finish(tx, batch, "skipped", "mirror_off", now, error=reason)

    async def mirror_status(self, guild_id: int) -> MirrorOff | None:
        """Why mirroring is off in this guild, or None when it is on."""
        row = await self._db.fetchone(
            "SELECT guild_id, off_reason, off_since FROM event_mirroring WHERE guild_id = ?",
            (guild_id,),
        )
        return None if row is None else MirrorOff(row[0], row[1], row[2])

    async def mirrors_off(self, *, limit: int) -> list[MirrorOff]:
        rows = await self._db.fetchall(
            """
            SELECT guild_id, off_reason, off_since FROM event_mirroring
            ORDER BY off_since DESC LIMIT ?
            """,
            (limit,),
        )
        return [MirrorOff(row[0], row[1], row[2]) for row in rows]

    # -- reports and housekeeping -----------------------------------------------------------

    async def counts(self) -> OutboxCounts:
        rows = await self._db.fetchall(
            "SELECT state, outcome, count(*) AS n FROM outbox GROUP BY state, outcome"
        )
        by_state: dict[str, int] = {}
        outcomes: dict[str, int] = {}
        for row in rows:
            by_state[row["state"]] = by_state.get(row["state"], 0) + row["n"]
            if row["outcome"] is not None:
                outcomes[row["outcome"]] = outcomes.get(row["outcome"], 0) + row["n"]
        return OutboxCounts(
            pending=by_state.get("pending", 0),
            sent=by_state.get("sent", 0),
            failed=by_state.get("failed", 0),
            skipped=by_state.get("skipped", 0),
            fell_back=outcomes.get("dm_fallback", 0),
            outcomes=outcomes,
        )

    async def failed(self, *, limit: int) -> list[FailedMessage]:
        rows = await self._db.fetchall(
            """
            SELECT id, action, channel_id, member_id, guild_id, event_key, content, attempts,
                last_error, finished_at
            FROM outbox WHERE state = 'failed' ORDER BY finished_at DESC, id DESC LIMIT ?
            """,
            (limit,),
        )
        return [
            FailedMessage(
                id=row["id"],
                destination=_describe(row),
                content=row["content"],
                attempts=row["attempts"],
                last_error=row["last_error"],
                finished_at=row["finished_at"],
            )
            for row in rows
        ]

    async def sweep(self, *, sent_before: int, failed_before: int) -> int:
        """Forget finished requests: done and skipped ones after a while, failed ones later."""
        async with self._db.transaction() as tx:
            return await tx.execute(
                """
                DELETE FROM outbox
                WHERE (state IN ('sent', 'skipped') AND finished_at < ?)
                    OR (state = 'failed' AND finished_at < ?)
                """,
                (sent_before, failed_before),
            )


_INSERT = """
    INSERT INTO outbox (
        dedupe_key, action, channel_id, member_id, fallback_channel_id, guild_id, message_key,
        target_message_id, event_key, event, content, embed, mention_user_ids,
        mention_role_ids, merge_key, replace_files, clear_components, supersede_key, spacing,
        send_after, created_at
    ) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
    ON CONFLICT (dedupe_key) DO NOTHING
"""


async def _supersede(tx: Transaction, key: str, *, now: int) -> None:
    """Close the waiting requests this key's newer one replaces; their files go at once."""
    await tx.execute(
        """
        DELETE FROM outbox_files WHERE outbox_id IN (
            SELECT id FROM outbox WHERE supersede_key = ? AND state = 'pending'
        )
        """,
        (key,),
    )
    await tx.execute(
        """
        UPDATE outbox SET state = 'skipped', outcome = 'superseded', finished_at = ?
        WHERE supersede_key = ? AND state = 'pending'
        """,
        (now, key),
    )


async def _finish(
    tx: Transaction,
    batch: Batch,
    state: str,
    outcome: str | None,
    now: int,
    *,
    message_id: int | None = None,
    error: str | None = None,
    count_attempt: bool = False,
) -> None:
    """Close a batch's rows that are still pending (a superseded row stays as it is) and drop
    their files, which are no longer needed."""
    await tx.execute(
        """
        UPDATE outbox SET state = ?, outcome = ?, finished_at = ?,
            message_id = coalesce(?, message_id), last_error = ?, attempts = attempts + ?
        WHERE batch_id = ? AND state = 'pending'
        """,
        (state, outcome, now, message_id, error, 1 if count_attempt else 0, batch.batch_id),
    )
    await tx.executemany(
        "DELETE FROM outbox_files WHERE outbox_id = ?", [(row.id,) for row in batch.rows]
    )


def _files_of(item: QueuedDelivery) -> tuple[Attachment, ...]:
    delivery = item.delivery
    if isinstance(delivery, OutgoingMessage | MessageEdit):
        return delivery.files or ()
    return ()


def _insert_params(item: QueuedDelivery, supersede: str | None, now: int) -> tuple[object, ...]:
    """The columns of one request, in _INSERT's order."""
    delivery = item.delivery
    # action, channel, member, fallback, guild, message_key, target, event_key, event
    where: tuple[object, ...]
    content, embed = "", None
    users: tuple[int, ...] = ()
    roles: tuple[int, ...] = ()
    merge, replace_files, clear_components, spacing = None, False, False, 0
    match delivery:
        case OutgoingMessage(to=ToChannel(channel_id=channel_id)):
            where = ("send", channel_id, None, None, None, delivery.key, None, None, None)
            if delivery.mergeable and not delivery.files:
                merge = item.merge_key
        case OutgoingMessage(to=to):
            member, fallback = (
                getattr(to, "member_id", None),
                getattr(to, "fallback_channel_id", None),
            )
            where = ("send", None, member, fallback, None, delivery.key, None, None, None)
        case MessageEdit():
            where = (
                "edit",
                delivery.channel_id,
                None,
                None,
                None,
                delivery.message_key,
                delivery.message_id,
                None,
                None,
            )
            replace_files = delivery.files is not None
            clear_components, spacing = delivery.clear_components, delivery.spacing
        case MirrorEvent():
            event = json.dumps(asdict(delivery.details))
            where = (
                "event_mirror",
                None,
                None,
                None,
                delivery.guild_id,
                None,
                None,
                delivery.key,
                event,
            )
        case RemoveEvent():
            where = (
                "event_remove",
                None,
                None,
                None,
                delivery.guild_id,
                None,
                None,
                delivery.key,
                None,
            )
    if isinstance(delivery, OutgoingMessage | MessageEdit):
        content = delivery.content
        embed = None if delivery.embed is None else json.dumps(delivery.embed)
    if isinstance(delivery, OutgoingMessage):
        users, roles = delivery.mention_user_ids, delivery.mention_role_ids
    return (
        item.dedupe_key,
        *where,
        content,
        embed,
        json.dumps(list(users)),
        json.dumps(list(roles)),
        merge,
        replace_files,
        clear_components,
        supersede,
        spacing,
        now,
        now,
    )


def _describe(row: sqlite3.Row) -> str:
    if row["action"] in ("event_mirror", "event_remove"):
        verb = "mirror" if row["action"] == "event_mirror" else "remove"
        return f"{verb} event {row['event_key']} in server {row['guild_id']}"
    if row["action"] == "edit":
        return f"edit in channel {row['channel_id']}"
    if row["channel_id"] is not None:
        return f"channel {row['channel_id']}"
    return f"DM to member {row['member_id']}"
