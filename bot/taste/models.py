"""What members tell the bot about titles, per server, as plain data.

A title appears here as a `TitleRef`: its id and the snapshot (name, medium) kept with each row,
so lists show without a provider. Scores are whole numbers from 1 to 10.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, NamedTuple

from bot.metadata.models import Medium, Title

MIN_SCORE: Final = 1
MAX_SCORE: Final = 10
MAX_TITLE_NAME: Final = 300  # the tables' CHECK; a longer name is cut to fit


@dataclass(frozen=True)
class TitleRef:
    """A title as a taste row keeps it: `id` is "<source>:<id>", e.g. "anilist:21"."""

    id: str
    name: str
    medium: Medium

    @classmethod
    def of(cls, title: Title) -> TitleRef:
        return cls(title.id, title.display_name, title.medium)


@dataclass(frozen=True)
class Rating:
    title: TitleRef
    score: int
    rated_at: int  # Unix seconds


@dataclass(frozen=True)
class Watched:
    title: TitleRef
    watched_at: int
    score: int | None  # the member's rating of it, if any (a watched score is a rating)


@dataclass(frozen=True)
class WatchlistEntry:
    title: TitleRef
    added_at: int


@dataclass(frozen=True)
class NotInterested:
    title: TitleRef
    marked_at: int


@dataclass(frozen=True)
class RateResult:
    rating: Rating
    previous_score: int | None  # None: the title was not rated before


@dataclass(frozen=True)
class WatchedResult:
    watched: Watched
    newly_watched: bool  # False: it was marked watched before (the time is kept)
    left_watchlist: bool  # it was on the member's watchlist, and no longer is


@dataclass(frozen=True)
class WatchlistAddResult:
    entry: WatchlistEntry
    added: bool  # False: it was on the watchlist already
    was_not_interested: bool  # it was marked "not interested", which no longer holds


@dataclass(frozen=True)
class TitleAggregate:
    """One title in a server, as counts that name no member."""

    title: TitleRef
    ratings: int
    score_sum: int
    watched: int
    watchlisted: int

    @property
    def mean_score(self) -> float | None:
        return self.score_sum / self.ratings if self.ratings else None


class RatingTriple(NamedTuple):
    """One rating for the model. `member_key` is an opaque index: the same for one member's
    ratings in one server within one call, unrelated to any Discord id, and a member's ratings
    in two servers have two keys (a server's signals never join another's)."""

    member_key: int
    title_id: str
    score: int


@dataclass(frozen=True)
class ForgetCount:
    """What forget-me did to one kind of data: `count` rows deleted (or cleared)."""

    kind: str  # a stable name, e.g. "ratings", "party_rsvps"
    label: str  # what a member reads, e.g. "ratings"
    count: int


@dataclass(frozen=True)
class KeptNote:
    """Data about the member that forget-me leaves, and why."""

    kind: str
    label: str
    count: int | None  # None: the bot cannot count it (anonymous votes)
    reason: str


@dataclass(frozen=True)
class ForgetSummary:
    guild_id: int
    deleted: tuple[ForgetCount, ...]
    kept: tuple[KeptNote, ...]

    @property
    def total(self) -> int:
        return sum(item.count for item in self.deleted)

    def count(self, kind: str) -> int:
        return next((item.count for item in self.deleted if item.kind == kind), 0)

    def lines(self) -> list[str]:
        """The summary as a member reads it: what was deleted, then what stays and why."""
        removed = [f"{item.count} {item.label}" for item in self.deleted if item.count]
        lines = [
            "Deleted: " + ", ".join(removed) + "." if removed else "There was nothing to delete."
        ]
        for note in self.kept:
            if note.count == 0:
                continue
            amount = "" if note.count is None else f"{note.count} "
            lines.append(f"Kept: {amount}{note.label}. {note.reason}")
        return lines
