"""Polls as plain data: what kind of poll it is, its options, and what a ballot holds."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import TypeAlias


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
