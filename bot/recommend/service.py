"""`/recommend`'s service: keeps a current `Recommender` and answers requests from it.

The model (item-kNN over every rating the bot holds) and the candidate pool (the catalog plus
the cached titles) are built in a worker thread, off the event loop, and swapped in whole. A
rebuild starts when the ratings changed (`TasteService.revision`) since the last build, at most
once every `min_interval` seconds; it is checked on every request and by a slow background
loop. A request never waits for a rebuild: it reads whichever `Recommender` is current, and
before the first model exists that is the catalog's pool with no model (content, mood, server
signals and popularity only).

AniList's recommendation edges (`EdgeReader`, the title service) are read per request from the
request's seeds: the `like` title, else the member's best-rated titles. They are waited on
briefly and cached, so a request stays quick when AniList is slow or down. An edge title
already in the pool gets the edge signal; one that is not is in the title cache by then and
joins the pool at the next rebuild (within `min_interval`), which the service starts even when
no rating changed.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Final, Protocol

from bot.background import BackgroundTasks
from bot.clock import Clock, to_unix
from bot.errors import UserFacingError
from bot.metadata.models import Title
from bot.recommend.edges import MAX_SEEDS, SEED_MIN_SCORE, EdgeSeed, EdgeSignals
from bot.recommend.knn import ItemKnn, RatingAggregate, fit_item_knn
from bot.recommend.ranking import (
    MIDPOINT,
    Audience,
    CandidatePool,
    Leaning,
    MemberProfile,
    Recommendations,
    Recommender,
    Request,
    ServerSignals,
    like_weight,
)
from bot.recommend.signals_repository import MemberActivity, ServerActivity, SignalsRepository
from bot.recommend.starters import STARTER_COUNT, starter_titles
from bot.taste.models import RatingTriple, TitleAggregate
from bot.taste.service import TasteService

__all__ = [
    "DEFAULT_MIN_INTERVAL",
    "Answer",
    "RecommendService",
    "build_recommender",
    "catalog_recommender",
    "leanings_of",
    "server_profile",
    "server_signals",
]

log = logging.getLogger(__name__)

DEFAULT_MIN_INTERVAL: Final = 60.0  # seconds between the starts of two rebuilds, at least
SERVER_SEED_RATERS: Final = 3  # members who rated a title before it seeds a `for: server` answer

TitleSource = Callable[[], Awaitable[Sequence[Title]]]


class EdgeReader(Protocol):
    """Where AniList's recommendation edges come from (`TitleService`)."""

    def recommendation_source(self, title_id: str) -> str | None:
        """The AniList id whose recommendations stand for this title, if any; no I/O."""
        ...

    async def recommendations_fresh(self, title_id: str) -> bool:
        """Whether the title's list is saved and fresh, so reading it asks AniList nothing."""
        ...

    async def recommended_for(
        self, title_id: str, *, limit: int = ..., ask: bool = ...
    ) -> list[Title]:
        """Best rated first; quick, never raises for a provider's failure. `ask=False`: only
        what is saved."""
        ...


@dataclass(frozen=True)
class Answer:
    """What one `/recommend` found, and whether the member had told the bot anything yet."""

    recommendations: Recommendations
    audience: Audience
    # False: no ratings, so the reply invites `/rate` (leanings alone may still give picks)
    has_ratings: bool
    model_ready: bool  # False: the first model was still being built


def build_recommender(titles: Sequence[Title], ratings: Sequence[RatingTriple]) -> Recommender:
    """Blocking and CPU-bound: the pool and the item-kNN model. Run it in a worker thread."""
    pool = CandidatePool.build(titles)
    model: ItemKnn | None = None
    if ratings:
        aggregate = RatingAggregate.from_ratings(
            (r.member_key, r.title_id, r.score) for r in ratings
        )
        model = fit_item_knn(aggregate)
    return Recommender.create(pool, model)


def _with_pool(titles: Sequence[Title], current: Recommender) -> Recommender:
    """Blocking: a new pool of `titles` with the current, already fitted model."""
    return Recommender.create(CandidatePool.build(titles), current.model)


def catalog_recommender(titles: Sequence[Title]) -> Recommender:
    """Blocking: the pool of `titles` with no model (content, mood, server and popularity)."""
    return Recommender.create(CandidatePool.build(titles))


def server_signals(
    aggregates: Sequence[TitleAggregate], activity: ServerActivity | None = None
) -> ServerSignals:
    """This server's counts per title: how many rated it (when they liked it on average), how
    many have it on their watchlist, how many of its polls it won and how many of its watch
    parties were held (`SignalsRepository.server_activity`)."""
    ratings: dict[str, float] = {}
    watchlists: dict[str, float] = {}
    for row in aggregates:
        mean = row.mean_score
        if mean is not None and mean > MIDPOINT:
            ratings[row.title.id] = float(row.ratings)
        if row.watchlisted:
            watchlists[row.title.id] = float(row.watchlisted)
    activity = activity or ServerActivity()
    return ServerSignals(
        ratings=MappingProxyType(ratings),
        watchlists=MappingProxyType(watchlists),
        poll_wins=MappingProxyType({t: float(n) for t, n in activity.poll_wins.items()}),
        parties=MappingProxyType({t: float(n) for t, n in activity.parties.items()}),
    )


def leanings_of(activity: MemberActivity) -> Mapping[str, Leaning]:
    """A member's leanings per title: a party they went to says more than a vote."""
    leanings = dict.fromkeys(activity.voted_for, Leaning.VOTE)
    leanings.update(dict.fromkeys(activity.attended, Leaning.PARTY))
    return MappingProxyType(leanings)


def server_profile(aggregates: Sequence[TitleAggregate]) -> MemberProfile:
    """`for: server`: the server as one member, its mean scores as its ratings; what the server
    watched or rated is not recommended again."""
    ratings = {row.title.id: mean for row in aggregates if (mean := row.mean_score) is not None}
    return MemberProfile(
        ratings=MappingProxyType(ratings),
        watched=frozenset(row.title.id for row in aggregates if row.watched),
        watchlist=frozenset(row.title.id for row in aggregates if row.watchlisted),
    )


class RecommendService:
    """Keeps the current `Recommender` and answers `/recommend` from it.

    `activity` reads the polls and watch parties: the server's poll wins and held parties, and
    a member's leanings (parties they went to, votes in polls that name their voters). Without
    it (a test of the model alone) those signals are simply absent.
    """

    def __init__(
        self,
        taste: TasteService,
        catalog: Sequence[Title],
        cached_titles: TitleSource,
        clock: Clock,
        tasks: BackgroundTasks,
        *,
        min_interval: float = DEFAULT_MIN_INTERVAL,
        build: Callable[[Sequence[Title], Sequence[RatingTriple]], Recommender] = (
            build_recommender
        ),
        activity: SignalsRepository | None = None,
        edges: EdgeReader | None = None,
    ) -> None:
        self._taste = taste
        self._activity = activity
        self._catalog = tuple(catalog)
        self._cached_titles = cached_titles
        self._clock = clock
        self._tasks = tasks
        self._min_interval = min_interval
        self._build = build
        self._edges = edges
        # Bumped when AniList's edges named titles the current pool lacks: they are cached by
        # then, and the next rebuild adds them even if no rating changed.
        self._pool_revision = 0
        self._built_pool_revision = 0
        # The ids that bumped it since the build that will add them started: a request on the
        # old pool meanwhile must not bump it again (and cause a needless second rebuild).
        self._joining: set[str] = set()
        self._current: Recommender | None = None
        self._built_revision: int | None = None  # the revision the current model was built at
        self._last_started: float | None = None  # monotonic seconds
        self._building: asyncio.Task[None] | None = None
        self._fallback_recommender: Recommender | None = None
        self.builds = 0  # finished builds, for tests and /about-style reports
        # guild -> (when read, taste revision, the server's per-title aggregates)
        self._server_titles: dict[int, tuple[float, int, list[TitleAggregate]]] = {}
        # guild -> (when read, the server's poll wins and held parties)
        self._server_activity: dict[int, tuple[float, ServerActivity]] = {}

    @property
    def model_ready(self) -> bool:
        return self._built_revision is not None

    @property
    def current(self) -> Recommender | None:
        return self._current

    @property
    def building(self) -> bool:
        return self._building is not None and not self._building.done()

    async def start(self) -> None:
        """Start the first build in the background and the loop that keeps it fresh."""
        self.refresh()
        self._tasks.spawn(self._keep_fresh(), name="recommend:refresh", forever=True)

    async def wait_built(self) -> None:
        """Wait for a running build (tests, the demo); requests never call this."""
        task = self._building
        if task is not None:
            await asyncio.gather(task, return_exceptions=True)

    def stale(self) -> bool:
        return (
            self._built_revision != self._taste.revision
            or self._built_pool_revision != self._pool_revision
        )

    def refresh(self) -> bool:
        """Start a rebuild when the ratings (or the titles AniList's edges brought) changed
        since the last one and the last started at least `min_interval` ago. Never waits;
        returns whether a build started."""
        if self.building or not self.stale():
            return False
        now = self._clock.monotonic()
        if self._last_started is not None and now - self._last_started < self._min_interval:
            return False
        self._last_started = now
        self._building = self._tasks.spawn(self._rebuild(), name="recommend:rebuild")
        return self._building is not None

    async def _keep_fresh(self) -> None:
        while True:
            await asyncio.sleep(self._min_interval)
            self.refresh()

    async def _rebuild(self) -> None:
        revision, pool_revision = self._taste.revision, self._pool_revision
        joining = set(self._joining)  # cached before they were noted, so this build reads them
        current = self._current
        try:
            titles = [*self._catalog, *await self._cached_titles()]
            if (
                current is not None
                and current.model is not None
                and self._built_revision == revision
            ):
                # Only the pool grew (edge titles): unrated titles do not change item-kNN, so
                # the fitted model is kept and only the pool is read again.
                ratings_count = int(current.model.counts.sum())
                recommender = await asyncio.to_thread(_with_pool, titles, current)
            else:
                ratings = await self._taste.rating_triples()
                ratings_count = len(ratings)
                recommender = await asyncio.to_thread(self._build, titles, ratings)
        except Exception:
            log.exception("Rebuilding the recommendation model failed; keeping the last one")
            return
        self._current = recommender
        self._built_revision = revision
        self._built_pool_revision = pool_revision
        self._joining -= joining
        self.builds += 1
        log.info(
            "Recommendation model built: %d titles, %d ratings",
            len(recommender.pool),
            ratings_count,
        )

    async def _fallback(self) -> Recommender:
        """Before the first build finished: the catalog alone with no model (a small pool,
        ~30 ms for the bundled catalog), built once off the loop. The real build goes on."""
        if self._fallback_recommender is None:
            self._fallback_recommender = await asyncio.to_thread(catalog_recommender, self._catalog)
        return self._current or self._fallback_recommender

    async def recommend(self, guild_id: int, member_id: int, request: Request) -> Answer:
        """Picks for the member (or, with `Audience.SERVER`, for the server) from the current
        model; starts a rebuild in the background when the ratings changed."""
        self.refresh()
        model_ready = self.model_ready
        recommender = self._current or await self._fallback()
        aggregates = await self.server_aggregates(guild_id)
        signals = server_signals(aggregates, await self._server_activity_of(guild_id))
        if request.audience is Audience.SERVER:
            profile = server_profile(aggregates)
        else:
            profile = await self.member_profile(guild_id, member_id)
        if request.like is not None and not recommender.pool.rows_of(request.like):
            raise UserFacingError(
                "I don't know that title well enough to start from it yet. Pick another one "
                "from the suggestions, or leave `like` out."
            )
        seedable = None
        if request.audience is Audience.SERVER:
            # A public answer stands on titles several members rated, never on one member's 10.
            seedable = frozenset(r.title.id for r in aggregates if r.ratings >= SERVER_SEED_RATERS)
        edges = await self._edge_signals(recommender, profile, request, seedable)
        result = await asyncio.to_thread(recommender.recommend, profile, request, signals, edges)
        return Answer(
            recommendations=result,
            audience=request.audience,
            has_ratings=bool(profile.ratings),
            model_ready=model_ready,
        )

    async def _edge_signals(
        self,
        recommender: Recommender,
        profile: MemberProfile,
        request: Request,
        seedable: frozenset[str] | None = None,
    ) -> EdgeSignals:
        """AniList's recommendations from the request's seeds, read at once (each waits a
        moment at most). Only the first seed whose list is not saved fresh may ask AniList;
        the others read what is saved, so a request spends at most one of AniList's ~25
        requests a minute, and a member's other seeds are asked in later requests. Edge titles
        the pool lacks make the next rebuild add them."""
        reader = self._edges
        if reader is None:
            return EdgeSignals()
        seeds = self._edge_seeds(reader, recommender, profile, request, seedable)
        if not seeds:
            return EdgeSignals()
        asked: str | None = None
        for seed in seeds:
            if not await self._fresh(reader, seed.title_id):
                asked = seed.title_id
                break
        found = await asyncio.gather(
            *(self._read_edges(reader, seed.title_id, ask=seed.title_id == asked) for seed in seeds)
        )
        # The newest pool: a build may have finished (and added them) while these were read.
        pool = (self._current or recommender).pool
        unseen = {
            title.id
            for titles in found
            for title in titles
            if not any(pool.rows_of(alias) for alias in (title.id, *title.same_as))
        }
        if unseen - self._joining:
            self._joining |= unseen
            self._pool_revision += 1
            self.refresh()
        return EdgeSignals.from_seeds(
            [
                EdgeSeed(s.title_id, s.name, s.score, s.weight, tuple(t.id for t in titles))
                for s, titles in zip(seeds, found, strict=True)
            ]
        )

    @staticmethod
    def _edge_seeds(
        reader: EdgeReader,
        recommender: Recommender,
        profile: MemberProfile,
        request: Request,
        seedable: frozenset[str] | None = None,
    ) -> list[EdgeSeed]:
        """The `like` title; else up to MAX_SEEDS titles rated SEED_MIN_SCORE or more, best
        first, that AniList knows (and, when `seedable` is given, among those). A seed is named
        from the pool, so it must be in it."""
        wanted: list[tuple[str, float | None, float]]
        if request.like is not None:
            wanted = [(request.like, None, 1.0)]
        else:
            rated = sorted(
                (
                    item
                    for item in profile.ratings.items()
                    if item[1] >= SEED_MIN_SCORE and (seedable is None or item[0] in seedable)
                ),
                key=lambda item: (-item[1], item[0]),
            )
            wanted = [(title_id, score, like_weight(score)) for title_id, score in rated]
        seeds: list[EdgeSeed] = []
        for title_id, score, weight in wanted:
            rows = recommender.pool.rows_of(title_id)
            if rows and reader.recommendation_source(title_id) is not None:
                name = recommender.pool.titles[rows[0]].display_name
                seeds.append(EdgeSeed(title_id, name, score, weight, ()))
            if len(seeds) == MAX_SEEDS:
                break
        return seeds

    @staticmethod
    async def _fresh(reader: EdgeReader, title_id: str) -> bool:
        try:
            return await reader.recommendations_fresh(title_id)
        except Exception:
            log.exception("Reading the saved recommendations of %s failed", title_id)
            return True  # then do not ask AniList for it either

    @staticmethod
    async def _read_edges(reader: EdgeReader, title_id: str, *, ask: bool) -> list[Title]:
        try:
            return await reader.recommended_for(title_id, ask=ask)
        except Exception:
            # The edges are a bonus: a bug reading them must not cost the member the answer.
            log.exception("Reading AniList's recommendations for %s failed", title_id)
            return []

    async def server_aggregates(self, guild_id: int) -> list[TitleAggregate]:
        """The server's per-title aggregates, read again when ratings changed or after the
        rebuild interval: at 5,000 members × 50 ratings one read takes about a second, too much
        for every request. Watchlist counts may so lag by up to that interval."""
        now, revision = self._clock.monotonic(), self._taste.revision
        cached = self._server_titles.get(guild_id)
        if cached is not None and cached[1] == revision and now - cached[0] < self._min_interval:
            return cached[2]
        aggregates = await self._taste.server_titles(guild_id)
        self._server_titles[guild_id] = (now, revision, aggregates)
        return aggregates

    async def _server_activity_of(self, guild_id: int) -> ServerActivity:
        """The server's poll wins and held parties, read again after the rebuild interval (as
        the aggregates are): a poll that closed or a party that started shows within it."""
        if self._activity is None:
            return ServerActivity()
        now = self._clock.monotonic()
        cached = self._server_activity.get(guild_id)
        if cached is not None and now - cached[0] < self._min_interval:
            return cached[1]
        activity = await self._activity.server_activity(guild_id, now=to_unix(self._clock.now()))
        self._server_activity[guild_id] = (now, activity)
        return activity

    async def member_profile(self, guild_id: int, member_id: int) -> MemberProfile:
        """What the member told the bot here, read fresh for each request. Their leanings
        come with it; `Answer.has_ratings` still looks at ratings alone, so a member who only
        voted or went to parties is still invited to rate."""
        taste = self._taste
        ratings = await taste.ratings(guild_id, member_id)
        watched = await taste.watched_titles(guild_id, member_id)
        watchlist = await taste.watchlist(guild_id, member_id)
        not_interested = await taste.not_interested_titles(guild_id, member_id)
        activity = MemberActivity()
        if self._activity is not None:
            now = to_unix(self._clock.now())
            activity = await self._activity.member_activity(guild_id, member_id, now=now)
        return MemberProfile(
            ratings=MappingProxyType({r.title.id: float(r.score) for r in ratings}),
            watched=frozenset(w.title.id for w in watched),
            watchlist=frozenset(e.title.id for e in watchlist),
            not_interested=frozenset(n.title.id for n in not_interested),
            leanings=leanings_of(activity),
        )

    def title(self, title_id: str) -> Title | None:
        """A title of the current pool, by any id it is known by."""
        recommender = self._current
        if recommender is None:
            return next((t for t in self._catalog if title_id in (t.id, *t.same_as)), None)
        rows = recommender.pool.rows_of(title_id)
        return recommender.pool.titles[rows[0]] if rows else None

    async def starters(
        self, guild_id: int, member_id: int, count: int = STARTER_COUNT
    ) -> list[Title]:
        """Well-known titles the member has not rated or turned down yet, for the quick picker:
        what members here know first, spread over the compass (see `starters.py`)."""
        rated = await self._taste.ratings(guild_id, member_id)
        turned_down = await self._taste.not_interested_titles(guild_id, member_id)
        aggregates = await self.server_aggregates(guild_id)
        known_here = {
            row.title.id: max(row.ratings, row.watched, row.watchlisted) for row in aggregates
        }
        recommender = self._current
        titles = recommender.pool.titles if recommender is not None else self._catalog
        return await asyncio.to_thread(
            starter_titles,
            titles,
            skip=frozenset(r.title.id for r in rated) | {n.title.id for n in turned_down},
            known_here=known_here,
            member_id=member_id,
            count=count,
        )
