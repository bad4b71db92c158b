"""/title: look up any anime or K-drama and show its card."""

from __future__ import annotations

from discord import app_commands
from discord.ext import commands

from bot.client import BotInteraction, WatchClubBot
from bot.errors import UserFacingError
from bot.metadata.models import Medium
from bot.metadata.service import SearchOutcome, TitleLookup, TitleService
from cogs.components import components
from cogs.help_sections import help_section
from cogs.replies import send, within_deadline
from cogs.title_options import is_title_id
from cogs.titles.embeds import choices_embed, lookup_card, no_match_message
from cogs.titles.views import TitlePicker

NAME_MAX_LENGTH = 100  # as declared to Discord, which a crafted request need not respect
MEDIUM_CHOICES = [
    app_commands.Choice(name="Anime", value=Medium.ANIME.value),
    app_commands.Choice(name="K-drama", value=Medium.KDRAMA.value),
]


def title_query(name: str) -> str:
    """The typed name, trimmed; a clear private refusal when it is blank or too long."""
    query = name.strip()
    if not query:
        raise UserFacingError(
            f"Type the name of an anime or K-drama (1 to {NAME_MAX_LENGTH} characters), "
            "or pick one of the suggestions as you type."
        )
    if len(query) > NAME_MAX_LENGTH:
        raise UserFacingError(
            f"A title name can be at most {NAME_MAX_LENGTH} characters; "
            f"that one has {len(query):,}. Try a shorter part of it."
        )
    return query


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
        name: app_commands.Range[str, 1, NAME_MAX_LENGTH],
        medium: app_commands.Choice[str] | None = None,
    ) -> None:
        query = title_query(name)
        wanted = Medium(medium.value) if medium else None
        if is_title_id(query):
            lookup = await within_deadline(interaction, self.titles.lookup(query))
            await send(interaction, embed=lookup_card(lookup))
            return
        outcome, single = await within_deadline(interaction, self._search(query, wanted))
        if single is not None:
            await send(interaction, embed=lookup_card(single))
            return
        view = components([TitlePicker(interaction.user.id, list(outcome.titles)[:25])])
        await send(
            interaction, embed=choices_embed(query, outcome.titles[:25], outcome.notes), view=view
        )

    async def _search(
        self, query: str, medium: Medium | None
    ) -> tuple[SearchOutcome, TitleLookup | None]:
        """The matches, and for a single match its details: a search result is not a card."""
        outcome = await self.titles.search(query, medium=medium)
        if not outcome.titles:
            # Shown privately, as errors are, even after a public "thinking…".
            raise UserFacingError(no_match_message(query, outcome.notes))
        if len(outcome.titles) > 1:
            return outcome, None
        # A search just saved what it listed, so an unreachable provider serves that copy.
        lookup = await self.titles.lookup(outcome.titles[0].id)
        note = lookup.note or (outcome.notes[0] if outcome.notes else None)
        return outcome, TitleLookup(lookup.title, note=note)

    @title.autocomplete("name")
    async def title_autocomplete(
        self, interaction: BotInteraction, current: str
    ) -> list[app_commands.Choice[str]]:
        medium = getattr(interaction.namespace, "medium", None)
        wanted = Medium(medium) if medium in {m.value for m in Medium} else None
        return [
            app_commands.Choice(name=s.label, value=s.title_id)
            # Capped like the option itself: a longer text matches nothing, and would be
            # searched for (and logged) whole.
            for s in self.titles.suggest(current[:NAME_MAX_LENGTH], medium=wanted)
        ]
