import re
from pathlib import Path

import pytest

from bot.config import (
    DEFAULT_DATABASE,
    ENVIRONMENT_VARIABLES,
    Settings,
    SettingsError,
    load_settings,
)

ENV_EXAMPLE = Path(__file__).resolve().parents[2] / ".env.example"


def test_defaults_need_nothing():
    settings = load_settings(env_file=None)
    assert settings.discord_token is None
    assert settings.database == DEFAULT_DATABASE
    assert str(settings.anilist_api_url) == "https://graphql.anilist.co/"
    assert not settings.tmdb_configured


def test_reads_env_file_and_env_wins(tmp_path: Path, monkeypatch):
    env_file = tmp_path / ".env"
    env_file.write_text("DISCORD_TOKEN=abc\nLOG_LEVEL=debug\nDISCORD_DEV_GUILD_ID=42\n")
    monkeypatch.setenv("LOG_LEVEL", "warning")
    settings = load_settings(env_file=env_file)
    assert settings.discord_token is not None
    assert settings.discord_token.get_secret_value() == "abc"
    assert "abc" not in repr(settings)
    assert settings.log_level == "WARNING"
    assert settings.dev_guild_id == 42


def test_blank_values_mean_unset(monkeypatch):
    monkeypatch.setenv("DISCORD_TOKEN", "")
    monkeypatch.setenv("TMDB_API_KEY", "  ")
    monkeypatch.setenv("DISCORD_DEV_GUILD_ID", "")
    settings = load_settings(env_file=None)
    assert settings.discord_token is None
    assert settings.tmdb_api_key is None
    assert settings.dev_guild_id is None


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("DISCORD_DEV_GUILD_ID", "my-server"),
        ("LOG_LEVEL", "LOUD"),
        ("ANILIST_API_URL", "not a url"),
        ("DISCORD_GATEWAY_URL", "http://127.0.0.1:1/gateway"),
    ],
)
def test_malformed_setting_names_itself(monkeypatch, name, value):
    monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError) as caught:
        load_settings(env_file=None)
    message = str(caught.value)
    assert name in message
    assert ".env.example" in message
    assert value not in message or value == "LOUD"


def test_every_setting_has_an_environment_variable():
    assert set(ENVIRONMENT_VARIABLES) == set(Settings.model_fields)
    assert len(set(ENVIRONMENT_VARIABLES.values())) == len(ENVIRONMENT_VARIABLES)
    assert "WATCHCLUB_OFFLINE" in ENVIRONMENT_VARIABLES.values()


def test_each_environment_variable_is_the_one_the_setting_reads(monkeypatch):
    monkeypatch.setenv(ENVIRONMENT_VARIABLES["offline"], "true")
    monkeypatch.setenv(ENVIRONMENT_VARIABLES["dev_guild_id"], "7")
    settings = load_settings(env_file=None)
    assert settings.offline is True
    assert settings.dev_guild_id == 7


def test_env_example_documents_exactly_the_settings():
    documented = re.findall(r"^([A-Z][A-Z0-9_]*)=", ENV_EXAMPLE.read_text(), flags=re.MULTILINE)
    assert sorted(documented) == sorted(ENVIRONMENT_VARIABLES.values())
