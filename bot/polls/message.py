"""A poll's message and its results, as the outbox sends them: plain JSON embeds and
persistent buttons whose custom_ids name the poll.

Built here, not in the cog, because the vote writer edits the message and a timer posts the
results long after the command, and `bot/` never imports `cogs/`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final

from bot.compass import meter
from bot.message_text import fit, shown_within
from bot.outbox.message import (
    MAX_CONTENT,
    Attachment,
    Button,
    MessageEdit,
    OutgoingMessage,
    ToChannel,
)
from bot.polls.cards import HOOK_ROOM
from bot.polls.counting import RankedResults, Results
from bot.polls.models import (
    CountedOption,
    Poll,
    PollKind,
    TitleCard,
)

EDIT_SPACING: Final = 3  # seconds between two edits of one poll message
SLOW_BURN_COLOR: Final = 0xE0607E
FANTASY_COLOR: Final = 0x7B61FF
POLL_COLOR: Final = 0x5865F2
CLOSED_COLOR: Final = 0x80848E
WINNER_COLOR: Final = 0xF1C40F
BAR_WIDTH: Final = 10
OPTION_ROOM: Final = 120  # characters of an option's escaped name shown in a message
OPTIONS_ROOM: Final = 1000  # for the names of all options in the poll message's content
QUESTION_ROOM: Final = 250
REASON_ROOM: Final = 400
CHART_FILE: Final = "results.png"
HANDOFFS_SHOWN: Final = 3  # "Schedule a watch party" buttons under a tie's results
MEDIUM_NAMES: Final = {"kdrama": "K-drama", "anime": "Anime"}


def message_key(poll_id: int) -> str:
    return f"poll:{poll_id}:message"


def vote_custom_id(poll_id: int, option: int) -> str:
    return f"poll:{poll_id}:vote:{option}"


def rank_custom_id(poll_id: int) -> str:
    return f"poll:{poll_id}:rank"


def handoff_custom_id(poll_id: int, option: int) -> str:
    return f"poll:{poll_id}:party:{option}"


def option_name(option: CountedOption, room: int = OPTION_ROOM) -> str:
    return shown_within(option.label, room)


def _name_room(poll: Poll) -> int:
    """How much of each option's name the message content can show, so that ten options with
    names full of markdown (each escape doubles a character) still fit in one message."""
    return max(24, min(OPTION_ROOM, OPTIONS_ROOM // len(poll.options)))


def closing_line(poll: Poll) -> str:
    if poll.closed_at is not None:
        early = " early" if poll.closed_by is not None else ""
        return f"\U0001f3c1 Closed{early} <t:{poll.closed_at}:R>"
    return f"\u23f3 Closes <t:{poll.closes_at}:R> (<t:{poll.closes_at}:f>)"


def turnout_line(poll: Poll) -> str:
    noun = "vote" if poll.turnout == 1 else "votes"
    return f"{poll.turnout:,} {noun}"


def tally_lines(poll: Poll) -> list[str]:
    """One line per option: a bar, the share of voters and the count (first preferences on a
    ranked poll)."""
    lines = []
    room = _name_room(poll)
    for option in poll.options:
        share = option.votes / poll.turnout if poll.turnout else 0.0
        lines.append(
            f"`{meter(share, BAR_WIDTH)}` {share:.0%} ({option.votes:,}) "
            f"**{option.index + 1}.** {option_name(option, room)}"
        )
    return lines


def _how_to_vote(poll: Poll) -> str:
    match poll.kind:
        case PollKind.VERSUS:
            return "Pick a side. Click again to take your vote back."
        case PollKind.SINGLE:
            return "Choose one. Click another to change, the same to take it back."
        case PollKind.MULTI:
            return f"Choose up to {poll.max_choices}. Click a choice again to take it back."
        case PollKind.RANKED:
            return "Rank the options, best first: counted by instant runoff."
    raise AssertionError(poll.kind)  # pragma: no cover


def _privacy_line(poll: Poll) -> str:
    if poll.anonymous:
        return "Anonymous: nobody, admins included, can see who voted for what."
    return "Not anonymous: `/poll voters` shows who voted for what."


def status_text(poll: Poll) -> str:
    """The message's content: what it is, how it stands, and when it closes."""
    question = shown_within(poll.question, QUESTION_ROOM)
    if poll.bracket is not None:
        head = f"\U0001f3c6 **{question}**"
    elif poll.kind is PollKind.VERSUS:
        head = f"\u2694\ufe0f **Slow-burn vs fantasy**: {question}"
    else:
        head = f"\U0001f4ca **{question}**"
    lines = [head]
    if poll.reason:  # why the bot picked this pair: said to everyone who sees the poll
        lines.append(f"-# {shown_within(poll.reason, REASON_ROOM)}")
    lines.append(f"{closing_line(poll)} \u00b7 {turnout_line(poll)}")
    if poll.shows_counts:
        lines.extend(tally_lines(poll))
    else:
        room = _name_room(poll)
        lines.extend(f"**{o.index + 1}.** {option_name(o, room)}" for o in poll.options)
        lines.append("-# Results are shown when the poll closes.")
    if poll.is_closed:
        lines.append(f"-# Results: `/poll results {poll.id}`")
    else:
        lines.append(f"-# {_how_to_vote(poll)}")
    lines.append(f"-# Poll #{poll.id} \u00b7 {_privacy_line(poll)}")
    return fit("\n".join(lines), MAX_CONTENT)


def title_card_embed(card: TitleCard, *, side: str | None, color: int) -> dict[str, Any]:
    """A title on a poll: cover, compass bars and a one-line hook."""
    description = []
    if card.hook:
        description.append(f"*{shown_within(card.hook, 2 * HOOK_ROOM)}*")
    description.append(f"`{meter(card.slow_burn)}` **Slow-burn** {card.slow_burn:.2f}")
    description.append(f"`{meter(card.fantasy)}` **Fantasy** {card.fantasy:.2f}")
    medium = MEDIUM_NAMES.get(card.medium, card.medium.replace("_", " ").capitalize())
    embed: dict[str, Any] = {
        "title": fit(card.name, 256),
        "description": "\n".join(description),
        "color": color,
        "footer": {"text": f"{side} side \u00b7 {medium}" if side else medium},
    }
    if card.url:
        embed["url"] = card.url
    if card.cover_url:
        embed["thumbnail"] = {"url": card.cover_url}
    return embed


def poll_embeds(poll: Poll) -> tuple[dict[str, Any], ...]:
    if poll.kind is PollKind.VERSUS:
        sides: tuple[tuple[str | None, int], ...] = (
            ((None, SLOW_BURN_COLOR), (None, FANTASY_COLOR))
            if poll.bracket is not None
            else (("Slow-burn", SLOW_BURN_COLOR), ("Fantasy", FANTASY_COLOR))
        )
        return tuple(
            title_card_embed(option.card, side=side, color=color)
            for option, (side, color) in zip(poll.options, sides, strict=False)
            if option.card is not None
        )
    return ()


def vote_buttons(poll: Poll) -> tuple[Button, ...]:
    if poll.kind is PollKind.RANKED:
        return (
            Button(
                "Rank the options",
                custom_id=rank_custom_id(poll.id),
                style="primary",
                emoji="\U0001f522",
            ),
        )
    return tuple(
        Button(
            fit(
                f"{option.index + 1}. {option.label}"
                if poll.kind is not PollKind.VERSUS
                else option.label,
                80,
            ),
            custom_id=vote_custom_id(poll.id, option.index),
            style="primary" if poll.kind is PollKind.VERSUS else "secondary",
            emoji=("\U0001f495" if option.index == 0 else "\U0001fa84")
            if poll.kind is PollKind.VERSUS
            else None,
        )
        for option in poll.options
    )


def poll_message(poll: Poll) -> OutgoingMessage:
    """The poll as posted, named by key so the tally's edits find it."""
    return OutgoingMessage(
        ToChannel(poll.channel_id),
        status_text(poll),
        embeds=poll_embeds(poll),
        buttons=vote_buttons(poll),
        key=message_key(poll.id),
    )


def poll_edit(poll: Poll) -> MessageEdit:
    """The message brought up to date; a closed poll loses its buttons, at once (not spaced
    after the last tally, so it never trails its own results). `version` keeps an older tally
    from replacing a newer one."""
    return MessageEdit(
        channel_id=poll.channel_id,
        content=status_text(poll),
        embeds=poll_embeds(poll),
        message_key=message_key(poll.id),
        clear_components=poll.is_closed,
        spacing=0 if poll.is_closed else EDIT_SPACING,
        version=poll.revision,
    )


# -- results ----------------------------------------------------------------------------------


def winner_line(poll: Poll, results: Results) -> str:
    names = [option_name(poll.options[index]) for index in results.winners]
    if not names:
        return "Nobody voted, so there is no winner."
    if len(names) == 1:
        return f"\U0001f3c6 **{names[0]}** wins."
    if isinstance(results, RankedResults) and results.final_round is not None:
        each = results.final_round.counts[results.winners[0]]
    else:
        each = results.votes[results.winners[0]]
    joined = ", ".join(f"**{name}**" for name in names[:-1]) + f" and **{names[-1]}**"
    return f"\U0001f91d A tie: {joined}, with {each:,} each. A tie stays a tie."


def rounds_lines(poll: Poll, results: RankedResults) -> list[str]:
    lines = []
    for round_ in results.rounds:
        counts = ", ".join(
            f"{option_name(poll.options[index])} {count}" for index, count in round_.counts.items()
        )
        line = f"**Round {round_.number}:** {counts}"
        if round_.exhausted:
            line += f" \u00b7 {round_.exhausted} without a choice left"
        if round_.eliminated:
            out = ", ".join(option_name(poll.options[index]) for index in round_.eliminated)
            line += f" \u2192 out: {out}"
        lines.append(line)
    return lines


def results_embed(poll: Poll, results: Results, *, chart: bool) -> dict[str, Any]:
    bars = []
    for option in poll.options:
        votes = results.votes[option.index]
        share = results.percentages[option.index] / 100
        crown = (
            "\U0001f3c6 " if option.index in results.winners and len(results.winners) == 1 else ""
        )
        bars.append(
            f"`{meter(share, BAR_WIDTH)}` {share:.0%} ({votes:,}) {crown}{option_name(option)}"
        )
    voters = "voter" if results.turnout == 1 else "voters"
    fields: list[dict[str, Any]] = [
        {"name": "Turnout", "value": f"{results.turnout:,} {voters}", "inline": True},
    ]
    if poll.kind is PollKind.MULTI:
        fields.append(
            {
                "name": "Note",
                "value": f"Shares are of voters; each chose up to {poll.max_choices}.",
                "inline": True,
            }
        )
    if isinstance(results, RankedResults) and len(results.rounds) > 1:
        fields.append(
            {
                "name": "Instant runoff",
                "value": fit("\n".join(rounds_lines(poll, results)), 1024),
                "inline": False,
            }
        )
    heading = "First choices" if poll.kind is PollKind.RANKED else "Votes"
    embed: dict[str, Any] = {
        "title": fit(f"Results: {poll.question}", 256),
        "description": fit(
            winner_line(poll, results) + f"\n\n**{heading}**\n" + "\n".join(bars), 4096
        ),
        "color": WINNER_COLOR if len(results.winners) == 1 else CLOSED_COLOR,
        "fields": fields,
        "footer": {
            "text": f"Poll #{poll.id} \u00b7 {'anonymous' if poll.anonymous else 'open'} vote"
        },
    }
    if chart:
        embed["image"] = {"url": f"attachment://{CHART_FILE}"}
    winners = [poll.options[index] for index in results.winners]
    if len(winners) == 1 and winners[0].card is not None and winners[0].card.cover_url:
        embed["thumbnail"] = {"url": winners[0].card.cover_url}
    return embed


def handoff_buttons(poll: Poll, winners: Sequence[int]) -> tuple[Button, ...]:
    return tuple(
        Button(
            fit(f"Schedule a watch party: {poll.options[index].label}", 80),
            custom_id=handoff_custom_id(poll.id, index),
            style="success",
            emoji="\U0001f37f",
        )
        for index in list(winners)[:HANDOFFS_SHOWN]
    )


def results_message(
    poll: Poll, results: Results, chart_png: bytes | None, *, extra: str | None = None
) -> OutgoingMessage:
    """The results post, with its chart and the hand-off to a watch party."""
    content = f"\U0001f3c1 Poll #{poll.id} has closed."
    if extra:
        content += "\n" + extra
    files = (Attachment(CHART_FILE, chart_png),) if chart_png else ()
    return OutgoingMessage(
        ToChannel(poll.channel_id),
        content,
        embeds=(results_embed(poll, results, chart=bool(files)),),
        files=files,
        buttons=handoff_buttons(poll, results.winners),
        key=f"poll:{poll.id}:results",
    )
