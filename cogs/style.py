"""The look shared by every reply."""

from __future__ import annotations

import discord

BRAND = discord.Colour(0xE8578C)  # the pink of a slow-burn confession scene
SUCCESS = discord.Colour(0x4CAF82)
WARNING = discord.Colour(0xF0A23B)

ATTRIBUTION = (
    "Anime data: AniList (anilist.co). K-drama data: TVmaze (tvmaze.com), CC BY-SA 4.0. "
    "This product uses the TMDB API but is not endorsed or certified by TMDB."
)


def confirmation_embed(what: str, detail: str | None = None) -> discord.Embed:
    embed = discord.Embed(title="Saved", colour=SUCCESS, description=what)
    if detail:
        embed.add_field(name="Note", value=detail, inline=False)
    return embed
