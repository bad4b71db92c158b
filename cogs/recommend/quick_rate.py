"""The quick picker: a member with no ratings rates a few well-known titles in one form.

A cold `/recommend` carries a "Rate a few titles" button (rec:quick, a `DynamicItem`, so it
works after a restart). It opens a form with one field per title (rec:qr; each field's
custom_id is the title id), which the cog's listener answers by custom_id (see cogs/forms):
blank fields are skipped, every score must be a whole number from 1 to 10 or nothing is saved,
and the answer shows the member's own picks straight away.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

import discord

from bot.client import BotInteraction
from bot.error_handler import reply_with_error
from bot.errors import UserFacingError
from bot.message_text import fit, shown_within
from bot.metadata.models import Title
from bot.taste.models import MAX_SCORE, MIN_SCORE, TitleRef
from cogs.components import form
from cogs.context import guild_id_of
from cogs.forms import form_values
from cogs.recommend.views import TITLE_ID_PATTERN

__all__ = [
    "QUICK_FORM",
    "QUICK_RATE_ID",
    "QuickRateButton",
    "QuickRateForm",
    "read_scores",
    "saved_text",
    "submitted_scores",
]

QUICK_RATE_ID: Final = "rec:quick"
QUICK_FORM: Final = re.compile(r"^rec:qr$")
_FORM_ID: Final = "rec:qr"
_LABEL_ROOM: Final = 45  # Discord's limit for a form's title and a field's label
_NAME_ROOM: Final = 60
BUTTON_LABEL: Final = "Rate a few titles"
FORM_TITLE: Final = "Rate a few titles (blank: not seen)"
FIELD_HINT: Final = "1 to 10, or leave blank if you haven't seen it"
ALL_ASKED_TEXT: Final = (
    "You've rated every well-known title I'd ask about. Rate any other with `/rate`."
)
NOTHING_RATED_TEXT: Final = (
    "You left every title blank, so nothing was saved. Give a score from 1 to 10 to the ones "
    "you've seen."
)


@dataclass(frozen=True)
class ScoredField:
    title_id: str
    score: int


def read_scores(values: Mapping[str, str], labels: Mapping[str, str]) -> list[ScoredField]:
    """The filled-in fields as scores; blank ones are skipped. Raises UserFacingError naming
    each field that is not a whole number from 1 to 10, and then nothing is to be saved."""
    scored: list[ScoredField] = []
    wrong: list[str] = []
    for title_id, typed in values.items():
        text = typed.strip()
        if not text:
            continue
        if text.isdecimal() and MIN_SCORE <= int(text) <= MAX_SCORE:
            scored.append(ScoredField(title_id, int(text)))
        else:
            wrong.append(f"*{shown_within(labels.get(title_id, title_id), _NAME_ROOM)}*")
    if wrong:
        raise UserFacingError(
            f"Scores are whole numbers from {MIN_SCORE} to {MAX_SCORE}; leave a title blank if "
            f"you haven't seen it. Check {', '.join(wrong)}. Nothing was saved."
        )
    if not scored:
        raise UserFacingError(NOTHING_RATED_TEXT)
    return scored


def saved_text(rated: Sequence[tuple[TitleRef, int]]) -> str:
    listed = ", ".join(
        f"*{shown_within(title.name, _NAME_ROOM)}* {score}" for title, score in rated
    )
    noun = "rating" if len(rated) == 1 else "ratings"
    return f"Saved {len(rated)} {noun}: {listed}. Here are picks for you now."


class QuickRateForm(discord.ui.Modal):
    """One field per title; answered by the recommend cog's listener (see cogs/forms)."""

    def __init__(self, titles: Sequence[Title]) -> None:
        super().__init__(title=FORM_TITLE, custom_id=_FORM_ID)
        for title in titles:
            self.add_item(
                discord.ui.TextInput(
                    label=fit(title.display_name, _LABEL_ROOM),
                    custom_id=title.id,
                    placeholder=FIELD_HINT,
                    required=False,
                    max_length=2,
                )
            )

    async def on_submit(self, interaction: discord.Interaction) -> None:
        """Answered by the cog's listener, which also answers forms sent before a restart."""


class QuickRateButton(
    discord.ui.DynamicItem[discord.ui.Button[discord.ui.View]],
    template=QUICK_RATE_ID,
):
    def __init__(self) -> None:
        super().__init__(
            discord.ui.Button(
                label=BUTTON_LABEL,
                style=discord.ButtonStyle.primary,
                custom_id=QUICK_RATE_ID,
                emoji="\u2b50",
            )
        )

    @classmethod
    async def from_custom_id(  # type: ignore[override]
        cls, interaction: BotInteraction, item: discord.ui.Item[Any], match: re.Match[str]
    ) -> QuickRateButton:
        return cls()

    async def callback(self, interaction: BotInteraction) -> None:  # type: ignore[override]
        try:
            guild_id = guild_id_of(interaction)
            recommend = interaction.client.services.recommend
            titles = await recommend.starters(guild_id, interaction.user.id)
            if not titles:
                raise UserFacingError(ALL_ASKED_TEXT)
            await interaction.response.send_modal(form(QuickRateForm(titles)))
        except Exception as error:  # every error is reported to the member, privately
            await reply_with_error(interaction, error)


def submitted_scores(interaction: BotInteraction) -> dict[str, str]:
    """The form's fields by title id; a field whose id is not a title id is ignored."""
    return {
        key: value
        for key, value in form_values(interaction).items()
        if re.fullmatch(TITLE_ID_PATTERN, key) is not None
    }
