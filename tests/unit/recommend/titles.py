"""Small titles for the recommendation tests."""

from __future__ import annotations

from typing import Any

from bot.metadata.models import Medium, Status, Tag, Title, TitleNames


def title(
    id: str,
    *,
    medium: Medium = Medium.ANIME,
    genres: tuple[str, ...] = (),
    tags: tuple[Tag, ...] = (),
    episodes: int | None = 12,
    status: Status = Status.FINISHED,
    popularity: int | None = None,
    name: str | None = None,
    same_as: tuple[str, ...] = (),
) -> Title:
    return Title(
        id=id,
        medium=medium,
        names=TitleNames(english=name or id.split(":", 1)[1].replace("-", " ").title()),
        attribution="test",
        episodes=episodes,
        status=status,
        genres=genres,
        tags=tags,
        popularity=popularity,
        same_as=same_as,
    )


def fantasy_anime(id: str, **kwargs: Any) -> Title:
    defaults: dict[str, Any] = {"genres": ("Fantasy", "Adventure"), "tags": (Tag("Magic", 90),)}
    return title(id, **{**defaults, **kwargs})


def romance_kdrama(id: str, **kwargs: Any) -> Title:
    defaults: dict[str, Any] = {
        "medium": Medium.KDRAMA,
        "genres": ("Romance", "Drama"),
        "tags": (Tag("Slow Burn", 90),),
        "episodes": 16,
    }
    return title(id, **{**defaults, **kwargs})
