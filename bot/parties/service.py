"""Watch parties: the rules for creating, answering, moving and cancelling one. No discord import.

Every change that members must hear about commits together with what tells them: the party's
rows, its reminder timers and the outbox rows (announcement, edits, notices, event mirror) are
written in one transaction, so a crash leaves either all of it or none.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.clock import Clock, from_unix, to_unix
from bot.errors import UserFacingError
from bot.guilds.service import GuildSettingsService
from bot.outbox.message import Delivery, MirrorEvent, RemoveEvent
from bot.outbox.queueing import QueuedDelivery
from bot.outbox.repository import OutboxRepository
from bot.parties.announcement import (
    announcement,
    announcement_edit,
    announcement_key,
    calendar_entry,
    event_key,
    session_event,
)
from bot.parties.calendar import calendar_file, calendar_filename
from bot.parties.drafts import AnyRequest, Draft, DraftRepository
from bot.parties.models import (
    FollowLink,
    MoveRequest,
    Party,
    PartyHeading,
    PartyPlan,
    PlannedMove,
    PlannedParty,
    Rsvp,
    RsvpCounts,
    ScheduleRequest,
    SessionMove,
    StoredSession,
)
from bot.parties.notices import change_notices
from bot.parties.reminders import KIND as REMINDER
from bot.parties.reminders import PartyReminders, reminder_prefix, reminder_timers
from bot.parties.repository import NewTimes, PartyRepository
from bot.parties.rules import (
    MAX_SERIES_SESSIONS,
    check_can_change,
    check_order,
    check_plan,
    cut_short_note,
    shifted,
)
from bot.parties.series import expand_series, parse_episodes, parse_repeat
from bot.parties.session_timers import KIND as ADVANCE
from bot.parties.session_timers import PartyAdvance, advance_key, advance_timers
from bot.storage.database import Database, Transaction
from bot.timers.models import NewTimer
from bot.timers.service import TimerService
from bot.when import ReadTime, names_its_zone, read_date, read_when

MAX_PARTIES = 10_000  # upcoming parties of one server that a change of lead times reaches


@dataclass(frozen=True)
class RsvpResult:
    party: Party
    choice: Rsvp
    counts: RsvpCounts
    changed: bool


@dataclass(frozen=True)
class Confirmed:
    party: Party
    moved: bool  # a reschedule was confirmed, not a new party


@dataclass(frozen=True)
class CalendarFile:
    filename: str
    data: bytes
    sessions: int


class PartyService:
    def __init__(
        self,
        db: Database,
        repository: PartyRepository,
        drafts: DraftRepository,
        timers: TimerService,
        outbox: OutboxRepository,
        settings: GuildSettingsService,
        clock: Clock,
        *,
        on_queued: Callable[[], None] = lambda: None,
    ) -> None:
        self._db = db
        self._repository = repository
        self._drafts = drafts
        self._timers = timers
        self._outbox = outbox
        self._settings = settings
        self._clock = clock
        self._on_queued = on_queued
        self._lead_times_lock = asyncio.Lock()

    def register_timers(self, timers: TimerService) -> None:
        """The handlers of the party timers: reminders, and what happens as a session ends."""

        async def role_of(guild_id: int) -> int | None:
            return (await self._settings.get(guild_id)).watch_party_role_id

        timers.register(REMINDER, PartyReminders(self._repository, role_of).fire)
        timers.register(ADVANCE, PartyAdvance(self.announce_after).fire)

    async def announce_after(self, guild_id: int, party_id: int, ended: int, now: datetime) -> None:
        """Session `ended` is over: announce the next session not cancelled and not over (a
        series carrying on), chosen from the party as it is in the announcing transaction, so
        a cancel committed meanwhile is respected."""
        async with self._db.transaction() as tx:
            party = await self._repository.get_in(tx, party_id, guild_id=guild_id)
            if party is None or party.cancelled:
                return
            following = next(
                (
                    s
                    for s in party.upcoming
                    if s.session.number > ended and s.session.assumed_end > now
                ),
                None,
            )
            posted = following is not None and await self._announce_in(tx, party, following)
        if posted:
            self._on_queued()

    async def _announce_in(self, tx: Transaction, party: Party, stored: StoredSession) -> bool:
        number = stored.session.number
        if not await self._repository.claim_announcement_in(tx, party.id, number):
            return False
        counts = await self._repository.counts_in(tx, party.id)
        await self._queue_in(
            tx,
            announcement_key(party.id, number),
            [
                announcement(party, stored, counts),
                MirrorEvent(
                    party.plan.guild_id, event_key(party.id, number), session_event(party, stored)
                ),
            ],
        )
        return True

    # -- reading a plan ---------------------------------------------------------------------

    def now(self) -> datetime:
        return self._clock.now()

    def read_time(self, typed: str, *, zone: str) -> ReadTime:
        """What `typed` means as a start, read in `zone` unless it names its own zone."""
        return read_when(typed, zone=zone, now=self._clock.now())

    def when_preview(self, typed: str, *, zone: str | None) -> str:
        """How autocomplete shows `typed` being read, or why it can't be: never raises."""
        if zone is None and not names_its_zone(typed):
            return "Set your time zone with /timezone, or end with one: fri 8pm KST"
        try:
            return self.read_time(typed, zone=zone or "UTC").preview(self._clock.now())
        except UserFacingError as error:
            return f"\u2717 {error}"

    def plan(self, request: ScheduleRequest, *, now: datetime | None = None) -> PlannedParty:
        """Read what the member typed into a plan to confirm. Nothing is written; anything
        that cannot be read raises UserFacingError saying what is accepted."""
        now = now or self._clock.now()
        if not request.zone and not names_its_zone(request.when):
            raise UserFacingError(
                "Pick your time zone first (or set it with `/timezone`), or end the time with "
                "one, like `fri 8pm KST`."
            )
        reading = read_when(request.when, zone=request.zone or "UTC", now=now)
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
            max_sessions=MAX_SERIES_SESSIONS,
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
            cover_url=request.cover_url,
            compass_line=request.compass_line,
            wants_thread=request.wants_thread,
        )
        check_plan(plan)
        return PlannedParty(plan, (*reading.notes, *cut_short_note(request, plan, episodes)))

    async def preview(self, request: ScheduleRequest) -> tuple[Draft, PlannedParty]:
        """Read the request and keep it as a draft for Confirm. An unreadable request is
        refused before anything is kept."""
        now = self._clock.now()
        planned = self.plan(request, now=now)
        return await self._drafts.save(request, now=to_unix(now)), planned

    async def hold(self, request: ScheduleRequest) -> Draft:
        """Keep a request that can't be read yet (no zone known) until the member picks one."""
        return await self._drafts.save(request, now=to_unix(self._clock.now()))

    async def revise(
        self, draft_id: int, member_id: int, *, guild_id: int, **changes: object
    ) -> tuple[Draft, PlannedParty | PlannedMove]:
        """Change a draft (Change, or a zone picked) and read it again, now."""
        draft = await self.draft(draft_id, member_id, guild_id=guild_id)
        request = replace(draft.request, **changes)  # type: ignore[arg-type]
        now = self._clock.now()
        planned = await self._read(request, now)
        return await self._drafts.replace(draft_id, request, now=to_unix(now)), planned

    async def draft(self, draft_id: int, member_id: int, *, guild_id: int) -> Draft:
        """The member's own draft, made in this server."""
        draft = await self._drafts.get(
            draft_id, member_id=member_id, now=to_unix(self._clock.now())
        )
        if draft is None or draft.request.guild_id != guild_id:
            raise UserFacingError(
                "This plan has expired or was already confirmed. "
                "Use the command again to make a new one."
            )
        return draft

    async def _read(self, request: AnyRequest, now: datetime) -> PlannedParty | PlannedMove:
        if isinstance(request, MoveRequest):
            return await self.plan_move(request, now=now)
        return self.plan(request, now=now)

    # -- confirming -------------------------------------------------------------------------

    async def confirm(
        self, draft_id: int, member_id: int, *, guild_id: int, can_manage_events: bool = False
    ) -> Confirmed:
        """Carry out what a preview showed, exactly (its times read as when it was shown): a
        new party with its reminders, announcement and event, or a reschedule with its
        notices. A second Confirm of the same draft does nothing."""
        draft = await self.draft(draft_id, member_id, guild_id=guild_id)
        read_at = from_unix(draft.read_at)
        request = draft.request
        if isinstance(request, MoveRequest):
            moving = await self.plan_move(
                replace(request, can_manage_events=can_manage_events), now=read_at
            )
            now = self._clock.now()
            if any(m.session.session.start <= now or m.start <= now for m in moving.moves):
                raise UserFacingError(
                    "That time has passed, or the session has started, while the change "
                    "waited to be confirmed. Reschedule it again."
                )
            return Confirmed(await self._move(moving, draft_id=draft_id), moved=True)
        plan = self.plan(request, now=read_at).plan
        async with self._db.transaction() as tx:
            await self._use_draft(tx, draft_id)
            party = await self._create_in(tx, plan)
        self._on_queued()
        return Confirmed(party, moved=False)

    async def _use_draft(self, tx: Transaction, draft_id: int) -> None:
        if not await self._drafts.delete_in(tx, draft_id):
            raise UserFacingError("This plan was already confirmed.")

    # -- creating ---------------------------------------------------------------------------

    async def create(self, plan: PartyPlan) -> Party:
        """Store a confirmed plan with its reminders and announcement."""
        async with self._db.transaction() as tx:
            party = await self._create_in(tx, plan)
        self._on_queued()
        return party

    async def create_followed(self, plan: PartyPlan, *, follow: FollowLink) -> Party | None:
        """A party for one episode of a followed show (its announcement, reminders, event);
        None when the follow was stopped meanwhile (an unfollow while its check ran)."""
        async with self._db.transaction() as tx:
            if not await self._repository.follow_is_live_in(tx, follow.follow_id):
                return None
            party = await self._create_in(tx, plan, follow=follow)
        self._on_queued()
        return party

    async def _create_in(
        self, tx: Transaction, plan: PartyPlan, *, follow: FollowLink | None = None
    ) -> Party:
        # Checked again here: the member may have waited at Confirm until the time passed.
        check_plan(plan)
        now = self._clock.now()
        if plan.sessions[0].start <= now:
            raise UserFacingError(
                "That start time has passed while the plan waited to be confirmed. "
                "Schedule it again with a time still ahead."
            )
        party = await self._repository.create_in(tx, plan, now=to_unix(now), follow=follow)
        await self._timers.schedule_in(tx, await self._timers_for(party, now))
        first = party.sessions[0]
        await self._queue_in(
            tx,
            f"party:{party.id}:created",
            [
                announcement(party, first, RsvpCounts()),
                MirrorEvent(
                    party.plan.guild_id, event_key(party.id, 1), session_event(party, first)
                ),
            ],
        )
        return party

    async def apply_lead_times(self, guild_id: int) -> int:
        """After `/config reminders`: the reminders of every upcoming party here follow the new
        lead times (one already sent is not sent again). Returns how many parties changed."""
        # One at a time, each reading the lead times last saved; the parties are read where
        # their timers are written, so a reschedule committed meanwhile is not undone.
        async with self._lead_times_lock:
            leads = (await self._settings.get(guild_id)).reminder_lead_minutes
            now = self._clock.now()
            async with self._db.transaction() as tx:
                parties = await self._repository.upcoming_in(
                    tx, guild_id, now=to_unix(now), limit=MAX_PARTIES
                )
                await self._retime_reminders_in(tx, parties, leads, now)
        return len(parties)

    async def _retime_reminders_in(
        self, tx: Transaction, parties: Sequence[Party], leads: Sequence[int], now: datetime
    ) -> None:
        for party in parties:
            for stored in party.upcoming:
                await self._timers.cancel_prefixed_in(
                    tx, reminder_prefix(party.id, stored.session.number)
                )
            await self._timers.schedule_in(tx, reminder_timers(party, leads, now=now))

    async def _timers_for(self, party: Party, now: datetime) -> list[NewTimer]:
        settings = await self._settings.get(party.plan.guild_id)
        return [
            *reminder_timers(party, settings.reminder_lead_minutes, now=now),
            *advance_timers(party, now=now),
        ]

    # -- reading ----------------------------------------------------------------------------

    async def get(self, guild_id: int, party_id: int) -> Party:
        party = await self._repository.get(party_id, guild_id=guild_id)
        if party is None:
            raise UserFacingError(f"There is no watch party #{party_id} in this server.")
        return party

    async def upcoming(self, guild_id: int, *, limit: int = 25) -> list[Party]:
        return await self._repository.upcoming(
            guild_id, now=to_unix(self._clock.now()), limit=limit
        )

    async def headings(self, guild_id: int, *, limit: int) -> list[PartyHeading]:
        return await self._repository.headings(
            guild_id, now=to_unix(self._clock.now()), limit=limit
        )

    async def upcoming_with_rsvps(
        self, guild_id: int, member_id: int, *, limit: int = 25
    ) -> list[tuple[Party, Rsvp | None]]:
        parties = await self.upcoming(guild_id, limit=limit)
        answers = await self._repository.rsvps_of(member_id, [p.id for p in parties])
        return [(party, answers.get(party.id)) for party in parties]

    async def counts(self, party_id: int) -> RsvpCounts:
        return await self._repository.counts(party_id)

    async def rsvp_of(self, party_id: int, member_id: int) -> Rsvp | None:
        return await self._repository.rsvp_of(party_id, member_id)

    # -- answering --------------------------------------------------------------------------

    async def rsvp(self, guild_id: int, party_id: int, member_id: int, choice: Rsvp) -> RsvpResult:
        """Record a member's answer. A cancelled party, or one whose sessions have all
        started, takes no more answers. The current announcement's counts are edited to
        match, in the same transaction, from the party as it is in that transaction: an answer
        recorded is an answer shown, and a reschedule committed meanwhile is not undone."""
        now = self._clock.now()
        async with self._db.transaction() as tx:
            party = await self._repository.get_in(tx, party_id, guild_id=guild_id)
            if party is None:
                raise UserFacingError(f"There is no watch party #{party_id} in this server.")
            if party.cancelled:
                raise UserFacingError("This watch party was cancelled, so it takes no answers.")
            ahead = party.next_session(after=now)
            if ahead is None:
                raise UserFacingError(
                    "This watch party has already started, so it takes no answers."
                )
            change = await self._repository.set_rsvp_in(
                tx, party_id, member_id, choice, now=to_unix(now)
            )
            party = replace(party, revision=change.revision)
            shown = party.session(party.announced_session or ahead.session.number)
            if change.changed and shown is not None:
                await self._queue_in(
                    tx,
                    f"party:{party_id}:rev:{change.revision}",
                    [announcement_edit(party, shown, change.counts)],
                )
        if change.changed:
            self._on_queued()
        return RsvpResult(party, choice, change.counts, change.changed)

    async def set_dm_reminders(self, guild_id: int, member_id: int, *, on: bool) -> None:
        await self._repository.set_dm_reminders(
            guild_id, member_id, on=on, now=to_unix(self._clock.now())
        )

    async def dm_reminders(self, guild_id: int, member_id: int) -> bool:
        return await self._repository.dm_reminders(guild_id, member_id)

    # -- changing ---------------------------------------------------------------------------

    async def plan_move(self, request: MoveRequest, *, now: datetime | None = None) -> PlannedMove:
        """Read a reschedule: one session (the next one unless `session` is given), or it and
        every later one by the same shift of wall-clock time in the party's zone, so a series
        keeps its weekday and hour across daylight saving. Nothing is written."""
        now = now or self._clock.now()
        party = await self.get(request.guild_id, request.party_id)
        check_can_change(party, request.host_id, can_manage_events=request.can_manage_events)
        if party.cancelled:
            raise UserFacingError(f"Watch party #{party.id} is cancelled.")
        target = self._session_to_change(party, request.session, now)
        reading = read_when(request.when, zone=request.zone, now=now)
        moving = [target]
        if request.rest_of_series:
            moving += [s for s in party.upcoming if s.session.number > target.session.number]
        if request.shown and request.shown != _shown(moving):
            raise UserFacingError(
                f"Watch party #{party.id} changed after this preview. "
                "Use `/watchparty reschedule` again to see it as it is now."
            )
        times = shifted(moving, reading.start, party.plan.zone)
        check_order(party, times)
        zone = ZoneInfo(party.plan.zone)
        moves = tuple(
            SessionMove(
                stored,
                from_unix(new.starts_at).astimezone(zone),
                None if new.ends_at is None else from_unix(new.ends_at).astimezone(zone),
            )
            for stored, new in zip(moving, times, strict=True)
        )
        return PlannedMove(party, moves, reading.zone, reading.notes)

    async def preview_move(self, request: MoveRequest) -> tuple[Draft, PlannedMove]:
        """Read a reschedule and keep it for Confirm: nobody is told anything yet."""
        now = self._clock.now()
        planned = await self.plan_move(request, now=now)
        shown = replace(
            request,
            session=planned.moves[0].session.session.number,
            shown=_shown([move.session for move in planned.moves]),
        )
        return await self._drafts.save(shown, now=to_unix(now)), planned

    async def reschedule(self, request: MoveRequest) -> Party:
        """Move sessions at once (what Confirm does after a preview)."""
        return await self._move(await self.plan_move(request))

    async def move_followed(
        self, guild_id: int, party_id: int, *, shift_seconds: int, airs_at: int
    ) -> Party:
        """The broadcaster moved a followed episode: its party moves by as much (a time its
        host set by hand stays that far from the air time), and the Going members are told as
        after a reschedule."""
        party = await self.get(guild_id, party_id)
        first = party.sessions[0]
        session, zone = first.session, ZoneInfo(party.plan.zone)
        start = from_unix(to_unix(session.start) + shift_seconds).astimezone(zone)
        now = self._clock.now()
        if party.cancelled or first.cancelled or session.start <= now or start <= now:
            # Started, or it would move into the past: the party keeps its time, and the
            # air time is recorded so the next reading compares with it.
            await self._repository.set_follow_airs_at(party.id, airs_at)
            return party
        end = (
            None
            if session.end is None
            else from_unix(to_unix(session.end) + shift_seconds).astimezone(zone)
        )
        planned = PlannedMove(party, (SessionMove(first, start, end),), party.plan.zone)
        return await self._move(planned, follow_airs_at=airs_at)

    async def _move(
        self,
        planned: PlannedMove,
        *,
        draft_id: int | None = None,
        follow_airs_at: int | None = None,
    ) -> Party:
        party, now = planned.party, self._clock.now()
        guild_id = party.plan.guild_id
        times = [
            NewTimes(
                m.session.session.number,
                to_unix(m.start),
                None if m.end is None else to_unix(m.end),
            )
            for m in planned.moves
        ]
        async with self._db.transaction() as tx:
            if draft_id is not None:
                await self._use_draft(tx, draft_id)
            # Read again where it is written: a cancel or another move committed since the
            # plan was read must not be undone.
            current = await self._repository.get_in(tx, party.id, guild_id=guild_id)
            if (
                current is None
                or current.cancelled
                or any(
                    current.session(m.session.session.number) != m.session for m in planned.moves
                )
            ):
                raise UserFacingError(
                    f"Watch party #{party.id} changed meanwhile; nothing was moved. "
                    "Look at it with `/watchparty info` and try again."
                )
            if follow_airs_at is not None:
                await self._repository.set_follow_airs_at_in(tx, party.id, follow_airs_at)
            await self._repository.move_sessions_in(tx, party.id, times, now=to_unix(now))
            moved = await self._repository.get_in(tx, party.id, guild_id=guild_id)
            assert moved is not None
            # A lead time already past at the new start would leave its old timer behind.
            for new in times:
                await self._timers.cancel_prefixed_in(tx, reminder_prefix(party.id, new.number))
            await self._timers.schedule_in(tx, await self._timers_for(moved, now))
            before = {m.session.session.number: m.session for m in planned.moves}
            after = [s for s in moved.sessions if s.session.number in before]
            going = await self._repository.counts_in(tx, party.id)
            deliveries = [
                *change_notices(
                    moved,
                    going.going_ids,
                    await self._repository.members_wanting_dms(guild_id, going.going_ids),
                    moved_from=[before[s.session.number] for s in after],
                    moved_to=after,
                ),
                *self._kept_in_step(moved, after, going),
            ]
            await self._queue_in(tx, f"party:{party.id}:rev:{moved.revision}", deliveries)
        self._on_queued()
        return moved

    async def cancel(
        self,
        guild_id: int,
        party_id: int,
        *,
        by: int,
        can_manage_events: bool,
        session: int | None = None,
    ) -> Party:
        """Cancel one session, or the whole party (every session not yet over). Going
        members are told, the reminders stop and the event mirror is removed."""
        party = await self.get(guild_id, party_id)
        check_can_change(party, by, can_manage_events=can_manage_events)
        if party.cancelled:
            raise UserFacingError(f"Watch party #{party.id} is already cancelled.")
        now = self._clock.now()
        if session is None:
            cancelling = [s for s in party.upcoming if s.session.assumed_end > now]
            if not cancelling:
                raise UserFacingError("Every session of this party is over: nothing to cancel.")
        else:
            cancelling = [self._session_to_change(party, session, now)]
        return await self._cancel(party, cancelling, whole_party=session is None)

    async def cancel_followed(self, guild_id: int, party_id: int) -> Party:
        """Cancel a followed episode's party whose episode left the broadcaster's schedule."""
        party = await self.get(guild_id, party_id)
        now = self._clock.now()
        remaining = [s for s in party.upcoming if s.session.assumed_end > now]
        if party.cancelled or not remaining:
            return party
        return await self._cancel(party, remaining, whole_party=True)

    async def _cancel(
        self, party: Party, cancelling: Sequence[StoredSession], *, whole_party: bool
    ) -> Party:
        guild_id = party.plan.guild_id
        now = self._clock.now()
        numbers = [s.session.number for s in cancelling]
        async with self._db.transaction() as tx:
            await self._repository.cancel_sessions_in(
                tx, party.id, numbers, now=to_unix(now), whole_party=whole_party
            )
            after = await self._repository.get_in(tx, party.id, guild_id=guild_id)
            assert after is not None
            for number in numbers:
                await self._timers.cancel_prefixed_in(tx, reminder_prefix(party.id, number))
            await self._timers.cancel_in(tx, [advance_key(party.id, n) for n in numbers])
            going = await self._repository.counts_in(tx, party.id)
            cancelled = [s for s in after.sessions if s.session.number in numbers]
            deliveries: list[Delivery] = [
                *change_notices(
                    after,
                    going.going_ids,
                    await self._repository.members_wanting_dms(guild_id, going.going_ids),
                    cancelled=cancelled,
                ),
                *(RemoveEvent(guild_id, event_key(party.id, n)) for n in numbers),
            ]
            shown = after.session(after.announced_session or numbers[0])
            if shown is not None:
                deliveries.append(announcement_edit(after, shown, going))
            await self._queue_in(tx, f"party:{party.id}:rev:{after.revision}", deliveries)
            following = after.next_session(after=now)
            if not after.cancelled and shown is not None and shown.cancelled and following:
                # The current announcement lost its buttons: the next session takes over now.
                await self._announce_in(tx, after, following)
        self._on_queued()
        return after

    def _session_to_change(self, party: Party, number: int | None, now: datetime) -> StoredSession:
        if number is None:
            found = party.next_session(after=now)
            if found is None:
                raise UserFacingError("This party has no session still ahead to change.")
            return found
        stored = party.session(number)
        if stored is None:
            raise UserFacingError(
                f"Watch party #{party.id} has sessions 1 to {len(party.sessions)}; "
                f"there is no session {number}."
            )
        if stored.cancelled:
            raise UserFacingError(f"Session {number} is already cancelled.")
        if stored.session.start <= now:
            raise UserFacingError(f"Session {number} has already started, so it can't change.")
        return stored

    def _kept_in_step(
        self, party: Party, moved: Sequence[StoredSession], counts: RsvpCounts
    ) -> list[Delivery]:
        """The announcement and the event mirror of the current session, if it moved."""
        current = party.announced_session
        shown = next((s for s in moved if s.session.number == current), None)
        if shown is None:
            return []
        return [
            announcement_edit(party, shown, counts),
            MirrorEvent(
                party.plan.guild_id,
                event_key(party.id, shown.session.number),
                session_event(party, shown),
                version=party.revision,
            ),
        ]

    async def _queue_in(self, tx: Transaction, name: str, deliveries: Sequence[Delivery]) -> None:
        await self._outbox.enqueue_in(
            tx,
            [QueuedDelivery(f"{name}:{n}", d) for n, d in enumerate(deliveries)],
            now=to_unix(self._clock.now()),
        )

    # -- calendars --------------------------------------------------------------------------

    async def party_calendar(self, guild_id: int, party_id: int) -> CalendarFile:
        party = await self.get(guild_id, party_id)
        return self._calendar([party], name=party.plan.title_name)

    async def member_calendar(self, guild_id: int, member_id: int) -> CalendarFile | None:
        """Every party of this server the member is Going to (a month back and ahead)."""
        parties = await self._repository.going_to(
            guild_id, member_id, now=to_unix(self._clock.now())
        )
        if not parties:
            return None
        return self._calendar(parties, name="Watch parties")

    def _calendar(self, parties: Sequence[Party], *, name: str) -> CalendarFile:
        entries = [calendar_entry(p, s) for p in parties for s in p.sessions]
        data = calendar_file(entries, name=name, stamp=self._clock.now())
        return CalendarFile(calendar_filename(name), data, len(entries))


def _shown(sessions: Sequence[StoredSession]) -> tuple[tuple[int, int], ...]:
    return tuple((s.session.number, s.sequence) for s in sessions)
