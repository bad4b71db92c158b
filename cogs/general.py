"""/help and /about."""

from __future__ import annotations

import re
from typing import Any

import discord
from discord import app_commands
from discord.ext import commands

from bot import __version__
from bot.client import WatchClubBot
from bot.clock import to_unix
from cogs.about_embed import AboutFacts, about_embed
from cogs.help_pages import SECTIONS as HELP_SECTIONS
from cogs.help_pages import (
    CommandLine,
    command_lines,
    help_overview_embed,
    help_section_embed,
    present_sections,
)


def _live_command_lines(bot: commands.Bot) -> list[CommandLine]:
    pairs = [
        (command.qualified_name, command.description)
        for command in bot.tree.walk_commands()
        if isinstance(command, app_commands.Command)
    ]
    return command_lines(pairs)


def help_view(lines: list[CommandLine], current: str | None) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    for key in present_sections(lines):
        view.add_item(HelpSectionButton(key, current=key == current))
    return view


class HelpSectionButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]], template=r"help:(?P<section>[a-z]+)"
):
    """A section button on /help. Persistent: it works on old help messages after a restart."""

    def __init__(self, section: str, *, current: bool = False) -> None:
        label = HELP_SECTIONS.get(section, HELP_SECTIONS["more"])[0]
        super().__init__(
            discord.ui.Button(
                label=label,
                custom_id=f"help:{section}",
                style=discord.ButtonStyle.primary if current else discord.ButtonStyle.secondary,
            )
        )
        self.section = section

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction[Any],
        item: discord.ui.Item[Any],
        match: re.Match[str],
    ) -> HelpSectionButton:
        return cls(match["section"])

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        lines = _live_command_lines(interaction.client)
        await interaction.response.edit_message(
            embed=help_section_embed(lines, self.section), view=help_view(lines, self.section)
        )


class General(commands.Cog):
    def __init__(self, bot: WatchClubBot) -> None:
        self.bot = bot

    async def cog_load(self) -> None:
        self.bot.add_dynamic_items(HelpSectionButton)

    async def cog_unload(self) -> None:
        self.bot.remove_dynamic_items(HelpSectionButton)

    @app_commands.command(name="help", description="What watchclub does and how to use it")
    async def help(self, interaction: discord.Interaction[Any]) -> None:
        lines = _live_command_lines(self.bot)
        await interaction.response.send_message(
            embed=help_overview_embed(lines), view=help_view(lines, None), ephemeral=True
        )

    @app_commands.command(name="about", description="Version, uptime, data sources and attribution")
    async def about(self, interaction: discord.Interaction[Any]) -> None:
        clock = self.bot.resources.clock
        facts = AboutFacts(
            version=__version__,
            started_at=to_unix(self.bot.started_at),
            uptime_seconds=(clock.now() - self.bot.started_at).total_seconds(),
            database_bytes=await self.bot.resources.db.size_bytes(),
            server_count=len(self.bot.guilds),
            tmdb_configured=self.bot.settings.tmdb_configured,
        )
        await interaction.response.send_message(embed=about_embed(facts), ephemeral=True)


async def setup(bot: WatchClubBot) -> None:
    await bot.add_cog(General(bot))
