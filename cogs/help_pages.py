"""/help's content: commands grouped into sections, built from the live command tree."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import discord

from cogs.style import BRAND

# Root command name -> section. A command not listed lands in "More", so nothing is hidden.
SECTION_OF_COMMAND = {
    "config": "settings",
    "timezone": "settings",
    "title": "find",
    "help": "about",
    "about": "about",
}
SECTIONS: dict[str, tuple[str, str]] = {
    "find": ("Find a show", "Title cards and recommendations on the story compass."),
    "decide": ("Decide together", "Polls that settle slow-burn vs fantasy."),
    "watch": ("Watch together", "Watch parties, RSVPs, reminders and calendars."),
    "settings": ("Settings", "Your timezone; the server's timezone, channel, reminders, role."),
    "about": ("About", "Help and information about this bot."),
    "more": ("More", "Other commands."),
}


@dataclass(frozen=True)
class CommandLine:
    path: str  # "config timezone"
    description: str
    section: str


def command_lines(commands: Iterable[tuple[str, str]]) -> list[CommandLine]:
    """(qualified name, description) pairs -> lines grouped by the section of their root."""
    lines = []
    for path, description in commands:
        section = SECTION_OF_COMMAND.get(path.split()[0], "more")
        lines.append(CommandLine(path=path, description=description, section=section))
    return sorted(lines, key=lambda line: (list(SECTIONS).index(line.section), line.path))


def present_sections(lines: list[CommandLine]) -> list[str]:
    return [key for key in SECTIONS if any(line.section == key for line in lines)]


def help_overview_embed(lines: list[CommandLine]) -> discord.Embed:
    embed = discord.Embed(
        title="watchclub",
        colour=BRAND,
        description=(
            "Your server's watch club for K-dramas and anime: **find** the next show, "
            "**decide** together, and **watch** together. Every title sits on the story "
            "compass: *slow-burn romance* and *fantasy*, two separate scores from 0 to 1."
        ),
    )
    for key in present_sections(lines):
        title, blurb = SECTIONS[key]
        names = ", ".join(f"`/{line.path}`" for line in lines if line.section == key)
        embed.add_field(name=title, value=f"{blurb}\n{names}", inline=False)
    embed.set_footer(text="Pick a section below for details. Times show in your own timezone.")
    return embed


def help_section_embed(lines: list[CommandLine], section: str) -> discord.Embed:
    title, blurb = SECTIONS.get(section, SECTIONS["more"])
    in_section = [line for line in lines if line.section == section]
    body = "\n".join(f"`/{line.path}`: {line.description}" for line in in_section)
    embed = discord.Embed(title=f"watchclub: {title}", colour=BRAND, description=blurb)
    embed.add_field(name="Commands", value=body or "Nothing here yet.", inline=False)
    embed.set_footer(text="Use the buttons to switch sections.")
    return embed
