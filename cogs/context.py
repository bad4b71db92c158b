"""Where an interaction happened: the server and channel a command or button needs."""

from __future__ import annotations

from discord import app_commands

from bot.client import BotInteraction


def guild_id_of(interaction: BotInteraction) -> int:
    if interaction.guild_id is None:
        raise app_commands.NoPrivateMessage()
    return interaction.guild_id


def channel_id_of(interaction: BotInteraction) -> int:
    if interaction.channel_id is None:
        raise app_commands.NoPrivateMessage()
    return interaction.channel_id
