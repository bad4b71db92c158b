"""Popularity on one scale: each source's own figure turned into a share of that source's titles.

AniList counts members who list a show (hundreds of thousands for a hit), TVmaze gives a 0–100
weight, and TMDB a trending figure of about 10–100 for a K-drama people talk about. Compared
raw, any anime outranks every K-drama. `relative_popularity` maps each figure to the estimated
fraction of that source's titles it beats (a percentile, 0..1), so equally famous titles from
different sources rank alike.

The anchor points are coarse estimates of each source's distribution over its whole catalogue
(about 20,000 AniList anime, 80,000 TVmaze shows, 200,000 TMDB series); between anchors the
percentile is interpolated linearly. Only the order within a source and rough parity between
sources matter, not the exact figures.
"""

from __future__ import annotations

import bisect
from collections.abc import Mapping, Sequence
from types import MappingProxyType
from typing import Final

from bot.metadata.models import Title

# (figure, share of the source's titles at or below it), increasing in both.
ANCHORS: Final[Mapping[str, Sequence[tuple[float, float]]]] = MappingProxyType(
    {
        "anilist": (
            (0, 0.0),
            (300, 0.25),
            (1_500, 0.50),
            (6_000, 0.75),
            (30_000, 0.90),
            (70_000, 0.95),
            (130_000, 0.975),
            (350_000, 0.995),
            (1_000_000, 1.0),
        ),
        "tvmaze": (
            (0, 0.0),
            (20, 0.25),
            (45, 0.50),
            (70, 0.75),
            (88, 0.90),
            (93, 0.95),
            (96, 0.975),
            (99, 0.995),
            (100, 1.0),
        ),
        "tmdb": (
            (0, 0.0),
            (0.6, 0.25),
            (1.5, 0.50),
            (4, 0.75),
            (9, 0.90),
            (15, 0.95),
            (25, 0.975),
            (60, 0.995),
            (300, 1.0),
        ),
    }
)
_FIGURES: Final = {
    source: tuple(point for point, _ in anchors) for source, anchors in ANCHORS.items()
}
# The catalog lists titles chosen because fans know them; it has no figure of its own.
CATALOG_POPULARITY: Final = 0.95
UNKNOWN_POPULARITY: Final = 0.0


def relative_popularity(title: Title) -> float:
    """The share (0..1) of its own source's titles that `title` is more popular than."""
    if title.source == "catalog":
        return CATALOG_POPULARITY
    anchors = ANCHORS.get(title.source)
    if anchors is None or title.popularity is None:
        return UNKNOWN_POPULARITY
    return _percentile(anchors, _FIGURES[title.source], float(title.popularity))


def _percentile(
    anchors: Sequence[tuple[float, float]], figures: Sequence[float], figure: float
) -> float:
    if figure <= figures[0]:
        return anchors[0][1]
    if figure >= figures[-1]:
        return anchors[-1][1]
    upper = bisect.bisect_right(figures, figure)
    (low_figure, low_share), (high_figure, high_share) = anchors[upper - 1], anchors[upper]
    return low_share + (high_share - low_share) * (figure - low_figure) / (high_figure - low_figure)
