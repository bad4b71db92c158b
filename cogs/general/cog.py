"""/help and /about."""

from __future__ import annotations

from discord import app_commands
from discord.ext import commands

from bot.client import BotInteraction, WatchClubBot
from cogs.general.embeds import about_embed, help_overview_embed
from cogs.general.help import live_command_lines
from cogs.general.views import HelpSectionButton, help_view
from cogs.help_sections import help_section


class GeneralCommands(commands.Cog):
    def __init__(self, bot: WatchClubBot) -> None:
        self.bot = bot

    async def cog_load(self) -> None:
        self.bot.add_dynamic_items(HelpSectionButton)

    async def cog_unload(self) -> None:
        self.bot.remove_dynamic_items(HelpSectionButton)

    @app_commands.command(
        name="help",
        description="What watchclub does and how to use it",
        extras=help_section("about"),
    )
    async def help(self, interaction: BotInteraction) -> None:
        lines = live_command_lines(self.bot.tree)
        await interaction.response.send_message(
            embed=help_overview_embed(lines), view=help_view(lines, None), ephemeral=True
        )

    @app_commands.command(
        name="about",
        description="Version, uptime, data sources and attribution",
        extras=help_section("about"),
    )
    async def about(self, interaction: BotInteraction) -> None:
        facts = await self.bot.services.about.facts(
            guild_count=len(self.bot.guilds), guild_id=interaction.guild_id
        )
        await interaction.response.send_message(embed=about_embed(facts), ephemeral=True)
