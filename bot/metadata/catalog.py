"""The offline title catalog: a curated list of K-dramas and anime bundled with the bot.

The data lives in `catalog.json` next to this module. It is validated when it is loaded and
turned into `Title` objects once. The title service indexes it with the cache (`NameIndex`), so
autocomplete, search and recommendations keep working when every provider is down.
"""

from __future__ import annotations

import functools
import importlib.resources
import json
import re
from collections.abc import Iterator, Mapping, Sequence
from typing import Any, Final, TypeGuard

from bot.metadata.models import Medium, Status, Tag, Title, TitleNames

CATALOG_ATTRIBUTION: Final = "watchclub catalog"
CATALOG_VERSION: Final = 1
CATALOG_RESOURCE: Final = "catalog.json"

GENRES: Final = frozenset(
    {
        "Action",
        "Adventure",
        "Comedy",
        "Drama",
        "Fantasy",
        "Horror",
        "Mahou Shoujo",
        "Mecha",
        "Music",
        "Mystery",
        "Psychological",
        "Romance",
        "Sci-Fi",
        "Slice of Life",
        "Sports",
        "Supernatural",
        "Thriller",
        "Historical",
        "Crime",
        "Family",
        "Medical",
        "Legal",
        "Melodrama",
    }
)
FORMATS: Final = frozenset({"TV", "MOVIE", "ONA", "OVA"})
MEDIA: Final = {"kdrama": Medium.KDRAMA, "anime": Medium.ANIME}
STATUSES: Final = frozenset(status.value for status in Status)
COUNTRIES: Final = frozenset({"KR", "JP"})
LANGUAGES: Final = frozenset({"ko", "ja"})
MIN_YEAR: Final = 1950
MAX_YEAR: Final = 2026
MAX_HOOK_CHARS: Final = 140
MIN_TAGS: Final = 2
MAX_TAGS: Final = 6

_ID_RE: Final = re.compile(r"catalog:[a-z0-9]+(?:-[a-z0-9]+)*")
_SAME_AS_RE: Final = re.compile(r"(?:anilist|tmdb|tvmaze):[1-9][0-9]*")
_TOP_KEYS: Final = frozenset({"version", "titles"})
_REQUIRED_KEYS: Final = frozenset(
    {
        "id",
        "medium",
        "names",
        "year",
        "format",
        "status",
        "genres",
        "tags",
        "hook",
        "country",
        "original_language",
    }
)
_OPTIONAL_KEYS: Final = frozenset({"episodes", "episode_minutes", "same_as"})
_NAME_KEYS: Final = frozenset({"english", "romanized", "native", "synonyms"})
_TAG_KEYS: Final = frozenset({"name", "rank"})


class CatalogError(Exception):
    """The bundled catalog file does not follow the schema."""


# --- validation -------------------------------------------------------------------------------


def _is_int(value: object) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_text(value: object) -> TypeGuard[str]:
    return isinstance(value, str) and bool(value.strip())


def validate_catalog(raw: object) -> list[str]:
    """Every schema problem in `raw` (the parsed JSON), as "<entry>: <field>: <problem>"."""
    if not isinstance(raw, dict):
        return ["catalog: top level must be an object"]
    problems: list[str] = []
    for key in sorted(set(raw) - _TOP_KEYS, key=str):
        problems.append(f"catalog: unknown key {key!r}")
    if raw.get("version") != CATALOG_VERSION:
        problems.append(f"catalog: version: must be {CATALOG_VERSION}")
    titles = raw.get("titles")
    if not isinstance(titles, list):
        problems.append("catalog: titles: must be a list")
        return problems

    seen_ids: dict[str, str] = {}
    seen_names: dict[tuple[str, int, str], str] = {}
    seen_same_as: dict[str, str] = {}
    for index, entry in enumerate(titles):
        label = f"titles[{index}]"
        if not isinstance(entry, dict):
            problems.append(f"{label}: must be an object")
            continue
        entry_id = entry.get("id")
        if isinstance(entry_id, str) and entry_id:
            label = entry_id
        problems.extend(_validate_entry(label, entry))

        if isinstance(entry_id, str):
            if entry_id in seen_ids:
                problems.append(f"{label}: id: duplicate of {seen_ids[entry_id]}")
            else:
                seen_ids[entry_id] = f"titles[{index}]"

        names = entry.get("names")
        english = names.get("english") if isinstance(names, dict) else None
        year = entry.get("year")
        medium = entry.get("medium")
        if _is_text(english) and _is_int(year) and isinstance(medium, str):
            name_key = (english.strip().casefold(), year, medium)
            if name_key in seen_names:
                problems.append(
                    f"{label}: names.english: {english!r} ({year}, {medium}) "
                    f"duplicates {seen_names[name_key]}"
                )
            else:
                seen_names[name_key] = label

        same_as = entry.get("same_as")
        if isinstance(same_as, list):
            for ref in same_as:
                if not isinstance(ref, str):
                    continue
                owner = seen_same_as.setdefault(ref, label)
                if owner != label:
                    problems.append(f"{label}: same_as: {ref!r} is already used by {owner}")
    return problems


def _validate_entry(label: str, entry: Mapping[str, Any]) -> list[str]:
    problems: list[str] = []
    for key in sorted(_REQUIRED_KEYS - set(entry)):
        problems.append(f"{label}: {key}: missing")
    for key in sorted(set(entry) - _REQUIRED_KEYS - _OPTIONAL_KEYS, key=str):
        problems.append(f"{label}: unknown key {key!r}")

    def check(key: str, ok: bool, message: str) -> None:
        if key in entry and not ok:
            problems.append(f"{label}: {key}: {message}")

    entry_id = entry.get("id")
    check(
        "id",
        isinstance(entry_id, str) and _ID_RE.fullmatch(entry_id) is not None,
        'must be "catalog:" followed by a lowercase ascii slug (a-z, 0-9, single dashes)',
    )
    check("medium", entry.get("medium") in MEDIA, f"must be one of {sorted(MEDIA)}")
    year = entry.get("year")
    check(
        "year",
        _is_int(year) and MIN_YEAR <= year <= MAX_YEAR,
        f"must be an integer from {MIN_YEAR} to {MAX_YEAR}",
    )
    fmt = entry.get("format")
    check("format", fmt in FORMATS, f"must be one of {sorted(FORMATS)}")
    check("status", entry.get("status") in STATUSES, f"must be one of {sorted(STATUSES)}")
    check("country", entry.get("country") in COUNTRIES, f"must be one of {sorted(COUNTRIES)}")
    check(
        "original_language",
        entry.get("original_language") in LANGUAGES,
        f"must be one of {sorted(LANGUAGES)}",
    )
    hook = entry.get("hook")
    check(
        "hook",
        _is_text(hook) and len(hook) <= MAX_HOOK_CHARS,
        f"must be a non-empty string of at most {MAX_HOOK_CHARS} characters",
    )
    episodes = entry.get("episodes")
    check("episodes", _is_int(episodes) and episodes > 0, "must be an integer above 0")
    if fmt == "MOVIE" and _is_int(episodes) and episodes != 1:
        problems.append(f"{label}: episodes: a MOVIE has exactly 1")
    minutes = entry.get("episode_minutes")
    check("episode_minutes", _is_int(minutes) and minutes > 0, "must be an integer above 0")

    if "names" in entry:
        problems.extend(_validate_names(label, entry["names"]))
    if "genres" in entry:
        problems.extend(_validate_genres(label, entry["genres"]))
    if "tags" in entry:
        problems.extend(_validate_tags(label, entry["tags"]))
    if "same_as" in entry:
        problems.extend(_validate_same_as(label, entry["same_as"]))
    return problems


def _validate_names(label: str, names: object) -> list[str]:
    if not isinstance(names, dict):
        return [f"{label}: names: must be an object"]
    problems = [
        f"{label}: names: unknown key {key!r}" for key in sorted(set(names) - _NAME_KEYS, key=str)
    ]
    if not _is_text(names.get("english")):
        problems.append(f"{label}: names.english: required, a non-empty string")
    for key in ("romanized", "native"):
        if key in names and not _is_text(names[key]):
            problems.append(f"{label}: names.{key}: must be a non-empty string")
    if "synonyms" in names:
        synonyms = names["synonyms"]
        if not isinstance(synonyms, list) or not all(_is_text(s) for s in synonyms):
            problems.append(f"{label}: names.synonyms: must be a list of non-empty strings")
    return problems


def _validate_genres(label: str, genres: object) -> list[str]:
    if not isinstance(genres, list) or not genres:
        return [f"{label}: genres: must be a non-empty list"]
    problems: list[str] = []
    for genre in genres:
        if genre not in GENRES:
            problems.append(f"{label}: genres: {genre!r} is not in the genre vocabulary")
    if len({str(g) for g in genres}) != len(genres):
        problems.append(f"{label}: genres: duplicates")
    return problems


def _validate_tags(label: str, tags: object) -> list[str]:
    if not isinstance(tags, list) or not MIN_TAGS <= len(tags) <= MAX_TAGS:
        return [f"{label}: tags: must be a list of {MIN_TAGS} to {MAX_TAGS} tags"]
    problems: list[str] = []
    names: list[str] = []
    for position, tag in enumerate(tags):
        where = f"{label}: tags[{position}]"
        if not isinstance(tag, dict):
            problems.append(f"{where}: must be an object")
            continue
        if set(tag) != _TAG_KEYS:
            problems.append(f"{where}: keys must be exactly 'name' and 'rank'")
        name = tag.get("name")
        rank = tag.get("rank")
        if not _is_text(name):
            problems.append(f"{where}: name must be a non-empty string")
        else:
            names.append(name)
        if not (_is_int(rank) and 0 <= rank <= 100):
            problems.append(f"{where}: rank must be an integer from 0 to 100")
    if len(set(names)) != len(names):
        problems.append(f"{label}: tags: duplicate names")
    return problems


def _validate_same_as(label: str, same_as: object) -> list[str]:
    if not isinstance(same_as, list):
        return [f"{label}: same_as: must be a list"]
    problems: list[str] = []
    for ref in same_as:
        if not isinstance(ref, str) or _SAME_AS_RE.fullmatch(ref) is None:
            problems.append(
                f'{label}: same_as: {ref!r} must be "anilist:<int>", "tmdb:<int>" or "tvmaze:<int>"'
            )
    if len({str(ref) for ref in same_as}) != len(same_as):
        problems.append(f"{label}: same_as: duplicates")
    return problems


# --- loading ----------------------------------------------------------------------------------


def title_from_entry(entry: Mapping[str, Any]) -> Title:
    """Turn one validated catalog entry into a Title."""
    names: Mapping[str, Any] = entry["names"]
    return Title(
        id=entry["id"],
        medium=MEDIA[entry["medium"]],
        names=TitleNames(
            english=names["english"],
            romanized=names.get("romanized"),
            native=names.get("native"),
            synonyms=tuple(names.get("synonyms") or ()),
        ),
        attribution=CATALOG_ATTRIBUTION,
        year=entry["year"],
        format=entry["format"],
        episodes=entry.get("episodes"),
        episode_minutes=entry.get("episode_minutes"),
        status=Status(entry["status"]),
        genres=tuple(entry["genres"]),
        tags=tuple(Tag(name=tag["name"], rank=tag["rank"]) for tag in entry["tags"]),
        synopsis=None,
        hook=entry["hook"],
        country=entry["country"],
        original_language=entry["original_language"],
        same_as=tuple(entry.get("same_as") or ()),
    )


def parse_catalog(raw: object) -> tuple[Title, ...]:
    """Validate parsed catalog JSON and build its titles; raise CatalogError on any problem."""
    problems = validate_catalog(raw)
    if problems:
        shown = "; ".join(problems[:10])
        more = f" (and {len(problems) - 10} more)" if len(problems) > 10 else ""
        raise CatalogError(f"{CATALOG_RESOURCE} is invalid: {shown}{more}")
    if not isinstance(raw, dict):  # pragma: no cover - validate_catalog already said so
        raise CatalogError(f"{CATALOG_RESOURCE} is invalid: top level must be an object")
    return tuple(title_from_entry(entry) for entry in raw["titles"])


@functools.cache
def load_catalog() -> tuple[Title, ...]:
    """The bundled catalog, validated. Read once per process."""
    resource = importlib.resources.files("bot.metadata") / CATALOG_RESOURCE
    try:
        raw: object = json.loads(resource.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise CatalogError(f"{CATALOG_RESOURCE} cannot be read: {exc}") from exc
    return parse_catalog(raw)


class Catalog:
    """The catalog's titles, by id. Name search is the service's NameIndex, which holds these."""

    def __init__(self, titles: Sequence[Title]) -> None:
        self._titles: tuple[Title, ...] = tuple(titles)
        self._by_id: dict[str, Title] = {}
        for title in self._titles:
            self._by_id.setdefault(title.id, title)
        for title in self._titles:
            for ref in title.same_as:
                self._by_id.setdefault(ref, title)

    @classmethod
    def bundled(cls) -> Catalog:
        return cls(load_catalog())

    def __iter__(self) -> Iterator[Title]:
        return iter(self._titles)

    def __len__(self) -> int:
        return len(self._titles)

    def get(self, title_id: str) -> Title | None:
        """A title by its catalog id ("catalog:…") or by any of its same_as ids ("anilist:1")."""
        return self._by_id.get(title_id.strip())
