"""The "which one did you mean?" menu under a /title search. Persistent: it works after a
restart. Only the member who searched may pick."""

from __future__ import annotations

import re
from typing import Any

import discord

from bot.client import BotInteraction
from bot.error_handler import reply_with_error
from bot.metadata.models import Title
from bot.metadata.service import label_for
from cogs.replies import within_deadline
from cogs.titles.embeds import lookup_card


class TitlePicker(
    discord.ui.DynamicItem[discord.ui.Select[discord.ui.View]],
    template=r"title:pick:(?P<user_id>\d+)",
):
    def __init__(self, user_id: int, titles: list[Title] | None = None) -> None:
        options = [
            discord.SelectOption(
                label=label_for(t.display_name, t.medium, t.year)[:100], value=t.id
            )
            for t in titles or []
        ]
        super().__init__(
            discord.ui.Select(
                custom_id=f"title:pick:{user_id}",
                placeholder="Which one did you mean?",
                options=options or [discord.SelectOption(label="…", value="none")],
            )
        )
        self.user_id = user_id

    @classmethod
    async def from_custom_id(  # type: ignore[override]
        cls, interaction: BotInteraction, item: discord.ui.Item[Any], match: re.Match[str]
    ) -> TitlePicker:
        return cls(int(match["user_id"]))

    async def callback(self, interaction: BotInteraction) -> None:  # type: ignore[override]
        # discord.py only logs errors from components; the user must still hear about them.
        try:
            await self._pick(interaction)
        except Exception as error:  # every error is reported to the user
            await reply_with_error(interaction, error)

    async def _pick(self, interaction: BotInteraction) -> None:
        if interaction.user.id != self.user_id:
            await interaction.response.send_message(
                "This list belongs to whoever searched. Use `/title` to look something up.",
                ephemeral=True,
            )
            return
        title_id = self.item.values[0] if self.item.values else ""
        titles = interaction.client.services.titles
        lookup = await within_deadline(interaction, titles.lookup(title_id))
        if interaction.response.is_done():
            await interaction.edit_original_response(embed=lookup_card(lookup), view=None)
        else:
            await interaction.response.edit_message(embed=lookup_card(lookup), view=None)
