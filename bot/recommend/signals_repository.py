"""What the server did together, read for `/recommend`: the polls a title won and the watch
parties held of it, and what one member showed by going to a party or voting in a poll.

All of it is read on the reader connection (no write lock): it is a hint for a ranking, and a
snapshot a moment old is as good as a fresh one.

A party counts as held once one of its sessions has started and was not cancelled. A series
called off after some sessions took place was still held: calling off a whole party cancels
only the sessions not yet over, so the ones that took place stay uncancelled, and a session
counts when it started before the party was called off.

Votes are read only from polls that name their voters (`anonymous = 0`), where `voter` is the
member id in decimal (`bot.polls.ballot_box`). An anonymous poll's votes are never read here:
their voter is a keyed hash that must not be tied to anyone. A poll's win names no member, so
anonymous polls count toward the server's poll wins.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Final

from bot.storage.database import Database

__all__ = ["MemberActivity", "ServerActivity", "SignalsRepository"]


def _no_counts() -> Mapping[str, int]:
    return MappingProxyType({})


@dataclass(frozen=True)
class ServerActivity:
    """Per title id, how many of this server's polls it won and how many parties of it were
    held. A tie is a win for each tied title: the server wanted each of them as much."""

    poll_wins: Mapping[str, int] = field(default_factory=_no_counts)
    parties: Mapping[str, int] = field(default_factory=_no_counts)


@dataclass(frozen=True)
class MemberActivity:
    """What one member showed in this server without rating anything: the titles of held
    parties they said they were going to, and the titles they voted for in polls that name
    their voters. On a ranked ballot only the first choice counts: ranking a title second of
    five may mean no more than "less bad than the rest"."""

    attended: frozenset[str] = frozenset()
    voted_for: frozenset[str] = frozenset()


# A session that took place: started by `now`, never cancelled, and not after its party was
# called off. `p` is the party; `:now` is bound by the caller.
_HELD: Final = """
    EXISTS (
        SELECT 1 FROM party_sessions s
        WHERE s.party_id = p.id AND s.cancelled_at IS NULL AND s.starts_at <= :now
          AND (p.cancelled_at IS NULL OR s.starts_at < p.cancelled_at)
    )
"""


class SignalsRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def server_activity(self, guild_id: int, *, now: int) -> ServerActivity:
        """The server's poll wins and held parties, per title (titles without an id are
        free text and not counted)."""
        wins = await self._db.fetchall(
            """
            SELECT o.title_id, count(DISTINCT p.id) AS wins
            FROM polls p
            JOIN json_each(p.winners) w
            JOIN poll_options o ON o.poll_id = p.id AND o.position = w.value
            WHERE p.guild_id = :guild AND p.closed_at IS NOT NULL AND p.winners IS NOT NULL
              AND o.title_id IS NOT NULL
            GROUP BY o.title_id
            """,
            {"guild": guild_id},
        )
        parties = await self._db.fetchall(
            f"""
            SELECT p.title_id, count(*) AS held FROM watch_parties p
            WHERE p.guild_id = :guild AND p.title_id IS NOT NULL AND {_HELD}
            GROUP BY p.title_id
            """,  # noqa: S608 - only the constant `_HELD` is formatted in; values are bound
            {"guild": guild_id, "now": now},
        )
        return ServerActivity(
            poll_wins=MappingProxyType({row["title_id"]: int(row["wins"]) for row in wins}),
            parties=MappingProxyType({row["title_id"]: int(row["held"]) for row in parties}),
        )

    async def member_activity(self, guild_id: int, member_id: int, *, now: int) -> MemberActivity:
        """The member's held parties (RSVP'd going) and named votes in this server."""
        attended = await self._db.fetchall(
            f"""
            SELECT DISTINCT p.title_id FROM party_rsvps r
            JOIN watch_parties p ON p.id = r.party_id
            WHERE r.member_id = :member AND r.choice = 'going' AND p.guild_id = :guild
              AND p.title_id IS NOT NULL AND {_HELD}
            """,  # noqa: S608 - only the constant `_HELD` is formatted in; values are bound
            {"guild": guild_id, "member": member_id, "now": now},
        )
        voted = await self._db.fetchall(
            """
            SELECT DISTINCT o.title_id FROM polls p
            JOIN poll_votes v ON v.poll_id = p.id AND v.voter = :voter
            JOIN json_each(v.ballot) b
            JOIN poll_options o ON o.poll_id = p.id AND o.position = b.value
            WHERE p.guild_id = :guild AND p.anonymous = 0 AND o.title_id IS NOT NULL
              AND (p.kind != 'ranked' OR b.key = 0)
            """,
            {"guild": guild_id, "voter": str(member_id)},
        )
        return MemberActivity(
            attended=frozenset(row["title_id"] for row in attended),
            voted_for=frozenset(row["title_id"] for row in voted),
        )
