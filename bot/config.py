"""Typed settings read from the environment and `.env` (see `.env.example`)."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path
from types import MappingProxyType
from typing import Annotated, Literal

from pydantic import AliasChoices, Field, HttpUrl, SecretStr, ValidationError, field_validator
from pydantic.fields import FieldInfo
from pydantic_settings import BaseSettings, SettingsConfigDict

LogLevel = Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"]

DEFAULT_DATABASE = Path("data/watchclub.sqlite3")


class SettingsError(Exception):
    """A setting is missing or malformed; the message names it and points to `.env.example`."""


def _env(name: str) -> AliasChoices:
    return AliasChoices(name, name.lower())


class Settings(BaseSettings):
    """Every setting the bot reads. Environment variables win over `.env`."""

    model_config = SettingsConfigDict(
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        populate_by_name=True,
        frozen=True,
    )

    discord_token: Annotated[SecretStr | None, Field(validation_alias=_env("DISCORD_TOKEN"))] = None
    database: Annotated[Path, Field(validation_alias=_env("WATCHCLUB_DATABASE"))] = DEFAULT_DATABASE
    voter_key_file: Annotated[
        Path | None, Field(validation_alias=_env("WATCHCLUB_VOTER_KEY_FILE"))
    ] = None
    dev_guild_id: Annotated[
        int | None, Field(validation_alias=_env("DISCORD_DEV_GUILD_ID"), gt=0)
    ] = None
    log_level: Annotated[LogLevel, Field(validation_alias=_env("LOG_LEVEL"))] = "INFO"
    tmdb_api_key: Annotated[SecretStr | None, Field(validation_alias=_env("TMDB_API_KEY"))] = None
    offline: Annotated[bool, Field(validation_alias=_env("WATCHCLUB_OFFLINE"))] = False
    anilist_api_url: Annotated[HttpUrl, Field(validation_alias=_env("ANILIST_API_URL"))] = HttpUrl(
        "https://graphql.anilist.co"
    )
    tvmaze_api_url: Annotated[HttpUrl, Field(validation_alias=_env("TVMAZE_API_URL"))] = HttpUrl(
        "https://api.tvmaze.com"
    )
    tmdb_api_url: Annotated[HttpUrl, Field(validation_alias=_env("TMDB_API_URL"))] = HttpUrl(
        "https://api.themoviedb.org/3"
    )
    discord_api_base_url: Annotated[
        HttpUrl | None, Field(validation_alias=_env("DISCORD_API_BASE_URL"))
    ] = None
    discord_gateway_url: Annotated[
        str | None, Field(validation_alias=_env("DISCORD_GATEWAY_URL"))
    ] = None

    @field_validator("discord_token", "tmdb_api_key", mode="before")
    @classmethod
    def _blank_is_unset(cls, value: object) -> object:
        # `.env.example` ships `DISCORD_TOKEN=`; an empty value means "not configured".
        if isinstance(value, str) and not value.strip():
            return None
        return value

    @field_validator(
        "dev_guild_id",
        "discord_api_base_url",
        "discord_gateway_url",
        "voter_key_file",
        mode="before",
    )
    @classmethod
    def _blank_optional(cls, value: object) -> object:
        if isinstance(value, str) and not value.strip():
            return None
        return value

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper_level(cls, value: object) -> object:
        return value.upper() if isinstance(value, str) else value

    @field_validator("discord_gateway_url")
    @classmethod
    def _websocket_url(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("ws://", "wss://")):
            raise ValueError("must be a ws:// or wss:// URL")
        return value

    @property
    def log_level_number(self) -> int:
        return logging.getLevelNamesMapping()[self.log_level]

    @property
    def voter_key_path(self) -> Path:
        """The key that hides who voted in anonymous polls: a file of its own beside the
        database unless set, never inside it."""
        if self.voter_key_file is not None:
            return self.voter_key_file
        return self.database.with_name(self.database.stem + ".voter-key")

    @property
    def chart_cache_dir(self) -> Path:
        """matplotlib's font cache, kept between runs so a restart does not rebuild it."""
        return self.database.parent / "matplotlib"

    @property
    def tmdb_configured(self) -> bool:
        return self.tmdb_api_key is not None


def _environment_variable(field: FieldInfo) -> str | None:
    alias = field.validation_alias
    if isinstance(alias, AliasChoices) and alias.choices and isinstance(alias.choices[0], str):
        return alias.choices[0]
    return None


ENVIRONMENT_VARIABLES: Mapping[str, str] = MappingProxyType(
    {
        field_name: variable
        for field_name, field in Settings.model_fields.items()
        if (variable := _environment_variable(field)) is not None
    }
)
"""Each Settings field and the environment variable (or `.env` key) it is read from, taken from
the fields' validation aliases so it cannot drift; tests/unit/test_config.py checks that every
field has one and that `.env.example` documents each."""


def load_settings(env_file: Path | None = Path(".env")) -> Settings:
    """Read the settings, turning a validation failure into one line a person can act on."""
    try:
        return Settings(_env_file=env_file)  # type: ignore[call-arg]
    except ValidationError as exc:
        first = exc.errors()[0]
        field = str(first["loc"][0]) if first["loc"] else "?"
        name = ENVIRONMENT_VARIABLES.get(field, field.upper())
        # Never echo the offending value: it may be a secret pasted into the wrong variable.
        raise SettingsError(
            f"setting {name} is invalid: {first['msg']}. See .env.example for what it accepts."
        ) from None
