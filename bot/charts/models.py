"""What the charts take: plain, frozen data."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

# A bracket match: (entrant A, entrant B, the winner or None while it is undecided).
Match = tuple[str, str, str | None]


@dataclass(frozen=True)
class Bar:
    """One option of a poll's results. `share` is a fraction in [0, 1] (0.42 is 42%)."""

    label: str
    votes: int
    share: float
    highlight: bool = False


@dataclass(frozen=True)
class TrendPoint:
    """The server's compass on one day: the shares of versus polls that slow-burn and K-drama
    sides won up to then, each a fraction in [0, 1]."""

    when: date
    slow_burn_share: float
    kdrama_share: float
