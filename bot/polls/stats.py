"""The server's story compass: how it leans across its closed versus polls.

In a versus poll option 0 is the slow-burn side and option 1 the fantasy side. A poll counts
toward a lean only when it has one winner: a tie, or a poll nobody voted in, leans nowhere and
is counted as such. Bracket matches are not versus polls of slow-burn against fantasy, so they
are left out (the repository never returns them).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Final

from bot.charts.models import TrendPoint
from bot.polls.models import Poll

SLOW_BURN_SIDE: Final = 0
TOP_TITLES: Final = 5


@dataclass(frozen=True)
class TitleWins:
    label: str
    title_id: str | None
    wins: int


@dataclass(frozen=True)
class CompassStats:
    polls: int  # closed versus polls
    slow_burn_wins: int
    fantasy_wins: int
    undecided: int  # ties and polls nobody voted in
    kdrama_wins: int
    anime_wins: int
    other_medium_wins: int  # a side that fell back to another medium, or free text
    trend: tuple[TrendPoint, ...]
    top_titles: tuple[TitleWins, ...]

    @property
    def decided(self) -> int:
        return self.slow_burn_wins + self.fantasy_wins


def _winner(poll: Poll) -> int | None:
    if poll.winners is None or len(poll.winners) != 1:
        return None
    return poll.winners[0]


def compass_stats(polls: Sequence[Poll]) -> CompassStats:
    """The lean of these closed versus polls, oldest first."""
    slow = fantasy = undecided = kdrama = anime = other = 0
    by_day: dict[date, tuple[int, int, int]] = {}
    titles: Counter[tuple[str, str | None]] = Counter()
    decided = 0
    for poll in sorted(polls, key=lambda p: (p.closed_at or 0, p.id)):
        winner = _winner(poll)
        if winner is None:
            undecided += 1
            continue
        decided += 1
        if winner == SLOW_BURN_SIDE:
            slow += 1
        else:
            fantasy += 1
        option = poll.options[winner]
        medium = option.card.medium if option.card is not None else None
        if medium == "kdrama":
            kdrama += 1
        elif medium == "anime":
            anime += 1
        else:
            other += 1
        titles[(option.label, option.title_id)] += 1
        day = datetime.fromtimestamp(poll.closed_at or 0, UTC).date()
        by_day[day] = (decided, slow, kdrama)
    trend = tuple(
        TrendPoint(when=day, slow_burn_share=s / n, kdrama_share=k / n)
        for day, (n, s, k) in sorted(by_day.items())
    )
    top = tuple(
        TitleWins(label, title_id, wins)
        for (label, title_id), wins in sorted(
            titles.items(), key=lambda item: (-item[1], item[0][0])
        )[:TOP_TITLES]
    )
    return CompassStats(
        polls=len(polls),
        slow_burn_wins=slow,
        fantasy_wins=fantasy,
        undecided=undecided,
        kdrama_wins=kdrama,
        anime_wins=anime,
        other_medium_wins=other,
        trend=trend,
        top_titles=top,
    )
