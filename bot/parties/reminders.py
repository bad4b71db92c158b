"""Watch-party reminders: one durable timer per session and lead time, and what each one says.

A reminder goes to the party's channel at each of the server's lead times and at the start. It
mentions exactly the members Going at the moment it was due, plus the server's watch-party role,
and nobody else (DESIGN.md rule 6); a member who chose DMs gets one instead of the ping. A
member who turns Going after a lead time has passed is not reminded of it afterwards, and one
who left is not pinged. A reminder that fires late after downtime says so; one whose session
has started by then is skipped, as is one whose party or session was cancelled.
"""

from __future__ import annotations

import math
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Final

from bot.clock import to_unix
from bot.durations import format_elapsed, format_minutes
from bot.message_text import fit
from bot.parties.announcement import message_label, place_text
from bot.parties.models import Party, StoredSession
from bot.parties.notices import to_going
from bot.parties.repository import PartyRepository
from bot.timers.models import FiredTimer, NewTimer, PermanentTimerError, TimerOutcome

KIND: Final = "party.reminder"
LATE_AFTER: Final = timedelta(seconds=30)
PLACE_SHOWN: Final = 300
START_GRACE: Final = timedelta(minutes=10)

RoleOf = Callable[[int], Awaitable[int | None]]  # guild id -> the watch-party role, if any


def reminder_timers(party: Party, lead_minutes: Sequence[int], *, now: datetime) -> list[NewTimer]:
    """The timers for every session still ahead: each lead time, then the start itself.

    Keys name the party, session and lead, so scheduling again (after a reschedule) moves the
    same timers instead of adding more.
    """
    leads = sorted({*(m for m in lead_minutes if m > 0), 0}, reverse=True)
    timers: list[NewTimer] = []
    for stored in party.upcoming:
        # In real time: wall-clock arithmetic in the party's zone is an hour off across a
        # clock change, and loses which pass of a repeated hour the start is in.
        start = stored.session.start.astimezone(UTC)
        for lead, next_lead in zip(leads, [*leads[1:], None], strict=True):
            due = start - timedelta(minutes=lead)
            if due <= now:
                continue
            timers.append(
                NewTimer(
                    key=reminder_key(party.id, stored.session.number, lead),
                    kind=KIND,
                    due_at=to_unix(due),
                    payload={
                        "party_id": party.id,
                        "guild_id": party.plan.guild_id,
                        "session": stored.session.number,
                        "lead_minutes": lead,
                        "next_lead_minutes": next_lead,
                    },
                )
            )
    return timers


def reminder_key(party_id: int, session: int, lead_minutes: int) -> str:
    return f"{reminder_prefix(party_id, session)}{lead_minutes}"


def reminder_prefix(party_id: int, session: int) -> str:
    """What every reminder key of one session starts with, whatever its lead time."""
    return f"party:{party_id}:session:{session}:lead:"


class PartyReminders:
    """The timer handler for `party.reminder`."""

    def __init__(self, repository: PartyRepository, role_of: RoleOf) -> None:
        self._repository = repository
        self._role_of = role_of

    async def fire(self, fired: FiredTimer) -> TimerOutcome:
        try:
            party_id = int(fired.payload["party_id"])
            guild_id = int(fired.payload["guild_id"])
            number = int(fired.payload["session"])
            lead = int(fired.payload["lead_minutes"])
        except (KeyError, TypeError, ValueError) as error:
            raise PermanentTimerError(f"unreadable party reminder: {error}") from error
        party = await self._repository.get(party_id, guild_id=guild_id)
        if party is None or party.cancelled:
            return TimerOutcome()
        stored = next((s for s in party.sessions if s.session.number == number), None)
        if stored is None or stored.cancelled:
            return TimerOutcome()
        now = fired.due_at + fired.late_by
        if _overtaken(stored, lead, fired.payload.get("next_lead_minutes"), now):
            return TimerOutcome()
        if fired.due_at != stored.session.start.astimezone(UTC) - timedelta(minutes=lead):
            # Made for a start the session no longer has (a move raced its timers): the
            # timers of its new start say it at the right time.
            return TimerOutcome()
        going = await self._repository.going_at(party_id, at=to_unix(fired.due_at))
        by_dm = await self._repository.members_wanting_dms(guild_id, going)
        role = await self._role_of(guild_id)
        headline = _headline(party, stored, lead, fired)
        return TimerOutcome(messages=tuple(to_going(party, headline, going, by_dm, role_id=role)))


def _overtaken(stored: StoredSession, lead: int, next_lead: object, now: datetime) -> bool:
    """Whether this reminder is moot by the time it runs (it ran late, after downtime): its
    session has started, or the next reminder is due too and says it better. A start
    reminder stands for `START_GRACE`, then the session is under way."""
    start = stored.session.start
    if lead == 0:
        return now > start + START_GRACE
    if now >= start:
        return True
    return isinstance(next_lead, int) and now >= start - timedelta(minutes=next_lead)


def _headline(party: Party, stored: StoredSession, lead: int, fired: FiredTimer) -> str:
    session = stored.session
    start = int(session.start.timestamp())
    what = message_label(party, stored)
    if lead:
        left = math.ceil((session.start - (fired.due_at + fired.late_by)).total_seconds() / 60)
        headline = (
            f"\u23f0 **{what}** starts in {format_minutes(max(1, left))}: "
            f"<t:{start}:t> (<t:{start}:R>)."
        )
    else:
        headline = f"\U0001f3ac **{what}** is starting now."
    place = place_text(party)
    if place:
        headline += f"\nWhere: {fit(place, PLACE_SHOWN)}"
    if fired.late_by > LATE_AFTER:
        headline += (
            f"\n-# Late by {format_elapsed(fired.late_by.total_seconds())}: "
            "the bot was offline when this was due."
        )
    return headline
