"""What happens when a session ends: its mirrored event is removed, and in a series the next
session is announced (with its own event), carrying on from where the last one stopped.

One durable timer per session (`party.advance`), keyed so that a reschedule moves it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Final

from bot.clock import to_unix
from bot.outbox.message import RemoveEvent
from bot.parties.announcement import event_key
from bot.parties.models import Party
from bot.timers.models import FiredTimer, NewTimer, PermanentTimerError, TimerOutcome

KIND: Final = "party.advance"


def advance_key(party_id: int, session: int) -> str:
    return f"party:{party_id}:session:{session}:advance"


def advance_timers(party: Party, *, now: datetime) -> list[NewTimer]:
    return [
        NewTimer(
            advance_key(party.id, stored.session.number),
            KIND,
            to_unix(stored.session.assumed_end),
            {
                "party_id": party.id,
                "guild_id": party.plan.guild_id,
                "session": stored.session.number,
            },
        )
        for stored in party.upcoming
        if stored.session.assumed_end > now
    ]


AnnounceAfter = Callable[[int, int, int, datetime], Awaitable[None]]


class PartyAdvance:
    """The timer handler for `party.advance`: the session's event is removed, and the next
    session is announced by `announce_after` (guild, party, ended session, now), which picks
    it and marks it announced in one transaction: two advance timers that run together after
    downtime, a rerun after a crash, or a cancel meanwhile, leave one right announcement."""

    def __init__(self, announce_after: AnnounceAfter) -> None:
        self._announce_after = announce_after

    async def fire(self, fired: FiredTimer) -> TimerOutcome:
        try:
            party_id = int(fired.payload["party_id"])
            guild_id = int(fired.payload["guild_id"])
            number = int(fired.payload["session"])
        except (KeyError, TypeError, ValueError) as error:
            raise PermanentTimerError(f"unreadable party advance: {error}") from error
        await self._announce_after(guild_id, party_id, number, fired.due_at + fired.late_by)
        return TimerOutcome(messages=(RemoveEvent(guild_id, event_key(party_id, number)),))
