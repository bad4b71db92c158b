"""Watch-party series: reading `repeat` and `episodes` as members type them, and expanding a
series into its sessions in the wall-clock time of its zone (DESIGN.md rule 5).

Decisions:

- rrule picks the days, on naive wall-clock dates of the zone, and every session takes the
  start's wall time. So a 20:00 America/New_York series stays at 20:00 across DST, a KST one
  stays at 20:00 KST, and no aware arithmetic or UTC `UNTIL` happens inside rrule.
- The first session is `start` itself. If the rule does not repeat on its weekday, the series
  is refused, naming the next day that fits: moving the first session would change the time
  the member confirmed, and keeping it would contradict the rule they typed.
- A wall time the clocks skip on one day (02:30 when they spring forward at 02:00) moves
  forward by the gap, as the clocks do: 02:30 becomes 03:30 that day only. Refusing a whole
  series for one night a year would be worse; `when.py` refuses such a time only for the start
  the member typed. A wall time that happens twice (clocks fall back) is the first, as in
  `when.py`.
- A series ends at the first of: its episodes running out, `sessions`, the end of the `until`
  day, or `max_sessions`. It must have one of the first three. Without `episodes`, a series with
  `per_session` counts from episode 1 and stops at the title's `last_episode` when known.
- Sessions that would overlap (too many episodes for the gap between them) are refused.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from itertools import count, islice, repeat
from typing import Final
from zoneinfo import ZoneInfo

from dateutil.rrule import DAILY, WEEKLY, rrule

from bot.errors import UserFacingError
from bot.parties.models import EpisodeRange, RepeatRule, Session, Weekday

MAX_REPEAT_LENGTH: Final = 60
MAX_EPISODES_LENGTH: Final = 40
MAX_EPISODE: Final = 10_000
REPEAT_EXAMPLES: Final = (
    "`daily`, `weekly`, `weekly fri,sat`, `every fri and sat`, `mon-fri`, `weekdays` or `weekends`"
)
EPISODE_EXAMPLES: Final = "`5`, `5-6`, `ep 5-6` or `episodes 1-16`"

WORKING_DAYS: Final = (Weekday.MON, Weekday.TUE, Weekday.WED, Weekday.THU, Weekday.FRI)
WEEKEND: Final = (Weekday.SAT, Weekday.SUN)

_DAY_NAMES: Final[dict[str, Weekday]] = {
    name: weekday
    for weekday, names in zip(
        Weekday,
        (
            ("mon", "monday", "mondays"),
            ("tue", "tues", "tuesday", "tuesdays"),
            ("wed", "weds", "wednesday", "wednesdays"),
            ("thu", "thur", "thurs", "thursday", "thursdays"),
            ("fri", "friday", "fridays"),
            ("sat", "saturday", "saturdays"),
            ("sun", "sunday", "sundays"),
        ),
        strict=True,
    )
    for name in names
}
_DAY_GROUPS: Final[dict[str, tuple[Weekday, ...]]] = {
    "weekday": WORKING_DAYS,
    "weekdays": WORKING_DAYS,
    "weekend": WEEKEND,
    "weekends": WEEKEND,
}
# Dashes, tildes and "to" all join a range: "mon–fri", "5~6", "ep 5 to 6".
_RANGE_JOINER: Final = re.compile(r"\s*(?:[-\u2010-\u2015\u2212~\u301c]|\bto\b|\bthrough\b)\s*")
_LIST_SEPARATOR: Final = re.compile(r"[\s,&/+]+")
_FILLER_WORDS: Final = frozenset({"and", "on"})
_WEEKLY_PREFIXES: Final = (["weekly"], ["every", "week"], ["each", "week"])
_EPISODE_WORD: Final = r"(?:(?:episodes?|eps?)\.?\s*|e)?"
_EPISODES: Final = re.compile(
    rf"{_EPISODE_WORD}(?P<first>[0-9]+)(?:-{_EPISODE_WORD}(?P<last>[0-9]+))?"
)


def parse_repeat(text: str) -> RepeatRule:
    """The rule `text` names: `daily`, `weekly`, or weekly on the days it lists.

    Days may be listed with commas, spaces or "and", as ranges (`mon-fri`), in the plural
    (`fridays`), or as `weekdays` and `weekends`, after an optional `weekly` or `every`.
    """
    typed = _normalized(text)
    if not typed:
        raise UserFacingError(f"Say how the series repeats, for example {REPEAT_EXAMPLES}.")
    if len(typed) > MAX_REPEAT_LENGTH:
        raise UserFacingError(
            f"`repeat` can be at most {MAX_REPEAT_LENGTH} characters; that one has "
            f"{len(typed)}. Try {REPEAT_EXAMPLES}."
        )
    words = [
        word
        for word in _LIST_SEPARATOR.split(_RANGE_JOINER.sub("-", typed))
        if word and word not in _FILLER_WORDS
    ]
    if words in (["daily"], ["everyday"], ["every", "day"], ["each", "day"]):
        return RepeatRule("daily")
    weekly_prefix = next(
        (prefix for prefix in _WEEKLY_PREFIXES if words[: len(prefix)] == prefix), None
    )
    if weekly_prefix is not None:
        words = words[len(weekly_prefix) :]
        if not words:
            return RepeatRule("weekly")  # on the start's weekday
    elif words[:1] in (["every"], ["each"]):
        words = words[1:]
    if not words:
        raise UserFacingError(f"Say which days `{_shown(typed)}` means. Try {REPEAT_EXAMPLES}.")
    days: set[Weekday] = set()
    for word in words:
        days.update(_days_named(word, typed))
    return RepeatRule("weekly", tuple(sorted(days)))


def parse_episodes(text: str) -> EpisodeRange:
    """The episodes `text` names: `5`, `5-6`, `5–6`, `ep 5-6`, `episodes 1-16` or `e5`."""
    typed = _normalized(text)
    if not typed:
        raise UserFacingError(f"Say which episodes, for example {EPISODE_EXAMPLES}.")
    if len(typed) > MAX_EPISODES_LENGTH:
        raise UserFacingError(
            f"`episodes` can be at most {MAX_EPISODES_LENGTH} characters; that one has "
            f"{len(typed)}. Try {EPISODE_EXAMPLES}."
        )
    found = _EPISODES.fullmatch(_RANGE_JOINER.sub("-", typed))
    if found is None:
        raise UserFacingError(
            f"I can't read `{_shown(typed)}` as episodes. Try {EPISODE_EXAMPLES}."
        )
    first = int(found["first"])
    last = first if found["last"] is None else int(found["last"])
    if first == 0 or last == 0:
        raise UserFacingError("Episodes are numbered from 1.")
    if max(first, last) > MAX_EPISODE:
        raise UserFacingError(f"Episode numbers go up to {MAX_EPISODE:,}.")
    if last < first:
        raise UserFacingError(f"`{first}-{last}` runs backwards. Did you mean `{last}-{first}`?")
    return EpisodeRange(first, last)


def describe_rule(rule: RepeatRule) -> str:
    """How a rule reads in a reply: "every day", "every Fri and Sat", "every weekday"."""
    if rule.frequency == "daily":
        return "every day"
    days = tuple(sorted(set(rule.weekdays)))
    if not days:
        return "every week"
    if len(days) == len(Weekday):
        return "every day"
    if days == WORKING_DAYS:
        return "every weekday"
    names = [_day_label(day) for day in days]
    if len(names) == 1:
        return f"every {names[0]}"
    return f"every {', '.join(names[:-1])} and {names[-1]}"


def expand_series(
    start: datetime,
    zone: str,
    rule: RepeatRule | None,
    *,
    sessions: int | None = None,
    until: date | None = None,
    episodes: EpisodeRange | None = None,
    per_session: int | None = None,
    last_episode: int | None = None,
    runtime_minutes: int | None = None,
    max_sessions: int = 100,
) -> list[Session]:
    """The sessions of a party starting at `start` (aware) in `zone`, repeating by `rule`.

    With `rule=None` it is one session showing all of `episodes`. Otherwise see the module's
    notes for where the series ends. Each session starts and ends in `zone`; `end` is set when
    both its episodes and `runtime_minutes` are known. What the member typed wrong raises
    UserFacingError; what the caller passed wrong raises ValueError.
    """
    if start.utcoffset() is None:
        raise ValueError("start must be aware")
    if runtime_minutes is not None and runtime_minutes < 1:
        raise ValueError(f"runtime_minutes must be positive, not {runtime_minutes}")
    if last_episode is not None and last_episode < 1:
        raise ValueError(f"last_episode must be positive, not {last_episode}")
    if max_sessions < 1:
        raise ValueError(f"max_sessions must be positive, not {max_sessions}")
    zone_info = ZoneInfo(zone)
    first_start = start.astimezone(zone_info)
    _check_episodes_exist(episodes, last_episode)
    if rule is None:
        _check_single(sessions=sessions, until=until, per_session=per_session)
        return [Session(1, first_start, _end(first_start, episodes, runtime_minutes), episodes)]

    final_episode = episodes.last if episodes is not None else last_episode
    _check_series(
        first_start,
        rule,
        sessions=sessions,
        until=until,
        episodes=episodes,
        per_session=per_session,
        ends_with_episodes=per_session is not None and final_episode is not None,
    )
    batches: Iterator[EpisodeRange | None] = (
        repeat(None)
        if per_session is None
        else _batches(1 if episodes is None else episodes.first, final_episode, per_session)
    )
    limit = max_sessions if sessions is None else min(sessions, max_sessions)
    expanded: list[Session] = []
    days = islice(_days(first_start, rule, until), limit)
    # Whichever runs out first, the days or the episodes, ends the series.
    for number, (day, batch) in enumerate(zip(days, batches, strict=False), start=1):
        session_start = first_start if number == 1 else at_wall(day, first_start.time(), zone_info)
        session = Session(number, session_start, _end(session_start, batch, runtime_minutes), batch)
        if expanded:
            _check_no_overlap(expanded[-1], session)
        expanded.append(session)
    return expanded


def _days(first_start: datetime, rule: RepeatRule, until: date | None) -> Iterator[date]:
    """The days `rule` repeats on from the first session's, through `until`, in wall-clock terms."""
    weekly = rule.frequency == "weekly"
    occurrences = rrule(
        WEEKLY if weekly else DAILY,
        dtstart=datetime.combine(first_start.date(), time()),
        byweekday=(rule.weekdays or (first_start.weekday(),)) if weekly else None,
        until=None if until is None else datetime.combine(until, time()),
    )
    return (occurrence.date() for occurrence in occurrences)


def at_wall(day: date, wall: time, zone: ZoneInfo) -> datetime:
    """`day` at `wall` in `zone`: the first of a doubled time, a skipped one moved on.

    zoneinfo reads a skipped wall time (fold=0) with the offset from before the jump, so the
    round trip through UTC lands as far past the jump as the time was: 02:30 becomes 03:30.
    """
    as_typed = datetime.combine(day, wall.replace(fold=0), zone)
    return as_typed.astimezone(UTC).astimezone(zone)


def _batches(first: int, last: int | None, per_session: int) -> Iterator[EpisodeRange]:
    """Episodes `per_session` at a time from `first`; the last batch may be short."""
    for batch_first in count(first, per_session):
        if last is not None and batch_first > last:
            return
        batch_last = batch_first + per_session - 1
        yield EpisodeRange(batch_first, batch_last if last is None else min(batch_last, last))


def _end(
    start: datetime, episodes: EpisodeRange | None, runtime_minutes: int | None
) -> datetime | None:
    if episodes is None or runtime_minutes is None:
        return None
    # Adding to an aware zoneinfo datetime moves its wall clock, not real time; a session that
    # runs across a clock change lasts real minutes, so add them in UTC.
    watching = timedelta(minutes=episodes.count * runtime_minutes)
    return (start.astimezone(UTC) + watching).astimezone(start.tzinfo)


def _check_episodes_exist(episodes: EpisodeRange | None, last_episode: int | None) -> None:
    if episodes is not None and last_episode is not None and episodes.last > last_episode:
        raise UserFacingError(
            f"This title has {last_episode} episodes, so it has no episode {episodes.last}."
        )


def _check_single(*, sessions: int | None, until: date | None, per_session: int | None) -> None:
    given = [
        name
        for name, value in (
            ("sessions", sessions),
            ("until", until),
            ("episodes_per_session", per_session),
        )
        if value is not None
    ]
    if given:
        raise UserFacingError(
            f"`{'` and `'.join(given)}` {'only applies' if len(given) == 1 else 'only apply'} "
            "to a series. Add `repeat` "
            f"(for example {REPEAT_EXAMPLES}), or leave it out for a single party."
        )


def _check_series(
    first_start: datetime,
    rule: RepeatRule,
    *,
    sessions: int | None,
    until: date | None,
    episodes: EpisodeRange | None,
    per_session: int | None,
    ends_with_episodes: bool,
) -> None:
    if sessions is not None and sessions < 1:
        raise UserFacingError("A series needs at least 1 session.")
    if per_session is not None and not 1 <= per_session <= MAX_EPISODE:
        raise UserFacingError(f"`episodes_per_session` can be 1 to {MAX_EPISODE:,}.")
    if episodes is not None and per_session is None:
        raise UserFacingError(
            f"Say how many of episodes {episodes} each session shows with "
            "`episodes_per_session`, or leave `episodes` out."
        )
    if sessions is None and until is None and not ends_with_episodes:
        raise UserFacingError(
            "A series needs an end: give `sessions` or `until`, or `episodes` with "
            "`episodes_per_session`."
        )
    first_day = first_start.date()
    if until is not None and until < first_day:
        raise UserFacingError(
            f"`until` ({_day_text(until)}) is before the first session ({_day_text(first_day)})."
        )
    if rule.weekdays and first_start.weekday() not in rule.weekdays:
        next_day = next(
            first_day + timedelta(days=ahead)
            for ahead in range(1, 8)
            if (first_day + timedelta(days=ahead)).weekday() in rule.weekdays
        )
        raise UserFacingError(
            f"The first session is on a {_day_label(first_start.weekday())}, but the series "
            f"repeats {describe_rule(rule)}. Start it on {_day_text(next_day)}, or add "
            f"{_day_label(first_start.weekday())} to `repeat`."
        )


def _check_no_overlap(previous: Session, following: Session) -> None:
    if previous.end is not None and previous.end > following.start:
        raise UserFacingError(
            f"Session {previous.number} would still be running when session {following.number} "
            f"starts ({_day_text(following.start.date())}). Show fewer episodes per session, "
            "or repeat less often."
        )


def _days_named(word: str, typed: str) -> tuple[Weekday, ...]:
    """The weekdays one word of `repeat` names: a day, a group, or a range such as `mon-fri`."""
    group = _DAY_GROUPS.get(word)
    if group is not None:
        return group
    ends = [_DAY_NAMES.get(end) for end in word.split("-")]
    match ends:
        case [Weekday() as day]:
            return (day,)
        case [Weekday() as first, Weekday() as last]:
            # A range may wrap past Sunday: `sat-mon` is Sat, Sun and Mon.
            return tuple(Weekday((first + step) % 7) for step in range((last - first) % 7 + 1))
    where = "" if word == typed else f" in `{_shown(typed)}`"
    raise UserFacingError(
        f"I can't read `{_shown(word)}`{where} as days of the week. Try {REPEAT_EXAMPLES}."
    )


def _normalized(text: str) -> str:
    """Full-width letters as phones type them made plain, case folded, spaces collapsed."""
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


def _day_label(day: int) -> str:
    return Weekday(day).name.title()


def _day_text(day: date) -> str:
    return f"{day:%a} {day.day} {day:%b %Y}"


def _shown(text: str) -> str:
    cleaned = text.replace("`", "'")
    return cleaned if len(cleaned) <= 40 else cleaned[:39] + "…"
