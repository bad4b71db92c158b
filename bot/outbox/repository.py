"""The outbox's request tables: queued requests (`outbox`), their files (`outbox_files`), where
keyed messages landed (`message_keys`) and the highest version per key (`supersede_versions`).
The event tables are `EventRepository`'s (`event_repository.py`), reached as `.events`."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

from bot.outbox.batching import Batch, QueuedRow, group_rows
from bot.outbox.event_repository import EventRepository
from bot.outbox.message import (
    Attachment,
    MessageEdit,
    MirrorEvent,
    OutgoingMessage,
    RemoveEvent,
    ToChannel,
    ToMember,
)
from bot.outbox.queueing import QueuedDelivery, can_merge, supersede_key
from bot.outbox.rows import COLUMNS, buttons_to_json, embeds_to_json, finish, queued_row
from bot.storage.database import Database, Transaction

KEEP_MESSAGE_KEYS = 90 * 24 * 3600  # seconds a keyed message stays editable by its key


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
class KeyedMessage:
    """Where the message posted under a key is, or how its send stands."""

    state: str  # 'sent', 'pending', 'failed', 'skipped', or 'unknown' (nothing queued yet)
    channel_id: int | None = None
    message_id: int | None = None


class OutboxRepository:
    def __init__(self, db: Database) -> None:
        self._db = db
        self.events = EventRepository(db)

    # -- queueing ---------------------------------------------------------------------------

    async def enqueue(self, queued: Sequence[QueuedDelivery], *, now: int) -> None:
        async with self._db.transaction() as tx:
            await self.enqueue_in(tx, queued, now=now)

    async def enqueue_in(
        self, tx: Transaction, queued: Sequence[QueuedDelivery], *, now: int
    ) -> None:
        """Queue inside the caller's transaction, in the given order, so the requests commit
        with its other work. A superseding request replaces older ones still waiting."""
        plain: list[dict[str, Any]] = []
        for item in queued:
            key = supersede_key(item.delivery)
            if key is None and not _files_of(item):
                plain.append(_insert_params(item, None, now))
                continue
            # A run of plain sends (a batch of reminders) costs one statement for all of them.
            await tx.executemany(_INSERT, plain)
            plain = []
            await self._enqueue_one(tx, item, key, now)
        await tx.executemany(_INSERT, plain)

    async def _enqueue_one(
        self, tx: Transaction, item: QueuedDelivery, key: str | None, now: int
    ) -> None:
        if await tx.fetchone("SELECT 1 FROM outbox WHERE dedupe_key = ?", (item.dedupe_key,)):
            return  # queued before; queueing it again must not replace what came since
        params = _insert_params(item, key, now)
        replaced: list[sqlite3.Row] = []
        if key is not None:
            if not await _claim_version(tx, key, params["version"], now):
                # A higher version was queued already: record this one as replaced at once.
                params.update(state="skipped", outcome="superseded", finished_at=now)
                await tx.execute(_INSERT, params)
                return
            replaced = await _supersede(tx, key, now=now)
            if params["spacing"]:
                # Due when the spacing allows, not now: a burst of edits (a poll's tally) then
                # waits unsealed and is replaced in place, instead of being sealed, postponed
                # and superseded, three writes where one does.
                last = await tx.fetchone(_LAST_DONE, (key,))
                if last is not None and last["last"] is not None:
                    params["send_after"] = max(now, int(last["last"]) + params["spacing"])
            # An edit states the whole message, except what it leaves as it is: buttons
            # and attachments. What a replaced edit changed there must still happen.
            _carry_buttons(params, replaced)
        inserted = await tx.fetchone(_INSERT + " RETURNING id", params)
        if inserted is None:
            return
        new_id = inserted["id"]
        files = _files_of(item)
        await tx.executemany(
            """
            INSERT INTO outbox_files (outbox_id, position, filename, description, data)
            VALUES (?, ?, ?, ?, ?)
            """,
            [(new_id, n, f.filename, f.description, f.data) for n, f in enumerate(files)],
        )
        carried = next((row for row in reversed(replaced) if row["replace_files"]), None)
        if carried is not None and not params["replace_files"]:
            await tx.execute(
                """
                INSERT INTO outbox_files (outbox_id, position, filename, description, data)
                SELECT ?, position, filename, description, data FROM outbox_files
                WHERE outbox_id = ?
                """,
                (new_id, carried["id"]),
            )
            await tx.execute("UPDATE outbox SET replace_files = 1 WHERE id = ?", (new_id,))
        # The replaced rows' files are no longer needed: a worker that was about to send one
        # reads its state and files together, and skips it (see files_for_send).
        await tx.executemany(
            "DELETE FROM outbox_files WHERE outbox_id = ?", [(row["id"],) for row in replaced]
        )

    # -- what is ready ----------------------------------------------------------------------

    async def seal_ready(self, *, now: int, limit: int) -> int:
        """Group ready rows that are not yet in a batch; returns how many batches were formed."""
        # Looked for first on the reader: a pass with nothing to seal takes no write lock from
        # the votes and answers waiting for it. A row queued meanwhile wakes the next pass.
        if not await self._db.fetchone(
            "SELECT 1 FROM outbox WHERE state = 'pending' AND batch_id IS NULL "
            "AND send_after <= ? LIMIT 1",
            (now,),
        ):
            return 0
        async with self._db.transaction() as tx:
            rows = await tx.fetchall(
                f"""
                SELECT {COLUMNS} FROM outbox
                WHERE state = 'pending' AND batch_id IS NULL AND send_after <= ?
                ORDER BY id LIMIT ?
                """,  # noqa: S608 - constant column list
                (now, limit),
            )
            groups = group_rows([queued_row(row) for row in rows])
            await tx.executemany(
                "UPDATE outbox SET batch_id = ? WHERE id = ?",
                [(group[0].id, row.id) for group in groups for row in group],
            )
            return len(groups)

    async def ready_batches(self, *, now: int, limit: int) -> list[Batch]:
        """Sealed batches due to be sent, oldest first."""
        rows = await self._db.fetchall(
            f"""
            SELECT {COLUMNS} FROM outbox
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
            batches.setdefault(row["batch_id"], []).append(queued_row(row))
        return [Batch(batch_id, tuple(members)) for batch_id, members in batches.items()]

    async def next_send_after(self) -> int | None:
        row = await self._db.fetchone(
            "SELECT min(send_after) AS next FROM outbox WHERE state = 'pending'"
        )
        return None if row is None or row["next"] is None else int(row["next"])

    async def files_for_send(self, batch: Batch) -> tuple[Attachment, ...] | None:
        """The files a batch carries, in order; None if a newer request superseded it while it
        waited its turn (it is then not sent at all). One statement, so the state and the
        files come from the same snapshot."""
        ids = [row.id for row in batch.rows]
        rows = await self._db.fetchall(
            f"""
            SELECT o.state, f.filename, f.description, f.data
            FROM outbox AS o LEFT JOIN outbox_files AS f ON f.outbox_id = o.id
            WHERE o.id IN ({",".join("?" * len(ids))})
            ORDER BY o.id, f.position
            """,  # noqa: S608 - only placeholders are joined in
            ids,
        )
        if not any(r["state"] == "pending" for r in rows):
            return None
        return tuple(
            Attachment(r["filename"], bytes(r["data"]), r["description"])
            for r in rows
            if r["filename"] is not None
        )

    async def keyed_message(self, key: str) -> KeyedMessage:
        """Where the newest message posted under `key` is, or how its send stands (a key used
        again names the newer message, once that one is posted)."""
        newest = await self._db.fetchone(
            """
            SELECT state FROM outbox WHERE message_key = ? AND action = 'send'
            ORDER BY id DESC LIMIT 1
            """,
            (key,),
        )
        if newest is not None and newest["state"] != "sent":
            return KeyedMessage(newest["state"])
        posted = await self._db.fetchone(
            "SELECT channel_id, message_id FROM message_keys WHERE message_key = ?", (key,)
        )
        if posted is None:
            return KeyedMessage("unknown")
        return KeyedMessage("sent", posted["channel_id"], posted["message_id"])

    async def last_done_at(self, key: str) -> int | None:
        """When a request with this supersede key last went out (edits are spaced by it)."""
        row = await self._db.fetchone(_LAST_DONE, (key,))
        return None if row is None or row["last"] is None else int(row["last"])

    # -- how it went ------------------------------------------------------------------------

    async def mark_sent(
        self,
        batch: Batch,
        *,
        outcome: str,
        now: int,
        message_id: int | None = None,
        channel_id: int | None = None,
        note: str | None = None,
    ) -> None:
        """Record the batch as done; a send under a key also records where its message is.
        `note` is kept as the row's last error: what went wrong without undoing the send (a
        thread that could not be opened)."""
        async with self._db.transaction() as tx:
            await finish(tx, batch, "sent", outcome, now, message_id=message_id, error=note)
            if batch.first.action == "send" and message_id is not None:
                await tx.executemany(
                    """
                    INSERT INTO message_keys (message_key, channel_id, message_id, posted_at)
                    VALUES (?, ?, ?, ?)
                    ON CONFLICT (message_key) DO UPDATE SET channel_id = excluded.channel_id,
                        message_id = excluded.message_id, posted_at = excluded.posted_at
                    """,
                    [
                        (row.message_key, channel_id, message_id, now)
                        for row in batch.rows
                        if row.message_key is not None
                    ],
                )

    async def mark_skipped(self, batch: Batch, *, outcome: str, now: int, reason: str) -> None:
        """Done without doing it, on purpose (the message was deleted, mirroring is off)."""
        async with self._db.transaction() as tx:
            await finish(tx, batch, "skipped", outcome, now, error=reason)

    async def mark_failed(self, batch: Batch, *, error: str, now: int) -> None:
        async with self._db.transaction() as tx:
            await finish(tx, batch, "failed", None, now, error=error, count_attempt=True)

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
                """
                UPDATE outbox SET started_at = coalesce(started_at, ?)
                WHERE batch_id = ? AND state = 'pending'
                """,
                (now, batch.batch_id),
            )

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
        """Forget finished requests (done and skipped ones after a while, failed ones later),
        the files of superseded rows, and keys and versions untouched for 90 days more."""
        async with self._db.transaction() as tx:
            await tx.execute(
                """
                DELETE FROM outbox_files WHERE NOT EXISTS (
                    SELECT 1 FROM outbox WHERE outbox.id = outbox_id AND state = 'pending'
                )
                """
            )
            await tx.execute(
                "DELETE FROM message_keys WHERE posted_at < ?",
                (sent_before - KEEP_MESSAGE_KEYS,),
            )
            await tx.execute(
                "DELETE FROM supersede_versions WHERE updated_at < ?",
                (sent_before - KEEP_MESSAGE_KEYS,),
            )
            return await tx.execute(
                """
                DELETE FROM outbox
                WHERE (state IN ('sent', 'skipped') AND finished_at < ?)
                    OR (state = 'failed' AND finished_at < ?)
                """,
                (sent_before, failed_before),
            )


_LAST_DONE = """
    SELECT max(finished_at) AS last FROM outbox WHERE supersede_key = ? AND state = 'sent'
"""

_INSERT = """
    INSERT INTO outbox (
        dedupe_key, action, channel_id, member_id, fallback_channel_id, guild_id, message_key,
        target_message_id, event_key, event, content, embed, mention_user_ids,
        mention_role_ids, merge_key, replace_files, clear_components, buttons, thread_name,
        supersede_key, spacing, version, state, outcome, finished_at, send_after, created_at
    ) VALUES (
        :dedupe_key, :action, :channel_id, :member_id, :fallback_channel_id, :guild_id,
        :message_key, :target_message_id, :event_key, :event, :content, :embed,
        :mention_user_ids, :mention_role_ids, :merge_key, :replace_files, :clear_components,
        :buttons, :thread_name, :supersede_key, :spacing, :version, :state, :outcome,
        :finished_at, :send_after, :now
    )
    ON CONFLICT (dedupe_key) DO NOTHING
"""


# _INSERT's parameters that some kinds of request leave NULL.
_NULLABLE = (
    "action",
    "channel_id",
    "member_id",
    "fallback_channel_id",
    "guild_id",
    "message_key",
    "target_message_id",
    "event_key",
    "event",
    "embed",
    "merge_key",
    "buttons",
    "thread_name",
    "version",
    "outcome",
    "finished_at",
)


async def _claim_version(tx: Transaction, key: str, version: int | None, now: int) -> bool:
    """Whether a request of this version may replace what is queued under `key`: none with a
    higher version was ever queued. The highest version is then this one."""
    if version is None:
        return True
    row = await tx.fetchone(
        "SELECT version FROM supersede_versions WHERE supersede_key = ?", (key,)
    )
    if row is not None and row["version"] > version:
        return False
    await tx.execute(
        """
        INSERT INTO supersede_versions (supersede_key, version, updated_at) VALUES (?, ?, ?)
        ON CONFLICT (supersede_key) DO UPDATE SET
            version = excluded.version, updated_at = excluded.updated_at
        """,
        (key, version, now),
    )
    return True


async def _supersede(tx: Transaction, key: str, *, now: int) -> list[sqlite3.Row]:
    """Close the waiting requests a newer one of this key replaces; returns them, oldest
    first."""
    replaced = await tx.fetchall(
        """
        SELECT id, replace_files, clear_components, buttons FROM outbox
        WHERE supersede_key = ? AND state = 'pending' ORDER BY id
        """,
        (key,),
    )
    if not replaced:
        return []
    await tx.executemany(
        """
        UPDATE outbox SET state = 'skipped', outcome = 'superseded', finished_at = ?
        WHERE id = ?
        """,
        [(now, row["id"]) for row in replaced],
    )
    return replaced


def _carry_buttons(params: dict[str, Any], replaced: Sequence[sqlite3.Row]) -> None:
    """An edit that leaves the buttons as they are takes on the latest change of them among
    the edits it replaces (new buttons, or none), which would otherwise be lost."""
    if params["clear_components"] or params["buttons"] is not None:
        return  # it says what the buttons become itself
    changed = next(
        (r for r in reversed(replaced) if r["clear_components"] or r["buttons"] is not None),
        None,
    )
    if changed is not None:
        params["clear_components"] = bool(changed["clear_components"])
        params["buttons"] = changed["buttons"]


def _files_of(item: QueuedDelivery) -> tuple[Attachment, ...]:
    delivery = item.delivery
    if isinstance(delivery, OutgoingMessage | MessageEdit):
        return delivery.files or ()
    return ()


def _insert_params(item: QueuedDelivery, supersede: str | None, now: int) -> dict[str, Any]:
    """The named columns of one request for _INSERT; what a kind of request lacks is NULL."""
    params: dict[str, Any] = dict.fromkeys(_NULLABLE)
    params.update(
        dedupe_key=item.dedupe_key,
        supersede_key=supersede,
        content="",
        mention_user_ids="[]",
        mention_role_ids="[]",
        replace_files=False,
        clear_components=False,
        spacing=0,
        state="pending",
        now=now,
        send_after=now,
    )
    delivery = item.delivery
    match delivery:
        case OutgoingMessage():
            params.update(
                action="send",
                message_key=delivery.key,
                mention_user_ids=json.dumps(list(delivery.mention_user_ids)),
                mention_role_ids=json.dumps(list(delivery.mention_role_ids)),
                buttons=buttons_to_json(delivery.buttons or None),
                thread_name=delivery.thread_name,
            )
            if isinstance(delivery.to, ToChannel):
                params["channel_id"] = delivery.to.channel_id
                if can_merge(delivery):  # whoever queued it may not have checked
                    params["merge_key"] = item.merge_key
            else:
                params.update(_dm_params(delivery.to))
        case MessageEdit():
            params.update(
                action="edit",
                channel_id=delivery.channel_id,
                message_key=delivery.message_key,
                target_message_id=delivery.message_id,
                replace_files=delivery.files is not None,
                clear_components=delivery.clear_components,
                buttons=buttons_to_json(delivery.buttons),
                spacing=delivery.spacing,
                version=delivery.version,
            )
        case MirrorEvent():
            params.update(
                action="event_mirror",
                guild_id=delivery.guild_id,
                event_key=delivery.key,
                event=json.dumps(asdict(delivery.details)),
                version=delivery.version,
            )
        case RemoveEvent():
            params.update(
                action="event_remove",
                guild_id=delivery.guild_id,
                event_key=delivery.key,
                version=delivery.version,
            )
    if isinstance(delivery, OutgoingMessage | MessageEdit):
        params["content"] = delivery.content
        params["embed"] = embeds_to_json(delivery.embeds)
    return params


def _dm_params(to: ToMember) -> dict[str, Any]:
    return {"member_id": to.member_id, "fallback_channel_id": to.fallback_channel_id}


def _describe(row: sqlite3.Row) -> str:
    if row["action"] in ("event_mirror", "event_remove"):
        verb = "mirror" if row["action"] == "event_mirror" else "remove"
        return f"{verb} event {row['event_key']} in server {row['guild_id']}"
    if row["action"] == "edit":
        return f"edit in channel {row['channel_id']}"
    if row["channel_id"] is not None:
        return f"channel {row['channel_id']}"
    return f"DM to member {row['member_id']}"
