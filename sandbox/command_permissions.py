"""Application command permission overrides, as a server admin sets them in Server Settings >
Integrations, and how Discord applies them when a member uses a command.

A rule targets a role (type 1), a user (2) or a channel (3); the id may also be a constant:
`@everyone` is the guild's id, "All Channels" is guild_id - 1. Rules are kept per command
name (None: the app level, whose entry Discord names with the application's id), so a test can
set them before the bot has synced. The order they are applied in is Discord's flowchart
(change log "Updated Command Permissions", images/new-permissions-flowchart.svg):

1. channel: command-level rule for the channel, else command-level All Channels, else the same
   at app level; false refuses;
2. command level: the member's rule, else their roles (one true is enough), else @everyone;
   this decides, and a true overrides default_member_permissions;
3. app level, the same order: a false refuses, a true goes on to
4. default_member_permissions (none: everyone; "0": nobody); administrators always pass.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Final

from sandbox.permissions import ADMINISTRATOR

Json = dict[str, Any]

ROLE, USER, CHANNEL = 1, 2, 3
MAX_RULES: Final = 100  # Discord's limit per command


@dataclass(frozen=True)
class CommandPermissionRule:
    id: str
    type: int
    permission: bool

    def payload(self) -> Json:
        return {"id": self.id, "type": self.type, "permission": self.permission}


def all_channels_id(guild_id: str) -> str:
    return str(int(guild_id) - 1)


@dataclass(frozen=True)
class Who:
    """The member using a command, and where."""

    guild_id: str
    user_id: str
    role_ids: frozenset[str]
    permissions: int
    channel_ids: tuple[str, ...]  # the channel, then its parent when it is a thread


def refusal(
    who: Who,
    command_rules: Iterable[CommandPermissionRule],
    app_rules: Iterable[CommandPermissionRule],
    default_member_permissions: str | None,
) -> str | None:
    """Why Discord would not let `who` use the command, or None when it would."""
    if who.permissions & ADMINISTRATOR:
        return None
    command_level, app_level = list(command_rules), list(app_rules)
    for rules in (command_level, app_level):
        channel = _channel_rule(rules, who)
        if channel is False:
            return "the command is turned off in this channel"
        if channel is True:
            break
    member = _member_rule(command_level, who)
    if member is not None:
        return None if member else "a command permission override denies it"
    if _member_rule(app_level, who) is False:
        return "an app-level permission override denies it"
    if default_member_permissions is None:
        return None
    bits = int(default_member_permissions)
    if bits == 0 or who.permissions & bits != bits:
        return (
            f"it needs permissions {bits} (default_member_permissions) "
            f"and they have {who.permissions}"
        )
    return None


def _channel_rule(rules: list[CommandPermissionRule], who: Who) -> bool | None:
    by_channel = {r.id: r.permission for r in rules if r.type == CHANNEL}
    for channel_id in (*who.channel_ids, all_channels_id(who.guild_id)):
        if channel_id in by_channel:
            return by_channel[channel_id]
    return None


def _member_rule(rules: list[CommandPermissionRule], who: Who) -> bool | None:
    for rule in rules:
        if rule.type == USER and rule.id == who.user_id:
            return rule.permission
    roles = [
        r.permission
        for r in rules
        if r.type == ROLE and r.id in who.role_ids and r.id != who.guild_id
    ]
    if roles:
        return any(roles)
    everyone = [r.permission for r in rules if r.type == ROLE and r.id == who.guild_id]
    return everyone[0] if everyone else None


def permissions_payload(
    target_id: str, application_id: str, guild_id: str, rules: Iterable[CommandPermissionRule]
) -> Json:
    """A guild application command permissions object, as GET .../permissions returns it."""
    return {
        "id": target_id,
        "application_id": application_id,
        "guild_id": guild_id,
        "permissions": [rule.payload() for rule in rules],
    }
