"""`watchclub run` as its own process against the sandbox: start, answer, stop on SIGTERM."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import time
from pathlib import Path

import pytest

from sandbox import Sandbox

pytestmark = pytest.mark.slow


def _entry_point() -> list[str]:
    script = Path(sys.executable).with_name("watchclub")
    return [str(script)] if script.exists() else [sys.executable, "-m", "bot"]


def _environment(sandbox: Sandbox, database: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "WATCHCLUB_"))}
    env.update(
        DISCORD_TOKEN=sandbox.token,
        WATCHCLUB_DATABASE=str(database),
        DISCORD_API_BASE_URL=sandbox.api_base_url,
        DISCORD_GATEWAY_URL=sandbox.gateway_url,
        ANILIST_API_URL="http://127.0.0.1:9/",
        TVMAZE_API_URL="http://127.0.0.1:9/",
        TMDB_API_URL="http://127.0.0.1:9/",
        LOG_LEVEL="INFO",
    )
    return env


async def test_run_answers_a_command_and_stops_cleanly(sandbox: Sandbox, world, tmp_path: Path):
    guild = world.guild("K-Drama Club")
    started = time.monotonic()
    process = await asyncio.create_subprocess_exec(
        *_entry_point(),
        "run",
        cwd=tmp_path,
        env=_environment(sandbox, tmp_path / "club.sqlite3"),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        synced = asyncio.create_task(sandbox.wait_synced(timeout=30))
        exited = asyncio.create_task(process.wait())
        await asyncio.wait({synced, exited}, return_when=asyncio.FIRST_COMPLETED)
        if exited.done():
            synced.cancel()
            stderr = await process.stderr.read() if process.stderr else b""
            pytest.fail(f"watchclub run exited with {process.returncode}:\n{stderr.decode()}")
        exited.cancel()
        await synced
        result = await sandbox.slash(
            "help", member=guild.member("sora"), channel=guild.channel("general")
        )
        first_answer = time.monotonic() - started
        assert result.embeds[0]["title"] == "watchclub"
        process.send_signal(signal.SIGTERM)
        _, stderr = await asyncio.wait_for(process.communicate(), timeout=30)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    log = stderr.decode()
    assert process.returncode == 0, log
    assert "Stopped cleanly" in log
    assert sandbox.token not in log
    print(f"startup to first command answered: {first_answer:.2f} s")


async def _watchclub(
    sandbox: Sandbox, database: Path, *args: str, token: str | None = None
) -> tuple[int, str, str]:
    env = _environment(sandbox, database)
    if token is not None:
        env["DISCORD_TOKEN"] = token
    process = await asyncio.create_subprocess_exec(
        *_entry_point(),
        *args,
        cwd=database.parent,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    stdout, stderr = await asyncio.wait_for(process.communicate(), timeout=60)
    assert process.returncode is not None
    return process.returncode, stdout.decode(), stderr.decode()


async def test_sync_command_forces_a_sync(sandbox: Sandbox, tmp_path: Path):
    database = tmp_path / "club.sqlite3"
    for expected_syncs in (1, 2):
        code, out, err = await _watchclub(sandbox, database, "sync")
        assert code == 0, err
        assert out.strip() == "Commands synced."
        assert sandbox.sync_count == expected_syncs
    assert {c["name"] for c in sandbox.synced_commands()} == {
        "help",
        "about",
        "config",
        "timezone",
        "title",
        "watchparty",
        "poll",
        "rate",
        "watched",
        "notinterested",
        "watchlist",
        "privacy",
        "recommend",
        "taste",
    }
    assert sandbox.identify_count == 0  # REST only: no gateway session is spent


async def test_wrong_token_is_one_clear_line(sandbox: Sandbox, tmp_path: Path):
    database = tmp_path / "club.sqlite3"
    code, _, err = await _watchclub(sandbox, database, "run", token="not-the-token")
    assert code == 2
    assert "Discord rejected DISCORD_TOKEN" in err
    assert "Traceback" not in err
