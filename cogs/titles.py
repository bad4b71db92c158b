"""/title: look up any anime or K-drama and show its card."""

from __future__ import annotations

import re
from typing import Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.client import WatchClubBot
from bot.compass import read_compass
from bot.error_handler import reply_with_error
from bot.metadata.models import Medium, Title
from bot.metadata.service import TitleLookup, TitleService, label_for
from cogs.replies import send, within_deadline
from cogs.title_card import choices_embed, no_match_message, title_card

TITLE_ID = re.compile(r"^(anilist|tvmaze|tmdb|catalog):[A-Za-z0-9_-]{1,80}$")
MEDIUM_CHOICES = [
    app_commands.Choice(name="Anime", value=Medium.ANIME.value),
    app_commands.Choice(name="K-drama", value=Medium.KDRAMA.value),
]


def _card(lookup: TitleLookup) -> discord.Embed:
    return title_card(lookup.title, read_compass(lookup.title), note=lookup.note)


class TitlePicker(
    discord.ui.DynamicItem[discord.ui.Select[Any]], template=r"title:pick:(?P<user_id>\d+)"
):
    """The "which one did you mean?" menu. Only the member who searched may pick."""

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
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: re.Match[str]
    ) -> TitlePicker:
        return cls(int(match["user_id"]))

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        # discord.py only logs errors from components; the user must still hear about them.
        try:
            await self._pick(interaction)
        except Exception as error:  # every error is reported to the user
            await reply_with_error(interaction, error)

    async def _pick(self, interaction: discord.Interaction[Any]) -> None:
        if interaction.user.id != self.user_id:
            await interaction.response.send_message(
                "This list belongs to whoever searched. Use `/title` to look something up.",
                ephemeral=True,
            )
            return
        title_id = self.item.values[0] if self.item.values else ""
        bot = interaction.client
        assert isinstance(bot, WatchClubBot)
        lookup = await within_deadline(interaction, bot.services.titles.lookup(title_id))
        if interaction.response.is_done():
            await interaction.edit_original_response(embed=_card(lookup), view=None)
        else:
            await interaction.response.edit_message(embed=_card(lookup), view=None)


class Titles(commands.Cog):
    def __init__(self, bot: WatchClubBot) -> None:
        self.bot = bot

    @property
    def titles(self) -> TitleService:
        return self.bot.services.titles

    async def cog_load(self) -> None:
        self.bot.add_dynamic_items(TitlePicker)

    async def cog_unload(self) -> None:
        self.bot.remove_dynamic_items(TitlePicker)

    @app_commands.command(name="title", description="Look up an anime or K-drama")
    @app_commands.describe(name="Start typing a title", medium="Only anime or only K-dramas")
    @app_commands.choices(medium=MEDIUM_CHOICES)
    async def title(
        self,
        interaction: discord.Interaction[Any],
        name: app_commands.Range[str, 1, 100],
        medium: app_commands.Choice[str] | None = None,
    ) -> None:
        wanted = Medium(medium.value) if medium else None
        if TITLE_ID.match(name):
            lookup = await within_deadline(interaction, self.titles.lookup(name))
            await send(interaction, embed=_card(lookup))
            return
        outcome = await within_deadline(interaction, self.titles.search(name, medium=wanted))
        if not outcome.titles:
            await send(interaction, content=no_match_message(name, outcome.notes), ephemeral=True)
            return
        if len(outcome.titles) == 1:
            only = outcome.titles[0]
            note = outcome.notes[0] if outcome.notes else None
            await send(interaction, embed=_card(TitleLookup(only, note=note)))
            return
        view = discord.ui.View(timeout=None)
        view.add_item(TitlePicker(interaction.user.id, list(outcome.titles)[:25]))
        await send(
            interaction, embed=choices_embed(name, outcome.titles[:25], outcome.notes), view=view
        )

    @title.autocomplete("name")
    async def title_autocomplete(
        self, interaction: discord.Interaction[Any], current: str
    ) -> list[app_commands.Choice[str]]:
        medium = getattr(interaction.namespace, "medium", None)
        wanted = Medium(medium) if medium in {m.value for m in Medium} else None
        return [
            app_commands.Choice(name=s.label, value=s.title_id)
            for s in self.titles.suggest(current, medium=wanted)
        ]


async def setup(bot: WatchClubBot) -> None:
    await bot.add_cog(Titles(bot))
