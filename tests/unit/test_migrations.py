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
