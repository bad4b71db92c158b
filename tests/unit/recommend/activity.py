"""Polls and watch parties written by their own repositories, for the recommendation tests.
Times are around `NOW`, the fake clock's start."""

from __future__ import annotations

from datetime import timedelta

from bot.parties.models import PartyPlan, Rsvp, Session
from bot.parties.repository import PartyRepository
from bot.polls.anonymity import VoterKey
from bot.polls.models import Ballot, OptionSpec, PollKind, PollSpec, TitleCard
from bot.polls.repository import PollRepository
from bot.storage.database import Database
from tests.support.clock import DEFAULT_START

NOW = DEFAULT_START
NOW_UNIX = int(NOW.timestamp())
GUILD = 111


async def party(
    db: Database,
    title_id: str | None,
    *starts: timedelta,
    guild_id: int = GUILD,
    going: tuple[int, ...] = (),
    maybe: tuple[int, ...] = (),
) -> int:
    """A party with a session at NOW + each offset, and RSVPs."""
    repository = PartyRepository(db)
    sessions = tuple(
        Session(number=n, start=NOW + offset) for n, offset in enumerate(starts, start=1)
    )
    created = await repository.create(
        PartyPlan(
            guild_id=guild_id,
            channel_id=5,
            host_id=9,
            title_name=title_id or "Movie night",
            zone="UTC",
            sessions=sessions,
            title_id=title_id,
        ),
        now=NOW_UNIX - 86400,
    )
    for member in going:
        await repository.set_rsvp(created.id, member, Rsvp.GOING, now=NOW_UNIX - 3600)
    for member in maybe:
        await repository.set_rsvp(created.id, member, Rsvp.MAYBE, now=NOW_UNIX - 3600)
    return created.id


async def cancel(db: Database, party_id: int, *numbers: int, at: int, whole: bool) -> None:
    async with db.transaction() as tx:
        await PartyRepository(db).cancel_sessions_in(
            tx, party_id, numbers, now=at, whole_party=whole
        )


def option(title_id: str | None) -> OptionSpec:
    if title_id is None:
        return OptionSpec("Something else")
    card = TitleCard(title_id=title_id, name=title_id, medium="anime", slow_burn=0.5, fantasy=0.5)
    return OptionSpec(title_id, card)


async def poll(
    db: Database,
    *titles: str | None,
    kind: PollKind = PollKind.SINGLE,
    anonymous: bool = False,
    guild_id: int = GUILD,
    ballots: dict[int, Ballot] | None = None,
    winners: tuple[int, ...] | None = None,
) -> int:
    """A poll with an option per title, the members' ballots, and (if `winners`) closed."""
    repository = PollRepository(db)
    key = VoterKey(b"k" * 32)
    spec = PollSpec(
        guild_id=guild_id,
        channel_id=5,
        creator_id=9,
        question="What next?",
        kind=kind,
        options=tuple(option(t) for t in titles),
        closes_at=NOW_UNIX + 3600,
        anonymous=anonymous,
        max_choices=len(titles) if kind is PollKind.MULTI else 1,
    )
    async with db.transaction() as tx:
        poll_id = await repository.create_in(tx, spec, now=NOW_UNIX - 3600)
        named = {
            (poll_id, key.voter(poll_id, member) if anonymous else str(member)): ballot
            for member, ballot in (ballots or {}).items()
        }
        await repository.write_ballots_in(tx, dict(named), stamps={})
        if winners is not None:
            await repository.close_in(tx, poll_id, at=NOW_UNIX - 60, by=None)
            await repository.record_count_in(
                tx, poll_id, [0] * len(titles), len(named), list(winners)
            )
    return poll_id
