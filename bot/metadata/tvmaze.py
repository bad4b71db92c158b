"""TVmaze: the keyless source for K-dramas (https://www.tvmaze.com/api).

Endpoints used (all GET, relative to the client's base_url):

- `/search/shows?q=`: `[{score, show}]`, best first. Only Korean shows are kept (see
  `is_korean`), in TVmaze's order, so a K-drama search is not flooded by western shows.
- `/singlesearch/shows?q=`: one show, or 404 when nothing matches.
- `/shows/{id}?embed[]=nextepisode&embed[]=episodes`: a show with `_embedded` data; 404 if unknown.
- `/schedule?country=KR&date=` (episodes with `show`) and `/schedule/web?date=` (episodes with
  `_embedded.show`, every country, so filtered to Korean shows). Without `country`, the web
  schedule lists every country's streaming services and the global ones (Netflix), where many
  K-dramas air; `country=KR` would list only Korea's own services.
- `airing_now` reads those schedules for each day of the week around now (14 requests, well
  inside TVMAZE_WINDOWS) and lists each K-drama once, by TVmaze's `weight`.

Every request goes through `ProviderHttp` (TVMAZE_WINDOWS, Retry-After, retries, breaker).
TVmaze data is CC BY-SA 4.0: show `TVMAZE_ATTRIBUTION` and link back through `source_url`.
"""

from __future__ import annotations

import datetime
import logging
import re
from dataclasses import dataclass
from typing import Any

from bot.metadata import fields
from bot.metadata.http_policy import ProviderHttp
from bot.metadata.models import Medium, NextEpisode, Status, Title, TitleNames
from bot.metadata.provider import ProviderBadResponse
from bot.metadata.text import clean_synopsis

log = logging.getLogger(__name__)

TVMAZE_ATTRIBUTION = "Data: TVmaze (tvmaze.com), CC BY-SA 4.0"

_ID = re.compile(r"[0-9]{1,10}")
# The days read by `airing_now`: a week, so a show airing once or twice a week is seen.
AIRING_DAYS_BEFORE = 3
AIRING_DAYS_AFTER = 3
# TVmaze show types that are dramas; Korean schedules are full of variety, reality and news.
DRAMA_TYPES = frozenset({"Scripted"})
_FETCH_EMBEDS = (("embed[]", "nextepisode"), ("embed[]", "episodes"))

_STATUS = {
    "Running": Status.RELEASING,
    "Ended": Status.FINISHED,
    "To Be Determined": Status.HIATUS,
    "In Development": Status.NOT_YET_RELEASED,
}

# TVmaze names languages in English; the few a K-drama/anime community meets, as ISO 639-1.
_LANGUAGE_CODES = {
    "Korean": "ko",
    "English": "en",
    "Japanese": "ja",
    "Chinese": "zh",
    "Thai": "th",
}


@dataclass(frozen=True)
class ScheduledEpisode:
    """One episode on a day's schedule. `number` is None for specials."""

    title: Title
    season: int | None
    number: int | None
    airs_at: int  # Unix seconds, UTC


class TVmazeProvider:
    """K-drama search, details and schedule from TVmaze. Satisfies `TitleProvider`."""

    name = "tvmaze"
    media = frozenset({Medium.KDRAMA})
    search_gives_details = False  # results lack the episode list and next episode

    def __init__(self, http: ProviderHttp) -> None:
        self._http = http

    async def search(self, query: str, *, limit: int = 10) -> list[Title]:
        """Korean shows matching `query`, in TVmaze's score order; a blank query asks nothing."""
        query = query.strip()
        if not query or limit <= 0:
            return []
        body = await self._get_json("/search/shows", {"q": query})
        titles: list[Title] = []
        for item in _expect_list(body, "/search/shows"):
            show = item.get("show") if isinstance(item, dict) else None
            if not isinstance(show, dict) or not is_korean(show):
                continue
            title = _title_or_skip(show, "/search/shows")
            if title is not None:
                titles.append(title)
                if len(titles) >= limit:
                    break
        return titles

    async def best_match(self, query: str) -> Title | None:
        """TVmaze's single best match (`/singlesearch`), or None: 404 means "no match".

        A best match that is not a Korean show is also None: this provider answers for K-dramas.
        """
        query = query.strip()
        if not query:
            return None
        body = await self._get_json("/singlesearch/shows", {"q": query}, missing_ok=True)
        if body is None:
            return None
        show = _expect_dict(body, "/singlesearch/shows")
        if not is_korean(show):
            return None
        return _title_or_bad(show, "/singlesearch/shows")

    async def fetch(self, source_id: str) -> Title | None:
        """One show with its episode count and next episode; None if unknown or not an id."""
        if not _ID.fullmatch(source_id):
            return None
        path = f"/shows/{int(source_id)}"
        body = await self._get_json(path, list(_FETCH_EMBEDS), missing_ok=True)
        if body is None:
            return None
        return _title_or_bad(_expect_dict(body, "/shows/{id}"), "/shows/{id}")

    async def episodes(self, source_id: str) -> list[NextEpisode]:
        """Every regular episode with a known air time, in order, numbered from 1 across seasons
        (a party's "episode 17" is the 17th, whatever the season); specials and season 0 are
        left out. [] for an unknown id.

        TVmaze gives each episode's airstamp, unlike TMDB's dates: watch parties that follow
        the airing of a K-drama read it here.
        """
        if not _ID.fullmatch(source_id):
            return []
        body = await self._get_json(f"/shows/{int(source_id)}/episodes", {}, missing_ok=True)
        if body is None:
            return []
        regular: list[tuple[int, int, int | None]] = []
        for item in _expect_list(body, "/shows/{id}/episodes"):
            if not isinstance(item, dict) or item.get("type", "regular") != "regular":
                continue
            season = fields.integer(item.get("season"), low=1, high=fields.MAX_EPISODES)
            number = fields.integer(item.get("number"), low=1, high=fields.MAX_EPISODES)
            if season is not None and number is not None:
                regular.append((season, number, _instant(item.get("airstamp"))))
        # Numbered before those without a time are left out: an unannounced episode 5 must not
        # turn episode 6 into "5".
        regular.sort(key=lambda episode: episode[:2])
        return [
            NextEpisode(number=position, airs_at=airs_at)
            for position, (_, _, airs_at) in enumerate(regular, start=1)
            if airs_at is not None
        ]

    async def schedule(self, *, date: datetime.date) -> list[ScheduledEpisode]:
        """Korean episodes airing on `date`: broadcast (country=KR) plus web, by air time.

        TVmaze files the schedule by the local air date, so some instants fall on the UTC day
        before. An episode without an airstamp cannot be scheduled and is left out.
        """
        day = date.isoformat()
        broadcast = _expect_list(
            await self._get_json("/schedule", {"country": "KR", "date": day}), "/schedule"
        )
        web = _expect_list(await self._get_json("/schedule/web", {"date": day}), "/schedule/web")
        found: dict[int, ScheduledEpisode] = {}
        for episode in broadcast:
            if isinstance(episode, dict):
                _add_scheduled(found, episode, episode.get("show"), korean_only=False)
        for episode in web:
            if isinstance(episode, dict):
                embedded = episode.get("_embedded")
                show = embedded.get("show") if isinstance(embedded, dict) else None
                _add_scheduled(found, episode, show, korean_only=True)
        return sorted(
            found.values(),
            key=lambda e: (e.airs_at, e.title.display_name, e.season or 0, e.number or 0),
        )

    async def airing_now(self, now: datetime.datetime, limit: int = 16) -> list[Title]:
        """K-dramas with an episode in the week around `now`, one per show, most popular first.

        Reads `schedule` for each day from AIRING_DAYS_BEFORE days before now's UTC date to
        AIRING_DAYS_AFTER after it, keeps scripted Korean live action (no variety, news or
        animation), and orders the shows by TVmaze's `weight` (0-100, its popularity); equal
        weights keep the order in which the schedules first list them.
        """
        if limit < 1:
            return []
        today = now.astimezone(datetime.UTC).date()
        shows: dict[str, Title] = {}
        for offset in range(-AIRING_DAYS_BEFORE, AIRING_DAYS_AFTER + 1):
            day = today + datetime.timedelta(days=offset)
            for episode in await self.schedule(date=day):
                title = episode.title
                if title.medium is Medium.KDRAMA and title.format in DRAMA_TYPES:
                    shows.setdefault(title.id, title)
        ranked = sorted(shows.values(), key=lambda title: -(title.popularity or 0))
        return ranked[:limit]

    async def _get_json(
        self,
        path: str,
        params: dict[str, str] | list[tuple[str, str]],
        *,
        missing_ok: bool = False,
    ) -> Any:
        """The decoded body; None for a 404 when `missing_ok`; ProviderBadResponse otherwise."""
        response = await self._http.request("GET", path, params=params)
        if response.status_code == 404 and missing_ok:
            return None
        if not response.is_success:
            raise ProviderBadResponse(self.name, f"unexpected status {response.status_code}")
        try:
            return response.json()
        except ValueError as exc:
            raise ProviderBadResponse(self.name, "malformed JSON") from exc


def is_korean(show: dict[str, Any]) -> bool:
    """Korean language, or a network or web channel based in KR (Netflix has no country)."""
    if show.get("language") == "Korean":
        return True
    return any(_channel_country(show.get(key)) == "KR" for key in ("network", "webChannel"))


def title_from_show(show: dict[str, Any], *, embedded: dict[str, Any] | None = None) -> Title:
    """Normalize a TVmaze show. `embedded` defaults to the show's own `_embedded`.

    A missing or malformed field is left empty. Raises ValueError when the show has no integer
    id.
    """
    show_id = fields.identifier(show.get("id"))
    if show_id is None:
        raise ValueError("TVmaze show without an integer id")
    if embedded is None:
        embedded = fields.mapping(show.get("_embedded"))
    language = fields.text(show.get("language"), limit=40)
    kind = fields.text(show.get("type"), limit=40)
    genres = fields.texts(show.get("genres"), limit=60)
    episodes = embedded.get("episodes")
    image = fields.mapping(show.get("image"))
    rating = fields.mapping(show.get("rating"))
    return Title(
        id=f"tvmaze:{show_id}",
        medium=_medium(kind, genres, korean=is_korean(show)),
        names=TitleNames(english=fields.text(show.get("name"))),
        attribution=TVMAZE_ATTRIBUTION,
        year=fields.year(show.get("premiered")),
        format=kind,
        episodes=fields.episodes(len(episodes)) if isinstance(episodes, list) else None,
        episode_minutes=fields.episode_minutes(show.get("averageRuntime"))
        or fields.episode_minutes(show.get("runtime")),
        status=_STATUS.get(fields.text(show.get("status")) or "", Status.UNKNOWN),
        genres=genres,
        synopsis=clean_synopsis(fields.text(show.get("summary"), limit=20_000)),
        cover_url=fields.http_url(image.get("original")) or fields.http_url(image.get("medium")),
        score=fields.score(rating.get("average"), scale=10),
        popularity=fields.integer(show.get("weight"), low=0, high=100),
        country=_country(show),
        original_language=_LANGUAGE_CODES.get(language or ""),
        next_episode=_next_episode(embedded.get("nextepisode")),
        source_url=fields.http_url(show.get("url")),
        # TVmaze's externals (thetvdb, imdb, tvrage) are not sources watchclub reads.
        same_as=(),
    )


def _medium(kind: str | None, genres: tuple[str, ...], *, korean: bool) -> Medium:
    # Animation first: a Korean cartoon is not a K-drama, and TVmaze files anime as
    # type "Animation" with the genre "Anime".
    if kind == "Animation":
        return Medium.ANIME if "Anime" in genres else Medium.ANIMATION
    return Medium.KDRAMA if korean else Medium.LIVE_ACTION


def _add_scheduled(
    found: dict[int, ScheduledEpisode], episode: dict[str, Any], show: Any, *, korean_only: bool
) -> None:
    if not isinstance(show, dict) or (korean_only and not is_korean(show)):
        return
    airs_at = _instant(episode.get("airstamp"))
    episode_id = episode.get("id")
    if airs_at is None or not isinstance(episode_id, int):
        return
    title = _title_or_skip(show, "schedule")
    if title is None:
        return
    found[episode_id] = ScheduledEpisode(
        title=title,
        season=fields.integer(episode.get("season"), low=0, high=fields.MAX_EPISODES),
        number=fields.integer(episode.get("number"), low=0, high=fields.MAX_EPISODES),
        airs_at=airs_at,
    )


def _title_or_skip(show: dict[str, Any], where: str) -> Title | None:
    try:
        return title_from_show(show)
    except ValueError:
        log.warning("tvmaze: skipped an unreadable show in %s", where)
        return None


def _title_or_bad(show: dict[str, Any], where: str) -> Title:
    try:
        return title_from_show(show)
    except ValueError as exc:
        raise ProviderBadResponse("tvmaze", f"unreadable show from {where}") from exc


def _expect_list(body: Any, where: str) -> list[Any]:
    if not isinstance(body, list):
        raise ProviderBadResponse("tvmaze", f"expected a list from {where}")
    return body


def _expect_dict(body: Any, where: str) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise ProviderBadResponse("tvmaze", f"expected an object from {where}")
    return body


def _next_episode(raw: Any) -> NextEpisode | None:
    if not isinstance(raw, dict):
        return None
    number = fields.integer(raw.get("number"), low=0, high=fields.MAX_EPISODES)
    airs_at = _instant(raw.get("airstamp"))
    if number is None or airs_at is None:
        return None  # a special (no number) or an episode without a known time
    return NextEpisode(number=number, airs_at=airs_at)


def _instant(value: Any) -> int | None:
    """An ISO 8601 airstamp with an offset, as Unix seconds; None if absent or naive."""
    if not isinstance(value, str) or not value:
        return None
    try:
        moment = datetime.datetime.fromisoformat(value)
    except ValueError:
        return None
    if moment.tzinfo is None or not fields.MIN_YEAR <= moment.year <= fields.MAX_YEAR:
        return None
    return int(moment.timestamp())


def _country(show: dict[str, Any]) -> str | None:
    return _channel_country(show.get("network")) or _channel_country(show.get("webChannel"))


def _channel_country(channel: Any) -> str | None:
    if not isinstance(channel, dict):
        return None
    country = channel.get("country")
    code = country.get("code") if isinstance(country, dict) else None
    return code if isinstance(code, str) and len(code) == 2 else None
