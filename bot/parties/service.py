"""Watch parties: the rules for creating one and answering it. No discord import."""

from __future__ import annotations

from bot.clock import Clock, to_unix
from bot.errors import UserFacingError
from bot.parties.models import (
    Party,
    PartyPlan,
    PlaceKind,
    PlannedParty,
    Rsvp,
    RsvpCounts,
    ScheduleRequest,
)
from bot.parties.repository import PartyRepository
from bot.parties.series import expand_series, parse_episodes, parse_repeat
from bot.when import ReadTime, read_date, read_when

MAX_TITLE_NAME = 100
MAX_NOTE = 500
MAX_LINK = 500


class PartyService:
    def __init__(self, repository: PartyRepository, clock: Clock) -> None:
        self._repository = repository
        self._clock = clock

    def read_time(self, typed: str, *, zone: str) -> ReadTime:
        """What `typed` means as a start, read in `zone` unless it names its own zone."""
        return read_when(typed, zone=zone, now=self._clock.now())

    def plan(self, request: ScheduleRequest) -> PlannedParty:
        """Read what the member typed into a plan to confirm. Nothing is written; anything
        that cannot be read raises UserFacingError saying what is accepted."""
        now = self._clock.now()
        reading = read_when(request.when, zone=request.zone, now=now)
        rule = parse_repeat(request.repeat) if request.repeat else None
        episodes = parse_episodes(request.episodes) if request.episodes else None
        until = read_date(request.until, zone=reading.zone, now=now) if request.until else None
        sessions = expand_series(
            reading.start,
            reading.zone,
            rule,
            sessions=request.sessions,
            until=until,
            episodes=episodes,
            per_session=request.per_session,
            last_episode=request.last_episode,
            runtime_minutes=request.runtime_minutes,
        )
        note = request.note.strip() if request.note and request.note.strip() else None
        plan = PartyPlan(
            guild_id=request.guild_id,
            channel_id=request.channel_id,
            host_id=request.host_id,
            title_name=request.title_name.strip(),
            zone=reading.zone,
            sessions=tuple(sessions),
            title_id=request.title_id,
            place_kind=request.place_kind,
            place=request.place.strip() if request.place else None,
            note=note,
            repeat=rule,
        )
        _check_plan(plan)
        return PlannedParty(plan, reading.notes)

    async def create(self, plan: PartyPlan) -> Party:
        """Store a confirmed plan. Checked again here: the member may have waited at Confirm
        until a session's time had passed."""
        _check_plan(plan)
        now = self._clock.now()
        if plan.sessions[0].start <= now:
            raise UserFacingError(
                "That start time has passed while the plan waited to be confirmed. "
                "Schedule it again with a time still ahead."
            )
        return await self._repository.create(plan, now=to_unix(now))

    async def get(self, guild_id: int, party_id: int) -> Party:
        party = await self._repository.get(party_id, guild_id=guild_id)
        if party is None:
            raise UserFacingError(f"There is no watch party #{party_id} in this server.")
        return party

    async def upcoming(self, guild_id: int, *, limit: int = 25) -> list[Party]:
        return await self._repository.upcoming(
            guild_id, now=to_unix(self._clock.now()), limit=limit
        )

    async def rsvp(self, guild_id: int, party_id: int, member_id: int, choice: Rsvp) -> RsvpCounts:
        """Record a member's answer. A cancelled party, or one whose sessions have all
        started, takes no more answers."""
        party = await self.get(guild_id, party_id)
        if party.cancelled:
            raise UserFacingError("This watch party was cancelled, so it takes no answers.")
        now = self._clock.now()
        if not any(s.session.start > now for s in party.upcoming):
            raise UserFacingError("This watch party has already started, so it takes no answers.")
        return await self._repository.set_rsvp(party_id, member_id, choice, now=to_unix(now))

    async def rsvp_of(self, party_id: int, member_id: int) -> Rsvp | None:
        return await self._repository.rsvp_of(party_id, member_id)


def _check_plan(plan: PartyPlan) -> None:
    if not plan.sessions:
        raise UserFacingError("A watch party needs at least one session.")
    starts = [session.start for session in plan.sessions]
    if starts != sorted(starts) or len(set(starts)) != len(starts):
        raise UserFacingError("A series' sessions must each start after the one before.")
    name = plan.title_name.strip()
    if not name or len(name) > MAX_TITLE_NAME:
        raise UserFacingError(f"A title is 1 to {MAX_TITLE_NAME} characters.")
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
