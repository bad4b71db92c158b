"""Which queued rows go out together as one request, and what that request says."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from bot.outbox.message import MAX_CONTENT, MAX_MENTIONS, Attachment, Button, EventDetails
from bot.outbox.transport import RenderedEdit, RenderedMessage


@dataclass(frozen=True)
class QueuedRow:
    id: int
    action: str  # 'send', 'edit', 'event_mirror' or 'event_remove'
    channel_id: int | None
    member_id: int | None
    fallback_channel_id: int | None
    content: str
    embeds: tuple[dict[str, Any], ...]
    mention_user_ids: tuple[int, ...]
    mention_role_ids: tuple[int, ...]
    merge_key: str | None
    attempts: int
    guild_id: int | None = None
    message_key: str | None = None
    target_message_id: int | None = None
    event_key: str | None = None
    event: EventDetails | None = None
    supersede_key: str | None = None
    spacing: int = 0
    replace_files: bool = False
    clear_components: bool = False
    buttons: tuple[Button, ...] | None = None  # send: None is none; edit: None keeps them
    thread_name: str | None = None
    started_at: int | None = None
    created_at: int = 0


@dataclass(frozen=True)
class Batch:
    """Rows sent as one message under one nonce. Its content depends only on its rows, so a
    resend after a crash is byte-for-byte the same request."""

    batch_id: int
    rows: tuple[QueuedRow, ...]

    @property
    def first(self) -> QueuedRow:
        return self.rows[0]

    @property
    def nonce(self) -> str:
        return f"wc{self.batch_id}"

    @property
    def lane(self) -> str:
        """Requests in one lane go one at a time, in order: one channel (its posts and edits),
        one member's DMs, or one guild's events."""
        row = self.first
        if row.action in ("event_mirror", "event_remove"):
            return f"g{row.guild_id}"
        return f"c{row.channel_id}" if row.channel_id is not None else f"m{row.member_id}"

    @property
    def attempts(self) -> int:
        return max(row.attempts for row in self.rows)

    def render(self, files: tuple[Attachment, ...] = ()) -> RenderedMessage:
        # Rows with embeds, buttons or a thread are never merged: the first's are the message's.
        return RenderedMessage(
            content="\n".join(row.content for row in self.rows if row.content),
            embeds=self.first.embeds,
            mention_user_ids=_union(row.mention_user_ids for row in self.rows),
            mention_role_ids=_union(row.mention_role_ids for row in self.rows),
            files=files,
            buttons=self.first.buttons or (),
            thread_name=self.first.thread_name,
        )

    def render_edit(self, files: tuple[Attachment, ...]) -> RenderedEdit:
        row = self.first
        return RenderedEdit(
            content=row.content,
            embeds=row.embeds,
            files=files if row.replace_files else None,
            clear_components=row.clear_components,
            buttons=row.buttons,
        )

    def render_dm_fallback(self, files: tuple[Attachment, ...] = ()) -> RenderedMessage:
        """The DM posted in the channel instead, addressed to the member (and pinging only them)."""
        member_id = self.first.member_id
        message = self.render(files)
        prefix = f"<@{member_id}> your DMs are closed, so here it is:"
        content = f"{prefix}\n{message.content}" if message.content else prefix
        if len(content) > MAX_CONTENT:
            content = content[: MAX_CONTENT - 1] + "…"
        return RenderedMessage(
            content=content,
            embeds=message.embeds,
            mention_user_ids=(member_id,) if member_id is not None else (),
            mention_role_ids=(),
            files=message.files,
            buttons=message.buttons,
        )


def _union(groups: Iterable[tuple[int, ...]]) -> tuple[int, ...]:
    seen: dict[int, None] = {}
    for group in groups:
        seen.update(dict.fromkeys(group))
    return tuple(seen)


def group_rows(rows: Sequence[QueuedRow]) -> list[list[QueuedRow]]:
    """Pack rows, oldest first, into messages: rows sharing a merge key join one message while
    it stays within Discord's length and mention limits; every other row goes alone."""
    groups: list[list[QueuedRow]] = []
    open_group: dict[tuple[int | None, int | None, str], list[QueuedRow]] = {}
    for row in rows:
        if row.action != "send" or row.merge_key is None or row.embeds:
            groups.append([row])
            continue
        key = (row.channel_id, row.member_id, row.merge_key)  # never across destinations
        current = open_group.get(key)
        if current is not None and _fits(current, row):
            current.append(row)
            continue
        fresh = [row]
        groups.append(fresh)
        open_group[key] = fresh
    return groups


def _fits(group: list[QueuedRow], row: QueuedRow) -> bool:
    length = sum(len(r.content) for r in group) + len(group) + len(row.content)
    users = set(_union(r.mention_user_ids for r in [*group, row]))
    roles = set(_union(r.mention_role_ids for r in [*group, row]))
    return length <= MAX_CONTENT and len(users) <= MAX_MENTIONS and len(roles) <= MAX_MENTIONS
