"""Buttons that do what a slash command does ask here first, so a server's command permissions
(Server Settings > Integrations: per role, member or channel) apply to the click as they
apply to the command. The precedence itself is `bot.command_access.rules.decide`.

When the server's overrides cannot be read (the bot lacks access, Discord errs or is slow), the
member gets what the command's default_member_permissions allow, as if the server had changed
nothing. That is the rule Discord itself applies to a server without overrides, so it never
opens a command wider than its developer's default; refusing everyone instead would break the
buttons for every member whenever Discord hiccups, which is worse than the rare case of a
server-level restriction missed for a few seconds.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Final

import aiohttp
import discord

from bot.client import BotInteraction
from bot.command_access.cache import CommandIndex
from bot.command_access.rules import (
    Asker,
    CommandFacts,
    Overrides,
    Verdict,
    decide,
    parse_overrides,
)
from bot.errors import UserFacingError
from cogs.context import guild_id_of

log = logging.getLogger(__name__)

# Both reads run together within this; a form (modal) must still be the first answer in 3 s.
READ_TIMEOUT: Final = 1.2  # seconds
_UNKNOWN_COMMAND: Final = 0  # an id no override names: only app-level rules and the default
_READ_ERRORS = (discord.HTTPException, aiohttp.ClientError, TimeoutError, ValueError, KeyError)


async def ensure_may_use(interaction: BotInteraction, command: str, doing: str) -> None:
    """Raise a UserFacingError, saying why, unless the member may use `/command` here.

    `doing` completes "only some members may …", e.g. "start polls"."""
    guild_id = guild_id_of(interaction)
    services = interaction.client.services.command_access
    scope = guild_id if interaction.client.settings.dev_guild_id == guild_id else None
    index, overrides = await asyncio.gather(
        services.commands(scope, lambda: _read_commands(interaction, scope)),
        services.overrides(guild_id, lambda: _read_overrides(interaction, guild_id)),
    )
    verdict = decide(
        guild_id=guild_id,
        application_id=interaction.application_id,
        command=index.get(command) or _local_facts(interaction, command),
        asker=_asker(interaction),
        overrides=overrides,
    )
    if verdict is Verdict.CHANNEL_OFF:
        raise UserFacingError(
            f"This server has turned /{command} off in this channel, so you can't {doing} "
            "here; try another channel or ask a moderator."
        )
    if verdict is Verdict.NOT_PERMITTED:
        raise UserFacingError(
            f"This server lets only some members {doing} with /{command}; ask a moderator."
        )


def _asker(interaction: BotInteraction) -> Asker:
    user = interaction.user
    roles = frozenset(role.id for role in user.roles) if isinstance(user, discord.Member) else ()
    channel = interaction.channel
    parent = channel.parent_id if isinstance(channel, discord.Thread) else None
    return Asker(
        user_id=user.id,
        role_ids=frozenset(roles),
        permissions=interaction.permissions.value,  # in this channel, as Discord resolved them
        channel_id=interaction.channel_id or 0,
        parent_channel_id=parent,
    )


def _local_facts(interaction: BotInteraction, command: str) -> CommandFacts:
    """The command as this process defines it, when Discord's copy is unknown."""
    found = interaction.client.tree.get_command(command)
    required = getattr(found, "default_permissions", None)
    return CommandFacts(_UNKNOWN_COMMAND, None if required is None else required.value)


async def _read_commands(interaction: BotInteraction, scope: int | None) -> CommandIndex | None:
    guild = discord.Object(id=scope) if scope is not None else None
    try:
        async with asyncio.timeout(READ_TIMEOUT):
            fetched = await interaction.client.tree.fetch_commands(guild=guild)
    except _READ_ERRORS as error:
        log.warning("Could not read the bot's commands (%s): %r", scope or "global", error)
        return None
    return {
        command.name: CommandFacts(
            command.id,
            None
            if command.default_member_permissions is None
            else command.default_member_permissions.value,
        )
        for command in fetched
    }


async def _read_overrides(interaction: BotInteraction, guild_id: int) -> Overrides | None:
    try:
        async with asyncio.timeout(READ_TIMEOUT):
            # discord.py has no public call for all commands at once; one request beats one
            # per command (AppCommand.fetch_permissions).
            payload = await interaction.client.http.get_guild_application_command_permissions(
                interaction.application_id, guild_id
            )
        return parse_overrides(payload)
    except _READ_ERRORS as error:
        log.warning("Could not read command permissions of guild %s: %r", guild_id, error)
        return None
