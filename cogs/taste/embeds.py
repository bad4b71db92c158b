"""The answers of /rate, /watched, /notinterested, /watchlist and /privacy: data in, text or
embed out. Title names are snapshots that members' picks brought in, so they are shown escaped
(they can neither restyle a message nor look like a ping)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

import discord

from bot.message_text import fit, shown_within
from bot.taste.models import (
    MAX_SCORE,
    ForgetSummary,
    RateResult,
    TitleRef,
    WatchedResult,
    WatchlistAddResult,
    WatchlistEntry,
)
from cogs.style import BRAND, SUCCESS
from cogs.titles.embeds import MEDIUM_NAMES

NAME_ROOM: Final = 100  # characters of a title's name shown in a reply
LIST_NAME_ROOM: Final = 80  # in a watchlist line
WATCHLIST_SHOWN: Final = 20  # lines of /watchlist show; the rest is "+N more"
EMBED_TITLE_ROOM: Final = 256


def title_text(title: TitleRef) -> str:
    """**Name** (Medium), escaped."""
    return f"**{shown_within(title.name, NAME_ROOM)}** ({MEDIUM_NAMES[title.medium]})"


def _score(score: int) -> str:
    return f"**{score}**/{MAX_SCORE}"


def rated_text(result: RateResult) -> str:
    rating, previous = result.rating, result.previous_score
    shown = title_text(rating.title)
    if previous is None:
        return f"Rated {shown} {_score(rating.score)}."
    if previous == rating.score:
        return f"{shown} stays at {_score(rating.score)}: you rated it the same before."
    return f"Rated {shown} {_score(rating.score)}; it was {previous}/{MAX_SCORE} before."


def watched_text(result: WatchedResult, *, score_given: bool) -> str:
    watched = result.watched
    shown = title_text(watched.title)
    if result.newly_watched:
        text = f"Marked {shown} watched"
        if watched.score is not None and score_given:
            text += f" and rated it {_score(watched.score)}"
        text += "."
    else:
        text = f"{shown} was already marked watched, on <t:{watched.watched_at}:D>."
        if watched.score is not None and score_given:
            text += f" Your rating is now {_score(watched.score)}."
    if watched.score is not None and not score_given:
        text += f" You rated it {_score(watched.score)}."
    if result.left_watchlist:
        text += " It is off your watchlist now."
    return text


def watchlist_added_text(result: WatchlistAddResult, size: int) -> str:
    shown = title_text(result.entry.title)
    if not result.added:
        return f"{shown} is already on your watchlist ({_titles(size)})."
    text = f"Added {shown} to your watchlist ({_titles(size)})."
    if result.was_not_interested:
        text += ' You had marked it "not interested"; that mark is gone.'
    return text


def watchlist_removed_text(title: TitleRef, size: int) -> str:
    return f"Took {title_text(title)} off your watchlist ({_titles(size)} left)."


def _titles(count: int) -> str:
    return f"{count} title" if count == 1 else f"{count} titles"


def watchlist_embed(
    entries: Sequence[WatchlistEntry], total: int, *, owner: str | None
) -> discord.Embed:
    """A watchlist, newest first, capped at WATCHLIST_SHOWN lines and "+N more". `owner` is
    None for the member's own list, else the display name of the member whose list it is."""
    heading = "Your watchlist" if owner is None else f"{owner}'s watchlist"
    embed = discord.Embed(title=fit(heading, EMBED_TITLE_ROOM), colour=BRAND)
    shown = list(entries)[:WATCHLIST_SHOWN]
    if not shown:
        embed.description = (
            "Nothing on it yet. Add a title with `/watchlist add`."
            if owner is None
            else "Nothing on it yet in this server."
        )
    else:
        lines = [
            f"{number}. **{shown_within(entry.title.name, LIST_NAME_ROOM)}** · "
            f"{MEDIUM_NAMES[entry.title.medium]} · added <t:{entry.added_at}:R>"
            for number, entry in enumerate(shown, start=1)
        ]
        if total > len(shown):
            lines.append(f"+{total - len(shown)} more")
        embed.description = "\n".join(lines)
    embed.set_footer(text=f"{_titles(total)} · in this server only")
    return embed


def not_interested_text(title: TitleRef, *, newly: bool) -> str:
    shown = title_text(title)
    if not newly:
        return f'{shown} is already marked "not interested".'
    return (
        f'Marked {shown} "not interested": it will not be recommended to you here, and it is '
        "off your watchlist. Changed your mind? `/notinterested` it with `undo`, or add it to "
        "your watchlist."
    )


def not_interested_undone_text(title: TitleRef) -> str:
    return f'{title_text(title)} is no longer marked "not interested".'


FORGET_PROMPT: Final = (
    "**Forget me in this server?**\n"
    "This deletes everything the bot stores about you here: your ratings, watched titles, "
    'watchlist, "not interested" marks, taste-matching opt-in, watch-party RSVPs, reminder '
    "preference and drafts, poll votes, and the log of DMs it sent you. It cannot be undone; "
    "other servers are not touched.\n"
    "Want a copy first? Use `/privacy export` before you confirm."
)
FORGET_CANCELLED: Final = "Cancelled: nothing was deleted."
FORGET_NOT_YOURS: Final = (
    "This confirmation is another member's, so it is not yours to press. To forget your own "
    "data, use `/privacy forget-me`."
)
EXPORT_TEXT: Final = (
    "Everything the bot stores about you in this server, as a JSON file. Only you can see "
    "this message."
)


def forgotten_embed(summary: ForgetSummary) -> discord.Embed:
    return discord.Embed(
        title="Forgotten in this server",
        colour=SUCCESS,
        description="\n".join(summary.lines()),
    )
