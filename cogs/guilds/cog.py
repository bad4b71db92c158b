"""/config: a server's default timezone, announcement channel, reminders and ping role."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot.client import BotInteraction, WatchClubBot
from bot.durations import format_lead_times
from bot.errors import UserFacingError
from bot.guilds.service import GuildSettingsService
from cogs.guilds.embeds import default_timezone_saved, settings_embed
from cogs.help_sections import help_section
from cogs.replies import send_private, within_deadline
from cogs.style import confirmation_embed

NEEDED_IN_ANNOUNCEMENT_CHANNEL = ("view_channel", "send_messages", "embed_links")


def _guild(interaction: BotInteraction) -> discord.Guild:
    if interaction.guild is None:
        raise app_commands.NoPrivateMessage()
    return interaction.guild


def _missing_bot_permissions(channel: discord.abc.GuildChannel, me: discord.Member) -> list[str]:
    granted = channel.permissions_for(me)
    return [name for name in NEEDED_IN_ANNOUNCEMENT_CHANNEL if not getattr(granted, name)]


class GuildSettingsCommands(commands.Cog):
    config = app_commands.Group(
        name="config",
        description="Server settings for watchclub (needs Manage Server)",
        guild_only=True,
        default_permissions=discord.Permissions(manage_guild=True),
        extras=help_section("settings"),
    )

    def __init__(self, bot: WatchClubBot) -> None:
        self.guild_settings: GuildSettingsService = bot.services.guild_settings
        self.parties = bot.services.parties
        self.command_access = bot.services.command_access

    @commands.Cog.listener()
    async def on_raw_app_command_permissions_update(
        self, event: discord.RawAppCommandPermissionsUpdateEvent
    ) -> None:
        """An admin changed who may use a command here: the shortcut buttons follow at the next
        click instead of within a minute (see cogs/command_access)."""
        self.command_access.forget(event.guild.id)

    async def interaction_check(self, interaction: BotInteraction) -> bool:  # type: ignore[override]
        # Discord's default_permissions can be overridden by server admins per role;
        # the bot checks again so a misconfigured override cannot open the settings to all.
        _guild(interaction)
        if not interaction.permissions.manage_guild:
            raise app_commands.MissingPermissions(["manage_guild"])
        return True

    @config.command(name="show", description="Show this server's watchclub settings")
    async def show(self, interaction: BotInteraction) -> None:
        guild = _guild(interaction)
        settings = await self.guild_settings.get(guild.id)
        zone = settings.timezone
        label = self.guild_settings.describe_timezone(zone) if zone else None
        await interaction.response.send_message(
            embed=settings_embed(settings, guild_name=guild.name, timezone_label=label),
            ephemeral=True,
        )

    @config.command(name="timezone", description="Set the server's default timezone")
    @app_commands.describe(zone="A timezone such as Asia/Seoul, America/New_York, KST or UTC+9")
    async def timezone(self, interaction: BotInteraction, zone: str) -> None:
        guild = _guild(interaction)
        saved = await self.guild_settings.set_timezone(guild.id, zone, by=interaction.user.id)
        await interaction.response.send_message(
            embed=confirmation_embed(
                default_timezone_saved(saved),
                "Members who set their own timezone keep it; times always show in each "
                "viewer's local time.",
            ),
            ephemeral=True,
        )

    @timezone.autocomplete("zone")
    async def timezone_autocomplete(
        self, interaction: BotInteraction, current: str
    ) -> list[app_commands.Choice[str]]:
        return [
            app_commands.Choice(name=choice.label, value=choice.zone)
            for choice in self.guild_settings.timezone_choices(current)
        ]

    @config.command(name="channel", description="Where watch parties and results are announced")
    @app_commands.describe(channel="Leave empty to announce in the channel where each party starts")
    async def channel(
        self,
        interaction: BotInteraction,
        channel: discord.TextChannel | None = None,
    ) -> None:
        guild = _guild(interaction)
        if channel is not None:
            resolved = guild.get_channel(channel.id)
            if resolved is None:
                raise UserFacingError("I can't see that channel. Pick a text channel I can view.")
            missing = _missing_bot_permissions(resolved, guild.me)
            if missing:
                names = ", ".join(name.replace("_", " ").title() for name in missing)
                raise UserFacingError(
                    f"I can't post in {channel.mention}: I need **{names}** there. "
                    "Grant them or pick another channel; nothing was changed."
                )
        await self.guild_settings.set_announcement_channel(
            guild.id, channel.id if channel else None, by=interaction.user.id
        )
        message = (
            f"Announcements will go to {channel.mention}."
            if channel
            else "Announcements will go to the channel where each watch party is created."
        )
        await interaction.response.send_message(embed=confirmation_embed(message), ephemeral=True)

    @config.command(name="reminders", description="When reminders go out before a watch party")
    @app_commands.describe(lead_times='For example "1d 1h 15m", or "off"')
    async def reminders(self, interaction: BotInteraction, lead_times: str) -> None:
        guild = _guild(interaction)
        settings = await self.guild_settings.set_reminder_lead_times(
            guild.id, lead_times, by=interaction.user.id
        )
        summary = format_lead_times(settings.reminder_lead_minutes)
        message = (
            f"Reminders: {summary}."
            if settings.reminder_lead_minutes
            else "Reminders are off, except one at each party's start."
        )
        moved = await within_deadline(
            interaction, self.parties.apply_lead_times(guild.id), ephemeral=True
        )
        if moved:
            message += f" The {moved} upcoming watch part{'y' if moved == 1 else 'ies'} follow it."
        await send_private(interaction, embed=confirmation_embed(message))

    @config.command(name="role", description="The role pinged with watch-party reminders")
    @app_commands.describe(role="Leave empty to ping only the members who RSVP'd")
    async def role(self, interaction: BotInteraction, role: discord.Role | None = None) -> None:
        guild = _guild(interaction)
        note = None
        if role is not None:
            if role.is_default():
                raise UserFacingError(
                    "@everyone can't be the watch-party role. Pick a role members opt into."
                )
            if role.managed:
                raise UserFacingError(
                    f"{role.mention} belongs to an integration or bot. Pick a role members hold."
                )
            if not role.mentionable and not guild.me.guild_permissions.mention_everyone:
                note = (
                    f"{role.mention} is not mentionable, so reminders can't ping it yet. Make it "
                    "mentionable, or give me **Mention @everyone, @here and All Roles**."
                )
        await self.guild_settings.set_watch_party_role(
            guild.id, role.id if role else None, by=interaction.user.id
        )
        message = (
            f"Reminders will ping {role.mention} as well as the members who RSVP'd."
            if role
            else "Reminders will ping only the members who RSVP'd."
        )
        await interaction.response.send_message(
            embed=confirmation_embed(message, note), ephemeral=True
        )
