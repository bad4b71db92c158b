"""The one place errors from commands and buttons become a reply (DESIGN.md rule 7).

Expected failures (UserFacingError and Discord's own check failures) are shown as they are.
Anything else is logged with its traceback under a short code, and the user sees only the code.
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from typing import TypeVar

import discord
from discord import app_commands

from bot.errors import UserFacingError

# Any client: the handler needs nothing of watchclub's own Bot, so it does not import it.
ClientT = TypeVar("ClientT", bound=discord.Client)

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ErrorReply:
    content: str
    error_code: str | None = None


def _permission_names(permissions: list[str]) -> str:
    return ", ".join(
        name.replace("_", " ").replace("guild", "server").title() for name in permissions
    )


def describe_error(error: BaseException) -> ErrorReply:
    """What the user is told about an error; unexpected ones get a fresh error code."""
    original: BaseException = error
    if isinstance(error, app_commands.CommandInvokeError):
        original = error.original
    elif isinstance(error, app_commands.TransformerError) and error.__cause__ is not None:
        original = error.__cause__
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
                f"`{str(original.value)[:50]}` is not a valid {original.type.name.lower()} here."
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


async def reply_with_error(interaction: discord.Interaction[ClientT], error: BaseException) -> None:
    reply = describe_error(error)
    try:
        if interaction.response.is_done():
            await interaction.followup.send(
                reply.content, ephemeral=True, allowed_mentions=discord.AllowedMentions.none()
            )
        else:
            await interaction.response.send_message(
                reply.content, ephemeral=True, allowed_mentions=discord.AllowedMentions.none()
            )
    except discord.HTTPException:
        # The interaction may have expired; the error itself was already logged if unexpected.
        log.warning("Could not tell the user about an error", exc_info=True)


class WatchClubCommandTree(app_commands.CommandTree[ClientT]):
    async def on_error(
        self, interaction: discord.Interaction[ClientT], error: app_commands.AppCommandError
    ) -> None:
        await reply_with_error(interaction, error)
