"""Watch parties as plain data: what a party's sessions are, and which episodes each one shows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import IntEnum, StrEnum

UNKNOWN_LENGTH = 3 * 3600  # seconds a session of unknown length is taken to last


class Weekday(IntEnum):
    """Python's numbering (`date.weekday()`): Monday is 0."""

    MON = 0
    TUE = 1
    WED = 2
    THU = 3
    FRI = 4
    SAT = 5
    SUN = 6


@dataclass(frozen=True)
class EpisodeRange:
    """Episodes `first` to `last`, both included; one episode when they are equal."""

    first: int
    last: int

    def __post_init__(self) -> None:
        if not 1 <= self.first <= self.last:
            raise ValueError(f"not an episode range: {self.first}-{self.last}")

    @property
    def count(self) -> int:
        return self.last - self.first + 1

    def __str__(self) -> str:
        return str(self.first) if self.first == self.last else f"{self.first}\u2013{self.last}"


@dataclass(frozen=True)
class RepeatRule:
    """How a series repeats: every day, or every week on `weekdays`, in the party's zone."""

    frequency: str  # "daily" or "weekly"
    weekdays: tuple[Weekday, ...] = ()  # weekly only; empty means the start's weekday

    def __post_init__(self) -> None:
        if self.frequency not in ("daily", "weekly"):
            raise ValueError(f"not a repeat frequency: {self.frequency!r}")
        if self.frequency == "daily" and self.weekdays:
            raise ValueError("a daily rule repeats on every weekday; name weekdays on a weekly one")


@dataclass(frozen=True)
class Session:
    """One sitting of a party. `start` and `end` are aware, in the party's zone."""

    number: int  # 1-based, in order of start
    start: datetime
    end: datetime | None = None
    episodes: EpisodeRange | None = None

    @property
    def assumed_end(self) -> datetime:
        """The end, or, for a session of unknown length, `UNKNOWN_LENGTH` of real time later."""
        if self.end is not None:
            return self.end
        later = self.start.astimezone(UTC) + timedelta(seconds=UNKNOWN_LENGTH)
        return later.astimezone(self.start.tzinfo)


class Rsvp(StrEnum):
    GOING = "going"
    MAYBE = "maybe"
    NOT_GOING = "not_going"


class PlaceKind(StrEnum):
    VOICE = "voice"
    STAGE = "stage"
    LINK = "link"
    NONE = "none"


@dataclass(frozen=True)
class PartyPlan:
    """What a host confirmed, before it has an id: everything needed to create the party."""

    guild_id: int
    channel_id: int
    host_id: int
    title_name: str
    zone: str
    sessions: tuple[Session, ...]
    title_id: str | None = None
    place_kind: PlaceKind = PlaceKind.NONE
    place: str | None = None
    note: str | None = None
    repeat: RepeatRule | None = None
    cover_url: str | None = None  # a snapshot, so a later announcement asks no provider
    compass_line: str | None = None
    wants_thread: bool = False  # open a discussion thread on each session's announcement


@dataclass(frozen=True)
class FollowLink:
    """What ties a party to a follow: its episode, and that episode's air time plus the
    follow's offset as last read (Unix seconds)."""

    follow_id: int
    episode: int
    airs_at: int


@dataclass(frozen=True)
class StoredSession:
    """A session as stored: its party, its instant and its state."""

    party_id: int
    session: Session
    sequence: int = 0
    cancelled: bool = False


@dataclass(frozen=True)
class Party:
    id: int
    plan: PartyPlan
    sessions: tuple[StoredSession, ...]
    created_at: int
    cancelled: bool = False
    revision: int = 0  # rises with every change members see; orders the announcement's edits
    announced_session: int | None = None  # whose announcement is the current one
    follow_id: int | None = None  # set on a party `/watchparty follow` created for an episode

    @property
    def upcoming(self) -> tuple[StoredSession, ...]:
        return tuple(s for s in self.sessions if not s.cancelled)

    def session(self, number: int) -> StoredSession | None:
        return next((s for s in self.sessions if s.session.number == number), None)

    def next_session(self, *, after: datetime) -> StoredSession | None:
        """The first session not cancelled that starts after `after`."""
        return next((s for s in self.upcoming if s.session.start > after), None)


@dataclass(frozen=True)
class PartyHeading:
    """A party in one line, for autocomplete: no sessions, no answers."""

    id: int
    title_name: str
    zone: str
    shown_start: int  # Unix seconds: its next session's start, else its last one's


@dataclass(frozen=True)
class RsvpCounts:
    going: int = 0
    maybe: int = 0
    not_going: int = 0
    going_ids: tuple[int, ...] = ()  # earliest answer first


@dataclass(frozen=True)
class ScheduleRequest:
    """What a member asked for with `/watchparty schedule`, as typed, plus what the bot knows
    of the title (its last episode and runtime, when known)."""

    guild_id: int
    channel_id: int
    host_id: int
    title_name: str
    when: str
    zone: str  # the member's zone, else the server's; a zone written in `when` wins
    title_id: str | None = None
    last_episode: int | None = None
    runtime_minutes: int | None = None
    episodes: str | None = None
    place_kind: PlaceKind = PlaceKind.NONE
    place: str | None = None
    note: str | None = None
    repeat: str | None = None
    sessions: int | None = None
    until: str | None = None
    per_session: int | None = None
    cover_url: str | None = None
    compass_line: str | None = None
    wants_thread: bool = False


@dataclass(frozen=True)
class PlannedParty:
    """A plan shown to the member before anything is posted, with how their time was read."""

    plan: PartyPlan
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Follow:
    id: int
    guild_id: int
    channel_id: int
    host_id: int
    title_id: str
    title_name: str
    zone: str
    offset_minutes: int
    place_kind: PlaceKind = PlaceKind.NONE
    place: str | None = None
    cover_url: str | None = None
    compass_line: str | None = None
    since_episode: int | None = None
    ended: bool = False
    stopped: bool = False

    @property
    def active(self) -> bool:
        return not (self.ended or self.stopped)


@dataclass(frozen=True)
class NewFollow:
    """What a member asked to follow, with the title's look snapshotted."""

    guild_id: int
    channel_id: int
    host_id: int
    title_id: str
    zone: str
    offset_minutes: int
    place_kind: PlaceKind = PlaceKind.NONE
    place: str | None = None
    cover_url: str | None = None
    compass_line: str | None = None


@dataclass(frozen=True)
class MoveRequest:
    """What a member asked for with `/watchparty reschedule`, as typed. `host_id` is the member
    asking (the drafts table files a draft under it); `can_manage_events` is their permission
    when they asked, checked again at Confirm."""

    guild_id: int
    party_id: int
    host_id: int
    when: str
    zone: str
    session: int | None = None
    rest_of_series: bool = False
    can_manage_events: bool = False
    # Set when the preview is kept: each moving session's number and SEQUENCE as shown, so
    # Confirm moves exactly those sessions, unchanged since, or nothing.
    shown: tuple[tuple[int, int], ...] = ()


@dataclass(frozen=True)
class SessionMove:
    session: StoredSession  # as it is now
    start: datetime  # where it moves, in the party's zone
    end: datetime | None


@dataclass(frozen=True)
class PlannedMove:
    """A reschedule shown to the member before anyone is told."""

    party: Party
    moves: tuple[SessionMove, ...]
    zone: str  # the zone `when` was read in
    notes: tuple[str, ...] = ()
