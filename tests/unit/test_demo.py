"""bot/demo.py's settings builder, shared by the demo and the tests (via tests/support/settings)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.config import ENVIRONMENT_VARIABLES
from bot.demo import demo_settings
from sandbox import Sandbox, World
from tests.support.settings import sandbox_settings

# A value for every variable that would break the bot if it leaked into the sandbox's settings.
LEAKS = {
    "DISCORD_TOKEN": "a-real-token",
    "WATCHCLUB_DATABASE": "/srv/watchclub/prod.sqlite3",
    "DISCORD_DEV_GUILD_ID": "42",
    "LOG_LEVEL": "DEBUG",
    "TMDB_API_KEY": "a-real-key",
    "WATCHCLUB_OFFLINE": "true",
    "ANILIST_API_URL": "https://graphql.anilist.co",
    "TVMAZE_API_URL": "https://api.tvmaze.com",
    "TMDB_API_URL": "https://api.themoviedb.org/3",
    "DISCORD_API_BASE_URL": "https://discord.com/api/v10",
    "DISCORD_GATEWAY_URL": "wss://gateway.discord.gg",
    "WATCHCLUB_VOTER_KEY_FILE": "/srv/watchclub/voter.key",
}


@pytest.fixture
async def sandbox() -> AsyncIterator[Sandbox]:
    async with Sandbox(World.default()) as running:
        yield running


def test_every_setting_has_a_leak_to_try() -> None:
    assert set(LEAKS) == set(ENVIRONMENT_VARIABLES.values())


async def test_neither_environment_nor_env_file_leaks_in(
    sandbox: Sandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / ".env").write_text("".join(f"{k}={v}\n" for k, v in LEAKS.items()))
    monkeypatch.chdir(tmp_path)
    for name, value in LEAKS.items():
        monkeypatch.setenv(name, value)

    settings = sandbox_settings(sandbox, tmp_path / "db.sqlite3")

    assert settings.discord_token is not None
    assert settings.discord_token.get_secret_value() == sandbox.token
    assert settings.database == tmp_path / "db.sqlite3"
    assert str(settings.discord_api_base_url) == sandbox.api_base_url
    assert settings.discord_gateway_url == sandbox.gateway_url
    assert settings.dev_guild_id is None
    assert settings.voter_key_path == tmp_path / "db.voter-key"
    assert settings.log_level == "INFO"
    assert settings.tmdb_api_key is None
    assert settings.offline is False
    for url in (settings.anilist_api_url, settings.tvmaze_api_url, settings.tmdb_api_url):
        assert url.host == "127.0.0.1"


async def test_overrides_replace_settings_by_field_name(sandbox: Sandbox, tmp_path: Path) -> None:
    settings = sandbox_settings(sandbox, tmp_path / "db.sqlite3", dev_guild_id=7, offline=True)

    assert settings.dev_guild_id == 7
    assert settings.offline is True


async def test_an_unknown_override_is_an_error_not_ignored(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    with pytest.raises(TypeError, match="dev_guild"):
        sandbox_settings(sandbox, tmp_path / "db.sqlite3", dev_guild=7)


async def test_the_demo_runs_offline_and_quietly(sandbox: Sandbox, tmp_path: Path) -> None:
    settings = demo_settings(sandbox, tmp_path / "demo.sqlite3")

    assert settings.offline is True
    assert settings.log_level == "WARNING"
    assert settings.discord_gateway_url == sandbox.gateway_url
