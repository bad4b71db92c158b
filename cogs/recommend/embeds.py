"""Pure builders for `/recommend`'s replies: data in, `discord.Embed` or text out."""

from __future__ import annotations

from typing import Final

import discord

from bot.message_text import fit, shown_within
from bot.metadata.models import Title
from bot.recommend.ranking import Audience, Pick
from bot.recommend.reasons import crossover_mark, reason
from bot.recommend.service import Answer
from cogs.style import BRAND
from cogs.titles.embeds import MEDIUM_NAMES

NAME_ROOM: Final = 80  # characters of a pick's name in the list
OPTION_ROOM: Final = 100  # Discord's limit for a select option's label and description

COLD_START_NOTE: Final = (
    "You haven't rated anything here yet, so these are this server's favourites. "
    "Rate a few titles with the button below (or `/rate`) and the next picks are yours."
)
UNRATED_NOTE: Final = (
    "You haven't rated anything here yet, so these picks lean on what you asked for and did "
    "here. Rate a few titles with the button below (or `/rate`) to sharpen them."
)
WARMING_NOTE: Final = (
    "The ratings model is still being built, so these lean on content and this server."
)
NOTHING_TEXT: Final = (
    "No title passes those filters (or you have seen them all). Try fewer options, "
    "e.g. `length` or `status` left out."
)
CHOOSE_PLACEHOLDER: Final = "Do something with a pick: watchlist, poll, party…"


def pick_line(position: int, pick: Pick, *, for_server: bool = False) -> str:
    title = pick.title
    year = f" ({title.year})" if title.year else ""
    lines = [
        f"**{position}. {shown_within(title.display_name, NAME_ROOM)}**{year} \u00b7 "
        f"{MEDIUM_NAMES[title.medium]}",
        reason(pick, for_server=for_server),
    ]
    mark = crossover_mark(pick)
    if mark:
        lines.append(f"\U0001f500 {mark}")
    return "\n".join(lines)


def recommendations_embed(answer: Answer) -> discord.Embed:
    picks = answer.recommendations.picks
    heading = (
        "Next for the whole server" if answer.audience is Audience.SERVER else "Recommended for you"
    )
    embed = discord.Embed(title=heading, colour=BRAND)
    for_server = answer.audience is Audience.SERVER
    embed.description = "\n\n".join(
        pick_line(i, pick, for_server=for_server) for i, pick in enumerate(picks, 1)
    )
    notes = []
    if answer.audience is Audience.MEMBER and not answer.has_ratings:
        notes.append(COLD_START_NOTE if answer.recommendations.cold_start else UNRATED_NOTE)
    if not answer.model_ready:
        notes.append(WARMING_NOTE)
    if notes:
        embed.add_field(name="Note", value="\n".join(notes), inline=False)
    embed.set_footer(
        text=f"{len(picks)} of {answer.recommendations.eligible} titles that fit. "
        "Pick one below to add it to your watchlist, start a poll or plan a party."
    )
    return embed


def option_label(position: int, title: Title) -> str:
    return fit(f"{position}. {title.display_name}", OPTION_ROOM)


def option_description(pick: Pick, *, for_server: bool = False) -> str:
    # The reason without its markdown: a select option shows text as typed.
    return fit(reason(pick, for_server=for_server).replace("*", ""), OPTION_ROOM)


def actions_text(title: Title) -> str:
    return (
        f"**{shown_within(title.display_name, NAME_ROOM)}** ({MEDIUM_NAMES[title.medium]}): "
        "what would you like to do?"
    )
