"""What the central error handler tells the user, per kind of error."""

from __future__ import annotations

import discord
from discord import app_commands

from bot.error_handler import describe_error
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
