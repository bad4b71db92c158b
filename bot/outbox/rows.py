"""The `outbox` table's rows as the outbox reads and closes them: shared by the request
repository and the event repository, so both close a row the same way."""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from bot.outbox.batching import Batch, QueuedRow
from bot.outbox.message import (
    Button,
    EventDetails,
    button_from_payload,
    button_to_payload,
    embeds_from_json,
)
from bot.storage.database import Transaction

COLUMNS = """
    id, action, channel_id, member_id, fallback_channel_id, guild_id, message_key,
    target_message_id, event_key, event, content, embed, mention_user_ids, mention_role_ids,
    merge_key, supersede_key, spacing, replace_files, clear_components, buttons, thread_name,
    attempts, started_at, created_at, batch_id
"""


def queued_row(row: sqlite3.Row) -> QueuedRow:
    return QueuedRow(
        id=row["id"],
        action=row["action"],
        channel_id=row["channel_id"],
        member_id=row["member_id"],
        fallback_channel_id=row["fallback_channel_id"],
        content=row["content"],
        embeds=embeds_from_json(None if row["embed"] is None else json.loads(row["embed"])),
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
        buttons=None if row["buttons"] is None else buttons_from_json(row["buttons"]),
        thread_name=row["thread_name"],
        started_at=row["started_at"],
        created_at=row["created_at"],
    )


def embeds_to_json(embeds: tuple[dict[str, Any], ...]) -> str | None:
    """The `embed` column: NULL for none, else a JSON array of them. A row queued before a
    message could carry several holds one embed as a JSON object, which still reads
    (`embeds_from_json`)."""
    return json.dumps(list(embeds)) if embeds else None


def buttons_to_json(buttons: tuple[Button, ...] | None) -> str | None:
    """The `buttons` column: NULL for none on a send, and for "keep them" on an edit."""
    return None if buttons is None else json.dumps([button_to_payload(b) for b in buttons])


def buttons_from_json(text: str) -> tuple[Button, ...]:
    return tuple(button_from_payload(b) for b in json.loads(text))


async def finish(
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
    """Close a batch's rows that are still pending and drop their files, which are no longer
    needed. A row superseded while it was in flight, and done all the same, is recorded as
    done: it went out (later edits are spaced from it)."""
    await tx.execute(
        """
        UPDATE outbox SET state = ?, outcome = ?, finished_at = ?,
            message_id = coalesce(?, message_id), last_error = ?, attempts = attempts + ?
        WHERE batch_id = ?
            AND (state = 'pending' OR (? = 'sent' AND outcome = 'superseded'))
        """,
        (
            state,
            outcome,
            now,
            message_id,
            error,
            1 if count_attempt else 0,
            batch.batch_id,
            state,
        ),
    )
    await tx.executemany(
        "DELETE FROM outbox_files WHERE outbox_id = ?", [(row.id,) for row in batch.rows]
    )
