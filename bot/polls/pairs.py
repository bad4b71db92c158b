"""Picking a "slow-burn vs fantasy" pair for `/poll versus` when the member names none.

The rules, in order:

1. **Fresh.** A title this server watched or polled recently (`recent`, by title id) is never
   picked.
2. **Strong on its own axis.** The slow-burn side needs `slow_burn >= STRONG` and the fantasy
   side `fantasy >= STRONG`. The other axis does not matter: a title may be both.
3. **Media.** The slow-burn side is a K-drama and the fantasy side an anime, the face-off the
   community expects. When no fresh, strong title of that medium is left for a side, that side
   falls back to any medium, and the reason says so. The two sides are always different titles.
4. **Well matched, then popular.** Every possible pair gets `mean popularity - 2 * gap`, where
   the gap is `|pop_a - pop_b|`: a lopsided face-off is a foregone conclusion, so a gap costs
   twice what popularity earns. The pairs within `VARIETY_MARGIN` of the best score (at most
   `SHORTLIST` of them) form a shortlist, and the random generator picks one, so the same
   server does not get the same face-off every time. The same seed gives the same pick.

The result says why it picked what it did, in one line built from those rules.
"""

from __future__ import annotations

import random
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from enum import StrEnum

from bot.metadata.models import Medium

STRONG = 0.6  # the least score on its own axis for a side of a versus
GAP_WEIGHT = 2.0  # how much a popularity gap costs, against mean popularity
VARIETY_MARGIN = 0.1  # pairs this close to the best score are all good picks
SHORTLIST = 5  # at most this many pairs to pick from
LOVED = 0.7  # both this popular: "both loved"
KNOWN = 0.4  # both this popular: "both well known"
CLOSE = 0.1  # a gap up to this: "about as popular"
NEAR = 0.25  # a gap up to this: "close in popularity"

SLOW_BURN_MEDIUM = Medium.KDRAMA
FANTASY_MEDIUM = Medium.ANIME


@dataclass(frozen=True)
class Candidate:
    """A title that could be a side of a versus: its compass scores and its popularity, each
    from 0 to 1 (popularity is the caller's normalisation, e.g. a rank among the candidates)."""

    title_id: str
    name: str
    medium: Medium
    slow_burn: float
    fantasy: float
    popularity: float

    def __post_init__(self) -> None:
        for field_name in ("slow_burn", "fantasy", "popularity"):
            value = getattr(self, field_name)
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"{field_name} is from 0 to 1, not {value} ({self.title_id})")


@dataclass(frozen=True)
class VersusPair:
    """The picked pair. A `*_fallback` flag is set when that side is not of its default medium
    because no fresh, strong title of that medium was left."""

    slow_burn: Candidate
    fantasy: Candidate
    reason: str
    slow_burn_fallback: bool = False
    fantasy_fallback: bool = False


class Shortfall(StrEnum):
    NO_SLOW_BURN = "no_slow_burn"  # no fresh title is strong enough on slow-burn
    NO_FANTASY = "no_fantasy"  # no fresh title is strong enough on fantasy
    SAME_TITLE = "same_title"  # the only strong titles for both sides are one and the same


@dataclass(frozen=True)
class NoPair:
    """Why no pair could be made, with a sentence for the member."""

    shortfall: Shortfall
    reason: str


def find_pair(
    candidates: Iterable[Candidate],
    recent: Collection[str],
    rng: random.Random | int,
) -> VersusPair | NoPair:
    """Pick a strong, well-matched, fresh slow-burn vs fantasy pair, or say why there is none.

    `recent` holds the title ids this server watched or polled recently. `rng` is a generator,
    or a seed for one: the same candidates, recent titles and seed give the same pair.
    """
    generator = rng if isinstance(rng, random.Random) else random.Random(rng)
    everyone = list(candidates)
    fresh = [c for c in everyone if c.title_id not in recent]
    slow, slow_fallback = _side(fresh, "slow_burn", SLOW_BURN_MEDIUM)
    fantasy, fantasy_fallback = _side(fresh, "fantasy", FANTASY_MEDIUM)
    if not slow:
        return NoPair(Shortfall.NO_SLOW_BURN, _none_left("slow-burn", "slow_burn", everyone))
    if not fantasy:
        return NoPair(Shortfall.NO_FANTASY, _none_left("fantasy", "fantasy", everyone))

    scored = sorted(
        (
            (-_score(a, b), a.title_id, b.title_id, a, b)
            for a in slow
            for b in fantasy
            if a.title_id != b.title_id
        ),
        key=lambda row: row[:3],
    )
    if not scored:
        only = slow[0]
        return NoPair(
            Shortfall.SAME_TITLE,
            f"{only.name} is the only fresh title strong on both slow-burn and fantasy, "
            "and a versus needs two.",
        )
    best = -scored[0][0]
    shortlist = [row for row in scored if -row[0] >= best - VARIETY_MARGIN][:SHORTLIST]
    _, _, _, picked_slow, picked_fantasy = generator.choice(shortlist)
    return VersusPair(
        slow_burn=picked_slow,
        fantasy=picked_fantasy,
        reason=_reason(picked_slow, picked_fantasy, slow_fallback, fantasy_fallback),
        slow_burn_fallback=slow_fallback,
        fantasy_fallback=fantasy_fallback,
    )


def find_opponent(
    given: Candidate,
    given_side: str,
    candidates: Iterable[Candidate],
    recent: Collection[str],
    rng: random.Random | int,
) -> VersusPair | NoPair:
    """The member named one side (`given_side` is "slow_burn" or "fantasy"): pick the other,
    by the same rules (fresh, strong on its axis, its side's medium first, well matched)."""
    generator = rng if isinstance(rng, random.Random) else random.Random(rng)
    everyone = list(candidates)
    other_axis = "fantasy" if given_side == "slow_burn" else "slow_burn"
    medium = FANTASY_MEDIUM if other_axis == "fantasy" else SLOW_BURN_MEDIUM
    fresh = [c for c in everyone if c.title_id not in recent and c.title_id != given.title_id]
    side, fallback = _side(fresh, other_axis, medium)
    label = "fantasy" if other_axis == "fantasy" else "slow-burn"
    if not side:
        shortfall = Shortfall.NO_FANTASY if other_axis == "fantasy" else Shortfall.NO_SLOW_BURN
        return NoPair(shortfall, _none_left(label, other_axis, everyone))
    scored = sorted(side, key=lambda c: (-_score(given, c), c.title_id))
    best = _score(given, scored[0])
    shortlist = [c for c in scored if _score(given, c) >= best - VARIETY_MARGIN][:SHORTLIST]
    picked = generator.choice(shortlist)
    slow, fantasy = (given, picked) if given_side == "slow_burn" else (picked, given)
    slow_fallback = fallback and other_axis == "slow_burn"
    fantasy_fallback = fallback and other_axis == "fantasy"
    return VersusPair(
        slow_burn=slow,
        fantasy=fantasy,
        reason=_reason(slow, fantasy, slow_fallback, fantasy_fallback),
        slow_burn_fallback=slow_fallback,
        fantasy_fallback=fantasy_fallback,
    )


def _side(fresh: list[Candidate], axis: str, medium: Medium) -> tuple[list[Candidate], bool]:
    """The strong candidates for one side, of its default medium when there are any, else of
    any medium (and True, to say it fell back)."""
    strong = [c for c in fresh if getattr(c, axis) >= STRONG]
    preferred = [c for c in strong if c.medium == medium]
    if preferred:
        return preferred, False
    return strong, True


def _score(a: Candidate, b: Candidate) -> float:
    mean = (a.popularity + b.popularity) / 2
    return mean - GAP_WEIGHT * abs(a.popularity - b.popularity)


def _none_left(label: str, axis: str, everyone: list[Candidate]) -> str:
    strong = sum(1 for c in everyone if getattr(c, axis) >= STRONG)
    if strong == 0:
        return f"No title scores {STRONG:.1f} or more on {label}, so there is no {label} side."
    return (
        f"Every title strong on {label} ({strong}) was watched or polled here recently, "
        "so there is no fresh one to put up."
    )


_MEDIUM_NAMES = {
    Medium.KDRAMA: ("a", "K-drama"),
    Medium.ANIME: ("an", "anime"),
    Medium.LIVE_ACTION: ("a", "live-action show"),
    Medium.ANIMATION: ("an", "animated show"),
}


def _medium_name(medium: Medium, *, article: bool = False) -> str:
    a, name = _MEDIUM_NAMES[medium]
    return f"{a} {name}" if article else name


def _reason(a: Candidate, b: Candidate, slow_fallback: bool, fantasy_fallback: bool) -> str:
    low = min(a.popularity, b.popularity)
    gap = abs(a.popularity - b.popularity)
    if low >= LOVED:
        appeal = "both loved"
    elif low >= KNOWN:
        appeal = "both well known"
    else:
        appeal = "lesser-known picks"
    if gap <= CLOSE:
        match = "about as popular"
    elif gap <= NEAR:
        match = "close in popularity"
    else:
        match = "the closest in popularity available"
    line = (
        f"{a.name} (slow-burn {a.slow_burn:.2f}) vs {b.name} (fantasy {b.fantasy:.2f}): "
        f"{appeal}, {match}, and neither watched nor polled here recently"
    )
    if slow_fallback:
        line += (
            f"; no fresh slow-burn {_medium_name(SLOW_BURN_MEDIUM)} was strong enough, "
            f"so that side is {_medium_name(a.medium, article=True)}"
        )
    if fantasy_fallback:
        line += (
            f"; no fresh fantasy {_medium_name(FANTASY_MEDIUM)} was strong enough, "
            f"so that side is {_medium_name(b.medium, article=True)}"
        )
    return line
