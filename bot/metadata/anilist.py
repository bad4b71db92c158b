"""AniList: anime titles, airing schedules and recommendations over GraphQL.

One POST per operation to the client's base URL (https://graphql.anilist.co), body
`{"query", "variables"}`. Every request goes through `ProviderHttp`, which paces it
(ANILIST_WINDOWS), retries 5xx and timeouts, turns 401/403 into ProviderUnavailable and a long
429 into ProviderRateLimited. The client must carry a descriptive User-Agent and a Referer: since
2026 AniList answers 403 "temporarily disabled" to requests without a Referer (see
bot/resources.py and ../shared/reference/metadata-apis.md §1.7).

What this module adds on top:
- GraphQL documents as constants with named operations that share one Media fragment; user
  input travels only in `variables`.
- Reading AniList's envelope: `errors[]` with `data: null` is a ProviderBadResponse, errors next
  to partial data are logged and the data is used, a JSON 404 "Not Found." means "no such
  title", and any other 4xx or an unreadable body is a ProviderBadResponse.
- `title_from_media`: a pure, defensive mapping of one Media object to a `Title`.
- Adult entries are never returned (`isAdult: false` in the queries, and checked again here).

Terms (https://docs.anilist.co/guide/terms-of-use): no hoarding or bulk collection. Fetch only
what users ask for; cache normalized results with a TTL; show ANILIST_ATTRIBUTION.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import httpx

from bot.metadata import fields
from bot.metadata.http_policy import ProviderHttp
from bot.metadata.models import Medium, NextEpisode, Status, Tag, Title, TitleNames
from bot.metadata.provider import ProviderBadResponse
from bot.metadata.seasons import anime_season
from bot.metadata.text import clean_synopsis

log = logging.getLogger(__name__)

ANILIST_ATTRIBUTION = "Data: AniList (anilist.co)"
PROVIDER_NAME = "anilist"

MAX_PER_PAGE = 50  # Page(perPage:) is silently clamped to 50
MAX_RECOMMENDATIONS_PER_PAGE = 25  # connection fields (recommendations) allow at most 25
_GRAPHQL_INT_MAX = 2**31 - 1  # GraphQL Int is 32-bit signed; a larger id is a 400, not a 404
_MESSAGE_LIMIT = 300

MEDIA_FIELDS = """
fragment WatchclubMedia on Media {
  id
  idMal
  type
  format
  status(version: 2)
  isAdult
  title { romaji english native }
  synonyms
  description(asHtml: false)
  startDate { year month day }
  seasonYear
  episodes
  duration
  countryOfOrigin
  genres
  tags { name rank category isGeneralSpoiler isMediaSpoiler isAdult }
  averageScore
  meanScore
  popularity
  coverImage { extraLarge large }
  siteUrl
  nextAiringEpisode { airingAt episode }
}
"""

SEARCH_QUERY = (
    """
query SearchAnime($search: String!, $perPage: Int!) {
  Page(page: 1, perPage: $perPage) {
    media(search: $search, type: ANIME, isAdult: false, sort: [SEARCH_MATCH]) {
      ...WatchclubMedia
    }
  }
}
"""
    + MEDIA_FIELDS
)

BY_ID_QUERY = (
    """
query AnimeById($id: Int!) {
  Media(id: $id, type: ANIME) {
    ...WatchclubMedia
  }
}
"""
    + MEDIA_FIELDS
)

BY_IDS_QUERY = (
    """
query AnimeByIds($ids: [Int]!, $perPage: Int!) {
  Page(page: 1, perPage: $perPage) {
    media(id_in: $ids, type: ANIME, isAdult: false) {
      ...WatchclubMedia
    }
  }
}
"""
    + MEDIA_FIELDS
)

AIRING_QUERY = (
    """
query AiringSchedule($after: Int!, $before: Int!, $page: Int!) {
  Page(page: $page, perPage: 50) {
    pageInfo { hasNextPage }
    airingSchedules(airingAt_greater: $after, airingAt_lesser: $before, sort: [TIME]) {
      airingAt
      episode
      mediaId
      media {
        ...WatchclubMedia
      }
    }
  }
}
"""
    + MEDIA_FIELDS
)

# The season's series, most popular first. Movies, specials, OVAs and music videos are filed
# under a season too, but they do not air week after week.
SEASON_QUERY = (
    """
query SeasonAnime($season: MediaSeason!, $seasonYear: Int!, $perPage: Int!) {
  Page(page: 1, perPage: $perPage) {
    media(
      season: $season
      seasonYear: $seasonYear
      type: ANIME
      isAdult: false
      format_in: [TV, TV_SHORT, ONA]
      sort: [POPULARITY_DESC]
    ) {
      ...WatchclubMedia
    }
  }
}
"""
    + MEDIA_FIELDS
)

UPCOMING_AIRINGS_QUERY = """
query AnimeUpcomingAirings($id: Int!, $perPage: Int!) {
  Media(id: $id, type: ANIME) {
    id
    airingSchedule(notYetAired: true, page: 1, perPage: $perPage) {
      nodes { airingAt episode }
    }
  }
}
"""

RECOMMENDATIONS_QUERY = (
    """
query AnimeRecommendations($id: Int!, $perPage: Int!) {
  Media(id: $id, type: ANIME) {
    id
    recommendations(sort: [RATING_DESC], page: 1, perPage: $perPage) {
      nodes {
        rating
        mediaRecommendation {
          ...WatchclubMedia
        }
      }
    }
  }
}
"""
    + MEDIA_FIELDS
)

_STATUSES = {
    "FINISHED": Status.FINISHED,
    "RELEASING": Status.RELEASING,
    "NOT_YET_RELEASED": Status.NOT_YET_RELEASED,
    "CANCELLED": Status.CANCELLED,
    "HIATUS": Status.HIATUS,
}


@dataclass(frozen=True)
class AiringSlot:
    """One episode on AniList's airing schedule. `airs_at` is Unix seconds, UTC."""

    title: Title
    episode: int
    airs_at: int


class AniListProvider:
    """Anime from AniList. Satisfies `bot.metadata.provider.TitleProvider`."""

    name = PROVIDER_NAME
    media = frozenset({Medium.ANIME})
    search_gives_details = True  # search and fetch ask for the same fragment

    def __init__(self, http: ProviderHttp) -> None:
        self._http = http

    async def search(self, query: str, *, limit: int = 10) -> list[Title]:
        """Best matches first (AniList's SEARCH_MATCH); [] for a blank query or no match."""
        text = query.strip()
        if not text or limit < 1:
            return []
        data = await self._post(SEARCH_QUERY, {"search": text, "perPage": min(limit, MAX_PER_PAGE)})
        if data is None:
            return []
        return _titles(_list_at(_page(data), "media"))[:limit]

    async def fetch(self, source_id: str) -> Title | None:
        """One anime by AniList id ("21"); None if it does not exist, is adult or not anime."""
        media_id = _parse_id(source_id)
        if media_id is None:
            return None
        data = await self._post(BY_ID_QUERY, {"id": media_id})
        if data is None:
            return None
        media = data.get("Media")
        if not isinstance(media, dict) or not _wanted(media):
            return None
        return title_from_media(media)

    async def fetch_many(self, ids: Sequence[int]) -> list[Title]:
        """The anime among `ids`, in the order asked; unknown and adult ids are left out."""
        wanted = list(
            dict.fromkeys(
                i
                for i in ids
                if isinstance(i, int) and not isinstance(i, bool) and 0 < i <= _GRAPHQL_INT_MAX
            )
        )
        found: dict[str, Title] = {}
        for start in range(0, len(wanted), MAX_PER_PAGE):
            chunk = wanted[start : start + MAX_PER_PAGE]
            data = await self._post(BY_IDS_QUERY, {"ids": chunk, "perPage": MAX_PER_PAGE})
            if data is None:
                continue
            for title in _titles(_list_at(_page(data), "media")):
                found[title.id] = title
        return [found[key] for key in (f"{PROVIDER_NAME}:{i}" for i in wanted) if key in found]

    async def airing_schedule(
        self, *, start: int, end: int, page_limit: int = 5
    ) -> list[AiringSlot]:
        """Episodes airing in [start, end) (Unix seconds), soonest first.

        Follows `hasNextPage` for at most `page_limit` pages of 50; adult entries are dropped.
        """
        if end <= start or page_limit < 1:
            return []
        slots: list[AiringSlot] = []
        seen: set[tuple[str, int]] = set()
        for page in range(1, page_limit + 1):
            # airingAt_greater/_lesser are exclusive: start - 1 makes the start inclusive.
            data = await self._post(AIRING_QUERY, {"after": start - 1, "before": end, "page": page})
            if data is None:
                break
            page_data = _page(data)
            entries = _list_at(page_data, "airingSchedules")
            for slot in _airing_slots(entries):
                key = (slot.title.id, slot.episode)
                if key not in seen:
                    seen.add(key)
                    slots.append(slot)
            page_info = page_data.get("pageInfo")
            has_next = isinstance(page_info, dict) and page_info.get("hasNextPage") is True
            if not has_next or not entries:
                break
            if page == page_limit:
                log.info(
                    "anilist airing schedule truncated at %d pages (%d slots)",
                    page_limit,
                    len(slots),
                )
        return slots

    async def airing_now(self, now: datetime, limit: int = 16) -> list[Title]:
        """This season's anime series at `now` (see `bot.metadata.seasons`), most popular first.

        One page of at most 50; adult entries are left out. The titles carry the same fields
        as a search or a fetch, so they are complete and can be scored on the compass.
        """
        if limit < 1:
            return []
        season = anime_season(now)
        variables = {
            "season": season.name,
            "seasonYear": season.year,
            "perPage": min(limit, MAX_PER_PAGE),
        }
        data = await self._post(SEASON_QUERY, variables)
        if data is None:
            return []
        titles = list({t.id: t for t in _titles(_list_at(_page(data), "media"))}.values())
        # AniList sorts by popularity already; sorting again (stable) keeps that promise even
        # for a page that comes back out of order, entries without a figure last.
        titles.sort(key=lambda title: -(title.popularity or 0))
        return titles[:limit]

    async def upcoming_airings(self, source_id: str, *, limit: int = 25) -> list[NextEpisode]:
        """Episodes of this anime not yet aired, soonest first, each at its real air time.

        Watch parties that follow the airing read this again daily, so a moved episode moves
        its party. [] for an unknown id or a finished show.
        """
        media_id = _parse_id(source_id)
        if media_id is None or limit < 1:
            return []
        per_page = min(limit, MAX_PER_PAGE)
        data = await self._post(UPCOMING_AIRINGS_QUERY, {"id": media_id, "perPage": per_page})
        media = data.get("Media") if data is not None else None
        if not isinstance(media, dict):
            return []
        nodes = fields.items(fields.mapping(media.get("airingSchedule")).get("nodes"))
        episodes = {
            episode.number: episode
            for episode in (_next_episode(node) for node in nodes)
            if episode is not None
        }
        return sorted(episodes.values(), key=lambda e: (e.airs_at or 0, e.number))[:limit]

    async def recommendations(self, source_id: str, *, limit: int = 10) -> list[Title]:
        """What AniList users recommend for this anime, best rated first.

        Skips deleted, adult and net-downvoted (rating <= 0) recommendations; [] for an
        unknown id.
        """
        media_id = _parse_id(source_id)
        if media_id is None or limit < 1:
            return []
        # Ask for a few spare, since some nodes are skipped.
        per_page = min(limit + 5, MAX_RECOMMENDATIONS_PER_PAGE)
        data = await self._post(RECOMMENDATIONS_QUERY, {"id": media_id, "perPage": per_page})
        if data is None:
            return []
        media = data.get("Media")
        if not isinstance(media, dict):
            return []
        connection = media.get("recommendations")
        nodes = connection.get("nodes") if isinstance(connection, dict) else None
        if nodes is None:
            return []
        if not isinstance(nodes, list):
            raise _bad("recommendations.nodes is not a list")
        titles: list[Title] = []
        seen = {f"{PROVIDER_NAME}:{media_id}"}
        for node in nodes:
            if not isinstance(node, dict):
                continue
            rating = fields.number(node.get("rating"))
            if rating is not None and rating <= 0:
                continue
            recommended = node.get("mediaRecommendation")
            if not isinstance(recommended, dict) or not _wanted(recommended):
                continue
            title = _title_or_none(recommended)
            if title is not None and title.id not in seen:
                seen.add(title.id)
                titles.append(title)
        return titles[:limit]

    async def _post(self, query: str, variables: dict[str, Any]) -> dict[str, Any] | None:
        """The `data` object of AniList's answer; None when AniList says "Not Found." (404)."""
        try:
            response = await self._http.request(
                "POST", "", json={"query": query, "variables": variables}
            )
        except httpx.DecodingError as exc:
            raise _bad(f"undecodable body ({exc})") from exc
        body = _json_body(response)
        errors = _error_messages(body)
        status = response.status_code
        if status == 404:
            if body is not None and any("not found" in m.lower() for m in errors):
                return None
            raise _bad(f"404 without AniList's Not Found body: {_snippet(response)}")
        if status >= 300:
            detail = "; ".join(errors) if errors else _snippet(response)
            raise _bad(f"HTTP {status}: {detail}")
        if body is None:
            raise _bad(f"HTTP {status} body is not a JSON object: {_snippet(response)}")
        data = body.get("data")
        if not isinstance(data, dict):
            if errors:
                raise _bad("GraphQL error: " + "; ".join(errors))
            raise _bad("response has no data object")
        if errors:
            log.warning("anilist answered with partial data and errors: %s", "; ".join(errors))
        return data


def title_from_media(media: dict[str, Any]) -> Title:
    """One AniList Media object as a Title. A missing or malformed field is left empty.

    Raises ProviderBadResponse only when the media has no usable id.
    """
    media_id = fields.identifier(media.get("id"))
    if media_id is None:
        raise _bad(f"media object without an integer id: {media.get('id')!r}")
    names = fields.mapping(media.get("title"))
    start_date = fields.mapping(media.get("startDate"))
    cover = fields.mapping(media.get("coverImage"))
    description = media.get("description")
    return Title(
        id=f"{PROVIDER_NAME}:{media_id}",
        medium=Medium.ANIME,
        names=TitleNames(
            english=fields.text(names.get("english")),
            romanized=fields.text(names.get("romaji")),
            native=fields.text(names.get("native")),
            synonyms=fields.texts(media.get("synonyms")),
        ),
        attribution=ANILIST_ATTRIBUTION,
        year=fields.year(media.get("seasonYear")) or fields.year(start_date.get("year")),
        format=fields.text(media.get("format"), limit=40),
        episodes=fields.episodes(media.get("episodes")),
        episode_minutes=fields.episode_minutes(media.get("duration")),
        status=_STATUSES.get(str(media.get("status")), Status.UNKNOWN),
        genres=fields.texts(media.get("genres"), limit=60),
        tags=_tags(media.get("tags")),
        synopsis=clean_synopsis(description) if isinstance(description, str) else None,
        cover_url=fields.http_url(cover.get("extraLarge")) or fields.http_url(cover.get("large")),
        score=fields.score(media.get("averageScore"), scale=100)
        or fields.score(media.get("meanScore"), scale=100),
        popularity=fields.popularity(media.get("popularity")),
        country=_country(media.get("countryOfOrigin")),
        next_episode=_next_episode(media.get("nextAiringEpisode")),
        source_url=fields.http_url(media.get("siteUrl")) or f"https://anilist.co/anime/{media_id}",
        # AniList's idMal points at MyAnimeList, which is not a source the bot uses.
        same_as=(),
    )


def _tags(raw: Any) -> tuple[Tag, ...]:
    tags: dict[str, Tag] = {}
    for item in fields.items(raw):
        if not isinstance(item, dict) or item.get("isAdult") is True:
            continue  # adult tags are never shown or scored
        name = fields.text(item.get("name"), limit=60)
        if name is None or name in tags:
            continue
        rank = fields.integer(item.get("rank"), low=0, high=100)
        tags[name] = Tag(
            name=name,
            rank=rank if rank is not None else Tag.rank,
            spoiler=item.get("isMediaSpoiler") is True or item.get("isGeneralSpoiler") is True,
            category=fields.text(item.get("category"), limit=60),
        )
    return tuple(tags.values())[: fields.MAX_LIST]


def _country(value: Any) -> str | None:
    code = fields.text(value, limit=2)
    return code if code is not None and len(code) == 2 and code.isalpha() else None


def _next_episode(raw: Any) -> NextEpisode | None:
    """`{airingAt, episode}` as a NextEpisode; None when either is missing or absurd."""
    episode = fields.mapping(raw)
    number = fields.episodes(episode.get("episode"))
    airs_at = fields.instant(episode.get("airingAt"))
    if number is None or airs_at is None:
        return None
    return NextEpisode(number=number, airs_at=airs_at)


def _airing_slots(entries: list[Any]) -> list[AiringSlot]:
    slots: list[AiringSlot] = []
    for entry in entries:
        if not isinstance(entry, dict):
            continue
        media = entry.get("media")
        episode = fields.episodes(entry.get("episode"))
        airs_at = fields.instant(entry.get("airingAt"))
        if not isinstance(media, dict) or episode is None or airs_at is None:
            log.warning("anilist airing entry without media, episode or time skipped")
            continue
        if "id" not in media and fields.identifier(entry.get("mediaId")) is not None:
            media = {**media, "id": entry["mediaId"]}
        title = _title_or_none(media) if _wanted(media) else None
        if title is not None:
            slots.append(AiringSlot(title=title, episode=episode, airs_at=airs_at))
    return slots


def _titles(items: list[Any]) -> list[Title]:
    # A null item is what GraphQL leaves where one entry failed; the rest are still good. So is
    # an item without a usable id: it is skipped, never the whole page.
    titles = (_title_or_none(item) for item in items if isinstance(item, dict) and _wanted(item))
    return [title for title in titles if title is not None]


def _title_or_none(media: dict[str, Any]) -> Title | None:
    try:
        return title_from_media(media)
    except ProviderBadResponse:
        log.warning("anilist: skipped a media object without a usable id")
        return None


def _wanted(media: dict[str, Any]) -> bool:
    """Adult entries and anything that is not anime never leave this module."""
    return media.get("isAdult") is not True and media.get("type") in (None, "ANIME")


def _page(data: dict[str, Any]) -> dict[str, Any]:
    page = data.get("Page")
    if not isinstance(page, dict):
        raise _bad("response has no Page object")
    return page


def _list_at(container: dict[str, Any], key: str) -> list[Any]:
    items = container.get(key)
    if items is None:
        return []
    if not isinstance(items, list):
        raise _bad(f"{key} is not a list")
    return items


def _parse_id(source_id: str) -> int | None:
    text = source_id.strip() if isinstance(source_id, str) else ""
    if not text.isascii() or not text.isdigit():
        return None
    value = int(text)
    return value if 0 < value <= _GRAPHQL_INT_MAX else None


def _json_body(response: httpx.Response) -> dict[str, Any] | None:
    try:
        body = response.json()
    except ValueError:  # JSONDecodeError and UnicodeDecodeError
        return None
    return body if isinstance(body, dict) else None


def _error_messages(body: dict[str, Any] | None) -> list[str]:
    if body is None:
        return []
    errors = body.get("errors")
    if not isinstance(errors, list):
        return []
    messages: list[str] = []
    for error in errors:
        if isinstance(error, dict):
            message = error.get("message")
            status = error.get("status")
            text = message if isinstance(message, str) else "unknown error"
            has_status = fields.number(status) is not None
            messages.append(f"{text} ({status})" if has_status else text)
        else:
            messages.append(str(error))
    return [m[:_MESSAGE_LIMIT] for m in messages]


def _snippet(response: httpx.Response) -> str:
    content_type = response.headers.get("content-type", "no content-type")
    text = " ".join(response.text[:120].split())
    return f"{content_type}: {text!r}"


def _bad(message: str) -> ProviderBadResponse:
    return ProviderBadResponse(PROVIDER_NAME, message)
