"""Timezones as people type them: IANA names, city names, abbreviations and UTC offsets.

Validation (`resolve_timezone`) and autocomplete (`suggest_timezones`) read the same inputs:
`Asia/Seoul`, `seoul`, `KST`, `GMT+9`, `UTC+5:30`, `+09:00`. An offset means what people mean,
hours ahead of UTC. The IANA names `Etc/GMT±N` invert the sign (POSIX: `Etc/GMT+9` is UTC-9),
so they are offered only to someone typing such a name, and always labelled with the real offset.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta
from importlib import resources
from typing import NamedTuple
from zoneinfo import ZoneInfo, available_timezones

from bot.errors import UserFacingError

MAX_CHOICES = 25  # Discord shows at most 25 autocomplete choices

# Where the fans are: shown when nothing is typed, and first among the zones of one offset.
POPULAR_ZONES = (
    "Asia/Seoul",
    "Asia/Tokyo",
    "Asia/Manila",
    "America/New_York",
    "Europe/London",
    "Asia/Jakarta",
    "Asia/Singapore",
    "Asia/Kuala_Lumpur",
    "Asia/Bangkok",
    "Asia/Ho_Chi_Minh",
    "Asia/Hong_Kong",
    "Asia/Taipei",
    "Asia/Shanghai",
    "Asia/Kolkata",
    "Asia/Kathmandu",
    "Asia/Dhaka",
    "Asia/Karachi",
    "Asia/Dubai",
    "Asia/Riyadh",
    "Europe/Paris",
    "Europe/Berlin",
    "Europe/Madrid",
    "Europe/Rome",
    "Europe/Athens",
    "Europe/Istanbul",
    "Europe/Moscow",
    "Africa/Cairo",
    "Africa/Lagos",
    "Africa/Johannesburg",
    "America/Chicago",
    "America/Denver",
    "America/Phoenix",
    "America/Los_Angeles",
    "America/Anchorage",
    "Pacific/Honolulu",
    "America/Toronto",
    "America/Mexico_City",
    "America/Sao_Paulo",
    "America/Argentina/Buenos_Aires",
    "America/Bogota",
    "America/Lima",
    "Australia/Sydney",
    "Australia/Melbourne",
    "Australia/Brisbane",
    "Australia/Adelaide",
    "Australia/Darwin",
    "Australia/Perth",
    "Pacific/Auckland",
)

# Names people type that are not IANA zones but map to exactly one city zone.
_COMMON_NAMES = {
    "korea": "Asia/Seoul",
    "seoul": "Asia/Seoul",
    "japan": "Asia/Tokyo",
    "tokyo": "Asia/Tokyo",
    "manila": "Asia/Manila",
    "philippines": "Asia/Manila",
    "jakarta": "Asia/Jakarta",
    "bangkok": "Asia/Bangkok",
    "singapore": "Asia/Singapore",
    "india": "Asia/Kolkata",
    "london": "Europe/London",
    "uk": "Europe/London",
    "paris": "Europe/Paris",
    "berlin": "Europe/Berlin",
    "new york": "America/New_York",
    "los angeles": "America/Los_Angeles",
    "sydney": "Australia/Sydney",
}


class _Meaning(NamedTuple):
    zone: str
    place: str


# Abbreviations fans use. Several meanings when the same letters name different clocks in
# different places (the tz database itself writes IST, CST and PST for more than one of them):
# those are asked about, never guessed.
_ABBREVIATIONS: dict[str, tuple[_Meaning, ...]] = {
    "kst": (_Meaning("Asia/Seoul", "Korea"),),
    "jst": (_Meaning("Asia/Tokyo", "Japan"),),
    "pht": (_Meaning("Asia/Manila", "the Philippines"),),
    "wib": (_Meaning("Asia/Jakarta", "western Indonesia"),),
    "wita": (_Meaning("Asia/Makassar", "central Indonesia"),),
    "wit": (_Meaning("Asia/Jayapura", "eastern Indonesia"),),
    "sgt": (_Meaning("Asia/Singapore", "Singapore"),),
    "myt": (_Meaning("Asia/Kuala_Lumpur", "Malaysia"),),
    "hkt": (_Meaning("Asia/Hong_Kong", "Hong Kong"),),
    "ict": (_Meaning("Asia/Bangkok", "Indochina"),),
    "pkt": (_Meaning("Asia/Karachi", "Pakistan"),),
    "npt": (_Meaning("Asia/Kathmandu", "Nepal"),),
    "idt": (_Meaning("Asia/Jerusalem", "Israel"),),
    "ist": (
        _Meaning("Asia/Kolkata", "India"),
        _Meaning("Europe/Dublin", "Ireland"),
        _Meaning("Asia/Jerusalem", "Israel"),
    ),
    "cst": (
        _Meaning("Asia/Shanghai", "China"),
        _Meaning("America/Chicago", "the US and Canada (Central)"),
        _Meaning("America/Havana", "Cuba"),
        _Meaning("Asia/Taipei", "Taiwan"),
    ),
    "cdt": (
        _Meaning("America/Chicago", "the US and Canada (Central)"),
        _Meaning("America/Havana", "Cuba"),
    ),
    "ct": (_Meaning("America/Chicago", "the US and Canada (Central)"),),
    "pst": (
        _Meaning("America/Los_Angeles", "the US and Canada (Pacific)"),
        _Meaning("Asia/Manila", "the Philippines"),
    ),
    "pdt": (_Meaning("America/Los_Angeles", "the US and Canada (Pacific)"),),
    "pt": (_Meaning("America/Los_Angeles", "the US and Canada (Pacific)"),),
    "mst": (_Meaning("America/Denver", "the US and Canada (Mountain)"),),
    "mdt": (_Meaning("America/Denver", "the US and Canada (Mountain)"),),
    "mt": (_Meaning("America/Denver", "the US and Canada (Mountain)"),),
    "est": (_Meaning("America/New_York", "the US and Canada (Eastern)"),),
    "edt": (_Meaning("America/New_York", "the US and Canada (Eastern)"),),
    "et": (_Meaning("America/New_York", "the US and Canada (Eastern)"),),
    "ast": (
        _Meaning("America/Halifax", "Atlantic Canada"),
        _Meaning("Asia/Riyadh", "Arabia"),
    ),
    "adt": (_Meaning("America/Halifax", "Atlantic Canada"),),
    "nst": (_Meaning("America/St_Johns", "Newfoundland"),),
    "ndt": (_Meaning("America/St_Johns", "Newfoundland"),),
    "akst": (_Meaning("America/Anchorage", "Alaska"),),
    "akdt": (_Meaning("America/Anchorage", "Alaska"),),
    "hst": (_Meaning("Pacific/Honolulu", "Hawaii"),),
    "brt": (_Meaning("America/Sao_Paulo", "Brazil (Brasília)"),),
    "art": (_Meaning("America/Argentina/Buenos_Aires", "Argentina"),),
    "bst": (_Meaning("Europe/London", "the UK (summer)"),),
    "wet": (_Meaning("Europe/Lisbon", "western Europe"),),
    "west": (_Meaning("Europe/Lisbon", "western Europe (summer)"),),
    "cet": (_Meaning("Europe/Paris", "central Europe"),),
    "cest": (_Meaning("Europe/Paris", "central Europe (summer)"),),
    "eet": (_Meaning("Europe/Athens", "eastern Europe"),),
    "eest": (_Meaning("Europe/Athens", "eastern Europe (summer)"),),
    "msk": (_Meaning("Europe/Moscow", "Moscow"),),
    "wat": (_Meaning("Africa/Lagos", "West Africa"),),
    "cat": (_Meaning("Africa/Maputo", "Central Africa"),),
    "eat": (_Meaning("Africa/Nairobi", "East Africa"),),
    "sast": (_Meaning("Africa/Johannesburg", "South Africa"),),
    "aest": (_Meaning("Australia/Sydney", "eastern Australia"),),
    "aedt": (_Meaning("Australia/Sydney", "eastern Australia (summer)"),),
    "acst": (_Meaning("Australia/Adelaide", "central Australia"),),
    "acdt": (_Meaning("Australia/Adelaide", "central Australia (summer)"),),
    "awst": (_Meaning("Australia/Perth", "western Australia"),),
    "nzst": (_Meaning("Pacific/Auckland", "New Zealand"),),
    "nzdt": (_Meaning("Pacific/Auckland", "New Zealand (summer)"),),
}

# "UTC+9", "gmt -3", "+09:00", "+0530", "utc": read after NFKC, casefolding and removing spaces.
_OFFSET = re.compile(
    r"(?P<prefix>utc|gmt)?(?:(?P<sign>[+-])(?P<hours>[0-9]{1,2})(?::?(?P<minutes>[0-9]{2}))?)?"
)
# Minus signs that autocorrect or a phone keyboard may type in place of "-".
_MINUS_SIGNS = str.maketrans({"\u2212": "-", "\u2013": "-"})
_EARLIEST_OFFSET = timedelta(hours=-12)
_LATEST_OFFSET = timedelta(hours=14)
# Etc/GMT+9 and its kind, whose sign is the opposite of the offset they mean.
_ETC_INVERTED = re.compile(r"etc/gmt[+-]\d+")


@dataclass(frozen=True)
class ZoneChoice:
    """One autocomplete choice: the zone stored when picked, and what the member reads."""

    zone: str
    label: str


@dataclass(frozen=True)
class ResolvedZone:
    """The zone a member's text resolved to, how it reads, and a note on how the text was read."""

    zone: str
    label: str
    note: str | None = None


_POSIX_OFFSET_NAME = re.compile(r"Etc/GMT[+-][0-9]{1,2}")


def resolve_timezone(text: str, *, at: datetime) -> ResolvedZone:
    """The zone for what the user typed, or a UserFacingError saying what works."""
    typed = _normalize(text)
    folded = typed.casefold()
    named = _exact_zone(folded) or _COMMON_NAMES.get(folded)
    if named is not None and _POSIX_OFFSET_NAME.fullmatch(named):
        return ResolvedZone(named, describe_zone(named, at=at), _posix_sign_note(named, at))
    if named is not None:
        return ResolvedZone(named, describe_zone(named, at=at))
    meanings = _ABBREVIATIONS.get(folded)
    if meanings is not None:
        if len(meanings) > 1:
            raise UserFacingError(_ambiguous_message(typed.upper(), meanings, at))
        zone = meanings[0].zone
        return ResolvedZone(zone, describe_zone(zone, at=at))
    offset = _parse_offset(folded)
    if offset is not None:
        return _resolve_offset(offset, at)
    hints = [choice.zone for choice in suggest_timezones(typed, at=at, limit=3)]
    hint = f" Did you mean {', '.join(f'`{h}`' for h in hints)}?" if hints else ""
    raise UserFacingError(
        f"`{_shorten(typed)}` is not a timezone I know. Use an IANA name such as "
        "`Asia/Seoul`, `America/New_York` or `Europe/London`, an abbreviation such as `KST`, "
        f"or an offset such as `UTC+9`.{hint}"
    )


def names_a_zone(word: str) -> bool:
    """True when `word` is written as a zone: an IANA name, an abbreviation (even an ambiguous
    one) or a UTC offset. "8pm KST" and "20:00 +09:00" end in one; "8pm" does not."""
    folded = _normalize(word).casefold()
    return bool(
        folded
        and (
            _exact_zone(folded) is not None
            or folded in _ABBREVIATIONS
            or _parse_offset(folded) is not None
        )
    )


def abbreviation_note(word: str, moment: datetime) -> str | None:
    """A note when `word` is a clock abbreviation not in use at `moment` in its zone ("8pm
    EDT" in December): the time was read as the zone's wall clock, which is what people mean
    by "8pm EST" all year round, and the member sees which clock that is."""
    folded = _normalize(word).casefold()
    shown = moment.tzname() or ""
    if folded not in _ABBREVIATIONS or len(folded) < 3 or not shown.isalpha():
        return None
    if shown.casefold() == folded:
        return None
    offset = format_offset(moment.utcoffset() or timedelta(0))
    return (
        f"{word.upper()} is not in use on {moment:%a} {moment.day} {moment:%b}; "
        f"read as the same place's clock then, {shown} (UTC{offset})."
    )


def _posix_sign_note(zone: str, at: datetime) -> str | None:
    """POSIX names count west as positive: whoever types Etc/GMT+9 may mean UTC+9."""
    actual = _offset_at(zone, at)
    if not actual:
        return None
    mirrored = -actual
    note = f"`{zone}` is {format_offset(actual)}: these names invert the sign."
    if _EARLIEST_OFFSET <= mirrored <= _LATEST_OFFSET:
        typed = f"UTC{int(mirrored / timedelta(hours=1)):+d}"
        note += f" If you meant {typed}, type `{typed}` or your city."
    return note


def suggest_timezones(text: str, *, at: datetime, limit: int = MAX_CHOICES) -> list[ZoneChoice]:
    """Autocomplete choices for what the user is typing, best first, labelled with offsets."""
    typed = _normalize(text)
    folded = typed.casefold()
    if not folded:
        return [_name_choice(zone, at) for zone in POPULAR_ZONES[:limit]]
    choices: list[ZoneChoice] = []
    exact = _exact_zone(folded)
    if exact is not None:
        choices.append(_name_choice(exact, at))
    offset = _parse_offset(folded)
    if offset is not None:
        choices.extend(_offset_choices(offset, at))
    else:
        choices.extend(_abbreviation_choices(folded, at))
        alias = _COMMON_NAMES.get(folded)
        if alias is not None:
            choices.append(_name_choice(alias, at))
        choices.extend(_name_choice(zone, at) for zone in _zones_containing(folded)[:limit])
    unique: dict[str, ZoneChoice] = {}
    for choice in choices:
        unique.setdefault(choice.zone, choice)  # the first, best-labelled choice of a zone wins
    return list(unique.values())[:limit]


def describe_zone(zone: str, *, at: datetime) -> str:
    """A stored zone as replies show it: "Asia/Seoul (UTC+09:00)", or for a fixed offset
    "UTC+09:00 (no daylight saving)", never the inverted `Etc/GMT-9` alone."""
    offset = format_offset(_offset_at(zone, at))
    if _is_fixed(zone):
        return f"{offset} (no daylight saving)"
    return f"{zone} ({offset})"


def format_offset(offset: timedelta) -> str:
    """timedelta(hours=5, minutes=30) -> "UTC+05:30"."""
    sign = "-" if offset < timedelta(0) else "+"
    hours, minutes = divmod(abs(offset) // timedelta(minutes=1), 60)
    return f"UTC{sign}{hours:02d}:{minutes:02d}"


def _resolve_offset(offset: timedelta, at: datetime) -> ResolvedZone:
    if not _EARLIEST_OFFSET <= offset <= _LATEST_OFFSET:
        raise UserFacingError(
            f"No place uses {format_offset(offset)}: offsets run from UTC-12:00 to UTC+14:00. "
            "Type your offset (such as `UTC+9`) or your city."
        )
    cities = _zones_at(offset, at)
    fixed = _fixed_zone(offset)
    if fixed is not None:
        example = f", such as `{cities[0]}`" if cities else ""
        note = (
            "A fixed offset never changes for daylight saving. If your clocks change in "
            f"summer, pick your city instead{example}."
        )
        return ResolvedZone(fixed, describe_zone(fixed, at=at), note)
    if not cities:
        raise UserFacingError(
            f"No timezone is at {format_offset(offset)} right now. "
            "Pick your city from the list as you type, such as `Asia/Kolkata`."
        )
    # The tz database has no fixed zones for part-hour offsets, so a city stands in for one.
    chosen, others = cities[0], cities[1:]
    note = f"{format_offset(offset)} is read as the time in {chosen}."
    if others:
        note += (
            f" Also at this offset: {', '.join(others[:5])}; if you live there, pick it instead."
        )
    return ResolvedZone(chosen, describe_zone(chosen, at=at), note)


def _ambiguous_message(abbreviation: str, meanings: tuple[_Meaning, ...], at: datetime) -> str:
    listed = "; ".join(
        f"`{meaning.zone}` ({format_offset(_offset_at(meaning.zone, at))}) in {meaning.place}"
        for meaning in meanings
    )
    return (
        f"`{abbreviation}` means different times in different places: {listed}. "
        "Pick yours from the list as you type, or type its name. Nothing was saved."
    )


def _offset_choices(offset: timedelta, at: datetime) -> list[ZoneChoice]:
    """Cities at this offset now, the popular ones first, then the fixed offset, then the rest."""
    if not _EARLIEST_OFFSET <= offset <= _LATEST_OFFSET:
        return []
    cities = [_name_choice(zone, at) for zone in _zones_at(offset, at)]
    popular = [choice for choice in cities if choice.zone in POPULAR_ZONES]
    others = [choice for choice in cities if choice.zone not in POPULAR_ZONES]
    fixed = _fixed_zone(offset)
    fixed_choice = [] if fixed is None else [ZoneChoice(fixed, describe_zone(fixed, at=at))]
    return popular + fixed_choice + others


def _abbreviation_choices(folded: str, at: datetime) -> list[ZoneChoice]:
    meanings = _ABBREVIATIONS.get(folded, ())
    return [
        ZoneChoice(
            meaning.zone,
            f"{describe_zone(meaning.zone, at=at)}, {folded.upper()} in {meaning.place}",
        )
        for meaning in meanings
    ]


def _name_choice(zone: str, at: datetime) -> ZoneChoice:
    """A zone offered by its name. A fixed zone's label leads with the name that was matched,
    so `Etc/GMT+9` reads "Etc/GMT+9 = UTC-09:00 (no daylight saving)"."""
    label = describe_zone(zone, at=at)
    if _is_fixed(zone) and zone != "UTC":
        label = f"{zone} = {label}"
    return ZoneChoice(zone, label)


def _zones_containing(folded: str) -> list[str]:
    """Zones whose name contains every word typed, city matches first. The inverted
    `Etc/GMT±N` names only come up when the member is typing one ("etc/gmt+9")."""
    words = folded.replace("/", " ").split()
    if not words:
        return []
    typing_etc = folded.startswith("etc/")
    matches = [
        name
        for lowered, name in _zones_by_folded_name().items()
        if all(w in lowered for w in words) and (typing_etc or not _ETC_INVERTED.fullmatch(lowered))
    ]
    matches.sort(key=lambda name: (not name.casefold().endswith(words[-1]), len(name), name))
    return matches


def _zones_at(offset: timedelta, at: datetime) -> list[str]:
    """City zones whose offset is `offset` at `at`, the popular ones first."""
    return [zone for zone in _city_zones() if _offset_at(zone, at) == offset]


def _fixed_zone(offset: timedelta) -> str | None:
    """The IANA zone for a whole-hour offset: UTC+9 is `Etc/GMT-9`, because POSIX inverts it."""
    hours, remainder = divmod(offset, timedelta(hours=1))
    if remainder:
        return None
    return "UTC" if hours == 0 else f"Etc/GMT{-hours:+d}"


def _parse_offset(folded: str) -> timedelta | None:
    match = _OFFSET.fullmatch("".join(folded.split()))
    if match is None or not (match["prefix"] or match["sign"]):
        return None
    if match["sign"] is None:
        return timedelta(0)  # "utc" or "gmt" alone
    minutes = int(match["minutes"] or 0)
    if minutes >= 60:
        return None
    offset = timedelta(hours=int(match["hours"]), minutes=minutes)
    return -offset if match["sign"] == "-" else offset


def _offset_at(zone: str, at: datetime) -> timedelta:
    offset = at.astimezone(ZoneInfo(zone)).utcoffset()
    if offset is None:  # every ZoneInfo gives an offset for an aware time; this satisfies typing
        raise ValueError(f"{zone} has no UTC offset")
    return offset


def _is_fixed(zone: str) -> bool:
    return zone == "UTC" or zone.startswith("Etc/")


def _exact_zone(folded: str) -> str | None:
    zones = _zones_by_folded_name()
    return zones.get(folded) or zones.get(folded.replace(" ", "_"))


def _normalize(text: str) -> str:
    """Full-width letters and digits as ASCII, any minus sign as "-", single spaces."""
    return " ".join(unicodedata.normalize("NFKC", text).translate(_MINUS_SIGNS).split())


@functools.cache
def _zones_by_folded_name() -> dict[str, str]:
    # "posixrules" and similar are files in the database, not zones anyone means.
    zones = {name for name in available_timezones() if "/" in name or name == "UTC"}
    return {name.casefold(): name for name in sorted(zones)}


@functools.cache
def _city_zones() -> tuple[str, ...]:
    """The canonical zones (zone.tab lists one per region, without old links such as
    Asia/Calcutta), popular ones first, to offer for an offset."""
    table = resources.files("tzdata.zoneinfo").joinpath("zone.tab").read_text(encoding="utf-8")
    names = {
        line.split("\t")[2] for line in table.splitlines() if line and not line.startswith("#")
    }
    rank = {zone: index for index, zone in enumerate(POPULAR_ZONES)}
    return tuple(sorted(names, key=lambda zone: (rank.get(zone, len(rank)), zone)))


def _shorten(text: str, width: int = 60) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"
