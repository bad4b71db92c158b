"""Starting a watch-party plan: from `/watchparty schedule`, or from a poll's winner. Either way
the plan is previewed privately (after asking for a time zone if none is known) and nothing is
posted until Confirm."""

from __future__ import annotations

from dataclasses import dataclass

from bot.client import BotInteraction
from bot.compass import read_compass
from bot.metadata.models import Title
from bot.parties.models import ScheduleRequest
from bot.parties.service import PartyService
from bot.when import names_its_zone
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
