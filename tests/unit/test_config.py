from pathlib import Path

import pytest

from bot.config import DEFAULT_DATABASE, SettingsError, load_settings


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
