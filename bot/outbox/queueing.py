"""The outbox's own rules for queueing: what makes two requests the same message, and which
messages may be merged into one."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bot.outbox.message import OutgoingMessage, ToChannel

MERGE_WINDOW_SECONDS = 60  # mergeable messages for one channel due in the same minute join


@dataclass(frozen=True)
class QueuedMessage:
    """A message with the key that makes queueing it twice a no-op."""

    dedupe_key: str
    message: OutgoingMessage
    merge_key: str | None = None


def merge_key(message: OutgoingMessage, due_at: int) -> str | None:
    """Channel messages marked mergeable and due in the same minute share a key."""
    if not message.mergeable or not isinstance(message.to, ToChannel):
        return None
    return f"{message.to.channel_id}:{due_at // MERGE_WINDOW_SECONDS}"


def queue_for_timer(
    timer_id: int, due_at: int, messages: Sequence[OutgoingMessage]
) -> tuple[QueuedMessage, ...]:
    """A timer run's messages, keyed by the timer and its due time: a run that is recorded
    twice (or an occurrence of a repeating timer retried) queues each message once."""
    return tuple(
        QueuedMessage(
            dedupe_key=f"timer:{timer_id}:{due_at}:{index}",
            message=message,
            merge_key=merge_key(message, due_at),
        )
        for index, message in enumerate(messages)
    )
