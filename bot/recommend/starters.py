"""Well-known titles for a member's first ratings: the quick picker under a cold `/recommend`.

A member who has rated nothing gets the server's favourites and an offer to rate a few titles in
one go. Which titles to offer:

- **Known here first.** A title members of this server rated, watched or put on their watchlist
  is one this member has likely seen too; each such member adds to its standing.
- **Then known everywhere**, by `relative_popularity` (the bundled catalog lists titles chosen
  because fans know them).
- **Spread over the compass and both media.** Five ratings of five look-alikes say one thing
  five times; the offer takes its titles from different corners in turn (K-drama and anime,
  leaning slow-burn or fantasy), so each score tells the recommender something new.
- **Different members, different titles among equals.** Ties are broken by a stable hash of the
  member and the title, so a server's newcomers don't all get the same five.

Titles the member already rated or marked "not interested" (under any id they are known by) are
skipped, so each offer moves on to titles they were not asked about yet.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Iterable, Mapping
from typing import Final

from bot.compass import read_compass
from bot.metadata.models import Medium, Status, Title
from bot.metadata.popularity import relative_popularity

__all__ = ["STARTER_COUNT", "starter_titles"]

STARTER_COUNT: Final = 5  # a Discord form holds at most five text fields
# What one member here who knows a title adds, on the 0..1 popularity scale, with diminishing
# returns: three members outweigh any popularity figure.
_KNOWN_HERE: Final = 0.75

_SPREAD_FROM: Final = 200  # best-standing titles the corners are filled from

Corner = tuple[Medium, bool]  # (medium, leans fantasy rather than slow-burn)
_CORNERS: Final[tuple[Corner, ...]] = (
    (Medium.KDRAMA, False),
    (Medium.ANIME, True),
    (Medium.ANIME, False),
    (Medium.KDRAMA, True),
)


def starter_titles(
    titles: Iterable[Title],
    *,
    skip: frozenset[str],
    known_here: Mapping[str, int] | None = None,
    member_id: int = 0,
    count: int = STARTER_COUNT,
) -> list[Title]:
    """Up to `count` well-known titles to rate, none of them in `skip` under any of its ids.

    `known_here`: title id -> how many members of this server rated, watched or watchlisted it.
    """
    known = known_here or {}
    standing: dict[str, float] = {}
    candidates: list[Title] = []
    seen: set[str] = set()
    for title in titles:
        ids = {title.id, *title.same_as}
        if title.status is Status.NOT_YET_RELEASED or ids & skip or ids & seen:
            continue
        seen |= ids
        members = max(known.get(i, 0) for i in ids)
        standing[title.id] = relative_popularity(title) + _KNOWN_HERE * math.log1p(members)
        candidates.append(title)
    candidates.sort(key=lambda t: (-standing[t.id], _shuffle(member_id, t.id)))
    return _spread(candidates[:_SPREAD_FROM], max(0, count))


def _shuffle(member_id: int, title_id: str) -> bytes:
    """A stable, per-member order among titles of equal standing."""
    return hashlib.blake2b(f"{member_id}:{title_id}".encode(), digest_size=8).digest()


def _corner(title: Title) -> Corner:
    reading = read_compass(title)
    return (title.medium, reading.fantasy > reading.slow_burn)


def _spread(ranked: list[Title], count: int) -> list[Title]:
    """The best title of each corner in turn, then the best left of any kind."""
    chosen: list[Title] = []
    by_corner: dict[Corner, list[Title]] = {}
    others: list[Title] = []
    for title in ranked:
        if title.medium in (Medium.KDRAMA, Medium.ANIME):
            by_corner.setdefault(_corner(title), []).append(title)
        else:
            others.append(title)
    while len(chosen) < count and any(by_corner.values()):
        for corner in _CORNERS:
            queue = by_corner.get(corner)
            if queue and len(chosen) < count:
                chosen.append(queue.pop(0))
    return [*chosen, *others][:count]
