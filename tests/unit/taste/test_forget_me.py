"""/privacy forget-me removes every row about the member in the server, across every feature's
tables. The member columns are read from the schema at test time: a table added later with a
member column and no place in forget-me's lists fails here."""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable
from pathlib import Path

from bot.polls.anonymity import VoterKey
from bot.storage.database import Database, Transaction
from bot.taste.repository import FORGOTTEN, KEPT, TasteRepository
from bot.taste.service import TasteService
from tests.support.clock import FakeClock
from tests.unit.taste.conftest import ANA, BO, CY, GOBLIN, GUILD, OTHER_GUILD, TORADORA

HOST = 9  # hosts the server objects the seeded rows hang on; never forgotten here
CHANNEL = {GUILD: 500, OTHER_GUILD: 600}
# A column that names a member: member_id, user_id, host_id, creator_id, voter, closed_by,
# updated_by, mention_user_ids, ... (any future owner_id or author_id too).
MEMBER_COLUMN = re.compile(r"(^|_)(member|user|host|creator|voter|owner|author)s?(_ids?)?$|_by$")

Seeder = Callable[[Transaction, int, int], Awaitable[None]]


async def member_columns(db: Database) -> set[tuple[str, str]]:
    tables = await db.fetchall(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
    )
    found: set[tuple[str, str]] = set()
    for (table,) in tables:
        for column in await db.fetchall(f"SELECT name FROM pragma_table_info('{table}')"):
            if MEMBER_COLUMN.search(column[0]):
                found.add((table, column[0]))
    return found


async def rows_naming(db: Database, table: str, column: str, member: int) -> int:
    if column.endswith("_ids"):  # a JSON list of ids
        where = f"EXISTS (SELECT 1 FROM json_each({column}) WHERE value = ?)"
        value: object = member
    elif column == "voter":  # decimal text in a poll that is not anonymous
        where, value = f"{column} = ?", str(member)
    else:
        where, value = f"{column} = ?", member
    row = await db.fetchone(f"SELECT count(*) FROM {table} WHERE {where}", (value,))
    assert row is not None
    return int(row[0])


# -- the server objects rows hang on -------------------------------------------------------------


async def party_of(tx: Transaction, guild: int) -> int:
    row = await tx.fetchone(
        "SELECT id FROM watch_parties WHERE guild_id = ? AND host_id = ?", (guild, HOST)
    )
    if row:
        return int(row[0])
    return await tx.insert(
        "INSERT INTO watch_parties (guild_id, channel_id, host_id, title_name, zone, place_kind,"
        " created_at) VALUES (?, ?, ?, 'Goblin', 'Asia/Seoul', 'none', 0)",
        (guild, CHANNEL[guild], HOST),
    )


async def insert_poll(
    tx: Transaction,
    guild: int,
    *,
    creator: int = HOST,
    kind: str = "single",
    anonymous: bool = False,
    closed_by: int | None = None,
    closed: bool = False,
    options: int = 3,
) -> int:
    poll_id = await tx.insert(
        "INSERT INTO polls (guild_id, channel_id, creator_id, question, kind, max_choices,"
        " anonymous, results, opened_at, closes_at, closed_at, closed_by)"
        " VALUES (?, ?, ?, 'Which?', ?, ?, ?, 'live', 0, 1000, ?, ?)",
        (
            guild,
            CHANNEL[guild],
            creator,
            kind,
            options if kind in ("multi", "ranked") else 1,
            int(anonymous),
            500 if closed or closed_by is not None else None,
            closed_by,
        ),
    )
    await tx.executemany(
        "INSERT INTO poll_options (poll_id, position, label) VALUES (?, ?, ?)",
        [(poll_id, n, f"Option {n + 1}") for n in range(options)],
    )
    return poll_id


async def named_poll_of(tx: Transaction, guild: int) -> int:
    row = await tx.fetchone(
        "SELECT id FROM polls WHERE guild_id = ? AND creator_id = ? AND anonymous = 0"
        " AND closed_at IS NULL",
        (guild, HOST),
    )
    return int(row[0]) if row else await insert_poll(tx, guild)


async def cast(tx: Transaction, poll_id: int, voter: str, ballot: list[int]) -> None:
    """A vote as the ballot box leaves it: the row and the running counts."""
    await tx.execute(
        "INSERT INTO poll_votes (poll_id, voter, ballot, voted_at) VALUES (?, ?, ?, 1)",
        (poll_id, voter, json.dumps(ballot)),
    )
    kind = await tx.fetchone("SELECT kind FROM polls WHERE id = ?", (poll_id,))
    assert kind is not None
    for position in ballot[:1] if kind[0] == "ranked" else ballot:
        await tx.execute(
            "UPDATE poll_options SET votes = votes + 1 WHERE poll_id = ? AND position = ?",
            (poll_id, position),
        )
    await tx.execute("UPDATE polls SET turnout = turnout + 1 WHERE id = ?", (poll_id,))


async def dm(tx: Transaction, member: int, fallback: int | None, *, state: str = "sent") -> None:
    count = await tx.fetchone("SELECT count(*) FROM outbox")
    assert count is not None
    await tx.execute(
        "INSERT INTO outbox (dedupe_key, action, member_id, fallback_channel_id, content, state,"
        " send_after, created_at) VALUES (?, 'send', ?, ?, 'Your party starts soon', ?, 0, 0)",
        (f"dm-{count[0]}", member, fallback, state),
    )


# -- one seeder per member column: a row naming `member` in `guild` -----------------------------


def _taste(table: str, time_column: str) -> Seeder:
    async def seed(tx: Transaction, guild: int, member: int) -> None:
        await tx.execute(
            f"INSERT INTO {table} (guild_id, member_id, title_id, title_name, medium,"
            f" {time_column}) VALUES (?, ?, 'catalog:goblin', 'Goblin', 'kdrama', 0)",
            (guild, member),
        )

    return seed


async def seed_rating(tx: Transaction, guild: int, member: int) -> None:
    await tx.execute(
        "INSERT INTO taste_ratings VALUES (?, ?, 'catalog:goblin', 'Goblin', 'kdrama', 9, 0)",
        (guild, member),
    )


async def seed_opt_in(tx: Transaction, guild: int, member: int) -> None:
    await tx.execute("INSERT INTO taste_opt_in VALUES (?, ?, 0)", (guild, member))


async def seed_rsvp(tx: Transaction, guild: int, member: int) -> None:
    await tx.execute(
        "INSERT INTO party_rsvps (party_id, member_id, choice, changed_at)"
        " VALUES (?, ?, 'going', 0)",
        (await party_of(tx, guild), member),
    )


async def seed_reminder_prefs(tx: Transaction, guild: int, member: int) -> None:
    await tx.execute("INSERT INTO party_reminder_prefs VALUES (?, ?, 1, 0)", (guild, member))


async def seed_draft(tx: Transaction, guild: int, member: int) -> None:
    await tx.execute(
        "INSERT INTO party_drafts (guild_id, member_id, request, created_at)"
        " VALUES (?, ?, '{}', 0)",
        (guild, member),
    )


async def seed_vote(tx: Transaction, guild: int, member: int) -> None:
    await cast(tx, await named_poll_of(tx, guild), str(member), [0])


async def seed_dm(tx: Transaction, guild: int, member: int) -> None:
    await party_of(tx, guild)  # the server's channel, known from its party
    await dm(tx, member, CHANNEL[guild])


async def seed_settings_change(tx: Transaction, guild: int, member: int) -> None:
    # One row per server: the last one to change a setting is the one it names.
    await tx.execute(
        "INSERT INTO guild_settings (guild_id, updated_at, updated_by) VALUES (?, 0, ?)"
        " ON CONFLICT (guild_id) DO UPDATE SET updated_by = excluded.updated_by",
        (guild, member),
    )


async def seed_hosted_party(tx: Transaction, guild: int, member: int) -> None:
    await tx.execute(
        "INSERT INTO watch_parties (guild_id, channel_id, host_id, title_name, zone, place_kind,"
        " created_at) VALUES (?, ?, ?, 'Toradora!', 'Asia/Tokyo', 'none', 0)",
        (guild, CHANNEL[guild], member),
    )


async def seed_follow(tx: Transaction, guild: int, member: int) -> None:
    await tx.execute(
        "INSERT INTO party_follows (guild_id, channel_id, host_id, title_id, title_name, zone,"
        " offset_minutes, place_kind, created_at)"
        " VALUES (?, ?, ?, ?, 'Frieren', 'UTC', 0, 'none', 0)",
        (guild, CHANNEL[guild], member, f"anilist:{member}"),
    )


async def seed_created_poll(tx: Transaction, guild: int, member: int) -> None:
    await insert_poll(tx, guild, creator=member)


async def seed_closed_poll(tx: Transaction, guild: int, member: int) -> None:
    await insert_poll(tx, guild, closed_by=member)


async def seed_bracket(tx: Transaction, guild: int, member: int) -> None:
    await tx.execute(
        "INSERT INTO poll_brackets (guild_id, channel_id, creator_id, name, size, draw, entrants,"
        " duration_seconds, anonymous, results, created_at)"
        " VALUES (?, ?, ?, 'Best of', 4, '{}', '[]', 60, 0, 'live', 0)",
        (guild, CHANNEL[guild], member),
    )


async def seed_own_timezone(tx: Transaction, guild: int, member: int) -> None:
    await tx.execute(
        "INSERT OR REPLACE INTO member_settings (user_id, timezone, updated_at)"
        " VALUES (?, 'Asia/Seoul', 0)",
        (member,),
    )


async def seed_mention(tx: Transaction, guild: int, member: int) -> None:
    count = await tx.fetchone("SELECT count(*) FROM outbox")
    assert count is not None
    await tx.execute(
        "INSERT INTO outbox (dedupe_key, action, channel_id, content, mention_user_ids, state,"
        " send_after, created_at) VALUES (?, 'send', ?, ?, ?, 'sent', 0, 0)",
        (f"ping-{count[0]}", CHANNEL[guild], f"<@{member}>", json.dumps([member])),
    )


def seeders() -> dict[tuple[str, str], Seeder]:
    return {
        ("taste_ratings", "member_id"): seed_rating,
        ("taste_watched", "member_id"): _taste("taste_watched", "watched_at"),
        ("taste_watchlist", "member_id"): _taste("taste_watchlist", "added_at"),
        ("taste_not_interested", "member_id"): _taste("taste_not_interested", "marked_at"),
        ("taste_opt_in", "member_id"): seed_opt_in,
        ("party_rsvps", "member_id"): seed_rsvp,
        ("party_reminder_prefs", "member_id"): seed_reminder_prefs,
        ("party_drafts", "member_id"): seed_draft,
        ("poll_votes", "voter"): seed_vote,
        ("outbox", "member_id"): seed_dm,
        ("guild_settings", "updated_by"): seed_settings_change,
        ("watch_parties", "host_id"): seed_hosted_party,
        ("party_follows", "host_id"): seed_follow,
        ("polls", "creator_id"): seed_created_poll,
        ("polls", "closed_by"): seed_closed_poll,
        ("poll_brackets", "creator_id"): seed_bracket,
        ("member_settings", "user_id"): seed_own_timezone,
        ("outbox", "mention_user_ids"): seed_mention,
    }


# -- the tests -------------------------------------------------------------------------------------


async def test_every_member_column_in_the_schema_is_forgotten_or_kept_with_a_reason(
    db: Database,
):
    columns = await member_columns(db)
    assert not set(FORGOTTEN) & set(KEPT)
    unplaced = sorted(columns - set(FORGOTTEN) - set(KEPT))
    assert unplaced == [], (
        "these columns name a member but forget-me neither deletes nor keeps them: add them to "
        "FORGOTTEN (and the deletion) or KEPT (with a reason) in bot/taste/repository.py"
    )
    assert sorted(set(FORGOTTEN) | set(KEPT)) == sorted(columns), "a listed column is gone"
    assert all(reason.strip() for reason in KEPT.values())


async def test_forget_me_leaves_no_row_about_the_member_in_the_server(
    db: Database, taste: TasteService
):
    columns = await member_columns(db)
    seed = seeders()
    assert sorted(columns - set(seed)) == [], "write a seeder for each new member column"
    # The bystanders first: guild_settings names one member per server, the last to change it.
    async with db.transaction() as tx:
        for guild, member in ((GUILD, BO), (GUILD, ANA), (OTHER_GUILD, CY), (OTHER_GUILD, ANA)):
            for column in sorted(columns):
                await seed[column](tx, guild, member)
    before = {
        (column, member): await rows_naming(db, *column, member)
        for column in columns
        for member in (ANA, BO, CY)
    }

    summary = await taste.forget_me(GUILD, ANA)

    for column in sorted(columns):
        ana, bo, cy = [await rows_naming(db, *column, member) for member in (ANA, BO, CY)]
        if column in FORGOTTEN:
            assert before[(column, ANA)] == 2, column  # one in each server
            assert ana == 1, f"{column}: the member's row in the server remains"
        else:
            assert ana == before[(column, ANA)], f"{column} is kept"
        # Another member's rows, and another server's, stay.
        assert bo == before[(column, BO)], column
        assert cy == before[(column, CY)], column
    assert summary.count("ratings") == 1
    assert summary.total == len(FORGOTTEN)


async def test_forget_me_says_what_it_deleted_and_what_stays(db: Database, taste: TasteService):
    await taste.rate(GUILD, ANA, GOBLIN, 9)
    await taste.watched(GUILD, ANA, TORADORA, 8)
    await taste.watchlist_add(GUILD, ANA, GOBLIN)
    async with db.transaction() as tx:
        await seed_hosted_party(tx, GUILD, ANA)
        await seed_rsvp(tx, GUILD, ANA)
        await seed_vote(tx, GUILD, ANA)
    summary = await taste.forget_me(GUILD, ANA)
    assert summary.guild_id == GUILD
    assert {item.kind: item.count for item in summary.deleted if item.count} == {
        "ratings": 2,
        "watched": 1,
        "watchlist": 1,
        "party_rsvps": 1,
        "poll_votes": 1,
    }
    kept = {note.kind: note.count for note in summary.kept}
    assert kept["parties_hosted"] == 1
    assert kept["anonymous_poll_votes"] is None
    lines = summary.lines()
    assert lines[0] == (
        "Deleted: 2 ratings, 1 titles marked watched, 1 watchlist titles, "
        "1 watch-party RSVPs, 1 poll votes."
    )
    assert any(line.startswith("Kept: 1 watch parties you host.") for line in lines)
    assert any("anonymous polls" in line and "nobody" in line for line in lines)
    assert not any("polls you created" in line for line in lines)  # nothing of that kind


async def test_forget_me_with_nothing_stored_says_so_and_twice_is_harmless(taste: TasteService):
    await taste.rate(GUILD, ANA, GOBLIN, 9)
    assert (await taste.forget_me(GUILD, ANA)).total == 1
    again = await taste.forget_me(GUILD, ANA)
    assert again.total == 0
    assert again.lines()[0] == "There was nothing to delete."


async def test_an_open_polls_running_counts_lose_the_forgotten_vote(
    db: Database, taste: TasteService
):
    async with db.transaction() as tx:
        multi = await insert_poll(tx, GUILD, kind="multi")
        ranked = await insert_poll(tx, GUILD, kind="ranked")
        closed = await insert_poll(tx, GUILD, closed=True)
        await cast(tx, multi, str(ANA), [0, 2])
        await cast(tx, multi, str(BO), [2])
        await cast(tx, ranked, str(ANA), [1, 0, 2])
        await cast(tx, closed, str(ANA), [0])
    await taste.forget_me(GUILD, ANA)

    async def counts(poll_id: int) -> tuple[list[int], int, int]:
        votes = await db.fetchall(
            "SELECT votes FROM poll_options WHERE poll_id = ? ORDER BY position", (poll_id,)
        )
        poll = await db.fetchone("SELECT turnout, revision FROM polls WHERE id = ?", (poll_id,))
        assert poll is not None
        return [row[0] for row in votes], poll[0], poll[1]

    assert await counts(multi) == ([0, 0, 1], 1, 1)
    assert await counts(ranked) == ([0, 0, 0], 0, 1)  # the live tally counts first choices
    # A closed poll keeps its recorded count: an aggregate that names nobody.
    assert await counts(closed) == ([1, 0, 0], 1, 0)
    assert await rows_naming(db, "poll_votes", "voter", ANA) == 0
    assert await rows_naming(db, "poll_votes", "voter", BO) == 1


async def test_without_the_key_anonymous_votes_cannot_be_found_and_stay(
    db: Database, taste: TasteService
):
    async with db.transaction() as tx:
        anonymous = await insert_poll(tx, GUILD, anonymous=True)
        await cast(tx, anonymous, "ab" * 32, [1])
    summary = await taste.forget_me(GUILD, ANA)
    assert summary.count("poll_votes") == 0
    row = await db.fetchone("SELECT count(*) FROM poll_votes WHERE poll_id = ?", (anonymous,))
    assert row is not None
    assert row[0] == 1


async def test_with_the_key_the_members_votes_in_open_anonymous_polls_go_too(
    db: Database, clock: FakeClock, tmp_path: Path
):
    key = VoterKey.load_or_create(tmp_path / "voter.key")
    taste = TasteService(TasteRepository(db), clock, voter_key=key)
    async with db.transaction() as tx:
        open_poll = await insert_poll(tx, GUILD, anonymous=True)
        closed = await insert_poll(tx, GUILD, anonymous=True, closed=True)
        elsewhere = await insert_poll(tx, OTHER_GUILD, anonymous=True)
        await cast(tx, open_poll, key.voter(open_poll, ANA), [1])
        await cast(tx, open_poll, key.voter(open_poll, BO), [1])
        await cast(tx, closed, key.voter(closed, ANA), [0])
        await cast(tx, elsewhere, key.voter(elsewhere, ANA), [0])
    summary = await taste.forget_me(GUILD, ANA)
    assert summary.count("poll_votes") == 1

    async def voters(poll_id: int) -> set[str]:
        rows = await db.fetchall("SELECT voter FROM poll_votes WHERE poll_id = ?", (poll_id,))
        return {row[0] for row in rows}

    assert await voters(open_poll) == {key.voter(open_poll, BO)}
    assert await voters(closed) == {key.voter(closed, ANA)}  # only the count names anyone
    assert await voters(elsewhere) == {key.voter(elsewhere, ANA)}  # another server
    poll = await db.fetchone("SELECT turnout, revision FROM polls WHERE id = ?", (open_poll,))
    assert poll is not None
    assert (poll[0], poll[1]) == (1, 1)


async def test_dms_still_queued_or_of_another_server_stay(db: Database, taste: TasteService):
    async with db.transaction() as tx:
        await party_of(tx, GUILD)
        await party_of(tx, OTHER_GUILD)
        await dm(tx, ANA, CHANNEL[GUILD], state="pending")
        await dm(tx, ANA, CHANNEL[GUILD], state="failed")
        await dm(tx, ANA, CHANNEL[OTHER_GUILD])
        await dm(tx, ANA, None)
    summary = await taste.forget_me(GUILD, ANA)
    assert summary.count("dm_deliveries") == 1
    assert {note.kind: note.count for note in summary.kept}["dms_queued"] == 1
    left = await db.fetchall("SELECT state, fallback_channel_id FROM outbox ORDER BY id")
    assert [tuple(row) for row in left] == [
        ("pending", CHANNEL[GUILD]),
        ("sent", CHANNEL[OTHER_GUILD]),
        ("sent", None),
    ]


async def test_a_member_column_added_later_without_a_place_is_found(db: Database):
    async with db.transaction() as tx:
        await tx.execute(
            "CREATE TABLE future_feature (guild_id INTEGER, owner_id INTEGER, note TEXT) STRICT"
        )
    columns = await member_columns(db)
    assert ("future_feature", "owner_id") in columns
    assert ("future_feature", "owner_id") not in set(FORGOTTEN) | set(KEPT)
    assert ("future_feature", "owner_id") not in seeders()
