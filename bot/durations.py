"""Reminder lead times as people type them: "1d 1h 15m", "90m", "off".

Digits of any script are read as their values: Arabic-Indic one followed by "h", or a full-width
"1h", is "1h". The confirmation shows the reading in ASCII, so the member sees what was understood.
"""

from __future__ import annotations

import re
import unicodedata

from bot.errors import UserFacingError

MAX_LEAD_TIMES = 5
MAX_LEAD_MINUTES = 7 * 24 * 60
_UNIT_MINUTES = {"w": 7 * 24 * 60, "d": 24 * 60, "h": 60, "m": 1}
_PART = re.compile(r"([0-9]{1,5})(w|d|h|m)")
_NONE_WORDS = {"off", "none", "no", "0"}

ACCEPTED = (
    "Write lead times like `1d 1h 15m` (days `d`, hours `h`, minutes `m`, weeks `w`), "
    "separated by spaces or commas, up to 5 of them, each between 1 minute and 7 days; "
    "or `off` for no reminders."
)


def parse_lead_times(text: str) -> tuple[int, ...]:
    """Minutes before the start, largest first, without duplicates."""
    cleaned = _ascii_digits(unicodedata.normalize("NFKC", text)).strip().casefold()
    if cleaned in _NONE_WORDS:
        return ()
    tokens = [t for t in re.split(r"[,\s]+", cleaned) if t]
    if not tokens:
        raise UserFacingError(f"No lead times given. {ACCEPTED}")
    minutes: set[int] = set()
    for token in tokens:
        parts = _PART.findall(token)
        if not parts or "".join(n + u for n, u in parts) != token:
            raise UserFacingError(f"`{token[:30]}` is not a lead time. {ACCEPTED}")
        units = [unit for _, unit in parts]
        if len(set(units)) < len(units):
            raise UserFacingError(
                f"`{token[:30]}` gives a unit twice; give each unit once, "
                f"such as `2h` rather than `1h1h`. {ACCEPTED}"
            )
        value = sum(int(number) * _UNIT_MINUTES[unit] for number, unit in parts)
        if not 1 <= value <= MAX_LEAD_MINUTES:
            raise UserFacingError(f"`{token[:30]}` is out of range. {ACCEPTED}")
        minutes.add(value)
    if len(minutes) > MAX_LEAD_TIMES:
        raise UserFacingError(f"That is {len(minutes)} lead times; at most 5. {ACCEPTED}")
    return tuple(sorted(minutes, reverse=True))


def _ascii_digits(text: str) -> str:
    """Every decimal digit as 0-9 (Arabic-Indic, Devanagari, ...). NFKC has already turned
    full-width digits and letters into ASCII, but it leaves other scripts' digits alone."""
    return "".join(str(unicodedata.decimal(char)) if char.isdecimal() else char for char in text)


def format_minutes(minutes: int) -> str:
    """120 -> "2h", 1500 -> "1d 1h", 15 -> "15m"."""
    parts: list[str] = []
    for unit, size in (("d", 24 * 60), ("h", 60), ("m", 1)):
        count, minutes = divmod(minutes, size)
        if count:
            parts.append(f"{count}{unit}")
    return " ".join(parts) or "0m"


def format_lead_times(lead_minutes: tuple[int, ...]) -> str:
    if not lead_minutes:
        return "off"
    return ", ".join(format_minutes(m) + " before" for m in lead_minutes)


def format_elapsed(seconds: float) -> str:
    """An uptime or age: 42 -> "42s", 3720 -> "1h 2m"."""
    whole = int(seconds)
    if whole < 60:
        return f"{whole}s"
    return format_minutes(whole // 60)
