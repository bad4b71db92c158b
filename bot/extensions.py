"""The cogs the bot loads, by package name, in order (an explicit list, never a directory scan;
a test fails when a package in cogs/ is missing here).

Names, not imports: bot/ must not import cogs/ (DESIGN.md rule 1); discord.py imports them.
"""

EXTENSIONS: tuple[str, ...] = (
    "cogs.general",
    "cogs.guilds",
    "cogs.members",
    "cogs.titles",
    "cogs.parties",
    "cogs.polls",
    "cogs.taste",
    "cogs.recommend",
)
