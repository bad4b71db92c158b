"""IANA timezone names: validation that says what is accepted, and suggestions for autocomplete."""

from __future__ import annotations

import functools
from zoneinfo import ZoneInfo, available_timezones

from bot.errors import UserFacingError

# Names people type that are not IANA zones but map to exactly one city zone.
_COMMON_NAMES = {
    "korea": "Asia/Seoul",
    "seoul": "Asia/Seoul",
    "kst": "Asia/Seoul",
    "japan": "Asia/Tokyo",
    "tokyo": "Asia/Tokyo",
    "jst": "Asia/Tokyo",
    "manila": "Asia/Manila",
    "philippines": "Asia/Manila",
    "jakarta": "Asia/Jakarta",
    "bangkok": "Asia/Bangkok",
    "singapore": "Asia/Singapore",
    "india": "Asia/Kolkata",
    "ist": "Asia/Kolkata",
    "london": "Europe/London",
    "uk": "Europe/London",
    "paris": "Europe/Paris",
    "berlin": "Europe/Berlin",
    "new york": "America/New_York",
    "los angeles": "America/Los_Angeles",
    "sydney": "Australia/Sydney",
}


@functools.cache
def _zones_by_folded_name() -> dict[str, str]:
    # "posixrules" and similar are files in the database, not zones anyone means.
    zones = {name for name in available_timezones() if "/" in name or name == "UTC"}
    return {name.casefold(): name for name in sorted(zones)}


def resolve_timezone(text: str) -> str:
    """The canonical IANA name for what the user typed, or a UserFacingError saying what works."""
    typed = " ".join(text.split())
    folded = typed.casefold()
    zones = _zones_by_folded_name()
    canonical = (
        zones.get(folded) or zones.get(folded.replace(" ", "_")) or _COMMON_NAMES.get(folded)
    )
    if canonical is None:
        hints = suggest_timezones(typed, limit=3)
        hint = f" Did you mean {', '.join(f'`{h}`' for h in hints)}?" if hints else ""
        raise UserFacingError(
            f"`{_shorten(typed)}` is not a timezone I know. Use an IANA name such as "
            f"`Asia/Seoul`, `America/New_York` or `Europe/London`.{hint}"
        )
    ZoneInfo(canonical)  # every listed name loads; this guards a broken tzdata install
    return canonical


def suggest_timezones(text: str, *, limit: int = 25) -> list[str]:
    """Zones whose name contains every word typed, best matches first."""
    words = [w.replace(" ", "_") for w in text.casefold().replace("/", " ").split()]
    zones = _zones_by_folded_name()
    if not words:
        popular = ["Asia/Seoul", "Asia/Tokyo", "Asia/Manila", "America/New_York", "Europe/London"]
        return popular[:limit]
    alias = _COMMON_NAMES.get(" ".join(words))
    matches = [name for folded, name in zones.items() if all(w in folded for w in words)]
    matches.sort(key=lambda name: (not name.casefold().endswith(words[-1]), len(name), name))
    if alias and alias not in matches:
        matches.insert(0, alias)
    return matches[:limit]


def _shorten(text: str, width: int = 60) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"
