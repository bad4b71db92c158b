"""The outbox's way to Discord: `Transport` implemented with discord.py.

discord.py already keeps per-route buckets from the X-RateLimit headers and waits out a 429's
Retry-After before retrying; what reaches the outbox is a 429 it gave up on. Every Discord error
is translated into what the outbox should do next (bot/outbox/transport.py).
"""

from __future__ import annotations

import aiohttp
import discord

from bot.outbox.transport import (
    RateLimited,
    RecipientClosedDms,
    Rejected,
    RenderedMessage,
    TemporaryFailure,
)

CANNOT_DM = 50007
DEFAULT_RETRY_AFTER = 5.0


class DiscordTransport:
    """Connected to its client after the client is built (the client needs the finished
    services, and the services need this transport)."""

    def __init__(self) -> None:
        self._connected: discord.Client | None = None

    def connect(self, client: discord.Client) -> None:
        self._connected = client

    @property
    def _client(self) -> discord.Client:
        if self._connected is None:
            raise TemporaryFailure("the Discord client is not connected yet")
        return self._connected

    async def send_to_channel(
        self, channel_id: int, message: RenderedMessage, *, nonce: str
    ) -> int:
        channel = self._client.get_partial_messageable(channel_id)
        return await _send(channel, message, nonce)

    async def send_to_member(self, member_id: int, message: RenderedMessage, *, nonce: str) -> int:
        try:
            channel = await self._client.create_dm(discord.Object(member_id))
        except discord.HTTPException as error:
            raise _translate(error) from error
        except (TimeoutError, aiohttp.ClientError, OSError) as error:
            raise TemporaryFailure(str(error) or type(error).__name__) from error
        return await _send(channel, message, nonce)


async def _send(channel: discord.abc.Messageable, message: RenderedMessage, nonce: str) -> int:
    mentions = discord.AllowedMentions(
        everyone=False,
        users=[discord.Object(i) for i in message.mention_user_ids] or False,
        roles=[discord.Object(i) for i in message.mention_role_ids] or False,
        replied_user=False,
    )
    try:
        # discord.py adds enforce_nonce, so a resend returns the first message, not a second.
        if message.embed is None:
            sent = await channel.send(message.content, nonce=nonce, allowed_mentions=mentions)
        else:
            sent = await channel.send(
                message.content or None,
                embed=discord.Embed.from_dict(message.embed),
                nonce=nonce,
                allowed_mentions=mentions,
            )
    except discord.RateLimited as error:
        raise RateLimited(error.retry_after, is_global=False) from error
    except discord.HTTPException as error:
        raise _translate(error) from error
    except (TimeoutError, aiohttp.ClientError, OSError) as error:
        raise TemporaryFailure(str(error) or type(error).__name__) from error
    return sent.id


def _translate(error: discord.HTTPException) -> Exception:
    if error.code == CANNOT_DM:
        return RecipientClosedDms(error.text)
    if error.status == 429:
        headers = error.response.headers
        return RateLimited(
            _seconds(headers.get("Retry-After")) or DEFAULT_RETRY_AFTER,
            is_global=headers.get("X-RateLimit-Global") == "true",
        )
    if 400 <= error.status < 500:
        return Rejected(f"{error.status} (code {error.code}): {error.text}")
    return TemporaryFailure(f"{error.status}: {error.text}")


def _seconds(header: str | None) -> float | None:
    try:
        return None if header is None else float(header)
    except ValueError:
        return None
