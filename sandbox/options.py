"""Turning a test's `options={...}` into the `data.options` and `resolved` Discord would send.

The synced schema decides everything: option types, required options, choices and ranges are
checked here exactly where the Discord client would stop a real user, so a test cannot send
what no user could type.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sandbox.payloads import member_payload, role_payload, user_payload
from sandbox.world import ChannelSpec, GuildSpec, MemberSpec, RoleSpec, UserSpec, World

Json = dict[str, Any]

SUB_COMMAND, SUB_COMMAND_GROUP, STRING, INTEGER, BOOLEAN = 1, 2, 3, 4, 5
USER, CHANNEL, ROLE, MENTIONABLE, NUMBER, ATTACHMENT = 6, 7, 8, 9, 10, 11
_TYPE_NAMES = {
    STRING: "string",
    INTEGER: "integer",
    BOOLEAN: "boolean",
    USER: "user",
    CHANNEL: "channel",
    ROLE: "role",
    MENTIONABLE: "mentionable",
    NUMBER: "number",
    ATTACHMENT: "attachment",
}
_MAX_SAFE_INTEGER = 2**53


@dataclass
class BuiltOptions:
    options: list[Json]
    resolved: Json = field(default_factory=dict)
    shown: list[str] = field(default_factory=list)
    path: list[str] = field(default_factory=list)


class _Resolver:
    def __init__(self, world: World, guild: GuildSpec | None) -> None:
        self.world = world
        self.guild = guild
        self.resolved: Json = {}

    def _put(self, kind: str, key: str, value: Json) -> None:
        self.resolved.setdefault(kind, {})[key] = value

    def user(self, value: Any, name: str) -> tuple[str, str]:
        user: UserSpec | None
        if isinstance(value, MemberSpec):
            user = value.user
        elif isinstance(value, UserSpec):
            user = value
        else:
            user = self.world.find_user(str(value))
        if user is None:
            raise ValueError(f"option {name!r}: no such user {value!r}")
        self._put("users", user.id, user_payload(user))
        member = self.guild.find_member(user.id) if self.guild else None
        if member is not None:
            self._put(
                "members", user.id, member_payload(member, with_user=False, with_permissions=True)
            )
        return user.id, f"@{user.username}"

    def role(self, value: Any, name: str) -> tuple[str, str]:
        role = (
            value
            if isinstance(value, RoleSpec)
            else (self.guild.find_role(str(value)) if self.guild else None)
        )
        if role is None or (self.guild is not None and role.guild_id != self.guild.id):
            raise ValueError(f"option {name!r}: no such role {value!r} in this guild")
        self._put("roles", role.id, role_payload(role))
        return role.id, f"@{role.name}"

    def channel(self, value: Any, name: str, allowed_types: list[int] | None) -> tuple[str, str]:
        channel = value if isinstance(value, ChannelSpec) else self.world.find_channel(str(value))
        if channel is None:
            raise ValueError(f"option {name!r}: no such channel {value!r}")
        if allowed_types and channel.type not in allowed_types:
            raise ValueError(
                f"option {name!r}: channel #{channel.name} has type {channel.type}, "
                f"allowed {allowed_types}"
            )
        self._put(
            "channels",
            channel.id,
            {
                "id": channel.id,
                "name": channel.name,
                "type": channel.type,
                "permissions": str(self._channel_permissions()),
                "parent_id": channel.parent_id,
                "flags": 0,
                "guild_id": channel.guild_id,
            },
        )
        return channel.id, f"#{channel.name}"

    def _channel_permissions(self) -> int:
        return self.guild.bot_member.permissions if self.guild else 0


def _check_choices(option: Json, value: Any) -> None:
    choices = option.get("choices")
    if choices and value not in [c.get("value") for c in choices]:
        allowed = ", ".join(repr(c.get("value")) for c in choices)
        raise ValueError(
            f"option {option['name']!r}: {value!r} is not one of the choices ({allowed})"
        )


def _convert(option: Json, value: Any, resolver: _Resolver) -> tuple[Any, str]:
    """Returns the wire value and how a user would see it typed."""
    name = option["name"]
    kind = option["type"]
    if kind == STRING:
        if not isinstance(value, str):
            raise ValueError(f"option {name!r} is a string; got {value!r}")
        low, high = option.get("min_length", 0), option.get("max_length", 6000)
        if not low <= len(value) <= high:
            raise ValueError(f"option {name!r} must be {low}-{high} characters; got {len(value)}")
        _check_choices(option, value)
        return value, value
    if kind in (INTEGER, NUMBER):
        if (
            isinstance(value, bool)
            or not isinstance(value, (int, float))
            or (kind == INTEGER and not isinstance(value, int))
        ):
            raise ValueError(f"option {name!r} is {_TYPE_NAMES[kind]}; got {value!r}")
        low = option.get("min_value", -_MAX_SAFE_INTEGER)
        high = option.get("max_value", _MAX_SAFE_INTEGER)
        if not low <= value <= high:
            raise ValueError(f"option {name!r} must be between {low} and {high}; got {value!r}")
        _check_choices(option, value)
        return value, str(value)
    if kind == BOOLEAN:
        if not isinstance(value, bool):
            raise ValueError(f"option {name!r} is a boolean; got {value!r}")
        return value, str(value)
    if kind == USER:
        return resolver.user(value, name)
    if kind == ROLE:
        return resolver.role(value, name)
    if kind == CHANNEL:
        return resolver.channel(value, name, option.get("channel_types"))
    if kind == MENTIONABLE:
        if isinstance(value, RoleSpec):
            return resolver.role(value, name)
        return resolver.user(value, name)
    raise ValueError(
        f"option {name!r}: {_TYPE_NAMES.get(kind, kind)} options are not supported by the sandbox"
    )


def _descend(command: Json, path: list[str]) -> tuple[list[Json], list[str]]:
    """Walk `config timezone` down to the leaf's option schema; returns it and the wire path."""
    schema = list(command.get("options") or [])
    walked = [command["name"]]
    for part in path:
        sub = next(
            (
                o
                for o in schema
                if o["name"] == part and o["type"] in (SUB_COMMAND, SUB_COMMAND_GROUP)
            ),
            None,
        )
        if sub is None:
            subs = [o["name"] for o in schema if o["type"] in (SUB_COMMAND, SUB_COMMAND_GROUP)]
            raise ValueError(
                f"/{' '.join(walked)} has no subcommand {part!r} (has: {', '.join(subs) or 'none'})"
            )
        walked.append(part)
        schema = list(sub.get("options") or [])
    subs = [o["name"] for o in schema if o["type"] in (SUB_COMMAND, SUB_COMMAND_GROUP)]
    if subs:
        raise ValueError(f"/{' '.join(walked)} needs a subcommand: {', '.join(subs)}")
    return schema, walked


def build_options(
    command: Json,
    path: list[str],
    given: Mapping[str, Any],
    *,
    world: World,
    guild: GuildSpec | None,
    focused: str | None = None,
) -> BuiltOptions:
    schema, walked = _descend(command, path)
    by_name = {o["name"]: o for o in schema}
    unknown = [n for n in given if n not in by_name]
    if unknown:
        raise ValueError(
            f"/{' '.join(walked)} has no option {', '.join(map(repr, unknown))} "
            f"(options: {', '.join(by_name) or 'none'})"
        )
    if focused is None:
        missing = [o["name"] for o in schema if o.get("required") and o["name"] not in given]
        if missing:
            raise ValueError(
                f"/{' '.join(walked)} is missing required option(s): {', '.join(missing)}"
            )
    elif focused not in by_name:
        raise ValueError(f"/{' '.join(walked)} has no option {focused!r} to focus")
    elif not by_name[focused].get("autocomplete"):
        raise ValueError(f"option {focused!r} of /{' '.join(walked)} has no autocomplete")
    resolver = _Resolver(world, guild)
    leaf: list[Json] = []
    shown: list[str] = []
    # Discord sends options in schema order, whatever order the user typed them in.
    for option in schema:
        name = option["name"]
        if name == focused:
            typed = str(given.get(name, ""))
            leaf.append({"name": name, "type": option["type"], "value": typed, "focused": True})
            shown.append(f"{name}:{typed}")
            continue
        if name not in given:
            continue
        value, display = _convert(option, given[name], resolver)
        leaf.append({"name": name, "type": option["type"], "value": value})
        shown.append(f"{name}:{display}")
    options = leaf
    for depth in range(len(path), 0, -1):
        parent_name = path[depth - 1]
        parent_kind = SUB_COMMAND if depth == len(path) else SUB_COMMAND_GROUP
        options = [{"name": parent_name, "type": parent_kind, "options": options}]
    return BuiltOptions(options=options, resolved=resolver.resolved, shown=shown, path=walked)
