"""/timezone: a member's own timezone."""

from __future__ import annotations

from discord import app_commands
from discord.ext import commands

from bot.client import BotInteraction, WatchClubBot
from bot.members.service import MemberSettingsService
from cogs.help_sections import help_section
from cogs.members.embeds import HOW_TIMES_WORK, describe_timezone, timezone_saved
from cogs.style import confirmation_embed


class MemberSettingsCommands(commands.Cog):
    def __init__(self, bot: WatchClubBot) -> None:
        self.member_settings: MemberSettingsService = bot.services.member_settings

    @app_commands.command(
        name="timezone", description="See or set your own timezone", extras=help_section("settings")
    )
    @app_commands.describe(
        zone="A timezone such as Asia/Seoul, KST or UTC+9; leave empty to see yours, or type reset"
    )
    async def timezone(self, interaction: BotInteraction, zone: str | None = None) -> None:
        member, guild_id = interaction.user.id, interaction.guild_id
        if zone is None:
            current = await self.member_settings.effective_timezone(member, guild_id)
            await interaction.response.send_message(describe_timezone(current), ephemeral=True)
            return
        saved = await self.member_settings.set_timezone(member, zone)
        if saved is None:
            current = await self.member_settings.effective_timezone(member, guild_id)
            message = "Your timezone is cleared. " + describe_timezone(current)
        else:
            message = timezone_saved(saved)
        await interaction.response.send_message(
            embed=confirmation_embed(message, HOW_TIMES_WORK), ephemeral=True
        )

    @timezone.autocomplete("zone")
    async def timezone_autocomplete(
        self, interaction: BotInteraction, current: str
    ) -> list[app_commands.Choice[str]]:
        return [
            app_commands.Choice(name=choice.label, value=choice.zone)
            for choice in self.member_settings.timezone_choices(current)
        ]
