"""What a feature asks the outbox to send: plain data, no discord.py objects."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

MAX_CONTENT = 2000  # Discord's limit for a message's content
MAX_MENTIONS = 100  # Discord's limit for allowed_mentions.users and .roles


@dataclass(frozen=True)
class ToChannel:
    channel_id: int


@dataclass(frozen=True)
class ToMember:
    """A DM. If the member's DMs are closed, the message goes to `fallback_channel_id`
    with the member mentioned, and the outbox records that it fell back."""

    member_id: int
    fallback_channel_id: int | None = None


@dataclass(frozen=True)
class OutgoingMessage:
    """One message. Only the users and roles listed here can be pinged by it, whatever the
    content says; `mergeable` lets the outbox join it with others for the same channel and
    minute into one message (reminders read better that way than as a burst of posts)."""

    to: ToChannel | ToMember
    content: str
    mention_user_ids: tuple[int, ...] = ()
    mention_role_ids: tuple[int, ...] = ()
    embed: dict[str, Any] | None = None
    mergeable: bool = False

    def __post_init__(self) -> None:
        if not self.content and self.embed is None:
            raise ValueError("a message needs content or an embed")
        if len(self.content) > MAX_CONTENT:
            raise ValueError(f"content is {len(self.content)} characters; at most {MAX_CONTENT}")
        if len(self.mention_user_ids) > MAX_MENTIONS or len(self.mention_role_ids) > MAX_MENTIONS:
            raise ValueError(f"at most {MAX_MENTIONS} users and {MAX_MENTIONS} roles per message")


def message_to_payload(message: OutgoingMessage) -> dict[str, Any]:
    """A JSON-safe form, for storing a message in a timer's payload."""
    to: dict[str, int | None] = (
        {"channel_id": message.to.channel_id}
        if isinstance(message.to, ToChannel)
        else {
            "member_id": message.to.member_id,
            "fallback_channel_id": message.to.fallback_channel_id,
        }
    )
    return {
        "to": to,
        "content": message.content,
        "mention_user_ids": list(message.mention_user_ids),
        "mention_role_ids": list(message.mention_role_ids),
        "embed": message.embed,
        "mergeable": message.mergeable,
    }


def message_from_payload(payload: dict[str, Any]) -> OutgoingMessage:
    to = payload["to"]
    target: ToChannel | ToMember = (
        ToChannel(int(to["channel_id"]))
        if "channel_id" in to
        else ToMember(
            int(to["member_id"]),
            None if to.get("fallback_channel_id") is None else int(to["fallback_channel_id"]),
        )
    )
    return OutgoingMessage(
        to=target,
        content=str(payload.get("content", "")),
        mention_user_ids=tuple(int(i) for i in payload.get("mention_user_ids", ())),
        mention_role_ids=tuple(int(i) for i in payload.get("mention_role_ids", ())),
        embed=payload.get("embed"),
        mergeable=bool(payload.get("mergeable", False)),
    )
