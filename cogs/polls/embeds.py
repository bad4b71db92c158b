"""Pure builders for what the poll commands answer: data in, text or discord.Embed out."""

from __future__ import annotations

from collections.abc import Sequence

import discord

from bot.message_text import fit, in_message
from bot.polls.message import POLL_COLOR, closing_line, option_name
from bot.polls.models import Ballot, Poll, PollHeading, PollKind, VoteReceipt
from bot.polls.stats import CompassStats

VOTERS_ROOM = 4500  # characters of mentions in /poll voters, shared by the options
FIELD_ROOM = 1024
KIND_NAMES = {
    PollKind.VERSUS: "versus",
    PollKind.SINGLE: "poll",
    PollKind.MULTI: "multiple choice",
    PollKind.RANKED: "ranked",
}


def ballot_text(poll: Poll, ballot: Ballot) -> str:
    names = [option_name(poll.options[index]) for index in ballot]
    if poll.kind is PollKind.RANKED:
        return " > ".join(f"**{n}**" for n in names)
    return ", ".join(f"**{n}**" for n in names)


def receipt_text(receipt: VoteReceipt) -> str:
    """The private answer to a vote: the member's vote as it now stands."""
    poll = receipt.poll
    secret = " Anonymous: only you can see this." if poll.anonymous else ""
    if receipt.ballot is None:
        if receipt.changed:
            return f"Your vote in poll #{poll.id} is taken back. Click an option to vote again."
        return f"You have no vote in poll #{poll.id}."
    if poll.kind is PollKind.RANKED:
        line = f"Your ranking in poll #{poll.id}: {ballot_text(poll, receipt.ballot)}."
        how = "Press Rank again to change it, or send it empty to take it back."
    elif poll.kind is PollKind.MULTI:
        line = (
            f"Your choices in poll #{poll.id} ({len(receipt.ballot)} of up to "
            f"{poll.max_choices}): {ballot_text(poll, receipt.ballot)}."
        )
        how = "Click a choice again to take it back."
    else:
        line = f"Your vote in poll #{poll.id}: {ballot_text(poll, receipt.ballot)}."
        how = "Click it again to take it back, or another option to change."
    if not receipt.changed:
        line = "No change. " + line
    return f"{line} {how}{secret}"


def list_embed(headings: Sequence[PollHeading], *, server: str) -> discord.Embed:
    embed = discord.Embed(title=fit(f"Open polls in {server}", 256), colour=POLL_COLOR)
    if not headings:
        embed.description = "No poll is open. Start one with `/poll versus` or `/poll create`."
        return embed
    lines = []
    for heading in headings:
        votes = "vote" if heading.turnout == 1 else "votes"
        lines.append(
            f"**#{heading.id}** {fit(in_message(heading.question), 80)} \u00b7 "
            f"{KIND_NAMES[heading.kind]} \u00b7 {heading.turnout:,} {votes} \u00b7 "
            f"closes <t:{heading.closes_at}:R>"
        )
    embed.description = fit("\n".join(lines), 4096)
    return embed


def voters_embed(poll: Poll, voters: Sequence[tuple[int, Ballot]]) -> discord.Embed:
    """Who voted for what, per option (a ranked poll: by first choice, with the ranking)."""
    embed = discord.Embed(
        title=fit(f"Voters: {poll.question}", 200),
        description=f"{closing_line(poll)} \u00b7 {len(voters):,} voters",
        colour=POLL_COLOR,
    )
    # Discord takes at most 6,000 characters across an embed: the options share them.
    room = min(FIELD_ROOM, VOTERS_ROOM // len(poll.options))
    for option in poll.options:
        members = [member for member, ballot in voters if _counts_for(poll, ballot, option.index)]
        shown = ""
        for count, member in enumerate(members):
            mention = f"<@{member}>"
            rest = f" +{len(members) - count}"
            if len(shown) + len(mention) + 1 + len(rest) > room:
                shown += rest
                break
            shown = f"{shown} {mention}".strip()
        embed.add_field(
            name=fit(f"{option.index + 1}. {option.label}", 100),
            value=shown or "nobody",
            inline=False,
        )
    embed.set_footer(text=f"Poll #{poll.id} \u00b7 mentions here ping nobody")
    return embed


def _counts_for(poll: Poll, ballot: Ballot, index: int) -> bool:
    if poll.kind is PollKind.RANKED:
        return bool(ballot) and ballot[0] == index
    return index in ballot


def _share(part: int, whole: int) -> str:
    return f"{part / whole:.0%}" if whole else "\u2013"


def stats_embed(stats: CompassStats, *, server: str, chart: bool) -> discord.Embed:
    embed = discord.Embed(title=fit(f"{server}'s story compass", 256), colour=POLL_COLOR)
    if stats.polls == 0:
        embed.description = (
            "No versus poll has closed here yet. Start one with `/poll versus`: the server's "
            "lean appears here as they close."
        )
        return embed
    decided = stats.decided
    embed.description = (
        f"Across {stats.polls:,} closed versus {'poll' if stats.polls == 1 else 'polls'}"
        + (f" ({stats.undecided:,} tied or without votes)" if stats.undecided else "")
        + "."
    )
    embed.add_field(
        name="Slow-burn vs fantasy",
        value=f"\U0001f495 Slow-burn {stats.slow_burn_wins:,} "
        f"({_share(stats.slow_burn_wins, decided)})\n"
        f"\U0001fa84 Fantasy {stats.fantasy_wins:,} ({_share(stats.fantasy_wins, decided)})",
        inline=True,
    )
    media = (
        f"\U0001f1f0\U0001f1f7 K-drama {stats.kdrama_wins:,} ({_share(stats.kdrama_wins, decided)})"
        f"\n\U0001f1ef\U0001f1f5 Anime {stats.anime_wins:,} ({_share(stats.anime_wins, decided)})"
    )
    if stats.other_medium_wins:
        media += f"\nOther {stats.other_medium_wins:,}"
    embed.add_field(name="K-drama vs anime", value=media, inline=True)
    if stats.top_titles:
        embed.add_field(
            name="Won most",
            value="\n".join(
                f"{n}. {fit(in_message(t.label), 80)} \u00b7 {t.wins} "
                + ("win" if t.wins == 1 else "wins")
                for n, t in enumerate(stats.top_titles, start=1)
            ),
            inline=False,
        )
    if chart:
        embed.set_image(url="attachment://compass.png")
    return embed
