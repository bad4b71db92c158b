"""Well-known titles for a member's first ratings: the quick picker under a cold `/recommend`.

A member who has rated nothing gets the server's favourites and an offer to rate a few titles in
one go. The titles offered are the most popular released ones, taking K-dramas and anime in
turn so a fan of either finds something they have seen; titles the member already rated or
marked "not interested" (under any id they are known by) are skipped, so each offer moves on
to titles they were not asked about yet.
"""

from __future__ import annotations

from collections.abc import Iterable
from itertools import zip_longest
from typing import Final

from bot.metadata.models import Medium, Status, Title
from bot.metadata.popularity import relative_popularity

__all__ = ["STARTER_COUNT", "starter_titles"]

STARTER_COUNT: Final = 5  # a Discord form holds at most five text fields
_TAKEN_IN_TURN: Final = (Medium.KDRAMA, Medium.ANIME)


def starter_titles(
    titles: Iterable[Title], *, skip: frozenset[str], count: int = STARTER_COUNT
) -> list[Title]:
    """Up to `count` well-known titles to rate, most popular first, K-drama and anime in turn
    (then the other media), none of them in `skip` under any of its ids."""
    by_medium: dict[Medium, list[Title]] = {}
    seen: set[str] = set()
    for title in titles:
        ids = {title.id, *title.same_as}
        if title.status is Status.NOT_YET_RELEASED or ids & skip or ids & seen:
            continue
        seen |= ids
        by_medium.setdefault(title.medium, []).append(title)
    for group in by_medium.values():
        group.sort(key=lambda t: (-relative_popularity(t), t.display_name.casefold(), t.id))
    in_turn = [by_medium.get(medium, []) for medium in _TAKEN_IN_TURN]
    others = sorted(
        (t for medium, group in by_medium.items() if medium not in _TAKEN_IN_TURN for t in group),
        key=lambda t: -relative_popularity(t),
    )
    ordered: list[Title] = [t for pair in zip_longest(*in_turn) for t in pair if t is not None]
    return [*ordered, *others][: max(0, count)]
