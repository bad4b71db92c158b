"""Watch-party sessions as calendar events: an .ics file and a Google Calendar link.

Pure: `CalendarEntry` values in, bytes or a URL out. The service turns sessions into entries
(a stable UID, the SEQUENCE it raises on each change, the text to show).

- The .ics file is RFC 5545, written by icalendar: times in the party's zone (`DTSTART;TZID=`)
  with a VTIMEZONE for every zone it names, or in UTC (`…Z`) for a party kept in UTC and for
  a time in the second pass of an hour that the clocks repeat.
  Calendar apps that subscribe or import match a session by its UID and keep the highest
  SEQUENCE, so a rescheduled or cancelled session replaces the one they have.
- The Google Calendar link fills Google's "create event" page. Its parameters are not
  documented by Google but long established; `ctz` makes `dates` read as wall time in the
  party's zone. It must fit a Discord link button (512 characters).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Final
from urllib.parse import quote_plus, urlencode
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from icalendar import Calendar, Event, Timezone, TimezoneDaylight, TimezoneStandard

PRODUCT_ID: Final = "-//watchclub//watch parties//EN"
GOOGLE_TEMPLATE_URL: Final = "https://calendar.google.com/calendar/render"
# A link button's url may be at most 512 characters (`ButtonComponentForMessageRequest.url` in
# Discord's OpenAPI spec), far below the roughly 2,000 that browsers and Google accept.
LINK_BUTTON_URL_LIMIT: Final = 512
# When the link is too long, the title is cut after the details but keeps at least this much
# (encoded: about 40 Latin letters or 13 Hangul syllables), so a long location is cut instead.
TITLE_MIN_ENCODED: Final = 120
ELLIPSIS: Final = "…"
FALLBACK_FILENAME: Final = "watch-party"
MAX_FILENAME_STEM: Final = 60

# A VTIMEZONE describes its zone from the day before the first entry to the day after the last.
_ZONE_WINDOW_MARGIN: Final = timedelta(days=1)
# Offsets are compared this far apart, and a change between them is narrowed to the second.
# No zone keeps an offset for less than an hour.
_ZONE_SCAN_STEP: Final = timedelta(hours=1)
# RFC 5545 TEXT may hold no control character but tab; line breaks are written as `\n` escapes.
_CONTROL_CHARACTERS: Final = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_UNSAFE_IN_FILENAME: Final = re.compile(r"[^A-Za-z0-9._-]+")
# Windows refuses these as a file name's first part, before any dot ("con.ics", "aux.x.ics").
_WINDOWS_DEVICE_NAMES: Final = frozenset(
    {"con", "prn", "aux", "nul"}
    | {f"com{digit}" for digit in range(10)}
    | {f"lpt{digit}" for digit in range(10)}
)


@dataclass(frozen=True)
class CalendarEntry:
    """One watch-party session as a calendar event.

    `start` and `end` are aware; they are written as wall time in `zone` (an IANA name)
    whatever zone they carry. `sequence` starts at 0 and rises on each change of the session.
    """

    uid: str  # stable for the session, e.g. "party-12-session-3@watchclub"
    title: str
    start: datetime
    end: datetime
    zone: str
    description: str
    location: str | None  # a channel name or a link
    url: str | None  # where the party is announced
    sequence: int
    cancelled: bool

    def __post_init__(self) -> None:
        if self.start.utcoffset() is None or self.end.utcoffset() is None:
            raise ValueError(f"calendar times must be aware: {self.start!r}, {self.end!r}")
        # In UTC: Python compares two times of one zone by their wall clocks, fold unseen.
        if self.end.astimezone(UTC) <= self.start.astimezone(UTC):
            raise ValueError(f"a session must end after it starts: {self.start} to {self.end}")
        if self.sequence < 0:
            raise ValueError(f"SEQUENCE cannot be negative: {self.sequence}")
        try:
            ZoneInfo(self.zone)
        except (ZoneInfoNotFoundError, ValueError) as error:
            raise ValueError(f"not an IANA time zone: {self.zone!r}") from error


def _written_times(entry: CalendarEntry) -> tuple[datetime, datetime]:
    """The entry's start and end as a calendar should read them.

    That is wall time in the entry's zone, except when either falls in the hour that clocks
    repeat when they fall back, and is its second pass: a reader takes a repeated wall time for
    the first (RFC 5545 §3.3.5), an hour early, so both are given in UTC instead.
    """
    zone = ZoneInfo(entry.zone)
    # Through UTC, which also makes a wall time the clocks skip into one they show (astimezone()
    # into the zone a time already carries would change nothing). From UTC, fold is 1 exactly
    # on the second pass of a repeated wall time.
    start, end = (moment.astimezone(UTC).astimezone(zone) for moment in (entry.start, entry.end))
    if start.fold or end.fold:
        return start.astimezone(UTC), end.astimezone(UTC)
    return start, end


def calendar_file(entries: Sequence[CalendarEntry], *, name: str, stamp: datetime) -> bytes:
    """An RFC 5545 calendar (METHOD:PUBLISH) with one VEVENT per entry, in the given order.

    `name` is the calendar's display name; `stamp` (aware) is every event's DTSTAMP, the moment
    the file is made. RFC 5545 wants at least one event and a UID only once per file.
    """
    if not entries:
        raise ValueError("a calendar needs at least one entry")
    uids = [entry.uid for entry in entries]
    if len(set(uids)) != len(uids):
        raise ValueError(f"a UID may appear only once in a calendar: {uids}")
    if stamp.utcoffset() is None:
        raise ValueError(f"the stamp must be aware: {stamp!r}")

    calendar = Calendar()
    calendar.add("prodid", PRODUCT_ID)
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    # NAME is RFC 7986; X-WR-CALNAME is what Apple, Google and Outlook read.
    calendar.add("name", _calendar_text(name))
    calendar.add("x-wr-calname", _calendar_text(name))
    for entry in entries:
        calendar.add_component(_event(entry, stamp.astimezone(UTC)))
    # A zone named by a TZID needs a VTIMEZONE (a UTC time, written …Z, needs none). They go
    # first, as readers expect.
    window_start, window_end = _zone_window(entries)
    for position, tzid in enumerate(sorted(calendar.get_missing_tzids())):
        calendar.subcomponents.insert(position, _vtimezone(tzid, window_start, window_end))
    ical: bytes = calendar.to_ical()  # unannotated in icalendar
    return ical


def _event(entry: CalendarEntry, stamp: datetime) -> Event:
    event = Event()
    event.add("uid", entry.uid)
    event.add("dtstamp", stamp)
    start, end = _written_times(entry)
    event.add("dtstart", start)
    event.add("dtend", end)
    event.add("summary", _calendar_text(entry.title))
    event.add("description", _calendar_text(entry.description))
    if entry.location is not None:
        event.add("location", _calendar_text(entry.location))
    if entry.url is not None:
        event.add("url", entry.url)
    event.add("sequence", entry.sequence)
    event.add("status", "CANCELLED" if entry.cancelled else "CONFIRMED")
    return event


def _calendar_text(text: str) -> str:
    """`text` without the control characters TEXT may not hold, with every line break as \\n.

    icalendar escapes commas, semicolons, backslashes and line breaks itself, but would write
    control characters as they are, and reads \\r\\n back as \\n.
    """
    return _CONTROL_CHARACTERS.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))


def _zone_window(entries: Sequence[CalendarEntry]) -> tuple[datetime, datetime]:
    """From midnight UTC the day before the first start to a day after the last end."""
    first_start = min(entry.start.astimezone(UTC) for entry in entries)
    last_end = max(entry.end.astimezone(UTC) for entry in entries)
    first_day = (first_start - _ZONE_WINDOW_MARGIN).date()
    return datetime.combine(first_day, time(), UTC), last_end + _ZONE_WINDOW_MARGIN


def _vtimezone(tzid: str, window_start: datetime, window_end: datetime) -> Timezone:
    """A VTIMEZONE for `tzid` that is exact between two UTC moments.

    Not icalendar's `Timezone.from_tzid()`, which add_missing_timezones() uses (6.1 to 7.3 at
    least): it looks for changes by leaping 64 days while the offset is the same at both ends,
    so it misses an offset that lasts less, such as Morocco's during Ramadan, and it searches on
    to the year 9999. Each observance starts at its first onset in the window, in local time
    before the change, and lists its later onsets as RDATEs.
    """
    zone = ZoneInfo(tzid)
    onsets: dict[tuple[timedelta, timedelta, str | None, bool], list[datetime]] = {}
    offset_before = _offset(zone, window_start)
    for change in _offset_changes(zone, window_start, window_end):
        local = change.astimezone(zone)
        offset = _offset(zone, change)
        observance = (offset_before, offset, local.tzname(), bool(local.dst()))
        onsets.setdefault(observance, []).append((change + offset_before).replace(tzinfo=None))
        offset_before = offset

    timezone = Timezone()
    timezone.add("tzid", tzid)
    for (offset_from, offset_to, name, is_daylight), starts in onsets.items():
        component = TimezoneDaylight() if is_daylight else TimezoneStandard()
        component.add("dtstart", starts[0])
        if len(starts) > 1:
            component.add("rdate", starts[1:])
        component.add("tzoffsetfrom", offset_from)
        component.add("tzoffsetto", offset_to)
        if name is not None:
            component.add("tzname", name)
        timezone.add_component(component)
    return timezone


def _offset_changes(zone: ZoneInfo, start: datetime, end: datetime) -> Iterator[datetime]:
    """`start`, then each moment up to `end` at which `zone` changes its offset."""
    yield start
    moment, offset = start, _offset(zone, start)
    while moment < end:
        later = moment + _ZONE_SCAN_STEP
        later_offset = _offset(zone, later)
        if later_offset != offset:
            yield _first_second_with_offset_of(zone, moment, later)
        moment, offset = later, later_offset


def _first_second_with_offset_of(zone: ZoneInfo, before: datetime, after: datetime) -> datetime:
    """The first whole second after `before` at which `zone` has the offset it has at `after`."""
    old_offset = _offset(zone, before)
    low, high = int(before.timestamp()), int(after.timestamp())
    while high - low > 1:
        middle = (low + high) // 2
        if _offset(zone, datetime.fromtimestamp(middle, UTC)) == old_offset:
            low = middle
        else:
            high = middle
    return datetime.fromtimestamp(high, UTC)


def _offset(zone: ZoneInfo, moment: datetime) -> timedelta:
    return moment.astimezone(zone).utcoffset() or timedelta(0)


def google_calendar_link(entry: CalendarEntry) -> str:
    """A link that opens Google Calendar's "create event" page filled in with `entry`.

    It fits a Discord link button: when too long, the details are cut first, then the title
    (down to `TITLE_MIN_ENCODED`), then the location; a cut text ends with an ellipsis, and an
    emptied one is left out.
    """
    start, end = _written_times(entry)
    parameters = {
        "action": "TEMPLATE",
        "text": entry.title,
        "dates": f"{_google_time(start)}/{_google_time(end)}",
        "ctz": entry.zone,
        "details": entry.description,
        "location": entry.location or "",
    }
    for field in ("details", "text", "location"):
        excess = len(_google_link(parameters)) - LINK_BUTTON_URL_LIMIT
        if excess <= 0:
            break
        room = len(quote_plus(parameters[field])) - excess
        if field == "text":
            room = max(room, TITLE_MIN_ENCODED)
        parameters[field] = _shortened(parameters[field], room)
    return _google_link(parameters)


def _google_time(moment: datetime) -> str:
    """Wall time, which Google reads in the link's `ctz`, or a UTC time marked Z."""
    wall_time = moment.strftime("%Y%m%dT%H%M%S")
    return f"{wall_time}Z" if moment.tzinfo is UTC else wall_time


def _google_link(parameters: dict[str, str]) -> str:
    present = {key: value for key, value in parameters.items() if value}
    return f"{GOOGLE_TEMPLATE_URL}?{urlencode(present)}"


def _shortened(text: str, room: int) -> str:
    """The longest start of `text` that, urlencoded, takes at most `room` characters.

    A cut text ends with an ellipsis; it is empty when not even one character fits beside it.
    Each character encodes on its own, so the lengths add up.
    """
    if len(quote_plus(text)) <= room:
        return text
    room -= len(quote_plus(ELLIPSIS))
    kept: list[str] = []
    for character in text:
        room -= len(quote_plus(character))
        if room < 0:
            break
        kept.append(character)
    start = "".join(kept).rstrip()
    return start + ELLIPSIS if start else ""


def calendar_filename(name: str) -> str:
    """A file name for a download of `name`: ASCII letters, digits, '.', '_' and '-', then .ics.

    Accents are dropped ("Café" → "Cafe"); a name with nothing left (all Hangul, say) becomes
    `FALLBACK_FILENAME`.
    """
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    stem = _UNSAFE_IN_FILENAME.sub("-", ascii_name).strip("-._")
    stem = stem[:MAX_FILENAME_STEM].rstrip("-._")
    if not stem:
        stem = FALLBACK_FILENAME
    elif stem.split(".")[0].lower() in _WINDOWS_DEVICE_NAMES:
        stem = f"{FALLBACK_FILENAME}-{stem}"
    return f"{stem}.ics"
