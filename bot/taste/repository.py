"""The taste tables (`taste_ratings`, `taste_watched`, `taste_watchlist`, `taste_not_interested`,
`taste_opt_in`) and forget-me's reach into every other feature's tables: all of their SQL.

Forget-me is one transaction over the tables in `FORGOTTEN`. The columns that name a member
and stay are in `KEPT`, each with its reason. A test reads the schema and fails when a table
gains a member column that neither names, so a new feature cannot be forgotten by accident.
"""

# SQL here is built only from constants and "?" placeholders; values are always bound.
# ruff: noqa: S608

from __future__ import annotations

import json
import sqlite3
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final, Literal, Protocol

from bot.metadata.models import Medium
from bot.polls.models import PollKind
from bot.polls.rules import counted
from bot.storage.database import Database, Params, Transaction
from bot.taste.models import (
    NotInterested,
    Rating,
    RatingTriple,
    TitleAggregate,
    TitleRef,
    Watched,
    WatchlistEntry,
)

TasteTable = Literal["taste_ratings", "taste_watched", "taste_watchlist", "taste_not_interested"]

# (table, column) -> what forget-me does to the member's rows in the server.
FORGOTTEN: Final[Mapping[tuple[str, str], str]] = {
    ("taste_ratings", "member_id"): "deleted",
    ("taste_watched", "member_id"): "deleted",
    ("taste_watchlist", "member_id"): "deleted",
    ("taste_not_interested", "member_id"): "deleted",
    ("taste_opt_in", "member_id"): "deleted",
    ("party_rsvps", "member_id"): "deleted, for the server's parties",
    ("party_reminder_prefs", "member_id"): "deleted",
    ("party_drafts", "member_id"): "deleted",
    ("poll_votes", "voter"): (
        "deleted, for the server's polls that are not anonymous; an open poll's running "
        "counts lose the vote"
    ),
    ("outbox", "member_id"): (
        "deleted: DMs already sent (or given up on) whose fallback channel is one of the "
        "server's party, follow or poll channels"
    ),
    ("guild_settings", "updated_by"): "set to NULL: the setting stays, who changed it goes",
}

# (table, column) naming a member that forget-me leaves, and why.
KEPT: Final[Mapping[tuple[str, str], str]] = {
    ("watch_parties", "host_id"): (
        "a party belongs to the server: members RSVP'd to it and its announcement is posted"
    ),
    ("party_follows", "host_id"): "a follow belongs to the server: it makes the server's parties",
    ("polls", "creator_id"): "a poll belongs to the server: others voted in it",
    ("poll_brackets", "creator_id"): "a bracket belongs to the server: others voted in it",
    ("polls", "closed_by"): "part of the poll's public record (who ended it early)",
    ("member_settings", "user_id"): (
        "a member's own timezone applies in every server, not this one alone"
    ),
    ("outbox", "mention_user_ids"): (
        "channel messages already posted in Discord; the delivery log is swept after 7 days"
    ),
}

_TASTE_TABLES: Final[tuple[TasteTable, ...]] = (
    "taste_ratings",
    "taste_watched",
    "taste_watchlist",
    "taste_not_interested",
)
# The server's channels: where a DM that could not be delivered would have gone instead.
_SERVER_CHANNELS: Final = """
    SELECT channel_id FROM watch_parties WHERE guild_id = :guild
    UNION SELECT channel_id FROM party_follows WHERE guild_id = :guild
    UNION SELECT channel_id FROM polls WHERE guild_id = :guild
"""
_NAMED_VOTES: Final = """
    SELECT v.poll_id, v.ballot, p.kind, p.closed_at
    FROM poll_votes v JOIN polls p ON p.id = v.poll_id
    WHERE p.guild_id = ? AND p.anonymous = 0 AND v.voter = ?
"""


class _Reader(Protocol):
    async def fetchone(self, sql: str, params: Params = ()) -> sqlite3.Row | None: ...
    async def fetchall(self, sql: str, params: Params = ()) -> list[sqlite3.Row]: ...


@dataclass(frozen=True)
class ForgetCounts:
    """Rows deleted per table (and cleared, for `guild_settings`), and rows kept."""

    deleted: Mapping[str, int]
    kept: Mapping[str, int]


@dataclass(frozen=True)
class MemberRecord:
    """Everything stored about a member in one server, as rows of plain values."""

    ratings: tuple[Rating, ...]
    watched: tuple[Watched, ...]
    watchlist: tuple[WatchlistEntry, ...]
    not_interested: tuple[NotInterested, ...]
    opted_in_at: int | None
    party_rsvps: tuple[dict[str, Any], ...]
    party_reminder_prefs: dict[str, Any] | None
    party_drafts: tuple[dict[str, Any], ...]
    poll_votes: tuple[dict[str, Any], ...]
    parties_hosted: tuple[dict[str, Any], ...]
    follows_hosted: tuple[dict[str, Any], ...]
    polls_created: tuple[dict[str, Any], ...]
    brackets_created: tuple[dict[str, Any], ...]
    polls_closed: tuple[dict[str, Any], ...]
    dm_deliveries: tuple[dict[str, Any], ...]
    server_settings_changed_at: int | None
    own_timezone: str | None


class TasteRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    # -- writes -------------------------------------------------------------------------------

    async def rate(
        self, guild_id: int, member_id: int, title: TitleRef, score: int, *, now: int
    ) -> int | None:
        """Store the rating; returns the score it replaced (None: it is new)."""
        async with self._db.transaction() as tx:
            return await _rate_in(tx, guild_id, member_id, title, score, now=now)

    async def rate_many(
        self,
        guild_id: int,
        member_id: int,
        scores: Sequence[tuple[TitleRef, int]],
        *,
        now: int,
    ) -> list[int | None]:
        """Store every rating in one transaction; returns the score each replaced."""
        async with self._db.transaction() as tx:
            return [
                await _rate_in(tx, guild_id, member_id, title, score, now=now)
                for title, score in scores
            ]

    async def mark_watched(
        self, guild_id: int, member_id: int, title: TitleRef, score: int | None, *, now: int
    ) -> tuple[Watched, bool, bool]:
        """Mark watched (a score is also a rating) and take it off the watchlist, in one
        transaction. Returns (the entry, newly watched, it left the watchlist)."""
        async with self._db.transaction() as tx:
            newly = await _upsert_in(tx, "taste_watched", guild_id, member_id, title, now=now)
            if score is not None:
                await _rate_in(tx, guild_id, member_id, title, score, now=now)
            left = await _delete_in(tx, "taste_watchlist", guild_id, member_id, title.id)
            row = await tx.fetchone(
                f"{_WATCHED_SELECT} WHERE w.guild_id = ? AND w.member_id = ? AND w.title_id = ?",
                (guild_id, member_id, title.id),
            )
        assert row is not None  # written above, in the same transaction
        return _watched(row), newly, left

    async def add_to_watchlist(
        self, guild_id: int, member_id: int, title: TitleRef, *, now: int
    ) -> tuple[WatchlistEntry, bool, bool]:
        """Add it (clearing "not interested"); returns (the entry, newly added, it was marked
        not interested)."""
        async with self._db.transaction() as tx:
            added = await _upsert_in(tx, "taste_watchlist", guild_id, member_id, title, now=now)
            was_not = await _delete_in(tx, "taste_not_interested", guild_id, member_id, title.id)
            row = await tx.fetchone(
                "SELECT title_id, title_name, medium, added_at FROM taste_watchlist "
                "WHERE guild_id = ? AND member_id = ? AND title_id = ?",
                (guild_id, member_id, title.id),
            )
        assert row is not None
        return WatchlistEntry(_title(row), row["added_at"]), added, was_not

    async def mark_not_interested(
        self, guild_id: int, member_id: int, title: TitleRef, *, now: int
    ) -> tuple[bool, bool]:
        """Mark it (taking it off the watchlist); returns (newly marked, it left the watchlist)."""
        async with self._db.transaction() as tx:
            newly = await _upsert_in(
                tx, "taste_not_interested", guild_id, member_id, title, now=now
            )
            left = await _delete_in(tx, "taste_watchlist", guild_id, member_id, title.id)
        return newly, left

    async def remove(self, table: TasteTable, guild_id: int, member_id: int, title_id: str) -> bool:
        """Delete one row of a taste table; False when there was none."""
        async with self._db.transaction() as tx:
            return await _delete_in(tx, table, guild_id, member_id, title_id)

    async def opt_in(self, guild_id: int, member_id: int, *, now: int) -> bool:
        async with self._db.transaction() as tx:
            changed = await tx.execute(
                "INSERT INTO taste_opt_in (guild_id, member_id, opted_in_at) VALUES (?, ?, ?) "
                "ON CONFLICT (guild_id, member_id) DO NOTHING",
                (guild_id, member_id, now),
            )
        return changed == 1

    async def opt_out(self, guild_id: int, member_id: int) -> bool:
        async with self._db.transaction() as tx:
            changed = await tx.execute(
                "DELETE FROM taste_opt_in WHERE guild_id = ? AND member_id = ?",
                (guild_id, member_id),
            )
        return changed == 1

    # -- a member's lists ---------------------------------------------------------------------

    async def ratings(self, guild_id: int, member_id: int) -> list[Rating]:
        return await _ratings(self._db, guild_id, member_id)

    async def watched(self, guild_id: int, member_id: int) -> list[Watched]:
        return await _watched_list(self._db, guild_id, member_id)

    async def watchlist(
        self, guild_id: int, member_id: int, *, limit: int | None = None
    ) -> list[WatchlistEntry]:
        return await _watchlist(self._db, guild_id, member_id, limit=limit)

    async def watchlist_size(self, guild_id: int, member_id: int) -> int:
        row = await self._db.fetchone(
            "SELECT count(*) FROM taste_watchlist WHERE guild_id = ? AND member_id = ?",
            (guild_id, member_id),
        )
        return int(row[0]) if row else 0

    async def not_interested(self, guild_id: int, member_id: int) -> list[NotInterested]:
        return await _not_interested(self._db, guild_id, member_id)

    async def opted_in_at(self, guild_id: int, member_id: int) -> int | None:
        row = await self._db.fetchone(
            "SELECT opted_in_at FROM taste_opt_in WHERE guild_id = ? AND member_id = ?",
            (guild_id, member_id),
        )
        return None if row is None else int(row[0])

    # -- signals for the recommender ----------------------------------------------------------

    async def server_titles(self, guild_id: int) -> list[TitleAggregate]:
        """Every title someone in the server rated, watched or wants to watch, as counts.
        "Not interested" is a member's private dismissal and is not counted here."""
        rows = await self._db.fetchall(
            """
            WITH spoken (title_id, title_name, medium, said_at, score, rated, watched, listed) AS (
                SELECT title_id, title_name, medium, rated_at, score, 1, 0, 0
                    FROM taste_ratings WHERE guild_id = :g
                UNION ALL SELECT title_id, title_name, medium, watched_at, 0, 0, 1, 0
                    FROM taste_watched WHERE guild_id = :g
                UNION ALL SELECT title_id, title_name, medium, added_at, 0, 0, 0, 1
                    FROM taste_watchlist WHERE guild_id = :g
            ),
            latest AS (
                SELECT title_id, title_name, medium, row_number() OVER (
                    PARTITION BY title_id ORDER BY said_at DESC, title_name
                ) AS n FROM spoken
            )
            SELECT s.title_id, l.title_name, l.medium, sum(s.rated) AS ratings,
                   sum(s.score) AS score_sum, sum(s.watched) AS watched,
                   sum(s.listed) AS watchlisted
            FROM spoken s JOIN latest l ON l.title_id = s.title_id AND l.n = 1
            GROUP BY s.title_id ORDER BY s.title_id
            """,
            {"g": guild_id},
        )
        return [
            TitleAggregate(
                title=_title(row),
                ratings=row["ratings"],
                score_sum=row["score_sum"],
                watched=row["watched"],
                watchlisted=row["watchlisted"],
            )
            for row in rows
        ]

    async def opted_in_ratings(self, guild_id: int) -> dict[int, list[Rating]]:
        """The ratings of the server's members who opted in to taste matching, by member."""
        rows = await self._db.fetchall(
            """
            SELECT r.member_id, r.title_id, r.title_name, r.medium, r.score, r.rated_at
            FROM taste_opt_in o JOIN taste_ratings r
                ON r.guild_id = o.guild_id AND r.member_id = o.member_id
            WHERE o.guild_id = ? ORDER BY r.member_id, r.rated_at DESC, r.title_id
            """,
            (guild_id,),
        )
        found: dict[int, list[Rating]] = defaultdict(list)
        for row in rows:
            found[row["member_id"]].append(_rating(row))
        return dict(found)

    async def rating_triples(self) -> list[RatingTriple]:
        """Every rating the bot holds, each with an opaque member key (see `RatingTriple`).

        Keys are handed out in the order of each (server, member)'s first rating, so they say
        nothing about the ids; the ids themselves never leave this function."""
        rows = await self._db.fetchall(
            "SELECT guild_id, member_id, title_id, score, rated_at FROM taste_ratings "
            "ORDER BY rated_at, title_id, guild_id, member_id"
        )
        keys: dict[tuple[int, int], int] = {}
        triples: list[RatingTriple] = []
        for guild_id, member_id, title_id, score, _ in rows:
            key = keys.setdefault((guild_id, member_id), len(keys))
            triples.append(RatingTriple(key, title_id, score))
        return triples

    # -- forget-me and export -----------------------------------------------------------------

    async def forget(
        self,
        guild_id: int,
        member_id: int,
        *,
        anonymous_voter: Callable[[int], str] | None = None,
    ) -> ForgetCounts:
        """Delete every row about the member in the server, in one transaction (module doc).
        `anonymous_voter(poll_id)` is the member's hidden name in an anonymous poll: with it,
        their votes in the server's open anonymous polls go too."""
        named = {"guild": guild_id, "member": member_id}
        deleted: dict[str, int] = {}
        async with self._db.transaction() as tx:
            kept = await _kept_counts(tx, guild_id, member_id)
            for table in (*_TASTE_TABLES, "taste_opt_in", "party_reminder_prefs", "party_drafts"):
                deleted[table] = await tx.execute(
                    f"DELETE FROM {table} WHERE guild_id = ? AND member_id = ?",
                    (guild_id, member_id),
                )
            deleted["party_rsvps"] = await tx.execute(
                "DELETE FROM party_rsvps WHERE member_id = ? AND party_id IN "
                "(SELECT id FROM watch_parties WHERE guild_id = ?)",
                (member_id, guild_id),
            )
            deleted["poll_votes"] = await _forget_votes_in(tx, guild_id, member_id)
            if anonymous_voter is not None:
                deleted["poll_votes"] += await _forget_anonymous_votes_in(
                    tx, guild_id, anonymous_voter
                )
            deleted["outbox"] = await tx.execute(
                f"""
                DELETE FROM outbox WHERE action = 'send' AND member_id = :member
                AND state <> 'pending' AND fallback_channel_id IN ({_SERVER_CHANNELS})
                """,
                named,
            )
            deleted["guild_settings"] = await tx.execute(
                "UPDATE guild_settings SET updated_by = NULL WHERE guild_id = ? AND updated_by = ?",
                (guild_id, member_id),
            )
        return ForgetCounts(deleted=deleted, kept=kept)

    async def member_record(self, guild_id: int, member_id: int) -> MemberRecord:
        """Everything stored about the member in the server, read in one transaction."""
        g, m = guild_id, member_id
        named = {"guild": g, "member": m}
        async with self._db.transaction() as tx:
            opted = await tx.fetchone(
                "SELECT opted_in_at FROM taste_opt_in WHERE guild_id = ? AND member_id = ?", (g, m)
            )
            prefs = await tx.fetchone(
                "SELECT by_dm, updated_at FROM party_reminder_prefs "
                "WHERE guild_id = ? AND member_id = ?",
                (g, m),
            )
            settings = await tx.fetchone(
                "SELECT updated_at FROM guild_settings WHERE guild_id = ? AND updated_by = ?",
                (g, m),
            )
            timezone = await tx.fetchone(
                "SELECT timezone FROM member_settings WHERE user_id = ?", (m,)
            )
            return MemberRecord(
                ratings=tuple(await _ratings(tx, g, m)),
                watched=tuple(await _watched_list(tx, g, m)),
                watchlist=tuple(await _watchlist(tx, g, m, limit=None)),
                not_interested=tuple(await _not_interested(tx, g, m)),
                opted_in_at=None if opted is None else opted[0],
                party_rsvps=await _dicts(
                    tx,
                    """
                    SELECT r.party_id, p.title_name, r.choice, r.changed_at
                    FROM party_rsvps r JOIN watch_parties p ON p.id = r.party_id
                    WHERE p.guild_id = ? AND r.member_id = ? ORDER BY r.party_id
                    """,
                    (g, m),
                ),
                party_reminder_prefs=None if prefs is None else dict(prefs),
                party_drafts=tuple(
                    {**row, "request": json.loads(row["request"])}
                    for row in await _dicts(
                        tx,
                        "SELECT id, request, created_at FROM party_drafts "
                        "WHERE guild_id = ? AND member_id = ? ORDER BY id",
                        (g, m),
                    )
                ),
                poll_votes=await _votes_for_export(tx, g, m),
                parties_hosted=await _dicts(
                    tx,
                    "SELECT id, title_name, created_at, cancelled_at FROM watch_parties "
                    "WHERE guild_id = ? AND host_id = ? ORDER BY id",
                    (g, m),
                ),
                follows_hosted=await _dicts(
                    tx,
                    "SELECT id, title_name, created_at, ended_at, stopped_at FROM party_follows "
                    "WHERE guild_id = ? AND host_id = ? ORDER BY id",
                    (g, m),
                ),
                polls_created=await _dicts(
                    tx,
                    "SELECT id, question, opened_at, closed_at FROM polls "
                    "WHERE guild_id = ? AND creator_id = ? ORDER BY id",
                    (g, m),
                ),
                brackets_created=await _dicts(
                    tx,
                    "SELECT id, name, created_at, finished_at FROM poll_brackets "
                    "WHERE guild_id = ? AND creator_id = ? ORDER BY id",
                    (g, m),
                ),
                polls_closed=await _dicts(
                    tx,
                    "SELECT id, question, closed_at FROM polls "
                    "WHERE guild_id = ? AND closed_by = ? ORDER BY id",
                    (g, m),
                ),
                dm_deliveries=await _dicts(
                    tx,
                    f"""
                    SELECT id, content, state, created_at, finished_at FROM outbox
                    WHERE action = 'send' AND member_id = :member
                    AND fallback_channel_id IN ({_SERVER_CHANNELS}) ORDER BY id
                    """,
                    named,
                ),
                server_settings_changed_at=None if settings is None else settings[0],
                own_timezone=None if timezone is None else timezone[0],
            )


# -- helpers ------------------------------------------------------------------------------------

_WATCHED_SELECT: Final = """
    SELECT w.title_id, w.title_name, w.medium, w.watched_at, r.score FROM taste_watched w
    LEFT JOIN taste_ratings r
        ON r.guild_id = w.guild_id AND r.member_id = w.member_id AND r.title_id = w.title_id
"""
_TIME_COLUMN: Final[Mapping[TasteTable, str]] = {
    "taste_ratings": "rated_at",
    "taste_watched": "watched_at",
    "taste_watchlist": "added_at",
    "taste_not_interested": "marked_at",
}


async def _rate_in(
    tx: Transaction, guild_id: int, member_id: int, title: TitleRef, score: int, *, now: int
) -> int | None:
    before = await tx.fetchone(
        "SELECT score FROM taste_ratings WHERE guild_id = ? AND member_id = ? AND title_id = ?",
        (guild_id, member_id, title.id),
    )
    await tx.execute(
        """
        INSERT INTO taste_ratings (guild_id, member_id, title_id, title_name, medium, score,
                                   rated_at)
        VALUES (?, ?, ?, ?, ?, ?, ?)
        ON CONFLICT (guild_id, member_id, title_id) DO UPDATE SET
            title_name = excluded.title_name, medium = excluded.medium,
            score = excluded.score, rated_at = excluded.rated_at
        """,
        (guild_id, member_id, title.id, title.name, title.medium.value, score, now),
    )
    return None if before is None else int(before[0])


async def _upsert_in(
    tx: Transaction,
    table: TasteTable,
    guild_id: int,
    member_id: int,
    title: TitleRef,
    *,
    now: int,
) -> bool:
    """Insert the row, or refresh its title snapshot and keep its time; True when new."""
    column = _TIME_COLUMN[table]
    existed = await tx.fetchone(
        f"SELECT 1 FROM {table} WHERE guild_id = ? AND member_id = ? AND title_id = ?",
        (guild_id, member_id, title.id),
    )
    await tx.execute(
        f"""
        INSERT INTO {table} (guild_id, member_id, title_id, title_name, medium, {column})
        VALUES (?, ?, ?, ?, ?, ?)
        ON CONFLICT (guild_id, member_id, title_id) DO UPDATE SET
            title_name = excluded.title_name, medium = excluded.medium
        """,
        (guild_id, member_id, title.id, title.name, title.medium.value, now),
    )
    return existed is None


async def _delete_in(
    tx: Transaction, table: TasteTable, guild_id: int, member_id: int, title_id: str
) -> bool:
    changed = await tx.execute(
        f"DELETE FROM {table} WHERE guild_id = ? AND member_id = ? AND title_id = ?",
        (guild_id, member_id, title_id),
    )
    return changed == 1


async def _ratings(reader: _Reader, guild_id: int, member_id: int) -> list[Rating]:
    rows = await reader.fetchall(
        "SELECT title_id, title_name, medium, score, rated_at FROM taste_ratings "
        "WHERE guild_id = ? AND member_id = ? ORDER BY rated_at DESC, title_id",
        (guild_id, member_id),
    )
    return [_rating(row) for row in rows]


async def _watched_list(reader: _Reader, guild_id: int, member_id: int) -> list[Watched]:
    rows = await reader.fetchall(
        f"{_WATCHED_SELECT} WHERE w.guild_id = ? AND w.member_id = ? "
        "ORDER BY w.watched_at DESC, w.title_id",
        (guild_id, member_id),
    )
    return [_watched(row) for row in rows]


async def _watchlist(
    reader: _Reader, guild_id: int, member_id: int, *, limit: int | None
) -> list[WatchlistEntry]:
    rows = await reader.fetchall(
        "SELECT title_id, title_name, medium, added_at FROM taste_watchlist "
        "WHERE guild_id = ? AND member_id = ? ORDER BY added_at DESC, title_id LIMIT ?",
        (guild_id, member_id, -1 if limit is None else limit),
    )
    return [WatchlistEntry(_title(row), row["added_at"]) for row in rows]


async def _not_interested(reader: _Reader, guild_id: int, member_id: int) -> list[NotInterested]:
    rows = await reader.fetchall(
        "SELECT title_id, title_name, medium, marked_at FROM taste_not_interested "
        "WHERE guild_id = ? AND member_id = ? ORDER BY marked_at DESC, title_id",
        (guild_id, member_id),
    )
    return [NotInterested(_title(row), row["marked_at"]) for row in rows]


async def _forget_votes_in(tx: Transaction, guild_id: int, member_id: int) -> int:
    """Delete the member's named votes in the server's polls. An open poll's running counts
    lose the vote (its revision rises); a closed poll keeps its recorded recount, an
    aggregate that names nobody."""
    voter = str(member_id)
    option_deltas: dict[tuple[int, int], int] = defaultdict(int)
    open_polls: list[int] = []
    for row in await tx.fetchall(_NAMED_VOTES, (guild_id, voter)):
        if row["closed_at"] is not None:
            continue
        open_polls.append(row["poll_id"])
        for position in counted(PollKind(row["kind"]), tuple(json.loads(row["ballot"]))):
            option_deltas[(row["poll_id"], position)] -= 1
    await tx.executemany(
        "UPDATE poll_options SET votes = max(votes + ?, 0) WHERE poll_id = ? AND position = ?",
        [(delta, poll_id, position) for (poll_id, position), delta in option_deltas.items()],
    )
    await tx.executemany(
        "UPDATE polls SET turnout = max(turnout - 1, 0), revision = revision + 1 WHERE id = ?",
        [(poll_id,) for poll_id in open_polls],
    )
    return await tx.execute(
        "DELETE FROM poll_votes WHERE voter = ? AND poll_id IN "
        "(SELECT id FROM polls WHERE guild_id = ? AND anonymous = 0)",
        (voter, guild_id),
    )


async def _forget_anonymous_votes_in(
    tx: Transaction, guild_id: int, anonymous_voter: Callable[[int], str]
) -> int:
    """Delete the member's votes in the server's open anonymous polls, found by their hidden
    name in each (the bot's key makes it, as it does to refuse a second vote). Closed anonymous
    polls keep only their recount, which names nobody."""
    deleted = 0
    polls = await tx.fetchall(
        "SELECT id, kind FROM polls WHERE guild_id = ? AND anonymous = 1 AND closed_at IS NULL",
        (guild_id,),
    )
    for poll in polls:
        voter = anonymous_voter(poll["id"])
        row = await tx.fetchone(
            "SELECT ballot FROM poll_votes WHERE poll_id = ? AND voter = ?", (poll["id"], voter)
        )
        if row is None:
            continue
        await tx.executemany(
            "UPDATE poll_options SET votes = max(votes - 1, 0) WHERE poll_id = ? AND position = ?",
            [
                (poll["id"], position)
                for position in counted(PollKind(poll["kind"]), tuple(json.loads(row["ballot"])))
            ],
        )
        await tx.execute(
            "UPDATE polls SET turnout = max(turnout - 1, 0), revision = revision + 1 WHERE id = ?",
            (poll["id"],),
        )
        deleted += await tx.execute(
            "DELETE FROM poll_votes WHERE poll_id = ? AND voter = ?", (poll["id"], voter)
        )
    return deleted


async def _kept_counts(tx: Transaction, guild_id: int, member_id: int) -> dict[str, int]:
    named = {"guild": guild_id, "member": member_id}
    queries = {
        "parties_hosted": "SELECT count(*) FROM watch_parties "
        "WHERE guild_id = :guild AND host_id = :member",
        "follows_hosted": "SELECT count(*) FROM party_follows "
        "WHERE guild_id = :guild AND host_id = :member",
        "polls_created": "SELECT count(*) FROM polls "
        "WHERE guild_id = :guild AND creator_id = :member",
        "brackets_created": "SELECT count(*) FROM poll_brackets "
        "WHERE guild_id = :guild AND creator_id = :member",
        "polls_closed": "SELECT count(*) FROM polls "
        "WHERE guild_id = :guild AND closed_by = :member",
        "own_timezone": "SELECT count(*) FROM member_settings "
        "WHERE user_id = :member AND timezone IS NOT NULL",
        "dms_queued": "SELECT count(*) FROM outbox WHERE action = 'send' AND member_id = :member "
        f"AND state = 'pending' AND fallback_channel_id IN ({_SERVER_CHANNELS})",
    }
    counts: dict[str, int] = {}
    for kind, sql in queries.items():
        row = await tx.fetchone(sql, named)
        counts[kind] = int(row[0]) if row else 0
    return counts


async def _votes_for_export(
    tx: Transaction, guild_id: int, member_id: int
) -> tuple[dict[str, Any], ...]:
    rows = await tx.fetchall(
        """
        SELECT v.poll_id, p.question, v.ballot, v.voted_at FROM poll_votes v
        JOIN polls p ON p.id = v.poll_id
        WHERE p.guild_id = ? AND p.anonymous = 0 AND v.voter = ? ORDER BY v.poll_id
        """,
        (guild_id, str(member_id)),
    )
    labels: dict[tuple[int, int], str] = {}
    for chunk_start in range(0, len(rows), 400):
        ids = sorted({row["poll_id"] for row in rows[chunk_start : chunk_start + 400]})
        marks = ",".join("?" * len(ids))
        for option in await tx.fetchall(
            f"SELECT poll_id, position, label FROM poll_options WHERE poll_id IN ({marks})", ids
        ):
            labels[(option["poll_id"], option["position"])] = option["label"]
    return tuple(
        {
            "poll_id": row["poll_id"],
            "question": row["question"],
            "choices": [
                labels.get((row["poll_id"], position), f"option {position + 1}")
                for position in json.loads(row["ballot"])
            ],
            "voted_at": row["voted_at"],
        }
        for row in rows
    )


async def _dicts(reader: _Reader, sql: str, params: Params) -> tuple[dict[str, Any], ...]:
    return tuple(dict(row) for row in await reader.fetchall(sql, params))


def _title(row: sqlite3.Row) -> TitleRef:
    return TitleRef(row["title_id"], row["title_name"], Medium(row["medium"]))


def _rating(row: sqlite3.Row) -> Rating:
    return Rating(_title(row), row["score"], row["rated_at"])


def _watched(row: sqlite3.Row) -> Watched:
    return Watched(_title(row), row["watched_at"], row["score"])
