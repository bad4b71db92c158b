"""Pieces of the crash-recovery test (test_crash_recovery.py), kept apart so the test reads as
the story: what is scheduled, the bot as a process that gets killed, and what came out."""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import signal
import sqlite3
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from random import Random
from typing import cast

from bot.charts.renderer import ChartRenderer
from bot.clock import SystemClock
from bot.metadata.catalog import Catalog
from bot.outbox.message import MessageEdit, OutgoingMessage, ToChannel, ToMember
from bot.outbox.repository import OutboxRepository
from bot.parties.models import PartyPlan, Rsvp, Session
from bot.parties.reminders import reminder_timers
from bot.parties.repository import PartyRepository
from bot.polls.anonymity import VoterKey
from bot.polls.message import option_name, vote_custom_id
from bot.polls.models import Ballot, Poll, PollKind, PollSpec
from bot.polls.repository import PollRepository
from bot.polls.service import PollService, close_key
from bot.scheduled_messages import scheduled_edit, scheduled_message
from bot.storage import migrations
from bot.storage.database import Database
from bot.timers.models import NewTimer
from bot.timers.repository import TimerRepository
from bot.timers.service import TimerService
from sandbox import (
    ChannelSpec,
    GuildSpec,
    InteractionTimeoutError,
    MemberSpec,
    NotConnectedError,
    RecordedRequest,
    Sandbox,
    StoredMessage,
)
from tests.integration.test_process import _entry_point, _environment

MARKER = re.compile(r"crash-test #\d{4}")
MESSAGE_CREATE = "/channels/{channel_id}/messages"
MESSAGE_EDIT = "/channels/{channel_id}/messages/{message_id}"
TALLY_KEY = "crash-tally"
TALLY = re.compile(r"^tally board: v(\d{4})$")
RECOVERED = re.compile(r"Recovered (\d+) timers")
PARTY_MARKER = re.compile(r"party-reminder #(\d{2})")
CLOSED_DMS_PREFIX = "your DMs are closed, so here it is:"


# -- what is scheduled -------------------------------------------------------------------------


@dataclass(frozen=True)
class PlannedMessage:
    """One timer, the message it must produce, and where a user must see that message."""

    number: int
    kind: str  # "merged", "single", "dm" or "closed-dm"
    due_at: int
    message: OutgoingMessage
    shows_in: str  # the channel (guild channel or DM) where the message must appear
    pings: str | None  # for a closed-DM fallback: the member it must mention

    @property
    def marker(self) -> str:
        return f"crash-test #{self.number:04d}"

    @property
    def key(self) -> str:
        return f"crash-test:{self.number:04d}"


@dataclass(frozen=True)
class Mix:
    merged: int  # channel messages the outbox may join with others due that minute
    single: int  # channel messages that go alone
    dm: int  # DMs to members who accept them
    closed_dm: int  # DMs to a member whose DMs are closed: they fall back to a channel


def plan_messages(
    sandbox: Sandbox,
    guild: GuildSpec,
    rng: Random,
    *,
    mix: Mix,
    open_dm_members: Sequence[MemberSpec],
    closed_dm_member: MemberSpec,
    due_times: Sequence[int],
) -> list[PlannedMessage]:
    """Messages spread round-robin over `due_times`, kinds shuffled so that every wave mixes
    merged, single, DM and fallback sends: each one has its own resend path after a crash."""
    channels = [guild.channel("general"), guild.channel("watch-parties")]
    kinds = (
        ["merged"] * mix.merged
        + ["single"] * mix.single
        + ["dm"] * mix.dm
        + ["closed-dm"] * mix.closed_dm
    )
    rng.shuffle(kinds)
    planned: list[PlannedMessage] = []
    for number, kind in enumerate(kinds):
        wave = number % len(due_times)
        channel = rng.choice(channels)
        content = f"crash-test #{number:04d} (wave {wave}, {kind})"
        pings: str | None = None
        if kind in ("merged", "single"):
            message = OutgoingMessage(
                to=ToChannel(int(channel.id)), content=content, mergeable=kind == "merged"
            )
            shows_in = channel.id
        else:
            member = closed_dm_member if kind == "closed-dm" else rng.choice(open_dm_members)
            message = OutgoingMessage(
                to=ToMember(int(member.id), fallback_channel_id=int(channel.id)), content=content
            )
            if kind == "closed-dm":
                shows_in, pings = channel.id, member.id
            else:
                shows_in = sandbox.dm_channel(member).id
        planned.append(PlannedMessage(number, kind, due_times[wave], message, shows_in, pings))
    return planned


def tally_version(content: str) -> int | None:
    match = TALLY.match(content)
    return None if match is None else int(match[1])


def plan_tally(channel_id: int, *, posted_at: int, edit_times: Sequence[int]) -> list[NewTimer]:
    """A tally board posted once, then edited at each of `edit_times` (strictly increasing)
    to a higher version, as a poll's live tally is: the last version must be what users see,
    and no version may land after a higher one. The edits name the board by its key, so the
    first ones wait until it is posted."""
    board = OutgoingMessage(ToChannel(channel_id), "tally board: v0000", key=TALLY_KEY)
    timers = [
        scheduled_message(
            board, due_at=datetime.fromtimestamp(posted_at, UTC), key="crash-edit:post"
        )
    ]
    for version, due in enumerate(edit_times, start=1):
        edit = MessageEdit(
            channel_id, f"tally board: v{version:04d}", message_key=TALLY_KEY, spacing=0
        )
        timers.append(
            scheduled_edit(
                edit, due_at=datetime.fromtimestamp(due, UTC), key=f"crash-edit:{version:04d}"
            )
        )
    return timers


async def seed_timers(
    database: Path, planned: Sequence[PlannedMessage], *, now: int, extra: Sequence[NewTimer] = ()
) -> None:
    """Write the timers into a fresh database, as if users had scheduled them earlier. Built
    with `scheduled_message`, so each payload is exactly what a feature would store."""
    db = await Database.open(database)
    try:
        await migrations.upgrade(db)
        timers = [
            scheduled_message(p.message, due_at=datetime.fromtimestamp(p.due_at, UTC), key=p.key)
            for p in planned
        ]
        await TimerRepository(db, OutboxRepository(db)).schedule_many([*timers, *extra], now=now)
    finally:
        await db.close()


@dataclass(frozen=True)
class PlannedReminder:
    """A watch party whose one reminder falls due during the kills (its `lead` minutes before
    the start), and who must hear it: a ping for each Going member who takes pings, a DM for
    each who chose DMs (in the channel, mentioning them, when their DMs are closed)."""

    number: int
    lead: int
    due_at: int
    channel_id: str
    pinged: tuple[str, ...]  # Going, reminded by a ping in the channel
    dm: tuple[str, ...]  # Going, chose DMs, DMs open
    fallback: tuple[str, ...]  # Going, chose DMs, DMs closed: a channel message mentions them

    @property
    def marker(self) -> str:
        return f"party-reminder #{self.number:02d}"


async def seed_party_reminders(
    database: Path,
    guild: GuildSpec,
    rng: Random,
    *,
    count: int,
    pinged: MemberSpec,
    dm_open: MemberSpec,
    dm_closed: MemberSpec,
    due_times: Sequence[int],
    now: int,
) -> list[PlannedReminder]:
    """Parties with answers written straight into the database, as if members had scheduled
    and answered them earlier, and their reminder timers as the service schedules them. Each
    party's start is one lead time (60, 15 or 0 minutes) after a wave, so its reminder for that
    lead falls due with the wave; the others are past (never scheduled) or far ahead."""
    channels = [guild.channel("general"), guild.channel("watch-parties")]
    members = (pinged, dm_open, dm_closed)
    db = await Database.open(database)
    try:
        await migrations.upgrade(db)
        parties = PartyRepository(db)
        timers = TimerRepository(db, OutboxRepository(db))
        for member in (dm_open, dm_closed):
            await parties.set_dm_reminders(int(guild.id), int(member.id), on=True, now=now)
        planned: list[PlannedReminder] = []
        for number in range(count):
            lead = (60, 15, 0)[number % 3]
            due = due_times[number % len(due_times)]
            start = datetime.fromtimestamp(due + lead * 60, UTC)
            channel = rng.choice(channels)
            plan = PartyPlan(
                guild_id=int(guild.id),
                channel_id=int(channel.id),
                host_id=int(pinged.id),
                title_name=f"party-reminder #{number:02d}",
                zone="Asia/Seoul",
                sessions=(Session(1, start),),
            )
            party = await parties.create(plan, now=now)
            going = [m for m in members if rng.random() < 0.6] or [rng.choice(members)]
            for member in members:
                choice = Rsvp.GOING if member in going else rng.choice([Rsvp.MAYBE, Rsvp.NOT_GOING])
                await parties.set_rsvp(party.id, int(member.id), choice, now=now)
            await timers.schedule_many(
                reminder_timers(party, (60, 15), now=datetime.fromtimestamp(now, UTC)), now=now
            )
            planned.append(
                PlannedReminder(
                    number,
                    lead,
                    due,
                    channel.id,
                    pinged=tuple(m.id for m in going if m is pinged),
                    dm=tuple(m.id for m in going if m is dm_open),
                    fallback=tuple(m.id for m in going if m is dm_closed),
                )
            )
    finally:
        await db.close()
    return planned


@dataclass(frozen=True)
class HeardReminder:
    """One visible message carrying a party reminder, and how it reached whom."""

    message: StoredMessage
    how: str  # "ping" (the channel message), "dm", or "fallback" (a closed DM, in the channel)


def party_reminders_heard(
    sandbox: Sandbox, guild: GuildSpec, members: Sequence[MemberSpec]
) -> dict[str, list[HeardReminder]]:
    """Marker -> every visible message carrying that party's reminder."""
    found: dict[str, list[HeardReminder]] = defaultdict(list)
    for channel in guild.channels:
        for message in sandbox.messages(channel):
            how = "fallback" if CLOSED_DMS_PREFIX in message.content else "ping"
            for number in PARTY_MARKER.findall(message.content):
                found[f"party-reminder #{number}"].append(HeardReminder(message, how))
    for member in members:
        for message in sandbox.dms(member):
            for number in PARTY_MARKER.findall(message.content):
                found[f"party-reminder #{number}"].append(HeardReminder(message, "dm"))
    return found


def party_reminder_problems(
    planned: Sequence[PlannedReminder], heard: dict[str, list[HeardReminder]]
) -> list[str]:
    """What differs from exactly one reminder per way, each pinging exactly its members."""
    problems: list[str] = []
    for reminder in planned:
        got = heard.get(reminder.marker, [])
        pings = [h.message for h in got if h.how == "ping"]
        dms = [h.message for h in got if h.how == "dm"]
        fallbacks = [h.message for h in got if h.how == "fallback"]
        name = f"{reminder.marker} (lead {reminder.lead})"
        if len(pings) != 1:
            problems.append(f"{name}: {len(pings)} channel reminders, expected 1")
        elif sorted(pings[0].mentions) != sorted(reminder.pinged) or pings[0].mention_roles:
            problems.append(f"{name} pinged {pings[0].mentions}, expected {reminder.pinged}")
        elif pings[0].channel_id != reminder.channel_id:
            problems.append(f"{name}: in channel {pings[0].channel_id}")
        if len(dms) != len(reminder.dm):
            problems.append(f"{name}: {len(dms)} DMs, expected {len(reminder.dm)}")
        if any(m.mentions for m in dms):
            problems.append(f"{name}: a DM pinged someone")
        if len(fallbacks) != len(reminder.fallback):
            problems.append(
                f"{name}: {len(fallbacks)} fallbacks, expected {len(reminder.fallback)}"
            )
        for message in fallbacks:
            if message.mentions != list(reminder.fallback):
                problems.append(f"{name}: the fallback pinged {message.mentions}")
        words = "is starting now" if reminder.lead == 0 else "starts in"
        if any(words not in h.message.content for h in got):
            problems.append(f"{name}: a reminder does not say {words!r}")
    return problems


# -- the bot as a process ----------------------------------------------------------------------


class BotProcess:
    """One `watchclub run`. Output goes to a file, never a pipe: a pipe nobody drains fills up
    and blocks the bot, which would look exactly like the hang this test must not have."""

    def __init__(
        self,
        process: asyncio.subprocess.Process,
        log_path: Path,
        first_request: int,
        first_identify: int = 0,
    ) -> None:
        self.process = process
        self.log_path = log_path
        self.first_request = first_request  # index into sandbox.requests when it started
        self.first_identify = first_identify  # gateway IDENTIFYs the sandbox had seen by then
        self.launched_at = time.time()
        self.up_at: float | None = None
        self.ended_at: float | None = None
        self.kill_note = ""  # where the kill was aimed, and whether it got there

    @classmethod
    async def launch(cls, sandbox: Sandbox, database: Path, log_path: Path) -> BotProcess:
        first_request, first_identify = len(sandbox.requests), sandbox.identify_count
        with log_path.open("wb") as log_file:  # the child keeps its own copy of the descriptor
            process = await asyncio.create_subprocess_exec(
                *_entry_point(),
                "run",
                cwd=database.parent,
                env=_environment(sandbox, database),
                stdout=log_file,
                stderr=asyncio.subprocess.STDOUT,
            )
        return cls(process, log_path, first_request, first_identify)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def requests(self, sandbox: Sandbox) -> list[RecordedRequest]:
        """The REST calls made while this process ran (one process runs at a time)."""
        end = self.ended_at if self.ended_at is not None else float("inf")
        return [
            r for r in sandbox.requests[self.first_request :] if self.launched_at <= r.at <= end
        ]

    async def wait_until(
        self, ready: Callable[[], bool], *, within: float, every: float = 0.02
    ) -> bool:
        """Poll `ready` for up to `within` seconds; False if it never came true. Fails at once,
        with the bot's log, if the process died meanwhile."""
        deadline = time.monotonic() + within
        while not ready():
            if self.process.returncode is not None:
                raise AssertionError(
                    f"watchclub run exited with {self.process.returncode}:\n{self.log()}"
                )
            if time.monotonic() > deadline:
                return False
            await asyncio.sleep(every)
        return True

    async def wait_up(self, up: Callable[[], bool], *, within: float) -> None:
        if not await self.wait_until(up, within=within):
            raise AssertionError(f"watchclub run not up after {within:.0f} s:\n{self.log()}")
        self.up_at = time.time()

    def logged_in(self, sandbox: Sandbox) -> bool:
        """discord.py's login is GET /users/@me; timers start firing right after it."""
        return any(
            r.method == "GET" and r.path == "/users/@me"
            for r in sandbox.requests[self.first_request :]
        )

    def connected(self, sandbox: Sandbox) -> bool:
        """Its gateway session is open: from now on the sandbox sends interactions to it, not
        to the session of the process killed before (which stays resumable until then)."""
        return sandbox.identify_count > self.first_identify

    async def kill(self) -> None:
        """SIGKILL: no signal handler, no shutdown, no flush; like a power cut for the process."""
        self.process.send_signal(signal.SIGKILL)
        await self.process.wait()
        self.ended_at = time.time()

    async def terminate(self, *, within: float) -> int:
        self.process.send_signal(signal.SIGTERM)
        code = await asyncio.wait_for(self.process.wait(), within)
        self.ended_at = time.time()
        return code

    async def ensure_dead(self) -> None:
        if self.process.returncode is None:
            self.process.kill()
            await self.process.wait()

    def recovered_timers(self) -> int:
        """Timers that were claimed (running) when the previous process died."""
        return sum(int(n) for n in RECOVERED.findall(self.log()))


# -- where to kill ---------------------------------------------------------------------------


class KillTriggers:
    """The moments worth dying in, as predicates the test polls every millisecond:

    - "send": the sandbox has just posted a message, and the bot has not yet recorded that it
      did (the sandbox logs a request before writing the answer, and the bot's commit that
      follows waits for an fsync). The restart must resend, and the nonce must make that a no-op.
    - "claim": timers are claimed but their runs not yet recorded. The restart must recover
      them and queue their messages exactly once.
    """

    def __init__(self, sandbox: Sandbox, database: Path) -> None:
        self._sandbox = sandbox
        # A plain reader: WAL lets it look while the bot writes, without blocking the bot.
        self._connection = sqlite3.connect(database)

    def close(self) -> None:
        self._connection.close()

    def next_send(self) -> Callable[[], bool]:
        start = len(self._sandbox.requests)
        return lambda: bool(message_sends(self._sandbox.requests[start:]))

    def next_edit(self) -> Callable[[], bool]:
        start = len(self._sandbox.requests)
        return lambda: bool(message_edits(self._sandbox.requests[start:]))

    def claimed(self) -> bool:
        row = self._connection.execute(
            "SELECT 1 FROM timers WHERE state = 'claimed'"
            " AND (key LIKE 'crash-test:%' OR kind = 'party.reminder') LIMIT 1"
        ).fetchone()
        return row is not None


# -- what came out -----------------------------------------------------------------------------


def deliveries(
    sandbox: Sandbox, guild: GuildSpec, members: Sequence[MemberSpec]
) -> dict[str, list[StoredMessage]]:
    """Marker -> every visible message that carries it, across guild channels and DMs."""
    found: dict[str, list[StoredMessage]] = defaultdict(list)
    visible = [m for channel in guild.channels for m in sandbox.messages(channel)]
    visible += [m for member in members for m in sandbox.dms(member)]
    for message in visible:
        for marker in MARKER.findall(message.content):
            found[marker].append(message)
    return found


def message_sends(requests: Sequence[RecordedRequest]) -> list[RecordedRequest]:
    return [r for r in requests if r.method == "POST" and r.route == MESSAGE_CREATE]


def message_edits(requests: Sequence[RecordedRequest]) -> list[RecordedRequest]:
    return [r for r in requests if r.method == "PATCH" and r.route == MESSAGE_EDIT]


def applied_tally_versions(requests: Sequence[RecordedRequest]) -> list[int]:
    """The versions of the tally board that Discord applied, in the order it applied them."""
    versions = []
    for request in message_edits(requests):
        body = request.json if isinstance(request.json, dict) else {}
        version = tally_version(str(body.get("content", "")))
        if request.status == 200 and version is not None:
            versions.append(version)
    return versions


@dataclass(frozen=True)
class Resend:
    """A send answered 200 for a nonce already answered 200 in that channel: a resend after a
    crash, which Discord (and the sandbox) must answer with the message already posted."""

    request: RecordedRequest
    first_message_id: str
    message_id: str


def resends(requests: Sequence[RecordedRequest]) -> list[Resend]:
    first: dict[tuple[str, str], str] = {}
    found: list[Resend] = []
    for request in message_sends(requests):
        body = request.json if isinstance(request.json, dict) else {}
        nonce = body.get("nonce")
        answer = request.response_json
        if request.status != 200 or nonce is None or not isinstance(answer, dict):
            continue
        key, message_id = (request.path, str(nonce)), str(answer["id"])
        if key in first:
            found.append(Resend(request, first[key], message_id))
        else:
            first[key] = message_id
    return found


def describe_sends(requests: Sequence[RecordedRequest], markers: Sequence[str]) -> str:
    """The sends that carried any of `markers`, for a failure message."""
    lines = []
    for request in message_sends(requests):
        body = request.json if isinstance(request.json, dict) else {}
        content = str(body.get("content", ""))
        if any(marker in content for marker in markers):
            answer = request.response_json if isinstance(request.response_json, dict) else {}
            lines.append(
                f"  {request.at:.3f} POST {request.path} nonce={body.get('nonce')} "
                f"-> {request.status} id={answer.get('id')} carrying {MARKER.findall(content)}"
            )
    return "\n".join(lines) or "  (no send carried them)"


@dataclass(frozen=True)
class StoredState:
    timers: dict[str, str]  # key -> state, for the seeded timers
    outbox: list[sqlite3.Row]
    tally_timers: dict[str, str]  # key -> state, for the tally board's post and edits


async def stored_state(database: Path) -> StoredState:
    db = await Database.open(database)
    try:
        timers = await db.fetchall("SELECT key, state FROM timers WHERE key LIKE 'crash-test:%'")
        tally = await db.fetchall("SELECT key, state FROM timers WHERE key LIKE 'crash-edit:%'")
        outbox = await db.fetchall(
            "SELECT id, action, message_key, dedupe_key, state, outcome, member_id, batch_id,"
            " last_error, content FROM outbox"
        )
    finally:
        await db.close()
    return StoredState(
        {row["key"]: row["state"] for row in timers},
        outbox,
        {row["key"]: row["state"] for row in tally},
    )


# -- votes (issue 11) ----------------------------------------------------------------------------

# A vote is acknowledged when the sandbox accepts the bot's private reply to the click. Clicks
# wait past Discord's 3-second deadline (a reply later than that is refused), so a click comes
# back answered exactly when its reply was accepted.
CLICK_TIMEOUT = 4.0
INTERACTION_CALLBACK = "/interactions/{interaction_id}/{interaction_token}/callback"
BOLD = re.compile(r"\*\*(.+?)\*\*")
RECEIPT_POLL = re.compile(r"^(?:No change\. )?Your (?:vote|choices) in poll #(\d+)\b")
RESULTS_BAR = re.compile(r"^`[^`]*` \d+% \(([\d,]+)\) (?:\U0001f3c6 )?(.+)$")
TALLY_LINE = re.compile(r"\(([\d,]+)\) \*\*(\d+)\.\*\*")


@dataclass(frozen=True)
class VotePoll:
    """A poll that members vote in while the bot is killed, as it was opened."""

    poll: Poll
    channel: ChannelSpec

    @property
    def id(self) -> int:
        return self.poll.id

    @property
    def multi(self) -> bool:
        return self.poll.kind is PollKind.MULTI

    @property
    def names(self) -> tuple[str, ...]:
        """The options as a receipt names them."""
        return tuple(option_name(option) for option in self.poll.options)

    @property
    def options(self) -> int:
        return len(self.poll.options)

    @property
    def footer(self) -> str:
        """The last line of the poll's own message, which names it."""
        return f"-# Poll #{self.id} \u00b7 "

    @property
    def results_head(self) -> str:
        return f"\U0001f3c1 Poll #{self.id} has closed."


async def open_vote_polls(
    database: Path, voter_key_path: Path, specs: Sequence[PollSpec]
) -> list[Poll]:
    """Open polls the way `/poll create` and `/poll versus` do, through `PollService.open`:
    the poll, its message (queued in the outbox) and its close timer in one transaction, as if
    members had opened them just before. The deadlines are ones no command accepts (a poll runs
    10 minutes at least), so that the close falls inside the test. The voter key is made where
    the bot will find it, so the test can tell whose anonymous ballot is whose."""
    db = await Database.open(database)
    try:
        await migrations.upgrade(db)
        outbox = OutboxRepository(db)
        clock = SystemClock()
        service = PollService(
            db,
            PollRepository(db),
            VoterKey.load_or_create(voter_key_path),
            TimerService(TimerRepository(db, outbox), clock),
            outbox,
            Catalog.bundled(),
            # Opening a poll draws nothing; a real renderer would point this test process's
            # MPLCONFIGDIR at a folder of its own, and every later bot process would inherit it.
            cast(ChartRenderer, None),
            clock,
        )
        return [await service.open(spec) for spec in specs]
    finally:
        await db.close()


def toggled(ballot: Ballot | None, option: int, *, multi: bool) -> Ballot | None:
    """A click on an option's button, as the issue states the rule: a single choice becomes
    that option, or is taken back if it was that option; a multi choice gains or loses it."""
    if not multi:
        return None if ballot == (option,) else (option,)
    chosen = set(ballot or ()) ^ {option}
    return tuple(sorted(chosen)) or None


def receipt_ballot(content: str, poll: VotePoll) -> Ballot | None:
    """The vote a private reply reports. ValueError if the reply is no vote receipt of `poll`
    (an error message, or another poll's)."""
    if content.startswith(f"Your vote in poll #{poll.id} is taken back."):
        return None
    match = RECEIPT_POLL.match(content)
    if match is None or int(match[1]) != poll.id:
        raise ValueError(f"not a vote receipt of poll #{poll.id}: {content!r}")
    names = BOLD.findall(content)
    if not names or any(name not in poll.names for name in names):
        raise ValueError(f"a receipt naming no option of poll #{poll.id}: {content!r}")
    return tuple(sorted(poll.names.index(name) for name in names))


@dataclass
class Click:
    """One click of a vote button and what came of it."""

    member: MemberSpec
    poll: VotePoll
    option: int
    run: int  # which process was up (or last up) when it was sent
    answer: str | None = None  # the private reply, when the click was acknowledged
    failure: str = ""  # why not: no reply in time, or no bot connected

    @property
    def acknowledged(self) -> bool:
        return self.answer is not None


class VoteCrowd:
    """Members clicking vote buttons in bursts. Every `gap` seconds while `enabled`, some
    members each click one button of a poll where they have no click in flight, all at once,
    so the bot gets them together and commits them as groups. A member never has two clicks
    in flight in one poll, so their clicks in it reach the bot, and apply, in the order they
    were sent."""

    def __init__(
        self,
        sandbox: Sandbox,
        members: Sequence[MemberSpec],
        polls: Sequence[VotePoll],
        rng: Random,
        *,
        gap: float,
        burst: tuple[int, int],
    ) -> None:
        self._sandbox = sandbox
        self._members = list(members)
        self._polls = list(polls)
        self._rng = rng
        self._gap = gap
        self._burst = burst
        self._messages: dict[int, StoredMessage] = {}
        self._busy: set[tuple[str, int]] = set()  # (member id, poll id)
        self._tasks: set[asyncio.Task[Click]] = set()
        self._loop: asyncio.Task[None] | None = None
        self.clicks: list[Click] = []
        self.bursts = 0
        self.run = 0
        self.enabled = False

    def poll_message(self, poll: VotePoll) -> StoredMessage | None:
        """The poll's message with its vote buttons, once the bot has posted it."""
        wanted = vote_custom_id(poll.id, 0)
        for message in self._sandbox.messages(poll.channel):
            if wanted in message.custom_ids():
                self._messages[poll.id] = message
                return message
        return None

    def start(self) -> None:
        self._loop = asyncio.create_task(self._bursts(), name="vote-crowd")

    async def stop(self) -> None:
        """Stop sending bursts and wait until every click in flight has come back."""
        if self._loop is not None:
            self._loop.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._loop
        await asyncio.gather(*self._tasks)

    async def _bursts(self) -> None:
        while True:
            if self.enabled:
                idle = [
                    (member, poll)
                    for member in self._members
                    for poll in self._polls
                    if (member.id, poll.id) not in self._busy
                ]
                size = min(len(idle), self._rng.randint(*self._burst))
                for member, poll in self._rng.sample(idle, size):
                    self.send(member, poll, self._rng.randrange(poll.options))
                self.bursts += 1
            await asyncio.sleep(self._gap)

    def send(self, member: MemberSpec, poll: VotePoll, option: int) -> asyncio.Task[Click]:
        assert (member.id, poll.id) not in self._busy, f"{member.username}: a click in flight"
        click = Click(member, poll, option, self.run)
        self.clicks.append(click)
        self._busy.add((member.id, poll.id))
        task = asyncio.create_task(self._click(click))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    async def _click(self, click: Click) -> Click:
        try:
            result = await self._sandbox.click(
                member=click.member,
                message=self._messages[click.poll.id],
                custom_id=vote_custom_id(click.poll.id, click.option),
                timeout=CLICK_TIMEOUT,
            )
            click.answer = result.content
        except InteractionTimeoutError:
            click.failure = "no reply"
        except NotConnectedError:
            click.failure = "no bot connected"
        finally:
            self._busy.discard((click.member.id, click.poll.id))
        return click


class VoteCommits:
    """Sees a group of votes commit: every group that changes a tally raises its poll's
    revision. Killing the moment it does, before the sandbox (on this event loop) can take
    one more reply, leaves votes on disk that nobody was told about."""

    def __init__(self, database: Path) -> None:
        self._connection = sqlite3.connect(database)  # a plain reader, as in KillTriggers

    def close(self) -> None:
        self._connection.close()

    def _revisions(self) -> int:
        return int(self._connection.execute("SELECT total(revision) FROM polls").fetchone()[0])

    def next_commit(self) -> Callable[[], bool]:
        before = self._revisions()
        return lambda: self._revisions() > before


def accepted_callbacks(requests: Sequence[RecordedRequest]) -> list[RecordedRequest]:
    """Interaction replies the sandbox accepted: what members saw as answers."""
    return [
        r
        for r in requests
        if r.method == "POST" and r.route == INTERACTION_CALLBACK and 200 <= r.status < 300
    ]


@dataclass
class VoteTrail:
    """What one member's ballot in one poll may be on disk, given their clicks so far: an
    answered click fixes it (to what the reply said); an unanswered one may or may not have
    been applied, so it adds what it would have made of each possibility."""

    possible: set[Ballot | None] = field(default_factory=lambda: {None})
    clicks: list[Click] = field(default_factory=list)
    acknowledged: Ballot | None = None  # after the last answered click
    problems: list[str] = field(default_factory=list)

    def follow(self, click: Click) -> None:
        self.clicks.append(click)
        after = {toggled(b, click.option, multi=click.poll.multi) for b in self.possible}
        if click.answer is None:
            self.possible |= after
            return
        try:
            said = receipt_ballot(click.answer, click.poll)
        except ValueError as error:
            self.problems.append(str(error))
            return
        if said not in after:
            self.problems.append(
                f"the reply to a click of option {click.option} says {said}, which no state"
                f" before it ({sorted(self.possible, key=str)}) leads to: {click.answer!r}"
            )
        self.possible = {said}
        self.acknowledged = said

    def describe(self) -> str:
        """Each click: the option, then what the reply said (? when none came), and the run."""
        return ", ".join(f"{c.option}->{_said(c)}@run{c.run}" for c in self.clicks)


def _said(click: Click) -> str:
    if click.answer is None:
        return "?"
    try:
        return str(receipt_ballot(click.answer, click.poll))
    except ValueError:
        return repr(click.answer)


def vote_trails(clicks: Sequence[Click]) -> dict[tuple[int, str], VoteTrail]:
    """(poll id, member id) -> their trail, from the clicks in the order they were sent."""
    trails: dict[tuple[int, str], VoteTrail] = defaultdict(VoteTrail)
    for click in clicks:
        trails[(click.poll.id, click.member.id)].follow(click)
    return trails


@dataclass(frozen=True)
class PollOnDisk:
    closes_at: int
    closed_at: int | None
    closed_by: int | None
    turnout: int  # the running count, kept in each vote's transaction
    votes: tuple[int, ...]  # the running count per option
    ballots: dict[str, Ballot]  # voter (a member id, or a keyed hash) -> ballot
    close_timers: dict[str, str]  # the close timer's key -> state

    def recount(self, options: int) -> tuple[int, ...]:
        return tuple(sum(index in b for b in self.ballots.values()) for index in range(options))


def polls_on_disk(database: Path, poll_ids: Sequence[int]) -> dict[int, PollOnDisk]:
    """Read with a plain connection: WAL lets it look while the bot writes."""
    connection = sqlite3.connect(database)
    try:
        found = {}
        for poll_id in poll_ids:
            closes_at, closed_at, closed_by, turnout = connection.execute(
                "SELECT closes_at, closed_at, closed_by, turnout FROM polls WHERE id = ?",
                (poll_id,),
            ).fetchone()
            votes = connection.execute(
                "SELECT votes FROM poll_options WHERE poll_id = ? ORDER BY position", (poll_id,)
            ).fetchall()
            ballots = connection.execute(
                "SELECT voter, ballot FROM poll_votes WHERE poll_id = ?", (poll_id,)
            ).fetchall()
            timers = connection.execute(
                "SELECT key, state FROM timers WHERE key = ?", (close_key(poll_id),)
            ).fetchall()
            found[poll_id] = PollOnDisk(
                closes_at,
                closed_at,
                closed_by,
                turnout,
                tuple(row[0] for row in votes),
                {voter: tuple(json.loads(ballot)) for voter, ballot in ballots},
                dict(timers),
            )
        return found
    finally:
        connection.close()


def voter_names(poll: VotePoll, members: Sequence[MemberSpec], key: VoterKey) -> dict[str, str]:
    """How each member is named in the poll's ballots -> their member id. In an anonymous poll
    only the key (kept outside the database) can tell; the test holds it, as the bot does."""
    if poll.poll.anonymous:
        return {key.voter(poll.id, int(m.id)): m.id for m in members}
    return {m.id: m.id for m in members}


def vote_problems(
    polls: Sequence[VotePoll],
    members: Sequence[MemberSpec],
    trails: dict[tuple[int, str], VoteTrail],
    on_disk: dict[int, PollOnDisk],
    key: VoterKey,
) -> list[str]:
    """Where the stored votes differ from what the members were told: a ballot that no
    sequence of their clicks (every answered one applied, any unanswered one or not) could
    have left, a ballot nobody cast, or running counts that differ from the ballots."""
    problems: list[str] = []
    for poll in polls:
        disk = on_disk[poll.id]
        names = voter_names(poll, members, key)
        strangers = [voter for voter in disk.ballots if voter not in names]
        if strangers:
            problems.append(f"poll #{poll.id}: ballots of no member: {strangers}")
        stored = {names[v]: b for v, b in disk.ballots.items() if v in names}
        for member in members:
            trail = trails.get((poll.id, member.id), VoteTrail())
            problems.extend(f"poll #{poll.id}, {member.username}: {p}" for p in trail.problems)
            ballot = stored.get(member.id)
            if ballot not in trail.possible:
                problems.append(
                    f"poll #{poll.id}, {member.username}: stored {ballot}, but their clicks"
                    f" ({trail.describe()}) can only leave one of"
                    f" {sorted(trail.possible, key=str)}"
                )
        if disk.turnout != len(disk.ballots):
            problems.append(
                f"poll #{poll.id}: turnout {disk.turnout}, but {len(disk.ballots)} ballots"
            )
        if disk.votes != disk.recount(poll.options):
            problems.append(
                f"poll #{poll.id}: option counts {disk.votes}, but the ballots count"
                f" {disk.recount(poll.options)}"
            )
        # Without the key: the turnout covers every vote still standing as acknowledged.
        standing = sum(
            1 for m in members if None not in trails.get((poll.id, m.id), VoteTrail()).possible
        )
        if disk.turnout < standing:
            problems.append(
                f"poll #{poll.id}: turnout {disk.turnout} < {standing} acknowledged votes"
            )
    return problems


def committed_unanswered(
    polls: Sequence[VotePoll],
    members: Sequence[MemberSpec],
    trails: dict[tuple[int, str], VoteTrail],
    on_disk: dict[int, PollOnDisk],
    key: VoterKey,
    *,
    run: int,
) -> int:
    """Ballots stored otherwise than the member's last answered click left them, by a click
    sent to process `run`: it was applied, but the kill cut its reply off."""
    count = 0
    for poll in polls:
        names = voter_names(poll, members, key)
        stored = {names.get(v): b for v, b in on_disk[poll.id].ballots.items()}
        for member in members:
            trail = trails.get((poll.id, member.id), VoteTrail())
            if trail.clicks and trail.clicks[-1].run == run:
                count += stored.get(member.id) != trail.acknowledged
    return count


def results_posts(sandbox: Sandbox, poll: VotePoll) -> list[StoredMessage]:
    return [m for m in sandbox.messages(poll.channel) if m.content.startswith(poll.results_head)]


def poll_posts(sandbox: Sandbox, poll: VotePoll) -> list[StoredMessage]:
    return [m for m in sandbox.messages(poll.channel) if poll.footer in m.content]


def results_shown(message: StoredMessage, poll: VotePoll) -> tuple[int | None, tuple[int, ...]]:
    """The turnout and each option's votes, as the results post shows them."""
    [embed] = message.embeds
    turnout = next(
        (
            int(field["value"].split()[0].replace(",", ""))
            for field in embed.get("fields", [])
            if field.get("name") == "Turnout"
        ),
        None,
    )
    counts = dict.fromkeys(range(poll.options), -1)
    for line in str(embed.get("description", "")).splitlines():
        match = RESULTS_BAR.match(line)
        if match and match[2] in poll.names:
            counts[poll.names.index(match[2])] = int(match[1].replace(",", ""))
    return turnout, tuple(counts[index] for index in range(poll.options))


def tally_shown(message: StoredMessage, poll: VotePoll) -> tuple[int, ...]:
    """Each option's votes as the poll's own message shows them (once it shows counts)."""
    counts = dict.fromkeys(range(poll.options), -1)
    for count, number in TALLY_LINE.findall(message.content):
        counts[int(number) - 1] = int(count.replace(",", ""))
    return tuple(counts[index] for index in range(poll.options))
