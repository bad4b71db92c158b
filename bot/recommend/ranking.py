"""One ranking for `/recommend`: what the member's ratings predict, what they are about, the
mood asked for, what this server loves, what AniList's users recommend for the titles liked
(`edges.py`), a little popularity, then diversity.

Every component is scaled to [0, 1] (item-kNN to [-1, 1]: a neighbour of a title the member
disliked is pushed down) and weighted; a pick keeps each weighted part, so its reason is what
actually drove it (`reasons.py`). Components that do not apply (no model, no ratings, no mood)
drop out and the rest are renormalised, so a cold start is the same code with different parts.

What a member rated seeds the item-kNN and the content taste; so, more mildly, do their
`Leaning`s: a watch party they went to, a vote in a poll that names its voters. A reason names
a leaning for what it was, never as a rating.

Everything per request is vectorised over the pool (numpy masks and one bincount per
component); only the short list that MMR diversifies (`_SHORTLIST`) is walked in Python.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType
from typing import Final

import numpy as np
import numpy.typing as npt

from bot.metadata.models import Medium, Status, Title
from bot.metadata.popularity import relative_popularity
from bot.recommend.content import ContentIndex, TasteVector
from bot.recommend.edges import EdgeSignals
from bot.recommend.knn import ItemKnn

__all__ = [
    "DIVERSITY",
    "MIDPOINT",
    "SHORT_MAX_EPISODES",
    "STANDARD_MAX_EPISODES",
    "WEIGHTS",
    "Anchor",
    "Audience",
    "CandidatePool",
    "Crossover",
    "Leaning",
    "Length",
    "MediumFilter",
    "MemberProfile",
    "Mood",
    "Pick",
    "Recommendations",
    "Recommender",
    "Request",
    "ServerEvidence",
    "ServerKind",
    "ServerSignals",
    "Signal",
    "StatusFilter",
    "like_weight",
    "mood_closeness",
]

FloatArray = npt.NDArray[np.float64]

MIDPOINT: Final = 5.5  # the middle of the 1..10 scale: above it a rating is a like
SHORT_MAX_EPISODES: Final = 13  # one cour, or a short K-drama
STANDARD_MAX_EPISODES: Final = 26  # two cours; a 16- or 20-episode K-drama
# What the closest earlier pick's content similarity costs (MMR): a near-copy of a pick needs
# to be half the relevance scale better than a title unlike it.
DIVERSITY: Final = 0.5
_SHORTLIST: Final = 60  # best candidates MMR chooses from (at least 6x the count)
_SEED_WEIGHT: Final = 1.5  # the `like` title counts more than any one rating (max 1.0)
_WATCHLIST_WEIGHT: Final = 0.3  # a watchlisted title says a little about taste
_SERVER_SCALE: Final = 3.0  # server weight at which the server component reaches 1 - 1/e
_FAN_SHARE: Final = 2 / 3  # share of liked titles in one medium that makes a member its fan


class Signal(StrEnum):
    KNN = "knn"  # members who rated what you rated also rated this
    CONTENT = "content"  # genres, tags and compass like what you liked
    MOOD = "mood"  # close to the mood asked for
    SERVER = "server"  # this server rated, watchlisted, voted for or watched it
    POPULARITY = "popularity"  # a gentle prior
    EDGES = "edges"  # AniList's users recommend it for a title you liked or asked about


class Audience(StrEnum):
    MEMBER = "member"
    SERVER = "server"  # `for: server`: the profile is the server's, its signals weigh more


# Weights per audience; the ones that do not apply to a request are dropped and the rest
# renormalised. Personal signals lead for a member; a cold start is left with mood, server and
# popularity, so the server's favourites come first.
WEIGHTS: Final[Mapping[Audience, Mapping[Signal, float]]] = MappingProxyType(
    {
        Audience.MEMBER: MappingProxyType(
            {
                Signal.KNN: 0.40,
                Signal.CONTENT: 0.25,
                Signal.MOOD: 0.35,
                Signal.SERVER: 0.20,
                Signal.POPULARITY: 0.03,
                Signal.EDGES: 0.30,
            }
        ),
        Audience.SERVER: MappingProxyType(
            {
                Signal.KNN: 0.30,
                Signal.CONTENT: 0.15,
                Signal.MOOD: 0.35,
                Signal.SERVER: 0.35,
                Signal.POPULARITY: 0.03,
                Signal.EDGES: 0.25,
            }
        ),
    }
)


class MediumFilter(StrEnum):
    ANIME = "anime"
    KDRAMA = "kdrama"
    ANY = "any"


class Length(StrEnum):
    SHORT = "short"  # up to SHORT_MAX_EPISODES
    STANDARD = "standard"  # up to STANDARD_MAX_EPISODES
    LONG = "long"
    ANY = "any"


class StatusFilter(StrEnum):
    AIRING = "airing"
    FINISHED = "finished"
    ANY = "any"  # anything already watchable: not-yet-released titles are never picked


class Mood(StrEnum):
    """A target on the story compass. Only the axes a mood names are compared: asking for
    slow-burn does not push fantasy away (Goblin is both)."""

    SLOW_BURN = "slow_burn"
    FANTASY = "fantasy"
    BOTH = "both"
    BALANCED = "balanced"


# (slow_burn target, fantasy target); None: that axis does not matter for the mood.
_MOOD_TARGETS: Final[Mapping[Mood, tuple[float | None, float | None]]] = MappingProxyType(
    {
        Mood.SLOW_BURN: (1.0, None),
        Mood.FANTASY: (None, 1.0),
        Mood.BOTH: (1.0, 1.0),
        Mood.BALANCED: (0.5, 0.5),
    }
)


class ServerKind(StrEnum):
    RATINGS = "ratings"  # members here who rated it highly
    WATCHLISTS = "watchlists"  # members here with it on their watchlist
    POLL_WINS = "poll_wins"  # polls here it won
    PARTIES = "parties"  # watch parties here that showed it


_SERVER_WEIGHTS: Final[Mapping[ServerKind, float]] = MappingProxyType(
    {
        ServerKind.RATINGS: 1.0,
        ServerKind.WATCHLISTS: 0.6,
        ServerKind.POLL_WINS: 0.8,
        ServerKind.PARTIES: 0.8,
    }
)


class Leaning(StrEnum):
    """A title the member showed a liking for without rating it. Weaker than any rating that
    likes a title (`_LEANING_WEIGHTS`), never a rating: a reason names it for what it was."""

    PARTY = "party"  # went to a watch party of it that took place; it also counts as watched
    VOTE = "vote"  # voted for it in a poll that names its voters


# How much a leaning counts as a seed, against `like_weight` (1.0 for a 10, 0.5 for a 7.75):
# going to a party says more than a vote, which may only mean "better than the other option".
_LEANING_WEIGHTS: Final[Mapping[Leaning, float]] = MappingProxyType(
    {Leaning.PARTY: 0.4, Leaning.VOTE: 0.25}
)


class Crossover(StrEnum):
    KDRAMA_FOR_ANIME_FAN = "kdrama_for_anime_fan"
    ANIME_FOR_KDRAMA_FAN = "anime_for_kdrama_fan"


def _empty() -> Mapping[str, float]:
    return MappingProxyType({})


def _no_leanings() -> Mapping[str, Leaning]:
    return MappingProxyType({})


@dataclass(frozen=True)
class MemberProfile:
    """What one member told the bot in this server (or, for `for: server`, the server's).

    `leanings` are what they showed without rating it (title id -> the strongest kind): mild
    seeds for the item-kNN and the content taste, below a rating. A member with leanings but no
    ratings is no cold start for the ranking (their leanings give them personal picks), but
    `RecommendService` still reports them as having no ratings, so the reply invites `/rate`.
    """

    ratings: Mapping[str, float] = field(default_factory=_empty)  # title id -> 1..10
    watched: frozenset[str] = frozenset()
    watchlist: frozenset[str] = frozenset()
    not_interested: frozenset[str] = frozenset()
    leanings: Mapping[str, Leaning] = field(default_factory=_no_leanings)

    @property
    def attended(self) -> frozenset[str]:
        """The titles of parties they went to: seen, like a title marked watched."""
        return frozenset(t for t, kind in self.leanings.items() if kind is Leaning.PARTY)


@dataclass(frozen=True)
class ServerSignals:
    """This server's per-title counts (see `ServerKind`); a missing title counts 0."""

    ratings: Mapping[str, float] = field(default_factory=_empty)
    watchlists: Mapping[str, float] = field(default_factory=_empty)
    poll_wins: Mapping[str, float] = field(default_factory=_empty)
    parties: Mapping[str, float] = field(default_factory=_empty)

    def of(self, kind: ServerKind) -> Mapping[str, float]:
        return {
            ServerKind.RATINGS: self.ratings,
            ServerKind.WATCHLISTS: self.watchlists,
            ServerKind.POLL_WINS: self.poll_wins,
            ServerKind.PARTIES: self.parties,
        }[kind]


@dataclass(frozen=True)
class Request:
    """The options of `/recommend`. `include_seen` lets rated and watched titles back in;
    `include_not_interested` the ones marked "not interested"."""

    medium: MediumFilter = MediumFilter.ANY
    mood: Mood | None = None
    like: str | None = None  # a title id to start from
    length: Length = Length.ANY
    status: StatusFilter = StatusFilter.ANY
    audience: Audience = Audience.MEMBER
    count: int = 10
    include_seen: bool = False
    include_not_interested: bool = False

    def __post_init__(self) -> None:
        if not 1 <= self.count <= 10:
            raise ValueError("count must be between 1 and 10")


@dataclass(frozen=True)
class Anchor:
    """A title the member told us about that a pick leans on. `score` is their rating; None
    for the `like` title they started from, or for a title they only leaned to (`leaning`)."""

    title_id: str
    name: str
    score: float | None
    leaning: Leaning | None = None


@dataclass(frozen=True)
class ServerEvidence:
    kind: ServerKind
    count: int


@dataclass(frozen=True)
class Pick:
    """One recommended title and what put it there.

    `components` are the weighted parts of `relevance` (they sum to it); `score` is relevance
    minus the diversity penalty, the order picks were chosen in.
    """

    title: Title
    score: float
    relevance: float
    components: Mapping[Signal, float]
    diversity_penalty: float
    compass: tuple[float, float]
    anchor: Anchor | None = None  # the seed title that gave most of the item-kNN score
    similar_to: Anchor | None = None  # the liked title closest in content, not the pick itself
    shared: tuple[str, ...] = ()  # the member's favourite genres/tags this title has
    server: ServerEvidence | None = None
    mood: Mood | None = None
    crossover: Crossover | None = None
    edge_anchor: Anchor | None = None  # the seed whose AniList fans recommend this title

    @property
    def ranked_signals(self) -> tuple[Signal, ...]:
        """Signals by how much they added, largest first (ties in `Signal` order)."""
        order = list(Signal)
        positive = [s for s in order if self.components.get(s, 0.0) > 0]
        return tuple(sorted(positive, key=lambda s: (-self.components[s], order.index(s))))


@dataclass(frozen=True)
class Recommendations:
    picks: tuple[Pick, ...]
    cold_start: bool  # no ratings, no leanings and no `like`: the server's favourites
    eligible: int  # candidates left after filters and exclusions


def like_weight(score: float) -> float:
    """How much a 1..10 rating says "more like this": -1 at 1, 0 at 5.5, 1 at 10."""
    return max(-1.0, min(1.0, (score - MIDPOINT) / (10.0 - MIDPOINT)))


def mood_closeness(point: tuple[float, float], mood: Mood) -> float:
    """1 at the mood's target, falling linearly with the mean distance on the axes it names."""
    gaps = [
        abs(value - target)
        for value, target in zip(point, _MOOD_TARGETS[mood], strict=True)
        if target is not None
    ]
    return 1.0 - sum(gaps) / len(gaps)


_MEDIA: Final = tuple(Medium)
_STATUSES: Final = tuple(Status)


@dataclass(frozen=True, eq=False)
class CandidatePool:
    """The titles that may be recommended, read once into arrays (filters become masks).

    `aliases` maps every id a title is known by (its own and `same_as`) to its rows, so a
    rating stored under an AniList id excludes the catalog's copy of the same show.
    """

    titles: tuple[Title, ...]
    content: ContentIndex
    aliases: Mapping[str, tuple[int, ...]]
    medium: npt.NDArray[np.int8]
    episodes: npt.NDArray[np.int32]  # -1: unknown
    status: npt.NDArray[np.int8]
    popularity: FloatArray

    @classmethod
    def build(
        cls, titles: Sequence[Title], popularity: Mapping[str, float] | None = None
    ) -> CandidatePool:
        """Blocking (reads every title's compass): build it in the background. `popularity`
        overrides `relative_popularity` per title id, on the same 0..1 scale."""
        unique: dict[str, Title] = {}
        for title in titles:
            unique.setdefault(title.id, title)
        kept = tuple(unique.values())
        aliases: dict[str, list[int]] = {}
        for row, title in enumerate(kept):
            for alias in dict.fromkeys((title.id, *title.same_as)):
                aliases.setdefault(alias, []).append(row)
        overrides = popularity or {}
        arrays = (
            np.array([_MEDIA.index(t.medium) for t in kept], dtype=np.int8),
            np.array([t.episodes if t.episodes else -1 for t in kept], dtype=np.int32),
            np.array([_STATUSES.index(t.status) for t in kept], dtype=np.int8),
            np.array([overrides.get(t.id, relative_popularity(t)) for t in kept], dtype=np.float64),
        )
        for array in arrays:
            array.flags.writeable = False
        return cls(
            titles=kept,
            content=ContentIndex.build(kept),
            aliases=MappingProxyType({k: tuple(v) for k, v in aliases.items()}),
            medium=arrays[0],
            episodes=arrays[1],
            status=arrays[2],
            popularity=arrays[3],
        )

    def __len__(self) -> int:
        return len(self.titles)

    def rows_of(self, title_id: str) -> tuple[int, ...]:
        return self.aliases.get(title_id, ())

    def mask(self, request: Request) -> npt.NDArray[np.bool_]:
        """The rows that pass the request's medium, length and status filters."""
        keep: npt.NDArray[np.bool_] = self.status != _STATUSES.index(Status.NOT_YET_RELEASED)
        if request.medium is MediumFilter.ANIME:
            keep &= self.medium == _MEDIA.index(Medium.ANIME)
        elif request.medium is MediumFilter.KDRAMA:
            keep &= self.medium == _MEDIA.index(Medium.KDRAMA)
        known = self.episodes > 0
        if request.length is Length.SHORT:
            keep &= known & (self.episodes <= SHORT_MAX_EPISODES)
        elif request.length is Length.STANDARD:
            keep &= (self.episodes > SHORT_MAX_EPISODES) & (self.episodes <= STANDARD_MAX_EPISODES)
        elif request.length is Length.LONG:
            keep &= self.episodes > STANDARD_MAX_EPISODES
        if request.status is StatusFilter.AIRING:
            keep &= self.status == _STATUSES.index(Status.RELEASING)
        elif request.status is StatusFilter.FINISHED:
            keep &= np.isin(
                self.status, [_STATUSES.index(Status.FINISHED), _STATUSES.index(Status.CANCELLED)]
            )
        return keep


@dataclass(frozen=True, eq=False)
class Recommender:
    """A pool and a fitted model, aligned once. Immutable: after a rebuild, make a new one
    and swap the reference, so a request never waits for (or sees half of) a rebuild."""

    pool: CandidatePool
    model: ItemKnn | None
    model_rows: npt.NDArray[np.int64]  # pool row -> model index, or -1

    @classmethod
    def create(cls, pool: CandidatePool, model: ItemKnn | None = None) -> Recommender:
        rows = np.full(len(pool), -1, dtype=np.int64)
        if model is not None:
            for row, title in enumerate(pool.titles):
                for alias in (title.id, *title.same_as):
                    index = model.index_of(alias)
                    if index is not None:
                        rows[row] = index
                        break
        rows.flags.writeable = False
        return cls(pool=pool, model=model, model_rows=rows)

    def recommend(
        self,
        profile: MemberProfile,
        request: Request | None = None,
        signals: ServerSignals | None = None,
        edges: EdgeSignals | None = None,
    ) -> Recommendations:
        """`edges`: AniList's recommendations from the request's seeds; without them (or when
        none is eligible) that component drops out like any other."""
        request = request or Request()
        edges = edges or EdgeSignals()
        signals = signals or ServerSignals()
        pool = self.pool
        n = len(pool)
        eligible = pool.mask(request) & self._not_excluded(profile, request)

        said, leaned = _seeds(profile, request)
        liked = {**leaned, **said}
        cold_start = not profile.ratings and not profile.leanings and request.like is None

        parts: dict[Signal, FloatArray] = {}
        knn_source = np.full(n, -1, dtype=np.int64)
        knn = self._knn(liked, eligible, knn_source)
        if knn is not None:
            parts[Signal.KNN] = knn
        taste = self._taste(said, profile.watchlist, leaned)
        if not taste.empty:
            parts[Signal.CONTENT] = _by_max(pool.content.similarity_to(taste), eligible)
        if request.mood is not None:
            parts[Signal.MOOD] = _mood_array(pool.content.compass, request.mood)
        parts[Signal.SERVER] = self._server(signals)
        parts[Signal.POPULARITY] = pool.popularity
        edge_values = self._edges(edges, eligible)
        if edge_values is not None:
            parts[Signal.EDGES] = edge_values

        weights = WEIGHTS[request.audience]
        total = math.fsum(weights[s] for s in parts)
        contributions = {s: weights[s] / total * values for s, values in parts.items()}
        relevance = np.sum(list(contributions.values()), axis=0)

        rows = _diversify(pool, relevance, eligible, request.count)
        # The liked titles in the pool, and each pick's content similarity to them, at once.
        liked_rows = [(t, r) for t, w in liked.items() if w > 0 for r in pool.rows_of(t)]
        pick_rows = [row for row, _, _ in rows]
        closeness = pool.content.pairwise(pick_rows + [r for _, r in liked_rows])
        context = _Context(
            relevance=relevance,
            contributions=contributions,
            knn_source=knn_source,
            liked_by_model={index: t for t in liked if (index := self._model_index(t)) is not None},
            liked_rows=liked_rows,
            closeness=closeness[: len(rows), len(rows) :],
            profile=profile,
            taste=taste,
            signals=signals,
            request=request,
            fan=self._fan_of(liked),
            edges=edges,
        )
        picks = tuple(
            self._pick(position, row, score, penalty, context)
            for position, (row, score, penalty) in enumerate(rows)
        )
        return Recommendations(picks=picks, cold_start=cold_start, eligible=int(eligible.sum()))

    def _not_excluded(self, profile: MemberProfile, request: Request) -> npt.NDArray[np.bool_]:
        keep = np.ones(len(self.pool), dtype=bool)
        excluded: set[str] = set()
        if not request.include_seen:
            excluded |= set(profile.ratings) | profile.watched | profile.attended
        if not request.include_not_interested:
            excluded |= profile.not_interested
        if request.like is not None:
            excluded.add(request.like)
        for title_id in excluded:
            keep[list(self.pool.rows_of(title_id))] = False
        # A title excluded under one id is excluded under every id it is known by.
        for row in np.flatnonzero(~keep):
            title = self.pool.titles[int(row)]
            for alias in title.same_as:
                keep[list(self.pool.rows_of(alias))] = False
        return keep

    def _model_index(self, title_id: str) -> int | None:
        if self.model is None:
            return None
        index = self.model.index_of(title_id)
        if index is None:
            for row in self.pool.rows_of(title_id):
                if self.model_rows[row] >= 0:
                    return int(self.model_rows[row])
        return index

    def _knn(
        self,
        liked: Mapping[str, float],
        eligible: npt.NDArray[np.bool_],
        source_out: npt.NDArray[np.int64],
    ) -> FloatArray | None:
        if self.model is None:
            return None
        indices: dict[int, float] = {}
        for title_id, weight in liked.items():
            index = self._model_index(title_id)
            if index is not None and weight != 0:
                indices[index] = weight
        if not indices:
            return None
        scored = self.model.score(list(indices), list(indices.values()))
        aligned = self.model_rows >= 0
        values = np.zeros(len(self.pool), dtype=np.float64)
        values[aligned] = scored.scores[self.model_rows[aligned]]
        source_out[aligned] = scored.source[self.model_rows[aligned]]
        scale = float(np.abs(values[eligible]).max()) if eligible.any() else 0.0
        return values / scale if scale > 0 else values

    def _taste(
        self, said: Mapping[str, float], watchlist: frozenset[str], leaned: Mapping[str, float]
    ) -> TasteVector:
        """Watchlist entries and leanings add what they add (the larger, for a title that is
        both); a rating or the `like` title says outright how much the title counts."""
        weighted: dict[int, float] = {}
        hints = [(t, _WATCHLIST_WEIGHT) for t in watchlist] + list(leaned.items())
        for title_id, hint in hints:
            for row in self.pool.rows_of(title_id):
                weighted[row] = max(weighted.get(row, 0.0), hint)
        for title_id, weight in said.items():
            for row in self.pool.rows_of(title_id):
                weighted[row] = weight
        return self.pool.content.taste(weighted)

    def _server(self, signals: ServerSignals) -> FloatArray:
        raw = np.zeros(len(self.pool), dtype=np.float64)
        for kind in ServerKind:
            for title_id, count in signals.of(kind).items():
                for row in self.pool.rows_of(title_id):
                    raw[row] += _SERVER_WEIGHTS[kind] * max(0.0, count)
        result: FloatArray = 1.0 - np.exp(-raw / _SERVER_SCALE)
        return result

    def _edges(self, edges: EdgeSignals, eligible: npt.NDArray[np.bool_]) -> FloatArray | None:
        """Edge strengths on the pool's rows (a twin gets its show's), the best eligible at 1;
        None when no eligible candidate has any."""
        raw = np.zeros(len(self.pool), dtype=np.float64)
        for title_id, strength in edges.strength.items():
            for row in self.pool.rows_of(title_id):
                raw[row] = max(raw[row], strength)
        if not (raw[eligible] > 0).any():
            return None
        return _by_max(raw, eligible)

    def _fan_of(self, liked: Mapping[str, float]) -> Medium | None:
        """The medium the member mostly likes, when one is at least `_FAN_SHARE` of it."""
        counts: dict[Medium, int] = {}
        for title_id, weight in liked.items():
            rows = self.pool.rows_of(title_id)
            if weight > 0 and rows:
                medium = self.pool.titles[rows[0]].medium
                counts[medium] = counts.get(medium, 0) + 1
        total = sum(counts.values())
        for medium in (Medium.ANIME, Medium.KDRAMA):
            if total and counts.get(medium, 0) / total >= _FAN_SHARE:
                return medium
        return None

    def _anchor(self, title_id: str, profile: MemberProfile, request: Request) -> Anchor:
        """The title as the member told us about it: rated, asked for (`like`), or only
        leaned to. A leaning never passes for a rating in a reason."""
        rows = self.pool.rows_of(title_id)
        name = self.pool.titles[rows[0]].display_name if rows else title_id
        score = profile.ratings.get(title_id)
        leaning = None
        if score is None and title_id != request.like:
            leaning = profile.leanings.get(title_id)
        return Anchor(title_id=title_id, name=name, score=score, leaning=leaning)

    def _pick(self, position: int, row: int, score: float, penalty: float, c: _Context) -> Pick:
        pool = self.pool
        title = pool.titles[row]
        profile, signals, request, fan = c.profile, c.signals, c.request, c.fan
        anchor = None
        source = int(c.knn_source[row])
        if self.model is not None and source >= 0:
            rated = c.liked_by_model.get(source, self.model.title_ids[source])
            anchor = self._anchor(rated, profile, request)
        similar_to = None
        # The closest liked title other than the pick itself (a title voted for, or a seen
        # one with include_seen, may be picked): "close to X" about X says nothing.
        others = [i for i, (_, liked_row) in enumerate(c.liked_rows) if liked_row != row]
        if others:
            nearest = others[int(np.argmax(c.closeness[position, others]))]
            similar_to = self._anchor(c.liked_rows[nearest][0], profile, request)
        taste = c.taste
        relevance, contributions = c.relevance, c.contributions
        server = None
        strongest = 0.0
        for kind in ServerKind:
            count = max(signals.of(kind).get(a, 0.0) for a in (title.id, *title.same_as))
            if count > 0 and _SERVER_WEIGHTS[kind] * count > strongest:
                strongest = _SERVER_WEIGHTS[kind] * count
                server = ServerEvidence(kind=kind, count=round(count))
        edge_anchor = None
        edge_part = contributions.get(Signal.EDGES)
        if edge_part is not None and edge_part[row] > 0:
            seed = next(
                (s for a in (title.id, *title.same_as) if (s := c.edges.seed_of.get(a))), None
            )
            if seed is not None:
                edge_anchor = Anchor(title_id=seed.title_id, name=seed.name, score=seed.score)
        crossover = None
        if fan is Medium.ANIME and title.medium is Medium.KDRAMA:
            crossover = Crossover.KDRAMA_FOR_ANIME_FAN
        elif fan is Medium.KDRAMA and title.medium is Medium.ANIME:
            crossover = Crossover.ANIME_FOR_KDRAMA_FAN
        return Pick(
            title=title,
            score=score,
            relevance=float(relevance[row]),
            components=MappingProxyType({s: float(v[row]) for s, v in contributions.items()}),
            diversity_penalty=penalty,
            compass=pool.content.point(row),
            anchor=anchor,
            similar_to=similar_to,
            shared=pool.content.shared_features(row, taste) if not taste.empty else (),
            server=server,
            mood=request.mood,
            crossover=crossover,
            edge_anchor=edge_anchor,
        )


@dataclass(frozen=True, eq=False)
class _Context:
    """What one request worked out, handed to each pick."""

    relevance: FloatArray
    contributions: Mapping[Signal, FloatArray]
    knn_source: npt.NDArray[np.int64]
    liked_by_model: Mapping[int, str]
    liked_rows: list[tuple[str, int]]
    closeness: FloatArray
    profile: MemberProfile
    taste: TasteVector
    signals: ServerSignals
    request: Request
    fan: Medium | None
    edges: EdgeSignals


def _seeds(profile: MemberProfile, request: Request) -> tuple[dict[str, float], dict[str, float]]:
    """The titles a pick may follow, with how much each counts: what the member said (their
    ratings, and the `like` title above any rating), and their leanings on titles they did
    not rate (a rating, even a low one, is their word on a title and a leaning adds nothing)."""
    said = {t: like_weight(s) for t, s in profile.ratings.items()}
    if request.like is not None:
        said[request.like] = _SEED_WEIGHT
    leaned = {
        title_id: _LEANING_WEIGHTS[kind]
        for title_id, kind in profile.leanings.items()
        if title_id not in said
    }
    return said, leaned


def _by_max(values: FloatArray, eligible: npt.NDArray[np.bool_]) -> FloatArray:
    """Scale so the best eligible candidate is 1. Not min-max: in a pool of look-alikes that
    would stretch a 0.8-vs-1.0 difference over the whole scale."""
    high = float(values[eligible].max()) if eligible.any() else 0.0
    return values / high if high > 0 else values


def _mood_array(compass: npt.NDArray[np.float32], mood: Mood) -> FloatArray:
    gaps = [
        np.abs(compass[:, axis].astype(np.float64) - target)
        for axis, target in enumerate(_MOOD_TARGETS[mood])
        if target is not None
    ]
    result: FloatArray = 1.0 - np.mean(gaps, axis=0)
    return result


def _diversify(
    pool: CandidatePool, relevance: FloatArray, eligible: npt.NDArray[np.bool_], count: int
) -> list[tuple[int, float, float]]:
    """MMR: repeatedly take the candidate with the best relevance minus `DIVERSITY` x its
    content similarity to the closest pick so far. Twins (one show under two ids) are never
    picked twice. Returns (row, score, penalty) in pick order."""
    rows = np.flatnonzero(eligible)
    if not len(rows):
        return []
    size = min(len(rows), max(_SHORTLIST, 6 * count))
    # Best `size` by relevance; ties by row so the result does not depend on the sort.
    order = np.lexsort((rows, -relevance[rows]))[:size]
    shortlist = rows[order]
    similarity = pool.content.pairwise(shortlist.tolist())
    closest = np.zeros(len(shortlist), dtype=np.float64)
    available = np.ones(len(shortlist), dtype=bool)
    chosen: list[tuple[int, float, float]] = []
    taken_ids: set[str] = set()
    while len(chosen) < count and available.any():
        scores = np.where(available, relevance[shortlist] - DIVERSITY * closest, -np.inf)
        best = int(np.argmax(scores))
        available[best] = False
        title = pool.titles[int(shortlist[best])]
        ids = {title.id, *title.same_as}
        if ids & taken_ids:
            continue
        taken_ids |= ids
        chosen.append((int(shortlist[best]), float(scores[best]), float(DIVERSITY * closest[best])))
        closest = np.maximum(closest, similarity[best])
    return chosen
