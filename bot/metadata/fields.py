"""Reading one field of a provider's JSON: a value of the right shape and range, else None.

Providers answer with whatever their data holds: a string where a list belongs, `1e400` (valid
JSON that Python reads as infinity), a negative runtime, a `javascript:` cover link. Each reader
here returns a clean value or None (or an empty tuple), so a bad field is dropped and the rest of
the title, and the rest of the answer, still shows. No reader raises.
"""

from __future__ import annotations

import math
import re
from typing import Any, Final

MAX_TEXT: Final = 500  # a name or label longer than this is not a name
MAX_EPISODES: Final = 10_000  # One Piece is past 1,100; nothing airs 10,000
MAX_EPISODE_MINUTES: Final = 600
MIN_YEAR: Final = 1900
MAX_YEAR: Final = 2100
MAX_LIST: Final = 100  # genres, tags, synonyms, keywords

_HTTP_URL: Final = re.compile(r"https?://[^\s<>\"']{1,2000}", re.IGNORECASE)


def text(value: Any, *, limit: int = MAX_TEXT) -> str | None:
    """A non-blank string of at most `limit` characters, stripped, without NUL characters."""
    if not isinstance(value, str):
        return None
    cleaned = value.replace("\x00", "").strip()
    if not cleaned or len(cleaned) > limit:
        return None
    return cleaned


def texts(value: Any, *, limit: int = MAX_TEXT, most: int = MAX_LIST) -> tuple[str, ...]:
    """The good strings of a list, in order and without duplicates.

    A lone string where a list belongs is taken as a one-item list, never split into letters.
    """
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list):
        return ()
    found = dict.fromkeys(item for item in (text(v, limit=limit) for v in value) if item)
    return tuple(found)[:most]


def number(value: Any) -> float | None:
    """A finite int or float (not a bool); None for NaN, infinity and anything else."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def integer(value: Any, *, low: int, high: int) -> int | None:
    """A whole number in [low, high]; a float is rounded. None outside the range."""
    found = number(value)
    if found is None or not low <= found <= high:
        return None
    return round(found)


def identifier(value: Any) -> int | None:
    """A provider's own numeric id: a positive int (not a float, not a bool)."""
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value < 2**53:
        return None
    return value


def episodes(value: Any) -> int | None:
    return integer(value, low=1, high=MAX_EPISODES)


def episode_minutes(value: Any) -> int | None:
    return integer(value, low=1, high=MAX_EPISODE_MINUTES)


def year(value: Any) -> int | None:
    """A year from an int, or from the first four digits of a date string ("2019-12-14")."""
    if isinstance(value, str):
        head = value.strip()[:4]
        value = int(head) if len(head) == 4 and head.isascii() and head.isdigit() else None
    return integer(value, low=MIN_YEAR, high=MAX_YEAR)


_FIRST_INSTANT: Final = -2_208_988_800  # 1900-01-01 UTC
_LAST_INSTANT: Final = 4_102_444_800  # 2100-01-01 UTC


def instant(value: Any) -> int | None:
    """Unix seconds within the years a schedule can mean (1900 to 2100)."""
    return integer(value, low=_FIRST_INSTANT, high=_LAST_INSTANT)


def score(value: Any, *, scale: float) -> int | None:
    """A rating on 0..`scale` as 0..100; None when missing, zero or out of range."""
    found = number(value)
    if found is None or not 0 < found <= scale:
        return None
    return max(0, min(100, round(found * 100 / scale)))


def popularity(value: Any) -> int | None:
    """A provider's popularity figure: a finite, non-negative number, as an int."""
    found = number(value)
    if found is None or found < 0 or found > 2**53:
        return None
    return round(found)


def http_url(value: Any) -> str | None:
    """An http(s) link Discord will accept in an embed; None for anything else."""
    found = text(value, limit=2000)
    return found if found is not None and _HTTP_URL.fullmatch(found) else None


def mapping(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def items(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []
