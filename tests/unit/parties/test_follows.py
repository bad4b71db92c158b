"""Following the airing end to end on a fake clock: parties for the coming week's episodes,
the daily re-read that moves a party when the broadcaster moves its episode, and the stop when
the show ends. The air times come from a stand-in with the provider's answer."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest

from bot.clock import from_unix
from bot.errors import UserFacingError
from bot.metadata.models import Airing, AirSchedule
from bot.outbox.repository import OutboxRepository
from bot.parties.follow_repository import FollowRepository
from bot.parties.follows import FollowService
from bot.parties.models import MoveRequest, NewFollow, Rsvp
from bot.timers.models import FiredTimer
from tests.support.clock import FakeClock
from tests.unit.parties.conftest import World
from tests.unit.parties.test_lifecycle import CHANNEL, GUILD, HOST, JUN

NOW = datetime(2026, 12, 4, 1, 0, tzinfo=UTC)
HOUR = 3600
DAY = 24 * HOUR
FIRST_AIRING = int(datetime(2026, 12, 5, 14, 0, tzinfo=UTC).timestamp())  # Sat 23:00 KST


@dataclass
class Broadcaster:
    """What AniList answers about a weekly anime: episode 5 next, one a week."""

    first: int = FIRST_AIRING
    episodes: dict[int, int] = field(default_factory=dict)
    finished: bool = False
    down: bool = False

    def __post_init__(self) -> None:
        self.episodes = {5 + n: self.first + n * 7 * DAY for n in range(8)}

    async def air_schedule(self, title_id: str) -> AirSchedule:
        if self.down:
            raise UserFacingError("AniList is not answering right now.")
        airings = tuple(Airing(e, t) for e, t in sorted(self.episodes.items()))
        return AirSchedule(title_id, "Frieren", airings, self.finished, 12)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(NOW)


@pytest.fixture
def broadcaster() -> Broadcaster:
    return Broadcaster()


@pytest.fixture
def follows(world: World, db, broadcaster: Broadcaster) -> FollowService:
    service = FollowService(
        db,
        FollowRepository(db),
        world.parties,
        broadcaster,
        world.timers,
        OutboxRepository(db),
        world.clock,
    )
    service.register_timers(world.timers)
    return service


def new_follow(offset_minutes: int = 60) -> NewFollow:
    return NewFollow(
        guild_id=GUILD,
        channel_id=CHANNEL,
        host_id=HOST,
        title_id="anilist:154587",
        zone="Asia/Seoul",
        offset_minutes=offset_minutes,
    )


async def test_following_announces_the_coming_weeks_episode_an_hour_after_it_airs(world, follows):
    started = await follows.follow(new_follow())
    [party] = started.created
    session = party.sessions[0].session
    assert session.episodes is not None
    assert session.episodes.first == 5
    assert int(session.start.timestamp()) == FIRST_AIRING + HOUR
    await world.outbox.drain()
    [announcement] = [p for p in world.discord.posts if p.message.embeds]
    [embed] = announcement.message.embeds
    assert "Episode" in {f["name"] for f in embed["fields"]}


async def test_the_daily_read_adds_next_weeks_episode_and_moves_a_delayed_one(
    world, follows, broadcaster
):
    started = await follows.follow(new_follow())
    [first] = started.created
    await world.parties.rsvp(GUILD, first.id, JUN, Rsvp.GOING)
    broadcaster.episodes[5] += 2 * HOUR  # a sports broadcast pushes episode 5 back two hours
    world.set_time(NOW + timedelta(days=1, minutes=1))
    await world.deliver()
    moved = await world.parties.get(GUILD, first.id)
    assert int(moved.sessions[0].session.start.timestamp()) == FIRST_AIRING + 3 * HOUR
    [notice] = [p for p in world.discord.posts if "moved to" in p.message.content]
    assert notice.message.mention_user_ids == (JUN,)
    # Six days on, episode 6 comes within the week and gets its party; episode 5's is not
    # created twice.
    for day in range(2, 8):
        world.set_time(NOW + timedelta(days=day, minutes=day))
        await world.deliver()
    followed = await FollowRepository(world.db).followed(started.follow)
    assert [(f.episode, f.starts_at) for f in followed] == [
        (5, FIRST_AIRING + 3 * HOUR),
        (6, FIRST_AIRING + 7 * DAY + HOUR),
    ]


async def test_following_stops_when_the_show_ends(world, follows, broadcaster):
    await follows.follow(new_follow())
    broadcaster.episodes = {}
    broadcaster.finished = True
    world.set_time(NOW + timedelta(days=1, minutes=1))
    await world.deliver()
    [ended] = [p for p in world.discord.posts if "finished airing" in p.message.content]
    assert ended.where == f"channel {CHANNEL}"
    assert await follows.active(GUILD) == []


async def test_a_provider_that_does_not_answer_is_asked_again_tomorrow(world, follows, broadcaster):
    started = await follows.follow(new_follow())
    broadcaster.down = True
    world.set_time(NOW + timedelta(days=1, minutes=1))
    await world.deliver()
    assert len(await follows.active(GUILD)) == 1
    broadcaster.down = False
    world.set_time(NOW + timedelta(days=2, minutes=2))
    await world.deliver()
    followed = await FollowRepository(world.db).followed(started.follow)
    assert [f.episode for f in followed] == [5, 6]


async def test_a_finished_show_or_one_already_followed_is_refused(world, follows, broadcaster):
    await follows.follow(new_follow())
    with pytest.raises(UserFacingError, match="already follows"):
        await follows.follow(new_follow())
    broadcaster.finished = True
    follows_of_other = new_follow()
    with pytest.raises(UserFacingError, match="finished airing"):
        await follows.follow(follows_of_other)


async def test_only_the_host_or_an_event_manager_may_stop_following(world, follows):
    started = await follows.follow(new_follow())
    with pytest.raises(UserFacingError, match="Only the host"):
        await follows.stop(GUILD, started.follow.id, by=JUN, can_manage_events=False)
    with pytest.raises(UserFacingError, match="no follow"):
        await follows.stop(GUILD + 1, started.follow.id, by=HOST, can_manage_events=True)
    await follows.stop(GUILD, started.follow.id, by=HOST, can_manage_events=False)
    assert await follows.active(GUILD) == []


async def test_a_host_who_moved_an_episodes_party_keeps_that_move_at_the_next_read(
    world, follows, broadcaster
):
    started = await follows.follow(new_follow())
    [party] = started.created
    await world.parties.reschedule(  # an hour after the hour after air time
        MoveRequest(GUILD, party.id, HOST, when="2026-12-06 01:00", zone="Asia/Seoul")
    )
    world.set_time(NOW + timedelta(days=1, minutes=1))
    await world.deliver()
    kept = await world.parties.get(GUILD, party.id)
    assert int(kept.sessions[0].session.start.timestamp()) == FIRST_AIRING + 2 * HOUR
    # The broadcaster then delays the episode by an hour: the party moves by that hour.
    broadcaster.episodes[5] += HOUR
    await follows.check(check_of(started.follow.id, world))
    moved = await world.parties.get(GUILD, party.id)
    assert int(moved.sessions[0].session.start.timestamp()) == FIRST_AIRING + 3 * HOUR


def check_of(follow_id: int, world: World) -> FiredTimer:
    """The daily check, run again by hand (as after a crash, or a second reading)."""
    key = f"follow:{follow_id}:check"
    payload = {"follow_id": follow_id}
    return FiredTimer(99, key, "party.follow", world.clock.now(), payload, 1, timedelta(0))


async def test_the_show_ending_is_said_once_even_if_the_check_runs_again(
    world, follows, broadcaster
):
    started = await follows.follow(new_follow())
    broadcaster.episodes = {}
    broadcaster.finished = True
    world.set_time(NOW + timedelta(days=1, minutes=1))
    await world.deliver()
    await follows.check(check_of(started.follow.id, world))
    await world.outbox.drain()
    assert len([p for p in world.discord.posts if "finished airing" in p.message.content]) == 1


async def test_an_unfollow_while_the_check_reads_the_schedule_creates_nothing(
    world, follows, broadcaster
):
    started = await follows.follow(new_follow())
    reading, release = asyncio.Event(), asyncio.Event()
    answer = broadcaster.air_schedule

    async def slow(title_id: str) -> AirSchedule:
        reading.set()
        await release.wait()
        return await answer(title_id)

    broadcaster.air_schedule = slow  # type: ignore[method-assign]
    world.set_time(NOW + timedelta(days=6, minutes=1))  # episode 6 comes within the week
    check = asyncio.create_task(follows.check(check_of(started.follow.id, world)))
    await reading.wait()
    await follows.stop(GUILD, started.follow.id, by=HOST, can_manage_events=False)
    release.set()
    await check
    followed = await FollowRepository(world.db).followed(started.follow)
    assert [f.episode for f in followed] == [5]


async def test_a_started_party_is_not_moved_when_the_broadcaster_moves_its_episode(
    world, follows, broadcaster
):
    started = await follows.follow(new_follow())
    [party] = started.created
    world.set_time(from_unix(FIRST_AIRING + HOUR + 60))  # the party has started
    broadcaster.episodes[5] += 2 * HOUR
    await follows.check(check_of(started.follow.id, world))
    unchanged = await world.parties.get(GUILD, party.id)
    assert unchanged.sessions == party.sessions
    await world.outbox.drain()
    assert not [p for p in world.discord.posts if "moved to" in p.message.content]


async def test_two_members_following_a_show_at_once_make_one_follow(world, follows):
    results = await asyncio.gather(
        follows.follow(new_follow()), follows.follow(new_follow()), return_exceptions=True
    )
    refused = [r for r in results if isinstance(r, UserFacingError)]
    assert len(refused) == 1
    assert "already follows" in str(refused[0])
    assert len(await follows.active(GUILD)) == 1


async def test_following_again_with_another_offset_does_not_double_an_episode(world, follows):
    first = await follows.follow(new_follow(offset_minutes=60))
    await follows.stop(GUILD, first.follow.id, by=HOST, can_manage_events=False)
    again = await follows.follow(new_follow(offset_minutes=30))
    assert again.created == ()
    assert len(await world.parties.upcoming(GUILD)) == 1
