"""The peer of `bench votes`' full path: a bare discord.py bot whose vote buttons answer at once
without touching a database, the ceiling that the sandbox, the load generator and discord.py
leave for watchclub's own work."""

from __future__ import annotations

import re
from typing import Any

import discord


class _NoopButton(
    discord.ui.DynamicItem[discord.ui.Button[discord.ui.View]],
    template=r"poll:(?P<id>\d+):vote:(?P<option>\d+)",
):
    def __init__(self, poll_id: int, option: int) -> None:
        super().__init__(discord.ui.Button(label="vote", custom_id=f"poll:{poll_id}:vote:{option}"))

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction[Any],
        item: discord.ui.Item[Any],
        match: re.Match[str],
    ) -> _NoopButton:
        return cls(int(match["id"]), int(match["option"]))

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        await interaction.response.send_message("Counted.", ephemeral=True)


class NoopBot(discord.Client):
    def __init__(self) -> None:
        super().__init__(intents=discord.Intents.none())

    async def setup_hook(self) -> None:
        self.add_dynamic_items(_NoopButton)
