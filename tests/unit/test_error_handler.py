"""What the central error handler tells the user, per kind of error."""

from __future__ import annotations

import logging
import sqlite3

import discord
import pytest
from discord import app_commands

from bot.error_handler import describe_error, echo_input, failed_reply, reply_with_error
from bot.errors import UserFacingError


def _invoke_error(original: Exception) -> app_commands.CommandInvokeError:
    command = app_commands.Command(name="x", description="x", callback=_callback)
    return app_commands.CommandInvokeError(command, original)


async def _callback(interaction: discord.Interaction) -> None:
    return None


def test_expected_errors_are_shown_as_they_are():
    reply = describe_error(_invoke_error(UserFacingError("Pick a text channel.")))
    assert reply.content == "Pick a text channel."
    assert reply.error_code is None


def test_permission_errors_name_the_permission():
    reply = describe_error(app_commands.MissingPermissions(["manage_guild"]))
    assert reply.content == "You need the **Manage Server** permission to do that."


def test_stale_commands_get_a_plain_message():
    reply = describe_error(app_commands.CommandNotFound("old", []))
    assert "commands were just updated" in reply.content
    assert reply.error_code is None


def test_unexpected_errors_get_only_a_code():
    reply = describe_error(_invoke_error(RuntimeError("/home/bot/secret path")))
    assert reply.error_code is not None
    assert reply.error_code in reply.content
    assert "secret" not in reply.content


class _Response:
    """The parts of aiohttp's response that discord.HTTPException reads."""

    def __init__(self, status: int, url: str) -> None:
        self.status = status
        self.reason = "Service Unavailable" if status >= 500 else "Error"
        self.url = url


class _RefusingInteraction:
    """An interaction whose every reply would be a second one: the test fails if it is tried."""

    def __init__(self) -> None:
        self.command = app_commands.Command(name="title", description="x", callback=_callback)
        self.data: dict[str, str] = {}
        self.extras: dict[str, object] = {}
        self.response = self
        self.followup = self

    def is_done(self) -> bool:
        raise AssertionError("a second reply was attempted")

    async def send_message(self, *args, **kwargs) -> None:
        raise AssertionError("a second reply was attempted")

    async def send(self, *args, **kwargs) -> None:
        raise AssertionError("a second reply was attempted")


CALLBACK = "https://discord.com/api/v10/interactions/1/token/callback?with_response=1"


async def test_repeated_server_errors_on_the_reply_are_one_log_line_and_no_second_reply(caplog):
    failed = discord.DiscordServerError(
        _Response(503, CALLBACK), {"message": "503: Service Unavailable", "code": 0}
    )
    with caplog.at_level(logging.DEBUG, logger="bot.error_handler"):
        await reply_with_error(_RefusingInteraction(), _invoke_error(failed))
    [record] = caplog.records
    assert record.levelno == logging.WARNING
    assert record.getMessage() == (
        "Could not reply to /title: Discord kept failing (HTTP 503, code 0)"
    )
    assert record.exc_info is None


def test_only_failures_of_the_reply_itself_are_failed_replies():
    def http(kind: type[discord.HTTPException], status: int, code: int, url: str):
        return kind(_Response(status, url), {"message": "x", "code": code})

    webhook = "https://discord.com/api/v10/webhooks/1/token/messages/@original"
    channel = "https://discord.com/api/v10/channels/1/messages"
    assert "code 10062" in failed_reply(_invoke_error(http(discord.NotFound, 404, 10062, CALLBACK)))
    assert "code 40060" in failed_reply(http(discord.HTTPException, 400, 40060, CALLBACK))
    assert "code 50027" in failed_reply(http(discord.HTTPException, 401, 50027, webhook))
    assert failed_reply(http(discord.DiscordServerError, 502, 0, webhook)) is not None
    # A post elsewhere failing leaves the interaction alive: the member hears about it.
    assert failed_reply(http(discord.DiscordServerError, 502, 0, channel)) is None
    assert failed_reply(http(discord.Forbidden, 403, 50013, channel)) is None
    assert failed_reply(_invoke_error(RuntimeError("boom"))) is None


def test_echoed_input_shows_as_typed_and_pings_nobody():
    assert echo_input("`oops` **bold** @everyone <@123456789012345678>", 100) == (
        "\\`oops\\` \\*\\*bold\\*\\* @\u200beveryone <@\u200b123456789012345678>"
    )
    assert echo_input("line one\nline two", 100) == "line one line two"
    assert echo_input("x" * 6000, 50) == "x" * 49 + "…"


def test_an_invalid_option_value_is_echoed_safely():
    error = app_commands.TransformerError(
        "a`b", discord.AppCommandOptionType.integer, _Transformer()
    )
    reply = describe_error(error)
    assert reply.content == "“a\\`b” is not a valid integer here."


class _Transformer(app_commands.Transformer):
    async def transform(self, interaction: discord.Interaction, value: str) -> int:
        return int(value)


def _sqlite_error(message: str, code: int) -> sqlite3.OperationalError:
    error = sqlite3.OperationalError(message)
    error.sqlite_errorcode = code  # type: ignore[attr-defined]
    return error


@pytest.mark.parametrize(
    "code", [sqlite3.SQLITE_FULL, sqlite3.SQLITE_IOERR, sqlite3.SQLITE_IOERR | (4 << 8)]
)
def test_a_full_or_failing_disk_says_nothing_was_saved_and_gives_a_code(code: int, caplog):
    with caplog.at_level(logging.ERROR):
        reply = describe_error(_sqlite_error("database or disk is full", code))
    assert "storage is full or failing, so nothing was saved" in reply.content
    assert reply.error_code is not None
    assert f"`{reply.error_code}`" in reply.content
    assert any(reply.error_code in record.getMessage() for record in caplog.records)


@pytest.mark.parametrize("code", [sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED])
def test_a_busy_database_asks_to_try_again(code: int):
    reply = describe_error(_sqlite_error("database is locked", code))
    assert reply.content == (
        "I'm busy saving other changes, so nothing was saved. Try again in a moment."
    )
    assert reply.error_code is None


def test_other_database_errors_are_unexpected():
    reply = describe_error(_sqlite_error("no such table: polls", sqlite3.SQLITE_ERROR))
    assert reply.content.startswith("Something went wrong on my side")
