"""Timer kind `message.send`: post a prepared message, or make a prepared edit, at a set time.

The simplest use of the timer service and the outbox together; features that only need to say
something later (and the crash test) schedule this instead of writing their own handler.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.clock import to_unix
from bot.durations import format_elapsed
from bot.outbox.message import (
    MAX_CONTENT,
    MessageEdit,
    OutgoingMessage,
    edit_from_payload,
    edit_to_payload,
    message_from_payload,
    message_to_payload,
)
from bot.timers.models import FiredTimer, NewTimer, PermanentTimerError, TimerOutcome

KIND = "message.send"
LATE_AFTER = timedelta(seconds=30)  # beyond this a message says it is late, and by how much


def scheduled_message(message: OutgoingMessage, *, due_at: datetime, key: str) -> NewTimer:
    return NewTimer(key, KIND, to_unix(due_at), {"message": message_to_payload(message)})


def scheduled_edit(edit: MessageEdit, *, due_at: datetime, key: str) -> NewTimer:
    return NewTimer(key, KIND, to_unix(due_at), {"edit": edit_to_payload(edit)})


async def send_scheduled_message(fired: FiredTimer) -> TimerOutcome:
    try:
        if "edit" in fired.payload:
            # An edit states what the message is now; being late changes nothing in it.
            return TimerOutcome(messages=(edit_from_payload(fired.payload["edit"]),))
        message = message_from_payload(fired.payload["message"])
    except (KeyError, TypeError, ValueError) as error:
        raise PermanentTimerError(f"unreadable scheduled message: {error}") from error
    if fired.late_by > LATE_AFTER:
        late = format_elapsed(fired.late_by.total_seconds())
        note = f"\n-# Late by {late}: the bot was offline when this was due."
        if len(message.content) + len(note) <= MAX_CONTENT:
            message = OutgoingMessage(
                to=message.to,
                content=message.content + note,
                mention_user_ids=message.mention_user_ids,
                mention_role_ids=message.mention_role_ids,
                embeds=message.embeds,
                mergeable=message.mergeable,
            )
    return TimerOutcome(messages=(message,))
