"""The rules of what members tell the bot: ratings, watched, watchlist, "not interested", taste
opt-in, and their privacy commands (forget-me, export). Everything is per server.

- A score is a whole number from 1 to 10. A watched title with a score is also a rating.
- Marking a title watched takes it off the watchlist; adding to the watchlist clears "not
  interested", and marking "not interested" takes it off the watchlist.
- Any member's watchlist can be read by members of the same server; no call reads across
  servers, because every call names its server.
- The recommender reads signals that name no member: a server's aggregate per title, and all
  ratings as (opaque member key, title, score).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import asdict
from typing import Any, Final

from bot.clock import Clock, from_unix, to_unix
from bot.errors import UserFacingError
from bot.metadata.models import Medium
from bot.polls.anonymity import VoterKey
from bot.taste.models import (
    MAX_SCORE,
    MAX_TITLE_NAME,
    MIN_SCORE,
    ForgetCount,
    ForgetSummary,
    KeptNote,
    NotInterested,
    RateResult,
    Rating,
    RatingTriple,
    TitleAggregate,
    TitleRef,
    Watched,
    WatchedResult,
    WatchlistAddResult,
    WatchlistEntry,
)
from bot.taste.repository import MemberRecord, TasteRepository

# The same shape the title options accept ("<source>:<id>"), e.g. "anilist:21".
TITLE_ID: Final = re.compile(r"^(anilist|tvmaze|tmdb|catalog):[A-Za-z0-9_-]{1,80}$")
EXPORT_FORMAT: Final = "watchclub-member-export/1"

# Forget-me's kinds, in the order a member reads them: (kind, the tables, what the member reads).
_DELETED_KINDS: Final[tuple[tuple[str, str, str], ...]] = (
    ("ratings", "taste_ratings", "ratings"),
    ("watched", "taste_watched", "titles marked watched"),
    ("watchlist", "taste_watchlist", "watchlist titles"),
    ("not_interested", "taste_not_interested", 'titles marked "not interested"'),
    ("taste_opt_in", "taste_opt_in", "taste-matching opt-in"),
    ("party_rsvps", "party_rsvps", "watch-party RSVPs"),
    ("party_reminder_prefs", "party_reminder_prefs", "reminder preference"),
    ("party_drafts", "party_drafts", "unconfirmed watch-party drafts"),
    ("poll_votes", "poll_votes", "poll votes"),
    ("dm_deliveries", "outbox", "delivered DMs in the bot's log"),
    ("server_settings_changes", "guild_settings", "record of changing server settings"),
)
_KEPT_KINDS: Final[tuple[tuple[str, str, str], ...]] = (
    (
        "parties_hosted",
        "watch parties you host",
        "They belong to the server; cancel them with `/watchparty cancel`.",
    ),
    (
        "follows_hosted",
        "watch-party follows you started",
        "They belong to the server; stop them with `/watchparty unfollow`.",
    ),
    ("polls_created", "polls you created", "They belong to the server: others voted in them."),
    (
        "brackets_created",
        "brackets you created",
        "They belong to the server: others voted in them.",
    ),
    ("polls_closed", "polls you closed early", "Who closed a poll is part of its record."),
    (
        "own_timezone",
        "your own timezone",
        "It applies in every server; clear it with `/timezone reset`.",
    ),
    (
        "dms_queued",
        "DMs still being delivered",
        "They go out shortly and leave the bot's log within 7 days.",
    ),
)
_ANONYMOUS_VOTES: Final = KeptNote(
    kind="anonymous_poll_votes",
    label="votes in anonymous polls",
    count=None,
    reason="Those in open polls are deleted too. In closed ones only the count is kept, which "
    "names nobody.",
)


def check_score(score: object) -> int:
    """A score from 1 to 10, as a whole number; anything else is a clear UserFacingError."""
    if isinstance(score, bool) or not isinstance(score, int):
        raise UserFacingError(
            f"A score is a whole number from {MIN_SCORE} to {MAX_SCORE}, e.g. `8`."
        )
    if not MIN_SCORE <= score <= MAX_SCORE:
        raise UserFacingError(
            f"A score is a whole number from {MIN_SCORE} to {MAX_SCORE}; {score} is not."
        )
    return score


def check_title_id(title_id: object) -> str:
    if not isinstance(title_id, str) or TITLE_ID.match(title_id) is None:
        raise UserFacingError(
            "That isn't a title I can save. Pick one of the suggestions as you type: they are "
            "ids such as `anilist:21`, `tvmaze:1234`, `tmdb:94796` or `catalog:goblin`."
        )
    return title_id


def check_title(title: TitleRef) -> TitleRef:
    """The title, checked: a known id shape, a medium the bot knows, a name that fits."""
    check_title_id(title.id)
    try:
        medium = Medium(title.medium)
    except ValueError:
        accepted = ", ".join(item.value for item in Medium)
        raise UserFacingError(
            f"{title.medium!r} isn't a medium I know; it is one of {accepted}."
        ) from None
    name = " ".join(title.name.split())
    if not name:
        raise UserFacingError("That title has no name to show. Pick one of the suggestions.")
    if len(name) > MAX_TITLE_NAME:
        name = name[: MAX_TITLE_NAME - 1] + "\u2026"
    return TitleRef(title.id, name, medium)


class TasteService:
    def __init__(
        self, repository: TasteRepository, clock: Clock, *, voter_key: VoterKey | None = None
    ) -> None:
        self._repository = repository
        self._clock = clock
        self._voter_key = voter_key
        self._revision = 0

    @property
    def revision(self) -> int:
        """Rises with every change of a rating in this process (a rate, an unrate, a watched
        score, a forget-me), so a model built at one revision knows when it is stale."""
        return self._revision

    def _now(self) -> int:
        return to_unix(self._clock.now())

    # -- what a member says -------------------------------------------------------------------

    async def rate(self, guild_id: int, member_id: int, title: TitleRef, score: int) -> RateResult:
        title, score = check_title(title), check_score(score)
        now = self._now()
        previous = await self._repository.rate(guild_id, member_id, title, score, now=now)
        self._revision += 1
        return RateResult(Rating(title, score, now), previous)

    async def rate_many(
        self, guild_id: int, member_id: int, scores: Sequence[tuple[TitleRef, int]]
    ) -> list[RateResult]:
        """Rate several titles in one transaction (the quick picker): every score is checked
        before anything is written, so one bad score saves none of them."""
        checked = [(check_title(title), check_score(score)) for title, score in scores]
        if not checked:
            return []
        now = self._now()
        previous = await self._repository.rate_many(guild_id, member_id, checked, now=now)
        self._revision += 1
        return [
            RateResult(Rating(title, score, now), before)
            for (title, score), before in zip(checked, previous, strict=True)
        ]

    async def unrate(self, guild_id: int, member_id: int, title_id: str) -> bool:
        """Remove the member's rating; False when there was none."""
        removed = await self._repository.remove(
            "taste_ratings", guild_id, member_id, check_title_id(title_id)
        )
        if removed:
            self._revision += 1
        return removed

    async def watched(
        self, guild_id: int, member_id: int, title: TitleRef, score: int | None = None
    ) -> WatchedResult:
        """Mark the title watched, with an optional score that is stored as a rating."""
        title = check_title(title)
        if score is not None:
            score = check_score(score)
        entry, newly, left = await self._repository.mark_watched(
            guild_id, member_id, title, score, now=self._now()
        )
        if score is not None:
            self._revision += 1
        return WatchedResult(entry, newly_watched=newly, left_watchlist=left)

    async def unwatch(self, guild_id: int, member_id: int, title_id: str) -> bool:
        """Unmark a title as watched (its rating, if any, stays); False when it was not."""
        return await self._repository.remove(
            "taste_watched", guild_id, member_id, check_title_id(title_id)
        )

    async def watchlist_add(
        self, guild_id: int, member_id: int, title: TitleRef
    ) -> WatchlistAddResult:
        entry, added, was_not = await self._repository.add_to_watchlist(
            guild_id, member_id, check_title(title), now=self._now()
        )
        return WatchlistAddResult(entry, added=added, was_not_interested=was_not)

    async def watchlist_remove(self, guild_id: int, member_id: int, title_id: str) -> bool:
        return await self._repository.remove(
            "taste_watchlist", guild_id, member_id, check_title_id(title_id)
        )

    async def watchlist(
        self, guild_id: int, member_id: int, *, limit: int | None = None
    ) -> list[WatchlistEntry]:
        """A member's watchlist in this server, newest first: the caller's own or another
        member's (any member of the server may see it; nothing of another server shows)."""
        return await self._repository.watchlist(guild_id, member_id, limit=limit)

    async def watchlist_size(self, guild_id: int, member_id: int) -> int:
        return await self._repository.watchlist_size(guild_id, member_id)

    async def not_interested(self, guild_id: int, member_id: int, title: TitleRef) -> bool:
        """Never recommend this title to the member; takes it off their watchlist. Returns
        whether it is newly marked."""
        newly, _ = await self._repository.mark_not_interested(
            guild_id, member_id, check_title(title), now=self._now()
        )
        return newly

    async def undo_not_interested(self, guild_id: int, member_id: int, title_id: str) -> bool:
        return await self._repository.remove(
            "taste_not_interested", guild_id, member_id, check_title_id(title_id)
        )

    async def opt_in(self, guild_id: int, member_id: int) -> bool:
        """List the member among "closest taste" matches in this server; False if already."""
        return await self._repository.opt_in(guild_id, member_id, now=self._now())

    async def opt_out(self, guild_id: int, member_id: int) -> bool:
        return await self._repository.opt_out(guild_id, member_id)

    async def is_opted_in(self, guild_id: int, member_id: int) -> bool:
        return await self._repository.opted_in_at(guild_id, member_id) is not None

    # -- a member's lists, and signals for the recommender -----------------------------------

    async def ratings(self, guild_id: int, member_id: int) -> list[Rating]:
        """The member's ratings in this server, newest first."""
        return await self._repository.ratings(guild_id, member_id)

    async def watched_titles(self, guild_id: int, member_id: int) -> list[Watched]:
        return await self._repository.watched(guild_id, member_id)

    async def not_interested_titles(self, guild_id: int, member_id: int) -> list[NotInterested]:
        return await self._repository.not_interested(guild_id, member_id)

    async def server_titles(self, guild_id: int) -> list[TitleAggregate]:
        """The server's aggregate per title (ratings, their sum, watched, watchlisted)."""
        return await self._repository.server_titles(guild_id)

    async def opted_in_ratings(self, guild_id: int) -> dict[int, list[Rating]]:
        """The ratings of the server's members who opted in to taste matching, by member id."""
        return await self._repository.opted_in_ratings(guild_id)

    async def rating_triples(self) -> list[RatingTriple]:
        """All ratings, of every server, as (opaque member key, title id, score) for the model."""
        return await self._repository.rating_triples()

    # -- privacy ------------------------------------------------------------------------------

    async def forget_me(self, guild_id: int, member_id: int) -> ForgetSummary:
        """Delete everything stored about the member in this server, in one transaction, and
        say what was deleted and what stays (and why)."""
        key = self._voter_key
        counts = await self._repository.forget(
            guild_id,
            member_id,
            anonymous_voter=None if key is None else (lambda poll: key.voter(poll, member_id)),
        )
        self._revision += 1
        deleted = tuple(
            ForgetCount(kind, label, counts.deleted.get(table, 0))
            for kind, table, label in _DELETED_KINDS
        )
        kept = tuple(
            KeptNote(kind, label, counts.kept.get(kind, 0), reason)
            for kind, label, reason in _KEPT_KINDS
        )
        return ForgetSummary(guild_id=guild_id, deleted=deleted, kept=(*kept, _ANONYMOUS_VOTES))

    async def export(self, guild_id: int, member_id: int) -> bytes:
        """Everything stored about the member in this server, as UTF-8 JSON. Ids are strings
        (Discord ids do not fit a JSON reader's doubles); times are ISO 8601 in UTC."""
        record = await self._repository.member_record(guild_id, member_id)
        document = _export_document(record, guild_id, member_id, exported_at=self._now())
        return json.dumps(document, ensure_ascii=False, indent=2).encode("utf-8")


def _export_document(
    record: MemberRecord, guild_id: int, member_id: int, *, exported_at: int
) -> dict[str, Any]:
    return {
        "format": EXPORT_FORMAT,
        "server_id": str(guild_id),
        "member_id": str(member_id),
        "exported_at": _iso(exported_at),
        "taste": {
            "ratings": [
                {**_title_json(r.title), "score": r.score, "rated_at": _iso(r.rated_at)}
                for r in record.ratings
            ],
            "watched": [
                {**_title_json(w.title), "score": w.score, "watched_at": _iso(w.watched_at)}
                for w in record.watched
            ],
            "watchlist": [
                {**_title_json(e.title), "added_at": _iso(e.added_at)} for e in record.watchlist
            ],
            "not_interested": [
                {**_title_json(n.title), "marked_at": _iso(n.marked_at)}
                for n in record.not_interested
            ],
            "taste_matching_opted_in_at": _iso_or_none(record.opted_in_at),
        },
        "watch_parties": {
            "rsvps": _rows(record.party_rsvps, times=("changed_at",)),
            "reminder_preference": (
                None
                if record.party_reminder_prefs is None
                else {
                    "by_dm": bool(record.party_reminder_prefs["by_dm"]),
                    "updated_at": _iso(record.party_reminder_prefs["updated_at"]),
                }
            ),
            "drafts": _rows(record.party_drafts, times=("created_at",)),
            "hosted": _rows(record.parties_hosted, times=("created_at", "cancelled_at")),
            "follows_started": _rows(
                record.follows_hosted, times=("created_at", "ended_at", "stopped_at")
            ),
        },
        "polls": {
            "votes": _rows(record.poll_votes, times=("voted_at",)),
            "created": _rows(record.polls_created, times=("opened_at", "closed_at")),
            "brackets_created": _rows(record.brackets_created, times=("created_at", "finished_at")),
            "closed_early": _rows(record.polls_closed, times=("closed_at",)),
        },
        "direct_messages_in_log": _rows(record.dm_deliveries, times=("created_at", "finished_at")),
        "server_settings_last_changed_by_you_at": _iso_or_none(record.server_settings_changed_at),
        "own_timezone_in_every_server": record.own_timezone,
        "not_included": [
            "Votes in anonymous polls: they are stored under a hidden name only the bot's key "
            "can make, so they are not listed here; forget-me deletes those in open polls.",
            "Messages the bot posted in channels: they are in Discord, where you can read them.",
        ],
    }


def _title_json(title: TitleRef) -> dict[str, str]:
    data = asdict(title)
    data["medium"] = title.medium.value
    return data


def _rows(rows: Sequence[Mapping[str, Any]], *, times: Sequence[str]) -> list[dict[str, Any]]:
    return [
        {
            key: _iso_or_none(value) if key in times else _plain(key, value)
            for key, value in row.items()
        }
        for row in rows
    ]


def _plain(key: str, value: Any) -> Any:
    if key == "id" or key.endswith("_id"):
        return None if value is None else str(value)
    return value


def _iso(seconds: int) -> str:
    return from_unix(seconds).isoformat()


def _iso_or_none(seconds: int | None) -> str | None:
    return None if seconds is None else _iso(seconds)
