"""What `watchclub timers` prints: how scheduled work stands, what every delivery came to, and
what could not be done."""

from __future__ import annotations

from bot.clock import from_unix
from bot.outbox.repository import OutboxCounts, OutboxRepository
from bot.storage.database import Database
from bot.timers.repository import TimerRepository

SHOWN = 10  # newest dead timers, failed deliveries and servers with mirroring off listed


def _when(seconds: int | None) -> str:
    return "-" if seconds is None else from_unix(seconds).strftime("%Y-%m-%d %H:%M:%S UTC")


def outcome_lines(counts: OutboxCounts) -> list[str]:
    """One line each for messages, edits and events, from the outcome recorded on every row."""
    n = counts.outcomes.get
    sent = n("channel", 0) + n("dm", 0) + n("dm_fallback", 0)
    return [
        f"deliveries: {counts.pending} queued, {counts.failed} failed",
        f"messages: {sent} sent ({n('dm', 0)} as DMs, {n('dm_fallback', 0)} to a channel "
        "because DMs were closed)",
        f"edits: {n('edited', 0)} applied, {n('superseded', 0)} collapsed into a newer one, "
        f"{n('message_gone', 0)} of deleted messages, {n('message_missing', 0)} of messages "
        "never posted",
        f"events: {n('event_created', 0) + n('event_adopted', 0)} created "
        f"({n('event_adopted', 0)} found again after a restart), {n('event_updated', 0)} "
        f"updated, {n('event_removed', 0)} removed, {n('event_gone', 0)} already gone, "
        f"{n('mirror_off', 0)} skipped while mirroring was off",
    ]


async def timer_report(db: Database) -> list[str]:
    outbox = OutboxRepository(db)
    timers = TimerRepository(db, outbox)
    counts = await timers.counts()
    lines = [
        f"timers: {counts.pending} pending, {counts.claimed} running, "
        f"{counts.done} done, {counts.dead} dead",
        f"next due: {_when(counts.next_due_at)}",
        *outcome_lines(await outbox.counts()),
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
        lines.append("not delivered (newest first):")
        lines += [
            f"  #{m.id} {m.destination} at {_when(m.finished_at)}: {m.last_error}" for m in failed
        ]
    mirrors_off = await outbox.events.mirrors_off(limit=SHOWN)
    if mirrors_off:
        lines.append("event mirroring is off in (newest first):")
        lines += [f"  server {m.guild_id} since {_when(m.since)}: {m.reason}" for m in mirrors_off]
    return lines
