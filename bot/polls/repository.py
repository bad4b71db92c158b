"""The `polls`, `poll_options` and `poll_votes` tables: all of the polls' SQL.

Writes take the caller's transaction (`*_in`), so a poll opens with its close timer and its
message, and a batch of votes commits with the edit of the tally they changed.
"""

# SQL here is built only from constants and "?" placeholders; values are always bound.
# ruff: noqa: S608

from __future__ import annotations

import json
import sqlite3
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict
from typing import Any, Protocol, TypeVar

from bot.polls.bracket import Bracket, Match
from bot.polls.models import (
    Ballot,
    BracketSlot,
    BracketSpec,
    CountedOption,
    OptionSpec,
    Poll,
    PollHeading,
    PollKind,
    PollSpec,
    ResultsVisibility,
    StoredBracket,
    TitleCard,
)
from bot.storage.database import Database, Params, Transaction

_POLL_COLUMNS = (
    "id, guild_id, channel_id, creator_id, question, kind, max_choices, anonymous, results, "
    "reason, opened_at, closes_at, closed_at, closed_by, turnout, revision, winners, "
    "bracket_id, bracket_round, bracket_match"
)
T = TypeVar("T")
_IN_CHUNK = 400  # bound parameters per IN (...) list, well under SQLite's 32,766


class _Reader(Protocol):
    async def fetchone(self, sql: str, params: Params = ()) -> sqlite3.Row | None: ...
    async def fetchall(self, sql: str, params: Params = ()) -> list[sqlite3.Row]: ...


class PollRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    # -- opening and reading ----------------------------------------------------------------

    async def create_in(
        self, tx: Transaction, spec: PollSpec, *, now: int, bracket: BracketSlot | None = None
    ) -> int:
        poll_id = await tx.insert(
            """
            INSERT INTO polls (
                guild_id, channel_id, creator_id, question, kind, max_choices, anonymous,
                results, reason, opened_at, closes_at, bracket_id, bracket_round, bracket_match
            ) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """,
            (
                spec.guild_id,
                spec.channel_id,
                spec.creator_id,
                spec.question,
                spec.kind.value,
                spec.max_choices,
                int(spec.anonymous),
                spec.results.value,
                spec.reason,
                now,
                spec.closes_at,
                bracket.bracket_id if bracket else None,
                bracket.round if bracket else None,
                bracket.match if bracket else None,
            ),
        )
        await tx.executemany(
            "INSERT INTO poll_options (poll_id, position, label, title_id, card) "
            "VALUES (?, ?, ?, ?, ?)",
            [
                (
                    poll_id,
                    index,
                    option.label,
                    option.title_id,
                    None if option.card is None else json.dumps(asdict(option.card)),
                )
                for index, option in enumerate(spec.options)
            ],
        )
        return poll_id

    async def get(self, poll_id: int, *, guild_id: int) -> Poll | None:
        return await _get(self._db, poll_id, guild_id)

    async def get_in(self, tx: Transaction, poll_id: int, *, guild_id: int) -> Poll | None:
        return await _get(tx, poll_id, guild_id)

    async def polls_in(self, tx: Transaction, poll_ids: Iterable[int]) -> dict[int, Poll]:
        """The polls named, whatever their server (the caller checks), by id."""
        ids = sorted(set(poll_ids))
        found: dict[int, Poll] = {}
        for chunk in _chunks(ids):
            marks = ",".join("?" * len(chunk))
            rows = await tx.fetchall(
                f"SELECT {_POLL_COLUMNS} FROM polls WHERE id IN ({marks})",
                chunk,
            )
            options = await _options(tx, chunk)
            for row in rows:
                found[row["id"]] = _poll(row, options[row["id"]])
        return found

    async def headings(
        self, guild_id: int, *, open_only: bool, now: int, limit: int
    ) -> list[PollHeading]:
        """The server's polls, open ones first by their close, then the latest closed."""
        where = (
            "guild_id = ? AND closed_at IS NULL AND closes_at > ?" if open_only else "guild_id = ?"
        )
        params: tuple[int, ...] = (guild_id, now) if open_only else (guild_id,)
        rows = await self._db.fetchall(
            f"""
            SELECT id, question, kind, closes_at, closed_at, turnout FROM polls
            WHERE {where}
            ORDER BY closed_at IS NOT NULL, CASE WHEN closed_at IS NULL THEN closes_at END,
                     closed_at DESC, id DESC
            LIMIT ?
            """,
            (*params, limit),
        )
        return [
            PollHeading(
                id=row["id"],
                question=row["question"],
                kind=PollKind(row["kind"]),
                closes_at=row["closes_at"],
                closed_at=row["closed_at"],
                turnout=row["turnout"],
            )
            for row in rows
        ]

    async def ballots(self, poll_id: int) -> list[Ballot]:
        return await _ballots(self._db, poll_id)

    async def ballots_in(self, tx: Transaction, poll_id: int) -> list[Ballot]:
        return await _ballots(tx, poll_id)

    async def named_voters(self, poll_id: int) -> list[tuple[int, Ballot]]:
        """Who voted for what in a poll that is not anonymous, earliest vote first."""
        rows = await self._db.fetchall(
            "SELECT voter, ballot FROM poll_votes WHERE poll_id = ? ORDER BY voted_at, voter",
            (poll_id,),
        )
        return [(int(row["voter"]), tuple(json.loads(row["ballot"]))) for row in rows]

    # -- votes --------------------------------------------------------------------------------

    async def ballot_of(self, poll_id: int, voter: str) -> Ballot | None:
        row = await self._db.fetchone(
            "SELECT ballot FROM poll_votes WHERE poll_id = ? AND voter = ?", (poll_id, voter)
        )
        return None if row is None else tuple(json.loads(row["ballot"]))

    async def ballots_of_in(
        self, tx: Transaction, keys: Iterable[tuple[int, str]]
    ) -> dict[tuple[int, str], Ballot]:
        """The current ballots of (poll, voter) pairs; a pair without one is left out."""
        pairs = sorted(set(keys))
        found: dict[tuple[int, str], Ballot] = {}
        for chunk in _chunks(pairs, size=_IN_CHUNK // 2):
            marks = ",".join("(?, ?)" for _ in chunk)
            rows = await tx.fetchall(
                f"""
                WITH wanted (poll_id, voter) AS (VALUES {marks})
                SELECT v.poll_id, v.voter, v.ballot
                FROM wanted JOIN poll_votes v USING (poll_id, voter)
                """,
                [value for pair in chunk for value in pair],
            )
            for row in rows:
                found[(row["poll_id"], row["voter"])] = tuple(json.loads(row["ballot"]))
        return found

    async def write_ballots_in(
        self,
        tx: Transaction,
        ballots: Mapping[tuple[int, str], Ballot | None],
        *,
        stamps: Mapping[tuple[int, str], int | None],
    ) -> None:
        """Store each (poll, voter)'s new ballot; None withdraws it. `stamps` holds the time
        to keep with each vote (None in an anonymous poll)."""
        upserts = [
            (poll_id, voter, json.dumps(list(ballot)), stamps.get((poll_id, voter)))
            for (poll_id, voter), ballot in ballots.items()
            if ballot is not None
        ]
        removals = [key for key, ballot in ballots.items() if ballot is None]
        if upserts:
            await tx.executemany(
                """
                INSERT INTO poll_votes (poll_id, voter, ballot, voted_at) VALUES (?, ?, ?, ?)
                ON CONFLICT (poll_id, voter) DO UPDATE SET ballot = excluded.ballot,
                    voted_at = excluded.voted_at
                """,
                upserts,
            )
        if removals:
            await tx.executemany("DELETE FROM poll_votes WHERE poll_id = ? AND voter = ?", removals)

    async def add_counts_in(
        self,
        tx: Transaction,
        option_deltas: Mapping[tuple[int, int], int],
        turnout_deltas: Mapping[int, int],
    ) -> list[int]:
        """Move the running counts, and raise the revision of every poll whose tally changed;
        returns those polls, by id."""
        await tx.executemany(
            "UPDATE poll_options SET votes = votes + ? WHERE poll_id = ? AND position = ?",
            [
                (delta, poll_id, position)
                for (poll_id, position), delta in option_deltas.items()
                if delta
            ],
        )
        polls = {poll_id for (poll_id, _), delta in option_deltas.items() if delta}
        polls |= {poll_id for poll_id, delta in turnout_deltas.items() if delta}
        changed = sorted(polls)
        await tx.executemany(
            "UPDATE polls SET turnout = turnout + ?, revision = revision + 1 WHERE id = ?",
            [(turnout_deltas.get(poll_id, 0), poll_id) for poll_id in changed],
        )
        return changed

    # -- closing ------------------------------------------------------------------------------

    async def edit_in(
        self, tx: Transaction, poll_id: int, *, question: str | None, closes_at: int | None
    ) -> None:
        await tx.execute(
            "UPDATE polls SET question = coalesce(?, question), "
            "closes_at = coalesce(?, closes_at), revision = revision + 1 WHERE id = ?",
            (question, closes_at, poll_id),
        )

    async def close_in(self, tx: Transaction, poll_id: int, *, at: int, by: int | None) -> bool:
        """Close an open poll; False if it was closed already."""
        changed = await tx.execute(
            "UPDATE polls SET closed_at = ?, closed_by = ?, revision = revision + 1 "
            "WHERE id = ? AND closed_at IS NULL",
            (at, by, poll_id),
        )
        return changed == 1

    async def record_count_in(
        self,
        tx: Transaction,
        poll_id: int,
        votes: Sequence[int],
        turnout: int,
        winners: Sequence[int],
    ) -> None:
        """Keep the recount of a closed poll: its exact counts, turnout and winners."""
        await tx.executemany(
            "UPDATE poll_options SET votes = ? WHERE poll_id = ? AND position = ?",
            [(count, poll_id, index) for index, count in enumerate(votes)],
        )
        await tx.execute(
            "UPDATE polls SET turnout = ?, winners = ? WHERE id = ?",
            (turnout, json.dumps(list(winners)), poll_id),
        )

    # -- what the server did ------------------------------------------------------------------

    async def recent_title_ids(self, guild_id: int, *, since: int) -> set[str]:
        """Titles this server polled, or held a watch party of, since then."""
        rows = await self._db.fetchall(
            """
            SELECT o.title_id FROM polls p JOIN poll_options o ON o.poll_id = p.id
            WHERE p.guild_id = ? AND p.opened_at >= ? AND o.title_id IS NOT NULL
            UNION
            SELECT title_id FROM watch_parties
            WHERE guild_id = ? AND created_at >= ? AND title_id IS NOT NULL
            """,
            (guild_id, since, guild_id, since),
        )
        return {row[0] for row in rows}

    # -- brackets -----------------------------------------------------------------------------

    async def create_bracket_in(
        self, tx: Transaction, spec: BracketSpec, draw: Bracket, *, now: int
    ) -> int:
        return await tx.insert(
            """
            INSERT INTO poll_brackets (
                guild_id, channel_id, creator_id, name, size, draw, entrants,
                duration_seconds, anonymous, results, created_at
            ) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """,
            (
                spec.guild_id,
                spec.channel_id,
                spec.creator_id,
                spec.name,
                len(spec.entrants),
                _draw_to_json(draw),
                json.dumps([asdict(entrant) for entrant in spec.entrants]),
                int(spec.duration.total_seconds()),
                int(spec.anonymous),
                spec.results.value,
                now,
            ),
        )

    async def bracket(self, bracket_id: int) -> StoredBracket | None:
        return await self.bracket_in(self._db, bracket_id)

    async def bracket_in(self, tx: _Reader, bracket_id: int) -> StoredBracket | None:
        """The bracket, as the transaction (or the reader) sees it."""
        row = await tx.fetchone(
            """
            SELECT id, guild_id, channel_id, creator_id, name, draw, entrants,
                   duration_seconds, anonymous, results, finished_at
            FROM poll_brackets WHERE id = ?
            """,
            (bracket_id,),
        )
        if row is None:
            return None
        return StoredBracket(
            id=row["id"],
            guild_id=row["guild_id"],
            channel_id=row["channel_id"],
            creator_id=row["creator_id"],
            name=row["name"],
            entrants=tuple(_option_from_json(item) for item in json.loads(row["entrants"])),
            draw=_draw_from_json(row["draw"]),
            duration_seconds=row["duration_seconds"],
            anonymous=bool(row["anonymous"]),
            results=ResultsVisibility(row["results"]),
            finished_at=row["finished_at"],
        )

    async def save_draw_in(
        self, tx: Transaction, bracket_id: int, draw: Bracket, *, finished_at: int | None
    ) -> None:
        await tx.execute(
            "UPDATE poll_brackets SET draw = ?, finished_at = ? WHERE id = ?",
            (_draw_to_json(draw), finished_at, bracket_id),
        )

    # -- the server's compass -------------------------------------------------------------------

    async def closed_versus(self, guild_id: int, *, limit: int) -> list[Poll]:
        """The server's closed versus polls, oldest first (the latest `limit`)."""
        rows = await self._db.fetchall(
            f"""
            SELECT * FROM (
                SELECT {_POLL_COLUMNS} FROM polls
                WHERE guild_id = ? AND kind = 'versus' AND closed_at IS NOT NULL
                      AND bracket_id IS NULL
                ORDER BY closed_at DESC, id DESC LIMIT ?
            ) ORDER BY closed_at, id
            """,
            (guild_id, limit),
        )
        options = await _options(self._db, [row["id"] for row in rows])
        return [_poll(row, options[row["id"]]) for row in rows]


def _draw_to_json(draw: Bracket) -> str:
    return json.dumps(
        {
            "entrants": list(draw.entrants),
            "rounds": [
                [[match.top, match.bottom, match.winner] for match in round_]
                for round_ in draw.rounds
            ],
        }
    )


def _draw_from_json(text: str) -> Bracket:
    data = json.loads(text)
    return Bracket(
        entrants=tuple(data["entrants"]),
        rounds=tuple(
            tuple(Match(top, bottom, winner) for top, bottom, winner in round_)
            for round_ in data["rounds"]
        ),
    )


def _option_from_json(data: dict[str, Any]) -> OptionSpec:
    card = data.get("card")
    return OptionSpec(data["label"], None if card is None else TitleCard(**card))


async def _get(reader: _Reader, poll_id: int, guild_id: int) -> Poll | None:
    row = await reader.fetchone(
        f"SELECT {_POLL_COLUMNS} FROM polls WHERE id = ? AND guild_id = ?",
        (poll_id, guild_id),
    )
    if row is None:
        return None
    options = await _options(reader, [poll_id])
    return _poll(row, options[poll_id])


async def _options(
    reader: _Reader, poll_ids: Sequence[int]
) -> dict[int, tuple[CountedOption, ...]]:
    grouped: dict[int, list[CountedOption]] = defaultdict(list)
    for chunk in _chunks(list(poll_ids)):
        marks = ",".join("?" * len(chunk))
        rows = await reader.fetchall(
            f"SELECT poll_id, position, label, card, votes FROM poll_options "
            f"WHERE poll_id IN ({marks}) ORDER BY poll_id, position",
            chunk,
        )
        for row in rows:
            card = None if row["card"] is None else TitleCard(**json.loads(row["card"]))
            grouped[row["poll_id"]].append(
                CountedOption(row["position"], row["label"], row["votes"], card)
            )
    return {poll_id: tuple(grouped[poll_id]) for poll_id in poll_ids}


async def _ballots(reader: _Reader, poll_id: int) -> list[Ballot]:
    rows = await reader.fetchall(
        "SELECT ballot FROM poll_votes WHERE poll_id = ? ORDER BY voter", (poll_id,)
    )
    return [tuple(json.loads(row["ballot"])) for row in rows]


def _poll(row: sqlite3.Row, options: tuple[CountedOption, ...]) -> Poll:
    bracket = (
        None
        if row["bracket_id"] is None
        else BracketSlot(row["bracket_id"], row["bracket_round"], row["bracket_match"])
    )
    return Poll(
        id=row["id"],
        guild_id=row["guild_id"],
        channel_id=row["channel_id"],
        creator_id=row["creator_id"],
        question=row["question"],
        kind=PollKind(row["kind"]),
        max_choices=row["max_choices"],
        anonymous=bool(row["anonymous"]),
        results=ResultsVisibility(row["results"]),
        options=options,
        opened_at=row["opened_at"],
        closes_at=row["closes_at"],
        turnout=row["turnout"],
        revision=row["revision"],
        closed_at=row["closed_at"],
        closed_by=row["closed_by"],
        winners=None if row["winners"] is None else tuple(json.loads(row["winners"])),
        reason=row["reason"],
        bracket=bracket,
    )


def _chunks(items: Sequence[T], *, size: int = _IN_CHUNK) -> list[Sequence[T]]:
    return [items[start : start + size] for start in range(0, len(items), size)]
