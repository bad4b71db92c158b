"""The rules a watch party keeps, as pure functions: what a plan may hold, who may change a
party, and how a series moves in wall-clock time. No I/O."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from bot.clock import to_unix
from bot.errors import UserFacingError
from bot.parties.models import (
    EpisodeRange,
    Party,
    PartyPlan,
    PlaceKind,
    ScheduleRequest,
    StoredSession,
)
from bot.parties.repository import NewTimes
from bot.parties.series import at_wall

MAX_TITLE_NAME = 100
MAX_NOTE = 500
MAX_LINK = 500
MAX_SERIES_SESSIONS = 100


def cut_short_note(
    request: ScheduleRequest, plan: PartyPlan, episodes: EpisodeRange | None
) -> tuple[str, ...]:
    """Say so when a series stops at the session cap before what the member asked for."""
    if plan.repeat is None or len(plan.sessions) < MAX_SERIES_SESSIONS:
        return ()
    if request.sessions is not None and request.sessions <= MAX_SERIES_SESSIONS:
        return ()
    shown = plan.sessions[-1].episodes
    final = episodes.last if episodes is not None else request.last_episode
    if shown is not None and final is not None and shown.last < final:
        return (
            f"A series holds at most {MAX_SERIES_SESSIONS} sessions, so this one stops after "
            f"episode {shown.last} of {final}. Schedule the rest as a new series later.",
        )
    if request.until is not None or shown is not None:
        return (f"A series holds at most {MAX_SERIES_SESSIONS} sessions; this one stops there.",)
    return ()


def check_can_change(party: Party, member_id: int, *, can_manage_events: bool) -> None:
    may_change(
        party.plan.host_id,
        f"watch party #{party.id}",
        member_id,
        can_manage_events=can_manage_events,
    )


def may_change(host_id: int, what: str, member_id: int, *, can_manage_events: bool) -> None:
    """Only the host, or a member with Manage Events, may change a party or a follow: checked
    here, not left to Discord's command permissions, which a server can loosen."""
    if member_id != host_id and not can_manage_events:
        raise UserFacingError(
            f"Only the host (<@{host_id}>) or a member with Manage Events can change {what}."
        )


def shifted(moving: Sequence[StoredSession], new_start: datetime, zone_name: str) -> list[NewTimes]:
    """The first session moves to `new_start`; later ones by the same change of day and
    wall-clock time in the party's zone (a Fri 20:00 series moved to Sat 21:00 keeps meeting
    a day later at 21:00, across daylight saving)."""
    zone = ZoneInfo(zone_name)
    first = moving[0].session.start.astimezone(zone)
    target = new_start.astimezone(zone)
    day_shift = target.date() - first.date()
    times = []
    for stored in moving:
        session = stored.session
        local = session.start.astimezone(zone)
        if stored is moving[0]:
            start = target
        else:
            start = at_wall(local.date() + day_shift, target.time(), zone)
        # In UTC: two times of one zone subtract as wall clocks, an hour off across a change.
        length = (
            session.end.astimezone(UTC) - session.start.astimezone(UTC) if session.end else None
        )
        times.append(
            NewTimes(
                session.number,
                to_unix(start.astimezone(UTC)),
                to_unix(start) + int(length.total_seconds()) if length else None,
            )
        )
    return times


def check_order(party: Party, times: Sequence[NewTimes]) -> None:
    """The sessions still in order after a move: each starts after the one before has."""
    moved = {t.number: t.starts_at for t in times}
    starts = [
        (s.session.number, moved.get(s.session.number, to_unix(s.session.start)))
        for s in party.upcoming
    ]
    ordered = sorted(starts, key=lambda pair: pair[1])
    if [n for n, _ in ordered] != [n for n, _ in starts] or len({t for _, t in starts}) != len(
        starts
    ):
        raise UserFacingError(
            "That would put the sessions out of order. Move the later sessions first, "
            "or move the rest of the series with this one."
        )


def check_plan(plan: PartyPlan) -> None:
    if not plan.sessions:
        raise UserFacingError("A watch party needs at least one session.")
    starts = [session.start for session in plan.sessions]
    if starts != sorted(starts) or len(set(starts)) != len(starts):
        raise UserFacingError("A series' sessions must each start after the one before.")
    name = plan.title_name.strip()
    if not any(ch.isalnum() for ch in name) or len(name) > MAX_TITLE_NAME:
        raise UserFacingError(
            f"A title is 1 to {MAX_TITLE_NAME} characters, with at least one letter or digit."
        )
    if plan.note is not None and len(plan.note) > MAX_NOTE:
        raise UserFacingError(
            f"A note can be at most {MAX_NOTE} characters; that one has {len(plan.note)}."
        )
    if (plan.place_kind is PlaceKind.NONE) != (plan.place is None):
        raise UserFacingError("Say where the party is: a voice or stage channel, or a link.")
    if plan.place_kind is PlaceKind.LINK and not _is_link(plan.place):
        raise UserFacingError("A link must start with https:// or http://.")


def _is_link(place: str | None) -> bool:
    return (
        place is not None
        and len(place) <= MAX_LINK
        and place.startswith(("https://", "http://"))
        and " " not in place
    )
