"""/title: look up any anime or K-drama and show its card."""

from __future__ import annotations

import re

import discord
from discord import app_commands
from discord.ext import commands

from bot.client import BotInteraction, WatchClubBot
from bot.metadata.models import Medium
from bot.metadata.service import TitleLookup, TitleService
from cogs.help_sections import help_section
from cogs.replies import send, within_deadline
from cogs.titles.embeds import choices_embed, lookup_card, no_match_message
from cogs.titles.views import TitlePicker

TITLE_ID = re.compile(r"^(anilist|tvmaze|tmdb|catalog):[A-Za-z0-9_-]{1,80}$")
MEDIUM_CHOICES = [
    app_commands.Choice(name="Anime", value=Medium.ANIME.value),
    app_commands.Choice(name="K-drama", value=Medium.KDRAMA.value),
]


class TitleCommands(commands.Cog):
    def __init__(self, bot: WatchClubBot) -> None:
        self.bot = bot
        self.titles: TitleService = bot.services.titles

    async def cog_load(self) -> None:
        self.bot.add_dynamic_items(TitlePicker)

    async def cog_unload(self) -> None:
        self.bot.remove_dynamic_items(TitlePicker)

    @app_commands.command(
        name="title", description="Look up an anime or K-drama", extras=help_section("find")
    )
    @app_commands.describe(name="Start typing a title", medium="Only anime or only K-dramas")
    @app_commands.choices(medium=MEDIUM_CHOICES)
    async def title(
        self,
        interaction: BotInteraction,
        name: app_commands.Range[str, 1, 100],
        medium: app_commands.Choice[str] | None = None,
    ) -> None:
        wanted = Medium(medium.value) if medium else None
        if TITLE_ID.match(name):
            lookup = await within_deadline(interaction, self.titles.lookup(name))
            await send(interaction, embed=lookup_card(lookup))
            return
        outcome = await within_deadline(interaction, self.titles.search(name, medium=wanted))
        if not outcome.titles:
            await send(interaction, content=no_match_message(name, outcome.notes), ephemeral=True)
            return
        if len(outcome.titles) == 1:
            only = outcome.titles[0]
            note = outcome.notes[0] if outcome.notes else None
            await send(interaction, embed=lookup_card(TitleLookup(only, note=note)))
            return
        view = discord.ui.View(timeout=None)
        view.add_item(TitlePicker(interaction.user.id, list(outcome.titles)[:25]))
        await send(
            interaction, embed=choices_embed(name, outcome.titles[:25], outcome.notes), view=view
        )

    @title.autocomplete("name")
    async def title_autocomplete(
        self, interaction: BotInteraction, current: str
    ) -> list[app_commands.Choice[str]]:
        medium = getattr(interaction.namespace, "medium", None)
        wanted = Medium(medium) if medium in {m.value for m in Medium} else None
        return [
            app_commands.Choice(name=s.label, value=s.title_id)
            for s in self.titles.suggest(current, medium=wanted)
        ]
