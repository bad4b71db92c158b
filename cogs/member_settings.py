"""/timezone: a member's own timezone."""

from __future__ import annotations

from typing import Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.client import WatchClubBot
from bot.member_config import EffectiveTimezone, MemberConfig
from bot.storage.guild_settings import GuildSettingsRepository
from bot.storage.member_settings import MemberSettingsRepository
from bot.timezones import suggest_timezones
from cogs.config_embeds import confirmation_embed

_HOW_TIMES_WORK = (
    "Times you type (for watch parties) are read in this zone. Times the bot shows always "
    "appear in each viewer's own local time."
)


def describe_timezone(current: EffectiveTimezone) -> str:
    if current.source == "member":
        return f"Your timezone is `{current.zone}`."
    if current.source == "server":
        return (
            f"You have not set a timezone, so the server default `{current.zone}` is used. "
            "Set yours with `/timezone zone:`."
        )
    return (
        "You have not set a timezone and this server has no default. "
        "Set yours with `/timezone zone:` (for example `Asia/Seoul`)."
    )


class MemberSettings(commands.Cog):
    def __init__(self, bot: WatchClubBot) -> None:
        db, clock = bot.resources.db, bot.resources.clock
        self.member_config = MemberConfig(
            MemberSettingsRepository(db), GuildSettingsRepository(db), clock
        )

    @app_commands.command(name="timezone", description="See or set your own timezone")
    @app_commands.describe(
        zone="An IANA timezone such as Asia/Seoul; leave empty to see yours, or type reset"
    )
    async def timezone(
        self, interaction: discord.Interaction[Any], zone: str | None = None
    ) -> None:
        guild_id = interaction.guild_id
        if zone is None:
            current = await self.member_config.effective_timezone(interaction.user.id, guild_id)
            await interaction.response.send_message(describe_timezone(current), ephemeral=True)
            return
        saved = await self.member_config.set_timezone(interaction.user.id, zone)
        if saved is None:
            current = await self.member_config.effective_timezone(interaction.user.id, guild_id)
            message = "Your timezone is cleared. " + describe_timezone(current)
        else:
            message = f"Your timezone is now `{saved}`."
        await interaction.response.send_message(
            embed=confirmation_embed(message, _HOW_TIMES_WORK), ephemeral=True
        )

    @timezone.autocomplete("zone")
    async def timezone_autocomplete(
        self, interaction: discord.Interaction[Any], current: str
    ) -> list[app_commands.Choice[str]]:
        return [app_commands.Choice(name=zone, value=zone) for zone in suggest_timezones(current)]


async def setup(bot: WatchClubBot) -> None:
    await bot.add_cog(MemberSettings(bot))
