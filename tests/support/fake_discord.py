"""A fake Discord for the outbox's unit tests: posts, edits, threads and scheduled events, with
scripted failures and a way to "crash" right after Discord applied a request."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass, field

from bot.outbox.message import EventDetails
from bot.outbox.transport import (
    Gone,
    LimitReached,
    NotAllowed,
    PostedDm,
    RecipientClosedDms,
    RenderedEdit,
    RenderedMessage,
)
from tests.support.clock import FakeClock

EVENT_CAP = 100
DM_CHANNEL_BASE = 900_000  # a member's DM channel id is this plus their id


@dataclass(frozen=True)
class Post:
    where: str  # "channel 10" or "dm 7"
    message: RenderedMessage
    nonce: str
    at: float


@dataclass
class StoredMessage:
    id: int
    content: str
    edits: list[RenderedEdit] = field(default_factory=list)
    files: tuple[str, ...] = ()
    has_buttons: bool = True


class FakeDiscord:
    """Posts messages like Discord does, including answering a repeated nonce with the first
    message; `fail` scripts errors for upcoming requests; `hang_after_applying` makes the
    next request take effect and then never return (the bot dies before recording it)."""

    def __init__(self, clock: FakeClock) -> None:
        self.clock = clock
        self.posts: list[Post] = []
        self.attempts: list[str] = []
        self.failures: list[Exception] = []
        self.closed_dms: set[int] = set()
        self.hang_after_applying = False
        self.applied = asyncio.Event()
        self.messages: dict[int, StoredMessage] = {}
        self.deleted: set[int] = set()
        self.edited_in: dict[int, int] = {}  # message id -> the channel its last edit named
        self.events: dict[int, dict[int, EventDetails]] = {}  # guild -> event id -> details
        self.no_event_permission: set[int] = set()
        self.threads: dict[int, str] = {}  # message id -> the name of the thread opened on it
        self.no_thread_permission: set[int] = set()  # channels
        self._by_nonce: dict[tuple[str, str], int] = {}
        self._next_id = 1000

    def fail(self, *errors: Exception) -> None:
        self.failures.extend(errors)

    def fill_events(self, guild_id: int, count: int) -> None:
        """Events someone else made, as if the server had them already."""
        for _ in range(count):
            self.events.setdefault(guild_id, {})[self._new_id()] = EventDetails(
                "someone else's", 1, 2, location="x"
            )

    async def send_to_channel(
        self, channel_id: int, message: RenderedMessage, *, nonce: str
    ) -> int:
        return await self._post(f"channel {channel_id}", message, nonce)

    async def send_to_member(
        self, member_id: int, message: RenderedMessage, *, nonce: str
    ) -> PostedDm:
        if member_id in self.closed_dms:
            self.attempts.append(f"dm {member_id}")
            raise RecipientClosedDms("Cannot send messages to this user")
        return PostedDm(
            DM_CHANNEL_BASE + member_id, await self._post(f"dm {member_id}", message, nonce)
        )

    async def edit_message(self, channel_id: int, message_id: int, edit: RenderedEdit) -> None:
        await self._attempt(f"edit {message_id}")
        if message_id in self.deleted or message_id not in self.messages:
            raise Gone("404 (code 10008): Unknown Message")
        stored = self.messages[message_id]
        self.edited_in[message_id] = channel_id
        stored.content = edit.content
        stored.edits.append(edit)
        if edit.files is not None:
            stored.files = tuple(f.filename for f in edit.files)
        if edit.clear_components:
            stored.has_buttons = False
        await self._applied()

    async def open_thread(self, channel_id: int, message_id: int, name: str) -> None:
        await self._attempt(f"thread on {message_id}")
        if channel_id in self.no_thread_permission:
            raise NotAllowed("403 (code 50013): Missing Permissions")
        # Discord answers 160004 to a second thread on a message; the transport takes it as done.
        self.threads.setdefault(message_id, name)
        await self._applied()

    async def create_event(self, guild_id: int, details: EventDetails) -> int:
        await self._attempt(f"create event in {guild_id}")
        self._check_permission(guild_id)
        events = self.events.setdefault(guild_id, {})
        if len(events) >= EVENT_CAP:
            raise LimitReached("400 (code 30038): Maximum number of uncompleted events")
        event_id = self._new_id()
        events[event_id] = details
        await self._applied()
        return event_id

    async def find_events(self, guild_id: int, candidates: Sequence[EventDetails]) -> list[int]:
        await self._attempt(f"list events in {guild_id}")
        events = self.events.get(guild_id, {})
        return [event_id for event_id, existing in events.items() if existing in candidates]

    async def update_event(self, guild_id: int, event_id: int, details: EventDetails) -> None:
        await self._attempt(f"update event {event_id}")
        self._check_permission(guild_id)
        events = self.events.get(guild_id, {})
        if event_id not in events:
            raise Gone("404 (code 10070): Unknown Guild Scheduled Event")
        events[event_id] = details
        await self._applied()

    async def delete_event(self, guild_id: int, event_id: int) -> None:
        await self._attempt(f"delete event {event_id}")
        self._check_permission(guild_id)
        if self.events.get(guild_id, {}).pop(event_id, None) is None:
            raise Gone("404 (code 10070): Unknown Guild Scheduled Event")
        await self._applied()

    def _check_permission(self, guild_id: int) -> None:
        if guild_id in self.no_event_permission:
            raise NotAllowed("403 (code 50013): Missing Permissions")

    async def _post(self, where: str, message: RenderedMessage, nonce: str) -> int:
        at = self.clock.monotonic()  # when the request left, before other tasks move the clock
        await self._attempt(where)
        existing = self._by_nonce.get((where, nonce))
        if existing is None:
            self.posts.append(Post(where, message, nonce, at))
            existing = self._by_nonce[(where, nonce)] = self._new_id()
            self.messages[existing] = StoredMessage(
                existing, message.content, files=tuple(f.filename for f in message.files)
            )
        await self._applied()
        return existing

    async def _attempt(self, what: str) -> None:
        self.attempts.append(what)
        await asyncio.sleep(0)
        if self.failures:
            raise self.failures.pop(0)

    async def _applied(self) -> None:
        self.applied.set()
        if self.hang_after_applying:
            await asyncio.Event().wait()  # the process dies here, before recording it

    def _new_id(self) -> int:
        self._next_id += 1
        return self._next_id
