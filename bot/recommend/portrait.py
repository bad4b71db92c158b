"""A member's taste portrait in one server: where they sit on the story compass, what their
titles are about, how that compares with the rest of the server, their favourites, and the
opted-in members whose ratings run closest to theirs. Pure functions over plain data.

How much each title says about the member (`member_weights`)
=============================================================

* A rating counts `DISLIKE_FLOOR + max(0, like_weight(score))`: 1.05 for a 10, 0.55 for an 8,
  and only the floor (0.05) at 5 or below. A title the member disliked says what they avoid,
  not where they are, so it barely moves them; it is not pushed *away* from, because on a
  compass bounded by 0 and 1 a negative weight can throw the mean off the chart. The floor
  keeps a member who has only rated titles they disliked on the compass at all.
* A watchlisted title counts `WATCHLIST_WEIGHT` (0.3, as in `/recommend`): wanting to watch
  something says a little about taste, less than loving it.
* A title whose content is unknown (not in the pool, and the lookup failed) is skipped.

The compass position is the weighted mean of the titles' compass points; the top genres and
tags are the features with the most weight, each title's features a unit bag (genres 1, tags
their AniList rank / 100), as `ContentIndex` makes them, so a title with many tags does not
outweigh one with few.

The server (`server_weights`)
=============================

The server is the *rest* of the server: the member's own ratings and watchlist are taken out
of its per-title aggregates, so "you lean more fantasy than this server" never compares the
member with themself. A title's weight is the same rule on its aggregate: the others' ratings
times the weight of their mean score, plus the others' watchlist count times 0.3. The
comparison is shown only when at least `MIN_OTHERS` other members are certain to be in it (some
title was rated, or watchlisted, by that many of them): otherwise "the server" could be one
other member, and their lean would be shown to whoever asks.

Closest taste (`closest_members`)
=================================

Among the members who opted in (never the member themself): the cosine of mean-centred
ratings over the titles both rated (each centred on their own mean over all their ratings), at
least `MIN_OVERLAP` of them, shrunk toward 0 by `overlap / (overlap + SHRINKAGE)` so that two
titles in common cannot beat twenty. Only similarities above `MIN_SIMILARITY` are listed, the
closest first (then the most titles shared, then the lower member id, for a stable order).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Final

from bot.compass import read_compass
from bot.metadata.models import Title
from bot.recommend.content import ContentIndex, feature_key, title_features
from bot.recommend.ranking import MIDPOINT, like_weight
from bot.taste.models import Rating, TitleAggregate

__all__ = [
    "DISLIKE_FLOOR",
    "FAVOURITES",
    "LEAN_GAP",
    "MATCHES",
    "MIN_OTHERS",
    "MIN_OVERLAP",
    "MIN_SIMILARITY",
    "SHRINKAGE",
    "TOP_FEATURES",
    "WATCHLIST_WEIGHT",
    "Favourite",
    "FeatureGap",
    "Portrait",
    "ServerComparison",
    "TasteMatch",
    "TitleContent",
    "axis_word",
    "closest_members",
    "compass_position",
    "content_from_index",
    "content_of",
    "favourites",
    "feature_weights",
    "member_weights",
    "portrait",
    "rating_weight",
    "server_weights",
]

Point = tuple[float, float]  # (slow_burn, fantasy), each 0..1

DISLIKE_FLOOR: Final = 0.05
WATCHLIST_WEIGHT: Final = 0.3
TOP_FEATURES: Final = 5
FAVOURITES: Final = 6
MIN_OTHERS: Final = 2
MIN_OVERLAP: Final = 3
SHRINKAGE: Final = 5.0
MIN_SIMILARITY: Final = 0.1
MATCHES: Final = 3
LEAN_GAP: Final = 0.1  # an axis differs from the server's when the gap is at least this
FEATURE_GAP: Final = 0.03  # a feature's share must exceed the server's by this much


@dataclass(frozen=True)
class TitleContent:
    """What a title is about: its point on the compass and a unit bag of features (feature
    key -> weight; the display spelling of each key is in `names`)."""

    title_id: str
    name: str
    compass: Point
    features: Mapping[str, float]
    names: Mapping[str, str]
    chart_name: str  # a Latin name when there is one, for charts whose fonts may lack Hangul


def content_of(title: Title, chart_name: str | None = None) -> TitleContent:
    """A title's content read from its data: the compass and its genres (1) and non-spoiler
    tags (rank / 100), normalised to unit length."""
    weights: dict[str, float] = {}
    names: dict[str, str] = {}
    for key, name, weight in title_features(title):
        names.setdefault(key, name)
        weights[key] = max(weights.get(key, 0.0), weight)
    reading = read_compass(title)
    return TitleContent(
        title_id=title.id,
        name=title.display_name,
        compass=(reading.slow_burn, reading.fantasy),
        features=_unit(weights),
        names=names,
        chart_name=chart_name or title.display_name,
    )


def content_from_index(
    index: ContentIndex, row: int, title: Title, chart_name: str | None = None
) -> TitleContent:
    """A title's content as the recommender's index already holds it (no compass re-read)."""
    lo, hi = int(index.indptr[row]), int(index.indptr[row + 1])
    weights: dict[str, float] = {}
    names: dict[str, str] = {}
    for feature, value in zip(index.indices[lo:hi], index.data[lo:hi], strict=True):
        name = index.feature_names[int(feature)]
        key = feature_key(name)
        names.setdefault(key, name)
        weights[key] = max(weights.get(key, 0.0), float(value))
    return TitleContent(
        title_id=title.id,
        name=title.display_name,
        compass=index.point(row),
        features=weights,
        names=names,
        chart_name=chart_name or title.display_name,
    )


def _unit(weights: Mapping[str, float]) -> dict[str, float]:
    norm = math.sqrt(math.fsum(w * w for w in weights.values())) or 1.0
    return {key: weight / norm for key, weight in weights.items()}


# -- weights ------------------------------------------------------------------------------------


def rating_weight(score: float) -> float:
    """How much a rating places the member: the floor, plus how much they liked it."""
    return DISLIKE_FLOOR + max(0.0, like_weight(score))


def member_weights(ratings: Iterable[Rating], watchlist: Iterable[str]) -> dict[str, float]:
    """Title id -> how much it says about the member (module doc). A title both rated and
    watchlisted counts by its rating."""
    weights: dict[str, float] = dict.fromkeys(watchlist, WATCHLIST_WEIGHT)
    for rating in ratings:
        weights[rating.title.id] = rating_weight(rating.score)
    return weights


def server_weights(
    aggregates: Iterable[TitleAggregate], ratings: Iterable[Rating], watchlist: Iterable[str]
) -> tuple[dict[str, float], bool]:
    """Title id -> how much it says about the rest of the server (the member's own rows taken
    out), and whether there is any such title. Only titles at least `MIN_OTHERS` other members
    rated (or listed) count, so "the server" is never one member's taste."""
    own_scores = {rating.title.id: rating.score for rating in ratings}
    own_listed = set(watchlist)
    weights: dict[str, float] = {}
    enough = False
    for row in aggregates:
        title_id = row.title.id
        rated, score_sum = row.ratings, row.score_sum
        if title_id in own_scores:
            rated, score_sum = rated - 1, score_sum - own_scores[title_id]
        listed = row.watchlisted - (1 if title_id in own_listed else 0)
        if max(rated, listed) < MIN_OTHERS:
            # A title only one other member rated or listed would show that member's taste.
            continue
        enough = True
        weight = WATCHLIST_WEIGHT * max(0, listed)
        if rated > 0:
            weight += rated * rating_weight(score_sum / rated)
        if weight > 0:
            weights[title_id] = weight
    return weights, enough


# -- what the weights say -----------------------------------------------------------------------


def compass_position(
    weights: Mapping[str, float], contents: Mapping[str, TitleContent]
) -> Point | None:
    """The weighted mean of the titles' compass points; None when no title is known."""
    total = slow = fantasy = 0.0
    for title_id, weight in weights.items():
        content = contents.get(title_id)
        if content is None or weight <= 0:
            continue
        total += weight
        slow += weight * content.compass[0]
        fantasy += weight * content.compass[1]
    if total <= 0:
        return None
    return (slow / total, fantasy / total)


def feature_weights(
    weights: Mapping[str, float], contents: Mapping[str, TitleContent]
) -> tuple[dict[str, float], dict[str, str]]:
    """Feature key -> its share of all the weight (shares sum to 1), and each key's display
    name."""
    totals: dict[str, float] = {}
    names: dict[str, str] = {}
    for title_id, weight in weights.items():
        content = contents.get(title_id)
        if content is None or weight <= 0:
            continue
        for key, value in content.features.items():
            totals[key] = totals.get(key, 0.0) + weight * value
            names.setdefault(key, content.names.get(key, key))
    grand = math.fsum(totals.values())
    if grand <= 0:
        return {}, names
    return {key: value / grand for key, value in totals.items()}, names


def _top(shares: Mapping[str, float], names: Mapping[str, str], n: int) -> tuple[str, ...]:
    ordered = sorted(shares.items(), key=lambda item: (-item[1], item[0]))
    return tuple(names[key] for key, share in ordered[:n] if share > 0)


def axis_word(value: float) -> str:
    """A compass score in words: how much of that axis a taste has."""
    if value >= 0.75:
        return "strong"
    if value >= 0.5:
        return "clear"
    if value >= 0.25:
        return "some"
    return "little"


@dataclass(frozen=True)
class FeatureGap:
    name: str
    member_share: float
    server_share: float


@dataclass(frozen=True)
class ServerComparison:
    """The rest of the server next to the member."""

    compass: Point
    top_features: tuple[str, ...]
    more_than_server: tuple[FeatureGap, ...]  # features the member likes more, largest gap first

    def leans(self, member: Point) -> tuple[str, str]:
        """A phrase per axis: "more slow-burn", "less fantasy", "about as fantasy"."""
        phrases = []
        for value, theirs, axis in zip(member, self.compass, ("slow-burn", "fantasy"), strict=True):
            if value - theirs >= LEAN_GAP:
                phrases.append(f"more {axis}")
            elif theirs - value >= LEAN_GAP:
                phrases.append(f"less {axis}")
            else:
                phrases.append(f"about as {axis}")
        return phrases[0], phrases[1]


@dataclass(frozen=True)
class Favourite:
    title_id: str
    name: str
    chart_name: str
    score: int
    compass: Point


@dataclass(frozen=True)
class TasteMatch:
    member_id: int
    similarity: float  # shrunk cosine, in (MIN_SIMILARITY, 1]
    shared_titles: int


@dataclass(frozen=True)
class Portrait:
    """A member's taste in one server. `compass` is None when none of their titles' content is
    known (`titles` > 0 then says they did rate or list something)."""

    titles: int  # titles rated or watchlisted
    placed: int  # of those, titles whose content is known
    compass: Point | None
    top_features: tuple[str, ...]
    favourites: tuple[Favourite, ...]
    server: ServerComparison | None
    matches: tuple[TasteMatch, ...]

    @property
    def empty(self) -> bool:
        return self.titles == 0


def favourites(
    ratings: Iterable[Rating], contents: Mapping[str, TitleContent], n: int = FAVOURITES
) -> tuple[Favourite, ...]:
    """The member's highest-rated titles with known content, liked ones only (above the
    midpoint); ties go to the most recently rated, then the name."""
    liked = [
        rating for rating in ratings if rating.score > MIDPOINT and rating.title.id in contents
    ]
    liked.sort(key=lambda r: (-r.score, -r.rated_at, r.title.name.casefold(), r.title.id))
    return tuple(
        Favourite(
            title_id=r.title.id,
            name=r.title.name,
            chart_name=contents[r.title.id].chart_name,
            score=r.score,
            compass=contents[r.title.id].compass,
        )
        for r in liked[:n]
    )


def closest_members(
    member_id: int,
    ratings: Mapping[str, float],
    others: Mapping[int, Mapping[str, float]],
    *,
    limit: int = MATCHES,
) -> tuple[TasteMatch, ...]:
    """The members of `others` (the opted-in, title id -> score) whose ratings run closest to
    `ratings` (module doc); `member_id` itself is never among them."""
    if len(ratings) < MIN_OVERLAP:
        return ()
    own_mean = math.fsum(ratings.values()) / len(ratings)
    found: list[TasteMatch] = []
    for other_id, theirs in others.items():
        if other_id == member_id or not theirs:
            continue
        shared = [title_id for title_id in ratings if title_id in theirs]
        if len(shared) < MIN_OVERLAP:
            continue
        their_mean = math.fsum(theirs.values()) / len(theirs)
        a = [ratings[t] - own_mean for t in shared]
        b = [theirs[t] - their_mean for t in shared]
        norm = math.sqrt(math.fsum(x * x for x in a)) * math.sqrt(math.fsum(y * y for y in b))
        if norm == 0:
            continue  # one of them scored every shared title alike: no direction to compare
        cosine = math.fsum(x * y for x, y in zip(a, b, strict=True)) / norm
        similarity = cosine * len(shared) / (len(shared) + SHRINKAGE)
        if similarity > MIN_SIMILARITY:
            found.append(TasteMatch(other_id, similarity, len(shared)))
    found.sort(key=lambda m: (-m.similarity, -m.shared_titles, m.member_id))
    return tuple(found[:limit])


def _comparison(
    member_shares: Mapping[str, float],
    names: Mapping[str, str],
    server_compass: Point,
    server_shares: Mapping[str, float],
    server_names: Mapping[str, str],
) -> ServerComparison:
    gaps = [
        FeatureGap(names[key], share, server_shares.get(key, 0.0))
        for key, share in member_shares.items()
        if share - server_shares.get(key, 0.0) >= FEATURE_GAP
    ]
    gaps.sort(key=lambda gap: (-(gap.member_share - gap.server_share), gap.name.casefold()))
    return ServerComparison(
        compass=server_compass,
        top_features=_top(server_shares, server_names, TOP_FEATURES),
        more_than_server=tuple(gaps[:3]),
    )


def portrait(
    member_id: int,
    ratings: Sequence[Rating],
    watchlist: Sequence[str],
    contents: Mapping[str, TitleContent],
    aggregates: Sequence[TitleAggregate],
    opted_in: Mapping[int, Mapping[str, float]],
    canonical: Callable[[str], str] = str,
) -> Portrait:
    """The member's portrait. `contents` holds every title whose content is known (the
    member's and the server's); `opted_in` the ratings of the members who opted in to taste
    matching, with title ids already passed through `canonical` (one id per show, so a rating
    of the catalog's copy meets one of AniList's)."""
    titles = {rating.title.id for rating in ratings} | set(watchlist)
    weights = member_weights(ratings, watchlist)
    compass = compass_position(weights, contents)
    shares, names = feature_weights(weights, contents)
    server: ServerComparison | None = None
    others, enough = server_weights(aggregates, ratings, watchlist)
    server_compass = compass_position(others, contents)
    if compass is not None and enough and server_compass is not None:
        server_shares, server_names = feature_weights(others, contents)
        server = _comparison(shares, names, server_compass, server_shares, server_names)
    return Portrait(
        titles=len(titles),
        placed=sum(1 for title_id in titles if title_id in contents),
        compass=compass,
        top_features=_top(shares, names, TOP_FEATURES),
        favourites=favourites(ratings, contents),
        server=server,
        matches=closest_members(
            member_id, {canonical(r.title.id): float(r.score) for r in ratings}, opted_in
        ),
    )
