"""Polls as plain data: what kind of poll it is, its options, and what a ballot holds."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum
from typing import TypeAlias

from bot.polls.bracket import Bracket


class PollKind(StrEnum):
    VERSUS = "versus"  # two titles face off; one choice, like SINGLE with exactly two options
    SINGLE = "single"  # choose one option
    MULTI = "multi"  # choose up to the poll's `max_choices` options
    RANKED = "ranked"  # rank the options; counted by instant runoff


class ResultsVisibility(StrEnum):
    LIVE = "live"  # tallies are shown while the poll is open
    AT_CLOSE = "at_close"  # nothing is shown until the poll closes


@dataclass(frozen=True)
class PollOption:
    """One option of a poll. `index` is its 0-based position, the number a ballot names.
    `title_id` ("<source>:<id>", as `Title.id`) is set when the option is a title and None
    when it is free text."""

    index: int
    label: str
    title_id: str | None = None

    def __post_init__(self) -> None:
        if self.index < 0:
            raise ValueError(f"an option index is 0 or more, not {self.index}")


# One member's ballot: the option indexes they chose. For SINGLE and VERSUS exactly one; for
# MULTI one to `max_choices` distinct indexes (order carries no meaning); for RANKED an ordered
# ranking, most preferred first, full or partial, with no repeats. A withdrawn vote is no
# ballot at all, never an empty one. `bot.polls.counting.check_ballot` says what is well formed.
Ballot: TypeAlias = tuple[int, ...]


MIN_OPTIONS = 2
MAX_OPTIONS = 10
MAX_QUESTION = 200
MAX_OPTION_LABEL = 80  # Discord's button label limit, and short enough for a chart bar


@dataclass(frozen=True)
class TitleCard:
    """What a poll shows of a title, kept when the poll opens: a poll closing days later (or
    a bracket round) shows the same card without asking a provider."""

    title_id: str
    name: str
    medium: str  # a Medium value
    slow_burn: float
    fantasy: float
    cover_url: str | None = None
    hook: str | None = None
    url: str | None = None
    latin_name: str | None = None  # for charts, when `name` is in Hangul or kana


@dataclass(frozen=True)
class OptionSpec:
    """An option as the creator gave it: free text, or a title with its card."""

    label: str
    card: TitleCard | None = None

    @property
    def title_id(self) -> str | None:
        return None if self.card is None else self.card.title_id


@dataclass(frozen=True)
class PollSpec:
    """A poll about to open. `closes_at` is Unix seconds."""

    guild_id: int
    channel_id: int
    creator_id: int
    question: str
    kind: PollKind
    options: tuple[OptionSpec, ...]
    closes_at: int
    anonymous: bool = True
    results: ResultsVisibility = ResultsVisibility.AT_CLOSE
    max_choices: int = 1
    reason: str | None = None  # why the bot picked a versus pair


@dataclass(frozen=True)
class BracketSlot:
    """Which match of which bracket a versus poll is."""

    bracket_id: int
    round: int
    match: int


@dataclass(frozen=True)
class CountedOption:
    """An option with its running count (first preferences on a ranked poll)."""

    index: int
    label: str
    votes: int
    card: TitleCard | None = None

    @property
    def title_id(self) -> str | None:
        return None if self.card is None else self.card.title_id


@dataclass(frozen=True)
class Poll:
    """A poll as stored. Times are Unix seconds. `winners` is set at the close."""

    id: int
    guild_id: int
    channel_id: int
    creator_id: int
    question: str
    kind: PollKind
    max_choices: int
    anonymous: bool
    results: ResultsVisibility
    options: tuple[CountedOption, ...]
    opened_at: int
    closes_at: int
    turnout: int
    revision: int
    closed_at: int | None = None
    closed_by: int | None = None
    winners: tuple[int, ...] | None = None
    reason: str | None = None
    bracket: BracketSlot | None = None

    @property
    def is_closed(self) -> bool:
        return self.closed_at is not None

    def is_open_at(self, now: int) -> bool:
        return self.closed_at is None and now < self.closes_at

    @property
    def shows_counts(self) -> bool:
        """Whether the message may show how the vote stands: live polls always, others once
        closed."""
        return self.results is ResultsVisibility.LIVE or self.is_closed


@dataclass(frozen=True)
class PollHeading:
    """One line of `/poll list` and the id autocomplete."""

    id: int
    question: str
    kind: PollKind
    closes_at: int
    closed_at: int | None
    turnout: int


class VoteAction(StrEnum):
    TOGGLE = "toggle"  # a button: choose the option, or take it back if chosen
    RANK = "rank"  # a full ranking, from the ranking form
    WITHDRAW = "withdraw"  # take the whole vote back


@dataclass(frozen=True)
class VoteRequest:
    guild_id: int
    poll_id: int
    member_id: int
    action: VoteAction
    option: int | None = None  # TOGGLE
    ranking: Ballot = ()  # RANK


@dataclass(frozen=True)
class VoteReceipt:
    """What a member is told after a click: their vote as it now stands (None: no vote)."""

    poll: Poll
    ballot: Ballot | None
    changed: bool


@dataclass(frozen=True)
class BracketSpec:
    guild_id: int
    channel_id: int
    creator_id: int
    name: str
    entrants: tuple[OptionSpec, ...]  # best seed first
    duration: timedelta  # of each round
    anonymous: bool = True
    results: ResultsVisibility = ResultsVisibility.AT_CLOSE


@dataclass(frozen=True)
class StoredBracket:
    id: int
    guild_id: int
    channel_id: int
    creator_id: int
    name: str
    entrants: tuple[OptionSpec, ...]
    draw: Bracket
    duration_seconds: int
    anonymous: bool
    results: ResultsVisibility
    finished_at: int | None

    def label(self, seed: int) -> str:
        return self.entrants[seed - 1].label
