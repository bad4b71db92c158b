"""The sections of /help. A command names its own section in `extras`, so adding a cog never
edits the help module:

    @app_commands.command(name="title", description="…", extras=help_section("find"))

A subcommand inherits its group's section unless it names one itself.
"""

from __future__ import annotations

from typing import Any

HELP_SECTION = "help_section"  # the key in a command's `extras`

# key -> (button label, one-line blurb), in the order /help shows them.
SECTIONS: dict[str, tuple[str, str]] = {
    "find": ("Find a show", "Title cards and recommendations on the story compass."),
    "decide": ("Decide together", "Polls that settle slow-burn vs fantasy."),
    "watch": ("Watch together", "Watch parties, RSVPs, reminders and calendars."),
    "settings": ("Settings", "Your timezone; the server's timezone, channel, reminders, role."),
    "about": ("About", "Help and information about this bot."),
}


def help_section(key: str) -> dict[str, Any]:
    """The `extras` that file a command under a /help section."""
    if key not in SECTIONS:
        raise ValueError(f"unknown help section {key!r}; known: {', '.join(SECTIONS)}")
    return {HELP_SECTION: key}
