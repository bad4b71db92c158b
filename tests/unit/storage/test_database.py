import asyncio
import contextlib
import sqlite3
from pathlib import Path

import pytest

from bot.storage.database import Database


async def test_pragmas_are_set(db: Database):
    assert (await db.fetchone("PRAGMA journal_mode"))[0] == "wal"
    assert (await db.fetchone("PRAGMA foreign_keys"))[0] == 1
    assert (await db.fetchone("PRAGMA busy_timeout"))[0] == 5000
    async with db.exclusive_writer() as writer, writer.execute("PRAGMA synchronous") as cursor:
        assert (await cursor.fetchone())[0] == 2  # FULL on the writer


async def test_transaction_rolls_back_on_error(db: Database):
    async def failing_write() -> None:
        async with db.transaction() as tx:
            await tx.execute("INSERT INTO bot_meta (key, value, updated_at) VALUES ('a', 'b', 1)")
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        await failing_write()
    assert await db.fetchone("SELECT * FROM bot_meta WHERE key = 'a'") is None


async def test_readers_do_not_see_an_open_transaction(db: Database):
    async with db.transaction() as tx:
        await tx.execute("INSERT INTO bot_meta (key, value, updated_at) VALUES ('a', 'b', 1)")
        assert await db.fetchone("SELECT * FROM bot_meta WHERE key = 'a'") is None
    assert (await db.fetchone("SELECT value FROM bot_meta WHERE key = 'a'"))["value"] == "b"


async def test_backup_is_a_complete_copy(db: Database, tmp_path: Path):
    async with db.transaction() as tx:
        await tx.execute("INSERT INTO bot_meta (key, value, updated_at) VALUES ('k', 'v', 1)")
    copy_path = tmp_path / "backups" / "copy.sqlite3"
    await db.backup_to(copy_path)
    copy = await Database.open(copy_path)
    try:
        assert (await copy.fetchone("SELECT value FROM bot_meta WHERE key='k'"))["value"] == "v"
        assert (await copy.fetchone("PRAGMA user_version"))[0] >= 1
    finally:
        await copy.close()


async def test_size_counts_the_wal(db: Database):
    assert await db.size_bytes() > 0


async def test_cancelled_while_beginning_leaves_no_open_transaction(db: Database):
    """A task cancelled mid-BEGIN must not leave the writer inside a transaction."""
    for delay_steps in range(6):  # cancel at different points of the BEGIN round trip

        async def write() -> None:
            async with db.transaction() as tx:
                await tx.execute(
                    "INSERT INTO bot_meta (key, value, updated_at) VALUES ('c', 'd', 1)"
                    " ON CONFLICT (key) DO NOTHING"
                )

        task = asyncio.create_task(write())
        for _ in range(delay_steps):
            await asyncio.sleep(0)
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        async with db.exclusive_writer() as writer:
            assert not writer.in_transaction
    async with db.transaction() as tx:  # and the database still takes writes
        await tx.execute("INSERT INTO bot_meta (key, value, updated_at) VALUES ('e', 'f', 1)")


async def test_background_tasks_finish_within_the_grace_period():
    from bot.background import BackgroundTasks

    tasks = BackgroundTasks()
    finished: list[str] = []

    async def quick() -> None:
        await asyncio.sleep(0.01)
        finished.append("quick")

    async def stuck() -> None:
        await asyncio.sleep(60)
        finished.append("stuck")

    tasks.spawn(quick(), name="quick")
    tasks.spawn(stuck(), name="stuck")
    await tasks.close(grace=0.1)
    assert finished == ["quick"]
    assert len(tasks) == 0
    assert tasks.spawn(quick(), name="late") is None  # closed: no new work


async def test_a_failed_commit_is_rolled_back_and_writes_go_on(db: Database):
    async with db.transaction() as tx:
        await tx.execute("CREATE TABLE parent (id INTEGER PRIMARY KEY)")
        await tx.execute(
            "CREATE TABLE child (parent_id INTEGER"
            " REFERENCES parent (id) DEFERRABLE INITIALLY DEFERRED)"
        )

    async def orphan() -> None:
        async with db.transaction() as tx:
            await tx.execute("INSERT INTO child (parent_id) VALUES (42)")  # fails at COMMIT

    with pytest.raises(sqlite3.IntegrityError):
        await orphan()
    async with db.exclusive_writer() as writer:
        assert not writer.in_transaction
    async with db.transaction() as tx:
        await tx.execute("INSERT INTO parent (id) VALUES (1)")
    assert (await db.fetchone("SELECT count(*) FROM child"))[0] == 0


async def test_a_cancelled_read_leaves_no_stale_snapshot_behind(db: Database):
    async with db.transaction() as tx:
        await tx.execute("INSERT INTO bot_meta (key, value, updated_at) VALUES ('a', '1', 1)")
    for _ in range(20):
        read = asyncio.create_task(db.fetchall("SELECT key FROM bot_meta"))
        await asyncio.sleep(0)
        read.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await read
    async with db.transaction() as tx:
        await tx.execute("INSERT INTO bot_meta (key, value, updated_at) VALUES ('b', '2', 2)")
    rows = await db.fetchall("SELECT key FROM bot_meta ORDER BY key")
    assert [row["key"] for row in rows] == ["a", "b"]
