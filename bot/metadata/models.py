"""One normalized title, whichever source it came from."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any


class Medium(StrEnum):
    ANIME = "anime"
    KDRAMA = "kdrama"
    LIVE_ACTION = "live_action"  # live action that is not a Korean drama
    ANIMATION = "animation"  # animation that is not Japanese-style anime


class Status(StrEnum):
    FINISHED = "finished"
    RELEASING = "releasing"
    NOT_YET_RELEASED = "not_yet_released"
    CANCELLED = "cancelled"
    HIATUS = "hiatus"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class TitleNames:
    english: str | None = None
    romanized: str | None = None  # AniList romaji, or a K-drama's romanized Korean title
    native: str | None = None  # 日本語 / 한국어
    synonyms: tuple[str, ...] = ()

    @property
    def display(self) -> str:
        return self.english or self.romanized or self.native or "Untitled"

    def all(self) -> tuple[str, ...]:
        """Every name, display name first, without duplicates or blanks."""
        seen: dict[str, None] = {}
        for name in (self.english, self.romanized, self.native, *self.synonyms):
            if name and name.strip():
                seen.setdefault(name.strip(), None)
        return tuple(seen)


@dataclass(frozen=True)
class Tag:
    """A descriptive tag. `rank` is 0..100: how strongly it applies (AniList's rank)."""

    name: str
    rank: int = 100
    spoiler: bool = False
    category: str | None = None


@dataclass(frozen=True)
class NextEpisode:
    """The next episode to air. AniList and TVmaze know the instant; TMDB only the day."""

    number: int
    airs_at: int | None = None  # Unix seconds, UTC
    air_date: str | None = None  # ISO date, when only the day is known: shown with no zone shift


@dataclass(frozen=True)
class Airing:
    """One episode at its real air time, as a watch party that follows the airing needs it."""

    episode: int
    airs_at: int  # Unix seconds, UTC


@dataclass(frozen=True)
class AirSchedule:
    """What a provider says about a show's air times, read for `/watchparty follow`.

    `title_id` is the provider id actually read (a catalog pick is read through its AniList or
    TVmaze twin). `airings` are the episodes with a known instant, ascending by episode, one
    each; AniList lists only episodes not yet aired, TVmaze every episode. `finished` means the
    provider's status says the show has ended (finished or cancelled). `last_episode` is the
    planned episode count when the provider knows it: AniList's count, or TVmaze's once the
    show has ended (while it airs, TVmaze counts only the episodes announced so far).
    """

    title_id: str
    title_name: str
    airings: tuple[Airing, ...]
    finished: bool
    last_episode: int | None


@dataclass(frozen=True)
class Title:
    """A title as the bot uses it. `id` is "<source>:<id in that source>", e.g. "anilist:21"."""

    id: str
    medium: Medium
    names: TitleNames
    attribution: str
    year: int | None = None
    format: str | None = None  # "TV", "MOVIE", "ONA", "Scripted", ...
    episodes: int | None = None
    episode_minutes: int | None = None
    status: Status = Status.UNKNOWN
    genres: tuple[str, ...] = ()
    tags: tuple[Tag, ...] = ()
    keywords: tuple[str, ...] = ()  # TMDB keywords, lowercase
    synopsis: str | None = None  # plain text, HTML stripped, length-capped
    hook: str | None = None  # the catalog's own one-line pitch
    cover_url: str | None = None
    score: int | None = None  # 0..100
    popularity: int | None = None
    country: str | None = None  # ISO 3166-1 alpha-2
    original_language: str | None = None  # ISO 639-1
    next_episode: NextEpisode | None = None
    source_url: str | None = None
    same_as: tuple[str, ...] = field(default=())  # ids of this title in other sources

    @property
    def source(self) -> str:
        return self.id.split(":", 1)[0]

    @property
    def source_id(self) -> str:
        return self.id.split(":", 1)[1]

    @property
    def display_name(self) -> str:
        return self.names.display

    @property
    def visible_tags(self) -> tuple[Tag, ...]:
        """Tags safe to show: spoiler tags are used for scoring but never displayed."""
        return tuple(tag for tag in self.tags if not tag.spoiler)

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False, separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str) -> Title:
        return title_from_dict(json.loads(text))


def title_from_dict(data: dict[str, Any]) -> Title:
    names = data.get("names") or {}
    next_episode = data.get("next_episode")
    return Title(
        id=data["id"],
        medium=Medium(data["medium"]),
        names=TitleNames(
            english=names.get("english"),
            romanized=names.get("romanized"),
            native=names.get("native"),
            synonyms=tuple(names.get("synonyms") or ()),
        ),
        attribution=data["attribution"],
        year=data.get("year"),
        format=data.get("format"),
        episodes=data.get("episodes"),
        episode_minutes=data.get("episode_minutes"),
        status=Status(data.get("status") or Status.UNKNOWN),
        genres=tuple(data.get("genres") or ()),
        tags=tuple(Tag(**tag) for tag in data.get("tags") or ()),
        keywords=tuple(data.get("keywords") or ()),
        synopsis=data.get("synopsis"),
        hook=data.get("hook"),
        cover_url=data.get("cover_url"),
        score=data.get("score"),
        popularity=data.get("popularity"),
        country=data.get("country"),
        original_language=data.get("original_language"),
        next_episode=NextEpisode(**next_episode) if next_episode else None,
        source_url=data.get("source_url"),
        same_as=tuple(data.get("same_as") or ()),
    )
