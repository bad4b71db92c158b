"""The outbox's own rules for queueing: what makes two requests the same, which messages may be
merged into one, and which newer request replaces an older one still waiting."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bot.outbox.message import (
    Delivery,
    MessageEdit,
    MirrorEvent,
    OutgoingMessage,
    RemoveEvent,
    ToChannel,
)

MERGE_WINDOW_SECONDS = 60  # mergeable messages for one channel due in the same minute join


@dataclass(frozen=True)
class QueuedDelivery:
    """A delivery with the key that makes queueing it twice a no-op."""

    dedupe_key: str
    delivery: Delivery
    merge_key: str | None = None


def can_merge(delivery: Delivery) -> bool:
    """Only plain channel text marked mergeable may share a post. A keyed message never does:
    it is edited later as a whole; nor does one with buttons or a thread, which belong to it
    alone."""
    return (
        isinstance(delivery, OutgoingMessage)
        and delivery.mergeable
        and isinstance(delivery.to, ToChannel)
        and not delivery.embeds
        and not delivery.files
        and delivery.key is None
        and not delivery.buttons
        and delivery.thread_name is None
    )


def merge_key(delivery: Delivery, due_at: int) -> str | None:
    """Mergeable messages for one channel due in the same minute share a key."""
    match delivery:
        case OutgoingMessage(to=ToChannel(channel_id=channel_id)) if can_merge(delivery):
            return f"{channel_id}:{due_at // MERGE_WINDOW_SECONDS}"
        case _:
            return None


def supersede_key(delivery: Delivery) -> str | None:
    """Requests with the same key replace each other while they wait: only the latest edit
    of a message, and the latest change of an event, is worth sending."""
    match delivery:
        case MessageEdit():
            return delivery.target
        case MirrorEvent() | RemoveEvent():
            return f"event:{delivery.key}"
        case _:
            return None


def queue_for_timer(
    timer_id: int, due_at: int, deliveries: Sequence[Delivery]
) -> tuple[QueuedDelivery, ...]:
    """A timer run's deliveries, keyed by the timer and its due time: a run that is recorded
    twice (or an occurrence of a repeating timer retried) queues each one once."""
    return tuple(
        QueuedDelivery(
            dedupe_key=f"timer:{timer_id}:{due_at}:{index}",
            delivery=delivery,
            merge_key=merge_key(delivery, due_at),
        )
        for index, delivery in enumerate(deliveries)
    )
