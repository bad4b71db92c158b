"""Interactions in flight: what the test is waiting for and what the bot has answered so far."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from typing import Any

from sandbox.messages import StoredMessage
from sandbox.world import ChannelSpec, MemberSpec, UserSpec

Json = dict[str, Any]

APPLICATION_COMMAND, MESSAGE_COMPONENT, AUTOCOMPLETE, MODAL_SUBMIT = 2, 3, 4, 5
CHANNEL_MESSAGE, DEFERRED_CHANNEL_MESSAGE, DEFERRED_UPDATE, UPDATE_MESSAGE = 4, 5, 6, 7
AUTOCOMPLETE_RESULT, MODAL = 8, 9
FINAL_CALLBACKS = {CHANNEL_MESSAGE, UPDATE_MESSAGE, AUTOCOMPLETE_RESULT, MODAL}


@dataclass(eq=False)
class InteractionResult:
    """What the bot did with one interaction. It stays live after the test gets it: later
    follow-ups and edits keep arriving here; after `settle()`, `last_content` is the end state."""

    interaction_id: str
    token: str
    kind: str
    callback_type: int = 0
    data: Json | None = None
    message: StoredMessage | None = None
    followups: list[StoredMessage] = field(default_factory=list)
    edits: list[Json] = field(default_factory=list)
    _touched: list[StoredMessage] = field(default_factory=list, repr=False)

    def touch(self, message: StoredMessage) -> None:
        if message in self._touched:
            self._touched.remove(message)
        self._touched.append(message)

    @property
    def ephemeral(self) -> bool:
        if self.message is not None:
            return self.message.ephemeral
        return bool(int((self.data or {}).get("flags") or 0) & 64)

    @property
    def content(self) -> str:
        if self.message is not None:
            return self.message.content
        return str((self.data or {}).get("content") or "")

    @property
    def embeds(self) -> list[Json]:
        if self.message is not None:
            return self.message.embeds
        return list((self.data or {}).get("embeds") or [])

    @property
    def components(self) -> list[Json]:
        if self.message is not None:
            return self.message.components
        return list((self.data or {}).get("components") or [])

    @property
    def modal(self) -> Json | None:
        return self.data if self.callback_type == MODAL else None

    @property
    def choices(self) -> list[Json]:
        if self.callback_type != AUTOCOMPLETE_RESULT:
            return []
        return list((self.data or {}).get("choices") or [])

    @property
    def last_message(self) -> StoredMessage | None:
        """The message the user is looking at now: whichever of the original and the follow-ups
        was created or edited most recently and still exists."""
        for message in reversed(self._touched):
            if not message.deleted:
                return message
        return self.message

    @property
    def last_content(self) -> str:
        last = self.last_message
        return last.content if last is not None else self.content

    @property
    def last_embeds(self) -> list[Json]:
        last = self.last_message
        return last.embeds if last is not None else self.embeds

    @property
    def last_components(self) -> list[Json]:
        last = self.last_message
        return last.components if last is not None else self.components


@dataclass(eq=False)
class InteractionRecord:
    """Server-side view of an interaction: who, where, and whether it was acknowledged."""

    id: str
    token: str
    type: int
    channel: ChannelSpec
    user: UserSpec
    member: MemberSpec | None
    label: str
    payload: Json
    result: InteractionResult
    command_name: str | None = None
    source_message: StoredMessage | None = None
    triggering: InteractionRecord | None = None
    acknowledged: bool = False
    original: StoredMessage | None = None
    created: float = field(default_factory=time.monotonic)
    problems: list[str] = field(default_factory=list)
    done: asyncio.Event = field(default_factory=asyncio.Event)

    @property
    def guild_id(self) -> str | None:
        return self.channel.guild_id

    @property
    def who(self) -> str:
        return self.user.username


@dataclass(eq=False)
class ShownModal:
    data: Json
    opened_by: InteractionRecord


class InteractionRegistry:
    def __init__(self) -> None:
        self._by_id: dict[str, InteractionRecord] = {}
        self._by_token: dict[str, InteractionRecord] = {}
        self._modals: dict[tuple[str, str], ShownModal] = {}

    def add(self, record: InteractionRecord) -> None:
        self._by_id[record.id] = record
        self._by_token[record.token] = record

    def by_id(self, interaction_id: str) -> InteractionRecord | None:
        return self._by_id.get(interaction_id)

    def by_token(self, token: str) -> InteractionRecord | None:
        return self._by_token.get(token)

    def all(self) -> list[InteractionRecord]:
        return list(self._by_id.values())

    def show_modal(self, user_id: str, data: Json, opened_by: InteractionRecord) -> None:
        self._modals[(user_id, str(data.get("custom_id")))] = ShownModal(data, opened_by)

    def take_modal(self, user_id: str, custom_id: str) -> ShownModal | None:
        # A modal can be submitted once; Discord closes it on submit.
        return self._modals.pop((user_id, custom_id), None)

    def shown_modal_ids(self, user_id: str) -> list[str]:
        return [cid for (uid, cid) in self._modals if uid == user_id]
