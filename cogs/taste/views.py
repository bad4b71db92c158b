"""The forget-me confirmation: Confirm and Cancel, persistent `DynamicItem`s whose custom_id
names the member who asked (privacy:forget:{member}:confirm|cancel), so they work after a
restart and a click by anyone else is refused. The server is the one the click comes from."""

from __future__ import annotations

import re
from typing import Any, Final

import discord

from bot.client import BotInteraction
from bot.error_handler import reply_with_error
from cogs.components import components
from cogs.replies import within_deadline
from cogs.taste.embeds import FORGET_CANCELLED, FORGET_NOT_YOURS, forgotten_embed

CONFIRM: Final = "confirm"
CANCEL: Final = "cancel"


def forget_custom_id(member_id: int, action: str) -> str:
    return f"privacy:forget:{member_id}:{action}"


def forget_view(member_id: int) -> discord.ui.View:
    return components([ForgetButton(member_id, CONFIRM), ForgetButton(member_id, CANCEL)])


class ForgetButton(
    discord.ui.DynamicItem[discord.ui.Button[discord.ui.View]],
    template=r"privacy:forget:(?P<member>\d{1,20}):(?P<action>confirm|cancel)",
):
    def __init__(self, member_id: int, action: str) -> None:
        confirm = action == CONFIRM
        super().__init__(
            discord.ui.Button(
                label="Confirm: forget me" if confirm else "Cancel",
                style=discord.ButtonStyle.danger if confirm else discord.ButtonStyle.secondary,
                custom_id=forget_custom_id(member_id, action),
            )
        )
        self.member_id = member_id
        self.action = action

    @classmethod
    async def from_custom_id(  # type: ignore[override]
        cls, interaction: BotInteraction, item: discord.ui.Item[Any], match: re.Match[str]
    ) -> ForgetButton:
        return cls(int(match["member"]), match["action"])

    async def callback(self, interaction: BotInteraction) -> None:  # type: ignore[override]
        try:
            await self._answer(interaction)
        except Exception as error:  # every error is reported to the member, privately
            await reply_with_error(interaction, error)

    async def _answer(self, interaction: BotInteraction) -> None:
        if interaction.user.id != self.member_id:
            await interaction.response.send_message(FORGET_NOT_YOURS, ephemeral=True)
            return
        if interaction.guild_id is None:
            raise discord.app_commands.NoPrivateMessage()
        if self.action != CONFIRM:
            await interaction.response.edit_message(content=FORGET_CANCELLED, view=None)
            return
        taste = interaction.client.services.taste
        summary = await within_deadline(
            interaction, taste.forget_me(interaction.guild_id, self.member_id)
        )
        embed = forgotten_embed(summary)
        if interaction.response.is_done():  # deferred: update the confirmation in place
            await interaction.edit_original_response(content=None, embed=embed, view=None)
        else:
            await interaction.response.edit_message(content=None, embed=embed, view=None)


DYNAMIC_ITEMS = (ForgetButton,)
