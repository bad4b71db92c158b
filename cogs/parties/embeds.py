"""Pure builders for /watchparty replies: data in, discord.Embed or text out."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

import discord

from bot.compass import CompassReading
from bot.durations import format_minutes
from bot.parties.announcement import counts_line, place_text, session_label
from bot.parties.follow import HORIZON
from bot.parties.follows import FollowStarted
from bot.parties.models import (
    Party,
    PartyHeading,
    PlannedMove,
    PlannedParty,
    Rsvp,
    RsvpCounts,
)
from bot.parties.series import describe_rule
from bot.timezones import describe_zone
from cogs.style import BRAND, SUCCESS, WARNING

SESSIONS_SHOWN = 12
PARTIES_LISTED = 10
RSVP_WORDS = {Rsvp.GOING: "Going", Rsvp.MAYBE: "Maybe", Rsvp.NOT_GOING: "Can't go"}


def compass_line(reading: CompassReading) -> str:
    """The title's place on the story compass, in one line of the announcement."""
    return (
        f"\U0001f49e Slow-burn {reading.slow_burn:.2f} \u00b7 \u2728 Fantasy {reading.fantasy:.2f}"
    )


def preview_embed(planned: PlannedParty, *, now: datetime) -> discord.Embed:
    """What Confirm will post: every time as a Discord timestamp, and the zone it was read in."""
    plan = planned.plan
    embed = discord.Embed(
        title=f"Preview: {plan.title_name}",
        colour=BRAND,
        description="Check the time below (shown in your own zone), then **Confirm** to post "
        "the announcement, or **Change** to fix it.",
    )
    lines = []
    for session in plan.sessions[:SESSIONS_SHOWN]:
        start = int(session.start.timestamp())
        line = f"**{session.number}.** <t:{start}:F> (<t:{start}:R>)"
        if session.episodes is not None:
            line += f" \u00b7 ep {session.episodes}"
        lines.append(line)
    if len(plan.sessions) > SESSIONS_SHOWN:
        lines.append(f"\u2026 and {len(plan.sessions) - SESSIONS_SHOWN} more sessions")
    name = "When" if len(plan.sessions) == 1 else f"{len(plan.sessions)} sessions"
    embed.add_field(name=name, value="\n".join(lines), inline=False)
    read_in = f"Read in **{describe_zone(plan.zone, at=now)}**"
    if plan.repeat is not None:
        wall = plan.sessions[0].start.strftime("%H:%M")
        read_in += f"; repeats {describe_rule(plan.repeat)} at {wall} there, across clock changes"
    embed.add_field(name="Time zone", value=read_in, inline=False)
    if plan.place is not None:
        embed.add_field(name="Where", value=_where(plan.place_kind.value, plan.place), inline=True)
    if planned.notes:
        embed.add_field(name="Note", value="\n".join(planned.notes), inline=False)
    return embed


def move_preview_embed(planned: PlannedMove, *, now: datetime) -> discord.Embed:
    """A reschedule before anyone is told: each session's old and new time, and the zone the
    new time was read in."""
    party = planned.party
    embed = discord.Embed(
        title=f"Preview: move #{party.id} {party.plan.title_name}"[:256],
        colour=BRAND,
        description="Check the new time (shown in your own zone), then **Confirm**: the Going "
        "members are told, and the reminders and the Discord event move with it.",
    )
    lines = []
    for move in planned.moves[:SESSIONS_SHOWN]:
        was, start = int(move.session.session.start.timestamp()), int(move.start.timestamp())
        number = move.session.session.number
        lines.append(f"**{number}.** ~~<t:{was}:f>~~ \u2192 <t:{start}:F> (<t:{start}:R>)")
    if len(planned.moves) > SESSIONS_SHOWN:
        lines.append(f"\u2026 and {len(planned.moves) - SESSIONS_SHOWN} more sessions")
    embed.add_field(name="Moves", value="\n".join(lines), inline=False)
    embed.add_field(
        name="Time zone", value=f"Read in **{describe_zone(planned.zone, at=now)}**", inline=False
    )
    if planned.notes:
        embed.add_field(name="Note", value="\n".join(planned.notes), inline=False)
    return embed


def moved_embed(party: Party) -> discord.Embed:
    return discord.Embed(
        title=f"Watch party #{party.id} moved",
        colour=SUCCESS,
        description=f"**{party.plan.title_name}** has its new time. The Going members are told "
        "in its channel (or by DM), and its reminders and Discord event follow.",
    )


def _where(kind: str, place: str) -> str:
    return f"<#{place}>" if kind in ("voice", "stage") else place


def posted_embed(party: Party) -> discord.Embed:
    channel = f"<#{party.plan.channel_id}>"
    return discord.Embed(
        title=f"Watch party #{party.id} is on",
        colour=SUCCESS,
        description=f"The announcement for **{party.plan.title_name}** is being posted in "
        f"{channel}. Members answer with its buttons; reminders go to whoever is Going.",
    )


def rsvp_reply(party: Party, choice: Rsvp, *, changed: bool, by_dm: bool) -> str:
    name = party.plan.title_name
    if choice is Rsvp.GOING:
        where = "by DM" if by_dm else f"in <#{party.plan.channel_id}>"
        text = f"\u2705 You're **Going** to **{name}** (#{party.id}). You'll be reminded {where}."
    elif choice is Rsvp.MAYBE:
        text = f"\U0001f914 You're a **Maybe** for **{name}** (#{party.id}). Maybes get no pings."
    else:
        text = f"\u274c You **can't go** to **{name}** (#{party.id}). You won't be pinged."
    if not changed:
        text += "\n-# That was already your answer."
    return text + "\n-# Click another button to change it."


def list_embed(entries: Sequence[tuple[Party, Rsvp | None]], *, now: datetime) -> discord.Embed:
    embed = discord.Embed(title="Upcoming watch parties", colour=BRAND)
    if not entries:
        embed.description = "None yet. Start one with `/watchparty schedule`."
        return embed
    lines = []
    for party, answer in entries[:PARTIES_LISTED]:
        upcoming = party.next_session(after=now) or party.upcoming[-1]
        start = int(upcoming.session.start.timestamp())
        yours = RSVP_WORDS[answer] if answer else "no answer yet"
        lines.append(
            f"**#{party.id} {session_label(party, upcoming)}**\n"
            f"<t:{start}:F> (<t:{start}:R>) \u00b7 you: {yours}"
        )
    embed.description = "\n\n".join(lines)
    if len(entries) > PARTIES_LISTED:
        embed.set_footer(text=f"and {len(entries) - PARTIES_LISTED} more")
    return embed


def info_embed(party: Party, counts: RsvpCounts, answer: Rsvp | None) -> discord.Embed:
    plan = party.plan
    title = ("Cancelled: " if party.cancelled else "") + f"#{party.id} {plan.title_name}"
    embed = discord.Embed(title=title[:256], colour=WARNING if party.cancelled else BRAND)
    if plan.compass_line:
        embed.description = plan.compass_line
    if plan.cover_url:
        embed.set_thumbnail(url=plan.cover_url)
    lines = []
    for stored in party.sessions[:SESSIONS_SHOWN]:
        start = int(stored.session.start.timestamp())
        line = f"**{stored.session.number}.** <t:{start}:F>"
        if stored.session.episodes is not None:
            line += f" \u00b7 ep {stored.session.episodes}"
        if stored.cancelled:
            line = f"~~{line}~~ cancelled"
        lines.append(line)
    if len(party.sessions) > SESSIONS_SHOWN:
        lines.append(f"\u2026 and {len(party.sessions) - SESSIONS_SHOWN} more")
    embed.add_field(name="Sessions", value="\n".join(lines), inline=False)
    where = place_text(party)
    if where:
        embed.add_field(name="Where", value=where[:1024], inline=True)
    embed.add_field(name="Host", value=f"<@{plan.host_id}>", inline=True)
    embed.add_field(name="RSVP", value=counts_line(counts), inline=False)
    embed.add_field(
        name="You", value=RSVP_WORDS[answer] if answer else "No answer yet", inline=True
    )
    if plan.note:
        embed.add_field(name="Note", value=plan.note[:1024], inline=False)
    return embed


def party_choice_label(party: PartyHeading, *, zone: str) -> str:
    """An autocomplete line: "#12 Crash Landing on You · Fri 5 Dec 20:00 KST"."""
    local = datetime.fromtimestamp(party.shown_start, ZoneInfo(zone))
    when = f"{local:%a} {local.day} {local:%b %H:%M %Z}"
    label = f"#{party.id} {party.title_name}"
    room = 100 - len(when) - 3
    if len(label) > room:
        label = label[: room - 1] + "\u2026"
    return f"{label} \u00b7 {when}"


def follow_embed(started: FollowStarted, *, offset_minutes: int) -> discord.Embed:
    follow = started.follow
    when = f"{format_minutes(offset_minutes)} after it airs" if offset_minutes else "as it airs"
    embed = discord.Embed(
        title=f"Following {follow.title_name} (follow #{follow.id})",
        colour=SUCCESS,
        description=f"Each new episode gets a watch party {when}, announced in "
        f"<#{follow.channel_id}> up to {HORIZON.days} days ahead. The broadcaster's schedule "
        "is read again every day: a moved episode moves its party, and following stops when "
        "the show ends. Stop it with `/watchparty unfollow`.",
    )
    if started.created:
        lines = [
            f"#{party.id} episode {party.sessions[0].session.episodes}: "
            f"<t:{int(party.sessions[0].session.start.timestamp())}:F>"
            for party in started.created
        ]
        embed.add_field(name="Announced now", value="\n".join(lines)[:1024], inline=False)
    elif started.next_airing is not None:
        embed.add_field(
            name="Next episode",
            value=f"<t:{started.next_airing}:F> (<t:{started.next_airing}:R>): its party is "
            "announced a week before.",
            inline=False,
        )
    else:
        embed.add_field(
            name="Next episode",
            value="Not announced yet: its party appears once the broadcaster lists it.",
            inline=False,
        )
    return embed
