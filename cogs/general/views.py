"""/help's section buttons: persistent, so they work on old help messages after a restart."""

from __future__ import annotations

import re
from typing import Any

import discord

from bot.client import BotInteraction
from cogs.components import components
from cogs.general.embeds import help_section_embed
from cogs.general.help import (
    MORE,
    SHOWN_SECTIONS,
    CommandLine,
    live_command_lines,
    present_sections,
)


def help_view(lines: list[CommandLine], current: str | None) -> discord.ui.View:
    return components(
        HelpSectionButton(key, current=key == current) for key in present_sections(lines)
    )


class HelpSectionButton(
    discord.ui.DynamicItem[discord.ui.Button[discord.ui.View]], template=r"help:(?P<section>[a-z]+)"
):
    def __init__(self, section: str, *, current: bool = False) -> None:
        label = SHOWN_SECTIONS.get(section, SHOWN_SECTIONS[MORE])[0]
        super().__init__(
            discord.ui.Button(
                label=label,
                custom_id=f"help:{section}",
                style=discord.ButtonStyle.primary if current else discord.ButtonStyle.secondary,
            )
        )
        self.section = section

    @classmethod
    async def from_custom_id(  # type: ignore[override]
        cls, interaction: BotInteraction, item: discord.ui.Item[Any], match: re.Match[str]
    ) -> HelpSectionButton:
        return cls(match["section"])

    async def callback(self, interaction: BotInteraction) -> None:  # type: ignore[override]
        lines = live_command_lines(interaction.client.tree)
        await interaction.response.edit_message(
            embed=help_section_embed(lines, self.section), view=help_view(lines, self.section)
        )
