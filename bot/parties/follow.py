"""Following a show's airing: which watch parties to create, move or cancel after each reading.

`/watchparty follow` schedules a party for each new episode at its real air time plus an offset.
A daily timer reads the schedule again (`TitleService.air_schedule`) and applies `plan_follow`'s
changes. Pure: no I/O, no clock of its own (`now` is passed in), every time Unix seconds UTC.

The rules, where an episode's start is `airs_at + offset_minutes * 60`, a party has *started*
when its start is at or before `now`, and *ahead* when after it:

- **One instant per episode.** A schedule listing an episode twice counts its earliest instant:
  a party early for the airing beats one that starts after the episode is out everywhere.
- **Unknown answers change nothing.** No airings at all for a show that is not finished is
  read as a provider hiccup (or nothing announced yet): no party is created, moved or cancelled,
  and following goes on.
- **Create** a party for each episode whose start is ahead and at most `horizon` away (the
  timer reads daily, so an 8-day window always holds the next week's episodes), unless the
  episode is followed already: a followed episode, cancelled or not, is never created again,
  so a party someone cancelled stays cancelled. Episodes below `since_episode` are never
  created (following begins with the next episode to air when the follow is made).
- **Move** a party that is ahead and not cancelled when its episode's start changed by 60
  seconds or more (a sports delay, a week off), even beyond the horizon. It is not moved into
  the past: an episode moved earlier than `now` is out by the party's own time, so the party
  keeps its time rather than being skipped. A party that has started is never touched.
- **Cancel** a party that is ahead and not cancelled when its episode left the schedule, but
  only while, by the party's own time, the episode has not aired yet (`starts_at - offset`
  ahead): AniList lists only episodes not yet aired, so an episode that just aired vanishes
  while its party, an offset later, is still to come.
- **End** following when nothing is pending (no party ahead that is not cancelled, and no
  episode ahead still to be created, past the horizon too) and either the show is finished or
  its last episode (`last_episode`, when the provider knows the count) has started: the party
  of that episode has started, or its start on the schedule has passed.

Applying the changes and planning again with the same schedule and `now` changes nothing.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from bot.durations import parse_lead_times
from bot.errors import UserFacingError
from bot.metadata.models import AirSchedule

HORIZON = timedelta(days=8)  # parties are created for episodes starting within this window
MAX_OFFSET_MINUTES = 7 * 24 * 60
MOVE_THRESHOLD = 60  # seconds: closer than this, a reading is the same time (clock rounding)


@dataclass(frozen=True)
class FollowedEpisode:
    """A party created for an episode while following."""

    episode: int
    party_id: int
    starts_at: int  # Unix seconds: the party's start as stored
    cancelled: bool = False


@dataclass(frozen=True)
class EpisodeParty:
    """A party to create."""

    episode: int
    starts_at: int  # airs_at + offset


@dataclass(frozen=True)
class MovedParty:
    party_id: int
    episode: int
    starts_at: int  # new start
    was: int  # old start


@dataclass(frozen=True)
class FollowChanges:
    create: tuple[EpisodeParty, ...]
    move: tuple[MovedParty, ...]
    cancel: tuple[int, ...]  # party ids whose episode vanished from the schedule (not started)
    ended: bool  # stop following: the show ended and nothing followed is left ahead


NO_CHANGES = FollowChanges(create=(), move=(), cancel=(), ended=False)


def plan_follow(
    schedule: AirSchedule,
    followed: Sequence[FollowedEpisode],
    *,
    offset_minutes: int,
    now: int,
    horizon: timedelta = HORIZON,
    since_episode: int | None = None,
) -> FollowChanges:
    """What to do after reading `schedule`, given the parties already created (module rules)."""
    if not 0 <= offset_minutes <= MAX_OFFSET_MINUTES:
        raise ValueError(f"offset_minutes must be 0..{MAX_OFFSET_MINUTES}, not {offset_minutes}")
    if not schedule.airings and not schedule.finished:
        return NO_CHANGES
    offset = offset_minutes * 60
    starts: dict[int, int] = {}
    for airing in schedule.airings:
        start = airing.airs_at + offset
        starts[airing.episode] = min(start, starts.get(airing.episode, start))

    moves: list[MovedParty] = []
    cancels: list[FollowedEpisode] = []
    pending = False  # a party ahead that is not cancelled, after this plan's changes
    for party in sorted(followed, key=lambda f: (f.episode, f.party_id)):
        if party.cancelled or party.starts_at <= now:
            continue
        new_start = starts.get(party.episode)
        if new_start is None:
            # AniList lists episodes not yet aired: one below every listed episode aired
            # (early, perhaps); its party keeps its time. Only a gap is a removed episode.
            aired = bool(starts) and party.episode < min(starts)
            if party.starts_at - offset > now and not aired:
                cancels.append(party)
                continue
        elif new_start > now and abs(new_start - party.starts_at) >= MOVE_THRESHOLD:
            moves.append(MovedParty(party.party_id, party.episode, new_start, was=party.starts_at))
        pending = True

    followed_episodes = {party.episode for party in followed}
    to_follow = {
        episode: start
        for episode, start in starts.items()
        if (since_episode is None or episode >= since_episode)
        and episode not in followed_episodes
        and start > now
    }
    until = now + int(horizon.total_seconds())
    create = tuple(
        EpisodeParty(episode, start)
        for episode, start in sorted(to_follow.items())
        if start <= until
    )
    pending = pending or bool(to_follow)

    last = schedule.last_episode
    last_started = last is not None and (
        any(party.episode == last and party.starts_at <= now for party in followed)
        or (last in starts and starts[last] <= now)
    )
    return FollowChanges(
        create=create,
        move=tuple(moves),
        cancel=tuple(party.party_id for party in cancels),
        ended=(schedule.finished or last_started) and not pending,
    )


# -- the offset as members type it ------------------------------------------------------------

ACCEPTED = (
    "Give how long after the episode airs the party starts, such as `0` (at air time), `30m`, "
    "`1h`, `2h30m`, `90 minutes` or `1 hour after it airs`; up to 7 days, never before it airs."
)
_ZERO_WORDS = frozenset(
    {"", "0", "none", "no", "off", "at air time", "at airtime", "on air", "when it airs"}
)
# What the offset is after, said or not: "1 hour after it airs", "30 minutes after".
_AFTER = re.compile(
    r"\s*\b(?:after|past)\b(?:\s+(?:it|the episode|episode))?(?:\s+airs?|\s+airing)?$"
)
_BEFORE = re.compile(r"\bbefore\b|^[-\u2212]")  # "1 hour before", "-1h" (ASCII or minus sign)
# Unit words as durations.py's letters; longest first, so "hours" is not read as "h" + "ours".
_UNIT_WORDS = re.compile(r"(\d+)\s*(weeks?|wks?|w|days?|d|hours?|hrs?|h|minutes?|mins?|m)(?![a-z])")
_COMPACT = re.compile(r"(?:[0-9]+[wdhm])+")


def parse_offset(text: str) -> int:
    """Minutes after the airing that a followed episode's party starts: "1h30m" -> 90.

    Reads durations as `bot.durations` does (any script's digits, each unit once), with unit
    words spelled out and an "after it airs" tail allowed. Before the airing, past 7 days, or
    anything else is refused with what is accepted.
    """
    cleaned = " ".join(unicodedata.normalize("NFKC", text).casefold().split())
    cleaned = _AFTER.sub("", cleaned)
    if cleaned in _ZERO_WORDS:
        return 0
    if _BEFORE.search(cleaned):
        raise UserFacingError(
            f"A followed episode's party starts at or after its air time, not before. {ACCEPTED}"
        )
    # int() reads any script's digits; durations.py then reads the compact ASCII form.
    compact = _UNIT_WORDS.sub(lambda m: f"{int(m[1])}{m[2][0]}", cleaned)
    # Each piece between separators is whole ("2h 30m"): "1,000m" or "1 and 2h" is not 10m.
    pieces = [piece for piece in re.split(r"\band\b|[\s,]+", compact) if piece]
    shown = text.strip()[:30]
    if not all(_COMPACT.fullmatch(piece) or re.fullmatch(r"0+", piece) for piece in pieces):
        raise UserFacingError(f"`{shown}` is not an offset I can read. {ACCEPTED}")
    compact = "".join(pieces)
    if re.fullmatch(r"0+[wdhm]?", compact) or re.fullmatch(r"(?:0+[wdhm])+", compact):
        return 0
    if not _COMPACT.fullmatch(compact):
        raise UserFacingError(f"`{shown}` is not an offset I can read. {ACCEPTED}")
    try:
        (minutes,) = parse_lead_times(compact)
    except (UserFacingError, ValueError) as error:
        raise UserFacingError(f"`{shown}` is not an offset I can read. {ACCEPTED}") from error
    if minutes > MAX_OFFSET_MINUTES:
        raise UserFacingError(f"`{shown}` is more than 7 days. {ACCEPTED}")
    return minutes
