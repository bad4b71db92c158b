"""Shared fixtures: a migrated database in tmp_path and a controllable clock.

`FakeClock` lives in tests/support/clock.py; it is re-exported here for older imports.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.config import ENVIRONMENT_VARIABLES
from bot.storage import migrations
from bot.storage.database import Database
from tests.support.clock import FakeClock

__all__ = ["FakeClock"]  # re-exported: some tests still import it from here


@pytest.fixture(autouse=True)
def _isolated_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """A developer's own .env or exported token must never leak into a test."""
    for name in ENVIRONMENT_VARIABLES.values():
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = await Database.open(tmp_path / "watchclub.sqlite3")
    await migrations.upgrade(database)
    yield database
    await database.close()
