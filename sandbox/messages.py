"""Stored messages and their Discord JSON form."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sandbox.ids import iso_from_snowflake, iso_timestamp, snowflake_time
from sandbox.message_rules import EPHEMERAL, LOADING, walk_components
from sandbox.payloads import user_payload
from sandbox.world import UserSpec

Json = dict[str, Any]

DEFAULT = 0
REPLY = 19
CHAT_INPUT_COMMAND = 20


@dataclass(eq=False)
class StoredMessage:
    """One message as the sandbox holds it. Mutable: edits change it in place, so a test that
    keeps a reference always sees what users see now."""

    id: str
    channel_id: str
    author_id: str
    guild_id: str | None = None
    content: str = ""
    embeds: list[Json] = field(default_factory=list)
    components: list[Json] = field(default_factory=list)
    attachments: list[Json] = field(default_factory=list)
    flags: int = 0
    nonce: str | int | None = None
    allowed_mentions: Json | None = None
    poll: Json | None = None
    message_reference: Json | None = None
    type: int = DEFAULT
    tts: bool = False
    deleted: bool = False
    edited: bool = False
    edited_at: datetime | None = None
    interaction_id: str | None = None
    interaction_metadata: Json | None = None
    webhook_id: str | None = None
    visible_to: str | None = None
    mentions: list[str] = field(default_factory=list)
    mention_roles: list[str] = field(default_factory=list)
    mention_everyone: bool = False
    poll_votes: dict[int, list[str]] = field(default_factory=dict)

    @property
    def ephemeral(self) -> bool:
        return bool(self.flags & EPHEMERAL)

    @property
    def loading(self) -> bool:
        return bool(self.flags & LOADING)

    @property
    def created_at(self) -> datetime:
        return snowflake_time(self.id)

    def custom_ids(self) -> list[str]:
        return [str(c["custom_id"]) for c in walk_components(self.components) if "custom_id" in c]


class MessageStore:
    def __init__(self) -> None:
        self._by_id: dict[str, StoredMessage] = {}
        self._by_channel: dict[str, list[StoredMessage]] = {}

    def add(self, message: StoredMessage) -> StoredMessage:
        self._by_id[message.id] = message
        self._by_channel.setdefault(message.channel_id, []).append(message)
        return message

    def get(self, message_id: str) -> StoredMessage | None:
        return self._by_id.get(message_id)

    def in_channel(self, channel_id: str) -> list[StoredMessage]:
        return list(self._by_channel.get(channel_id, []))

    def visible(self, channel_id: str) -> list[StoredMessage]:
        """What everyone in the channel sees: no deleted, no ephemeral messages."""
        return [m for m in self.in_channel(channel_id) if not m.deleted and not m.ephemeral]

    def last_id(self, channel_id: str) -> str | None:
        visible = self.visible(channel_id)
        return visible[-1].id if visible else None

    def all(self) -> list[StoredMessage]:
        return list(self._by_id.values())


def message_payload(
    message: StoredMessage,
    *,
    author: UserSpec,
    users: Mapping[str, UserSpec],
    referenced: StoredMessage | None = None,
    referenced_author: UserSpec | None = None,
) -> Json:
    payload: Json = {
        "id": message.id,
        "channel_id": message.channel_id,
        "type": message.type,
        "author": user_payload(author),
        "content": message.content,
        "timestamp": iso_from_snowflake(message.id),
        "edited_timestamp": iso_timestamp(message.edited_at) if message.edited_at else None,
        "tts": message.tts,
        "mention_everyone": message.mention_everyone,
        "mentions": [user_payload(users[u]) for u in message.mentions if u in users],
        "mention_roles": list(message.mention_roles),
        "attachments": [dict(a) for a in message.attachments],
        "embeds": [dict(e) for e in message.embeds],
        "components": list(message.components),
        "pinned": False,
        "flags": message.flags,
    }
    if message.nonce is not None:
        payload["nonce"] = message.nonce
    if message.poll is not None:
        payload["poll"] = message.poll
    if message.webhook_id is not None:
        payload["webhook_id"] = message.webhook_id
        payload["application_id"] = message.webhook_id
    if message.interaction_metadata is not None:
        payload["interaction_metadata"] = message.interaction_metadata
    if message.message_reference is not None:
        payload["message_reference"] = message.message_reference
        if referenced is not None and referenced_author is not None:
            payload["referenced_message"] = message_payload(
                referenced, author=referenced_author, users=users
            )
        else:
            payload["referenced_message"] = None
    return payload
