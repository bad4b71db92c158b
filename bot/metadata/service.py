"""Looking titles up: cache first, one upstream call per question, stale data over no data.

- `suggest()` answers autocomplete from memory only (cache + catalog) and never waits on a
  provider; a miss queues one background search so the next keystrokes find the title.
- `lookup()` and `search()` use a fresh cached copy, else ask the provider (concurrent identical
  requests share one call), else serve the stale copy or the catalog with a note saying so.
- `air_schedule()` reads a show's real air times for watch parties that follow the airing:
  never from the cache, since a moved episode must move its party.
- `airing_season()` lists what is airing now, for a bracket's seeds: AniList's season for
  anime, TVmaze's and TMDB's week of K-dramas merged one line per show; cached like a search,
  stale over nothing, then the catalog's titles still airing, else a note that says so.
- `recommended_for()` reads AniList's recommendation edges of an anime (a catalog title's
  through its AniList twin) for `/recommend`: cached like a search, waited on only briefly
  (the call goes on in the background to fill the cache), stale or nothing on failure.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Callable, Coroutine, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, Generic, Protocol, TypeVar, cast, runtime_checkable

from bot.background import BackgroundTasks
from bot.clock import Clock, to_unix
from bot.errors import UserFacingError
from bot.metadata.aliases import alias_medium, expand_alias
from bot.metadata.catalog import Catalog
from bot.metadata.models import Airing, AirSchedule, Medium, NextEpisode, Status, Title
from bot.metadata.name_index import ALIAS, FUZZY, WORD_PREFIX, Match, NameIndex, fold
from bot.metadata.popularity import relative_popularity
from bot.metadata.provider import (
    ProviderBadResponse,
    ProviderError,
    ProviderUnavailable,
    TitleProvider,
)
from bot.metadata.repository import CachedSearch, TitleCacheRepository, TitleExpiry
from bot.metadata.seasons import AnimeSeason, anime_season
from bot.metadata.twins import ShowIdentity

log = logging.getLogger(__name__)

T = TypeVar("T")

HOUR = 3600
DAY = 24 * HOUR

MAX_GUESSES = 3  # the index's typo and alias matches shown after a provider's answer
PROVIDER_LABELS = {"anilist": "AniList", "tvmaze": "TVmaze", "tmdb": "TMDB", "catalog": "catalog"}
SEARCHED_MEDIA = (Medium.ANIME, Medium.KDRAMA)
# Where a catalog title's air times are read: the providers that know each episode's instant.
AIR_TIMES_SOURCE = {Medium.ANIME: "anilist", Medium.KDRAMA: "tvmaze"}
# Providers whose episode count is the planned total while a show airs. TVmaze's is only the
# episodes announced so far, so it counts as the last episode once the show has ended.
PLANNED_COUNT_SOURCES = frozenset({"anilist"})
ENDED_STATUSES = frozenset({Status.FINISHED, Status.CANCELLED})
# Each provider is asked for this many airing titles (a bracket seeds 16 at most), and the
# list is cut to what is asked for, so brackets of 4, 8 and 16 share one call and one cache.
SEASON_POOL = 16
MAX_SEASON_TITLES = 50  # AniList's page size, and more than any bracket seeds
# How members call a medium's titles: one, and several.
SEASON_KINDS = {Medium.ANIME: ("anime", "anime"), Medium.KDRAMA: ("K-drama", "K-dramas")}
EDGES_SOURCE = "anilist"  # the provider whose users' recommendations are read
# Edges read per title, whatever a caller asks for, so every caller shares one call and one
# cached list; AniList's connection pages hold at most 25.
EDGES_POOL = 10


AiringsReader = Callable[[str], Coroutine[Any, Any, list[NextEpisode]]]
AiringNowReader = Callable[[datetime, int], Coroutine[Any, Any, list[Title]]]


@runtime_checkable
class _ListsUpcomingAirings(Protocol):
    """AniList: the episodes not yet aired, each at its instant."""

    async def upcoming_airings(self, source_id: str, *, limit: int = ...) -> list[NextEpisode]: ...


@runtime_checkable
class _ListsAiringNow(Protocol):
    """AniList (this season's anime), TVmaze and TMDB (this week's K-dramas): most popular
    first, one per title."""

    async def airing_now(self, now: datetime, limit: int = ...) -> list[Title]: ...


@runtime_checkable
class _ListsRecommendations(Protocol):
    """AniList: what its users recommend for an anime, best rated first."""

    async def recommendations(self, source_id: str, *, limit: int = ...) -> list[Title]: ...


@runtime_checkable
class _ListsEpisodes(Protocol):
    """TVmaze: every episode with its airstamp."""

    async def episodes(self, source_id: str) -> list[NextEpisode]: ...


@dataclass(frozen=True)
class CachePolicy:
    finished_title: int = 7 * DAY
    airing_title: int = 6 * HOUR  # next-episode times move; refresh them within hours
    search: int = DAY
    empty_search: int = HOUR  # a "no match" is retried sooner
    airing_season: int = 6 * HOUR  # what airs now: new shows start, the week moves on
    keep: int = 30 * DAY  # then purged: only what members use is kept (TMDB caps at 6 months)
    # How long a member waits on a provider before the answer comes from what the bot knows.
    answer_within: float = 5.0
    # AniList's "fans of X recommend Y" edges change slowly; a title with none is asked again
    # after `empty_search`.
    recommendations: int = 7 * DAY
    # `/recommend` must stay quick: the edges are a bonus, waited on only this long, well
    # within the 1.5 s after which a command shows "thinking…" (cogs/replies.py).
    recommendations_within: float = 1.0
    prefetch_min_length: int = 3
    prefetch_when_fewer_than: int = 5


@dataclass(frozen=True)
class Suggestion:
    title_id: str
    label: str


@dataclass(frozen=True)
class TitleLookup:
    title: Title
    note: str | None = None  # set when the data may be out of date or from the catalog


@dataclass(frozen=True)
class SearchOutcome:
    titles: tuple[Title, ...]
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class SeasonTitles:
    """What is airing now, for the seeds of a bracket poll.

    `titles` are most popular first, one per show, at most the number asked for. `sources`
    names who answered, in the order asked: provider names ("anilist"; "tmdb", "tvmaze"),
    ("catalog",) when the built-in catalog stood in, or () when nothing could be read. `season`
    is the AniList season for anime ("Winter 2027"); K-dramas have no seasons, their list is
    the week around now, so it is None. `stale` says a provider's saved copy stood in for its
    answer. `note` is for members: set when a provider did not answer, the list is a saved copy
    or the catalog's, or fewer titles came back than asked for.
    """

    medium: Medium
    titles: tuple[Title, ...]
    sources: tuple[str, ...]
    season: str | None = None
    stale: bool = False
    note: str | None = None

    @property
    def read(self) -> bool:
        """True when a provider (or its saved copy) answered, not the catalog or nobody."""
        return bool(self.sources) and self.sources != ("catalog",)

    @property
    def source_label(self) -> str | None:
        """Who answered, as members read it: "AniList", "TMDB and TVmaze", "my built-in catalog"."""
        if not self.sources:
            return None
        if self.sources == ("catalog",):
            return "my built-in catalog"
        return " and ".join(PROVIDER_LABELS.get(name, name) for name in self.sources)


@dataclass(frozen=True)
class _AiringRead:
    """One provider's part of a season: its titles, from a saved copy or not, or a failure."""

    provider: str
    titles: tuple[Title, ...] = ()
    stale: bool = False
    failed: bool = False


def label_for(name: str, medium: Medium, year: int | None) -> str:
    kind = {Medium.ANIME: "anime", Medium.KDRAMA: "K-drama"}.get(medium, "title")
    suffix = f" · {kind}" + (f" · {year}" if year else "")
    room = 100 - len(suffix)
    return (name if len(name) <= room else name[: room - 1] + "…") + suffix


def _edges_key(source_id: str) -> str:
    """The search-cache key of AniList's recommendations for a title. "#" never survives
    `fold`, so no typed search can name it."""
    return f"{EDGES_SOURCE}|#recommendations|{source_id}"


class TitleService:
    def __init__(
        self,
        cache: TitleCacheRepository,
        catalog: Catalog,
        providers: Sequence[TitleProvider],
        clock: Clock,
        tasks: BackgroundTasks,
        policy: CachePolicy | None = None,
    ) -> None:
        self._cache = cache
        self._catalog = catalog
        self._providers = {provider.name: provider for provider in providers}
        self._clock = clock
        self._tasks = tasks
        self._policy = policy or CachePolicy()
        self._index = NameIndex()
        self._identity = ShowIdentity(catalog)
        self._inflight: dict[str, asyncio.Future[Any]] = {}
        self._prefetch_next: dict[Medium | None, str] = {}
        self.upstream_calls = 0

    @property
    def offline(self) -> bool:
        return not self._providers

    async def start(self) -> None:
        """Purge expired entries, then index the catalog and every cached title. Later purges
        run on the maintenance timer (`bot/maintenance.py`)."""
        now = self._now()
        await self.purge()
        for title in self._catalog:
            self._index.add(title)
        cached = await self._cache.all_titles(now=now)
        for title in cached:
            self._identity.learn(title)
        self._index.add_all(cached)

    async def purge(self) -> int:
        """Drop cached data past its purge date from the database and from autocomplete."""
        gone = await self._cache.purge(now=self._now())
        self._index.remove(gone)
        if gone:
            log.info("Purged %d expired titles from the cache", len(gone))
        return len(gone)

    def providers_for(self, medium: Medium) -> list[TitleProvider]:
        return [p for p in self._providers.values() if medium in p.media]

    # -- autocomplete ---------------------------------------------------------------------------

    def suggest(
        self, typed: str, *, medium: Medium | None = None, limit: int = 25
    ) -> list[Suggestion]:
        matches = self._index.search(typed, medium=medium, limit=limit * 2)
        best_of_show: dict[str, Match] = {}
        for match in matches:
            show = self._identity.show_of(match.entry.title_id)
            listed = best_of_show.get(show)
            if listed is None or (
                _is_catalog_id(listed.entry.title_id) and not _is_catalog_id(match.entry.title_id)
            ):
                # One line per show; a provider's entry beats the catalog's: it knows more.
                best_of_show[show] = match
        shown = list(best_of_show.values())[:limit]
        suggestions = [
            Suggestion(m.entry.title_id, label_for(m.name, m.entry.medium, m.entry.year))
            for m in shown
        ]
        # A near miss does not make the typed text known: only real matches stop a prefetch.
        known = [m for m in shown if m.quality >= WORD_PREFIX]
        if (
            not self.offline
            and len(fold(typed)) >= self._policy.prefetch_min_length
            and len(known) < self._policy.prefetch_when_fewer_than
        ):
            self._queue_prefetch(typed, medium)
        return suggestions

    def _queue_prefetch(self, typed: str, medium: Medium | None) -> None:
        # One worker per medium filter, always working on the latest text: typing "frieren"
        # costs one or two upstream searches, not one per keystroke.
        already_running = medium in self._prefetch_next
        self._prefetch_next[medium] = typed
        if not already_running:
            self._tasks.spawn(self._prefetch_worker(medium), name=f"prefetch:{medium}")

    async def _prefetch_worker(self, medium: Medium | None) -> None:
        try:
            while (typed := self._prefetch_next.get(medium)) is not None:
                await self.search(typed, medium=medium)
                if self._prefetch_next.get(medium) == typed:
                    break
        finally:
            self._prefetch_next.pop(medium, None)

    # -- lookups --------------------------------------------------------------------------------

    async def lookup(self, title_id: str) -> TitleLookup:
        source = title_id.split(":", 1)[0]
        if source == "catalog":
            return await self._lookup_catalog(title_id)
        provider = self._providers.get(source)
        if provider is None:
            twin = self._catalog.get(title_id)
            if twin is not None:
                return TitleLookup(twin, note=self._offline_note())
            raise UserFacingError(
                "I don't know that title. Pick one of the suggestions as you type, "
                "or type a name and I'll search for it."
            )
        return await self._lookup_provider(provider, title_id)

    async def _lookup_catalog(self, title_id: str) -> TitleLookup:
        title = self._catalog.get(title_id)
        if title is None:
            raise UserFacingError("That title is not in my catalog. Pick one of the suggestions.")
        learned = [i for i in self._identity.provider_ids(title.id) if i not in title.same_as]
        for twin_id in (*title.same_as, *learned):
            provider = self._providers.get(twin_id.split(":", 1)[0])
            if provider is None:
                continue
            try:
                return await self._lookup_provider(provider, twin_id)
            except UserFacingError:
                break
        return TitleLookup(title)

    async def _lookup_provider(self, provider: TitleProvider, title_id: str) -> TitleLookup:
        now = self._now()
        cached = await self._cache.get(title_id, now=now)
        if cached is not None and cached.serves_details(now):
            return TitleLookup(cached.title)
        try:
            fetched = await self._answer_in_time(
                provider, f"fetch|{title_id}", lambda: self._fetch_and_store(provider, title_id)
            )
        except ProviderError as error:
            log.warning("Fetching %s failed: %s", title_id, error)
            note = self._stale_note(provider.name)
            if cached is not None:
                return TitleLookup(cached.title, note=note)
            twin = self._catalog.get(title_id)
            if twin is not None:
                return TitleLookup(twin, note=note)
            raise UserFacingError(
                f"{PROVIDER_LABELS[provider.name]} is not answering right now and I have no saved "
                "copy of this title. Please try again in a minute."
            ) from error
        if fetched is None:
            raise UserFacingError(
                f"{PROVIDER_LABELS[provider.name]} no longer has that title. Try searching by name."
            )
        return TitleLookup(fetched)

    async def _fetch_and_store(self, provider: TitleProvider, title_id: str) -> Title | None:
        fetched = await provider.fetch(title_id.split(":", 1)[1])
        if fetched is not None:
            await self._store([fetched], complete=True)
        return fetched

    # -- air times ------------------------------------------------------------------------------

    async def air_schedule(self, title_id: str) -> AirSchedule:
        """Each episode's real air time and whether the show has ended, read from the provider.

        An anime is read from AniList, a K-drama from TVmaze; a catalog title through its twin
        there (searched for by name when none is linked yet). TMDB knows only air dates, so a
        TMDB title cannot be followed. Raises UserFacingError for a title that cannot be
        followed or a provider that is not answering (try again later); nothing is cached,
        since a moved episode must move its party.
        """
        source = title_id.split(":", 1)[0]
        if source == "tmdb":
            raise UserFacingError(
                "TMDB gives only the day an episode airs, not the time, so I can't follow this "
                "title's airing. Pick the show's TVmaze entry from the suggestions instead."
            )
        if source == "catalog":
            title_id = await self._air_times_twin(title_id)
            source = title_id.split(":", 1)[0]
        provider = self._providers.get(source)
        if provider is None:
            if source in PROVIDER_LABELS:
                raise UserFacingError(
                    f"{PROVIDER_LABELS[source]} is not available here, so I can't read when "
                    "this title airs."
                )
            raise UserFacingError(
                "I don't know that title. Pick one of the suggestions as you type, "
                "or type a name and I'll search for it."
            )
        read = _airings_reader(provider)
        if read is None:
            raise UserFacingError(
                f"{PROVIDER_LABELS.get(source, source)} doesn't give episode air times, so I "
                "can't follow this title's airing."
            )
        # The details say whether the show has ended and how many episodes it has: a cached copy
        # of the provider's own will do, but not the catalog's (its status may be years old),
        # which the lookup falls back to when the provider is down.
        title = (await self._lookup_provider(provider, title_id)).title
        if title.id != title_id:
            raise UserFacingError(_not_answering(provider.name, title.display_name))
        try:
            episodes = await self._answer_in_time(
                provider, f"airings|{title_id}", functools.partial(read, title.source_id)
            )
        except ProviderError as error:
            log.warning("Reading air times of %s failed: %s", title_id, error)
            raise UserFacingError(_not_answering(provider.name, title.display_name)) from error
        return _schedule_of(title, episodes)

    async def _air_times_twin(self, catalog_id: str) -> str:
        """The AniList or TVmaze id of a catalog title, linked by `ShowIdentity`."""
        title = self._catalog.get(catalog_id)
        if title is None:
            raise UserFacingError("That title is not in my catalog. Pick one of the suggestions.")
        source = AIR_TIMES_SOURCE.get(title.medium)
        provider = self._providers.get(source) if source is not None else None
        if source is None or provider is None:
            raise UserFacingError(
                f"I have no source of air times for {title.display_name} here, "
                "so I can't follow its airing."
            )
        twin = self._twin_in(title, source)
        if twin is None:
            # Not linked yet: searching its name stores what the provider finds, and storing
            # links a result that is the same show (same medium, main name and year).
            name = title.display_name
            key = f"{provider.name}|{fold(name)}"
            search = functools.partial(
                self._search_and_store, provider, name, title.medium, 10, key
            )
            try:
                await self._answer_in_time(provider, f"search|{key}", search)
            except ProviderError as error:
                log.warning("Searching %s for %r failed: %s", provider.name, name[:100], error)
                raise UserFacingError(_not_answering(provider.name, name)) from error
            twin = self._twin_in(title, source)
        if twin is None:
            label = PROVIDER_LABELS[provider.name]
            raise UserFacingError(
                f"I can't find {title.display_name} on {label}, so I can't read when it airs. "
                f"Pick its {label} entry from the suggestions as you type."
            )
        return twin

    def _twin_in(self, title: Title, source: str) -> str | None:
        linked = (*title.same_as, *self._identity.provider_ids(title.id))
        return next((i for i in linked if i.split(":", 1)[0] == source), None)

    # -- what airs now ---------------------------------------------------------------------------

    async def airing_season(self, medium: Medium, *, limit: int = 16) -> SeasonTitles:
        """The titles airing now, most popular first, one per show, for a bracket's seeds.

        Anime: AniList's current season. K-dramas: TVmaze's and (when configured) TMDB's week
        around now, asked at once and merged by `relative_popularity`, twins listed once. Each
        provider's list is cached like a search (CachePolicy.airing_season, and only within
        the same season or UTC day); a provider that fails is stood in for by its saved list,
        marked stale. When no provider answers, the catalog's titles still airing stand in, or
        none: the note then says the season could not be read. Never raises for a provider's
        failure. `limit` is 1..MAX_SEASON_TITLES.
        """
        if not 1 <= limit <= MAX_SEASON_TITLES:
            raise ValueError(f"limit must be 1..{MAX_SEASON_TITLES}")
        moment = self._clock.now()
        season = anime_season(moment).label if medium is Medium.ANIME else None
        readers = [
            (provider, read)
            for provider in self.providers_for(medium)
            if (read := _airing_now_reader(provider)) is not None
        ]
        pool = max(limit, SEASON_POOL)
        # One wait for the whole answer: TMDB and TVmaze are asked at once, within it.
        deadline = asyncio.get_running_loop().time() + self._policy.answer_within
        reads = await asyncio.gather(
            *(
                self._read_airing(provider, read, medium, moment, pool, deadline)
                for provider, read in readers
            )
        )
        answered = [part for part in reads if not part.failed]
        failed = _labels(part.provider for part in reads if part.failed)
        one, kind = SEASON_KINDS.get(medium, ("title", "titles"))
        if answered:
            titles, notes = self._merge_airing(answered, failed, kind, limit)
            sources = tuple(part.provider for part in answered)
        else:
            titles, notes = self._catalog_airing(medium, failed, kind, limit)
            sources = ("catalog",) if titles else ()
        if sources and len(titles) < limit:
            found = len(titles)
            noun = one if found == 1 else kind
            notes.append(_too_few(found, limit, noun, medium, season, sources))
        return SeasonTitles(
            medium=medium,
            titles=tuple(titles),
            sources=sources,
            season=season,
            stale=any(part.stale for part in answered),
            note=" ".join(notes) or None,
        )

    def _merge_airing(
        self, answered: Sequence[_AiringRead], failed: Sequence[str], kind: str, limit: int
    ) -> tuple[list[Title], list[str]]:
        """The providers' lists as one, most popular first, one line per show; the notes."""
        ranked = sorted(
            (title for part in answered for title in part.titles),
            key=relative_popularity,
            reverse=True,  # stable: equally popular titles keep the providers' order
        )
        notes: list[str] = []
        if failed:
            listed = _names(_labels(part.provider for part in answered))
            notes.append(
                f"{_names_are(failed)} not answering right now, so this list has only "
                f"{listed}'s {kind}."
            )
        stale = _labels(part.provider for part in answered if part.stale)
        if stale:
            notes.append(
                f"{_names_are(stale)} not answering right now, so this list may be out of date."
            )
        return self._one_per_show(ranked)[:limit], notes

    def _catalog_airing(
        self, medium: Medium, failed: Sequence[str], kind: str, limit: int
    ) -> tuple[list[Title], list[str]]:
        """No provider answered: the catalog's titles still airing, if any; the notes."""
        titles = [t for t in self._catalog if t.medium is medium and t.status is Status.RELEASING]
        asked = f"this season's {kind}" if medium is Medium.ANIME else f"the {kind} airing now"
        if failed:
            notes = [f"{_names_are(failed)} not answering right now, so I can't read {asked}."]
        else:
            notes = [f"No title source is switched on here, so I can't read {asked}."]
        if titles:
            notes.append(
                "These are the titles my built-in catalog lists as still airing; "
                "it may be out of date."
            )
        elif failed:
            notes.append("Please try again in a few minutes.")
        return titles[:limit], notes

    async def _read_airing(
        self,
        provider: TitleProvider,
        read: AiringNowReader,
        medium: Medium,
        moment: datetime,
        pool: int,
        deadline: float,
    ) -> _AiringRead:
        # "#" never survives `fold`, so no typed search can name this key.
        key = f"{provider.name}|#airing|{medium.value}|{pool}"
        now = self._now()
        cached = await self._cache.get_search(key, now=now)
        if (
            cached is not None
            and cached.is_fresh(now)
            and _airing_period(medium, cached.fetched_at) == _airing_period(medium, now)
        ):
            stored = await self._cache.get_many(cached.title_ids, now=now)
            if len(stored) == len(cached.title_ids):
                return _AiringRead(provider.name, tuple(stored[i] for i in cached.title_ids))
        try:
            found = await self._answer_in_time(
                provider,
                f"airing|{key}",
                functools.partial(
                    self._airing_and_store, provider, read, medium, moment, pool, key
                ),
                deadline=deadline,
            )
        except ProviderError as error:
            log.warning("Reading what airs now from %s failed: %s", provider.name, error)
            saved = await self._saved_list(cached, now)
            if saved:
                return _AiringRead(provider.name, saved, stale=True)
            return _AiringRead(provider.name, failed=True)
        return _AiringRead(provider.name, tuple(found))

    async def _airing_and_store(
        self,
        provider: TitleProvider,
        read: AiringNowReader,
        medium: Medium,
        moment: datetime,
        pool: int,
        key: str,
    ) -> list[Title]:
        found = [title for title in await read(moment, pool) if title.medium is medium]
        await self._store(found, complete=provider.search_gives_details)
        ttl = self._policy.airing_season if found else self._policy.empty_search
        await self._cache.put_search(key, [t.id for t in found], self._expiry(ttl))
        return found

    async def _saved_list(self, cached: CachedSearch | None, now: int) -> tuple[Title, ...]:
        if cached is None:
            return ()
        stored = await self._cache.get_many(cached.title_ids, now=now)
        return tuple(stored[i] for i in cached.title_ids if i in stored)

    # -- recommendation edges --------------------------------------------------------------------

    def recommendation_source(self, title_id: str) -> str | None:
        """The AniList id whose recommendations stand for this title: an AniList id itself, a
        catalog title's AniList twin; None for TVmaze, TMDB and K-dramas (AniList lists anime
        only). No I/O."""
        source = title_id.split(":", 1)[0]
        if source == EDGES_SOURCE:
            return title_id
        if source != "catalog":
            return None
        title = self._catalog.get(title_id)
        return None if title is None else self._twin_in(title, EDGES_SOURCE)

    async def recommendations_fresh(self, title_id: str) -> bool:
        """Whether AniList's list for this title is saved and fresh (asking would cost nothing)."""
        source_id = self.recommendation_source(title_id)
        if source_id is None:
            return True  # nothing to ask for
        now = self._now()
        cached = await self._cache.get_search(_edges_key(source_id), now=now)
        return cached is not None and cached.is_fresh(now)

    async def recommended_for(
        self, title_id: str, *, limit: int = EDGES_POOL, ask: bool = True
    ) -> list[Title]:
        """What AniList's users recommend for this title, best rated first, at most `limit`.

        The recommended titles are stored in the title cache (so they join `/recommend`'s pool
        at its next rebuild) and the list itself like a search, for
        `CachePolicy.recommendations`. AniList is waited on for `recommendations_within`
        only; a call that takes longer goes on in the background and fills the cache for the
        next ask. Offline, or when AniList fails, the saved list (even stale) or nothing.
        Never raises for a provider's failure. `ask=False`: the saved list only, AniList is not
        asked (a request spends at most one of AniList's ~25 a minute on edges).
        """
        source_id = self.recommendation_source(title_id)
        if source_id is None or limit < 1:
            return []
        key = _edges_key(source_id)
        now = self._now()
        cached = await self._cache.get_search(key, now=now)
        provider = self._providers.get(EDGES_SOURCE)
        read = provider.recommendations if isinstance(provider, _ListsRecommendations) else None
        fresh = cached is not None and cached.is_fresh(now)
        if not ask or provider is None or read is None or fresh:
            return list(await self._saved_list(cached, now))[:limit]
        deadline = asyncio.get_running_loop().time() + self._policy.recommendations_within
        try:
            found = await self._answer_in_time(
                provider,
                f"recommendations|{key}",
                functools.partial(self._recommendations_and_store, read, source_id, key),
                deadline=deadline,
            )
        except ProviderError as error:
            log.warning("Reading AniList's recommendations for %s failed: %s", source_id, error)
            return list(await self._saved_list(cached, now))[:limit]
        return found[:limit]

    async def _recommendations_and_store(
        self, read: Callable[..., Coroutine[Any, Any, list[Title]]], source_id: str, key: str
    ) -> list[Title]:
        try:
            found = await read(source_id.split(":", 1)[1], limit=EDGES_POOL)
        except ProviderBadResponse:
            # Asking again would get the same unreadable answer: not before `empty_search`.
            # A list saved earlier, even stale, is kept as the answer until then.
            saved = await self._cache.get_search(key, now=self._now())
            ids = list(saved.title_ids) if saved is not None else []
            await self._cache.put_search(key, ids, self._expiry(self._policy.empty_search))
            raise
        await self._store(found, complete=True)  # the same fragment as a fetch by id
        ttl = self._policy.recommendations if found else self._policy.empty_search
        await self._cache.put_search(key, [t.id for t in found], self._expiry(ttl))
        return found

    # -- searches -------------------------------------------------------------------------------

    async def search(
        self, typed: str, *, medium: Medium | None = None, limit: int = 10
    ) -> SearchOutcome:
        query = fold(typed)
        if not query:
            return SearchOutcome(())
        media = (medium,) if medium is not None else SEARCHED_MEDIA
        per_medium = await asyncio.gather(*(self._search_medium(typed, m, limit) for m in media))
        titles = self._one_per_show(_interleave([found for found, _ in per_medium]))[:limit]
        notes = tuple(
            dict.fromkeys(note for _, medium_notes in per_medium for note in medium_notes)
        )
        return SearchOutcome(tuple(titles), notes)

    async def _search_medium(
        self, typed: str, medium: Medium, limit: int
    ) -> tuple[list[Title], list[str]]:
        # A fan alias is asked for by its title's name, of the medium it names: TVmaze and TMDB
        # do not know "cloy", and AniList must still hear "goblin" as typed.
        asked = expand_alias(typed) if alias_medium(typed) is medium else None
        found, notes, answered = await self._ask_providers(asked or typed, medium, limit)
        known = self._index.search(typed, medium=medium, limit=limit)
        if not answered or not found:
            # Every provider for this medium failed (or none is configured), or none knew the
            # text: what the bot already knows answers, the catalog and saved copies, typos
            # forgiven.
            failed = [PROVIDER_LABELS[p.name] for p in self.providers_for(medium)]
            if failed and not answered:
                notes = [
                    f"{' and '.join(failed)} not answering right now; showing my built-in catalog."
                ]
            return await self._titles_of(known), notes
        # Typed as an alias, or with a typo the provider answered with other titles: the index
        # knows what was meant. Its guesses follow the provider's answer. A provider title
        # named as typed means the text was no typo, and no near misses are added to it.
        listed = {title.id for title in found}
        typed_is_a_name = any(_starts_a_name(typed, title) for title in found)
        meant = [
            match
            for match in known
            if (match.quality == ALIAS or (match.quality == FUZZY and not typed_is_a_name))
            and match.entry.title_id not in listed
        ]
        guesses = (await self._titles_of(meant))[:MAX_GUESSES]
        return found[: max(0, limit - len(guesses))] + guesses, notes

    async def _ask_providers(
        self, query: str, medium: Medium, limit: int
    ) -> tuple[list[Title], list[str], bool]:
        """The first provider's answer for `medium`, the notes, and whether anyone answered."""
        notes: list[str] = []
        # One wait for the whole answer: TMDB and then TVmaze both hanging must not double it.
        deadline = asyncio.get_running_loop().time() + self._policy.answer_within
        for provider in self.providers_for(medium):
            key = f"{provider.name}|{fold(query)}"
            now = self._now()
            cached = await self._cache.get_search(key, now=now)
            if cached is not None and cached.is_fresh(now):
                stored = await self._cache.get_many(cached.title_ids, now=now)
                if len(stored) == len(cached.title_ids):
                    return [stored[i] for i in cached.title_ids][:limit], notes, True
            try:
                found = await self._answer_in_time(
                    provider,
                    f"search|{key}",
                    functools.partial(self._search_and_store, provider, query, medium, limit, key),
                    deadline=deadline,
                )
            except ProviderError as error:
                log.warning("Searching %s for %r failed: %s", provider.name, query[:100], error)
                notes.append(self._stale_note(provider.name))
                if cached is not None:
                    stored = await self._cache.get_many(cached.title_ids, now=now)
                    found = [stored[i] for i in cached.title_ids if i in stored]
                    if found:
                        return found[:limit], notes, True
                continue  # the next provider for this medium, if any
            return found[:limit], notes, True
        return [], notes, False

    async def _search_and_store(
        self, provider: TitleProvider, query: str, medium: Medium, limit: int, key: str
    ) -> list[Title]:
        found = await provider.search(query, limit=limit)
        found = [title for title in found if title.medium is medium] or found
        await self._store(found, complete=provider.search_gives_details)
        ttl = self._policy.search if found else self._policy.empty_search
        await self._cache.put_search(key, [t.id for t in found], self._expiry(ttl))
        return found

    async def _titles_of(self, matches: Sequence[Match]) -> list[Title]:
        """The titles the index matched, in order: from the catalog, or saved in the cache."""
        ids = [m.entry.title_id for m in matches]
        cached = await self._cache.get_many(
            [i for i in ids if not _is_catalog_id(i)], now=self._now()
        )
        titles = (self._catalog.get(i) if _is_catalog_id(i) else cached.get(i) for i in ids)
        return [title for title in titles if title is not None]

    # -- helpers --------------------------------------------------------------------------------

    def _one_per_show(self, titles: Sequence[Title]) -> list[Title]:
        """The first title of every show, in order: a show listed by two sources counts once."""
        shows: set[str] = set()
        unique: list[Title] = []
        for title in titles:
            show = self._identity.show_of(title.id)
            if show not in shows:
                shows.add(show)
                unique.append(title)
        return unique

    async def _answer_in_time(
        self,
        provider: TitleProvider,
        key: str,
        call: Callable[[], Coroutine[Any, Any, T]],
        *,
        deadline: float | None = None,
    ) -> T:
        """`call`'s answer, or ProviderUnavailable once a member has waited long enough.

        A provider that times out rather than refusing would hold the reply for its client
        timeouts and retries (up to half a minute) before the breaker opens. The shared call
        goes on after the member is answered from what the bot knows, and saves its result
        for the next ask. `deadline` (event-loop time) is shared by the providers asked in turn
        for one answer; by default each gets the whole `answer_within`.
        """
        loop = asyncio.get_running_loop()
        if deadline is None:
            deadline = loop.time() + self._policy.answer_within
        waited = max(0.0, deadline - loop.time())
        try:
            return await asyncio.wait_for(self._once(key, call), waited)
        except TimeoutError as error:
            raise ProviderUnavailable(provider.name, f"no answer within {waited:.1f} s") from error

    async def _once(self, key: str, call: Callable[[], Coroutine[Any, Any, T]]) -> T:
        """Run `call` once for every concurrent caller asking the same question.

        The call is a background task, so shutdown waits for (or cancels) a call whose callers
        all stopped waiting, instead of it writing to a closed database. A provider's failure
        is handed to the callers, who report it; only an unexpected error is logged as one.
        """
        future = self._inflight.get(key)
        if future is None:
            upstream = call()
            task = self._tasks.spawn(_settled(upstream), name=f"upstream:{key[:80]}")
            if task is None:
                # Refused at shutdown: close the call too, or it is reported as never awaited.
                upstream.close()
                raise ProviderUnavailable(key.split("|", 1)[0], "shutting down")
            self.upstream_calls += 1
            future = task
            self._inflight[key] = future
            future.add_done_callback(lambda done: self._call_finished(key, done))
        # shield: one impatient caller giving up must not cancel the call for the others.
        settled = cast(_Settled[T], await asyncio.shield(future))
        if settled.error is not None:
            raise settled.error
        return cast(T, settled.value)

    def _call_finished(self, key: str, done: asyncio.Future[Any]) -> None:
        if self._inflight.get(key) is done:
            del self._inflight[key]

    async def _store(self, titles: Sequence[Title], *, complete: bool) -> None:
        entries = [(title, self._expiry(self._ttl_for(title))) for title in titles]
        written = set(await self._cache.put_titles(entries, complete=complete))
        for title in titles:
            self._identity.learn(title)
        # A search result that did not replace cached details must not replace their names in
        # autocomplete either.
        self._index.add_all(title for title in titles if title.id in written)

    def _ttl_for(self, title: Title) -> int:
        airing = title.status is Status.RELEASING or title.next_episode is not None
        return self._policy.airing_title if airing else self._policy.finished_title

    def _expiry(self, ttl: int) -> TitleExpiry:
        now = self._now()
        return TitleExpiry(fetched_at=now, fresh_until=now + ttl, purge_at=now + self._policy.keep)

    def _now(self) -> int:
        return to_unix(self._clock.now())

    @staticmethod
    def _stale_note(provider: str) -> str:
        return (
            f"{PROVIDER_LABELS.get(provider, provider)} is not answering right now, "
            "so this may be out of date."
        )

    @staticmethod
    def _offline_note() -> str:
        return "Title sources are unreachable; showing my built-in catalog."


@dataclass(frozen=True)
class _Settled(Generic[T]):
    """How a shared upstream call ended: its value, or the provider's error."""

    value: T | None = None
    error: ProviderError | None = None


async def _settled(call: Coroutine[Any, Any, T]) -> _Settled[T]:
    try:
        return _Settled(value=await call)
    except ProviderError as error:
        return _Settled(error=error)


def _airings_reader(provider: TitleProvider) -> AiringsReader | None:
    """How `provider` lists episodes at their instants, if it can."""
    if isinstance(provider, _ListsUpcomingAirings):
        return provider.upcoming_airings
    if isinstance(provider, _ListsEpisodes):
        return provider.episodes
    return None


def _airing_now_reader(provider: TitleProvider) -> AiringNowReader | None:
    """How `provider` lists what airs now, if it can."""
    if isinstance(provider, _ListsAiringNow):
        return provider.airing_now
    return None


def _airing_period(medium: Medium, unix: int) -> AnimeSeason | date:
    """What a saved list of airing titles is good for: its anime season, or its UTC day."""
    moment = datetime.fromtimestamp(unix, UTC)
    return anime_season(moment) if medium is Medium.ANIME else moment.date()


def _labels(providers: Iterable[str]) -> list[str]:
    return [PROVIDER_LABELS.get(name, name) for name in providers]


def _names(labels: Sequence[str]) -> str:
    return " and ".join(labels)


def _names_are(labels: Sequence[str]) -> str:
    return f"{_names(labels)} {'is' if len(labels) == 1 else 'are'}"


def _too_few(
    found: int,
    asked: int,
    kind: str,
    medium: Medium,
    season: str | None,
    sources: Sequence[str],
) -> str:
    if tuple(sources) == ("catalog",):
        return (
            f"My built-in catalog has only {found} {kind} still airing, "
            f"fewer than the {asked} asked for."
        )
    who = _names(_labels(sources))
    lists = "lists" if len(sources) == 1 else "list"
    when = f"for {season}" if medium is Medium.ANIME and season else "airing this week"
    if found == 0:
        return f"{who} {lists} no {kind} {when}" + (" yet." if medium is Medium.ANIME else ".")
    return f"{who} {lists} only {found} {kind} {when}, fewer than the {asked} asked for."


def _not_answering(provider: str, name: str) -> str:
    return (
        f"{PROVIDER_LABELS.get(provider, provider)} is not answering right now, so I can't read "
        f"when {name} airs. Please try again later."
    )


def _schedule_of(title: Title, episodes: Sequence[NextEpisode]) -> AirSchedule:
    at: dict[int, int] = {}
    for episode in episodes:
        if episode.airs_at is not None:
            # One instant per episode: the first listed, as the provider's own order.
            at.setdefault(episode.number, episode.airs_at)
    airings = tuple(Airing(number, at[number]) for number in sorted(at))
    # Only the provider's status ends a show: an empty or fully aired list may be a provider
    # that has not announced the next episodes yet. `plan_follow` also stops once the planned
    # last episode's party has started.
    ended = title.status in ENDED_STATUSES
    last = title.episodes if ended or title.source in PLANNED_COUNT_SOURCES else None
    return AirSchedule(
        title_id=title.id,
        title_name=title.display_name,
        airings=airings,
        finished=ended,
        last_episode=last,
    )


def _starts_a_name(typed: str, title: Title) -> bool:
    query = fold(typed)
    return any(fold(name).startswith(query) for name in title.names.all())


def _is_catalog_id(title_id: str) -> bool:
    return title_id.startswith("catalog:")


def _interleave(lists: Sequence[Sequence[Title]]) -> list[Title]:
    merged: list[Title] = []
    seen: set[str] = set()
    for position in range(max((len(items) for items in lists), default=0)):
        for items in lists:
            if position < len(items) and items[position].id not in seen:
                seen.add(items[position].id)
                merged.append(items[position])
    return merged
