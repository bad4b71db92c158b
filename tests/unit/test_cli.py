"""The `watchclub` command line, in-process: exit codes and what a person reads."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from bot.cli import main
from bot.storage.migrations import bundled_migrations


def test_run_without_token_points_to_setup_and_demo(capsys):
    assert main(["run"]) == 2
    err = capsys.readouterr().err
    assert "DISCORD_TOKEN is not set" in err
    assert "README.md" in err
    assert "watchclub demo" in err
    assert "Traceback" not in err


def test_malformed_setting_is_one_line_and_exit_2(capsys, monkeypatch):
    monkeypatch.setenv("DISCORD_DEV_GUILD_ID", "our-server")
    assert main(["run"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0
    assert "DISCORD_DEV_GUILD_ID" in err
    assert ".env.example" in err


def test_settings_come_from_dot_env(capsys, tmp_path: Path):
    (tmp_path / ".env").write_text("LOG_LEVEL=chatty\n")  # tests run in tmp_path
    assert main(["db", "status"]) == 2
    assert "LOG_LEVEL" in capsys.readouterr().err


def test_db_upgrade_status_and_backup(capsys, tmp_path: Path, monkeypatch):
    database = tmp_path / "nested" / "club.sqlite3"
    monkeypatch.setenv("WATCHCLUB_DATABASE", str(database))
    latest = len(bundled_migrations())

    assert main(["db", "status"]) == 1
    assert "there is no database" in capsys.readouterr().err
    assert not database.exists()

    assert main(["db", "upgrade"]) == 0
    out = capsys.readouterr().out
    assert "applied 0001_initial" in out
    assert f"schema version {latest} (up to date)" in out

    assert main(["db", "status"]) == 0
    assert "pending: none" in capsys.readouterr().out

    backup = tmp_path / "backup.sqlite3"
    assert main(["db", "backup", str(backup)]) == 0
    assert "backed up" in capsys.readouterr().out
    copy = sqlite3.connect(backup)
    try:
        assert copy.execute("PRAGMA user_version").fetchone()[0] == latest
        tables = {row[0] for row in copy.execute("SELECT name FROM sqlite_schema")}
        assert "guild_settings" in tables
    finally:
        copy.close()


def test_db_status_lists_pending_migrations(capsys, tmp_path: Path, monkeypatch):
    database = tmp_path / "old.sqlite3"
    sqlite3.connect(database).close()  # an empty database at schema version 0
    monkeypatch.setenv("WATCHCLUB_DATABASE", str(database))
    assert main(["db", "status"]) == 0
    out = capsys.readouterr().out
    assert "schema version: 0" in out
    assert "pending: 0001_initial" in out


def test_db_refuses_newer_schema(capsys, tmp_path: Path, monkeypatch):
    database = tmp_path / "future.sqlite3"
    connection = sqlite3.connect(database)
    connection.execute("PRAGMA user_version = 99")
    connection.close()
    monkeypatch.setenv("WATCHCLUB_DATABASE", str(database))
    assert main(["db", "upgrade"]) == 1
    assert "schema version 99" in capsys.readouterr().err
    assert main(["db", "status"]) == 0
    assert "newer than this watchclub" in capsys.readouterr().out


def test_version_flag(capsys):
    with pytest.raises(SystemExit) as exited:
        main(["--version"])
    assert exited.value.code == 0
    assert capsys.readouterr().out.startswith("watchclub ")


def test_timers_status_and_retry_dead(capsys, tmp_path: Path, monkeypatch):
    database = tmp_path / "club.sqlite3"
    monkeypatch.setenv("WATCHCLUB_DATABASE", str(database))
    assert main(["timers", "status"]) == 1
    assert "there is no database" in capsys.readouterr().err

    assert main(["db", "upgrade"]) == 0
    with sqlite3.connect(database) as connection:
        connection.execute(
            "INSERT INTO timers (key, kind, due_at, run_at, state, attempts, finished_at,"
            " last_error, created_at) VALUES ('poll:7:close', 'poll.close', 1795000000,"
            " 1795000000, 'dead', 5, 1795000600, 'failed 5 times; last: boom', 1794990000)"
        )
        connection.execute(
            "INSERT INTO timers (key, kind, due_at, run_at, created_at)"
            " VALUES ('party:3', 'party.remind', 1895000000, 1895000000, 1794990000)"
        )
        connection.execute(
            "INSERT INTO outbox (dedupe_key, member_id, content, state, send_after, created_at,"
            " finished_at, last_error) VALUES ('x', 42, 'hi', 'failed', 0, 0, 1795000000,"
            " 'rejected: the member''s DMs are closed and there is no channel to use')"
        )
        for key, outcome in (("e1", "edited"), ("e2", "superseded"), ("e3", "message_gone")):
            connection.execute(
                "INSERT INTO outbox (dedupe_key, action, channel_id, target_message_id, state,"
                " outcome, send_after, created_at) VALUES (?, 'edit', 5, 6, 'sent', ?, 0, 0)",
                (key, outcome),
            )
        connection.execute(
            "INSERT INTO event_mirroring (guild_id, off_code, off_reason, off_since)"
            " VALUES (77, 50013, 'I lack the Manage Events permission', 1795000000)"
        )
    capsys.readouterr()

    assert main(["timers", "status"]) == 0
    out = capsys.readouterr().out
    assert "timers: 1 pending, 0 running, 0 done, 1 dead" in out
    assert "next due: 2030-01-18 20:53:20 UTC" in out
    assert "deliveries: 0 queued, 1 failed" in out
    assert "messages: 0 sent (0 as DMs, 0 to a channel because DMs were closed)" in out
    assert "edits: 1 applied, 1 collapsed into a newer one, 1 of deleted messages" in out
    assert "server 77 since 2026-11-18 " in out
    assert "I lack the Manage Events permission" in out
    assert "poll:7:close [poll.close] due 2026-11-18 " in out
    assert "5 attempts: failed 5 times; last: boom" in out
    assert "#1 DM to member 42 at 2026-11-18 " in out

    assert main(["timers", "retry-dead"]) == 0
    assert "re-queued 1 dead timers" in capsys.readouterr().out
    assert main(["timers", "status"]) == 0
    assert "timers: 2 pending, 0 running, 0 done, 0 dead" in capsys.readouterr().out
