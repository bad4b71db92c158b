"""The answers of /taste and /privacy taste-match: data in, text or embed out.

Names (members' display names, title snapshots) are shown escaped. Close-taste members are
mentions, which a client shows as names; the reply is sent with no mention allowed (and a
mention inside an embed never pings anyway), so nobody is notified.
"""

from __future__ import annotations

from typing import Final

import discord

from bot.message_text import fit, shown_within
from bot.recommend.portrait import (
    MIN_OVERLAP,
    Portrait,
    ServerComparison,
    TasteMatch,
    axis_word,
)
from cogs.style import BRAND

CHART_FILE: Final = "taste.png"
NAME_ROOM: Final = 60  # characters of a member's name in a heading or sentence
FAVOURITE_ROOM: Final = 70
EMBED_TITLE_ROOM: Final = 256
OPT_IN_HOW: Final = "`/privacy taste-match enabled:True`"

BOT_REFUSAL: Final = (
    "Bots don't watch shows, so they have no taste to show. Leave `member` out to see your "
    "own, or pick a member of this server."
)


def _quadrant(point: tuple[float, float]) -> str:
    slow, fantasy = point
    if slow >= 0.5 and fantasy >= 0.5:
        return "Slow-burn fantasy: romance that takes its time, with magic in it."
    if slow >= 0.5:
        return "Grounded slow-burn: patient romance, in the real world."
    if fantasy >= 0.5:
        return "Fantasy first: other worlds and epic stakes, romance optional."
    return "Neither slow-burn nor fantasy: action, comedy, thrillers and everyday life."


def compass_text(point: tuple[float, float]) -> str:
    """ "**Slow-burn 0.72** (strong) · **Fantasy 0.31** (some)", then what that quarter means."""
    slow, fantasy = point
    return (
        f"**Slow-burn {slow:.2f}** ({axis_word(slow)}) \u00b7 "
        f"**Fantasy {fantasy:.2f}** ({axis_word(fantasy)})\n{_quadrant(point)}"
    )


def _list(names: tuple[str, ...]) -> str:
    return " \u00b7 ".join(shown_within(name, 40) for name in names)


def _leaning(who: str, phrases: tuple[str, str]) -> str:
    """("more slow-burn", "about as fantasy") -> "You lean more slow-burn than the rest of the
    server, and about as fantasy as it"."""
    differ = [p for p in phrases if not p.startswith("about")]
    alike = [p for p in phrases if p.startswith("about")]
    if not differ:
        return f"{who} sit about where the rest of the server does"
    line = f"{who} lean {' and '.join(differ)} than the rest of the server"
    return f"{line}, and {alike[0]} as it" if alike else line


def comparison_text(
    server: ServerComparison | None, point: tuple[float, float], *, own: bool
) -> str:
    who = "You" if own else "They"
    if server is None:
        return (
            "Not enough other members here have rated or watchlisted titles yet to compare "
            "with the rest of the server."
        )
    lines = [
        f"{_leaning(who, server.leans(point))} "
        f"(slow-burn {server.compass[0]:.2f}, fantasy {server.compass[1]:.2f})."
    ]
    if server.more_than_server:
        liked = ", ".join(shown_within(gap.name, 40) for gap in server.more_than_server)
        lines.append(f"{who} like {liked} more than it does.")
    if server.top_features:
        lines.append(f"Its top: {_list(server.top_features)}")
    return "\n".join(lines)


def closeness(match: TasteMatch) -> str:
    """The shrunk similarity in words: 3 titles in full agreement make 0.375 ("close"), 5 make
    0.5 ("very close")."""
    if match.similarity >= 0.4:
        return "very close"
    if match.similarity >= 0.2:
        return "close"
    return "somewhat close"


def matches_text(portrait: Portrait, *, own: bool, opted_in: bool) -> str:
    if portrait.matches:
        lines = [
            f"<@{m.member_id}> \u00b7 {closeness(m)} \u00b7 "
            f"{m.shared_titles} {'title' if m.shared_titles == 1 else 'titles'} rated by both"
            for m in portrait.matches
        ]
    else:
        lines = [
            "No one yet. Matches are members who turned on taste matching and rated at least "
            f"{MIN_OVERLAP} of the same titles, with scores that run alike."
        ]
    if own and not opted_in:
        lines.append(f"You aren't listed in others' matches; to be, use {OPT_IN_HOW}.")
    return "\n".join(lines)


def favourites_text(portrait: Portrait, *, own: bool) -> str:
    """Own favourites show their scores; another member's never do (they shared their taste,
    not their ratings)."""
    lines = []
    for number, favourite in enumerate(portrait.favourites, start=1):
        line = f"{number}. **{shown_within(favourite.name, FAVOURITE_ROOM)}**"
        if own:
            line += f" \u00b7 {favourite.score}/10"
        lines.append(line)
    return "\n".join(lines)


def portrait_embed(
    portrait: Portrait,
    *,
    name: str | None,
    server: str,
    opted_in: bool,
    chart: bool,
) -> discord.Embed:
    """A placed portrait (`portrait.compass` is set). `name` is None for the asker's own."""
    assert portrait.compass is not None
    own = name is None
    heading = (
        f"Your taste in {server}"
        if own
        else f"{shown_within(name or '', NAME_ROOM)}'s taste in {server}"
    )
    embed = discord.Embed(
        title=fit(heading, EMBED_TITLE_ROOM),
        colour=BRAND,
        description=compass_text(portrait.compass),
    )
    if portrait.top_features:
        embed.add_field(
            name="Top genres and tags", value=_list(portrait.top_features), inline=False
        )
    embed.add_field(
        name="Next to the rest of the server",
        value=comparison_text(portrait.server, portrait.compass, own=own),
        inline=False,
    )
    if portrait.favourites:
        embed.add_field(name="Favourites", value=favourites_text(portrait, own=own), inline=False)
    embed.add_field(
        name="Closest taste",
        value=matches_text(portrait, own=own, opted_in=opted_in),
        inline=False,
    )
    footer = f"From {portrait.titles} {'title' if portrait.titles == 1 else 'titles'} rated or "
    footer += "watchlisted in this server"
    unplaced = portrait.titles - portrait.placed
    if unplaced:
        footer += f" ({unplaced} not placed: I don't know what they're about yet)"
    footer += " \u00b7 only you can see this"
    embed.set_footer(text=footer)
    if chart:
        embed.set_image(url=f"attachment://{CHART_FILE}")
    return embed


def empty_text(*, name: str | None) -> str:
    """Nothing rated or watchlisted: how to start, not an error."""
    if name is None:
        return (
            "You haven't told me about any titles in this server yet, so there's no taste to "
            "draw. Rate something you've watched with `/rate` (1 to 10), or save something for "
            "later with `/watchlist add`, and `/taste` will place you on the story compass."
        )
    return (
        f"{shown_within(name, NAME_ROOM)} hasn't rated or watchlisted anything in this server "
        "yet, so there's no taste to show."
    )


def unplaced_text(*, name: str | None) -> str:
    """Titles rated, but none whose content is known (providers down, titles not cached)."""
    whose = "your" if name is None else f"{shown_within(name, NAME_ROOM)}'s"
    return (
        f"I can't place {whose} titles on the story compass right now: I don't know what "
        "they're about yet (the title sites may not be answering). Try again in a minute."
    )


def taste_match_text(*, enabled: bool, changed: bool) -> str:
    if enabled:
        state = "Taste matching is on" if changed else "Taste matching was already on"
        return (
            f"{state} for you in this server. Other members' `/taste` may list you as someone "
            "with close taste, and they can see your taste portrait with `/taste member:` "
            "(where you sit on the story compass, your top genres and favourite titles). "
            "Your scores themselves are never shown. Turn it off any time with "
            "`/privacy taste-match enabled:False`."
        )
    state = "Taste matching is off" if changed else "Taste matching was already off"
    return (
        f"{state} for you in this server: nobody else sees your taste portrait, and you are "
        "not listed as anyone's close taste. Your ratings still shape your own `/taste` and "
        f"`/recommend`. Turn it on again with {OPT_IN_HOW}."
    )
