"""The `watch_parties`, `party_sessions` and `party_rsvps` tables."""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.parties.models import (
    EpisodeRange,
    Party,
    PartyPlan,
    PlaceKind,
    RepeatRule,
    Rsvp,
    RsvpCounts,
    Session,
    StoredSession,
    Weekday,
)
from bot.storage.database import Database, Transaction

_PARTY_COLUMNS = (
    "id, guild_id, channel_id, host_id, title_id, title_name, zone, place_kind, place, note, "
    "repeat_rule, created_at, cancelled_at"
)
UNKNOWN_LENGTH = 3 * 3600  # how long a session of unknown length is taken to last
_SESSION_COLUMNS = (
    "party_id, number, starts_at, ends_at, first_episode, last_episode, sequence, cancelled_at"
)


class PartyRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def create(self, plan: PartyPlan, *, now: int) -> Party:
        """Store a confirmed plan and its sessions in one transaction."""
        async with self._db.transaction() as tx:
            party_id = await tx.insert(
                """
                INSERT INTO watch_parties (
                    guild_id, channel_id, host_id, title_id, title_name, zone, place_kind,
                    place, note, repeat_rule, created_at
                ) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
                (
                    plan.guild_id,
                    plan.channel_id,
                    plan.host_id,
                    plan.title_id,
                    plan.title_name,
                    plan.zone,
                    plan.place_kind.value,
                    plan.place,
                    plan.note,
                    _rule_to_json(plan.repeat),
                    now,
                ),
            )
            await tx.executemany(
                """
                INSERT INTO party_sessions
                    (party_id, number, starts_at, ends_at, first_episode, last_episode)
                VALUES (?, ?, ?, ?, ?, ?)
                """,
                [
                    (
                        party_id,
                        session.number,
                        int(session.start.timestamp()),
                        int(session.end.timestamp()) if session.end else None,
                        session.episodes.first if session.episodes else None,
                        session.episodes.last if session.episodes else None,
                    )
                    for session in plan.sessions
                ],
            )
            party = await _party(tx, party_id, plan.guild_id)
        assert party is not None  # written just above, in the same transaction
        return party

    async def get(self, party_id: int, *, guild_id: int) -> Party | None:
        """The party, if it belongs to this server: another server's id finds nothing."""
        async with self._db.transaction() as tx:
            return await _party(tx, party_id, guild_id)

    async def upcoming(self, guild_id: int, *, now: int, limit: int = 25) -> list[Party]:
        """Parties of this server with a session not cancelled and not yet over (one under
        way is listed too), soonest first."""
        rows = await self._db.fetchall(
            """
            SELECT p.id, MIN(s.starts_at) AS next_start
            FROM watch_parties AS p JOIN party_sessions AS s ON s.party_id = p.id
            WHERE p.guild_id = ? AND p.cancelled_at IS NULL
              AND s.cancelled_at IS NULL AND COALESCE(s.ends_at, s.starts_at + ?) > ?
            GROUP BY p.id ORDER BY next_start, p.id LIMIT ?
            """,
            (guild_id, UNKNOWN_LENGTH, now, limit),
        )
        async with self._db.transaction() as tx:
            found = [await _party(tx, row["id"], guild_id) for row in rows]
        return [party for party in found if party is not None]

    async def set_rsvp(
        self, party_id: int, member_id: int, choice: Rsvp, *, now: int
    ) -> RsvpCounts:
        """Record a member's answer (replacing an earlier one) and return the new counts."""
        async with self._db.transaction() as tx:
            await tx.execute(
                """
                INSERT INTO party_rsvps (party_id, member_id, choice, changed_at)
                VALUES (?, ?, ?, ?)
                ON CONFLICT (party_id, member_id) DO UPDATE SET
                    choice = excluded.choice, changed_at = excluded.changed_at
                WHERE choice != excluded.choice
                """,
                (party_id, member_id, choice.value, now),
            )
            return await _counts(tx, party_id)

    async def going_at(self, party_id: int, *, at: int) -> tuple[int, ...]:
        """The members Going at Unix time `at` (who said so by then and still do), earliest
        answer first."""
        rows = await self._db.fetchall(
            "SELECT member_id FROM party_rsvps WHERE party_id = ? AND choice = 'going'"
            " AND changed_at <= ? ORDER BY changed_at, member_id",
            (party_id, at),
        )
        return tuple(row["member_id"] for row in rows)

    async def rsvp_of(self, party_id: int, member_id: int) -> Rsvp | None:
        row = await self._db.fetchone(
            "SELECT choice FROM party_rsvps WHERE party_id = ? AND member_id = ?",
            (party_id, member_id),
        )
        return Rsvp(row["choice"]) if row else None


async def _party(tx: Transaction, party_id: int, guild_id: int) -> Party | None:
    row = await tx.fetchone(
        f"SELECT {_PARTY_COLUMNS} FROM watch_parties WHERE id = ? AND guild_id = ?",  # noqa: S608 - constant
        (party_id, guild_id),
    )
    if row is None:
        return None
    zone = ZoneInfo(row["zone"])
    session_rows = await tx.fetchall(
        f"SELECT {_SESSION_COLUMNS} FROM party_sessions WHERE party_id = ? ORDER BY number",  # noqa: S608 - constant
        (party_id,),
    )
    stored = tuple(_stored_session(session_row, zone) for session_row in session_rows)
    plan = PartyPlan(
        guild_id=row["guild_id"],
        channel_id=row["channel_id"],
        host_id=row["host_id"],
        title_name=row["title_name"],
        zone=row["zone"],
        sessions=tuple(s.session for s in stored),
        title_id=row["title_id"],
        place_kind=PlaceKind(row["place_kind"]),
        place=row["place"],
        note=row["note"],
        repeat=_rule_from_json(row["repeat_rule"]),
    )
    return Party(
        id=row["id"],
        plan=plan,
        sessions=stored,
        created_at=row["created_at"],
        cancelled=row["cancelled_at"] is not None,
    )


def _stored_session(row: sqlite3.Row, zone: ZoneInfo) -> StoredSession:
    episodes = (
        EpisodeRange(row["first_episode"], row["last_episode"])
        if row["first_episode"] is not None
        else None
    )
    ends_at = row["ends_at"]
    session = Session(
        number=row["number"],
        start=datetime.fromtimestamp(row["starts_at"], zone),
        end=datetime.fromtimestamp(ends_at, zone) if ends_at is not None else None,
        episodes=episodes,
    )
    return StoredSession(
        party_id=row["party_id"],
        session=session,
        sequence=row["sequence"],
        cancelled=row["cancelled_at"] is not None,
    )


async def _counts(tx: Transaction, party_id: int) -> RsvpCounts:
    rows = await tx.fetchall(
        "SELECT member_id, choice FROM party_rsvps WHERE party_id = ?"
        " ORDER BY changed_at, member_id",
        (party_id,),
    )
    choices = [Rsvp(row["choice"]) for row in rows]
    return RsvpCounts(
        going=choices.count(Rsvp.GOING),
        maybe=choices.count(Rsvp.MAYBE),
        not_going=choices.count(Rsvp.NOT_GOING),
        going_ids=tuple(row["member_id"] for row in rows if row["choice"] == Rsvp.GOING.value),
    )


def _rule_to_json(rule: RepeatRule | None) -> str | None:
    if rule is None:
        return None
    return json.dumps({"frequency": rule.frequency, "weekdays": [int(d) for d in rule.weekdays]})


def _rule_from_json(text: str | None) -> RepeatRule | None:
    if text is None:
        return None
    data = json.loads(text)
    return RepeatRule(data["frequency"], tuple(Weekday(d) for d in data["weekdays"]))
