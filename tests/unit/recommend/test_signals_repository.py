"""The polls and watch parties `/recommend` reads, on a real migrated SQLite file, written by
the parties' and polls' own repositories: what counts as a poll win, a held party, a party a
member went to and a vote a member cast, and what never does."""

from __future__ import annotations

from datetime import timedelta

from bot.polls.models import PollKind
from bot.polls.repository import PollRepository
from bot.recommend.signals_repository import MemberActivity, ServerActivity, SignalsRepository
from bot.storage.database import Database
from tests.unit.recommend.activity import GUILD, NOW_UNIX, cancel, party, poll

OTHER_GUILD = 222
ANA, BO = 1001, 1002
GOBLIN, FRIEREN, CLOY = "tvmaze:goblin", "anilist:frieren", "tvmaze:crash-landing"


# -- parties ----------------------------------------------------------------------------------


async def test_a_held_party_counts_once_however_many_sessions_took_place(db: Database):
    await party(db, GOBLIN, -timedelta(days=7), -timedelta(days=1), going=(ANA,))
    await party(db, GOBLIN, -timedelta(hours=1))
    activity = await SignalsRepository(db).server_activity(GUILD, now=NOW_UNIX)
    assert dict(activity.parties) == {GOBLIN: 2}
    member = await SignalsRepository(db).member_activity(GUILD, ANA, now=NOW_UNIX)
    assert member.attended == {GOBLIN}


async def test_parties_not_held_count_for_nobody(db: Database):
    await party(db, GOBLIN, timedelta(hours=2), going=(ANA,))  # not started yet
    cancelled = await party(db, FRIEREN, -timedelta(days=1), going=(ANA,))
    await cancel(db, cancelled, 1, at=NOW_UNIX - 2 * 86400, whole=True)  # called off before
    await party(db, CLOY, -timedelta(days=1), maybe=(ANA,))  # held, but Ana said maybe
    await party(db, None, -timedelta(days=1), going=(ANA,))  # free text: no title to count
    repository = SignalsRepository(db)
    assert dict((await repository.server_activity(GUILD, now=NOW_UNIX)).parties) == {CLOY: 1}
    assert (await repository.member_activity(GUILD, ANA, now=NOW_UNIX)).attended == frozenset()


async def test_a_cancelled_session_does_not_hold_its_party(db: Database):
    series = await party(db, GOBLIN, -timedelta(days=1), timedelta(days=6), going=(ANA,))
    await cancel(db, series, 1, at=NOW_UNIX - 2 * 86400, whole=False)
    repository = SignalsRepository(db)
    assert not (await repository.server_activity(GUILD, now=NOW_UNIX)).parties
    assert not (await repository.member_activity(GUILD, ANA, now=NOW_UNIX)).attended


async def test_a_series_called_off_after_a_session_took_place_was_held(db: Database):
    series = await party(db, GOBLIN, -timedelta(days=7), timedelta(days=1), going=(ANA,))
    await cancel(db, series, 2, at=NOW_UNIX - 3600, whole=True)  # the later session only
    repository = SignalsRepository(db)
    assert dict((await repository.server_activity(GUILD, now=NOW_UNIX)).parties) == {GOBLIN: 1}
    assert (await repository.member_activity(GUILD, ANA, now=NOW_UNIX)).attended == {GOBLIN}


async def test_another_servers_parties_never_count_here(db: Database):
    await party(db, GOBLIN, -timedelta(days=1), guild_id=OTHER_GUILD, going=(ANA,))
    repository = SignalsRepository(db)
    assert await repository.server_activity(GUILD, now=NOW_UNIX) == ServerActivity()
    assert await repository.member_activity(GUILD, ANA, now=NOW_UNIX) == MemberActivity()
    there = await repository.member_activity(OTHER_GUILD, ANA, now=NOW_UNIX)
    assert there.attended == {GOBLIN}


# -- polls ------------------------------------------------------------------------------------


async def test_a_closed_polls_winners_count_a_tie_for_each(db: Database):
    await poll(db, GOBLIN, FRIEREN, CLOY, winners=(0,))
    await poll(db, GOBLIN, FRIEREN, winners=(0, 1))  # a tie
    await poll(db, GOBLIN, CLOY, anonymous=True, winners=(1,))  # names no member: counts
    await poll(db, FRIEREN, None, winners=(1,))  # free text won: nothing to count
    await poll(db, FRIEREN, CLOY)  # still open
    activity = await SignalsRepository(db).server_activity(GUILD, now=NOW_UNIX)
    assert dict(activity.poll_wins) == {GOBLIN: 2, FRIEREN: 1, CLOY: 1}


async def test_another_servers_poll_wins_never_count_here(db: Database):
    await poll(db, GOBLIN, FRIEREN, guild_id=OTHER_GUILD, winners=(0,))
    assert not (await SignalsRepository(db).server_activity(GUILD, now=NOW_UNIX)).poll_wins


async def test_named_votes_count_for_the_voter_only(db: Database):
    await poll(db, GOBLIN, FRIEREN, None, ballots={ANA: (0,), BO: (1,)})
    await poll(db, CLOY, None, ballots={ANA: (1,)})  # free text: no title
    repository = SignalsRepository(db)
    assert (await repository.member_activity(GUILD, ANA, now=NOW_UNIX)).voted_for == {GOBLIN}
    assert (await repository.member_activity(GUILD, BO, now=NOW_UNIX)).voted_for == {FRIEREN}


async def test_votes_in_an_anonymous_poll_are_never_read(db: Database):
    await poll(db, GOBLIN, FRIEREN, anonymous=True, ballots={ANA: (0,)}, winners=(0,))
    # Even a row whose voter reads like Ana's id is not hers to read in an anonymous poll.
    hidden = await poll(db, CLOY, FRIEREN, anonymous=True)
    async with db.transaction() as tx:
        await PollRepository(db).write_ballots_in(tx, {(hidden, str(ANA)): (0,)}, stamps={})
    activity = await SignalsRepository(db).member_activity(GUILD, ANA, now=NOW_UNIX)
    assert activity == MemberActivity()


async def test_a_multi_ballot_counts_every_choice_a_ranked_one_its_first(db: Database):
    await poll(db, GOBLIN, FRIEREN, CLOY, kind=PollKind.MULTI, ballots={ANA: (0, 2)})
    await poll(db, FRIEREN, CLOY, GOBLIN, kind=PollKind.RANKED, ballots={BO: (2, 0, 1)})
    repository = SignalsRepository(db)
    assert (await repository.member_activity(GUILD, ANA, now=NOW_UNIX)).voted_for == {GOBLIN, CLOY}
    assert (await repository.member_activity(GUILD, BO, now=NOW_UNIX)).voted_for == {GOBLIN}


async def test_another_servers_votes_never_count_here(db: Database):
    await poll(db, GOBLIN, FRIEREN, guild_id=OTHER_GUILD, ballots={ANA: (0,)})
    activity = await SignalsRepository(db).member_activity(GUILD, ANA, now=NOW_UNIX)
    assert activity == MemberActivity()
