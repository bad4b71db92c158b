"""Discord's precedence for application command permissions, as a pure function of plain data.

Sources (Discord's developer documentation, discord/discord-api-docs):
- "Application Commands > Permissions" and "Application Command Permissions Object": rules
  target a role (type 1), a user (2) or a channel (3); the constants `@everyone` = guild_id and
  "All Channels" = guild_id - 1; an entry whose id is the application id applies to every
  command without explicit overwrites; "Members with the Administrator permission can use all
  commands"; `default_member_permissions` "0" lets nobody but admins and overrides use it.
- Change log "Updated Command Permissions" (2022-12) and its flowchart
  (images/new-permissions-flowchart.svg): command-level settings override the app level, and
  the app level works together with `default_member_permissions`. The flowchart's order:

  0. An administrator may always use commands.
  1. Channel: a command-level rule for this channel, else the command-level All Channels rule,
     else the same two at app level. A false refuses; a true, or no rule at all, goes on.
  2. Command level, user/role: a rule for the member decides; else, when the member has roles
     with rules, it is allowed if at least one of them is true; else an @everyone rule decides.
     A true here allows the command even without its default_member_permissions.
  3. App level, the same order; but a true only lets the member on to step 4.
  4. default_member_permissions: none allows, 0 refuses, else the member needs every bit in
     the channel where they are.

A thread follows the rules of its parent channel ("any command permissions for a channel will
apply to the threads it contains").
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import Enum, IntEnum
from typing import Any, Final

ADMINISTRATOR: Final = 1 << 3


class RuleKind(IntEnum):
    ROLE = 1
    USER = 2
    CHANNEL = 3


@dataclass(frozen=True)
class PermissionRule:
    target_id: int
    kind: RuleKind
    allowed: bool


Overrides = Mapping[int, tuple[PermissionRule, ...]]
"""A server's rules, by command id; the application id's entry holds the app-level rules."""


@dataclass(frozen=True)
class CommandFacts:
    command_id: int
    default_member_permissions: int | None  # None: everyone by default


@dataclass(frozen=True)
class Asker:
    """The member who clicked, and where: their roles and their permissions in that channel."""

    user_id: int
    role_ids: frozenset[int]
    permissions: int
    channel_id: int
    parent_channel_id: int | None = None  # when the channel is a thread


class Verdict(Enum):
    ALLOWED = "allowed"
    CHANNEL_OFF = "the command is turned off in this channel"
    NOT_PERMITTED = "the member may not use the command"


def all_channels_id(guild_id: int) -> int:
    return guild_id - 1


def decide(
    *,
    guild_id: int,
    application_id: int,
    command: CommandFacts,
    asker: Asker,
    overrides: Overrides,
) -> Verdict:
    """May `asker` use `command` where they are? See the module's note for the precedence."""
    if asker.permissions & ADMINISTRATOR:
        return Verdict.ALLOWED
    command_rules = overrides.get(command.command_id, ())
    app_rules = overrides.get(application_id, ())
    for rules in (command_rules, app_rules):
        channel = _channel_rule(rules, guild_id, asker)
        if channel is not None:
            if not channel:
                return Verdict.CHANNEL_OFF
            break
    member = _member_rule(command_rules, guild_id, asker)
    if member is not None:
        return Verdict.ALLOWED if member else Verdict.NOT_PERMITTED
    member = _member_rule(app_rules, guild_id, asker)
    if member is False:
        return Verdict.NOT_PERMITTED
    return _by_default(command.default_member_permissions, asker.permissions)


def _channel_rule(rules: Iterable[PermissionRule], guild_id: int, asker: Asker) -> bool | None:
    by_channel = {r.target_id: r.allowed for r in rules if r.kind is RuleKind.CHANNEL}
    for channel_id in (asker.channel_id, asker.parent_channel_id, all_channels_id(guild_id)):
        if channel_id is not None and channel_id in by_channel:
            return by_channel[channel_id]
    return None


def _member_rule(rules: Iterable[PermissionRule], guild_id: int, asker: Asker) -> bool | None:
    """The user rule, else any of the member's roles (one allow is enough), else @everyone."""
    listed = tuple(rules)
    for rule in listed:
        if rule.kind is RuleKind.USER and rule.target_id == asker.user_id:
            return rule.allowed
    roles = [
        r.allowed
        for r in listed
        if r.kind is RuleKind.ROLE and r.target_id in asker.role_ids and r.target_id != guild_id
    ]
    if roles:
        return any(roles)
    for rule in listed:
        if rule.kind is RuleKind.ROLE and rule.target_id == guild_id:
            return rule.allowed
    return None


def _by_default(required: int | None, have: int) -> Verdict:
    if required is None:
        return Verdict.ALLOWED
    if required == 0 or have & required != required:
        return Verdict.NOT_PERMITTED
    return Verdict.ALLOWED


def parse_overrides(payload: Any) -> dict[int, tuple[PermissionRule, ...]]:
    """The body of GET /applications/{app}/guilds/{guild}/commands/permissions: a list of
    {id, application_id, guild_id, permissions: [{id, type, permission}]}. Entries of unknown
    types (a newer Discord) are skipped, not guessed at."""
    if not isinstance(payload, list):
        raise ValueError("command permissions: expected a list")
    parsed: dict[int, tuple[PermissionRule, ...]] = {}
    for entry in payload:
        rules = []
        for item in entry.get("permissions") or []:
            try:
                kind = RuleKind(int(item["type"]))
            except ValueError:
                continue
            rules.append(PermissionRule(int(item["id"]), kind, bool(item["permission"])))
        parsed[int(entry["id"])] = tuple(rules)
    return parsed
