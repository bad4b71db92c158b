"""The cogs the bot loads, by module name, in order (an explicit list, never a directory scan).

Names, not imports: bot/ must not import cogs/ (DESIGN.md rule 1); discord.py imports them.
"""

EXTENSIONS: tuple[str, ...] = (
    "cogs.general",
    "cogs.server_config",
    "cogs.member_settings",
    "cogs.titles",
)
