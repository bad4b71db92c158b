"""The watch-party buttons and menus. All are persistent `DynamicItem`s: the custom_id names the
party or the draft, the state is in SQLite, and they work after a restart.

- `RsvpButton` (party:{id}:rsvp:{choice}) and `CalendarButton` (party:{id}:calendar) are on
  announcements, which the outbox posts (bot/parties/announcement.py builds them).
- `DraftButton` (party:draft:{id}:confirm|change) and `ZonePicker` (party:draft:{id}:zone) are
  on the private preview of a plan.
"""

from __future__ import annotations

import io
import re
from typing import Any

import discord

from bot.client import BotInteraction
from bot.error_handler import reply_with_error
from bot.parties.models import MoveRequest, PlannedMove, PlannedParty, Rsvp
from bot.timezones import suggest_timezones
from cogs.components import components, form
from cogs.context import guild_id_of
from cogs.forms import form_values
from cogs.parties.embeds import (
    move_preview_embed,
    moved_embed,
    posted_embed,
    preview_embed,
    rsvp_reply,
)

MAX_WHEN = 100
MODAL_TIMEOUT = 15 * 60  # seconds a Change form stays open


class RsvpButton(
    discord.ui.DynamicItem[discord.ui.Button[discord.ui.View]],
    template=r"party:(?P<id>\d{1,18}):rsvp:(?P<choice>going|maybe|not_going)",
):
    def __init__(self, party_id: int, choice: Rsvp) -> None:
        super().__init__(
            discord.ui.Button(label=choice.value, custom_id=f"party:{party_id}:rsvp:{choice.value}")
        )
        self.party_id = party_id
        self.choice = choice

    @classmethod
    async def from_custom_id(  # type: ignore[override]
        cls, interaction: BotInteraction, item: discord.ui.Item[Any], match: re.Match[str]
    ) -> RsvpButton:
        return cls(int(match["id"]), Rsvp(match["choice"]))

    async def callback(self, interaction: BotInteraction) -> None:  # type: ignore[override]
        try:
            await self._answer(interaction)
        except Exception as error:  # every error is reported to the user
            await reply_with_error(interaction, error)

    async def _answer(self, interaction: BotInteraction) -> None:
        parties = interaction.client.services.parties
        guild_id = guild_id_of(interaction)
        result = await parties.rsvp(guild_id, self.party_id, interaction.user.id, self.choice)
        by_dm = await parties.dm_reminders(guild_id, interaction.user.id)
        await interaction.response.send_message(
            rsvp_reply(result.party, result.choice, changed=result.changed, by_dm=by_dm),
            ephemeral=True,
        )


class CalendarButton(
    discord.ui.DynamicItem[discord.ui.Button[discord.ui.View]],
    template=r"party:(?P<id>\d{1,18}):calendar",
):
    def __init__(self, party_id: int) -> None:
        super().__init__(
            discord.ui.Button(label="calendar", custom_id=f"party:{party_id}:calendar")
        )
        self.party_id = party_id

    @classmethod
    async def from_custom_id(  # type: ignore[override]
        cls, interaction: BotInteraction, item: discord.ui.Item[Any], match: re.Match[str]
    ) -> CalendarButton:
        return cls(int(match["id"]))

    async def callback(self, interaction: BotInteraction) -> None:  # type: ignore[override]
        try:
            parties = interaction.client.services.parties
            calendar = await parties.party_calendar(guild_id_of(interaction), self.party_id)
            await interaction.response.send_message(
                "Open the file to add every session to your calendar. If the party changes, "
                "download it again: each session keeps its identity, so it is updated, "
                "not doubled.",
                file=discord.File(io.BytesIO(calendar.data), filename=calendar.filename),
                ephemeral=True,
            )
        except Exception as error:  # every error is reported to the user
            await reply_with_error(interaction, error)


def preview_view(draft_id: int, *, ask_zone: bool = False) -> discord.ui.View:
    if ask_zone:
        return components([ZonePicker(draft_id)])
    return components([DraftButton(draft_id, "confirm"), DraftButton(draft_id, "change")])


class DraftButton(
    discord.ui.DynamicItem[discord.ui.Button[discord.ui.View]],
    template=r"party:draft:(?P<id>\d{1,18}):(?P<action>confirm|change)",
):
    def __init__(self, draft_id: int, action: str) -> None:
        confirm = action == "confirm"
        super().__init__(
            discord.ui.Button(
                label="Confirm" if confirm else "Change",
                style=discord.ButtonStyle.success if confirm else discord.ButtonStyle.secondary,
                custom_id=f"party:draft:{draft_id}:{action}",
            )
        )
        self.draft_id = draft_id
        self.action = action

    @classmethod
    async def from_custom_id(  # type: ignore[override]
        cls, interaction: BotInteraction, item: discord.ui.Item[Any], match: re.Match[str]
    ) -> DraftButton:
        return cls(int(match["id"]), match["action"])

    async def callback(self, interaction: BotInteraction) -> None:  # type: ignore[override]
        try:
            if self.action == "confirm":
                await self._confirm(interaction)
            else:
                await self._change(interaction)
        except Exception as error:  # every error is reported to the user
            await reply_with_error(interaction, error)

    async def _confirm(self, interaction: BotInteraction) -> None:
        confirmed = await interaction.client.services.parties.confirm(
            self.draft_id,
            interaction.user.id,
            guild_id=guild_id_of(interaction),
            can_manage_events=manages_events(interaction),
        )
        embed = moved_embed(confirmed.party) if confirmed.moved else posted_embed(confirmed.party)
        await interaction.response.edit_message(embed=embed, view=None)

    async def _change(self, interaction: BotInteraction) -> None:
        parties = interaction.client.services.parties
        draft = await parties.draft(
            self.draft_id, interaction.user.id, guild_id=guild_id_of(interaction)
        )
        if isinstance(draft.request, MoveRequest):
            modal = ChangeModal(self.draft_id, draft.request.when, new_party=False)
            await interaction.response.send_modal(form(modal))
            return
        await interaction.response.send_modal(
            form(
                ChangeModal(
                    self.draft_id, draft.request.when, draft.request.episodes, draft.request.note
                )
            )
        )


CHANGE_FORM = re.compile(r"^party:draft:(\d{1,18}):modal$")
WHEN_FIELD, EPISODES_FIELD, NOTE_FIELD = "when", "episodes", "note"


class ChangeModal(discord.ui.Modal, title="Change the plan"):
    """The Change form of a preview. Its answer is handled by `answer_change_form`, called
    from the cog's listener by custom_id (see cogs/forms), so it still works after a restart."""

    def __init__(
        self,
        draft_id: int,
        when: str,
        episodes: str | None = None,
        note: str | None = None,
        *,
        new_party: bool = True,
    ) -> None:
        super().__init__(timeout=MODAL_TIMEOUT, custom_id=f"party:draft:{draft_id}:modal")
        self.draft_id = draft_id
        fields = [
            discord.ui.TextInput[ChangeModal](
                label="When",
                custom_id=WHEN_FIELD,
                default=when[:MAX_WHEN],
                max_length=MAX_WHEN,
                placeholder="fri 8pm",
            )
        ]
        if new_party:  # a reschedule moves the time only
            fields.append(
                discord.ui.TextInput[ChangeModal](
                    label="Episodes",
                    custom_id=EPISODES_FIELD,
                    default=episodes,
                    required=False,
                    max_length=20,
                    placeholder="5-6",
                )
            )
            fields.append(
                discord.ui.TextInput[ChangeModal](
                    label="Note",
                    custom_id=NOTE_FIELD,
                    default=note,
                    required=False,
                    max_length=500,
                    style=discord.TextStyle.paragraph,
                )
            )
        for field in fields:
            self.add_item(field)

    async def on_submit(self, interaction: BotInteraction) -> None:  # type: ignore[override]
        """Answered by the cog's listener, which also answers forms sent before a restart."""


async def answer_change_form(interaction: BotInteraction, draft_id: int) -> None:
    """The plan revised from the Change form, previewed again in place."""
    values = form_values(interaction)
    changes: dict[str, object] = {"when": values.get(WHEN_FIELD, "")}
    if EPISODES_FIELD in values:  # the form of a new party, not of a reschedule
        changes["episodes"] = values[EPISODES_FIELD].strip() or None
        changes["note"] = values.get(NOTE_FIELD, "").strip() or None
    parties = interaction.client.services.parties
    draft, planned = await parties.revise(
        draft_id, interaction.user.id, guild_id=guild_id_of(interaction), **changes
    )
    await _show_preview(interaction, draft.id, planned)


class ZonePicker(
    discord.ui.DynamicItem[discord.ui.Select[discord.ui.View]],
    template=r"party:draft:(?P<id>\d{1,18}):zone",
):
    """Shown when neither the member nor the server has a zone: picking one saves it as the
    member's own (`/timezone`) and reads the plan in it."""

    def __init__(self, draft_id: int) -> None:
        choices = suggest_timezones("", at=discord.utils.utcnow())
        super().__init__(
            discord.ui.Select(
                custom_id=f"party:draft:{draft_id}:zone",
                placeholder="Pick your time zone",
                options=[discord.SelectOption(label=c.label[:100], value=c.zone) for c in choices],
            )
        )
        self.draft_id = draft_id

    @classmethod
    async def from_custom_id(  # type: ignore[override]
        cls, interaction: BotInteraction, item: discord.ui.Item[Any], match: re.Match[str]
    ) -> ZonePicker:
        return cls(int(match["id"]))

    async def callback(self, interaction: BotInteraction) -> None:  # type: ignore[override]
        try:
            zone = self.item.values[0] if self.item.values else ""
            services = interaction.client.services
            guild_id = guild_id_of(interaction)
            draft = await services.parties.draft(
                self.draft_id, interaction.user.id, guild_id=guild_id
            )
            await services.member_settings.set_timezone(interaction.user.id, zone)
            draft, planned = await services.parties.revise(
                draft.id, interaction.user.id, guild_id=guild_id, zone=zone
            )
            await _show_preview(interaction, draft.id, planned)
        except Exception as error:  # every error is reported to the user
            await reply_with_error(interaction, error)


async def _show_preview(
    interaction: BotInteraction, draft_id: int, planned: PlannedParty | PlannedMove
) -> None:
    now = interaction.client.services.parties.now()
    if isinstance(planned, PlannedMove):
        embed = move_preview_embed(planned, now=now)
    else:
        embed = preview_embed(planned, now=now)
    await interaction.response.edit_message(embed=embed, view=preview_view(draft_id))


def manages_events(interaction: BotInteraction) -> bool:
    """Manage Events in the server. Not `interaction.permissions`, which includes a channel's
    overwrites: Manage Events granted on one voice channel must not open every party."""
    member = interaction.user
    return isinstance(member, discord.Member) and member.guild_permissions.manage_events
