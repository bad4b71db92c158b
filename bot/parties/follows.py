"""`/watchparty follow`: a watch party for each new episode of a show, at its real air time.

A follow is a row of its own; each episode's party is an ordinary party (announcement, RSVPs,
reminders, event) that names the follow and its episode, at most one per episode. A daily
timer (`party.follow`) reads the broadcaster's schedule again and applies `plan_follow`:
parties for episodes now within a week are created, a moved episode moves its party (the
Going members are told), an episode taken off the schedule cancels its party, and following
stops when the show has ended.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Final, Protocol
from zoneinfo import ZoneInfo

from bot.clock import Clock, from_unix, to_unix
from bot.errors import UserFacingError
from bot.message_text import in_message
from bot.metadata.models import AirSchedule
from bot.outbox.message import OutgoingMessage, ToChannel
from bot.outbox.queueing import QueuedDelivery
from bot.outbox.repository import OutboxRepository
from bot.parties.follow import FollowChanges, FollowedEpisode, plan_follow
from bot.parties.follow_repository import FollowRepository
from bot.parties.models import (
    EpisodeRange,
    Follow,
    FollowLink,
    NewFollow,
    Party,
    PartyPlan,
    Session,
)
from bot.parties.rules import may_change
from bot.parties.service import PartyService
from bot.storage.database import Database
from bot.timers.models import FiredTimer, NewTimer, PermanentTimerError, TimerOutcome
from bot.timers.service import TimerService

log = logging.getLogger(__name__)

KIND: Final = "party.follow"
CHECK_EVERY: Final = timedelta(days=1)
FIRST_CHECK_AFTER: Final = 15 * 60  # seconds: soon, in case the first reading was cut short


class AirTimes(Protocol):
    async def air_schedule(self, title_id: str) -> AirSchedule: ...


@dataclass(frozen=True)
class FollowStarted:
    follow: Follow
    created: tuple[Party, ...]
    next_airing: int | None  # Unix seconds of the next episode's party, when one is known


def check_key(follow_id: int) -> str:
    return f"follow:{follow_id}:check"


class FollowService:
    def __init__(
        self,
        db: Database,
        repository: FollowRepository,
        parties: PartyService,
        air_times: AirTimes,
        timers: TimerService,
        outbox: OutboxRepository,
        clock: Clock,
        *,
        on_queued: Callable[[], None] = lambda: None,
    ) -> None:
        self._db = db
        self._outbox = outbox
        self._on_queued = on_queued
        self._repository = repository
        self._parties = parties
        self._air_times = air_times
        self._timers = timers
        self._clock = clock

    def register_timers(self, timers: TimerService) -> None:
        timers.register(KIND, self.check)

    async def follow(self, new: NewFollow) -> FollowStarted:
        """Start following: read the schedule now, create the parties of the coming week,
        and read it again every day."""
        schedule = await self._air_times.air_schedule(new.title_id)
        now = to_unix(self._clock.now())
        if schedule.finished:
            raise UserFacingError(
                f"**{schedule.title_name}** has finished airing, so there is nothing to follow. "
                "Plan a series with `/watchparty schedule` instead."
            )
        for existing in await self._repository.active(new.guild_id):
            if existing.title_id == schedule.title_id:
                raise UserFacingError(
                    f"This server already follows **{existing.title_name}** "
                    f"(follow #{existing.id})."
                )
        coming = [a for a in schedule.airings if a.airs_at + new.offset_minutes * 60 > now]
        since = min((a.episode for a in coming), default=None)
        if since is None:
            # Nothing announced yet: follow from the episode after the last one listed.
            aired = [a.episode for a in schedule.airings]
            since = max(aired) + 1 if aired else None
        # The row and its first check commit together: a crash before the parties below are
        # created leaves a check that creates them a few minutes later.
        try:
            follow_id = await self._create(new, schedule, since, now)
        except sqlite3.IntegrityError as error:  # someone followed it at the same moment
            raise UserFacingError(
                f"This server already follows **{in_message(schedule.title_name)}**."
            ) from error
        follow = await self._repository.get(follow_id)
        assert follow is not None
        changes = self._changes(follow, schedule, await self._repository.followed(follow))
        created = await self._apply_changes(follow, changes)
        await self._repository.mark(follow_id, checked_at=now, ended=False)
        starts = [a.airs_at + follow.offset_minutes * 60 for a in coming]
        return FollowStarted(follow, created, min(starts, default=None))

    async def _create(
        self, new: NewFollow, schedule: AirSchedule, since: int | None, now: int
    ) -> int:
        async with self._db.transaction() as tx:
            follow_id = await self._repository.create_in(tx, new, schedule, since, now=now)
            first_check = NewTimer(
                check_key(follow_id), KIND, now + FIRST_CHECK_AFTER, {"follow_id": follow_id}
            )
            await self._timers.schedule_in(tx, [first_check])
        return follow_id

    async def stop(
        self, guild_id: int, follow_id: int, *, by: int, can_manage_events: bool
    ) -> Follow:
        follow = await self._repository.get(follow_id, guild_id=guild_id)
        if follow is None:
            raise UserFacingError(f"There is no follow #{follow_id} in this server.")
        may_change(follow.host_id, f"follow #{follow.id}", by, can_manage_events=can_manage_events)
        await self._repository.stop(follow.id, now=to_unix(self._clock.now()))
        await self._timers.cancel(check_key(follow.id))
        return follow

    async def active(self, guild_id: int) -> list[Follow]:
        return await self._repository.active(guild_id)

    async def check(self, fired: FiredTimer) -> TimerOutcome:
        """The daily re-read. A provider that does not answer is asked again tomorrow."""
        try:
            follow_id = int(fired.payload["follow_id"])
        except (KeyError, TypeError, ValueError) as error:
            raise PermanentTimerError(f"unreadable follow check: {error}") from error
        follow = await self._repository.get(follow_id)
        if follow is None or not follow.active:
            return TimerOutcome()
        tomorrow = self._clock.now() + CHECK_EVERY
        try:
            schedule = await self._air_times.air_schedule(follow.title_id)
        except UserFacingError as error:
            log.warning("Follow #%s: could not read %s: %s", follow.id, follow.title_id, error)
            return TimerOutcome(repeat_at=tomorrow)
        changes = self._changes(follow, schedule, await self._repository.followed(follow))
        await self._apply_changes(follow, changes)
        now = to_unix(self._clock.now())
        if not changes.ended:
            await self._repository.mark(follow.id, checked_at=now, ended=False)
            return TimerOutcome(repeat_at=tomorrow)
        ended = OutgoingMessage(
            ToChannel(follow.channel_id),
            f"\U0001f3c1 **{in_message(follow.title_name)}** has finished airing, so follow "
            f"#{follow.id} has stopped. Thanks for watching together!",
        )
        # Marked ended with its message queued in one transaction: a rerun after a crash
        # finds the follow ended and the message on its way.
        async with self._db.transaction() as tx:
            await self._repository.mark_in(tx, follow.id, checked_at=now, ended=True)
            await self._outbox.enqueue_in(
                tx, [QueuedDelivery(f"follow:{follow.id}:ended", ended)], now=now
            )
        self._on_queued()
        return TimerOutcome()

    def _changes(
        self, follow: Follow, schedule: AirSchedule, followed: Sequence[FollowedEpisode]
    ) -> FollowChanges:
        return plan_follow(
            schedule,
            followed,
            offset_minutes=follow.offset_minutes,
            now=to_unix(self._clock.now()),
            since_episode=follow.since_episode,
        )

    async def _apply_changes(self, follow: Follow, changes: FollowChanges) -> tuple[Party, ...]:
        created = [
            await self._parties.create_followed(
                _episode_plan(follow, episode.episode, episode.starts_at),
                follow=FollowLink(follow.id, episode.episode, episode.starts_at),
            )
            for episode in changes.create
        ]
        for moved in changes.move:
            await self._parties.move_followed(
                follow.guild_id,
                moved.party_id,
                shift_seconds=moved.starts_at - moved.was,
                airs_at=moved.starts_at,
            )
        for party_id in changes.cancel:
            await self._parties.cancel_followed(follow.guild_id, party_id)
        return tuple(party for party in created if party is not None)


def _episode_plan(follow: Follow, episode: int, starts_at: int) -> PartyPlan:
    start = from_unix(starts_at).astimezone(ZoneInfo(follow.zone))
    return PartyPlan(
        guild_id=follow.guild_id,
        channel_id=follow.channel_id,
        host_id=follow.host_id,
        title_name=follow.title_name,
        zone=follow.zone,
        sessions=(Session(1, start, None, EpisodeRange(episode, episode)),),
        title_id=follow.title_id,
        place_kind=follow.place_kind,
        place=follow.place,
        note=None,
        cover_url=follow.cover_url,
        compass_line=follow.compass_line,
    )
