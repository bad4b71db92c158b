"""What `watchclub timers` prints: how scheduled work stands, and what could not be done."""

from __future__ import annotations

from bot.clock import from_unix
from bot.outbox.repository import OutboxRepository
from bot.storage.database import Database
from bot.timers.repository import TimerRepository

SHOWN = 10  # newest dead timers and failed messages listed


def _when(seconds: int | None) -> str:
    return "-" if seconds is None else from_unix(seconds).strftime("%Y-%m-%d %H:%M:%S UTC")


async def timer_report(db: Database) -> list[str]:
    outbox = OutboxRepository(db)
    timers = TimerRepository(db, outbox)
    counts = await timers.counts()
    sent = await outbox.counts()
    lines = [
        f"timers: {counts.pending} pending, {counts.claimed} running, "
        f"{counts.done} done, {counts.dead} dead",
        f"next due: {_when(counts.next_due_at)}",
        f"messages: {sent.pending} queued, {sent.sent} sent "
        f"({sent.fell_back} to a channel because DMs were closed), {sent.failed} failed",
    ]
    dead = await timers.dead(limit=SHOWN)
    if dead:
        lines.append("dead timers (newest first; `watchclub timers retry-dead` re-queues them):")
        lines += [
            f"  {t.key} [{t.kind}] due {_when(t.due_at)}, {t.attempts} attempts: {t.last_error}"
            for t in dead
        ]
    failed = await outbox.failed(limit=SHOWN)
    if failed:
        lines.append("messages not delivered (newest first):")
        lines += [
            f"  #{m.id} {m.destination} at {_when(m.finished_at)}: {m.last_error}" for m in failed
        ]
    return lines
