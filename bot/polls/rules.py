"""The rules of a poll, as pure functions: what a click does to a member's vote, what options
and questions are accepted, and which choices the running counts follow."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from datetime import timedelta
from typing import Final

from bot.errors import UserFacingError
from bot.polls.counting import check_ballot
from bot.polls.models import (
    MAX_OPTION_LABEL,
    MAX_OPTIONS,
    MAX_QUESTION,
    MIN_OPTIONS,
    Ballot,
    Poll,
    PollKind,
    VoteAction,
    VoteRequest,
)

MIN_DURATION: Final = timedelta(minutes=10)
MAX_DURATION: Final = timedelta(days=7)
DEFAULT_DURATION: Final = timedelta(hours=24)
_SPACES: Final = re.compile(r"\s+")
_RANKING_SEPARATORS: Final = re.compile(r"[\s,;>]+")
_DURATION_PART: Final = re.compile(
    r"(\d{1,4})\s*(d|days?|h|hrs?|hours?|m|mins?|minutes?)(?![a-z])", re.IGNORECASE
)
_UNIT_SECONDS: Final = {"d": 86400, "h": 3600, "m": 60}


def clean_text(text: str) -> str:
    """A question or option as shown: control and zero-width characters removed, runs of
    whitespace (newlines too) made one space, ends trimmed."""
    spaced = _SPACES.sub(" ", text)
    kept = "".join(
        char for char in spaced if unicodedata.category(char) not in ("Cc", "Cf", "Cs", "Co")
    )
    return _SPACES.sub(" ", kept).strip()


def check_question(text: str) -> str:
    cleaned = clean_text(text)
    if not cleaned:
        raise UserFacingError("The question is empty. Ask something, e.g. `What do we watch next?`")
    if len(cleaned) > MAX_QUESTION:
        raise UserFacingError(
            f"The question can be at most {MAX_QUESTION} characters; that one has {len(cleaned):,}."
        )
    return cleaned


def check_option(text: str, number: int) -> str:
    cleaned = clean_text(text)
    if not cleaned:
        raise UserFacingError(f"Option {number} is empty. Give it a title or a few words.")
    if len(cleaned) > MAX_OPTION_LABEL:
        raise UserFacingError(
            f"Option {number} can be at most {MAX_OPTION_LABEL} characters; that one has "
            f"{len(cleaned):,}."
        )
    return cleaned


def check_options(labels: Sequence[str]) -> None:
    if not MIN_OPTIONS <= len(labels) <= MAX_OPTIONS:
        raise UserFacingError(
            f"A poll has {MIN_OPTIONS} to {MAX_OPTIONS} options; that one has {len(labels)}."
        )
    check_unique(labels)


def check_unique(labels: Sequence[str]) -> None:
    seen: dict[str, int] = {}
    for number, label in enumerate(labels, start=1):
        key = label.casefold()
        if key in seen:
            raise UserFacingError(
                f"Options {seen[key]} and {number} are the same ({label}); each option once."
            )
        seen[key] = number


def parse_duration(typed: str | None) -> timedelta:
    """`30m`, `24h`, `3d`, `1d 12h`, `90 minutes` -> a duration from 10 minutes to 7 days
    (24 hours when nothing is given)."""
    if typed is None or not typed.strip():
        return DEFAULT_DURATION
    text = typed.strip().lower()
    parts = list(_DURATION_PART.finditer(text))
    leftover = _DURATION_PART.sub("", text).replace(" ", "")
    if not parts or leftover:
        raise UserFacingError(
            "`duration` takes a length like `30m`, `24h`, `3d` or `1d 12h`, "
            "from 10 minutes to 7 days."
        )
    seconds = sum(int(part[1]) * _UNIT_SECONDS[part[2][0]] for part in parts)
    return check_duration(timedelta(seconds=seconds))


def check_duration(duration: timedelta) -> timedelta:
    if not MIN_DURATION <= duration <= MAX_DURATION:
        raise UserFacingError("A poll runs from 10 minutes to 7 days, e.g. `30m`, `24h` or `3d`.")
    return duration


def check_max_choices(kind: PollKind, max_choices: int | None, options: int) -> int:
    if kind is not PollKind.MULTI:
        return 1
    if max_choices is None:
        return options
    if not 2 <= max_choices <= options:
        raise UserFacingError(
            f"`multi` lets members choose 2 to {options} of the {options} options; "
            f"{max_choices} is outside that."
        )
    return max_choices


def counted(kind: PollKind, ballot: Ballot | None) -> Ballot:
    """The options a ballot adds to the running counts: its first choice on a ranked poll
    (the live tally shows first preferences), every choice on the others."""
    if not ballot:
        return ()
    return ballot[:1] if kind is PollKind.RANKED else ballot


def read_ranking(typed: str, options: int) -> Ballot:
    """`"3 1 2"` (or `3,1,2`, `3 > 1 > 2`) -> (2, 0, 1): option numbers, best first. Empty
    text is no ranking (a withdrawn vote)."""
    parts = [part for part in _RANKING_SEPARATORS.split(typed.strip()) if part]
    if not all(part.isdecimal() and len(part) <= 3 for part in parts):
        raise UserFacingError(
            f"Type option numbers from 1 to {options}, best first, e.g. `2 1 3`. "
            "Leave it empty to take your vote back."
        )
    ballot = tuple(int(part) - 1 for part in parts)
    try:
        if ballot:
            check_ballot(options, ballot, kind=PollKind.RANKED)
    except ValueError:
        raise UserFacingError(
            f"Rank each option at most once, using numbers from 1 to {options}, "
            "e.g. `2 1 3`. You don't have to rank them all."
        ) from None
    return ballot


def next_ballot(poll: Poll, current: Ballot | None, request: VoteRequest) -> Ballot | None:
    """The member's ballot after `request` (None: no vote). Raises UserFacingError, saying what
    is accepted, when the request does not fit the poll."""
    match request.action:
        case VoteAction.WITHDRAW:
            return None
        case VoteAction.RANK:
            if poll.kind is not PollKind.RANKED:
                raise UserFacingError("This poll is not ranked: vote with its buttons.")
            ranking = request.ranking
            if not ranking:
                return None
            try:
                check_ballot(len(poll.options), ranking, kind=PollKind.RANKED)
            except ValueError:
                raise UserFacingError(
                    f"Rank each option at most once, using numbers from 1 to {len(poll.options)}."
                ) from None
            return ranking
        case VoteAction.TOGGLE:
            return _toggle(poll, current, request.option)
    raise AssertionError(request.action)  # pragma: no cover


def _toggle(poll: Poll, current: Ballot | None, option: int | None) -> Ballot | None:
    if poll.kind is PollKind.RANKED:
        raise UserFacingError("This poll is ranked: press **Rank the options** to vote.")
    if option is None or not 0 <= option < len(poll.options):
        raise UserFacingError(f"This poll has options 1 to {len(poll.options)}.")
    chosen = current or ()
    if poll.kind is not PollKind.MULTI:
        return None if chosen == (option,) else (option,)
    if option in chosen:
        remaining = tuple(index for index in chosen if index != option)
        return remaining or None
    if len(chosen) >= poll.max_choices:
        names = ", ".join(poll.options[index].label for index in chosen)
        raise UserFacingError(
            f"You can choose up to {poll.max_choices} options and have: {names}. "
            "Click one of those to take it back first."
        )
    return tuple(sorted((*chosen, option)))
