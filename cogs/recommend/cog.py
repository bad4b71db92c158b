"""/recommend: what to watch next, for the member or for the whole server, each pick with the
reason that put it there. For the member the answer is private (it reads their ratings); for
the server it is public, for everyone to act on.

The picks come from `RecommendService`, which answers from the last model built and never
waits for a rebuild. The menu under the picks leads to the actions (see views.py).
"""

from __future__ import annotations

from discord import app_commands
from discord.ext import commands

from bot.client import BotInteraction, WatchClubBot
from bot.error_handler import reply_with_error
from bot.errors import UserFacingError
from bot.recommend.ranking import Audience, Length, MediumFilter, Mood, Request, StatusFilter
from bot.recommend.service import Answer, RecommendService
from bot.taste.models import TitleRef
from cogs.context import guild_id_of
from cogs.forms import submitted_form
from cogs.help_sections import help_section
from cogs.parties.planning import TitleFacts, facts_of, plan_from_form
from cogs.recommend.embeds import NOTHING_TEXT, recommendations_embed
from cogs.recommend.quick_rate import (
    QUICK_FORM,
    QuickRateButton,
    read_scores,
    saved_text,
    submitted_scores,
)
from cogs.recommend.views import DYNAMIC_ITEMS, PARTY_FORM, picks_view
from cogs.replies import send, send_private, within_deadline
from cogs.title_options import is_title_id, title_choices

TITLE_MAX = 100

MEDIUM_CHOICES = [
    app_commands.Choice(name="Anime", value=MediumFilter.ANIME.value),
    app_commands.Choice(name="K-drama", value=MediumFilter.KDRAMA.value),
    app_commands.Choice(name="Any", value=MediumFilter.ANY.value),
]
MOOD_CHOICES = [
    app_commands.Choice(name="Slow-burn", value=Mood.SLOW_BURN.value),
    app_commands.Choice(name="Fantasy", value=Mood.FANTASY.value),
    app_commands.Choice(name="Both", value=Mood.BOTH.value),
    app_commands.Choice(name="Balanced", value=Mood.BALANCED.value),
]
LENGTH_CHOICES = [
    app_commands.Choice(name="Short (13 episodes or fewer)", value=Length.SHORT.value),
    app_commands.Choice(name="Standard (14 to 26 episodes)", value=Length.STANDARD.value),
    app_commands.Choice(name="Long (more than 26 episodes)", value=Length.LONG.value),
    app_commands.Choice(name="Any", value=Length.ANY.value),
]
STATUS_CHOICES = [
    app_commands.Choice(name="Airing", value=StatusFilter.AIRING.value),
    app_commands.Choice(name="Finished", value=StatusFilter.FINISHED.value),
    app_commands.Choice(name="Any", value=StatusFilter.ANY.value),
]
FOR_CHOICES = [
    app_commands.Choice(name="Me", value=Audience.MEMBER.value),
    app_commands.Choice(name="The server", value=Audience.SERVER.value),
]
DEFAULT_COUNT = 5


def like_id(typed: str | None) -> str | None:
    if typed is None:
        return None
    text = typed.strip()
    if not is_title_id(text):
        raise UserFacingError(
            "For `like`, pick a title from the suggestions as you type (type part of its "
            "name and choose the one you mean)."
        )
    return text


class RecommendCommands(commands.Cog):
    def __init__(self, bot: WatchClubBot) -> None:
        self.bot = bot
        self.recommender: RecommendService = bot.services.recommend

    async def cog_load(self) -> None:
        self.bot.add_dynamic_items(*DYNAMIC_ITEMS, QuickRateButton)

    async def cog_unload(self) -> None:
        self.bot.remove_dynamic_items(*DYNAMIC_ITEMS, QuickRateButton)

    @app_commands.command(
        name="recommend",
        description="What to watch next, with the reason for each pick",
        extras=help_section("find"),
    )
    @app_commands.describe(
        medium="Anime, K-drama or any (default any)",
        mood="A target on the story compass (default: none)",
        like="A title to start from: pick one of the suggestions",
        length="Short, standard or long (default any)",
        status="Airing, finished or any (default any)",
        audience="For you (private), or what the whole server would enjoy next (public)",
        count="How many picks, 1 to 10 (default 5)",
    )
    @app_commands.rename(audience="for")
    @app_commands.choices(
        medium=MEDIUM_CHOICES,
        mood=MOOD_CHOICES,
        length=LENGTH_CHOICES,
        status=STATUS_CHOICES,
        audience=FOR_CHOICES,
    )
    @app_commands.guild_only()
    async def recommend(
        self,
        interaction: BotInteraction,
        medium: str | None = None,
        mood: str | None = None,
        like: app_commands.Range[str, 1, TITLE_MAX] | None = None,
        length: str | None = None,
        status: str | None = None,
        audience: str | None = None,
        count: app_commands.Range[int, 1, 10] = DEFAULT_COUNT,
    ) -> None:
        guild_id = guild_id_of(interaction)
        try:
            request = Request(
                medium=MediumFilter(medium or MediumFilter.ANY),
                mood=None if mood is None else Mood(mood),
                like=like_id(like),
                length=Length(length or Length.ANY),
                status=StatusFilter(status or StatusFilter.ANY),
                audience=Audience(audience or Audience.MEMBER),
                count=count,
            )
        except ValueError:
            raise UserFacingError(
                "Pick the options from their lists; `count` is a number from 1 to 10."
            ) from None
        private = request.audience is Audience.MEMBER
        answer = await within_deadline(
            interaction,
            self.recommender.recommend(guild_id, interaction.user.id, request),
            ephemeral=private,
        )
        picks = answer.recommendations.picks
        if not picks:
            raise UserFacingError(NOTHING_TEXT)
        embed = recommendations_embed(answer)
        view = picks_view(picks, for_server=answer.audience is Audience.SERVER)
        if private and not answer.has_ratings and view is not None:
            view.add_item(QuickRateButton())
        if private:
            await send_private(interaction, embed=embed, view=view)
        else:
            await send(interaction, embed=embed, view=view)

    @recommend.autocomplete("like")
    async def like_autocomplete(
        self, interaction: BotInteraction, current: str
    ) -> list[app_commands.Choice[str]]:
        return title_choices(self.bot.services.titles, current)

    # -- the forms: a recommended title's watch party, and the quick picker -------------------

    @commands.Cog.listener()
    async def on_interaction(self, interaction: BotInteraction) -> None:
        """Answer this cog's forms by custom_id (see cogs/forms)."""
        party = submitted_form(interaction, PARTY_FORM)
        quick = submitted_form(interaction, QUICK_FORM)
        if party is None and quick is None:
            return
        try:
            if party is not None:
                await self._plan_party(interaction, party[1])
            else:
                await self._rate_quickly(interaction)
        except Exception as error:  # every error is reported to the member, privately
            await reply_with_error(interaction, error)

    async def _rate_quickly(self, interaction: BotInteraction) -> None:
        """Save the quick picker's scores in one go, then answer with the member's own picks."""
        guild_id = guild_id_of(interaction)
        fields = submitted_scores(interaction)
        titles = {title_id: self.recommender.title(title_id) for title_id in fields}
        labels = {i: t.display_name for i, t in titles.items() if t is not None}
        scored = read_scores(fields, labels)
        unknown = [s.title_id for s in scored if titles[s.title_id] is None]
        if unknown:
            raise UserFacingError(
                "I no longer know one of those titles. Nothing was saved; press the button "
                "again for a fresh form."
            )
        rated = [
            (TitleRef.of(known), s.score)
            for s in scored
            if (known := titles[s.title_id]) is not None
        ]
        member_id = interaction.user.id
        answer = await within_deadline(
            interaction, self._rate_and_recommend(guild_id, member_id, rated), ephemeral=True
        )
        picks = answer.recommendations.picks
        await send_private(
            interaction,
            content=saved_text(rated),
            embed=recommendations_embed(answer) if picks else None,
            view=picks_view(picks),
        )

    async def _rate_and_recommend(
        self, guild_id: int, member_id: int, rated: list[tuple[TitleRef, int]]
    ) -> Answer:
        await self.bot.services.taste.rate_many(guild_id, member_id, rated)
        return await self.recommender.recommend(guild_id, member_id, Request(count=DEFAULT_COUNT))

    async def _plan_party(self, interaction: BotInteraction, title_id: str) -> None:
        facts = await within_deadline(interaction, self._facts(title_id), ephemeral=True)
        await plan_from_form(interaction, self.bot.services, facts, note="Picked from /recommend.")

    async def _facts(self, title_id: str) -> TitleFacts:
        known = self.recommender.title(title_id)
        if known is not None:
            return facts_of(known)
        try:
            return facts_of((await self.bot.services.titles.lookup(title_id)).title)
        except UserFacingError:
            return TitleFacts(title_id, title_id=title_id)
