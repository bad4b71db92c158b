"""One bot per database: a second `watchclub run` on the same file is refused."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from bot.cli import main
from bot.instance_lock import AlreadyRunning, exclusive_instance, lock_path_for

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="flock is POSIX only")


def test_a_second_holder_is_refused_and_the_lock_frees_when_the_first_stops(tmp_path: Path):
    database = tmp_path / "club.sqlite3"
    with (
        exclusive_instance(database),
        pytest.raises(AlreadyRunning, match="already running on"),
        exclusive_instance(database),
    ):
        pass
    with exclusive_instance(database):  # released: the next start is fine
        pass


def test_watchclub_run_refuses_a_database_another_bot_uses(capsys, tmp_path: Path, monkeypatch):
    database = tmp_path / "club.sqlite3"
    monkeypatch.setenv("WATCHCLUB_DATABASE", str(database))
    monkeypatch.setenv("DISCORD_TOKEN", "not-used-because-the-lock-comes-first")
    with exclusive_instance(database):
        assert main(["run"]) == 1
    err = capsys.readouterr().err
    assert "another watchclub" in err
    assert "is already running on" in err
    assert lock_path_for(database).exists()
