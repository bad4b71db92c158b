"""The one place errors from commands and buttons become a reply (DESIGN.md rule 7).

Expected failures (UserFacingError and Discord's own check failures) are shown as they are,
privately, even after a public "thinking…" placeholder. Anything else is logged with its
traceback under a short code, and the user sees only the code. When the reply itself failed
(the interaction expired or was answered already, or Discord kept failing), there is nobody to
tell: that is one line in the log with Discord's code, and no second attempt.
"""

from __future__ import annotations

import logging
import secrets
import sqlite3
from dataclasses import dataclass
from typing import TypeVar

import discord
from discord import app_commands

from bot.errors import UserFacingError

# Any client: the handler needs nothing of watchclub's own Bot, so it does not import it.
ClientT = TypeVar("ClientT", bound=discord.Client)

log = logging.getLogger(__name__)


# Set in an interaction's `extras` while a public "thinking…" placeholder stands in for its reply.
_PUBLIC_PLACEHOLDER = "watchclub.public_placeholder"
# What the placeholder says for the moment between a private reply and its deletion; it echoes
# nothing the member typed.
_PLACEHOLDER_ANSWERED_PRIVATELY = "Answered privately."

# Discord's codes for an interaction that can no longer be answered (discord-wire-protocol.md
# §2.3): not acknowledged within 3 s, acknowledged already, or its 15-minute token has expired.
_DEAD_INTERACTION_CODES = {
    10062: "the interaction expired before it was answered",
    40060: "the interaction was already answered",
    50027: "the interaction's token has expired",
}
# The interaction endpoints: the callback, follow-ups and edits of the original response.
_REPLY_ROUTES = ("/interactions/", "/webhooks/")


# SQLite's primary result codes (an extended code's low byte): the disk is full or failing, or
# another writer held the database past the busy timeout.
_STORAGE_FULL = {sqlite3.SQLITE_FULL, sqlite3.SQLITE_IOERR}
_STORAGE_BUSY = {sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED}


def _sqlite_code(error: sqlite3.Error) -> int:
    return int(getattr(error, "sqlite_errorcode", -1)) & 0xFF


@dataclass(frozen=True)
class ErrorReply:
    content: str
    error_code: str | None = None


def _permission_names(permissions: list[str]) -> str:
    return ", ".join(
        name.replace("_", " ").replace("guild", "server").title() for name in permissions
    )


def echo_input(text: str, limit: int) -> str:
    """What a member typed, fit to show back to them: one line of at most `limit` characters,
    with markdown (a backtick, `**`) and mentions (`@everyone`) escaped so they show as typed."""
    line = " ".join(text.split())
    if len(line) > limit:
        line = line[: limit - 1] + "…"
    return discord.utils.escape_mentions(discord.utils.escape_markdown(line))


def _unwrap(error: BaseException) -> BaseException:
    if isinstance(error, app_commands.CommandInvokeError):
        return error.original
    if isinstance(error, app_commands.TransformerError) and error.__cause__ is not None:
        return error.__cause__
    return error


def failed_reply(error: BaseException) -> str | None:
    """Why the reply to the interaction itself failed, for one line of the log; None if the
    error is anything else."""
    original = _unwrap(error)
    if not isinstance(original, discord.HTTPException):
        return None
    why = _DEAD_INTERACTION_CODES.get(original.code)
    if why is None and isinstance(original, discord.DiscordServerError):
        url = str(getattr(original.response, "url", ""))
        if any(route in url for route in _REPLY_ROUTES):
            why = "Discord kept failing"  # discord.py retried the server errors already
    if why is None:
        return None
    return f"{why} (HTTP {original.status}, code {original.code})"


def describe_error(error: BaseException) -> ErrorReply:
    """What the user is told about an error; unexpected ones get a fresh error code."""
    original = _unwrap(error)
    match original:
        case UserFacingError():
            return ErrorReply(original.message)
        case app_commands.NoPrivateMessage():
            return ErrorReply("This command only works inside a server.")
        case app_commands.MissingPermissions():
            names = _permission_names(original.missing_permissions)
            return ErrorReply(f"You need the **{names}** permission to do that.")
        case app_commands.BotMissingPermissions():
            names = _permission_names(original.missing_permissions)
            return ErrorReply(f"I need the **{names}** permission in this channel to do that.")
        case app_commands.CommandOnCooldown():
            return ErrorReply(f"Slow down a little: try again in {original.retry_after:.0f} s.")
        case app_commands.CommandSignatureMismatch() | app_commands.CommandNotFound():
            return ErrorReply(
                "My commands were just updated and Discord is still catching up. "
                "Try again in a minute (reloading Discord helps)."
            )
        case app_commands.TransformerError():
            return ErrorReply(
                f"“{echo_input(str(original.value), 50)}” is not a valid "
                f"{original.type.name.lower()} here."
            )
        case sqlite3.OperationalError() if _sqlite_code(original) in _STORAGE_FULL:
            code = secrets.token_hex(3)
            log.error("Storage failing (%s): %s", code, original)
            return ErrorReply(
                "I couldn't save that: the bot's storage is full or failing, so nothing was "
                f"saved. Please tell the server admins (error code `{code}`).",
                error_code=code,
            )
        case sqlite3.OperationalError() if _sqlite_code(original) in _STORAGE_BUSY:
            log.warning("Storage busy: %s", original)
            return ErrorReply(
                "I'm busy saving other changes, so nothing was saved. Try again in a moment."
            )
        case discord.Forbidden():
            return ErrorReply(
                "Discord would not let me do that here. Check that I can view this channel, "
                "send messages and embed links."
            )
        case _:
            pass
    code = secrets.token_hex(3)
    log.error("Unexpected error %s", code, exc_info=(type(error), error, error.__traceback__))
    return ErrorReply(
        f"Something went wrong on my side (error code `{code}`). "
        "It has been logged; please tell the server admins this code.",
        error_code=code,
    )


def showed_public_placeholder(interaction: discord.Interaction[ClientT]) -> None:
    """Record that the reply was deferred with a public "thinking…" placeholder."""
    interaction.extras[_PUBLIC_PLACEHOLDER] = True


def filled_placeholder(interaction: discord.Interaction[ClientT]) -> None:
    """Record that the placeholder became the reply: later messages are follow-ups of their own."""
    interaction.extras.pop(_PUBLIC_PLACEHOLDER, None)


async def reply_privately(interaction: discord.Interaction[ClientT], content: str) -> None:
    """Tell only the member who acted, whether or not the reply was deferred."""
    quiet = discord.AllowedMentions.none()
    if not interaction.response.is_done():
        await interaction.response.send_message(content, ephemeral=True, allowed_mentions=quiet)
        return
    if interaction.extras.get(_PUBLIC_PLACEHOLDER):
        # The first follow-up would take the public placeholder's place and its visibility
        # (discord-wire-protocol.md §2.3). So the placeholder becomes a message first, saying
        # nothing of the member's input; the private follow-up is then a message of its own;
        # then the public one goes. (What a follow-up does after deleting the placeholder
        # outright is undocumented.)
        await interaction.edit_original_response(
            content=_PLACEHOLDER_ANSWERED_PRIVATELY, allowed_mentions=quiet
        )
        filled_placeholder(interaction)
        await interaction.followup.send(content, ephemeral=True, allowed_mentions=quiet)
        await interaction.delete_original_response()
        return
    await interaction.followup.send(content, ephemeral=True, allowed_mentions=quiet)


def _interaction_name(interaction: discord.Interaction[ClientT]) -> str:
    if interaction.command is not None:
        return f"/{interaction.command.qualified_name}"
    data: dict[str, object] = dict(interaction.data or {})
    custom_id = data.get("custom_id")
    return f"component {custom_id}" if custom_id else f"interaction {interaction.id}"


async def reply_with_error(interaction: discord.Interaction[ClientT], error: BaseException) -> None:
    failure = failed_reply(error)
    if failure is not None:
        log.warning("Could not reply to %s: %s", _interaction_name(interaction), failure)
        return
    reply = describe_error(error)
    try:
        await reply_privately(interaction, reply.content)
    except discord.HTTPException as http_error:
        # The error itself was already logged if it was unexpected.
        log.warning(
            "Could not tell the user about an error in %s: %s",
            _interaction_name(interaction),
            failed_reply(http_error) or f"HTTP {http_error.status}, code {http_error.code}",
        )


class WatchClubCommandTree(app_commands.CommandTree[ClientT]):
    async def on_error(
        self, interaction: discord.Interaction[ClientT], error: app_commands.AppCommandError
    ) -> None:
        await reply_with_error(interaction, error)
