"""Forward-only migrations: `migrations/NNNN_name.sql`, version kept in `PRAGMA user_version`.

Each pending file and its version bump apply in ONE transaction. `executescript()` is avoided on
purpose: it commits any open transaction first, so a failing file would be left half-applied.

Foreign keys are off while a file runs, as SQLite's procedure for schema changes asks: rebuilding
a table (create the new one, copy, drop the old, rename) would otherwise cascade the drop into
the rows that reference it. `PRAGMA foreign_key_check` then runs before the commit, and a file
that leaves a dangling reference is rolled back.
"""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass
from importlib import resources

import aiosqlite

from bot.storage.database import Database, run_statement

_FILE_PATTERN = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")


class MigrationError(Exception):
    """The database cannot be brought to the schema this code expects."""


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    sql: str

    def statements(self) -> list[str]:
        return split_statements(self.sql)


@dataclass(frozen=True)
class SchemaStatus:
    current: int
    latest: int
    pending: tuple[Migration, ...]


def split_statements(script: str) -> list[str]:
    """Split a script into complete statements (triggers with inner `;` stay whole)."""
    statements: list[str] = []
    buffer = ""
    for line in script.splitlines(keepends=True):
        buffer += line
        if sqlite3.complete_statement(buffer):
            if _has_sql(buffer):
                statements.append(buffer.strip())
            buffer = ""
    if _has_sql(buffer):
        raise MigrationError(f"incomplete SQL statement at the end: {buffer.strip()[:60]!r}")
    return statements


def _has_sql(text: str) -> bool:
    code = "\n".join(line.split("--", 1)[0] for line in text.splitlines())
    return bool(code.strip().strip(";").strip())


def bundled_migrations() -> list[Migration]:
    """The migrations shipped in the `migrations` package, in order, checked for gaps."""
    found: list[Migration] = []
    for entry in resources.files("migrations").iterdir():
        match = _FILE_PATTERN.match(entry.name)
        if match:
            found.append(Migration(int(match[1]), match[2], entry.read_text(encoding="utf-8")))
    found.sort(key=lambda migration: migration.version)
    for expected, migration in enumerate(found, start=1):
        if migration.version != expected:
            raise MigrationError(f"migration {expected:04d} is missing (found {migration.name})")
    return found


async def current_version(connection: aiosqlite.Connection) -> int:
    async with connection.execute("PRAGMA user_version") as cursor:
        row = await cursor.fetchone()
    return int(row[0]) if row else 0


async def status(db: Database, migrations: list[Migration] | None = None) -> SchemaStatus:
    known = bundled_migrations() if migrations is None else migrations
    async with db.exclusive_writer() as connection:
        current = await current_version(connection)
    latest = known[-1].version if known else 0
    pending = tuple(m for m in known if m.version > current)
    return SchemaStatus(current=current, latest=latest, pending=pending)


async def upgrade(db: Database, migrations: list[Migration] | None = None) -> list[Migration]:
    """Apply every pending migration; returns those applied. Refuses a newer database."""
    known = bundled_migrations() if migrations is None else migrations
    latest = known[-1].version if known else 0
    applied: list[Migration] = []
    async with db.exclusive_writer() as connection:
        current = await current_version(connection)
        if current > latest:
            raise MigrationError(
                f"the database is at schema version {current}, but this watchclub only knows "
                f"up to {latest}. Upgrade watchclub or restore a backup; nothing was changed."
            )
        for migration in known:
            if migration.version <= current:
                continue
            await _apply(connection, migration)
            applied.append(migration)
    return applied


async def _apply(connection: aiosqlite.Connection, migration: Migration) -> None:
    # The pragma is a no-op inside a transaction, so it is set before BEGIN, and set back only
    # once the transaction is over, whichever way it ended.
    await run_statement(connection, "PRAGMA foreign_keys = OFF")
    try:
        await run_statement(connection, "BEGIN IMMEDIATE")
        for statement in migration.statements():
            await run_statement(connection, statement)
        async with connection.execute("PRAGMA foreign_key_check") as cursor:
            dangling = await cursor.fetchone()
        if dangling is not None:
            raise sqlite3.IntegrityError(
                f"a row in {dangling[0]} refers to a missing row in {dangling[2]}"
            )
        # PRAGMA arguments cannot be bound; the version is an int from the file name.
        await run_statement(connection, f"PRAGMA user_version = {int(migration.version)}")
        await run_statement(connection, "COMMIT")
    except sqlite3.Error as exc:
        raise MigrationError(
            f"migration {migration.version:04d}_{migration.name} failed and was rolled back: {exc}"
        ) from exc
    finally:
        # Also when COMMIT itself failed, or the task was cancelled mid-statement.
        if connection.in_transaction:
            await run_statement(connection, "ROLLBACK")
        await run_statement(connection, "PRAGMA foreign_keys = ON")
