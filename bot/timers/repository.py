"""The `timers` table. Rows go pending -> claimed -> done (or dead), and a row is only marked
done in the transaction that also queues the messages its work produced."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

from bot.outbox.queueing import QueuedDelivery
from bot.outbox.repository import OutboxRepository
from bot.storage.database import Database, Transaction
from bot.timers.models import ClaimedTimer, DeadTimer, NewTimer, TimerCounts


@dataclass(frozen=True)
class Finished:
    """How one claimed run ended, to be recorded with others in one transaction."""

    timer: ClaimedTimer
    state: str  # 'done', 'pending' (retry or repeat) or 'dead'
    run_at: int | None = None  # for 'pending': when to run next
    repeat_due_at: int | None = None  # for a repeat: the next occurrence's due time
    error: str | None = None
    messages: tuple[QueuedDelivery, ...] = ()


class TimerRepository:
    def __init__(self, db: Database, outbox: OutboxRepository) -> None:
        self._db = db
        self._outbox = outbox

    async def schedule_many(self, timers: Sequence[NewTimer], *, now: int) -> None:
        """Insert, or move an existing key to its new time and payload (and make it pending)."""
        await self._upsert(timers, now=now, move_unfinished=True)

    async def ensure(self, timers: Sequence[NewTimer], *, now: int) -> None:
        """Schedule each timer unless its key is already pending or running (recurring work
        that must not be pushed back by every restart)."""
        await self._upsert(timers, now=now, move_unfinished=False)

    async def schedule_in(self, tx: Transaction, timers: Sequence[NewTimer], *, now: int) -> None:
        """`schedule_many` inside the caller's transaction, so the timers commit with its work
        (a party and its reminders are stored together or not at all)."""
        await _upsert_in(tx, timers, now=now, move_unfinished=True)

    async def cancel_in(self, tx: Transaction, keys: Sequence[str]) -> int:
        """Forget the unfinished timers named, inside the caller's transaction."""
        removed = 0
        for key in keys:
            removed += await tx.execute(
                "DELETE FROM timers WHERE key = ? AND state IN ('pending', 'claimed')", (key,)
            )
        return removed

    async def cancel_prefixed_in(self, tx: Transaction, prefix: str) -> int:
        """Forget the pending timers whose key starts with `prefix` (a range on the key's
        index: every key with the prefix sorts between it and it followed by U+10FFFF). One
        running now is left to finish: its work has begun."""
        return await tx.execute(
            "DELETE FROM timers WHERE key >= ? AND key < ? AND state = 'pending'",
            (prefix, prefix + "\U0010ffff"),
        )

    async def _upsert(self, timers: Sequence[NewTimer], *, now: int, move_unfinished: bool) -> None:
        async with self._db.transaction() as tx:
            await _upsert_in(tx, timers, now=now, move_unfinished=move_unfinished)

    async def cancel(self, key: str) -> bool:
        """Forget a timer that has not finished; False if there was none."""
        async with self._db.transaction() as tx:
            removed = await tx.execute(
                "DELETE FROM timers WHERE key = ? AND state IN ('pending', 'claimed')", (key,)
            )
        return removed > 0

    async def next_run_at(self) -> int | None:
        row = await self._db.fetchone(
            "SELECT run_at FROM timers WHERE state = 'pending' ORDER BY run_at LIMIT 1"
        )
        return None if row is None else int(row["run_at"])

    async def claim_due(self, *, now: int, limit: int) -> list[ClaimedTimer]:
        async with self._db.transaction() as tx:
            rows = await tx.fetchall(
                """
                UPDATE timers SET state = 'claimed', attempts = attempts + 1,
                    revision = revision + 1, claimed_at = ?
                WHERE id IN (
                    SELECT id FROM timers WHERE state = 'pending' AND run_at <= ?
                    ORDER BY run_at LIMIT ?
                )
                RETURNING id, key, kind, due_at, payload, attempts, revision
                """,
                (now, now, limit),
            )
        claimed = [ClaimedTimer(**dict(row)) for row in rows]
        claimed.sort(key=lambda timer: (timer.due_at, timer.id))
        return claimed

    async def finish(self, results: Sequence[Finished], *, now: int) -> int:
        """Record many runs in one transaction (one fsync); returns how many messages were
        queued. A run whose timer was cancelled or moved meanwhile records nothing."""
        queued = 0
        async with self._db.transaction() as tx:
            quiet_done = [r for r in results if r.state == "done" and not r.messages]
            # The common case, a run that leaves nothing to send, costs no thread hop per row.
            await tx.executemany(_MARK_DONE, [_done_params(r, now) for r in quiet_done])
            for result in results:
                if result.state == "done" and not result.messages:
                    continue
                if result.state == "done":
                    changed = await tx.execute(_MARK_DONE, _done_params(result, now))
                elif result.state == "pending":
                    changed = await tx.execute(_MARK_PENDING, _pending_params(result))
                else:
                    changed = await tx.execute(
                        _MARK_DEAD,
                        (now, result.error, result.timer.id, result.timer.revision),
                    )
                if changed and result.messages:
                    await self._outbox.enqueue_in(tx, result.messages, now=now)
                    queued += len(result.messages)
        return queued

    async def recover_claimed(self) -> int:
        """Runs cut short by a crash go back to pending; they are due, so they run at once."""
        async with self._db.transaction() as tx:
            return await tx.execute(
                "UPDATE timers SET state = 'pending', claimed_at = NULL WHERE state = 'claimed'"
            )

    async def counts(self) -> TimerCounts:
        row = await self._db.fetchone(
            """
            SELECT
                (SELECT count(*) FROM timers WHERE state = 'pending') AS pending,
                (SELECT count(*) FROM timers WHERE state = 'claimed') AS claimed,
                (SELECT count(*) FROM timers WHERE state = 'done') AS done,
                (SELECT count(*) FROM timers WHERE state = 'dead') AS dead,
                (SELECT run_at FROM timers WHERE state = 'pending'
                    ORDER BY run_at LIMIT 1) AS next_due_at
            """
        )
        assert row is not None  # a SELECT without FROM always returns a row
        return TimerCounts(
            pending=row["pending"],
            claimed=row["claimed"],
            done=row["done"],
            dead=row["dead"],
            next_due_at=row["next_due_at"],
        )

    async def dead(self, *, limit: int) -> list[DeadTimer]:
        rows = await self._db.fetchall(
            """
            SELECT id, key, kind, due_at, attempts, last_error, finished_at FROM timers
            WHERE state = 'dead' ORDER BY finished_at DESC, id DESC LIMIT ?
            """,
            (limit,),
        )
        return [DeadTimer(**dict(row)) for row in rows]

    async def retry_dead(self, *, now: int) -> int:
        """Give every dead timer a fresh set of attempts, starting now."""
        async with self._db.transaction() as tx:
            return await tx.execute(
                """
                UPDATE timers SET state = 'pending', run_at = ?, attempts = 0,
                    revision = revision + 1, finished_at = NULL
                WHERE state = 'dead'
                """,
                (now,),
            )

    async def sweep(self, *, done_before: int, dead_before: int) -> int:
        """Forget finished timers: done ones after a while, dead ones after a longer while."""
        async with self._db.transaction() as tx:
            return await tx.execute(
                """
                DELETE FROM timers
                WHERE (state = 'done' AND finished_at < ?) OR (state = 'dead' AND finished_at < ?)
                """,
                (done_before, dead_before),
            )


# Each matches only the run that claimed the row: a timer moved or cancelled meanwhile is
# left as its new schedule says.
_MARK_DONE = """
    UPDATE timers SET state = 'done', finished_at = ?, last_error = NULL
    WHERE id = ? AND revision = ? AND state = 'claimed'
"""
_MARK_PENDING = """
    UPDATE timers SET state = 'pending', run_at = ?, due_at = ?,
        attempts = CASE WHEN ? THEN 0 ELSE attempts END,
        revision = revision + 1, claimed_at = NULL, last_error = ?
    WHERE id = ? AND revision = ? AND state = 'claimed'
"""
_MARK_DEAD = """
    UPDATE timers SET state = 'dead', finished_at = ?, last_error = ?
    WHERE id = ? AND revision = ? AND state = 'claimed'
"""


def _done_params(result: Finished, now: int) -> tuple[int, int, int]:
    return (now, result.timer.id, result.timer.revision)


def _pending_params(result: Finished) -> tuple[object, ...]:
    timer = result.timer
    return (
        result.run_at,
        result.repeat_due_at or timer.due_at,
        result.repeat_due_at is not None,
        result.error,
        timer.id,
        timer.revision,
    )


async def _upsert_in(
    tx: Transaction, timers: Sequence[NewTimer], *, now: int, move_unfinished: bool
) -> None:
    await tx.executemany(
        """
        INSERT INTO timers (key, kind, due_at, run_at, payload, created_at)
        VALUES (?, ?, ?, ?, ?, ?)
        ON CONFLICT (key) DO UPDATE SET
            kind = excluded.kind, due_at = excluded.due_at, run_at = excluded.run_at,
            payload = excluded.payload, state = 'pending', attempts = 0,
            revision = revision + 1, claimed_at = NULL, finished_at = NULL,
            last_error = NULL
        WHERE ? OR state IN ('done', 'dead')
        """,
        [
            (t.key, t.kind, t.due_at, t.due_at, json.dumps(t.payload), now, move_unfinished)
            for t in timers
        ],
    )
