"""/about: data in, embed out."""

from __future__ import annotations

from dataclasses import dataclass

import discord

from bot.durations import format_elapsed
from cogs.style import ATTRIBUTION, BRAND


@dataclass(frozen=True)
class AboutFacts:
    version: str
    started_at: int
    uptime_seconds: float
    database_bytes: int
    server_count: int
    tmdb_configured: bool


def human_bytes(size: int) -> str:
    value = float(size)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if value < 1024 or unit == "GiB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} GiB"


def about_embed(facts: AboutFacts) -> discord.Embed:
    embed = discord.Embed(
        title="About watchclub",
        colour=BRAND,
        description="A self-hosted watch club for K-drama and anime communities.",
    )
    embed.add_field(name="Version", value=facts.version)
    embed.add_field(
        name="Uptime",
        value=f"{format_elapsed(facts.uptime_seconds)} (since <t:{facts.started_at}:f>)",
    )
    embed.add_field(name="Servers", value=str(facts.server_count))
    embed.add_field(name="Database", value=human_bytes(facts.database_bytes))
    tmdb = "configured" if facts.tmdb_configured else "not configured (set `TMDB_API_KEY`)"
    embed.add_field(
        name="Title data",
        value=f"AniList (anime): on\nTVmaze (K-drama): on\nTMDB (films, more dramas): {tmdb}",
        inline=False,
    )
    embed.set_footer(text=ATTRIBUTION)
    return embed
