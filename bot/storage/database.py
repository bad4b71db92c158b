"""The SQLite connection pair and the one way to write: `async with db.transaction() as tx:`.

Durability choice: the writer runs `synchronous=FULL`. In WAL mode NORMAL may roll back
acknowledged commits after a power loss; a vote or a scheduled reminder that the user saw
confirmed must survive that, and batching keeps the per-commit fsync affordable.
Reads go through a second connection so they never see another coroutine's open transaction.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aiosqlite

BUSY_TIMEOUT_MS = 5000

Params = Sequence[Any] | dict[str, Any]


class Transaction:
    """A write transaction in progress; only statements run through it are part of it."""

    def __init__(self, connection: aiosqlite.Connection) -> None:
        self._connection = connection

    async def execute(self, sql: str, params: Params = ()) -> int:
        """Run one statement; returns the number of rows it changed."""
        cursor = await self._connection.execute(sql, params)
        try:
            return cursor.rowcount
        finally:
            await cursor.close()

    async def insert(self, sql: str, params: Params = ()) -> int:
        """Run an INSERT; returns the new row id."""
        cursor = await self._connection.execute(sql, params)
        try:
            return cursor.lastrowid or 0
        finally:
            await cursor.close()

    async def executemany(self, sql: str, rows: Iterable[Params]) -> None:
        """Run one statement per row; no rows costs no trip to the database thread."""
        batch = list(rows)
        if not batch:
            return
        cursor = await self._connection.executemany(sql, batch)
        await cursor.close()

    async def fetchone(self, sql: str, params: Params = ()) -> sqlite3.Row | None:
        async with self._connection.execute(sql, params) as cursor:
            row: sqlite3.Row | None = await cursor.fetchone()
            return row

    async def fetchall(self, sql: str, params: Params = ()) -> list[sqlite3.Row]:
        async with self._connection.execute(sql, params) as cursor:
            return list(await cursor.fetchall())


class Database:
    """One writer connection (serialised by a lock) and one reader connection, both WAL."""

    def __init__(
        self, path: Path, writer: aiosqlite.Connection, reader: aiosqlite.Connection
    ) -> None:
        self.path = path
        self._writer = writer
        self._reader = reader
        self._write_lock = asyncio.Lock()

    @classmethod
    async def open(cls, path: Path) -> Database:
        path.parent.mkdir(parents=True, exist_ok=True)
        writer = await _connect(path, synchronous="FULL")
        try:
            reader = await _connect(path, synchronous="NORMAL")
        except BaseException:
            await writer.close()
            raise
        return cls(path, writer, reader)

    async def close(self) -> None:
        async with self._write_lock:
            # The reader goes first: a read it still holds would make the checkpoint wait out
            # the whole busy timeout. Then fold the WAL back into the main file, so a copied
            # database is complete on its own.
            try:
                await self._reader.close()
                await run_statement(self._writer, "PRAGMA wal_checkpoint(TRUNCATE)")
            finally:
                # aiosqlite's thread is not a daemon: an unclosed writer keeps the process alive.
                await self._writer.close()

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Transaction]:
        """BEGIN IMMEDIATE … COMMIT, or ROLLBACK if the block raises or is cancelled."""
        async with self._write_lock:
            try:
                await _run_to_end(self._writer, "BEGIN IMMEDIATE")
            except asyncio.CancelledError:
                # Cancelled while BEGIN ran on the connection's thread: it may have begun.
                if self._writer.in_transaction:
                    await _run_to_end(self._writer, "ROLLBACK")
                raise
            try:
                yield Transaction(self._writer)
                await _run_to_end(self._writer, "COMMIT")
            except BaseException:
                # Also when COMMIT itself failed (disk full, I/O error): otherwise the writer
                # stays inside the transaction and every later write fails until a restart.
                if self._writer.in_transaction:
                    await _run_to_end(self._writer, "ROLLBACK")
                raise

    @asynccontextmanager
    async def exclusive_writer(self) -> AsyncIterator[aiosqlite.Connection]:
        """The raw writer, for the migration runner and backups, which manage their own work."""
        async with self._write_lock:
            yield self._writer

    async def fetchone(self, sql: str, params: Params = ()) -> sqlite3.Row | None:
        """The first row of a query that returns at most a few (use LIMIT for more)."""
        rows = await self.fetchall(sql, params)
        return rows[0] if rows else None

    async def fetchall(self, sql: str, params: Params = ()) -> list[sqlite3.Row]:
        # One call on the connection's thread that runs the query to its end. With a separate
        # execute and fetch, a read cancelled in between left its statement open, and every
        # later read on this connection saw that old snapshot (and checkpoints were held back).
        return list(await self._reader.execute_fetchall(sql, params))

    async def size_bytes(self) -> int:
        """The database on disk, including its write-ahead log."""
        total = 0
        for suffix in ("", "-wal"):
            candidate = self.path.with_name(self.path.name + suffix)
            if candidate.exists():
                total += candidate.stat().st_size
        return total

    async def backup_to(self, destination: Path) -> None:
        """Copy the live database with SQLite's online backup API (safe while the bot runs)."""
        destination.parent.mkdir(parents=True, exist_ok=True)
        target = await aiosqlite.connect(destination)
        try:
            async with self._write_lock:
                await self._writer.backup(target)
        finally:
            await target.close()


async def run_statement(connection: aiosqlite.Connection, sql: str, params: Params = ()) -> None:
    """Run a statement for its effect and close its cursor at once.

    A cursor left open keeps its statement active (PRAGMA journal_mode returns a row nobody
    reads), and an active statement makes a later checkpoint fail with "table is locked".
    """
    cursor = await connection.execute(sql, params)
    await cursor.close()


async def _run_to_end(connection: aiosqlite.Connection, sql: str) -> None:
    """Run a transaction boundary that must finish even if the caller is cancelled.

    aiosqlite runs the statement on its own thread, so cancelling the await does not stop it;
    the connection's state would then differ from what the code believes. Wait it out, then
    let the cancellation continue.
    """
    statement = asyncio.ensure_future(run_statement(connection, sql))
    try:
        await asyncio.shield(statement)
    except asyncio.CancelledError:
        await statement
        raise


async def _connect(path: Path, *, synchronous: str) -> aiosqlite.Connection:
    connection = await aiosqlite.connect(path, isolation_level=None)
    connection.row_factory = sqlite3.Row
    for pragma in (
        "PRAGMA journal_mode=WAL",
        f"PRAGMA synchronous={synchronous}",
        "PRAGMA foreign_keys=ON",
        f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}",
    ):
        await run_statement(connection, pragma)
    return connection
