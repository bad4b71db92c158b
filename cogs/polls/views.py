"""The poll buttons and forms. The buttons are persistent `DynamicItem`s whose custom_id names
the poll (the outbox posts them; bot/polls/message.py builds them), so they work after a
restart:

- `VoteButton` (poll:{id}:vote:{option}): choose an option, or take it back;
- `RankButton` (poll:{id}:rank): opens the ranking form of a ranked poll;
- `HandoffButton` (poll:{id}:party:{option}): opens a form to schedule a watch party of it.

The two forms are answered by the cog's `on_interaction` listener (`PollCommands`), matched
by custom_id, not by the `Modal` object that was sent: so a form opened before a restart is
still answered after it.
"""

from __future__ import annotations

import re
from typing import Any, Final

import discord

from bot.client import BotInteraction
from bot.error_handler import reply_with_error
from bot.errors import UserFacingError
from bot.message_text import fit
from bot.polls.message import handoff_custom_id, rank_custom_id, vote_custom_id
from cogs.command_access import ensure_may_use
from cogs.components import form
from cogs.context import guild_id_of
from cogs.parties.planning import PlanForm
from cogs.polls.embeds import receipt_text

RANK_FORM: Final = re.compile(r"^poll:(\d{1,18}):rankform$")
PARTY_FORM: Final = re.compile(r"^poll:(\d{1,18}):partyform:(\d{1,2})$")
RANKING_FIELD: Final = "ranking"


class VoteButton(
    discord.ui.DynamicItem[discord.ui.Button[discord.ui.View]],
    template=r"poll:(?P<id>\d{1,18}):vote:(?P<option>\d{1,2})",
):
    def __init__(self, poll_id: int, option: int) -> None:
        super().__init__(
            discord.ui.Button(label=str(option + 1), custom_id=vote_custom_id(poll_id, option))
        )
        self.poll_id = poll_id
        self.option = option

    @classmethod
    async def from_custom_id(  # type: ignore[override]
        cls, interaction: BotInteraction, item: discord.ui.Item[Any], match: re.Match[str]
    ) -> VoteButton:
        return cls(int(match["id"]), int(match["option"]))

    async def callback(self, interaction: BotInteraction) -> None:  # type: ignore[override]
        try:
            receipt = await interaction.client.services.polls.vote(
                guild_id_of(interaction), self.poll_id, interaction.user.id, self.option
            )
            await interaction.response.send_message(receipt_text(receipt), ephemeral=True)
        except Exception as error:  # every error is reported to the member, privately
            await reply_with_error(interaction, error)


class RankButton(
    discord.ui.DynamicItem[discord.ui.Button[discord.ui.View]],
    template=r"poll:(?P<id>\d{1,18}):rank",
):
    def __init__(self, poll_id: int) -> None:
        super().__init__(discord.ui.Button(label="Rank", custom_id=rank_custom_id(poll_id)))
        self.poll_id = poll_id

    @classmethod
    async def from_custom_id(  # type: ignore[override]
        cls, interaction: BotInteraction, item: discord.ui.Item[Any], match: re.Match[str]
    ) -> RankButton:
        return cls(int(match["id"]))

    async def callback(self, interaction: BotInteraction) -> None:  # type: ignore[override]
        try:
            polls = interaction.client.services.polls
            poll = await polls.get(guild_id_of(interaction), self.poll_id)
            if not poll.is_open_at(int(polls.now().timestamp())):
                await interaction.response.send_message(
                    f"Poll #{poll.id} is closed, so it takes no more votes. "
                    f"`/poll results {poll.id}`",
                    ephemeral=True,
                )
                return
            current = await polls.ballot_of(poll, interaction.user.id)
            await interaction.response.send_modal(form(RankForm(poll.id, poll.question, current)))
        except Exception as error:
            await reply_with_error(interaction, error)


class RankForm(discord.ui.Modal):
    """The ranking form. Its answer is handled by the cog's listener (see the module's note)."""

    def __init__(self, poll_id: int, question: str, current: tuple[int, ...] | None) -> None:
        super().__init__(title=fit(f"Rank: {question}", 45), custom_id=f"poll:{poll_id}:rankform")
        self.add_item(
            discord.ui.TextInput(
                label="Option numbers, best first",
                custom_id=RANKING_FIELD,
                placeholder="e.g. 2 1 3 (empty takes your vote back)",
                default=" ".join(str(index + 1) for index in current or ()),
                required=False,
                max_length=40,
            )
        )

    async def on_submit(self, interaction: discord.Interaction) -> None:
        """Answered by the cog's listener, which also answers forms sent before a restart."""


class HandoffButton(
    discord.ui.DynamicItem[discord.ui.Button[discord.ui.View]],
    template=r"poll:(?P<id>\d{1,18}):party:(?P<option>\d{1,2})",
):
    def __init__(self, poll_id: int, option: int) -> None:
        super().__init__(
            discord.ui.Button(
                label="Schedule a watch party", custom_id=handoff_custom_id(poll_id, option)
            )
        )
        self.poll_id = poll_id
        self.option = option

    @classmethod
    async def from_custom_id(  # type: ignore[override]
        cls, interaction: BotInteraction, item: discord.ui.Item[Any], match: re.Match[str]
    ) -> HandoffButton:
        return cls(int(match["id"]), int(match["option"]))

    async def callback(self, interaction: BotInteraction) -> None:  # type: ignore[override]
        try:
            poll = await interaction.client.services.polls.get(
                guild_id_of(interaction), self.poll_id
            )
            if self.option >= len(poll.options):
                raise UserFacingError(f"Poll #{poll.id} has no option {self.option + 1}.")
            # Planning a party is what /watchparty does: the server's rules for it apply.
            await ensure_may_use(interaction, "watchparty", "plan watch parties")
            label = poll.options[self.option].label
            await interaction.response.send_modal(
                form(PlanForm(f"poll:{poll.id}:partyform:{self.option}", label))
            )
        except Exception as error:
            await reply_with_error(interaction, error)


DYNAMIC_ITEMS = (VoteButton, RankButton, HandoffButton)
