"""/help's content: commands grouped into sections, built from the live command tree."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from discord import app_commands

from cogs.help_sections import HELP_SECTION, SECTIONS

# Where a command that names no section is listed, so nothing is hidden (a test forbids it).
MORE = "more"
SHOWN_SECTIONS: dict[str, tuple[str, str]] = {**SECTIONS, MORE: ("More", "Other commands.")}


@dataclass(frozen=True)
class CommandLine:
    path: str  # "config timezone"
    description: str
    section: str  # a key of SECTIONS, or MORE for a command that names none


def section_of(command: app_commands.Command[Any, Any, Any] | app_commands.Group) -> str | None:
    """The command's own section, else the nearest group's."""
    current: app_commands.Command[Any, Any, Any] | app_commands.Group | None = command
    while current is not None:
        key = current.extras.get(HELP_SECTION)
        if isinstance(key, str) and key in SECTIONS:
            return key
        current = current.parent
    return None


def live_command_lines(tree: app_commands.CommandTree[Any]) -> list[CommandLine]:
    return command_lines(
        (command.qualified_name, command.description, section_of(command))
        for command in tree.walk_commands()
        if isinstance(command, app_commands.Command)
    )


def command_lines(commands: Iterable[tuple[str, str, str | None]]) -> list[CommandLine]:
    """(qualified name, description, section) -> lines in section order, then by name."""
    lines = [
        CommandLine(path, description, section or MORE) for path, description, section in commands
    ]
    order = list(SHOWN_SECTIONS)
    return sorted(lines, key=lambda line: (order.index(line.section), line.path))


def present_sections(lines: list[CommandLine]) -> list[str]:
    return [key for key in SHOWN_SECTIONS if any(line.section == key for line in lines)]
