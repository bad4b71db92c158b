"""TMDB: the keyed K-drama source, used when TMDB_API_KEY is set (https://developer.themoviedb.org).

Endpoints used (all GET, relative to the client's base_url, which ends in `/3`):

- `/search/tv?query=&include_adult=false&language=en-US&page=1`: only the first page (20
  results) is read; only Korean titles are kept (origin country KR or original language ko).
- `/discover/tv?with_origin_country=KR&with_original_language=ko&sort_by=popularity.desc&page=`
- `/discover/tv?with_origin_country=KR&with_original_language=ko&air_date.gte=&air_date.lte=`
  `&sort_by=popularity.desc&...`: the K-dramas with an episode airing in the week around now
  (`airing_now`); `air_date` filters on episode air dates, in the `timezone` given.
- `/tv/{id}?append_to_response=keywords,alternative_titles,external_ids`: 404 means unknown.

Credentials. TMDB takes either a v4 "API Read Access Token" (a long JWT) as
`Authorization: Bearer <token>`, or a v3 "API Key" (32 hex characters) as the `api_key` query
parameter; each is refused in the other's place. `TMDBAuth` is passed as `auth=` on every
request, so it runs last, after the client's default headers are merged: for a v3 key it removes
the `Authorization` header that `bot/resources.py` sets and adds `api_key` to the URL; for a v4
token it sets the Bearer header and never touches the URL. Neither form is ever logged (the
`httpx` logger, which prints URLs, is held at WARNING by `bot/logging_setup.py`).

Every request goes through `ProviderHttp` (TMDB_WINDOWS, Retry-After, retries, breaker).
Terms: show `TMDB_ATTRIBUTION`, cache no longer than 6 months, do not train on TMDB data.
"""

from __future__ import annotations

import datetime
import logging
import re
from collections.abc import Generator, Mapping, Sequence
from types import MappingProxyType
from typing import Any

import httpx

from bot.metadata import fields
from bot.metadata.http_policy import ProviderHttp
from bot.metadata.models import Medium, NextEpisode, Status, Title, TitleNames
from bot.metadata.provider import ProviderBadResponse
from bot.metadata.text import clean_synopsis

log = logging.getLogger(__name__)

TMDB_ATTRIBUTION = "This product uses the TMDB API but is not endorsed or certified by TMDB."
TMDB_IMAGE_BASE = "https://image.tmdb.org/t/p/w500"
TMDB_SITE = "https://www.themoviedb.org/tv/"

# GET /3/genre/tv/list (en-US). TV has no Romance or Fantasy genre: those are movie-only.
TMDB_TV_GENRES: Mapping[int, str] = MappingProxyType(
    {
        10759: "Action & Adventure",
        16: "Animation",
        35: "Comedy",
        80: "Crime",
        99: "Documentary",
        18: "Drama",
        10751: "Family",
        10762: "Kids",
        9648: "Mystery",
        10763: "News",
        10764: "Reality",
        10765: "Sci-Fi & Fantasy",
        10766: "Soap",
        10767: "Talk",
        10768: "War & Politics",
        37: "Western",
    }
)
ANIMATION_GENRE = 16
# Left out of discover unless asked for: cartoons, reality and talk shows are not dramas.
DISCOVER_EXCLUDED_GENRES = (16, 10764, 10767)
DISCOVER_MAX_PAGE = 500  # TMDB refuses later pages
DISCOVER_PAGE_SIZE = 20
# What `airing_now` leaves out: animation, documentaries, news, reality and talk shows.
AIRING_EXCLUDED_GENRES = (16, 99, 10763, 10764, 10767)
# The days of episodes `airing_now` looks at: a week, so weekly shows are all seen.
AIRING_DAYS_BEFORE = 3
AIRING_DAYS_AFTER = 3
AIRING_TIMEZONE = "Asia/Seoul"  # K-drama air dates are Korean dates

_V3_KEY = re.compile(r"[0-9a-fA-F]{32}")
_ID = re.compile(r"[0-9]{1,10}")
_POSTER = re.compile(r"/[A-Za-z0-9_.-]{1,200}")
_SYNONYM_LIMIT = 10

_STATUS = {
    "Returning Series": Status.RELEASING,
    "Ended": Status.FINISHED,
    "Canceled": Status.CANCELLED,
    "In Production": Status.NOT_YET_RELEASED,
    "Planned": Status.NOT_YET_RELEASED,
}


class TMDBAuth(httpx.Auth):
    """Sends a v3 key as `?api_key=` (and no Authorization), a v4 token as a Bearer header."""

    def __init__(self, api_key: str) -> None:
        key = api_key.strip()
        if not key:
            raise ValueError("TMDB API key is empty")
        self._key = key
        self.is_v3_key = _V3_KEY.fullmatch(key) is not None

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        if self.is_v3_key:
            request.headers.pop("Authorization", None)
            request.url = request.url.copy_merge_params({"api_key": self._key})
        else:
            request.headers["Authorization"] = f"Bearer {self._key}"
        yield request

    def __repr__(self) -> str:
        return f"TMDBAuth({'v3 key' if self.is_v3_key else 'v4 token'}, hidden)"


class TMDBProvider:
    """K-drama search, discovery and details from TMDB. Satisfies `TitleProvider`."""

    name = "tmdb"
    media = frozenset({Medium.KDRAMA})
    search_gives_details = False  # results lack status, episodes and keywords

    def __init__(self, http: ProviderHttp, *, api_key: str) -> None:
        self._http = http
        self._auth = TMDBAuth(api_key)

    async def search(self, query: str, *, limit: int = 10) -> list[Title]:
        """Korean titles matching `query`, in TMDB's order; only the first page is read."""
        query = query.strip()
        if not query or limit <= 0:
            return []
        params = {"query": query, "include_adult": "false", "language": "en-US", "page": "1"}
        results = _results(await self._get_json("/search/tv", params), "/search/tv")
        titles: list[Title] = []
        for item in results:
            if not isinstance(item, dict) or not is_korean(item):
                continue
            title = _title_or_skip(item, "/search/tv")
            if title is not None:
                titles.append(title)
                if len(titles) >= limit:
                    break
        return titles

    async def discover(
        self, *, page: int = 1, genre_ids: Sequence[int] = (), match_any: bool = False
    ) -> list[Title]:
        """Korean series by popularity, one page (20) at a time; past the last page, [].

        `genre_ids` must all match (TMDB's comma), or any of them with `match_any` (its pipe).
        Animation, reality and talk shows are left out unless named in `genre_ids`.
        """
        if not 1 <= page <= DISCOVER_MAX_PAGE:
            raise ValueError(f"page must be 1..{DISCOVER_MAX_PAGE}")
        wanted = [int(genre) for genre in genre_ids]
        params = {
            "with_origin_country": "KR",
            "with_original_language": "ko",
            "sort_by": "popularity.desc",
            "include_adult": "false",
            "language": "en-US",
            "page": str(page),
        }
        if wanted:
            params["with_genres"] = ("|" if match_any else ",").join(map(str, wanted))
        excluded = [genre for genre in DISCOVER_EXCLUDED_GENRES if genre not in wanted]
        if excluded:
            params["without_genres"] = ",".join(map(str, excluded))
        results = _results(await self._get_json("/discover/tv", params), "/discover/tv")
        titles = (
            _title_or_skip(item, "/discover/tv") for item in results if isinstance(item, dict)
        )
        return [title for title in titles if title is not None]

    async def airing_now(self, now: datetime.datetime, limit: int = 16) -> list[Title]:
        """K-dramas with an episode airing in the week around `now`, most popular first.

        `air_date.gte`/`air_date.lte` span AIRING_DAYS_BEFORE days before now's UTC date to
        AIRING_DAYS_AFTER after it; TMDB sorts by its popularity. Reads as many pages of 20 as
        `limit` needs (one for 16), and stops at the last page.
        """
        if limit < 1:
            return []
        today = now.astimezone(datetime.UTC).date()
        params = {
            "with_origin_country": "KR",
            "with_original_language": "ko",
            "air_date.gte": (today - datetime.timedelta(days=AIRING_DAYS_BEFORE)).isoformat(),
            "air_date.lte": (today + datetime.timedelta(days=AIRING_DAYS_AFTER)).isoformat(),
            "timezone": AIRING_TIMEZONE,
            "sort_by": "popularity.desc",
            "without_genres": ",".join(map(str, AIRING_EXCLUDED_GENRES)),
            "include_adult": "false",
            "include_null_first_air_dates": "false",
            "language": "en-US",
        }
        found: dict[str, Title] = {}
        pages = -(-limit // DISCOVER_PAGE_SIZE)
        for page in range(1, min(pages, DISCOVER_MAX_PAGE) + 1):
            body = await self._get_json("/discover/tv", {**params, "page": str(page)})
            results = _results(body, "/discover/tv")
            for item in results:
                if not isinstance(item, dict) or not is_korean(item):
                    continue
                title = _title_or_skip(item, "/discover/tv")
                if title is not None and title.medium is Medium.KDRAMA:
                    # A series that moved up between two pages is listed where first seen.
                    found.setdefault(title.id, title)
            total = fields.integer(body.get("total_pages"), low=0, high=DISCOVER_MAX_PAGE)
            if len(found) >= limit or not results or (total is not None and page >= total):
                break
        return list(found.values())[:limit]

    async def fetch(self, source_id: str) -> Title | None:
        """One series with keywords and alternative titles; None if unknown or not an id."""
        if not _ID.fullmatch(source_id):
            return None
        params = {
            "append_to_response": "keywords,alternative_titles,external_ids",
            "language": "en-US",
        }
        body = await self._get_json(f"/tv/{int(source_id)}", params, missing_ok=True)
        if body is None:
            return None
        if not isinstance(body, dict):
            raise ProviderBadResponse(self.name, "expected an object from /tv/{id}")
        try:
            return title_from_tv(body)
        except ValueError as exc:
            raise ProviderBadResponse(self.name, "unreadable series from /tv/{id}") from exc

    async def _get_json(
        self, path: str, params: dict[str, str], *, missing_ok: bool = False
    ) -> Any:
        """The decoded body; None for a 404 when `missing_ok`; ProviderBadResponse otherwise."""
        response = await self._http.request("GET", path, params=params, auth=self._auth)
        if response.status_code == 404 and missing_ok:
            return None  # TMDB: {"status_code": 34, "status_message": "...could not be found."}
        if not response.is_success:
            raise ProviderBadResponse(
                self.name,
                f"unexpected status {response.status_code} (TMDB code {_tmdb_code(response)})",
            )
        try:
            return response.json()
        except ValueError as exc:
            raise ProviderBadResponse(self.name, "malformed JSON") from exc


def is_korean(tv: Mapping[str, Any]) -> bool:
    """Originating in Korea, or in Korean (`origin_country` ∋ KR or `original_language` ko)."""
    return "KR" in _countries(tv) or tv.get("original_language") == "ko"


def title_from_tv(tv: dict[str, Any]) -> Title:
    """Normalize a TMDB series: a details body, or a search/discover result (`genre_ids`).

    A missing or malformed field is left empty. Raises ValueError when the series has no
    integer id.
    """
    tv_id = fields.identifier(tv.get("id"))
    if tv_id is None:
        raise ValueError("TMDB series without an integer id")
    genre_ids = _genre_ids(tv)
    countries = _countries(tv)
    language = _language(tv.get("original_language"))
    return Title(
        id=f"tmdb:{tv_id}",
        medium=_medium(genre_ids, countries, language, korean=is_korean(tv)),
        names=_names(tv, language),
        attribution=TMDB_ATTRIBUTION,
        year=fields.year(tv.get("first_air_date")),
        format="TV",
        episodes=fields.episodes(tv.get("number_of_episodes")),
        episode_minutes=_episode_minutes(tv),
        status=_STATUS.get(fields.text(tv.get("status")) or "", Status.UNKNOWN),
        genres=tuple(TMDB_TV_GENRES[gid] for gid in genre_ids if gid in TMDB_TV_GENRES),
        keywords=_keywords(tv.get("keywords")),
        synopsis=clean_synopsis(fields.text(tv.get("overview"), limit=20_000)),
        cover_url=_poster(tv.get("poster_path")),
        score=_score(tv.get("vote_average"), tv.get("vote_count")),
        popularity=fields.popularity(tv.get("popularity")),
        # origin_country[0], except that a Korean co-production is filed under KR.
        country="KR" if "KR" in countries else (countries[0] if countries else None),
        original_language=language,
        next_episode=_next_episode(tv.get("next_episode_to_air")),
        source_url=f"{TMDB_SITE}{tv_id}",
        # external_ids has imdb/tvdb only; TMDB never names the TVmaze id, the one we could use.
        same_as=(),
    )


def _names(tv: dict[str, Any], language: str | None) -> TitleNames:
    name = fields.text(tv.get("name"))
    original = fields.text(tv.get("original_name"))
    foreign = language is not None and language != "en"
    # Without an English translation TMDB answers en-US with the original title: not English.
    english = None if name == original and foreign else name
    native = original if foreign and original != english else None
    taken = {n for n in (english, native) if n}
    synonyms: dict[str, None] = {}
    if original and not foreign and original not in taken:
        synonyms[original] = None
    for alt in _alternative_titles(tv.get("alternative_titles")):
        if alt not in taken and len(synonyms) < _SYNONYM_LIMIT:
            synonyms.setdefault(alt, None)
    return TitleNames(english=english, native=native, synonyms=tuple(synonyms))


def _alternative_titles(block: Any) -> list[str]:
    if not isinstance(block, dict):
        return []
    # TV answers {"results": [...]}, movies {"titles": [...]}.
    entries = block.get("results", block.get("titles"))
    if not isinstance(entries, list):
        return []
    titles = (fields.text(entry.get("title")) for entry in entries if isinstance(entry, dict))
    return [title for title in titles if title is not None]


def _genre_ids(tv: dict[str, Any]) -> tuple[int, ...]:
    """Genre ids from details' `genres[{id, name}]`, else from a result's `genre_ids`.

    Only ids are read: the names follow the response language ("드라마" for Drama in ko-KR),
    so the English name comes from TMDB_TV_GENRES.
    """
    details = tv.get("genres")
    if isinstance(details, list):
        raw = [genre.get("id") for genre in details if isinstance(genre, dict)]
    else:
        raw = fields.items(tv.get("genre_ids"))
    return tuple(dict.fromkeys(gid for gid in map(fields.identifier, raw) if gid is not None))


def _medium(
    genre_ids: tuple[int, ...], countries: list[str], language: str | None, *, korean: bool
) -> Medium:
    # Animation first: Korean animation is not a K-drama.
    if ANIMATION_GENRE in genre_ids:
        return Medium.ANIME if "JP" in countries or language == "ja" else Medium.ANIMATION
    return Medium.KDRAMA if korean else Medium.LIVE_ACTION


def _keywords(block: Any) -> tuple[str, ...]:
    if not isinstance(block, dict):
        return ()
    # TV answers {"results": [...]}, movies {"keywords": [...]}.
    entries = block.get("results", block.get("keywords"))
    if not isinstance(entries, list):
        return ()
    names = (
        fields.text(entry.get("name"), limit=80) for entry in entries if isinstance(entry, dict)
    )
    return tuple(dict.fromkeys(name.lower() for name in names if name is not None))[
        : fields.MAX_LIST
    ]


def _episode_minutes(tv: dict[str, Any]) -> int | None:
    """The first listed run time; TMDB often lists none, then the last episode's runtime."""
    for minutes in fields.items(tv.get("episode_run_time")):
        if (value := fields.episode_minutes(minutes)) is not None:
            return value
    return fields.episode_minutes(fields.mapping(tv.get("last_episode_to_air")).get("runtime"))


def _next_episode(raw: Any) -> NextEpisode | None:
    """TMDB gives the next episode's date, never its time: kept as a date, not an instant."""
    episode = fields.mapping(raw)
    number = fields.episodes(episode.get("episode_number"))
    air_date = fields.text(episode.get("air_date"), limit=10)
    if number is None or air_date is None:
        return None
    try:
        day = datetime.date.fromisoformat(air_date)
    except ValueError:
        return None
    return NextEpisode(number=number, air_date=day.isoformat())


def _title_or_skip(item: dict[str, Any], where: str) -> Title | None:
    try:
        return title_from_tv(item)
    except ValueError:
        log.warning("tmdb: skipped an unreadable series in %s", where)
        return None


def _results(body: Any, where: str) -> list[Any]:
    results = body.get("results") if isinstance(body, dict) else None
    if not isinstance(results, list):
        raise ProviderBadResponse("tmdb", f"expected {{results: [...]}} from {where}")
    return results


def _tmdb_code(response: httpx.Response) -> object:
    try:
        body = response.json()
    except ValueError:
        return None
    return body.get("status_code") if isinstance(body, dict) else None


def _countries(tv: Mapping[str, Any]) -> list[str]:
    raw = tv.get("origin_country")
    return [c for c in raw if isinstance(c, str) and len(c) == 2] if isinstance(raw, list) else []


def _poster(path: Any) -> str | None:
    return f"{TMDB_IMAGE_BASE}{path}" if isinstance(path, str) and _POSTER.fullmatch(path) else None


def _score(average: Any, count: Any) -> int | None:
    """TMDB's 0–10 vote average as 0–100; None when nobody has voted."""
    if fields.number(count) == 0:
        return None
    return fields.score(average, scale=10)


def _language(value: Any) -> str | None:
    code = fields.text(value, limit=3)
    return code.lower() if code is not None and code.isalpha() else None
