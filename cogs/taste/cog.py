"""What members tell the bot about titles: /rate, /watched, /notinterested, /watchlist, /taste,
and their privacy commands (/privacy forget-me, export, taste-match). Everything is per server,
and every answer is private: it concerns the member who asked."""

from __future__ import annotations

import io
from collections.abc import Sequence

import discord
from discord import app_commands
from discord.ext import commands

from bot.client import BotInteraction, WatchClubBot
from bot.error_handler import echo_input
from bot.errors import UserFacingError
from bot.message_text import shown_within
from bot.metadata.aliases import alias_key
from bot.recommend.portrait_service import PortraitAnswer, PortraitService
from bot.taste.models import MAX_SCORE, MIN_SCORE, TitleRef
from bot.taste.service import TasteService
from cogs.context import guild_id_of
from cogs.help_sections import help_section
from cogs.replies import send_private, within_deadline
from cogs.taste.embeds import (
    EXPORT_TEXT,
    FORGET_PROMPT,
    WATCHLIST_SHOWN,
    not_interested_text,
    not_interested_undone_text,
    rated_text,
    watched_text,
    watchlist_added_text,
    watchlist_embed,
    watchlist_removed_text,
)
from cogs.taste.portrait_embeds import (
    BOT_REFUSAL,
    CHART_FILE,
    NAME_ROOM,
    empty_text,
    portrait_embed,
    taste_match_text,
    unplaced_text,
)
from cogs.taste.views import DYNAMIC_ITEMS, forget_view
from cogs.title_options import CHOICE_MAX, is_title_id, title_choices
from cogs.titles.embeds import MEDIUM_NAMES

TITLE_MAX = 100  # what Discord lets a member type into a title option
ECHO_MAX = 60  # characters of typed text shown back in a refusal
CHOICES_MAX = 25  # Discord's limit for autocomplete choices

TITLE_HELP = "Start typing, then pick one of the suggestions"
Score = app_commands.Range[int, MIN_SCORE, MAX_SCORE]
TypedTitle = app_commands.Range[str, 1, TITLE_MAX]


def picked_id(typed: str) -> str:
    """The id a picked suggestion carries; typed text is refused, saying how to pick one."""
    text = typed.strip()
    if is_title_id(text):
        return text
    if not text:
        raise UserFacingError("Name a title: start typing, then pick one of the suggestions.")
    raise UserFacingError(
        f"Pick a title from the suggestions as you type: \u201c{echo_input(text, ECHO_MAX)}\u201d "
        "is text, and I only save titles I can tell apart. Type part of its name, wait for "
        "the list, and choose the one you mean."
    )


def find_entry(refs: Sequence[TitleRef], typed: str) -> TitleRef | None:
    """A title of a member's own list: by the id a suggestion carries, or by its exact name
    (ignoring case, accents and punctuation)."""
    text = typed.strip()
    if is_title_id(text):
        return next((ref for ref in refs if ref.id == text), None)
    key = alias_key(text)
    return next((ref for ref in refs if key and alias_key(ref.name) == key), None)


def own_choices(refs: Sequence[TitleRef], current: str) -> list[app_commands.Choice[str]]:
    """Suggestions from a member's own list, names containing what they typed."""
    typed = alias_key(current[:CHOICE_MAX])
    choices = []
    for ref in refs:
        if typed and typed not in alias_key(ref.name):
            continue
        suffix = f" \u00b7 {MEDIUM_NAMES[ref.medium]}"
        room = CHOICE_MAX - len(suffix)
        name = ref.name if len(ref.name) <= room else ref.name[: room - 1] + "\u2026"
        choices.append(app_commands.Choice(name=name + suffix, value=ref.id))
        if len(choices) == CHOICES_MAX:
            break
    return choices


class TasteCommands(commands.Cog):
    watchlist = app_commands.Group(
        name="watchlist",
        description="Titles you mean to watch: add, remove, show (yours or a member's)",
        guild_only=True,
        extras=help_section("find"),
    )
    privacy = app_commands.Group(
        name="privacy",
        description="What the bot stores about you in this server: export it, or forget it",
        guild_only=True,
        extras=help_section("find"),
    )

    def __init__(self, bot: WatchClubBot) -> None:
        self.bot = bot
        self.taste: TasteService = bot.services.taste
        self.portraits: PortraitService = bot.services.portraits

    async def cog_load(self) -> None:
        self.bot.add_dynamic_items(*DYNAMIC_ITEMS)

    async def cog_unload(self) -> None:
        self.bot.remove_dynamic_items(*DYNAMIC_ITEMS)

    async def _title(self, typed: str) -> TitleRef:
        """The picked title, its name and medium as the title data has them now."""
        title_id = picked_id(typed)
        found = (await self.bot.services.titles.lookup(title_id)).title
        return TitleRef(title_id, found.display_name, found.medium)

    # -- ratings and watched ------------------------------------------------------------------

    @app_commands.command(
        name="rate",
        description="Rate an anime or K-drama from 1 to 10 (rate again to change it)",
        extras=help_section("find"),
    )
    @app_commands.describe(title=TITLE_HELP, score="From 1 (not for me) to 10 (a favourite)")
    @app_commands.guild_only()
    async def rate(self, interaction: BotInteraction, title: TypedTitle, score: Score) -> None:
        guild_id = guild_id_of(interaction)
        picked = await within_deadline(interaction, self._title(title), ephemeral=True)
        result = await self.taste.rate(guild_id, interaction.user.id, picked, score)
        await send_private(interaction, content=rated_text(result))

    @app_commands.command(
        name="watched",
        description="Mark a title watched, with a score from 1 to 10 if you like",
        extras=help_section("find"),
    )
    @app_commands.describe(title=TITLE_HELP, score="Your rating of it, from 1 to 10 (optional)")
    @app_commands.guild_only()
    async def watched(
        self, interaction: BotInteraction, title: TypedTitle, score: Score | None = None
    ) -> None:
        guild_id = guild_id_of(interaction)
        picked = await within_deadline(interaction, self._title(title), ephemeral=True)
        result = await self.taste.watched(guild_id, interaction.user.id, picked, score)
        await send_private(interaction, content=watched_text(result, score_given=score is not None))

    @app_commands.command(
        name="notinterested",
        description="Never recommend you this title here (or take that back with undo)",
        extras=help_section("find"),
    )
    @app_commands.describe(
        title=TITLE_HELP, undo="Take back an earlier \u201cnot interested\u201d (default off)"
    )
    @app_commands.guild_only()
    async def notinterested(
        self, interaction: BotInteraction, title: TypedTitle, undo: bool = False
    ) -> None:
        guild_id = guild_id_of(interaction)
        member_id = interaction.user.id
        if undo:
            marked = [n.title for n in await self.taste.not_interested_titles(guild_id, member_id)]
            found = find_entry(marked, title)
            if found is None:
                raise UserFacingError(
                    'That title is not marked "not interested". With `undo`, pick one of the '
                    "titles you marked, as suggested while you type."
                )
            await self.taste.undo_not_interested(guild_id, member_id, found.id)
            await send_private(interaction, content=not_interested_undone_text(found))
            return
        picked = await within_deadline(interaction, self._title(title), ephemeral=True)
        newly = await self.taste.not_interested(guild_id, member_id, picked)
        await send_private(interaction, content=not_interested_text(picked, newly=newly))

    @rate.autocomplete("title")
    @watched.autocomplete("title")
    async def title_autocomplete(
        self, interaction: BotInteraction, current: str
    ) -> list[app_commands.Choice[str]]:
        return title_choices(self.bot.services.titles, current)

    @notinterested.autocomplete("title")
    async def notinterested_autocomplete(
        self, interaction: BotInteraction, current: str
    ) -> list[app_commands.Choice[str]]:
        if getattr(interaction.namespace, "undo", False) is True:
            if interaction.guild_id is None:
                return []
            marked = await self.taste.not_interested_titles(
                interaction.guild_id, interaction.user.id
            )
            return own_choices([n.title for n in marked], current)
        return title_choices(self.bot.services.titles, current)

    # -- the watchlist ------------------------------------------------------------------------

    @watchlist.command(name="add", description="Put a title on your watchlist")
    @app_commands.describe(title=TITLE_HELP)
    async def watchlist_add(self, interaction: BotInteraction, title: TypedTitle) -> None:
        guild_id = guild_id_of(interaction)
        picked = await within_deadline(interaction, self._title(title), ephemeral=True)
        result = await self.taste.watchlist_add(guild_id, interaction.user.id, picked)
        size = await self.taste.watchlist_size(guild_id, interaction.user.id)
        await send_private(interaction, content=watchlist_added_text(result, size))

    @watchlist_add.autocomplete("title")
    async def watchlist_add_autocomplete(
        self, interaction: BotInteraction, current: str
    ) -> list[app_commands.Choice[str]]:
        return title_choices(self.bot.services.titles, current)

    @watchlist.command(name="remove", description="Take a title off your watchlist")
    @app_commands.describe(title="Start typing, then pick one of your watchlist's titles")
    async def watchlist_remove(self, interaction: BotInteraction, title: TypedTitle) -> None:
        guild_id = guild_id_of(interaction)
        member_id = interaction.user.id
        entries = await self.taste.watchlist(guild_id, member_id)
        found = find_entry([entry.title for entry in entries], title)
        if found is None:
            raise UserFacingError(
                "That title is not on your watchlist. Pick one of its titles as you type; "
                "`/watchlist show` lists them."
            )
        await self.taste.watchlist_remove(guild_id, member_id, found.id)
        size = await self.taste.watchlist_size(guild_id, member_id)
        await send_private(interaction, content=watchlist_removed_text(found, size))

    @watchlist_remove.autocomplete("title")
    async def watchlist_remove_autocomplete(
        self, interaction: BotInteraction, current: str
    ) -> list[app_commands.Choice[str]]:
        if interaction.guild_id is None:
            return []
        entries = await self.taste.watchlist(interaction.guild_id, interaction.user.id)
        return own_choices([entry.title for entry in entries], current)

    @watchlist.command(name="show", description="See your watchlist, or a member's in this server")
    @app_commands.describe(member="Whose watchlist (default: yours)")
    async def watchlist_show(
        self, interaction: BotInteraction, member: discord.Member | None = None
    ) -> None:
        guild_id = guild_id_of(interaction)
        whose = member.id if member is not None else interaction.user.id
        entries = await self.taste.watchlist(guild_id, whose, limit=WATCHLIST_SHOWN)
        total = await self.taste.watchlist_size(guild_id, whose)
        owner = None if whose == interaction.user.id or member is None else member.display_name
        await send_private(interaction, embed=watchlist_embed(entries, total, owner=owner))

    # -- the taste portrait -------------------------------------------------------------------

    @app_commands.command(
        name="taste",
        description="Your taste on the story compass, or that of a member who shares theirs",
        extras=help_section("find"),
    )
    @app_commands.describe(
        member="Whose taste (default: yours; another member's if they turned on taste matching)"
    )
    @app_commands.guild_only()
    async def taste_command(
        self, interaction: BotInteraction, member: discord.Member | None = None
    ) -> None:
        # Always private, also for another member: it reads their ratings, shared with the
        # members who ask rather than posted for the whole channel; /watchlist show member:
        # answers privately too.
        guild_id = guild_id_of(interaction)
        target = member if member is not None else interaction.user
        if target.bot:
            raise UserFacingError(BOT_REFUSAL)
        own = target.id == interaction.user.id
        name = None if own else target.display_name
        server = interaction.guild.name if interaction.guild else "this server"
        answer, chart = await within_deadline(
            interaction,
            self._portrait(guild_id, target.id, interaction.user.id, name, server),
            ephemeral=True,
        )
        found = answer.portrait
        if found.empty:
            await send_private(interaction, content=empty_text(name=name))
            return
        if found.compass is None:
            await send_private(interaction, content=unplaced_text(name=name))
            return
        embed = portrait_embed(
            found, name=name, server=server, opted_in=answer.opted_in, chart=chart is not None
        )
        files = [discord.File(io.BytesIO(chart), CHART_FILE)] if chart else []
        await _send_private_with_files(interaction, embed, files)

    async def _portrait(
        self, guild_id: int, member_id: int, asker_id: int, name: str | None, server: str
    ) -> tuple[PortraitAnswer, bytes | None]:
        answer = await self.portraits.portrait(
            guild_id, member_id, asker_id=asker_id, name=shown_within(name or "You", NAME_ROOM)
        )
        if answer.portrait.compass is None:
            return answer, None
        heading = f"Your taste in {server}" if name is None else f"{name}'s taste in {server}"
        chart = await self.portraits.chart(
            answer.portrait, heading=heading, member_label=name or "You"
        )
        return answer, chart

    # -- privacy ------------------------------------------------------------------------------

    @privacy.command(
        name="taste-match",
        description="Let other members see your taste and find you as close taste (or not)",
    )
    @app_commands.describe(
        enabled="True: others may see your taste portrait and list you as close taste"
    )
    async def taste_match(self, interaction: BotInteraction, enabled: bool) -> None:
        guild_id = guild_id_of(interaction)
        if enabled:
            changed = await self.taste.opt_in(guild_id, interaction.user.id)
        else:
            changed = await self.taste.opt_out(guild_id, interaction.user.id)
        await send_private(interaction, content=taste_match_text(enabled=enabled, changed=changed))

    @privacy.command(
        name="forget-me",
        description="Delete everything the bot stores about you in this server (asks first)",
    )
    async def forget_me(self, interaction: BotInteraction) -> None:
        guild_id_of(interaction)
        await send_private(
            interaction, content=FORGET_PROMPT, view=forget_view(interaction.user.id)
        )

    @privacy.command(
        name="export", description="Get everything the bot stores about you here, as JSON"
    )
    async def export(self, interaction: BotInteraction) -> None:
        guild_id = guild_id_of(interaction)
        data = await within_deadline(
            interaction, self.taste.export(guild_id, interaction.user.id), ephemeral=True
        )
        file = discord.File(io.BytesIO(data), filename=f"watchclub-my-data-{guild_id}.json")
        if interaction.response.is_done():  # deferred: fill in the private "thinking…"
            await interaction.edit_original_response(content=EXPORT_TEXT, attachments=[file])
        else:
            await interaction.response.send_message(EXPORT_TEXT, file=file, ephemeral=True)


async def _send_private_with_files(
    interaction: BotInteraction, embed: discord.Embed, files: list[discord.File]
) -> None:
    """Answer privately with the files, or fill in the private "thinking…"; no mention in it
    may ping (the close-taste members are shown as mentions)."""
    nobody = discord.AllowedMentions.none()
    if interaction.response.is_done():
        await interaction.edit_original_response(
            embed=embed, attachments=files, allowed_mentions=nobody
        )
    else:
        await interaction.response.send_message(
            embed=embed, files=files, ephemeral=True, allowed_mentions=nobody
        )
