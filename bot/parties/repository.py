"""The `watch_parties`, `party_sessions`, `party_rsvps` and `party_reminder_prefs` tables.

Writes that must commit with timers and outbox rows (creating, rescheduling, cancelling) take
the caller's transaction (`*_in`); a member's answer is its own transaction.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol
from zoneinfo import ZoneInfo

from bot.parties.models import (
    UNKNOWN_LENGTH,
    EpisodeRange,
    FollowLink,
    Party,
    PartyHeading,
    PartyPlan,
    PlaceKind,
    RepeatRule,
    Rsvp,
    RsvpCounts,
    Session,
    StoredSession,
    Weekday,
)
from bot.storage.database import Database, Params, Transaction

_PARTY_COLUMNS = (
    "id, guild_id, channel_id, host_id, title_id, title_name, zone, place_kind, place, note, "
    "repeat_rule, created_at, cancelled_at, cover_url, compass_line, wants_thread, revision, "
    "announced_session, follow_id"
)
RECENT_CALENDAR = 30 * 24 * 3600  # a calendar export keeps a month of past sessions
_SESSION_COLUMNS = (
    "party_id, number, starts_at, ends_at, first_episode, last_episode, sequence, cancelled_at"
)


class _Reader(Protocol):
    async def fetchone(self, sql: str, params: Params = ()) -> sqlite3.Row | None: ...
    async def fetchall(self, sql: str, params: Params = ()) -> list[sqlite3.Row]: ...


@dataclass(frozen=True)
class RsvpChange:
    """A member's answer as recorded: the party's counts after it, and whether it changed
    anything (the same answer again changes nothing and raises no revision)."""

    counts: RsvpCounts
    revision: int
    changed: bool


@dataclass(frozen=True)
class NewTimes:
    """A session's new instants (Unix seconds)."""

    number: int
    starts_at: int
    ends_at: int | None


class PartyRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def create(self, plan: PartyPlan, *, now: int) -> Party:
        """Store a confirmed plan and its sessions in one transaction."""
        async with self._db.transaction() as tx:
            return await self.create_in(tx, plan, now=now)

    async def create_in(
        self, tx: Transaction, plan: PartyPlan, *, now: int, follow: FollowLink | None = None
    ) -> Party:
        """Store a plan inside the caller's transaction, so its reminders and announcement
        commit with it. `follow` ties a party a follow created to its episode."""
        party_id = await tx.insert(
            """
            INSERT INTO watch_parties (
                guild_id, channel_id, host_id, title_id, title_name, zone, place_kind, place,
                note, repeat_rule, created_at, cover_url, compass_line, wants_thread,
                announced_session, follow_id, follow_episode, follow_airs_at
            ) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?, ?)
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
                plan.cover_url,
                plan.compass_line,
                int(plan.wants_thread),
                follow.follow_id if follow else None,
                follow.episode if follow else None,
                follow.airs_at if follow else None,
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
        return await _party(self._db, party_id, guild_id)

    async def get_in(self, tx: Transaction, party_id: int, *, guild_id: int) -> Party | None:
        return await _party(tx, party_id, guild_id)

    async def upcoming(self, guild_id: int, *, now: int, limit: int = 25) -> list[Party]:
        """Parties of this server with a session not cancelled and not yet over (one under
        way is listed too), soonest first."""
        return await _upcoming(self._db, guild_id, now=now, limit=limit)

    async def headings(self, guild_id: int, *, now: int, limit: int) -> list[PartyHeading]:
        """`upcoming`'s parties in one query, as autocomplete shows them while a member types."""
        rows = await self._db.fetchall(
            """
            SELECT p.id, p.title_name, p.zone,
                COALESCE(MIN(CASE WHEN s.starts_at > ? THEN s.starts_at END), MAX(s.starts_at))
                    AS shown_start
            FROM watch_parties AS p JOIN party_sessions AS s ON s.party_id = p.id
            WHERE p.guild_id = ? AND p.cancelled_at IS NULL AND s.cancelled_at IS NULL
            GROUP BY p.id HAVING MAX(COALESCE(s.ends_at, s.starts_at + ?)) > ?
            ORDER BY MIN(CASE WHEN COALESCE(s.ends_at, s.starts_at + ?) > ? THEN s.starts_at END),
                p.id
            LIMIT ?
            """,
            (now, guild_id, UNKNOWN_LENGTH, now, UNKNOWN_LENGTH, now, limit),
        )
        return [
            PartyHeading(row["id"], row["title_name"], row["zone"], row["shown_start"])
            for row in rows
        ]

    async def upcoming_in(
        self, tx: Transaction, guild_id: int, *, now: int, limit: int
    ) -> list[Party]:
        return await _upcoming(tx, guild_id, now=now, limit=limit)

    async def going_to(self, guild_id: int, member_id: int, *, now: int) -> list[Party]:
        """The parties of this server the member is Going to, with a session ahead or in
        the last month (a calendar keeps what just happened)."""
        rows = await self._db.fetchall(
            """
            SELECT p.id FROM watch_parties AS p
            JOIN party_rsvps AS r ON r.party_id = p.id
            JOIN party_sessions AS s ON s.party_id = p.id
            WHERE p.guild_id = ? AND r.member_id = ? AND r.choice = 'going'
            GROUP BY p.id HAVING MAX(s.starts_at) > ? ORDER BY MIN(s.starts_at), p.id
            """,
            (guild_id, member_id, now - RECENT_CALENDAR),
        )
        return await self._parties(guild_id, (row["id"] for row in rows))

    async def _parties(self, guild_id: int, ids: Iterable[int]) -> list[Party]:
        found = [await _party(self._db, party_id, guild_id) for party_id in ids]
        return [party for party in found if party is not None]

    async def set_rsvp(
        self, party_id: int, member_id: int, choice: Rsvp, *, now: int
    ) -> RsvpChange:
        async with self._db.transaction() as tx:
            return await self.set_rsvp_in(tx, party_id, member_id, choice, now=now)

    async def set_rsvp_in(
        self, tx: Transaction, party_id: int, member_id: int, choice: Rsvp, *, now: int
    ) -> RsvpChange:
        """Record a member's answer (replacing an earlier one) and return the new counts."""
        changed = await tx.execute(
            """
            INSERT INTO party_rsvps (party_id, member_id, choice, changed_at)
            VALUES (?, ?, ?, ?)
            ON CONFLICT (party_id, member_id) DO UPDATE SET
                choice = excluded.choice, changed_at = excluded.changed_at
            WHERE choice != excluded.choice
            """,
            (party_id, member_id, choice.value, now),
        )
        if changed:
            await _raise_revision(tx, party_id)
        revision = await _revision(tx, party_id)
        return RsvpChange(await _counts(tx, party_id), revision, changed > 0)

    async def counts(self, party_id: int) -> RsvpCounts:
        return await _counts(self._db, party_id)

    async def counts_in(self, tx: Transaction, party_id: int) -> RsvpCounts:
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

    async def rsvps_of(self, member_id: int, party_ids: Sequence[int]) -> dict[int, Rsvp]:
        """The member's answers to these parties (for a list)."""
        if not party_ids:
            return {}
        marks = ", ".join("?" for _ in party_ids)
        rows = await self._db.fetchall(
            "SELECT party_id, choice FROM party_rsvps"  # noqa: S608 - only placeholders
            f" WHERE member_id = ? AND party_id IN ({marks})",
            (member_id, *party_ids),
        )
        return {row["party_id"]: Rsvp(row["choice"]) for row in rows}

    async def move_sessions_in(
        self, tx: Transaction, party_id: int, moves: Sequence[NewTimes], *, now: int
    ) -> None:
        """Give sessions new times; each one's SEQUENCE rises, as a calendar needs."""
        await tx.executemany(
            """
            UPDATE party_sessions SET starts_at = ?, ends_at = ?, sequence = sequence + 1,
                updated_at = ?
            WHERE party_id = ? AND number = ? AND cancelled_at IS NULL
            """,
            [(m.starts_at, m.ends_at, now, party_id, m.number) for m in moves],
        )
        await _raise_revision(tx, party_id)

    async def cancel_sessions_in(
        self,
        tx: Transaction,
        party_id: int,
        numbers: Sequence[int],
        *,
        now: int,
        whole_party: bool = False,
    ) -> None:
        """Cancel sessions; when none is left (or `whole_party`, whose past sessions stay as
        they were), the party is cancelled too."""
        await tx.executemany(
            """
            UPDATE party_sessions SET cancelled_at = ?, sequence = sequence + 1, updated_at = ?
            WHERE party_id = ? AND number = ? AND cancelled_at IS NULL
            """,
            [(now, now, party_id, number) for number in numbers],
        )
        await tx.execute(
            """
            UPDATE watch_parties SET cancelled_at = ?
            WHERE id = ? AND cancelled_at IS NULL AND (? OR NOT EXISTS (
                SELECT 1 FROM party_sessions WHERE party_id = ? AND cancelled_at IS NULL))
            """,
            (now, party_id, whole_party, party_id),
        )
        await _raise_revision(tx, party_id)

    async def follow_is_live_in(self, tx: Transaction, follow_id: int) -> bool:
        """Whether a follow is still on (not stopped, not ended), read where its next party
        would be written."""
        row = await tx.fetchone(
            "SELECT 1 FROM party_follows WHERE id = ? AND stopped_at IS NULL AND ended_at IS NULL",
            (follow_id,),
        )
        return row is not None

    async def set_follow_airs_at(self, party_id: int, airs_at: int) -> None:
        async with self._db.transaction() as tx:
            await self.set_follow_airs_at_in(tx, party_id, airs_at)

    async def set_follow_airs_at_in(self, tx: Transaction, party_id: int, airs_at: int) -> None:
        await tx.execute(
            "UPDATE watch_parties SET follow_airs_at = ? WHERE id = ?", (airs_at, party_id)
        )

    async def claim_announcement_in(self, tx: Transaction, party_id: int, number: int) -> bool:
        """Mark session `number` announced unless it, or a later one, was already: True when
        this call is the one to post it."""
        claimed = await tx.execute(
            "UPDATE watch_parties SET announced_session = ?"
            " WHERE id = ? AND COALESCE(announced_session, 0) < ?",
            (number, party_id, number),
        )
        return claimed > 0

    async def set_dm_reminders(self, guild_id: int, member_id: int, *, on: bool, now: int) -> None:
        async with self._db.transaction() as tx:
            await tx.execute(
                """
                INSERT INTO party_reminder_prefs (guild_id, member_id, by_dm, updated_at)
                VALUES (?, ?, ?, ?)
                ON CONFLICT (guild_id, member_id) DO UPDATE SET
                    by_dm = excluded.by_dm, updated_at = excluded.updated_at
                """,
                (guild_id, member_id, int(on), now),
            )

    async def dm_reminders(self, guild_id: int, member_id: int) -> bool:
        row = await self._db.fetchone(
            "SELECT by_dm FROM party_reminder_prefs WHERE guild_id = ? AND member_id = ?",
            (guild_id, member_id),
        )
        return bool(row and row["by_dm"])

    async def members_wanting_dms(self, guild_id: int, member_ids: Sequence[int]) -> set[int]:
        if not member_ids:
            return set()
        marks = ", ".join("?" for _ in member_ids)
        rows = await self._db.fetchall(
            "SELECT member_id FROM party_reminder_prefs"  # noqa: S608 - only placeholders
            f" WHERE guild_id = ? AND by_dm = 1 AND member_id IN ({marks})",
            (guild_id, *member_ids),
        )
        return {row["member_id"] for row in rows}


async def _upcoming(reader: _Reader, guild_id: int, *, now: int, limit: int) -> list[Party]:
    rows = await reader.fetchall(
        """
        SELECT p.id, MIN(s.starts_at) AS next_start
        FROM watch_parties AS p JOIN party_sessions AS s ON s.party_id = p.id
        WHERE p.guild_id = ? AND p.cancelled_at IS NULL
          AND s.cancelled_at IS NULL AND COALESCE(s.ends_at, s.starts_at + ?) > ?
        GROUP BY p.id ORDER BY next_start, p.id LIMIT ?
        """,
        (guild_id, UNKNOWN_LENGTH, now, limit),
    )
    found = [await _party(reader, row["id"], guild_id) for row in rows]
    return [party for party in found if party is not None]


async def _party(reader: _Reader, party_id: int, guild_id: int) -> Party | None:
    row = await reader.fetchone(
        f"SELECT {_PARTY_COLUMNS} FROM watch_parties WHERE id = ? AND guild_id = ?",  # noqa: S608 - constant
        (party_id, guild_id),
    )
    if row is None:
        return None
    zone = ZoneInfo(row["zone"])
    session_rows = await reader.fetchall(
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
        cover_url=row["cover_url"],
        compass_line=row["compass_line"],
        wants_thread=bool(row["wants_thread"]),
    )
    return Party(
        id=row["id"],
        plan=plan,
        sessions=stored,
        created_at=row["created_at"],
        cancelled=row["cancelled_at"] is not None,
        revision=row["revision"],
        announced_session=row["announced_session"],
        follow_id=row["follow_id"],
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


async def _raise_revision(tx: Transaction, party_id: int) -> None:
    await tx.execute("UPDATE watch_parties SET revision = revision + 1 WHERE id = ?", (party_id,))


async def _revision(reader: _Reader, party_id: int) -> int:
    row = await reader.fetchone("SELECT revision FROM watch_parties WHERE id = ?", (party_id,))
    return int(row["revision"]) if row else 0


async def _counts(reader: _Reader, party_id: int) -> RsvpCounts:
    rows = await reader.fetchall(
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
