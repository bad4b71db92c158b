"""How the outbox reaches Discord, as a protocol, so the outbox itself never imports discord.py.

The discord.py implementation is `DiscordTransport` in `bot/discord_transport.py`; tests use
a fake. Each error says what the outbox should do next, not what HTTP status caused it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from bot.outbox.message import Attachment, Button, EventDetails


@dataclass(frozen=True)
class RenderedMessage:
    """A message to post. `thread_name`: the outbox then opens that thread on it
    (`Transport.open_thread`), as a request of its own."""

    content: str
    embeds: tuple[dict[str, Any], ...]
    mention_user_ids: tuple[int, ...]
    mention_role_ids: tuple[int, ...]
    files: tuple[Attachment, ...] = ()
    buttons: tuple[Button, ...] = ()
    thread_name: str | None = None


@dataclass(frozen=True)
class RenderedEdit:
    """A message's new content and embeds (none: it loses its embeds); `files=None` leaves its
    attachments as they are, `buttons=None` its buttons (unless `clear_components` removes
    them)."""

    content: str
    embeds: tuple[dict[str, Any], ...]
    files: tuple[Attachment, ...] | None = None
    clear_components: bool = False
    buttons: tuple[Button, ...] | None = None


@dataclass(frozen=True)
class PostedDm:
    channel_id: int  # the DM channel, so a later edit can reach the message
    message_id: int


class Transport(Protocol):
    async def send_to_channel(
        self, channel_id: int, message: RenderedMessage, *, nonce: str
    ) -> int:
        """Post the message; returns its id. A repeat with the same nonce must not post twice."""
        ...

    async def send_to_member(
        self, member_id: int, message: RenderedMessage, *, nonce: str
    ) -> PostedDm:
        """DM the member. Raises `RecipientClosedDms` if it can't."""
        ...

    async def edit_message(self, channel_id: int, message_id: int, edit: RenderedEdit) -> None:
        """Edit a message the bot posted. Raises `Gone` if it was deleted."""
        ...

    async def open_thread(self, channel_id: int, message_id: int, name: str) -> None:
        """Open a public thread on a message the bot posted. A thread already there counts as
        opened: a resend (same nonce, same message) finds the one its first attempt made."""
        ...

    async def create_event(self, guild_id: int, details: EventDetails) -> int:
        """Create a guild scheduled event; returns its id."""
        ...

    async def find_events(self, guild_id: int, candidates: Sequence[EventDetails]) -> list[int]:
        """The ids of events the bot created that match one of `candidates` in name, times
        and place (one listing of the guild's events)."""
        ...

    async def update_event(self, guild_id: int, event_id: int, details: EventDetails) -> None:
        """Bring an event up to date. Raises `Gone` if it was deleted."""
        ...

    async def delete_event(self, guild_id: int, event_id: int) -> None:
        """Delete an event. Raises `Gone` if it is already gone."""
        ...


class DeliveryError(Exception):
    """Something stopped a send; the subclass says whether trying again can help."""


class RateLimited(DeliveryError):
    def __init__(self, retry_after: float, *, is_global: bool) -> None:
        super().__init__(
            f"rate limited for {retry_after:.2f}s ({'global' if is_global else 'route'})"
        )
        self.retry_after = retry_after
        self.is_global = is_global


class RecipientClosedDms(DeliveryError):
    """Discord error 50007: the member does not accept DMs from the bot."""


class Rejected(DeliveryError):
    """Permanent: unknown channel, no access, malformed message. Retrying cannot help."""


class Gone(Rejected):
    """The message or event is no longer there (10008, 10070): there is nothing to change."""


class NotAllowed(Rejected):
    """Discord error 50013: the bot lacks a permission (for events: Manage Events)."""


class LimitReached(Rejected):
    """Discord error 30038: the server has 100 scheduled events that have not ended."""


class TemporaryFailure(DeliveryError):
    """A 5xx, a timeout or a dropped connection: worth retrying later."""
