import sqlite3
from pathlib import Path

import pytest

from bot.storage import migrations
from bot.storage.database import Database
from bot.storage.migrations import Migration, MigrationError, bundled_migrations, split_statements


async def _tables(db: Database) -> list[str]:
    rows = await db.fetchall("SELECT name FROM sqlite_schema WHERE type='table' ORDER BY name")
    return [row["name"] for row in rows]


async def _dump(path: Path) -> list[str]:
    connection = sqlite3.connect(path)
    try:
        version = connection.execute("PRAGMA user_version").fetchone()[0]
        return [*connection.iterdump(), f"user_version={version}"]
    finally:
        connection.close()


def test_bundled_migrations_are_numbered_without_gaps():
    found = bundled_migrations()
    assert [m.version for m in found] == list(range(1, len(found) + 1))
    assert found[0].name == "initial"


async def test_upgrade_from_empty_creates_core_tables(tmp_path: Path):
    db = await Database.open(tmp_path / "fresh.sqlite3")
    try:
        applied = await migrations.upgrade(db)
        assert [m.version for m in applied] == [m.version for m in bundled_migrations()]
        tables = await _tables(db)
        for table in ("guild_settings", "member_settings", "timers", "bot_meta"):
            assert table in tables
        state = await migrations.status(db)
        assert state.current == state.latest
        assert state.pending == ()
        assert await migrations.upgrade(db) == []
    finally:
        await db.close()


async def test_failing_migration_leaves_database_exactly_as_before(tmp_path: Path, db: Database):
    async with db.transaction() as tx:
        await tx.execute("INSERT INTO bot_meta (key, value, updated_at) VALUES ('kept', 'yes', 1)")
    before = await _dump(db.path)
    broken = Migration(
        version=len(bundled_migrations()) + 1,
        name="broken",
        sql=(
            "CREATE TABLE half_done (id INTEGER PRIMARY KEY);\n"
            "INSERT INTO bot_meta (key, value, updated_at) VALUES ('partial', 'x', 2);\n"
            "INSERT INTO no_such_table VALUES (1);\n"
        ),
    )
    with pytest.raises(MigrationError, match="rolled back"):
        await migrations.upgrade(db, [*bundled_migrations(), broken])
    assert await _dump(db.path) == before
    assert "half_done" not in await _tables(db)


async def test_refuses_a_database_newer_than_the_code(tmp_path: Path, db: Database):
    async with db.exclusive_writer() as connection:
        await connection.execute("PRAGMA user_version = 999")
    with pytest.raises(MigrationError, match="999") as caught:
        await migrations.upgrade(db)
    assert "nothing was changed" in str(caught.value)


def test_split_keeps_triggers_whole_and_skips_comments():
    script = (
        "-- header comment\n"
        "CREATE TABLE a (x INTEGER);\n"
        "CREATE TRIGGER t AFTER INSERT ON a BEGIN\n"
        "  UPDATE a SET x = 1;\n"
        "END;\n"
        "-- trailing comment\n"
    )
    statements = split_statements(script)
    assert len(statements) == 2
    assert statements[1].startswith("CREATE TRIGGER")
    with pytest.raises(MigrationError, match="incomplete"):
        split_statements("CREATE TABLE b (x INTEGER)")


async def test_0003_keeps_timers_scheduled_under_the_old_table(tmp_path: Path):
    db = await Database.open(tmp_path / "from-v2.sqlite3")
    try:
        known = bundled_migrations()
        await migrations.upgrade(db, known[:2])
        async with db.transaction() as tx:
            await tx.execute(
                "INSERT INTO timers (key, kind, due_at, payload, created_at)"
                " VALUES ('poll:1:close', 'poll.close', 1800000000, '{\"poll\": 1}', 1700000000)"
            )
        await migrations.upgrade(db, known)
        row = await db.fetchone("SELECT key, kind, due_at, run_at, payload, state FROM timers")
        assert row is not None
        assert dict(row) == {
            "key": "poll:1:close",
            "kind": "poll.close",
            "due_at": 1800000000,
            "run_at": 1800000000,
            "payload": '{"poll": 1}',
            "state": "pending",
        }
        plan = await db.fetchall(
            "EXPLAIN QUERY PLAN SELECT run_at FROM timers WHERE state = 'pending'"
            " ORDER BY run_at LIMIT 1"
        )
        assert "timers_pending_by_run_at" in " ".join(str(r["detail"]) for r in plan)
    finally:
        await db.close()


async def test_a_later_rebuild_of_the_outbox_keeps_the_files_waiting_with_it(db: Database):
    async with db.transaction() as tx:
        await tx.execute(
            "INSERT INTO outbox (id, dedupe_key, channel_id, content, send_after, created_at)"
            " VALUES (7, 'chart', 1, 'tally', 0, 0)"
        )
        await tx.execute(
            "INSERT INTO outbox_files (outbox_id, position, filename, data)"
            " VALUES (7, 0, 'tally.png', x'89504e47')"
        )
    rebuild = Migration(
        version=len(bundled_migrations()) + 1,
        name="rebuild_outbox",
        sql=(
            "CREATE TABLE outbox_next (id INTEGER PRIMARY KEY, dedupe_key TEXT, content TEXT);\n"
            "INSERT INTO outbox_next SELECT id, dedupe_key, content FROM outbox;\n"
            "DROP TABLE outbox;\n"
            "ALTER TABLE outbox_next RENAME TO outbox;\n"
        ),
    )
    await migrations.upgrade(db, [*bundled_migrations(), rebuild])
    row = await db.fetchone("SELECT filename FROM outbox_files WHERE outbox_id = 7")
    assert row is not None
    assert row["filename"] == "tally.png"


async def test_a_migration_that_leaves_a_dangling_reference_is_rolled_back(db: Database):
    dangling = Migration(
        version=len(bundled_migrations()) + 1,
        name="dangling",
        sql=(
            "INSERT INTO outbox_files (outbox_id, position, filename, data)"
            " VALUES (404, 0, 'lost.png', x'00');\n"
        ),
    )
    with pytest.raises(MigrationError, match="outbox_files refers to a missing row in outbox"):
        await migrations.upgrade(db, [*bundled_migrations(), dangling])
    assert await db.fetchone("SELECT 1 FROM outbox_files") is None
    assert (await migrations.status(db)).current == len(bundled_migrations())


async def test_a_failed_commit_leaves_the_connection_usable_with_foreign_keys_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    db = await Database.open(tmp_path / "disk-full.sqlite3")
    real = migrations.run_statement

    async def disk_full_at_commit(connection, sql, params=()):
        if sql == "COMMIT":
            raise sqlite3.OperationalError("disk I/O error")
        await real(connection, sql, params)

    monkeypatch.setattr(migrations, "run_statement", disk_full_at_commit)
    try:
        with pytest.raises(MigrationError, match="0001_initial failed and was rolled back"):
            await migrations.upgrade(db)
        monkeypatch.setattr(migrations, "run_statement", real)
        async with db.transaction() as tx:  # the writer is not stuck inside a transaction
            row = await tx.fetchone("PRAGMA foreign_keys")
        assert row is not None
        assert row[0] == 1
        assert (await migrations.status(db)).current == 0
    finally:
        await db.close()
