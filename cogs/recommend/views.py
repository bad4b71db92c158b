"""`/recommend`'s components, persistent `DynamicItem`s that work after a restart:

- `PickSelect` (rec:pick): a menu of the picks (each option's value is the title id); choosing
  one answers privately with the actions for that title;
- `ActionButton` (rec:{wl|ni|vs|wp}:{title id}): add to watchlist, not interested, start a
  versus poll with it, schedule a watch party (opens a `PlanForm`, rec:pf:{title id}, which
  the cog's listener answers by custom_id, like the polls' hand-off form).

custom_ids stay within 100 characters: the longest title id is 88 ("catalog:" + 80).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any, Final

import discord

from bot.client import BotInteraction
from bot.clock import to_unix
from bot.compass import read_compass
from bot.error_handler import reply_with_error
from bot.errors import UserFacingError
from bot.metadata.models import Title
from bot.polls.cards import card_of
from bot.polls.models import OptionSpec, PollKind, PollSpec
from bot.polls.pairs import NoPair
from bot.polls.rules import DEFAULT_DURATION
from bot.recommend.ranking import Pick
from bot.taste.models import TitleRef
from cogs.command_access import ensure_may_use
from cogs.components import components, form
from cogs.context import guild_id_of
from cogs.parties.planning import PlanForm
from cogs.recommend.embeds import (
    CHOOSE_PLACEHOLDER,
    actions_text,
    option_description,
    option_label,
)
from cogs.replies import send_private, within_deadline
from cogs.taste.embeds import not_interested_text, watchlist_added_text

TITLE_ID_PATTERN: Final = r"(?:anilist|tvmaze|tmdb|catalog):[A-Za-z0-9_-]{1,80}"
PICK_ID: Final = "rec:pick"
WATCHLIST: Final = "wl"
NOT_INTERESTED: Final = "ni"
VERSUS: Final = "vs"
PARTY: Final = "wp"
PARTY_FORM: Final = re.compile(rf"^rec:pf:({TITLE_ID_PATTERN})$")
_LABELS: Final = {
    WATCHLIST: "Add to watchlist",
    NOT_INTERESTED: "Not interested",
    VERSUS: "Start a versus poll",
    PARTY: "Schedule a watch party",
}
_STYLES: Final = {
    WATCHLIST: discord.ButtonStyle.success,
    NOT_INTERESTED: discord.ButtonStyle.secondary,
    VERSUS: discord.ButtonStyle.primary,
    PARTY: discord.ButtonStyle.primary,
}


def action_custom_id(action: str, title_id: str) -> str:
    return f"rec:{action}:{title_id}"


def picks_view(picks: Sequence[Pick], *, for_server: bool = False) -> discord.ui.View | None:
    if not picks:
        return None
    return components([PickSelect(picks, for_server=for_server)])


def actions_view(title_id: str) -> discord.ui.View:
    return components(
        ActionButton(action, title_id) for action in (WATCHLIST, NOT_INTERESTED, VERSUS, PARTY)
    )


async def title_of(interaction: BotInteraction, title_id: str) -> Title:
    """The title as the recommender knows it, else as the title data has it now."""
    services = interaction.client.services
    known = services.recommend.title(title_id)
    if known is not None:
        return known
    lookup = await within_deadline(interaction, services.titles.lookup(title_id), ephemeral=True)
    return lookup.title


class PickSelect(
    discord.ui.DynamicItem[discord.ui.Select[discord.ui.View]],
    template=PICK_ID,
):
    def __init__(self, picks: Sequence[Pick] = (), *, for_server: bool = False) -> None:
        options = [
            discord.SelectOption(
                label=option_label(i, pick.title),
                value=pick.title.id,
                description=option_description(pick, for_server=for_server),
            )
            for i, pick in enumerate(picks, 1)
        ]
        super().__init__(
            discord.ui.Select(
                custom_id=PICK_ID,
                placeholder=CHOOSE_PLACEHOLDER,
                options=options or [discord.SelectOption(label="-", value="-")],
            )
        )

    @classmethod
    async def from_custom_id(  # type: ignore[override]
        cls, interaction: BotInteraction, item: discord.ui.Item[Any], match: re.Match[str]
    ) -> PickSelect:
        return cls()

    async def callback(self, interaction: BotInteraction) -> None:  # type: ignore[override]
        try:
            data: Any = interaction.data or {}
            values = data.get("values") or []
            title_id = str(values[0]) if values else ""
            if re.fullmatch(TITLE_ID_PATTERN, title_id) is None:
                raise UserFacingError("Pick one of the recommended titles from the menu.")
            guild_id_of(interaction)
            title = await title_of(interaction, title_id)
            await send_private(
                interaction, content=actions_text(title), view=actions_view(title_id)
            )
        except Exception as error:  # every error is reported to the member, privately
            await reply_with_error(interaction, error)


class ActionButton(
    discord.ui.DynamicItem[discord.ui.Button[discord.ui.View]],
    template=rf"rec:(?P<action>wl|ni|vs|wp):(?P<id>{TITLE_ID_PATTERN})",
):
    def __init__(self, action: str, title_id: str) -> None:
        super().__init__(
            discord.ui.Button(
                label=_LABELS[action],
                style=_STYLES[action],
                custom_id=action_custom_id(action, title_id),
            )
        )
        self.action = action
        self.title_id = title_id

    @classmethod
    async def from_custom_id(  # type: ignore[override]
        cls, interaction: BotInteraction, item: discord.ui.Item[Any], match: re.Match[str]
    ) -> ActionButton:
        return cls(match["action"], match["id"])

    async def callback(self, interaction: BotInteraction) -> None:  # type: ignore[override]
        try:
            guild_id = guild_id_of(interaction)
            # These two do what /poll and /watchparty do: the server's rules for them apply.
            if self.action == VERSUS:
                await ensure_may_use(interaction, "poll", "start polls")
            elif self.action == PARTY:
                await ensure_may_use(interaction, "watchparty", "plan watch parties")
            if self.action == PARTY:
                title = interaction.client.services.recommend.title(self.title_id)
                name = title.display_name if title is not None else self.title_id
                await interaction.response.send_modal(
                    form(PlanForm(f"rec:pf:{self.title_id}", name))
                )
                return
            title = await title_of(interaction, self.title_id)
            if self.action == WATCHLIST:
                await _add_to_watchlist(interaction, guild_id, self.title_id, title)
            elif self.action == NOT_INTERESTED:
                await _not_interested(interaction, guild_id, self.title_id, title)
            else:
                await _versus(interaction, guild_id, title)
        except Exception as error:  # every error is reported to the member, privately
            await reply_with_error(interaction, error)


def _ref(title_id: str, title: Title) -> TitleRef:
    return TitleRef(title_id, title.display_name, title.medium)


async def _add_to_watchlist(
    interaction: BotInteraction, guild_id: int, title_id: str, title: Title
) -> None:
    taste = interaction.client.services.taste
    member_id = interaction.user.id
    result = await taste.watchlist_add(guild_id, member_id, _ref(title_id, title))
    size = await taste.watchlist_size(guild_id, member_id)
    await _answer(interaction, watchlist_added_text(result, size))


async def _not_interested(
    interaction: BotInteraction, guild_id: int, title_id: str, title: Title
) -> None:
    taste = interaction.client.services.taste
    ref = _ref(title_id, title)
    newly = await taste.not_interested(guild_id, interaction.user.id, ref)
    await _answer(interaction, not_interested_text(ref, newly=newly))


async def _versus(interaction: BotInteraction, guild_id: int, title: Title) -> None:
    """A versus poll of this title against the bot's pick for the other side, posted in the
    channel the button was clicked in, as `/poll versus` with one side named would."""
    if interaction.channel_id is None:
        raise discord.app_commands.NoPrivateMessage()
    polls = interaction.client.services.polls
    reading = read_compass(title)
    side = "slow_burn" if reading.slow_burn >= reading.fantasy else "fantasy"
    pair = await polls.pick_pair(guild_id, given=title, given_side=side)
    if isinstance(pair, NoPair):
        raise UserFacingError(
            f"{pair.reason} Start one yourself with `/poll versus` and name both sides."
        )
    other_id = pair.fantasy.title_id if side == "slow_burn" else pair.slow_burn.title_id
    other = polls.catalog_title(other_id)
    if other is None or other.id == title.id:
        raise UserFacingError("I found no opponent for it; try `/poll versus` naming both sides.")
    sides = (title, other) if side == "slow_burn" else (other, title)
    reason = f"Picked by the bot from a recommendation: {pair.reason}."
    spec = PollSpec(
        guild_id=guild_id,
        channel_id=interaction.channel_id,
        creator_id=interaction.user.id,
        question="which do we watch next?",
        kind=PollKind.VERSUS,
        options=tuple(OptionSpec(t.display_name[:80], card_of(t)) for t in sides),
        closes_at=to_unix(polls.now() + DEFAULT_DURATION),
        reason=reason,
    )
    poll = await polls.open(spec)
    await _answer(
        interaction,
        f"Versus poll #{poll.id} is open: **{poll.options[0].label}** vs "
        f"**{poll.options[1].label}**, closing <t:{poll.closes_at}:R>.",
    )


async def _answer(interaction: BotInteraction, text: str) -> None:
    """A new private message: the actions' message stays, so a member can use another."""
    if interaction.response.is_done():
        await interaction.followup.send(text, ephemeral=True)
    else:
        await interaction.response.send_message(text, ephemeral=True)


DYNAMIC_ITEMS = (PickSelect, ActionButton)
