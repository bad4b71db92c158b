"""Which anime season a moment falls in, as AniList files its titles.

AniList's schema text says WINTER is "Months December to February" (SPRING March to May, and
so on), but its data and its own season pages follow calendar quarters: WINTER 2027 is the
anime that start in January to March 2027, SPRING April to June, SUMMER July to September,
FALL October to December (the mismatch is AniList/docs issue #13, "Unexpected results for
anime seasons"; apps that use December as winter show the wrong season, e.g. Animite #604).
So December 30 2026 is FALL 2026 and January 2 2027 is WINTER 2027: the season's year is
always the calendar year. The boundary is taken in UTC, like every other time in the bot.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

# AniList's MediaSeason values, one per calendar quarter.
SEASONS = ("WINTER", "SPRING", "SUMMER", "FALL")


@dataclass(frozen=True)
class AnimeSeason:
    name: str  # AniList's MediaSeason: WINTER, SPRING, SUMMER or FALL
    year: int  # AniList's seasonYear

    @property
    def label(self) -> str:
        """As members read it: "Winter 2027"."""
        return f"{self.name.title()} {self.year}"


def anime_season(moment: datetime) -> AnimeSeason:
    """The AniList season airing at `moment` (an aware datetime)."""
    if moment.tzinfo is None:
        raise ValueError("anime_season needs an aware datetime")
    utc = moment.astimezone(UTC)
    return AnimeSeason(SEASONS[(utc.month - 1) // 3], utc.year)
