"""The story compass: two separate scores, `slow_burn` and `fantasy`, for every title.

K-dramas are loved for slow-burn romance (grounded, patient, emotionally authentic); anime is
loved for fantasy (magic, other worlds, epic stakes). A title can be both, so the compass gives
two independent scores in [0, 1] rather than one slider. Everything here is a pure,
deterministic function of a `Title`'s genres, tags, keywords and medium: no I/O, no clock, no
randomness, no discord.

How a score is made
===================

1. **Evidence.** Every genre, tag and keyword is looked up in the tables below. Each table row is
   `name: Weights(slow_burn, fantasy)`, the contribution of that piece of evidence to each axis.

   * Genres (`GENRE_WEIGHTS`) count at full weight. The table covers AniList genres, TVmaze
     genres ("Science-Fiction", "Family", ...), TMDB TV genre names ("Sci-Fi & Fantasy",
     "Soap", "Animation", ...) and catalog names ("Melodrama", "Historical", ...).
   * Tags (`TAG_WEIGHTS`) count at `weight * rank / 100`, where rank is AniList's 0..100 "how
     strongly it applies" (clamped to that range). Spoiler tags count for scoring like any other
     tag; they are only kept out of what is displayed (see `CompassReading.top`). A tag not in
     the table but with an AniList category in `TAG_CATEGORY_WEIGHTS` ("Theme-Fantasy",
     "Theme-Romance") gets that category's modest weight, so new AniList tags are not ignored.
   * TMDB keywords (`KEYWORD_WEIGHTS`) count at full weight. A keyword must match a whole table
     entry ("time travel" matches, "time" does not).

   Romance tags that describe *a* couple rather than a romance-led story (Marriage,
   Heterosexual, Love Triangle, ...: `ROMANCE_DETAIL_TAGS`, as tags or as TMDB keywords of
   the same name) count in full only when the title
   has romance at its heart, i.e. a genre, tag or keyword named in `ROMANCE_CORE`; otherwise at
   a quarter (`ROMANCE_SIDE_PLOT_SHARE`). This keeps One Piece's side marriages from making it
   a slow burn.

   A name missing from its own table is looked up in the other two (a catalog *tag* "Romance"
   uses the genre row, a TMDB keyword "love triangle" uses the tag row). Names are compared
   case-insensitively, with hyphens, underscores and runs of spaces treated as one space and
   curly apostrophes as straight ones ("slow-burn" == "Slow Burn", "Boys' Love" written with
   a typographic apostrophe == "boys' love").

2. **Each distinct name counts once per axis.** If the same name arrives several times (genre
   "Fantasy" and keyword "fantasy", or a tag listed twice) only its strongest contribution is
   kept (largest magnitude; ties prefer a non-spoiler, then genre over tag over keyword, then
   the first seen). Different names that mean similar things (genre Fantasy and tag Magic) do
   add up, and the saturation below keeps them from running away.

3. **Medium prior** (`MEDIUM_PRIORS`): a small nudge for the community's expectations,
   K-drama +0.10 slow-burn and anime +0.10 fantasy. On its own it gives a score of about 0.10,
   never a high one. It is a signal like any other ("K-drama prior" / "anime prior"), though
   too weak for `explain` to name (see `EXPLAIN_MIN_WEIGHT`).

4. **Saturation.** Per axis, `score = 1 - exp(-max(0, total))`, where `total` is the exact
   (`math.fsum`) sum of that axis's contributions. Negative evidence (Action, Horror, harem and
   ecchi tags on the slow-burn axis) can pull a total down, but a score never goes below 0; many
   weak signals approach 1 without reaching past it. Reference points::

       total  0.10  0.25  0.50  1.00  1.50  2.00  3.00
       score  0.10  0.22  0.39  0.63  0.78  0.86  0.95

All fantasy weights are >= 0, so adding evidence never lowers `fantasy`. The slow-burn axis has
a few negative weights by design: harem/ecchi tags and action-heavy genres are the opposite of a
patient romance.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from types import MappingProxyType
from typing import Final, Literal, NamedTuple

from bot.metadata.models import Medium, Title

__all__ = [
    "AXES",
    "EXPLAIN_MIN_WEIGHT",
    "GENRE_WEIGHTS",
    "KEYWORD_WEIGHTS",
    "MEDIUM_PRIORS",
    "ROMANCE_CORE",
    "ROMANCE_DETAIL_TAGS",
    "ROMANCE_SIDE_PLOT_SHARE",
    "TAG_CATEGORY_WEIGHTS",
    "TAG_WEIGHTS",
    "Axis",
    "CompassReading",
    "Signal",
    "Weights",
    "axis_label",
    "explain",
    "meter",
    "read_compass",
    "saturate",
]

Axis = Literal["slow_burn", "fantasy"]
AXES: Final[tuple[Axis, ...]] = ("slow_burn", "fantasy")
_AXIS_LABELS: Final[Mapping[Axis, str]] = MappingProxyType(
    {"slow_burn": "slow-burn", "fantasy": "fantasy"}
)


class Weights(NamedTuple):
    """How much one piece of evidence adds to each axis (at full strength)."""

    slow_burn: float = 0.0
    fantasy: float = 0.0


def _w(slow_burn: float = 0.0, fantasy: float = 0.0) -> Weights:
    return Weights(slow_burn, fantasy)


# --- Genres: full weight ------------------------------------------------------------------------
# Romance is the strongest slow-burn signal; Drama / Slice of Life / Melodrama are its soil.
# Action-heavy genres lower slow-burn a little. Fantasy, Supernatural and Mahou Shoujo are the
# strongest fantasy genres; TMDB's lumped "Sci-Fi & Fantasy" sits between Sci-Fi and Fantasy.
GENRE_WEIGHTS: Final[Mapping[str, Weights]] = MappingProxyType(
    {
        # slow-burn side
        "Romance": _w(slow_burn=1.00),
        "Melodrama": _w(slow_burn=0.50),
        "Soap": _w(slow_burn=0.30),  # TMDB 10766
        "Drama": _w(slow_burn=0.25),  # AniList, TVmaze, TMDB 18
        "Slice of Life": _w(slow_burn=0.25),
        "Family": _w(slow_burn=0.15),  # TVmaze, TMDB 10751
        "Historical": _w(slow_burn=0.10),  # catalog; sageuk romance is common
        "History": _w(slow_burn=0.10),  # TVmaze
        # fantasy side
        "Fantasy": _w(fantasy=0.70),
        "Mahou Shoujo": _w(fantasy=0.70),
        "Supernatural": _w(fantasy=0.60),
        "Sci-Fi & Fantasy": _w(fantasy=0.60),  # TMDB 10765
        "Sci-Fi": _w(fantasy=0.35),
        "Science-Fiction": _w(fantasy=0.35),  # TVmaze
        "Adventure": _w(slow_burn=-0.05, fantasy=0.15),
        "Action & Adventure": _w(slow_burn=-0.10, fantasy=0.10),  # TMDB 10759
        "Animation": _w(fantasy=0.10),  # TMDB 16
        # action-heavy: a little less slow-burn
        "Mecha": _w(slow_burn=-0.20, fantasy=0.25),
        "Horror": _w(slow_burn=-0.20, fantasy=0.10),
        "Action": _w(slow_burn=-0.15),
        "Sports": _w(slow_burn=-0.15),
        "Thriller": _w(slow_burn=-0.15),
        "Crime": _w(slow_burn=-0.10),
        "War": _w(slow_burn=-0.10),
        "War & Politics": _w(slow_burn=-0.10),  # TMDB 10768
        "Espionage": _w(slow_burn=-0.10),
        "Mystery": _w(slow_burn=-0.05),
        # fan-service genres are the opposite of patient
        "Ecchi": _w(slow_burn=-0.30),
        "Hentai": _w(slow_burn=-0.50),
    }
)

# --- Tags: weight * rank / 100 ------------------------------------------------------------------
# AniList has no "Slow Burn" tag; the closest are romance-category tags, the Josei/Shoujo
# demographics, adult workplace settings and quiet slice-of-life themes. Harem and ecchi-ish tags
# count against slow-burn. Time travel is treated as moderately fantastical.
#
# Most romance tags describe *a* romance, not a story about one: One Piece is tagged Marriage
# and Heterosexual for side characters. Those in ROMANCE_DETAIL_TAGS count in full only when
# romance is at the heart of the title (see ROMANCE_CORE), else at ROMANCE_SIDE_PLOT_SHARE.
TAG_WEIGHTS: Final[Mapping[str, Weights]] = MappingProxyType(
    {
        # slow-burn side: romance
        "Slow Burn": _w(slow_burn=1.00),  # not an AniList tag; catalog tags may use it
        "Love Triangle": _w(slow_burn=0.60),
        "Unrequited Love": _w(slow_burn=0.60),
        "Fake Relationship": _w(slow_burn=0.60),
        "Arranged Marriage": _w(slow_burn=0.60),
        "Matchmaking": _w(slow_burn=0.50),
        "Marriage": _w(slow_burn=0.50),
        "Boys' Love": _w(slow_burn=0.50),
        "Yuri": _w(slow_burn=0.50),
        "Josei": _w(slow_burn=0.50),
        "Cohabitation": _w(slow_burn=0.40),
        "Teens' Love": _w(slow_burn=0.40),
        "Shoujo": _w(slow_burn=0.40),
        "Heterosexual": _w(slow_burn=0.30),
        "Age Gap": _w(slow_burn=0.30),
        "Romantic Subtext": _w(slow_burn=0.30),
        "Polyamorous": _w(slow_burn=0.10),
        # slow-burn side: grounded, adult, quiet
        "Office Lady": _w(slow_burn=0.30),
        "Office": _w(slow_burn=0.30),
        "Workplace": _w(slow_burn=0.30),
        "Work": _w(slow_burn=0.20),
        "Iyashikei": _w(slow_burn=0.30),
        "Primarily Adult Cast": _w(slow_burn=0.25),
        "Coming of Age": _w(slow_burn=0.20),
        "Family Life": _w(slow_burn=0.20),
        "Tragedy": _w(slow_burn=0.10),
        "Royal Affairs": _w(slow_burn=0.10),
        # against slow-burn: harem, fan service, violence
        "Female Harem": _w(slow_burn=-0.30),
        "Male Harem": _w(slow_burn=-0.20),
        "Mixed Gender Harem": _w(slow_burn=-0.20),
        "Reverse Harem": _w(slow_burn=-0.20),
        "Nudity": _w(slow_burn=-0.20),
        "Fan Service": _w(slow_burn=-0.20),
        "Gore": _w(slow_burn=-0.20),
        "Battle Royale": _w(slow_burn=-0.20),
        "Martial Arts": _w(slow_burn=-0.10),
        "Military": _w(slow_burn=-0.10),
        # fantasy side: magic and other worlds
        "Magic": _w(fantasy=0.80),
        "Isekai": _w(fantasy=0.80),
        "Urban Fantasy": _w(fantasy=0.80),
        "Reverse Isekai": _w(fantasy=0.70),
        "Witch": _w(fantasy=0.70),
        "Mythology": _w(fantasy=0.70),
        "Gods": _w(fantasy=0.70),
        "Youkai": _w(fantasy=0.70),
        "Afterlife": _w(fantasy=0.70),
        "Dragons": _w(fantasy=0.70),
        "Elf": _w(fantasy=0.70),
        "Cultivation": _w(fantasy=0.70),
        "Necromancy": _w(fantasy=0.70),
        "Super Power": _w(fantasy=0.60),
        "Curses": _w(fantasy=0.60),
        "Exorcism": _w(fantasy=0.60),
        "Demons": _w(fantasy=0.60),
        "Fairy Tale": _w(fantasy=0.60),
        "Shapeshifting": _w(fantasy=0.60),
        "Alchemy": _w(fantasy=0.60),
        "Dungeon": _w(fantasy=0.60),
        "Vampire": _w(fantasy=0.60),
        "Ghost": _w(fantasy=0.60),
        "Angels": _w(fantasy=0.60),
        "Fairy": _w(fantasy=0.60),
        "Mermaid": _w(fantasy=0.60),
        "Reincarnation": _w(fantasy=0.50),
        "Alternate Universe": _w(fantasy=0.50),
        "Wuxia": _w(fantasy=0.50),
        "Superhero": _w(fantasy=0.50),
        "Kaiju": _w(fantasy=0.50),
        "Time Travel": _w(fantasy=0.45),  # moderately fantastical
        "Virtual World": _w(fantasy=0.40),
        "Body Swapping": _w(fantasy=0.40),
        "Henshin": _w(fantasy=0.40),
        "Time Manipulation": _w(fantasy=0.35),
        "Time Loop": _w(fantasy=0.35),
        "Kingdom Management": _w(fantasy=0.30),
        "Steampunk": _w(fantasy=0.30),
        "Zombie": _w(fantasy=0.30),
        "Medieval": _w(fantasy=0.25),
        "Post-Apocalyptic": _w(fantasy=0.20),
        "Shounen": _w(fantasy=0.10),
    }
)

# --- Tags not in TAG_WEIGHTS, by AniList category: weight * rank / 100 ---------------------------
TAG_CATEGORY_WEIGHTS: Final[Mapping[str, Weights]] = MappingProxyType(
    {
        "Theme-Romance": _w(slow_burn=0.30),
        "Theme-Fantasy": _w(fantasy=0.40),
    }
)

# --- TMDB keywords (lowercase), whole-keyword match: full weight ---------------------------------
# TMDB TV has no Romance or Fantasy genre (they are movie-only), so for a K-drama from TMDB the
# keywords carry most of the compass. Keywords are noisier than genres, so "romance" counts a
# little less than the genre Romance. A keyword missing here is looked up among the tags
# ("love triangle", "vampire", "time loop").
KEYWORD_WEIGHTS: Final[Mapping[str, Weights]] = MappingProxyType(
    {
        # slow-burn side
        "slow burn": _w(slow_burn=1.00),
        "slow burn romance": _w(slow_burn=1.00),
        "office romance": _w(slow_burn=0.80),
        "romance": _w(slow_burn=0.70),
        "romantic drama": _w(slow_burn=0.70),
        "love story": _w(slow_burn=0.70),
        "contract marriage": _w(slow_burn=0.70),
        "contract relationship": _w(slow_burn=0.70),
        "enemies to lovers": _w(slow_burn=0.70),
        "second chance romance": _w(slow_burn=0.70),
        "forbidden love": _w(slow_burn=0.60),
        "fake dating": _w(slow_burn=0.60),
        "first love": _w(slow_burn=0.60),
        "romantic comedy": _w(slow_burn=0.60),
        "rom com": _w(slow_burn=0.60),
        "childhood sweetheart": _w(slow_burn=0.50),
        "melodrama": _w(slow_burn=0.50),
        "love": _w(slow_burn=0.40),
        "lovers": _w(slow_burn=0.40),
        "healing": _w(slow_burn=0.30),
        "chaebol": _w(slow_burn=0.30),
        "slice of life": _w(slow_burn=0.25),
        # fantasy side
        "magic": _w(fantasy=0.80),
        "goblin": _w(fantasy=0.80),
        "dokkaebi": _w(fantasy=0.80),
        "gumiho": _w(fantasy=0.80),
        "nine-tailed fox": _w(fantasy=0.80),
        "isekai": _w(fantasy=0.80),
        "sorcery": _w(fantasy=0.80),
        "fantasy": _w(fantasy=0.70),
        "fantasy world": _w(fantasy=0.70),
        "parallel world": _w(fantasy=0.70),
        "parallel universe": _w(fantasy=0.70),
        "afterlife": _w(fantasy=0.70),
        "grim reaper": _w(fantasy=0.70),
        "mythology": _w(fantasy=0.70),
        "dragon": _w(fantasy=0.70),
        "deity": _w(fantasy=0.60),
        "god": _w(fantasy=0.60),
        "demon": _w(fantasy=0.60),
        "supernatural": _w(fantasy=0.60),
        "supernatural power": _w(fantasy=0.60),
        "superpower": _w(fantasy=0.60),
        "ghost": _w(fantasy=0.60),
        "immortal": _w(fantasy=0.60),
        "immortality": _w(fantasy=0.60),
        "curse": _w(fantasy=0.60),
        "spirit": _w(fantasy=0.50),
        "shaman": _w(fantasy=0.50),
        "magical realism": _w(fantasy=0.50),
        "reincarnation": _w(fantasy=0.50),
        "superhuman": _w(fantasy=0.50),
        "time travel": _w(fantasy=0.45),
        "time slip": _w(fantasy=0.45),
        "body swap": _w(fantasy=0.40),
    }
)

# --- Is romance the heart of the story? ---------------------------------------------------------
# A genre, tag or keyword with one of these names says so. Without one, the tags below count at
# ROMANCE_SIDE_PLOT_SHARE of their weight: they describe a side couple, not a slow burn.
ROMANCE_CORE: Final = frozenset(
    {
        "romance",
        "slow burn",
        "slow burn romance",
        "romantic comedy",
        "romantic drama",
        "rom com",
        "love story",
        "office romance",
    }
)
ROMANCE_DETAIL_TAGS: Final = frozenset(
    {
        "Marriage",
        "Heterosexual",
        "Age Gap",
        "Cohabitation",
        "Love Triangle",
        "Unrequited Love",
        "Fake Relationship",
        "Arranged Marriage",
        "Matchmaking",
        "Boys' Love",
        "Yuri",
        "Teens' Love",
        "Romantic Subtext",
        "Polyamorous",
        "Josei",
        "Shoujo",
    }
)
ROMANCE_SIDE_PLOT_SHARE: Final = 0.25

# --- Medium prior: small, shown as a signal, never enough alone for a high score -----------------
MEDIUM_PRIORS: Final[Mapping[Medium, Weights]] = MappingProxyType(
    {
        Medium.KDRAMA: _w(slow_burn=0.10),
        Medium.ANIME: _w(fantasy=0.10),
    }
)
_PRIOR_LABELS: Final[Mapping[Medium, str]] = MappingProxyType(
    {Medium.KDRAMA: "K-drama prior", Medium.ANIME: "anime prior"}
)

# explain() names only signals that contributed at least this much (the 0.10 medium prior alone
# is "no strong signals").
EXPLAIN_MIN_WEIGHT: Final = 0.15

_SEPARATORS = re.compile(r"[\s_\-]+")
_WEIGHT_PLACES = 4  # contributions are rounded to this many decimals (keeps them readable)


def _normalize(name: str) -> str:
    """The comparison key of a genre, tag or keyword name."""
    cleaned = name.replace("\u2019", "'").replace("\u2018", "'")
    return _SEPARATORS.sub(" ", cleaned).strip().casefold()


def _index(table: Mapping[str, Weights]) -> Mapping[str, Weights]:
    indexed: dict[str, Weights] = {}
    for name, weights in table.items():
        key = _normalize(name)
        if key in indexed:  # pragma: no cover - guards the tables above
            raise ValueError(f"duplicate compass table entry: {name!r}")
        indexed[key] = weights
    return MappingProxyType(indexed)


_GENRES: Final = _index(GENRE_WEIGHTS)
_TAGS: Final = _index(TAG_WEIGHTS)
_KEYWORDS: Final = _index(KEYWORD_WEIGHTS)
_CATEGORIES: Final = _index(TAG_CATEGORY_WEIGHTS)
_ROMANCE_CORE: Final = frozenset(_normalize(name) for name in ROMANCE_CORE)
_ROMANCE_DETAILS: Final = frozenset(_normalize(name) for name in ROMANCE_DETAIL_TAGS)

# Where each kind of evidence looks, in order: its own table first, then the others.
_LOOKUP_ORDER: Final[Mapping[str, tuple[Mapping[str, Weights], ...]]] = MappingProxyType(
    {
        "genre": (_GENRES, _TAGS, _KEYWORDS),
        "tag": (_TAGS, _GENRES, _KEYWORDS),
        "keyword": (_KEYWORDS, _TAGS, _GENRES),
    }
)
_SOURCE_PRIORITY: Final[Mapping[str, int]] = MappingProxyType(
    {"prior": 0, "genre": 1, "tag": 2, "keyword": 3}
)


@dataclass(frozen=True)
class Signal:
    """One piece of evidence and what it contributed to one axis.

    `weight` is the contribution before saturation; it can be negative (genre Action slightly
    lowers slow-burn). `spoiler` marks a spoiler tag: it counts, but is never displayed.
    """

    label: str
    axis: Axis
    weight: float
    spoiler: bool = False


@dataclass(frozen=True)
class CompassReading:
    """The two compass scores of a title, with the signals that produced them."""

    slow_burn: float
    fantasy: float
    signals: tuple[Signal, ...]

    def score(self, axis: Axis) -> float:
        """The score on one axis."""
        _check_axis(axis)
        return self.slow_burn if axis == "slow_burn" else self.fantasy

    def top(self, axis: Axis, n: int = 3, *, include_spoilers: bool = False) -> tuple[Signal, ...]:
        """The `n` strongest positive contributors to `axis`, strongest first.

        Spoiler tags are left out unless `include_spoilers` is set, because this is what gets
        shown to people; they still count in the score.
        """
        _check_axis(axis)
        if n <= 0:
            return ()
        positive = [
            signal
            for signal in self.signals
            if signal.axis == axis
            and signal.weight > 0
            and (include_spoilers or not signal.spoiler)
        ]
        positive.sort(key=lambda signal: (-signal.weight, signal.label))
        return tuple(positive[:n])


@dataclass(frozen=True)
class _Candidate:
    key: str
    signal: Signal
    priority: int

    def beats(self, other: _Candidate) -> bool:
        """True if this is stronger evidence for the same name and axis than `other`."""
        mine = (abs(self.signal.weight), not self.signal.spoiler, -self.priority)
        theirs = (abs(other.signal.weight), not other.signal.spoiler, -other.priority)
        return mine > theirs


def saturate(total: float) -> float:
    """Map a summed contribution onto [0, 1): `1 - exp(-max(0, total))`."""
    if math.isnan(total) or total <= 0:
        return 0.0
    return 1.0 - math.exp(-total)


def read_compass(title: Title) -> CompassReading:
    """Score `title` on both axes. Pure and deterministic; see the module docstring."""
    best: dict[tuple[str, Axis], _Candidate] = {}

    def offer(key: str, weights: Weights, label: str, source: str, *, spoiler: bool) -> None:
        for axis in AXES:
            raw = weights.slow_burn if axis == "slow_burn" else weights.fantasy
            weight = round(raw, _WEIGHT_PLACES)
            if weight == 0:
                continue
            candidate = _Candidate(
                key=key,
                signal=Signal(label=label, axis=axis, weight=weight, spoiler=spoiler),
                priority=_SOURCE_PRIORITY[source],
            )
            current = best.get((key, axis))
            if current is None or candidate.beats(current):
                best[(key, axis)] = candidate

    prior = MEDIUM_PRIORS.get(title.medium)
    if prior is not None:
        offer("\x00prior", prior, _PRIOR_LABELS[title.medium], "prior", spoiler=False)

    for genre in title.genres:
        key = _normalize(genre)
        weights = _lookup("genre", key)
        if weights is not None:
            offer(key, weights, f"genre {genre.strip()}", "genre", spoiler=False)

    romance_at_heart = _has_romance_at_heart(title)
    for tag in title.tags:
        key = _normalize(tag.name)
        weights = _lookup("tag", key)
        if weights is None and tag.category:
            weights = _CATEGORIES.get(_normalize(tag.category))
        if weights is None:
            continue
        rank = min(100, max(0, int(tag.rank)))
        share = rank / 100
        if key in _ROMANCE_DETAILS and not romance_at_heart:
            share *= ROMANCE_SIDE_PLOT_SHARE
        scaled = Weights(weights.slow_burn * share, weights.fantasy * share)
        offer(key, scaled, f"{tag.name.strip()} (rank {rank})", "tag", spoiler=tag.spoiler)

    for keyword in title.keywords:
        key = _normalize(keyword)
        weights = _lookup("keyword", key)
        if weights is None:
            continue
        if key in _ROMANCE_DETAILS and not romance_at_heart:
            weights = Weights(*(w * ROMANCE_SIDE_PLOT_SHARE for w in weights))
        offer(key, weights, f'keyword "{keyword.strip()}"', "keyword", spoiler=False)

    axis_order = {axis: index for index, axis in enumerate(AXES)}
    signals = tuple(
        sorted(
            (candidate.signal for candidate in best.values()),
            key=lambda s: (axis_order[s.axis], -s.weight, s.label),
        )
    )
    totals = {axis: math.fsum(s.weight for s in signals if s.axis == axis) for axis in AXES}
    return CompassReading(
        slow_burn=saturate(totals["slow_burn"]),
        fantasy=saturate(totals["fantasy"]),
        signals=signals,
    )


def _has_romance_at_heart(title: Title) -> bool:
    names = (*title.genres, *(tag.name for tag in title.tags), *title.keywords)
    return any(_normalize(name) in _ROMANCE_CORE for name in names)


def _lookup(source: str, key: str) -> Weights | None:
    if not key:
        return None
    for table in _LOOKUP_ORDER[source]:
        weights = table.get(key)
        if weights is not None:
            return weights
    return None


def axis_label(axis: Axis) -> str:
    """How an axis is written for people: "slow-burn" or "fantasy"."""
    _check_axis(axis)
    return _AXIS_LABELS[axis]


def explain(reading: CompassReading, axis: Axis, *, n: int = 3) -> str:
    """One line for people, e.g. "fantasy 0.86: Magic (rank 94), Isekai (rank 88), genre Fantasy".

    Lists up to `n` of the strongest non-spoiler signals that contributed at least
    `EXPLAIN_MIN_WEIGHT` each; says "no strong signals" when there are none, or when the score is
    0 (positive evidence outweighed by negative evidence is not a reason to show). The score is
    written with two decimals, rounding half up.
    """
    signals = reading.top(axis, n) if reading.score(axis) > 0 else ()
    strong = [signal for signal in signals if signal.weight >= EXPLAIN_MIN_WEIGHT]
    reasons = ", ".join(signal.label for signal in strong) or "no strong signals"
    return f"{axis_label(axis)} {_two_places(reading.score(axis))}: {reasons}"


def meter(value: float, width: int = 10) -> str:
    """A text bar for embeds: `meter(0.8)` is "████████░░". Rounds half up; clamps to [0, 1]."""
    if width < 0:
        raise ValueError("width must be >= 0")
    value = _clamp(value)
    filled = int((Decimal(repr(value)) * width).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    filled = min(width, max(0, filled))
    return "\u2588" * filled + "\u2591" * (width - filled)


def _two_places(value: float) -> str:
    return str(Decimal(repr(_clamp(value))).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def _clamp(value: float) -> float:
    if math.isnan(value):
        return 0.0
    return min(1.0, max(0.0, float(value)))


def _check_axis(axis: str) -> None:
    if axis not in _AXIS_LABELS:
        raise ValueError(f"unknown compass axis: {axis!r} (expected one of {AXES})")
