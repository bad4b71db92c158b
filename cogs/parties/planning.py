"""Starting a watch-party plan: from `/watchparty schedule`, or from a poll's winner. Either way
the plan is previewed privately (after asking for a time zone if none is known) and nothing is
posted until Confirm."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import discord
from discord import app_commands

from bot.client import BotInteraction
from bot.compass import read_compass
from bot.errors import UserFacingError
from bot.message_text import fit
from bot.metadata.models import Title
from bot.parties.models import PlaceKind, ScheduleRequest
from bot.parties.rules import MAX_LINK
from bot.parties.service import PartyService
from bot.services import Services
from bot.when import names_its_zone
from cogs.forms import form_values
from cogs.parties.embeds import compass_line, preview_embed
from cogs.parties.views import preview_view
from cogs.replies import send_private

TITLE_MAX = 100


@dataclass(frozen=True)
class TitleFacts:
    """What a party keeps of its title: a name, and when known its id, length and look."""

    name: str
    title_id: str | None = None
    last_episode: int | None = None
    runtime_minutes: int | None = None
    cover_url: str | None = None
    compass_line: str | None = None


def facts_of(title: Title) -> TitleFacts:
    return TitleFacts(
        name=title.display_name[:TITLE_MAX],
        title_id=title.id,
        last_episode=title.episodes,
        runtime_minutes=title.episode_minutes,
        cover_url=title.cover_url,
        compass_line=compass_line(read_compass(title)),
    )


async def offer_plan(
    interaction: BotInteraction,
    parties: PartyService,
    request: ScheduleRequest,
    *,
    zone_known: bool,
) -> None:
    """Show the plan's private preview with Confirm and Change; first ask for a zone when
    neither the member, the server nor the typed time names one."""
    if not zone_known and not names_its_zone(request.when):
        draft = await parties.hold(request)
        await send_private(
            interaction,
            content="Which time zone is that in? Pick yours below: it is saved as your own "
            "(change it any time with `/timezone`), and your plan is read in it.",
            view=preview_view(draft.id, ask_zone=True),
        )
        return
    draft, planned = await parties.preview(request)
    await send_private(
        interaction,
        embed=preview_embed(planned, now=parties.now()),
        view=preview_view(draft.id),
    )


WHEN_FIELD: Final = "when"
WHERE_FIELD: Final = "where"


class PlanForm(discord.ui.Modal):
    """When and where to watch a title picked elsewhere (a poll's winner, a recommendation).
    Answered by its cog's listener through `plan_from_form`, by custom_id (see cogs/forms), so a
    form opened before a restart still works."""

    def __init__(self, custom_id: str, name: str) -> None:
        super().__init__(title=fit(f"Watch party: {name}", 45), custom_id=custom_id)
        self.add_item(
            discord.ui.TextInput(
                label="When",
                custom_id=WHEN_FIELD,
                placeholder="e.g. fri 8pm, tomorrow 21:00, 2026-12-05 20:00 KST",
                max_length=100,
            )
        )
        self.add_item(
            discord.ui.TextInput(
                label="Where (a link, optional)",
                custom_id=WHERE_FIELD,
                placeholder="https://…",
                required=False,
                max_length=300,
            )
        )

    async def on_submit(self, interaction: discord.Interaction) -> None:
        """Answered by the cog's listener, which also answers forms sent before a restart."""


async def plan_from_form(
    interaction: BotInteraction, services: Services, facts: TitleFacts, *, note: str
) -> None:
    """A submitted `PlanForm` into the watch-party flow: the same private preview and Confirm
    as `/watchparty schedule`."""
    if interaction.guild_id is None or interaction.channel_id is None:
        raise app_commands.NoPrivateMessage()
    values = form_values(interaction)
    when = values.get(WHEN_FIELD, "").strip()
    if not when:
        raise UserFacingError("Say when, e.g. `fri 8pm` or `tomorrow 21:00`.")
    where = values.get(WHERE_FIELD, "").strip() or None
    if where is not None and (
        len(where) > MAX_LINK or not where.startswith(("https://", "http://")) or " " in where
    ):
        raise UserFacingError(
            f"`Where` takes a link starting with https:// of at most {MAX_LINK} characters; "
            "for a voice channel use `/watchparty schedule`."
        )
    guild_id = interaction.guild_id
    settings = await services.guild_settings.get(guild_id)
    zone = await services.member_settings.effective_timezone(interaction.user.id, guild_id)
    request = ScheduleRequest(
        guild_id=guild_id,
        channel_id=settings.announcement_channel_id or interaction.channel_id,
        host_id=interaction.user.id,
        title_name=facts.name,
        when=when,
        zone=zone.zone or "",
        title_id=facts.title_id,
        last_episode=facts.last_episode,
        runtime_minutes=facts.runtime_minutes,
        place_kind=PlaceKind.LINK if where else PlaceKind.NONE,
        place=where,
        note=note,
        cover_url=facts.cover_url,
        compass_line=facts.compass_line,
    )
    await offer_plan(interaction, services.parties, request, zone_known=zone.zone is not None)
