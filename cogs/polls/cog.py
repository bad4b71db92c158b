"""/poll: versus face-offs, community votes, brackets and the server's story compass."""

from __future__ import annotations

import io
import re

import discord
from discord import app_commands
from discord.ext import commands

from bot.client import BotInteraction, WatchClubBot
from bot.clock import to_unix
from bot.error_handler import reply_with_error
from bot.errors import UserFacingError
from bot.metadata.aliases import alias_key, expand_alias
from bot.metadata.models import Medium, Title
from bot.polls.brackets import round_name
from bot.polls.cards import card_of
from bot.polls.message import results_embed
from bot.polls.models import (
    MAX_QUESTION,
    BracketSpec,
    OptionSpec,
    PollKind,
    PollSpec,
    ResultsVisibility,
)
from bot.polls.pairs import NoPair
from bot.polls.rules import (
    check_max_choices,
    check_option,
    check_options,
    check_question,
    check_unique,
    parse_duration,
    read_ranking,
)
from bot.polls.service import PollService
from cogs.context import channel_id_of, guild_id_of
from cogs.forms import form_values, submitted_form
from cogs.help_sections import help_section
from cogs.parties.planning import TitleFacts, facts_of, plan_from_form
from cogs.polls.embeds import list_embed, receipt_text, stats_embed, voters_embed
from cogs.polls.views import (
    DYNAMIC_ITEMS,
    PARTY_FORM,
    RANK_FORM,
    RANKING_FIELD,
)
from cogs.replies import send_private, within_deadline
from cogs.title_options import is_title_id, title_choices

OPTION_MAX = 100  # what Discord lets a member type; cleaned options are held to 80
POLL_ID_MAX = 2**53 - 1
BRACKET_TITLES_MAX = 1500
BRACKET_SPLIT = re.compile(r"[;\n|]+")
NAME_MATCHES = 3  # suggestions a typed bracket name is compared with
RESULTS_CHOICES = [
    app_commands.Choice(name="at the close (default)", value="at_close"),
    app_commands.Choice(name="live", value="live"),
]
SEASON_CHOICES = [
    app_commands.Choice(name="anime airing this season (AniList)", value="anime"),
    app_commands.Choice(name="K-dramas airing now (TVmaze/TMDB)", value="kdrama"),
]
DURATION_SUGGESTIONS = ("10m", "30m", "1h", "6h", "12h", "24h", "2d", "3d", "7d")


def _visibility(value: str | None) -> ResultsVisibility:
    return ResultsVisibility.LIVE if value == "live" else ResultsVisibility.AT_CLOSE


class PollCommands(commands.Cog):
    poll = app_commands.Group(
        name="poll",
        description="Decide together: versus polls, votes on titles, brackets",
        guild_only=True,
        extras=help_section("decide"),
    )

    def __init__(self, bot: WatchClubBot) -> None:
        self.bot = bot
        self.polls: PollService = bot.services.polls

    async def cog_load(self) -> None:
        self.bot.add_dynamic_items(*DYNAMIC_ITEMS)

    async def cog_unload(self) -> None:
        self.bot.remove_dynamic_items(*DYNAMIC_ITEMS)

    # -- versus -------------------------------------------------------------------------------

    @poll.command(name="versus", description="Slow-burn vs fantasy: a face-off of two titles")
    @app_commands.describe(
        slowburn="The slow-burn side (leave both sides out and the bot picks a pair)",
        fantasy="The fantasy side",
        duration="How long it runs: 10m to 7d (default 24h)",
        anonymous="Hide who voted for what, from everyone (default on)",
        results="Show the tally live, or only at the close (default)",
    )
    @app_commands.choices(results=RESULTS_CHOICES)
    async def versus(
        self,
        interaction: BotInteraction,
        slowburn: app_commands.Range[str, 1, OPTION_MAX] | None = None,
        fantasy: app_commands.Range[str, 1, OPTION_MAX] | None = None,
        duration: app_commands.Range[str, 1, 20] | None = None,
        anonymous: bool = True,
        results: str | None = None,
    ) -> None:
        guild_id = guild_id_of(interaction)
        length = parse_duration(duration)
        slow_title, fantasy_title = await within_deadline(
            interaction,
            self._versus_titles(guild_id, slowburn, fantasy),
            ephemeral=True,
        )
        reason = None
        if slow_title is None or fantasy_title is None:
            given = slow_title or fantasy_title
            side = "slow_burn" if slow_title is not None else "fantasy"
            pair = await self.polls.pick_pair(guild_id, given=given, given_side=side)
            if isinstance(pair, NoPair):
                raise UserFacingError(
                    f"{pair.reason} Name both sides, e.g. `/poll versus slowburn:Goblin "
                    "fantasy:Frieren`."
                )
            slow_title = slow_title or self._title_of(pair.slow_burn.title_id)
            fantasy_title = fantasy_title or self._title_of(pair.fantasy.title_id)
            reason = f"Picked by the bot: {pair.reason}."
        if slow_title.id == fantasy_title.id:
            raise UserFacingError("A versus needs two different titles.")
        spec = PollSpec(
            guild_id=guild_id,
            channel_id=await self._poll_channel(interaction),
            creator_id=interaction.user.id,
            question="which do we watch next?",
            kind=PollKind.VERSUS,
            options=(
                OptionSpec(slow_title.display_name[:80], card_of(slow_title)),
                OptionSpec(fantasy_title.display_name[:80], card_of(fantasy_title)),
            ),
            closes_at=to_unix(self.polls.now() + length),
            anonymous=anonymous,
            results=_visibility(results),
            reason=reason,
        )
        poll = await self.polls.open(spec)
        lines = [
            f"Versus poll #{poll.id} is open: **{poll.options[0].label}** vs "
            f"**{poll.options[1].label}**, closing <t:{poll.closes_at}:R>."
        ]
        if reason:
            lines.append(f"-# {reason}")
        await send_private(interaction, content="\n".join(lines))

    async def _versus_titles(
        self, guild_id: int, slowburn: str | None, fantasy: str | None
    ) -> tuple[Title | None, Title | None]:
        return (
            None if slowburn is None else await self._resolve_title(slowburn, "slowburn"),
            None if fantasy is None else await self._resolve_title(fantasy, "fantasy"),
        )

    async def _resolve_title(self, typed: str, option: str) -> Title:
        """A picked suggestion, or the best match for a typed name."""
        text = typed.strip()
        if is_title_id(text):
            return (await self.bot.services.titles.lookup(text)).title
        suggestions = self.bot.services.titles.suggest(text[:OPTION_MAX])
        if not suggestions:
            raise UserFacingError(
                f"No title matches `{text[:80]}` for `{option}`. Pick one from the "
                "suggestions as you type."
            )
        return (await self.bot.services.titles.lookup(suggestions[0].title_id)).title

    def _title_of(self, title_id: str) -> Title:
        title = self.polls.catalog_title(title_id)
        if title is None:  # the picker only offers catalog titles
            raise UserFacingError("That title is no longer in the catalog; name both sides.")
        return title

    @versus.autocomplete("slowburn")
    @versus.autocomplete("fantasy")
    async def versus_title_autocomplete(
        self, interaction: BotInteraction, current: str
    ) -> list[app_commands.Choice[str]]:
        return title_choices(self.bot.services.titles, current)

    # -- create -------------------------------------------------------------------------------

    @poll.command(name="create", description="A question with 2 to 10 options: titles or text")
    @app_commands.describe(
        question="What to decide, e.g. What do we watch on Friday?",
        option1="A title (pick a suggestion) or any text",
        option2="A title (pick a suggestion) or any text",
        multi="Let members choose up to this many options",
        ranked="Members rank the options; counted by instant runoff",
        duration="How long it runs: 10m to 7d (default 24h)",
        anonymous="Hide who voted for what, from everyone (default on)",
        results="Show the tally live, or only at the close (default)",
    )
    @app_commands.choices(results=RESULTS_CHOICES)
    async def create(
        self,
        interaction: BotInteraction,
        question: app_commands.Range[str, 1, MAX_QUESTION],
        option1: app_commands.Range[str, 1, OPTION_MAX],
        option2: app_commands.Range[str, 1, OPTION_MAX],
        option3: app_commands.Range[str, 1, OPTION_MAX] | None = None,
        option4: app_commands.Range[str, 1, OPTION_MAX] | None = None,
        option5: app_commands.Range[str, 1, OPTION_MAX] | None = None,
        option6: app_commands.Range[str, 1, OPTION_MAX] | None = None,
        option7: app_commands.Range[str, 1, OPTION_MAX] | None = None,
        option8: app_commands.Range[str, 1, OPTION_MAX] | None = None,
        option9: app_commands.Range[str, 1, OPTION_MAX] | None = None,
        option10: app_commands.Range[str, 1, OPTION_MAX] | None = None,
        multi: app_commands.Range[int, 2, 10] | None = None,
        ranked: bool = False,
        duration: app_commands.Range[str, 1, 20] | None = None,
        anonymous: bool = True,
        results: str | None = None,
    ) -> None:
        guild_id = guild_id_of(interaction)
        given = (option1, option2, option3, option4, option5)
        more = (option6, option7, option8, option9, option10)
        typed = [o for o in (*given, *more) if o is not None]
        if multi is not None and ranked:
            raise UserFacingError("A poll is `multi` or `ranked`, not both: choose one.")
        text = check_question(question)
        length = parse_duration(duration)
        options = await within_deadline(interaction, self._options(typed), ephemeral=True)
        check_options([o.label for o in options])
        kind = PollKind.RANKED if ranked else PollKind.MULTI if multi else PollKind.SINGLE
        spec = PollSpec(
            guild_id=guild_id,
            channel_id=await self._poll_channel(interaction),
            creator_id=interaction.user.id,
            question=text,
            kind=kind,
            options=tuple(options),
            closes_at=to_unix(self.polls.now() + length),
            anonymous=anonymous,
            results=_visibility(results),
            max_choices=check_max_choices(kind, multi, len(options)),
        )
        poll = await self.polls.open(spec)
        await send_private(
            interaction,
            content=f"Poll #{poll.id} is open with {len(poll.options)} options, closing "
            f"<t:{poll.closes_at}:R>.",
        )

    async def _options(self, typed: list[str]) -> list[OptionSpec]:
        options = []
        for number, value in enumerate(typed, start=1):
            if is_title_id(value.strip()):
                title = (await self.bot.services.titles.lookup(value.strip())).title
                options.append(OptionSpec(title.display_name[:80], card_of(title)))
            else:
                options.append(OptionSpec(check_option(value, number)))
        return options

    @create.autocomplete("option1")
    @create.autocomplete("option2")
    @create.autocomplete("option3")
    @create.autocomplete("option4")
    @create.autocomplete("option5")
    @create.autocomplete("option6")
    @create.autocomplete("option7")
    @create.autocomplete("option8")
    @create.autocomplete("option9")
    @create.autocomplete("option10")
    async def option_autocomplete(
        self, interaction: BotInteraction, current: str
    ) -> list[app_commands.Choice[str]]:
        return title_choices(self.bot.services.titles, current)

    # -- managing -----------------------------------------------------------------------------

    @poll.command(name="close", description="Close a poll now and post its results")
    @app_commands.describe(poll="The poll's number")
    async def close(
        self, interaction: BotInteraction, poll: app_commands.Range[int, 1, POLL_ID_MAX]
    ) -> None:
        guild_id = guild_id_of(interaction)
        found = await self.polls.get(guild_id, poll)
        manages = _manages_messages(interaction, found.channel_id)
        closed = await self.polls.close(
            guild_id, poll, interaction.user.id, manages_messages=manages
        )
        await send_private(
            interaction,
            content=f"Poll #{closed.id} is closed; its results are being posted.",
        )

    @poll.command(name="edit", description="Change an open poll's question or deadline")
    @app_commands.describe(
        poll="The poll's number",
        question="The new question",
        duration="A new deadline, counted from now: 10m to 7d",
    )
    async def edit(
        self,
        interaction: BotInteraction,
        poll: app_commands.Range[int, 1, POLL_ID_MAX],
        question: app_commands.Range[str, 1, MAX_QUESTION] | None = None,
        duration: app_commands.Range[str, 1, 20] | None = None,
    ) -> None:
        guild_id = guild_id_of(interaction)
        if question is None and duration is None:
            raise UserFacingError(
                "Give a new `question`, a new `duration` (from now, e.g. `2h`), or both."
            )
        text = None if question is None else check_question(question)
        closes_at = None
        if duration is not None:
            closes_at = to_unix(self.polls.now() + parse_duration(duration))
        found = await self.polls.get(guild_id, poll)
        if found.kind is PollKind.VERSUS and text is not None:
            raise UserFacingError(
                "A versus poll's question is the face-off itself; change its `duration` only."
            )
        edited = await self.polls.edit(
            guild_id,
            poll,
            interaction.user.id,
            manages_messages=_manages_messages(interaction, found.channel_id),
            question=text,
            closes_at=closes_at,
        )
        changes = []
        if text is not None:
            changes.append("its question")
        if closes_at is not None:
            changes.append(f"its deadline, now <t:{edited.closes_at}:R> (<t:{edited.closes_at}:f>)")
        await send_private(
            interaction,
            content=f"Poll #{edited.id} is updated: {' and '.join(changes)}. "
            "Votes stay as they are.",
        )

    @versus.autocomplete("duration")
    @create.autocomplete("duration")
    @edit.autocomplete("duration")
    async def duration_autocomplete(
        self, interaction: BotInteraction, current: str
    ) -> list[app_commands.Choice[str]]:
        typed = current.strip().lower()
        return [
            app_commands.Choice(name=value, value=value)
            for value in DURATION_SUGGESTIONS
            if value.startswith(typed) or not typed
        ]

    @poll.command(name="results", description="A poll's results (live polls: as they stand)")
    @app_commands.describe(poll="The poll's number")
    async def results_command(
        self, interaction: BotInteraction, poll: app_commands.Range[int, 1, POLL_ID_MAX]
    ) -> None:
        guild_id = guild_id_of(interaction)
        found, counted = await self.polls.results(guild_id, poll)
        chart = await within_deadline(interaction, self.polls.chart(found, counted), ephemeral=True)
        embed = discord.Embed.from_dict(results_embed(found, counted, chart=chart is not None))
        if not found.is_closed:
            embed.title = (embed.title or "").replace("Results:", "So far:", 1)
        files = [discord.File(io.BytesIO(chart), "results.png")] if chart else []
        await _send_with_files(interaction, embed, files)

    @poll.command(name="list", description="The polls open in this server")
    async def list_command(self, interaction: BotInteraction) -> None:
        guild_id = guild_id_of(interaction)
        headings = await self.polls.headings(guild_id, open_only=True)
        server = interaction.guild.name if interaction.guild else "this server"
        await send_private(interaction, embed=list_embed(headings, server=server))

    @poll.command(name="voters", description="Who voted for what (polls that are not anonymous)")
    @app_commands.describe(poll="The poll's number")
    async def voters(
        self, interaction: BotInteraction, poll: app_commands.Range[int, 1, POLL_ID_MAX]
    ) -> None:
        guild_id = guild_id_of(interaction)
        found, named = await self.polls.voters(guild_id, poll)
        if not found.shows_counts:
            raise UserFacingError(
                f"Poll #{found.id} shows its results at the close, <t:{found.closes_at}:R>, "
                "and who voted for what would give them away. Ask again once it closes."
            )
        await send_private(interaction, embed=voters_embed(found, named))

    @close.autocomplete("poll")
    @edit.autocomplete("poll")
    @results_command.autocomplete("poll")
    @voters.autocomplete("poll")
    async def poll_autocomplete(
        self, interaction: BotInteraction, current: int | str
    ) -> list[app_commands.Choice[int]]:
        if interaction.guild_id is None:
            return []
        headings = await self.polls.headings(interaction.guild_id, open_only=False, limit=50)
        typed = str(current).strip().lstrip("#").casefold()
        return [
            app_commands.Choice(name=f"#{h.id} {h.question}"[:100], value=h.id)
            for h in headings
            if not typed or str(h.id).startswith(typed) or typed in h.question.casefold()
        ][:25]

    # -- brackets -----------------------------------------------------------------------------

    @poll.command(name="bracket", description="A tournament of 4, 8 or 16 titles, round by round")
    @app_commands.describe(
        name="What it decides, e.g. Best slow-burn of the season",
        titles="The titles, best seed first, separated by ; (4, 8 or 16 of them)",
        season="Or seed it from what is airing now",
        size="How many titles from the season (default 8)",
        duration="How long each round runs: 10m to 7d (default 24h)",
        anonymous="Hide who voted for what, from everyone (default on)",
        results="Show each match's tally live, or only at its close (default)",
    )
    @app_commands.choices(results=RESULTS_CHOICES, season=SEASON_CHOICES)
    async def bracket(
        self,
        interaction: BotInteraction,
        name: app_commands.Range[str, 1, 100],
        titles: app_commands.Range[str, 1, BRACKET_TITLES_MAX] | None = None,
        season: str | None = None,
        size: app_commands.Range[int, 4, 16] | None = None,
        duration: app_commands.Range[str, 1, 20] | None = None,
        anonymous: bool = True,
        results: str | None = None,
    ) -> None:
        guild_id = guild_id_of(interaction)
        if size is not None and size not in (4, 8, 16):
            raise UserFacingError("A bracket's `size` is 4, 8 or 16.")
        if (titles is None) == (season is None):
            raise UserFacingError(
                "Give the bracket's `titles` (separated by `;`) or pick a `season`, one of the two."
            )
        length = parse_duration(duration)
        if titles is not None:
            entrants = await within_deadline(
                interaction, self._bracket_entrants(titles), ephemeral=True
            )
        else:
            entrants = await within_deadline(
                interaction,
                self._season_entrants(Medium(season or "anime"), size or 8),
                ephemeral=True,
            )
        spec = BracketSpec(
            guild_id=guild_id,
            channel_id=await self._poll_channel(interaction),
            creator_id=interaction.user.id,
            name=check_question(name),
            entrants=entrants,
            duration=length,
            anonymous=anonymous,
            results=_visibility(results),
        )
        stored, opened = await self.bot.services.brackets.start(spec)
        first = round_name(len(entrants), 0)
        lines = [
            f"Bracket #{stored.id} **{stored.name}** has begun: {len(entrants)} titles, "
            f"{len(stored.draw.rounds)} rounds. The {first.lower()}s are open "
            f"({len(opened)} matches), closing <t:{opened[0].closes_at}:R>.",
            "Seeds: " + ", ".join(f"{n}. {e.label}" for n, e in enumerate(entrants, start=1)),
        ]
        await send_private(interaction, content="\n".join(lines)[:2000])

    async def _bracket_entrants(self, typed: str) -> tuple[OptionSpec, ...]:
        names = [part.strip() for part in BRACKET_SPLIT.split(typed) if part.strip()]
        if len(names) not in (4, 8, 16):
            raise UserFacingError(
                f"A bracket has 4, 8 or 16 titles separated by `;`; that list has {len(names)}."
            )
        entrants = []
        for number, typed_name in enumerate(names, start=1):
            title = await self._title_named(typed_name)
            if title is not None:
                entrants.append(OptionSpec(title.display_name[:80], card_of(title)))
            else:
                entrants.append(OptionSpec(check_option(typed_name, number)))
        check_unique([e.label for e in entrants])
        return tuple(entrants)

    async def _title_named(self, typed: str) -> Title | None:
        """The title this is a name of (English, romanised, native, a listed synonym or a fan
        alias such as `reply 88`), or None: a name typed without autocomplete is matched only
        exactly, never to a look-alike ("Love" is not "Love Next Door"), and then stays text as
        typed. A title that can't be read now (its provider down) leaves the name as text."""
        titles = self.bot.services.titles
        wanted = {alias_key(typed)}
        canonical = expand_alias(typed)
        if canonical is not None:
            wanted.add(alias_key(canonical))
        for suggestion in titles.suggest(typed[:OPTION_MAX], limit=NAME_MATCHES):
            try:
                title = (await titles.lookup(suggestion.title_id)).title
            except UserFacingError:
                continue
            names = title.names
            known = (names.english, names.romanized, names.native, *names.synonyms)
            if wanted & {alias_key(name) for name in known if name}:
                return title
        return None

    async def _season_entrants(self, medium: Medium, size: int) -> tuple[OptionSpec, ...]:
        season = await self.bot.services.titles.airing_season(medium, limit=size)
        if len(season.titles) < size:
            raise UserFacingError(
                f"{season.note or 'Too few titles are airing now.'} A bracket of {size} needs "
                f"{size}; found {len(season.titles)}. Try a smaller `size`, or list the titles."
            )
        return tuple(
            OptionSpec(title.display_name[:80], card_of(title)) for title in season.titles[:size]
        )

    # -- the server's compass -----------------------------------------------------------------

    @poll.command(name="stats", description="How this server leans: slow-burn vs fantasy")
    async def stats(self, interaction: BotInteraction) -> None:
        guild_id = guild_id_of(interaction)
        server = interaction.guild.name if interaction.guild else "This server"
        found = await self.polls.compass(guild_id)
        chart = await within_deadline(
            interaction, self.polls.compass_chart(found, server=server), ephemeral=True
        )
        embed = stats_embed(found, server=server, chart=chart is not None)
        files = [discord.File(io.BytesIO(chart), "compass.png")] if chart else []
        await _send_with_files(interaction, embed, files)

    # -- forms --------------------------------------------------------------------------------

    @commands.Cog.listener()
    async def on_interaction(self, interaction: BotInteraction) -> None:
        """Answer the ranking and watch-party forms, by custom_id (see cogs/forms)."""
        rank = submitted_form(interaction, RANK_FORM)
        party = submitted_form(interaction, PARTY_FORM)
        if rank is None and party is None:
            return
        try:
            if rank is not None:
                await self._ranked(interaction, int(rank[1]))
            elif party is not None:
                await self._handoff(interaction, int(party[1]), int(party[2]))
        except Exception as error:  # every error is reported to the member, privately
            await reply_with_error(interaction, error)

    async def _ranked(self, interaction: BotInteraction, poll_id: int) -> None:
        guild_id = guild_id_of(interaction)
        poll = await self.polls.get(guild_id, poll_id)
        ranking = read_ranking(form_values(interaction).get(RANKING_FIELD, ""), len(poll.options))
        receipt = await self.polls.rank(guild_id, poll_id, interaction.user.id, ranking)
        await interaction.response.send_message(receipt_text(receipt), ephemeral=True)

    async def _handoff(self, interaction: BotInteraction, poll_id: int, option: int) -> None:
        """A poll's winner into the watch-party flow: the same private preview and Confirm."""
        poll = await self.polls.get(guild_id_of(interaction), poll_id)
        if option >= len(poll.options):
            raise UserFacingError(f"Poll #{poll.id} has no option {option + 1}.")
        chosen = poll.options[option]
        facts = TitleFacts(chosen.label)
        if chosen.card is not None:
            facts = await within_deadline(
                interaction, self._facts(chosen.card.title_id, chosen.label), ephemeral=True
            )
        await plan_from_form(
            interaction, self.bot.services, facts, note=f"Chosen by poll #{poll.id}."
        )

    async def _facts(self, title_id: str, label: str) -> TitleFacts:
        try:
            return facts_of((await self.bot.services.titles.lookup(title_id)).title)
        except UserFacingError:
            return TitleFacts(label, title_id=title_id)

    async def _poll_channel(self, interaction: BotInteraction) -> int:
        """Polls are posted where the command was used."""
        return channel_id_of(interaction)


def _manages_messages(interaction: BotInteraction, channel_id: int) -> bool:
    """Manage Messages in the poll's channel (Administrator has it), with that channel's
    overwrites; checked by the bot itself, whatever the command's permissions say. A channel
    the bot can't resolve grants nothing beyond being the poll's creator."""
    if interaction.channel_id == channel_id:
        return interaction.permissions.manage_messages  # as Discord resolved it, here
    member, guild = interaction.user, interaction.guild
    if not isinstance(member, discord.Member) or guild is None:
        return False
    channel = guild.get_channel_or_thread(channel_id)
    if channel is None:
        return False
    try:
        return channel.permissions_for(member).manage_messages
    except discord.ClientException:  # a thread whose parent channel is not known
        return False


async def _send_with_files(
    interaction: BotInteraction, embed: discord.Embed, files: list[discord.File]
) -> None:
    if interaction.response.is_done():  # deferred: fill in the private "thinking…"
        await interaction.edit_original_response(embed=embed, attachments=files)
    else:
        await interaction.response.send_message(embed=embed, files=files, ephemeral=True)
