"""/watchparty: schedule, answer, list, change and export watch parties."""

from __future__ import annotations

import io
import re

import discord
from discord import app_commands
from discord.ext import commands

from bot.client import BotInteraction, WatchClubBot
from bot.error_handler import reply_with_error
from bot.errors import UserFacingError
from bot.parties.follow import parse_offset
from bot.parties.follows import FollowStarted
from bot.parties.models import MoveRequest, NewFollow, PlaceKind, ScheduleRequest
from bot.parties.rules import MAX_LINK
from bot.parties.service import PartyService
from bot.when import MAX_LENGTH as MAX_WHEN
from cogs.context import channel_id_of
from cogs.forms import submitted_form
from cogs.help_sections import help_section
from cogs.parties.embeds import (
    follow_embed,
    info_embed,
    list_embed,
    move_preview_embed,
    party_choice_label,
)
from cogs.parties.planning import TITLE_MAX, TitleFacts, facts_of, offer_plan
from cogs.parties.views import (
    CHANGE_FORM,
    CalendarButton,
    DraftButton,
    RsvpButton,
    ZonePicker,
    answer_change_form,
    manages_events,
    preview_view,
)
from cogs.replies import send_private, within_deadline
from cogs.title_options import is_title_id, title_choices

CHANNEL_MENTION = re.compile(r"^<#(\d{1,20})>$|^(\d{1,20})$")
EPISODES_MAX = 20
NOTE_MAX = 500
REPEAT_MAX = 60
CHOICE_MAX = 100  # Discord's limit for an autocomplete choice's name and value
AUTOCOMPLETE_PARTIES = 200  # upcoming parties searched as a member types
PARTY_ID_MAX = 2**53 - 1  # the largest integer Discord accepts in an option
DYNAMIC_ITEMS = (RsvpButton, CalendarButton, DraftButton, ZonePicker)
DM_CHOICES = [
    app_commands.Choice(name="on", value="on"),
    app_commands.Choice(name="off", value="off"),
]


def _guild(interaction: BotInteraction) -> discord.Guild:
    if interaction.guild is None:
        raise app_commands.NoPrivateMessage()
    return interaction.guild


def read_place(guild: discord.Guild, typed: str | None) -> tuple[PlaceKind, str | None]:
    """`where`: a voice or stage channel (picked, or typed as #channel), or a link."""
    if typed is None or not typed.strip():
        return PlaceKind.NONE, None
    text = typed.strip()
    mention = CHANNEL_MENTION.match(text)
    if mention:
        channel = guild.get_channel(int(mention.group(1) or mention.group(2)))
        if isinstance(channel, discord.StageChannel):
            return PlaceKind.STAGE, str(channel.id)
        if isinstance(channel, discord.VoiceChannel):
            return PlaceKind.VOICE, str(channel.id)
        raise UserFacingError(
            "`where` takes a voice or stage channel of this server (pick one as you type) "
            "or a link starting with https://."
        )
    if len(text) > MAX_LINK or not text.startswith(("https://", "http://")) or " " in text:
        raise UserFacingError(
            f"`where` takes a voice or stage channel (pick one as you type) or a link starting "
            f"with https:// of at most {MAX_LINK} characters."
        )
    return PlaceKind.LINK, text


def _capped(name: str, text: str | None, limit: int) -> str | None:
    if text is None:
        return None
    if len(text) > limit:
        raise UserFacingError(
            f"`{name}` can be at most {limit} characters; that one has {len(text):,}."
        )
    return text.strip() or None


class WatchPartyCommands(commands.Cog):
    watchparty = app_commands.Group(
        name="watchparty",
        description="Watch together: schedule parties, RSVP, reminders and calendars",
        guild_only=True,
        extras=help_section("watch"),
    )
    remind = app_commands.Group(
        name="remind", description="How you are reminded of parties", parent=watchparty
    )

    def __init__(self, bot: WatchClubBot) -> None:
        self.bot = bot
        self.parties: PartyService = bot.services.parties

    async def cog_load(self) -> None:
        self.bot.add_dynamic_items(*DYNAMIC_ITEMS)

    async def cog_unload(self) -> None:
        self.bot.remove_dynamic_items(*DYNAMIC_ITEMS)

    @commands.Cog.listener()
    async def on_interaction(self, interaction: BotInteraction) -> None:
        """Answer a preview's Change form by custom_id (see cogs/forms)."""
        change = submitted_form(interaction, CHANGE_FORM)
        if change is None:
            return
        try:
            await answer_change_form(interaction, int(change[1]))
        except Exception as error:  # every error is reported to the member, privately
            await reply_with_error(interaction, error)

    # -- schedule ---------------------------------------------------------------------------

    @watchparty.command(name="schedule", description="Plan a watch party or a series")
    @app_commands.describe(
        title="The anime or K-drama (pick a suggestion, or type any name)",
        when="When it starts, e.g. fri 8pm, tomorrow 21:00, 2026-12-05 20:00 KST",
        episodes="Which episodes, e.g. 5-6 (a series starts from the first)",
        where="A voice or stage channel, or a link",
        note="Anything members should know",
        repeat="For a series: weekly fri,sat or daily",
        sessions="For a series: how many sessions",
        until="For a series: the last day, e.g. 2027-01-31",
        episodes_per_session="For a series: episodes each session",
        thread="Open a discussion thread on each session's announcement",
    )
    async def schedule(
        self,
        interaction: BotInteraction,
        title: app_commands.Range[str, 1, TITLE_MAX],
        when: app_commands.Range[str, 1, MAX_WHEN],
        episodes: app_commands.Range[str, 1, EPISODES_MAX] | None = None,
        where: app_commands.Range[str, 1, MAX_LINK] | None = None,
        note: app_commands.Range[str, 1, NOTE_MAX] | None = None,
        repeat: app_commands.Range[str, 1, REPEAT_MAX] | None = None,
        sessions: app_commands.Range[int, 1, 100] | None = None,
        until: app_commands.Range[str, 1, 40] | None = None,
        episodes_per_session: app_commands.Range[int, 1, 50] | None = None,
        thread: bool = False,
    ) -> None:
        guild = _guild(interaction)
        services = self.bot.services
        name = _capped("title", title, TITLE_MAX)
        typed_when = _capped("when", when, MAX_WHEN)
        if name is None or typed_when is None:
            raise UserFacingError("Give a title and a time, e.g. `fri 8pm`.")
        place_kind, place = read_place(guild, where)
        facts = await within_deadline(interaction, self._title_facts(name), ephemeral=True)
        settings = await services.guild_settings.get(guild.id)
        zone = await services.member_settings.effective_timezone(interaction.user.id, guild.id)
        request = ScheduleRequest(
            guild_id=guild.id,
            channel_id=settings.announcement_channel_id or channel_id_of(interaction),
            host_id=interaction.user.id,
            title_name=facts.name,
            when=typed_when,
            zone=zone.zone or "",
            title_id=facts.title_id,
            last_episode=facts.last_episode,
            runtime_minutes=facts.runtime_minutes,
            episodes=_capped("episodes", episodes, EPISODES_MAX),
            place_kind=place_kind,
            place=place,
            note=_capped("note", note, NOTE_MAX),
            repeat=_capped("repeat", repeat, REPEAT_MAX),
            sessions=sessions,
            until=_capped("until", until, 40),
            per_session=episodes_per_session,
            cover_url=facts.cover_url,
            compass_line=facts.compass_line,
            wants_thread=thread,
        )
        await offer_plan(interaction, self.parties, request, zone_known=zone.zone is not None)

    async def _title_facts(self, typed: str) -> TitleFacts:
        """A picked suggestion brings the title's details; free text is kept as typed."""
        if not is_title_id(typed):
            return TitleFacts(typed)
        lookup = await self.bot.services.titles.lookup(typed)
        return facts_of(lookup.title)

    @schedule.autocomplete("title")
    async def title_autocomplete(
        self, interaction: BotInteraction, current: str
    ) -> list[app_commands.Choice[str]]:
        return title_choices(self.bot.services.titles, current)

    @schedule.autocomplete("when")
    async def when_autocomplete(
        self, interaction: BotInteraction, current: str
    ) -> list[app_commands.Choice[str]]:
        typed = current[:MAX_WHEN]
        if not typed.strip():
            return []
        zone = await self.bot.services.member_settings.effective_timezone(
            interaction.user.id, interaction.guild_id
        )
        return [
            app_commands.Choice(name=label[:100], value=typed)
            for label in [self.parties.when_preview(typed, zone=zone.zone)]
        ]

    @schedule.autocomplete("where")
    async def where_autocomplete(
        self, interaction: BotInteraction, current: str
    ) -> list[app_commands.Choice[str]]:
        guild = interaction.guild
        if guild is None:
            return []
        typed = current.casefold().lstrip("#")
        rooms = [
            channel
            for channel in (*guild.voice_channels, *guild.stage_channels)
            if typed in channel.name.casefold()
        ]
        choices = [
            app_commands.Choice(name=f"\U0001f50a {channel.name}"[:100], value=f"<#{channel.id}>")
            for channel in rooms[:24]
        ]
        if current.startswith(("https://", "http://")) and len(current) <= CHOICE_MAX:
            # A longer link can be sent as typed: Discord caps a choice at 100 characters.
            choices.insert(0, app_commands.Choice(name=current, value=current))
        return choices[:25]

    # -- reading ----------------------------------------------------------------------------

    @watchparty.command(name="list", description="The upcoming watch parties here, with your RSVP")
    async def list_parties(self, interaction: BotInteraction) -> None:
        guild = _guild(interaction)
        entries = await self.parties.upcoming_with_rsvps(guild.id, interaction.user.id)
        await interaction.response.send_message(
            embed=list_embed(entries, now=self.parties.now()), ephemeral=True
        )

    @watchparty.command(name="info", description="One watch party: its sessions and answers")
    @app_commands.describe(party="The party (pick one as you type)")
    async def info(
        self, interaction: BotInteraction, party: app_commands.Range[int, 1, PARTY_ID_MAX]
    ) -> None:
        guild = _guild(interaction)
        found = await self.parties.get(guild.id, party)
        counts = await self.parties.counts(found.id)
        answer = await self.parties.rsvp_of(found.id, interaction.user.id)
        await interaction.response.send_message(
            embed=info_embed(found, counts, answer), ephemeral=True
        )

    @watchparty.command(name="calendar", description="An .ics file of every party you're Going to")
    async def calendar(self, interaction: BotInteraction) -> None:
        guild = _guild(interaction)
        found = await self.parties.member_calendar(guild.id, interaction.user.id)
        if found is None:
            raise UserFacingError(
                "You're not Going to any watch party here yet. Click **Going** on an "
                "announcement, then try again."
            )
        await interaction.response.send_message(
            f"{found.sessions} session{'s' if found.sessions != 1 else ''} of the parties you're "
            "Going to. Import the file into your calendar app; importing a newer one updates them.",
            file=discord.File(io.BytesIO(found.data), filename=found.filename),
            ephemeral=True,
        )

    # -- changing ---------------------------------------------------------------------------

    @watchparty.command(name="reschedule", description="Move a session, or the rest of a series")
    @app_commands.describe(
        party="The party (pick one as you type)",
        when="The new start, e.g. sat 9pm",
        session="Which session (default: the next one)",
        rest_of_series="Move every later session by the same amount too",
    )
    async def reschedule(
        self,
        interaction: BotInteraction,
        party: app_commands.Range[int, 1, PARTY_ID_MAX],
        when: app_commands.Range[str, 1, MAX_WHEN],
        session: app_commands.Range[int, 1, 1000] | None = None,
        rest_of_series: bool = False,
    ) -> None:
        guild = _guild(interaction)
        typed = _capped("when", when, MAX_WHEN)
        if typed is None:
            raise UserFacingError("Give the new time, e.g. `sat 9pm`.")
        zone = await self.bot.services.member_settings.effective_timezone(
            interaction.user.id, guild.id
        )
        # Neither the member nor the server has a zone: the party's own reads it, and the
        # preview says so.
        read_in = zone.zone or (await self.parties.get(guild.id, party)).plan.zone
        draft, planned = await self.parties.preview_move(
            MoveRequest(
                guild_id=guild.id,
                party_id=party,
                host_id=interaction.user.id,
                when=typed,
                zone=read_in,
                session=session,
                rest_of_series=rest_of_series,
                can_manage_events=manages_events(interaction),
            )
        )
        await interaction.response.send_message(
            embed=move_preview_embed(planned, now=self.parties.now()),
            view=preview_view(draft.id),
            ephemeral=True,
        )

    @watchparty.command(name="cancel", description="Cancel a session, or the whole party")
    @app_commands.describe(
        party="The party (pick one as you type)",
        session="Only this session (default: the whole party)",
    )
    async def cancel(
        self,
        interaction: BotInteraction,
        party: app_commands.Range[int, 1, PARTY_ID_MAX],
        session: app_commands.Range[int, 1, 1000] | None = None,
    ) -> None:
        guild = _guild(interaction)
        after = await self.parties.cancel(
            guild.id,
            party,
            by=interaction.user.id,
            can_manage_events=manages_events(interaction),
            session=session,
        )
        what = f"Session {session}" if session is not None else "The party"
        await interaction.response.send_message(
            f"{what} of **{after.plan.title_name}** (#{after.id}) is cancelled. "
            "The Going members are told, and its reminders are off.",
            ephemeral=True,
        )

    @watchparty.command(name="follow", description="A party for each new episode as it airs")
    @app_commands.describe(
        title="An airing anime or K-drama (pick a suggestion)",
        offset="How long after it airs, e.g. 1 hour (default: at air time)",
        where="A voice or stage channel, or a link",
    )
    async def follow(
        self,
        interaction: BotInteraction,
        title: app_commands.Range[str, 1, TITLE_MAX],
        offset: app_commands.Range[str, 1, 40] | None = None,
        where: app_commands.Range[str, 1, MAX_LINK] | None = None,
    ) -> None:
        guild = _guild(interaction)
        services = self.bot.services
        typed = _capped("title", title, TITLE_MAX)
        if typed is None or not is_title_id(typed):
            raise UserFacingError(
                "Pick the show from the suggestions as you type: following needs to know "
                "exactly which show's schedule to read."
            )
        minutes = parse_offset(_capped("offset", offset, 40) or "")
        place_kind, place = read_place(guild, where)
        settings = await services.guild_settings.get(guild.id)
        zone = await services.member_settings.effective_timezone(interaction.user.id, guild.id)

        async def start() -> FollowStarted:
            facts = await self._title_facts(typed)
            return await services.follows.follow(
                NewFollow(
                    guild_id=guild.id,
                    channel_id=settings.announcement_channel_id or channel_id_of(interaction),
                    host_id=interaction.user.id,
                    title_id=typed,
                    zone=zone.zone or settings.timezone or "UTC",
                    offset_minutes=minutes,
                    place_kind=place_kind,
                    place=place,
                    cover_url=facts.cover_url,
                    compass_line=facts.compass_line,
                )
            )

        started = await within_deadline(interaction, start(), ephemeral=True)
        embed = follow_embed(started, offset_minutes=minutes)
        await send_private(interaction, embed=embed)

    @follow.autocomplete("title")
    async def follow_title_autocomplete(
        self, interaction: BotInteraction, current: str
    ) -> list[app_commands.Choice[str]]:
        return title_choices(self.bot.services.titles, current)

    @watchparty.command(name="unfollow", description="Stop a follow's parties for new episodes")
    @app_commands.describe(follow="The follow (pick one as you type)")
    async def unfollow(
        self, interaction: BotInteraction, follow: app_commands.Range[int, 1, PARTY_ID_MAX]
    ) -> None:
        guild = _guild(interaction)
        stopped = await self.bot.services.follows.stop(
            guild.id,
            follow,
            by=interaction.user.id,
            can_manage_events=manages_events(interaction),
        )
        await interaction.response.send_message(
            f"Stopped following **{stopped.title_name}**. Parties already announced stay on; "
            "cancel one with `/watchparty cancel`.",
            ephemeral=True,
        )

    @unfollow.autocomplete("follow")
    async def follow_autocomplete(
        self, interaction: BotInteraction, current: str
    ) -> list[app_commands.Choice[int]]:
        if interaction.guild_id is None:
            return []
        typed = current.strip().lstrip("#").casefold()
        return [
            app_commands.Choice(name=f"#{f.id} {f.title_name}"[:100], value=f.id)
            for f in await self.bot.services.follows.active(interaction.guild_id)
            if typed in f"#{f.id} {f.title_name}".casefold()
        ][:25]

    @remind.command(name="dm", description="Get watch-party reminders by DM instead of a ping")
    @app_commands.describe(dm="on: reminders and changes come by DM; off: a ping in the channel")
    @app_commands.choices(dm=DM_CHOICES)
    async def remind_dm(self, interaction: BotInteraction, dm: app_commands.Choice[str]) -> None:
        guild = _guild(interaction)
        on = dm.value == "on"
        await self.parties.set_dm_reminders(guild.id, interaction.user.id, on=on)
        text = (
            "You'll get watch-party reminders here by DM. If your DMs are closed, they fall "
            "back to a ping in the party's channel."
            if on
            else "You'll get watch-party reminders as a ping in the party's channel."
        )
        await interaction.response.send_message(text, ephemeral=True)

    @info.autocomplete("party")
    @reschedule.autocomplete("party")
    @cancel.autocomplete("party")
    async def party_autocomplete(
        self, interaction: BotInteraction, current: str
    ) -> list[app_commands.Choice[int]]:
        guild_id = interaction.guild_id
        if guild_id is None:
            return []
        zone = await self.bot.services.member_settings.effective_timezone(
            interaction.user.id, guild_id
        )
        typed = current.strip().lstrip("#").casefold()
        choices = []
        for party in await self.parties.headings(guild_id, limit=AUTOCOMPLETE_PARTIES):
            label = party_choice_label(party, zone=zone.zone or party.zone)
            if typed in label.casefold():
                choices.append(app_commands.Choice(name=label, value=party.id))
        return choices[:25]
