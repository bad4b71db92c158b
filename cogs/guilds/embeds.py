"""Replies of /config: data in, embed out."""

from __future__ import annotations

import discord

from bot.durations import format_lead_times
from bot.guilds.models import GuildSettings
from bot.timezones import ResolvedZone
from cogs.style import BRAND


def settings_embed(
    settings: GuildSettings, *, guild_name: str, timezone_label: str | None
) -> discord.Embed:
    """`timezone_label` is the default zone with its offset now, such as
    "Asia/Seoul (UTC+09:00)"; None when no default is set."""
    embed = discord.Embed(title=f"Settings for {guild_name}", colour=BRAND)
    embed.add_field(
        name="Default timezone",
        value=timezone_label or "not set (members are asked)",
        inline=False,
    )
    embed.add_field(
        name="Announcement channel",
        value=(
            f"<#{settings.announcement_channel_id}>"
            if settings.announcement_channel_id
            else "not set (the channel where a party is created)"
        ),
        inline=False,
    )
    embed.add_field(
        name="Reminders", value=format_lead_times(settings.reminder_lead_minutes), inline=False
    )
    embed.add_field(
        name="Watch-party role",
        value=(
            f"<@&{settings.watch_party_role_id}> (pinged with reminders)"
            if settings.watch_party_role_id
            else "none (only members who RSVP'd are pinged)"
        ),
        inline=False,
    )
    if settings.updated_by and settings.updated_at:
        embed.add_field(
            name="Last change",
            value=f"by <@{settings.updated_by}> <t:{settings.updated_at}:R>",
            inline=False,
        )
    return embed


def default_timezone_saved(saved: ResolvedZone) -> str:
    """The confirmation: which zone was chosen and its offset, and how the text was read."""
    message = f"Default timezone is now {saved.label}."
    return f"{message}\n{saved.note}" if saved.note else message
