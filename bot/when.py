"""Reading the time a member types for a watch party: "fri 8pm", "tomorrow 21:00", "8pm KST".

dateparser reads explicit dates ("5 dec", "2026-12-05", "12월 5일"); everything it gets wrong
for a scheduler is decided here instead (../shared/reference/libraries.md lists its pitfalls):

- The time of day is read by our own pattern and must be written as one: `21:00`, `8pm`,
  `7:30 pm`, `noon`, `midnight`. A lone number ("8") or a month ("may") is not a time.
- A bare time that has passed today means tomorrow, and the reading says so.
- A weekday means the next one to come, today if its time is still ahead ("next fri" never
  means today). dateparser would skip today.
- `tonight 9` is 21:00 today.
- `in 2 hours` and `in 30 minutes` count from now, in real time, across any clock change.
- A zone written at the end ("8pm KST", "20:00 +09:00", "8pm Asia/Seoul") wins over the
  member's; an ambiguous one (IST) is refused with its meanings.
- A wall time that does not exist that day (clocks spring forward) is refused with the
  nearest time that does; one that happens twice (clocks fall back) is the first, and the
  reading says so.
- A time in the past or more than a year ahead is refused with the reason, and the input is
  capped at `MAX_LENGTH` characters.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Final
from zoneinfo import ZoneInfo

from dateparser.date import DateDataParser

from bot.errors import UserFacingError
from bot.timezones import abbreviation_note, format_offset, names_a_zone, resolve_timezone

MAX_LENGTH: Final = 100
MAX_AHEAD: Final = timedelta(days=365)
LANGUAGES: Final = ["en", "ko", "ja"]
EXAMPLES: Final = "`fri 8pm`, `tomorrow 21:00`, `2026-12-05 20:00`, `in 2 hours` or `8pm KST`"

_WEEKDAYS: Final = {
    name: number
    for number, names in enumerate(
        (
            ("mon", "monday"),
            ("tue", "tues", "tuesday"),
            ("wed", "weds", "wednesday"),
            ("thu", "thur", "thurs", "thursday"),
            ("fri", "friday"),
            ("sat", "saturday"),
            ("sun", "sunday"),
        )
    )
    for name in names
}
_TIME: Final = re.compile(
    r"(?<![\d:.])(?P<hour>\d{1,2})(?:[:.](?P<minute>\d{2}))?\s*(?P<half>am|pm|a\.m\.|p\.m\.)"
    r"|(?<![\d:.])(?P<hour24>\d{1,2}):(?P<minute24>\d{2})(?![\d:])"
    r"|\b(?P<word>noon|midday|midnight)\b",
    re.IGNORECASE,
)
_TONIGHT_HOUR: Final = re.compile(r"^tonight\s+(?:at\s+)?(?P<hour>\d{1,2})$", re.IGNORECASE)
_RELATIVE: Final = re.compile(
    r"^in\s+(?P<amount>\d{1,4}(?:\.\d{1,2})?|an?|one|half an?)\s*"
    r"(?P<unit>m|mins?|minutes?|h|hrs?|hours?|d|days?)$",
    re.IGNORECASE,
)
_YEAR: Final = re.compile(r"(?<!\d)\d{4}(?!\d)")
_FILLER: Final = re.compile(r"\b(?:at|on|this)\b", re.IGNORECASE)


@dataclass(frozen=True)
class ReadTime:
    """What a member's text was read as: an aware start in `zone`, and what to tell them."""

    start: datetime
    zone: str
    notes: tuple[str, ...] = ()

    @property
    def unix(self) -> int:
        return int(self.start.timestamp())

    def preview(self, now: datetime) -> str:
        """How autocomplete shows the reading: "Fri 5 Dec 20:00 KST · in 4 days"."""
        local = self.start
        zone_name = local.tzname() or ""
        if not zone_name[:1].isalpha():  # tzdata writes "+08" for zones with no abbreviation
            zone_name = format_offset(local.utcoffset() or timedelta(0))
        return f"{local:%a} {local.day} {local:%b %H:%M} {zone_name} · {_until(self.start, now)}"


def names_its_zone(text: str) -> bool:
    """Whether `text` ends with a zone of its own ("8pm KST", "20:00 +09:00"), so it can be
    read without the member's or the server's zone."""
    words = unicodedata.normalize("NFKC", text).split()
    return len(words) > 1 and names_a_zone(words[-1])


def read_when(text: str, *, zone: str, now: datetime) -> ReadTime:
    """The start `text` means, read in `zone` unless it names its own; UserFacingError if none.

    `now` must be aware. The result is aware, in the zone it was read in.
    """
    typed = " ".join(unicodedata.normalize("NFKC", text).split())
    if not typed:
        raise UserFacingError(f"Type when the party starts, for example {EXAMPLES}.")
    if len(typed) > MAX_LENGTH:
        raise UserFacingError(
            f"A time can be at most {MAX_LENGTH} characters; that one has {len(typed)}. "
            f"Try {EXAMPLES}."
        )
    words = typed.split(" ")
    named = None
    if names_its_zone(typed):
        named = words[-1]
        zone = resolve_timezone(named, at=now).zone  # an ambiguous IST is refused here
        typed = " ".join(words[:-1])
    local_now = now.astimezone(ZoneInfo(zone))
    reading = _read(typed, zone, local_now)
    _check_range(reading.start, now)
    note = abbreviation_note(named, reading.start) if named else None
    return replace(reading, notes=(*reading.notes, note)) if note else reading


def read_date(text: str, *, zone: str, now: datetime) -> date:
    """A day as members type it ("5 dec", "2027-01-31", "next fri", "tomorrow"), in `zone`.

    For the last day of a series (`until`): today or later, and within a year.
    """
    typed = " ".join(unicodedata.normalize("NFKC", text).split()).casefold()
    if not typed or len(typed) > MAX_LENGTH:
        raise UserFacingError(
            f"Type a day of at most {MAX_LENGTH} characters, such as `5 dec` or `2027-01-31`."
        )
    local_now = now.astimezone(ZoneInfo(zone))
    today = local_now.date()
    if typed in ("today", "tonight"):
        return today
    if typed == "tomorrow":
        return today + timedelta(days=1)
    following = typed.startswith("next ")
    weekday = _WEEKDAYS.get(typed.removeprefix("next ").strip())
    if weekday is not None:
        ahead = (weekday - today.weekday()) % 7 or (7 if following else 0)
        return today + timedelta(days=ahead)
    day = _explicit_day(typed, local_now)
    if day < today:
        raise UserFacingError(f"{day:%a} {day.day} {day:%b %Y} has already passed.")
    if day - today > MAX_AHEAD:
        raise UserFacingError(f"{day:%a} {day.day} {day:%b %Y} is more than a year ahead.")
    return day


def _read(typed: str, zone: str, now: datetime) -> ReadTime:
    relative = _RELATIVE.match(typed)
    if relative is not None:
        start = (now.astimezone(UTC) + _amount(relative)).astimezone(now.tzinfo)
        return ReadTime(start.replace(second=0, microsecond=0), zone)
    tonight = _TONIGHT_HOUR.match(typed)
    if tonight is not None:
        hour = int(tonight["hour"])
        if not 1 <= hour <= 11:
            raise UserFacingError(
                f"`tonight {hour}` is not an evening hour. Try `tonight 9pm`, or `midnight`."
            )
        return _at(now.date(), time(hour % 12 + 12), zone, (), now)
    found = _TIME.search(typed)
    if found is None:
        raise UserFacingError(
            f"I can't tell what time `{_shown(typed)}` means. Write the time with a colon or "
            f"am/pm, for example {EXAMPLES}."
        )
    wall = _time_of(found)
    rest = _FILLER.sub(" ", typed[: found.start()] + " " + typed[found.end() :])
    day_words = " ".join(rest.split()).casefold()
    day, notes = _day(day_words, wall, now)
    return _at(day, wall, zone, notes, now)


def _day(words: str, wall: time, now: datetime) -> tuple[date, tuple[str, ...]]:
    today = now.date()
    if words in ("", "today", "tonight"):
        if _ahead(today, wall, now):
            return today, ()
        if words:
            raise UserFacingError(f"{wall:%H:%M} today has already passed.")
        tomorrow = today + timedelta(days=1)
        return tomorrow, (f"{wall:%H:%M} has passed today, so I read it as tomorrow.",)
    if words == "tomorrow":
        return today + timedelta(days=1), ()
    following = words.startswith("next ")
    weekday = _WEEKDAYS.get(words.removeprefix("next ").strip())
    if weekday is not None:
        ahead = (weekday - today.weekday()) % 7
        day = today + timedelta(days=ahead)
        if (ahead == 0 and following) or not _ahead(day, wall, now):
            day += timedelta(days=7)
        return day, ()
    return _explicit_day(words, now), ()


def _ahead(day: date, wall: time, now: datetime) -> bool:
    """Whether `day` at `wall` in now's zone is still to come (either pass of a repeated
    hour), compared as instants: two times in one zone compare by wall clock in Python."""
    later = datetime.combine(day, wall, now.tzinfo).replace(fold=1)
    return later.timestamp() > now.timestamp()


def _explicit_day(words: str, now: datetime) -> date:
    parser = DateDataParser(
        languages=LANGUAGES,
        settings={"RELATIVE_BASE": now.replace(tzinfo=None), "RETURN_TIME_AS_PERIOD": True},
    )
    found = parser.get_date_data(words)
    if found is None or found.date_obj is None or found.period != "day":
        raise UserFacingError(
            f"I can't tell which day `{_shown(words)}` is. Try {EXAMPLES}, or a date like `5 dec`."
        )
    day: date = found.date_obj.date()
    if day < now.date() and not _YEAR.search(words):
        # "5 jan" typed in December means the coming one; a date with its year stays as typed.
        day = _next_year(day)
    return day


def _next_year(day: date) -> date:
    try:
        return day.replace(year=day.year + 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year + 1, day=28)


def _at(day: date, wall: time, zone: str, notes: tuple[str, ...], now: datetime) -> ReadTime:
    """`day` at `wall` in `zone`, refusing a wall time the clocks skip that day.

    A wall time that happens twice is the first of the two, unless only the second is still
    ahead (asked during the repeated hour itself).
    """
    tz = ZoneInfo(zone)
    naive = datetime.combine(day, wall)
    first = naive.replace(tzinfo=tz, fold=0)
    if first.astimezone(UTC).astimezone(tz).replace(tzinfo=None) != naive:
        after = first.astimezone(UTC).astimezone(tz)
        raise UserFacingError(
            f"{wall:%H:%M} does not exist on {day:%a} {day.day} {day:%b} in {zone}: the clocks "
            f"jump forward that night. Did you mean {after:%H:%M}?"
        )
    second = naive.replace(tzinfo=tz, fold=1)
    if first.utcoffset() == second.utcoffset():
        return ReadTime(first, zone, notes)
    chosen, which = (second, "second") if first.timestamp() <= now.timestamp() else (first, "first")
    offset = format_offset(chosen.utcoffset() or timedelta(0))
    notes = (
        *notes,
        f"{wall:%H:%M} happens twice on {day:%a} {day.day} {day:%b} in {zone} as the clocks "
        f"go back; I read the {which} ({offset}).",
    )
    return ReadTime(chosen, zone, notes)


def _check_range(start: datetime, now: datetime) -> None:
    if start <= now:
        raise UserFacingError(
            f"That reads as <t:{int(start.timestamp())}:f>, which has already passed. "
            "A watch party needs a time still ahead."
        )
    if start - now > MAX_AHEAD:
        raise UserFacingError(
            f"That reads as <t:{int(start.timestamp())}:D>, more than a year ahead. "
            "Schedule parties up to a year in advance."
        )


def _time_of(found: re.Match[str]) -> time:
    if found["word"]:
        return time(0) if found["word"].casefold() == "midnight" else time(12)
    if found["hour24"] is not None:
        hour, minute = int(found["hour24"]), int(found["minute24"])
        if hour > 23 or minute > 59:
            raise UserFacingError(f"`{found[0]}` is not a time of day. Use 00:00 to 23:59.")
        return time(hour, minute)
    hour, minute = int(found["hour"]), int(found["minute"] or 0)
    if not 1 <= hour <= 12 or minute > 59:
        raise UserFacingError(f"`{found[0]}` is not a time of day. Use 12am to 11:59pm.")
    afternoon = found["half"].casefold().startswith("p")
    return time(hour % 12 + (12 if afternoon else 0), minute)


def _amount(relative: re.Match[str]) -> timedelta:
    raw = relative["amount"].casefold()
    amount = 0.5 if raw.startswith("half") else 1.0 if raw in ("a", "an", "one") else float(raw)
    unit = relative["unit"].casefold()[0]
    seconds = {"m": 60, "h": 3600, "d": 86400}[unit]
    return timedelta(seconds=amount * seconds)


def _until(start: datetime, now: datetime) -> str:
    minutes = int((start - now).total_seconds() // 60)
    if minutes < 60:
        return f"in {max(1, minutes)} min"
    hours = minutes // 60
    if hours < 48:
        return f"in {hours} h" if minutes % 60 == 0 else f"in {hours} h {minutes % 60} min"
    return f"in {round(minutes / 1440)} days"


def _shown(text: str) -> str:
    cleaned = text.replace("`", "'")
    return cleaned if len(cleaned) <= 40 else cleaned[:39] + "…"
