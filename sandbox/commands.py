"""Application commands the bot synced, global and per guild, validated as Discord does."""

from __future__ import annotations

import re
from typing import Any

from sandbox.errors import field_error, invalid_form
from sandbox.ids import Snowflakes

Json = dict[str, Any]

CHAT_INPUT = 1
SUB_COMMAND, SUB_COMMAND_GROUP = 1, 2
_NAME = re.compile(r"^[-_'\w]{1,32}$")


def _option_errors(options: list[Json], *, depth: int) -> Json:
    errors: Json = {}
    if len(options) > 25:
        return field_error("BASE_TYPE_MAX_LENGTH", "Must be 25 or fewer in length.")
    names: set[str] = set()
    seen_optional = False
    for index, option in enumerate(options):
        problems: Json = {}
        name = str(option.get("name", ""))
        if not _NAME.match(name) or name != name.lower():
            problems["name"] = field_error(
                "APPLICATION_COMMAND_INVALID_NAME", "Command name is invalid"
            )
        elif name in names:
            problems["name"] = field_error(
                "APPLICATION_COMMAND_OPTIONS_NAME_ALREADY_EXISTS", "Option name already exists"
            )
        names.add(name)
        if not 1 <= len(str(option.get("description", ""))) <= 100:
            problems["description"] = field_error(
                "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 100 in length."
            )
        kind = option.get("type")
        if kind in (SUB_COMMAND, SUB_COMMAND_GROUP):
            if depth >= 2 or (kind == SUB_COMMAND_GROUP and depth >= 1):
                problems["type"] = field_error(
                    "APPLICATION_COMMAND_OPTIONS_TYPE_INVALID", "Subcommands nest too deeply"
                )
            nested = _option_errors(list(option.get("options") or []), depth=depth + 1)
            if nested:
                problems["options"] = nested
        else:
            if option.get("required"):
                if seen_optional:
                    problems["required"] = field_error(
                        "APPLICATION_COMMAND_OPTIONS_REQUIRED_INVALID",
                        "Required options must be placed before non-required options",
                    )
            else:
                seen_optional = True
            if len(option.get("choices") or []) > 25:
                problems["choices"] = field_error(
                    "BASE_TYPE_MAX_LENGTH", "Must be 25 or fewer in length."
                )
            if option.get("choices") and option.get("autocomplete"):
                problems["autocomplete"] = field_error(
                    "APPLICATION_COMMAND_AUTOCOMPLETE_INVALID",
                    "Autocomplete cannot be used with choices",
                )
        if problems:
            errors[str(index)] = problems
    return errors


def validate_commands(commands: Any) -> None:
    if not isinstance(commands, list):
        raise invalid_form(
            field_error("LIST_TYPE_CONVERT", "Only iterables may be used in a ListType")
        )
    errors: Json = {}
    seen: set[tuple[str, int]] = set()
    for index, command in enumerate(commands):
        problems: Json = {}
        kind = int(command.get("type") or CHAT_INPUT)
        name = str(command.get("name", ""))
        if kind == CHAT_INPUT and (not _NAME.match(name) or name != name.lower()):
            problems["name"] = field_error(
                "APPLICATION_COMMAND_INVALID_NAME", "Command name is invalid"
            )
        if (name, kind) in seen:
            problems["name"] = field_error(
                "APPLICATION_COMMANDS_DUPLICATE_NAME",
                f"Application command names must be unique: {name}",
            )
        seen.add((name, kind))
        description = str(command.get("description", ""))
        if kind == CHAT_INPUT and not 1 <= len(description) <= 100:
            problems["description"] = field_error(
                "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 100 in length."
            )
        option_errors = _option_errors(list(command.get("options") or []), depth=0)
        if option_errors:
            problems["options"] = option_errors
        if problems:
            errors[str(index)] = problems
    if errors:
        raise invalid_form(errors)


class CommandRegistry:
    def __init__(self, ids: Snowflakes, application_id: str) -> None:
        self._ids = ids
        self._application_id = application_id
        self._global: list[Json] = []
        self._guild: dict[str, list[Json]] = {}
        self.sync_count = 0

    def put(self, guild_id: str | None, commands: list[Json]) -> list[Json]:
        validate_commands(commands)
        previous = {(c["name"], c["type"]): c for c in self.in_scope(guild_id)}
        stored: list[Json] = []
        for command in commands:
            kind = int(command.get("type") or CHAT_INPUT)
            old = previous.get((command["name"], kind))
            # Discord keeps a command's id across re-syncs and bumps `version` only on change.
            fresh = {
                k: v
                for k, v in command.items()
                if v is not None or k == "default_member_permissions"
            }
            fresh["type"] = kind
            # discord.py sends the bits as a JSON number; Discord stores and returns a string.
            bits = fresh.get("default_member_permissions")
            fresh["default_member_permissions"] = None if bits is None else str(int(bits))
            fresh.setdefault("description", "")
            fresh["id"] = old["id"] if old else self._ids.next()
            fresh["application_id"] = self._application_id
            unchanged = old is not None and _same(old, fresh)
            fresh["version"] = old["version"] if unchanged and old else self._ids.next()
            if guild_id is not None:
                fresh["guild_id"] = guild_id
            stored.append(fresh)
        if guild_id is None:
            self._global = stored
        else:
            self._guild[guild_id] = stored
        self.sync_count += 1
        return [dict(c) for c in stored]

    def in_scope(self, guild_id: str | None) -> list[Json]:
        if guild_id is None:
            return list(self._global)
        return list(self._guild.get(guild_id, []))

    def get(self, guild_id: str | None, command_id: str) -> Json | None:
        return next((c for c in self.in_scope(guild_id) if c["id"] == command_id), None)

    def find(self, name: str, guild_id: str | None, kind: int = CHAT_INPUT) -> Json | None:
        """Guild commands shadow global ones, exactly how discord.py's tree looks them up."""
        scopes = ([guild_id] if guild_id else []) + [None]
        for scope in scopes:
            for command in self.in_scope(scope):
                if command["name"] == name and command["type"] == kind:
                    return command
        return None

    def names(self, guild_id: str | None) -> list[str]:
        scopes = ([guild_id] if guild_id else []) + [None]
        return sorted({c["name"] for scope in scopes for c in self.in_scope(scope)})


def _same(old: Json, new: Json) -> bool:
    ignored = {"id", "version", "application_id", "guild_id"}
    return {k: v for k, v in old.items() if k not in ignored} == {
        k: v for k, v in new.items() if k not in ignored
    }
