"""The outbox's way to Discord: `Transport` implemented with discord.py.

discord.py already keeps per-route buckets from the X-RateLimit headers and waits out a 429's
Retry-After before retrying; what reaches the outbox is a 429 it gave up on. Every Discord error
is translated into what the outbox should do next (bot/outbox/transport.py).

Buttons are sent as a `discord.ui.View` that is stopped before it leaves: discord.py stores a
live view to dispatch its clicks, which would keep one view per message forever, and its
no-op items would answer clicks that belong to the cogs' persistent `DynamicItem`s.
"""

from __future__ import annotations

import io
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any, Final

import aiohttp
import discord

from bot.clock import from_unix
from bot.outbox.message import BUTTONS_PER_ROW, Attachment, Button, EventDetails
from bot.outbox.transport import (
    Gone,
    LimitReached,
    NotAllowed,
    PostedDm,
    RateLimited,
    RecipientClosedDms,
    Rejected,
    RenderedEdit,
    RenderedMessage,
    TemporaryFailure,
)

CANNOT_DM = 50007
UNKNOWN_MESSAGE = 10008
UNKNOWN_EVENT = 10070
MISSING_PERMISSIONS = 50013
TOO_MANY_EVENTS = 30038
THREAD_ALREADY_CREATED = 160004
THREAD_ARCHIVE_MINUTES: Final = 10080  # a week without messages: a party's talk outlives its night
DEFAULT_RETRY_AFTER = 5.0
GUILD_ONLY = 2  # an event's privacy level
ENTITY_TYPES = {"stage": 1, "voice": 2, "external": 3}
DISCORD_STYLES = {
    "primary": discord.ButtonStyle.primary,
    "secondary": discord.ButtonStyle.secondary,
    "success": discord.ButtonStyle.success,
    "danger": discord.ButtonStyle.danger,
}


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

    async def send_to_member(
        self, member_id: int, message: RenderedMessage, *, nonce: str
    ) -> PostedDm:
        async with _translated():
            channel = await self._client.create_dm(discord.Object(member_id))
        return PostedDm(channel.id, await _send(channel, message, nonce))

    async def edit_message(self, channel_id: int, message_id: int, edit: RenderedEdit) -> None:
        message = self._client.get_partial_messageable(channel_id).get_partial_message(message_id)
        async with _translated():
            await message.edit(
                content=edit.content or None,
                embeds=[discord.Embed.from_dict(e) for e in edit.embeds],
                attachments=discord.utils.MISSING if edit.files is None else _files(edit.files),
                view=discord.utils.MISSING  # keeps the message's buttons
                if edit.buttons is None and not edit.clear_components
                else _new_buttons(edit),
                allowed_mentions=discord.AllowedMentions.none(),
            )

    async def open_thread(self, channel_id: int, message_id: int, name: str) -> None:
        async with _translated():
            try:
                await self._client.http.start_thread_with_message(
                    channel_id, message_id, name=name, auto_archive_duration=THREAD_ARCHIVE_MINUTES
                )
            except discord.HTTPException as error:
                if error.code != THREAD_ALREADY_CREATED:  # already there: what was asked for
                    raise

    async def create_event(self, guild_id: int, details: EventDetails) -> int:
        async with _translated():
            created = await self._client.http.create_guild_scheduled_event(
                guild_id, **event_payload(details)
            )
        return int(created["id"])

    async def find_events(self, guild_id: int, candidates: Sequence[EventDetails]) -> list[int]:
        me = self._client.user
        async with _translated():
            events = await self._client.http.get_scheduled_events(guild_id, False)
        wanted = [_fingerprint(event_payload(details)) for details in candidates]
        mine = [e for e in events if me is not None and int(e.get("creator_id") or 0) == me.id]
        return [int(e["id"]) for e in mine if _fingerprint(dict(e)) in wanted]

    async def update_event(self, guild_id: int, event_id: int, details: EventDetails) -> None:
        async with _translated():
            await self._client.http.edit_scheduled_event(
                guild_id, event_id, **event_payload(details)
            )

    async def delete_event(self, guild_id: int, event_id: int) -> None:
        async with _translated():
            await self._client.http.delete_scheduled_event(guild_id, event_id)


def event_payload(details: EventDetails) -> dict[str, Any]:
    """The JSON Discord expects for a guild scheduled event (create and update alike)."""
    external = details.place == "external"
    payload: dict[str, Any] = {
        "name": details.name,
        "privacy_level": GUILD_ONLY,
        "entity_type": ENTITY_TYPES[details.place],
        "scheduled_start_time": from_unix(details.start).isoformat(),
        "channel_id": None if external else str(details.channel_id),  # a snowflake string
        "entity_metadata": {"location": details.location} if external else None,
        "description": details.description or "",
    }
    if details.end is not None:
        payload["scheduled_end_time"] = from_unix(details.end).isoformat()
    return payload


def _fingerprint(event: dict[str, Any]) -> tuple[object, ...]:
    """What tells two events apart: name, times and place (as Discord answers them)."""
    metadata = event.get("entity_metadata") or {}
    end = event.get("scheduled_end_time")
    return (
        event["name"],
        datetime.fromisoformat(event["scheduled_start_time"]),
        None if end is None else datetime.fromisoformat(end),
        None if event.get("channel_id") is None else str(event["channel_id"]),
        metadata.get("location"),
    )


def button_view(buttons: Sequence[Button]) -> discord.ui.View:
    """The buttons as components, in rows of 5 in order, for sending only (see the module's
    docstring: the view is stopped, so discord.py never stores it)."""
    view = discord.ui.View(timeout=None)
    for index, button in enumerate(buttons):
        view.add_item(
            discord.ui.Button(
                label=button.label,
                custom_id=button.custom_id,
                url=button.url,
                style=discord.ButtonStyle.link
                if button.url is not None
                else DISCORD_STYLES[button.style],
                emoji=button.emoji,
                row=index // BUTTONS_PER_ROW,
            )
        )
    view.stop()
    return view


def _new_buttons(edit: RenderedEdit) -> discord.ui.View | None:
    """The buttons an edit that changes them leaves: a view, or None for none."""
    if edit.clear_components or not edit.buttons:
        return None
    return button_view(edit.buttons)


def _files(attachments: Sequence[Attachment]) -> list[discord.File]:
    return [
        discord.File(io.BytesIO(a.data), filename=a.filename, description=a.description)
        for a in attachments
    ]


async def _send(channel: discord.abc.Messageable, message: RenderedMessage, nonce: str) -> int:
    mentions = discord.AllowedMentions(
        everyone=False,
        users=[discord.Object(i) for i in message.mention_user_ids] or False,
        roles=[discord.Object(i) for i in message.mention_role_ids] or False,
        replied_user=False,
    )
    async with _translated():
        # discord.py adds enforce_nonce, so a resend returns the first message, not a second.
        sent = await channel.send(
            message.content or None,
            embeds=[discord.Embed.from_dict(e) for e in message.embeds]
            if message.embeds
            else discord.utils.MISSING,
            files=_files(message.files) if message.files else discord.utils.MISSING,
            view=button_view(message.buttons) if message.buttons else discord.utils.MISSING,
            nonce=nonce,
            allowed_mentions=mentions,
        )
    return sent.id


@asynccontextmanager
async def _translated() -> AsyncIterator[None]:
    """Turn what discord.py and aiohttp raise into what the outbox should do next."""
    try:
        yield
    except discord.RateLimited as error:
        raise RateLimited(error.retry_after, is_global=False) from error
    except discord.HTTPException as error:
        raise _translate(error) from error
    except (TimeoutError, aiohttp.ClientError, OSError) as error:
        raise TemporaryFailure(str(error) or type(error).__name__) from error


def _translate(error: discord.HTTPException) -> Exception:
    detail = f"{error.status} (code {error.code}): {error.text}"
    if error.code == CANNOT_DM:
        return RecipientClosedDms(error.text)
    if error.code in (UNKNOWN_MESSAGE, UNKNOWN_EVENT):
        return Gone(detail)
    if error.code == MISSING_PERMISSIONS:
        return NotAllowed(detail)
    if error.code == TOO_MANY_EVENTS:
        return LimitReached(detail)
    if error.status == 429:
        headers = error.response.headers
        return RateLimited(
            _seconds(headers.get("Retry-After")) or DEFAULT_RETRY_AFTER,
            is_global=headers.get("X-RateLimit-Global") == "true",
        )
    if 400 <= error.status < 500:
        return Rejected(detail)
    return TemporaryFailure(f"{error.status}: {error.text}")


def _seconds(header: str | None) -> float | None:
    try:
        return None if header is None else float(header)
    except ValueError:
        return None
