"""/help and /about: data in, embed out."""

from __future__ import annotations

import discord

from bot.about.models import AboutFacts
from bot.durations import format_elapsed
from cogs.general.help import SHOWN_SECTIONS, CommandLine, present_sections
from cogs.style import ATTRIBUTION, BRAND


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
    embed.add_field(name="Servers", value=str(facts.guild_count))
    embed.add_field(name="Database", value=human_bytes(facts.database_bytes))
    tmdb = "configured" if facts.tmdb_configured else "not configured (set `TMDB_API_KEY`)"
    embed.add_field(
        name="Title data",
        value=f"AniList (anime): on\nTVmaze (K-drama): on\nTMDB (films, more dramas): {tmdb}",
        inline=False,
    )
    if facts.events_off_reason is not None:
        embed.add_field(
            name="Discord events",
            value=(
                f"Off since <t:{facts.events_off_since}:f>: {facts.events_off_reason} Watch "
                "parties still work but do not appear as Discord events; I try again 6 hours "
                "after that."
            )[:1024],
            inline=False,
        )
    embed.set_footer(text=ATTRIBUTION)
    return embed


def help_overview_embed(lines: list[CommandLine]) -> discord.Embed:
    embed = discord.Embed(
        title="watchclub",
        colour=BRAND,
        description=(
            "Your server's watch club for K-dramas and anime: **find** the next show, "
            "**decide** together, and **watch** together. Every title sits on the story "
            "compass: *slow-burn romance* and *fantasy*, two separate scores from 0 to 1."
        ),
    )
    for key in present_sections(lines):
        title, blurb = SHOWN_SECTIONS[key]
        names = ", ".join(f"`/{line.path}`" for line in lines if line.section == key)
        embed.add_field(name=title, value=f"{blurb}\n{names}", inline=False)
    embed.set_footer(text="Pick a section below for details. Times show in your own timezone.")
    return embed


def help_section_embed(lines: list[CommandLine], section: str) -> discord.Embed:
    title, blurb = SHOWN_SECTIONS.get(section, SHOWN_SECTIONS["more"])
    in_section = [line for line in lines if line.section == section]
    body = "\n".join(f"`/{line.path}`: {line.description}" for line in in_section)
    embed = discord.Embed(title=f"watchclub: {title}", colour=BRAND, description=blurb)
    embed.add_field(name="Commands", value=body or "Nothing here yet.", inline=False)
    embed.set_footer(text="Use the buttons to switch sections.")
    return embed
