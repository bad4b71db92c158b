"""The title card and the "which one did you mean?" list: data in, embed out."""

from __future__ import annotations

import datetime
from collections.abc import Sequence

import discord

from bot.compass import CompassReading, explain, meter, read_compass
from bot.error_handler import echo_input
from bot.metadata.models import Medium, Status, Title
from bot.metadata.service import TitleLookup
from cogs.style import BRAND, WARNING

MEDIUM_NAMES = {
    Medium.ANIME: "Anime",
    Medium.KDRAMA: "K-drama",
    Medium.LIVE_ACTION: "Live action",
    Medium.ANIMATION: "Animation",
}
STATUS_NAMES = {
    Status.FINISHED: "Finished",
    Status.RELEASING: "Airing",
    Status.NOT_YET_RELEASED: "Not yet aired",
    Status.CANCELLED: "Cancelled",
    Status.HIATUS: "On hiatus",
    Status.UNKNOWN: "Unknown",
}
# AniList's formats (TV, TV_SHORT, MOVIE, SPECIAL, OVA, ONA, MUSIC) and TVmaze's types
# ("Scripted", "Animation", ...). A plain TV series needs no label.
FORMAT_NAMES = {
    "TV_SHORT": "TV short",
    "MOVIE": "Movie",
    "SPECIAL": "Special",
    "OVA": "OVA",
    "ONA": "ONA",
    "MUSIC": "Music video",
}
UNLABELLED_FORMATS = frozenset({"TV", "SCRIPTED"})
EMBED_DESCRIPTION_ROOM = 900


def _shape(title: Title) -> str:
    parts = [MEDIUM_NAMES[title.medium]]
    if title.format and title.format.upper() not in UNLABELLED_FORMATS:
        parts.append(FORMAT_NAMES.get(title.format.upper(), title.format))
    if title.year:
        parts.append(str(title.year))
    if title.episodes:
        episodes = "1 episode" if title.episodes == 1 else f"{title.episodes} episodes"
        if title.episode_minutes:
            episodes += f" × {title.episode_minutes} min"
        parts.append(episodes)
    elif title.episode_minutes:
        parts.append(f"{title.episode_minutes} min")
    return " · ".join(parts)


def _status(title: Title) -> str:
    text = STATUS_NAMES[title.status]
    episode = title.next_episode
    if episode is not None and episode.airs_at is not None:
        airs = episode.airs_at
        text += f"\nEpisode {episode.number} <t:{airs}:R> (<t:{airs}:f>)"
    elif episode is not None and episode.air_date is not None:
        # Only the day is known. A Discord timestamp would move it to the viewer's zone and
        # show the day after east of UTC+12, so the date is written out as the source gave it.
        text += f"\nEpisode {episode.number} on {_calendar_date(episode.air_date)}"
    return text


def _calendar_date(iso_date: str) -> str:
    day = datetime.date.fromisoformat(iso_date)
    return f"{day:%a} {day.day} {day:%b %Y}"


def _compass_field(reading: CompassReading) -> str:
    lines = []
    for axis, label in (("slow_burn", "Slow-burn"), ("fantasy", "Fantasy")):
        value = reading.slow_burn if axis == "slow_burn" else reading.fantasy
        lines.append(f"`{meter(value)}` **{label}** {value:.2f}")
    lines.append("")
    lines.extend(f"-# {explain(reading, axis)}" for axis in ("slow_burn", "fantasy"))
    return "\n".join(lines)


def title_card(title: Title, reading: CompassReading, *, note: str | None = None) -> discord.Embed:
    other_names = [
        n for n in (title.names.romanized, title.names.native) if n and n != title.display_name
    ]
    body: list[str] = []
    if note:
        body.append(f"⚠️ *{note}*")
    if other_names:
        body.append(f"*{' · '.join(other_names)}*")
    body.append(title.synopsis or title.hook or "No synopsis yet.")
    description = "\n\n".join(body)
    if len(description) > EMBED_DESCRIPTION_ROOM:
        description = description[: EMBED_DESCRIPTION_ROOM - 1] + "…"
    embed = discord.Embed(
        title=title.display_name[:256],
        url=title.source_url,
        description=description,
        colour=WARNING if note else BRAND,
    )
    if title.cover_url:
        embed.set_thumbnail(url=title.cover_url)
    embed.add_field(name="Format", value=_shape(title), inline=False)
    embed.add_field(name="Status", value=_status(title), inline=True)
    if title.score is not None:
        embed.add_field(name="Score", value=f"{title.score}/100", inline=True)
    if title.genres:
        embed.add_field(name="Genres", value=", ".join(title.genres)[:1024], inline=False)
    tags = [tag.name for tag in sorted(title.visible_tags, key=lambda t: -t.rank)[:6]]
    if tags:
        embed.add_field(name="Tags", value=", ".join(tags)[:1024], inline=False)
    embed.add_field(name="Story compass", value=_compass_field(reading), inline=False)
    embed.set_footer(text=title.attribution[:2048])
    return embed


def choices_embed(typed: str, titles: Sequence[Title], notes: Sequence[str]) -> discord.Embed:
    lines = [f"**{i}.** {t.display_name} · {_shape(t)}" for i, t in enumerate(titles, start=1)]
    embed = discord.Embed(
        title=f"Titles matching “{echo_input(typed, 80)}”",
        description="\n".join(lines)[:4000],
        colour=WARNING if notes else BRAND,
    )
    for note in notes:
        embed.add_field(name="Note", value=note[:1024], inline=False)
    embed.set_footer(text="Pick one below to see its card.")
    return embed


def no_match_message(typed: str, notes: Sequence[str]) -> str:
    message = (
        f"I found no anime or K-drama called “{echo_input(typed, 80)}”. Check the spelling, "
        "try its English or original title, or pick from the suggestions as you type."
    )
    return " ".join([message, *notes])


def lookup_card(lookup: TitleLookup) -> discord.Embed:
    """The card for a looked-up title, with its note when the data may be stale."""
    return title_card(lookup.title, read_compass(lookup.title), note=lookup.note)
