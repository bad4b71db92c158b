"""How the outbox reaches Discord, as a protocol, so the outbox itself never imports discord.py.

The discord.py implementation is `DiscordTransport` in `bot/client.py`; tests use a fake.
Each error says what the outbox should do next, not what HTTP status caused it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol


@dataclass(frozen=True)
class RenderedMessage:
    content: str
    embed: dict[str, Any] | None
    mention_user_ids: tuple[int, ...]
    mention_role_ids: tuple[int, ...]


class Transport(Protocol):
    async def send_to_channel(
        self, channel_id: int, message: RenderedMessage, *, nonce: str
    ) -> int:
        """Post the message; returns its id. A repeat with the same nonce must not post twice."""
        ...

    async def send_to_member(self, member_id: int, message: RenderedMessage, *, nonce: str) -> int:
        """DM the member; returns the message id. Raises `RecipientClosedDms` if it can't."""
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


class TemporaryFailure(DeliveryError):
    """A 5xx, a timeout or a dropped connection: worth retrying later."""
