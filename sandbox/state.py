"""Everything the sandbox knows at runtime, and the one place messages are created, edited and
deleted, so REST routes and test drivers store, log and dispatch them identically."""

from __future__ import annotations

import mimetypes
import re
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sandbox.commands import CommandRegistry
from sandbox.errors import ApiError, field_error, invalid_form
from sandbox.faults import FaultPlan
from sandbox.gateway import Gateway
from sandbox.interaction_state import InteractionRecord, InteractionRegistry
from sandbox.message_rules import (
    EPHEMERAL,
    IS_COMPONENTS_V2,
    LOADING,
    SUPPRESS_NOTIFICATIONS,
    assign_component_ids,
    build_poll,
    normalize_embeds,
    resolve_pings,
    validate_message,
)
from sandbox.messages import DEFAULT, REPLY, MessageStore, StoredMessage, message_payload
from sandbox.payloads import guild_create_payload, member_payload, user_payload
from sandbox.permissions import MENTION_EVERYONE
from sandbox.rate_limits import GlobalRateLimit
from sandbox.recording import RecordedFile, RequestLog
from sandbox.signals import Changes
from sandbox.threads import StoredThread
from sandbox.transcript import Transcript, TranscriptEntry
from sandbox.world import DM_CHANNEL, ChannelSpec, GuildSpec, UserSpec, World

Json = dict[str, Any]

SUPPRESS_EMBEDS = 1 << 2
_SETTABLE_FLAGS = SUPPRESS_EMBEDS | SUPPRESS_NOTIFICATIONS | IS_COMPONENTS_V2
_FILE_FIELD = re.compile(r"files\[(\d+)\]")
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _upload_slot(upload: RecordedFile, position: int) -> str:
    """The id that `attachments` uses for an upload: n of its files[n] form field."""
    match = _FILE_FIELD.fullmatch(upload.field_name)
    return match.group(1) if match else str(position)


def _content_type(upload: RecordedFile) -> str:
    # discord.py labels every part application/octet-stream; Discord reports the real type.
    if upload.content_type not in ("", "application/octet-stream"):
        return upload.content_type
    if upload.data.startswith(_PNG_SIGNATURE):
        return "image/png"
    guessed, _ = mimetypes.guess_type(upload.filename)
    return guessed or "application/octet-stream"


def _png_size(data: bytes) -> tuple[int, int] | None:
    if not data.startswith(_PNG_SIGNATURE) or data[12:16] != b"IHDR" or len(data) < 24:
        return None
    return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")


class SandboxState:
    def __init__(
        self,
        world: World,
        *,
        token: str,
        response_deadline: float | None,
        allowed_privileged_intents: int,
        global_rate_limit: int | None = None,
    ) -> None:
        self.world = world
        self.token = token
        self.response_deadline = response_deadline
        # An interaction's token answers for 15 minutes (discord-wire-protocol.md §2.3).
        self.token_lifetime = 15 * 60.0
        self.messages = MessageStore()
        self.commands = CommandRegistry(world.ids, world.application_id)
        self.interactions = InteractionRegistry()
        self.transcript = Transcript(world)
        self.log = RequestLog()
        self.faults = FaultPlan()
        # Off by default: tests see a Discord that never says 429 unless a fault is injected.
        self.global_rate_limit = (
            GlobalRateLimit(global_rate_limit) if global_rate_limit is not None else None
        )
        self.scheduled_events: dict[str, list[Json]] = {}
        self.threads: dict[str, StoredThread] = {}  # by id: the message each was started from
        self.event_subscribers: dict[str, list[str]] = {}
        self.internal_errors: list[str] = []
        self.dm_channels: dict[str, ChannelSpec] = {}  # by recipient's user id
        self._dm_channels_by_id: dict[str, ChannelSpec] = {}
        self.closed_dms: set[str] = set()
        # Uploaded bytes and their content type by attachment id, kept after edits and deletes.
        self.files: dict[str, bytes] = {}
        self.file_types: dict[str, str] = {}
        self.base_url = ""
        self.changes = Changes()
        self.gateway = Gateway(
            world,
            token=token,
            guild_create=self.guild_create,
            changes=self.changes,
            allowed_privileged_intents=allowed_privileged_intents,
        )

    # -- lookups -----------------------------------------------------------------------------

    def now(self) -> datetime:
        return datetime.fromtimestamp(self.world.clock(), UTC)

    def channel(self, channel_id: str) -> ChannelSpec | None:
        # DMs first: a DM's id is unknown to the world, which would ask every guild for it.
        dm = self._dm_channels_by_id.get(channel_id)
        return dm if dm is not None else self.world.find_channel(channel_id)

    def guild_of(self, channel: ChannelSpec) -> GuildSpec | None:
        return self.world.find_guild(channel.guild_id) if channel.guild_id else None

    def user(self, user_id: str) -> UserSpec | None:
        return self.world.find_user(user_id)

    def where(self, channel: ChannelSpec) -> str:
        if channel.type == DM_CHANNEL:
            return f"DM {channel.recipient.username if channel.recipient else '?'}"
        return f"#{channel.name}"

    def dm_channel(self, user: UserSpec) -> ChannelSpec:
        channel = self.dm_channels.get(user.id)
        if channel is None:
            channel = ChannelSpec(
                id=self.world.ids.next(), name="", type=DM_CHANNEL, recipient=user
            )
            self.dm_channels[user.id] = channel
            self._dm_channels_by_id[channel.id] = channel
        return channel

    # -- payloads ---------------------------------------------------------------------------

    def render(self, message: StoredMessage) -> Json:
        users = self.world.users_by_id
        author = users[message.author_id]
        referenced = None
        if message.message_reference is not None:
            referenced = self.messages.get(str(message.message_reference.get("message_id")))
        return message_payload(
            message,
            author=author,
            users=users,
            referenced=referenced,
            referenced_author=users.get(referenced.author_id) if referenced else None,
        )

    def gateway_message(self, message: StoredMessage) -> Json:
        """MESSAGE_CREATE/UPDATE carry guild_id and the author's partial member on top of REST."""
        payload = self.render(message)
        if message.guild_id is not None:
            payload["guild_id"] = message.guild_id
            guild = self.world.find_guild(message.guild_id)
            member = guild.find_member(message.author_id) if guild else None
            if member is not None and message.webhook_id is None:
                payload["member"] = member_payload(member, with_user=False)
        return payload

    def guild_create(self, guild: GuildSpec, with_members: bool) -> Json:
        members = guild.members if with_members else [guild.bot_member]
        return guild_create_payload(
            guild,
            members=list(members),
            scheduled_events=list(self.scheduled_events.get(guild.id, [])),
            last_message_ids={
                c.id: last for c in guild.channels if (last := self.messages.last_id(c.id))
            },
        )

    # -- message lifecycle ------------------------------------------------------------------

    def _can_mention_everyone(self, channel: ChannelSpec, author: UserSpec) -> bool:
        guild = self.guild_of(channel)
        member = guild.find_member(author.id) if guild else None
        return member is not None and bool(member.permissions & MENTION_EVERYONE)

    def _apply_pings(self, message: StoredMessage, channel: ChannelSpec, author: UserSpec) -> None:
        guild = self.guild_of(channel)
        replied = None
        if message.message_reference is not None:
            ref = self.messages.get(str(message.message_reference.get("message_id")))
            replied = ref.author_id if ref is not None else None
        pings = resolve_pings(
            message.content,
            message.allowed_mentions,
            known_user_ids=self.world.users_by_id.keys(),
            role_mentionable={r.id: r.mentionable for r in guild.roles} if guild else {},
            can_mention_everyone=self._can_mention_everyone(channel, author),
            replied_user_id=replied,
        )
        message.mentions = list(pings.users)
        message.mention_roles = list(pings.roles)
        message.mention_everyone = pings.everyone

    def _attachments(
        self, channel: ChannelSpec, body: Json, files: Sequence[RecordedFile]
    ) -> list[Json]:
        described = {str(a.get("id")): a for a in body.get("attachments") or []}
        out = []
        for position, upload in enumerate(files):
            attachment_id = self.world.ids.next()
            self.files[attachment_id] = upload.data
            content_type = _content_type(upload)
            self.file_types[attachment_id] = content_type
            url = f"{self.base_url}/attachments/{channel.id}/{attachment_id}/{upload.filename}"
            item: Json = {
                "id": attachment_id,
                "filename": upload.filename,
                "size": upload.size,
                "url": url,
                "proxy_url": url,
                "content_type": content_type,
            }
            size = _png_size(upload.data)
            if size is not None:
                item["width"], item["height"] = size
            meta = described.get(_upload_slot(upload, position)) or {}
            if meta.get("description"):
                item["description"] = meta["description"]
            out.append(item)
        return out

    def _reference(self, channel: ChannelSpec, body: Json) -> Json | None:
        ref = body.get("message_reference")
        if not ref:
            return None
        target = self.messages.get(str(ref.get("message_id")))
        if target is None or target.deleted or target.channel_id != channel.id:
            if ref.get("fail_if_not_exists", True):
                raise invalid_form(
                    {"message_reference": field_error("REPLIES_UNKNOWN_MESSAGE", "Unknown message")}
                )
            return None
        return {
            "type": 0,
            "message_id": target.id,
            "channel_id": channel.id,
            **({"guild_id": channel.guild_id} if channel.guild_id else {}),
        }

    async def create_message(
        self,
        channel: ChannelSpec,
        author: UserSpec,
        body: Json,
        files: Sequence[RecordedFile] = (),
        *,
        message_type: int = DEFAULT,
        interaction: InteractionRecord | None = None,
        extra_flags: int = 0,
        kind: str = "post",
        note: str | None = None,
    ) -> StoredMessage:
        validate_message(body, creating=not extra_flags & LOADING, file_count=len(files))
        flags = int(body.get("flags") or 0) & _SETTABLE_FLAGS
        if interaction is not None:
            flags |= int(body.get("flags") or 0) & EPHEMERAL
        flags |= extra_flags
        reference = self._reference(channel, body)
        message = StoredMessage(
            id=self.world.ids.next(),
            channel_id=channel.id,
            author_id=author.id,
            guild_id=channel.guild_id,
            content=str(body.get("content") or ""),
            embeds=normalize_embeds(list(body.get("embeds") or [])),
            components=assign_component_ids(list(body.get("components") or [])),
            attachments=self._attachments(channel, body, files),
            flags=flags,
            nonce=body.get("nonce"),
            allowed_mentions=body.get("allowed_mentions"),
            poll=build_poll(body["poll"], self.now()) if body.get("poll") else None,
            message_reference=reference,
            type=REPLY if reference and message_type == DEFAULT else message_type,
            tts=bool(body.get("tts", False)),
        )
        if interaction is not None:
            message.interaction_id = interaction.id
            message.webhook_id = self.world.application_id
            message.interaction_metadata = self._interaction_metadata(interaction)
            if flags & EPHEMERAL:
                message.visible_to = interaction.user.id
        self._apply_pings(message, channel, author)
        self.messages.add(message)
        self.transcribe(message, kind=kind, note=note, nested=interaction is not None)
        if not message.ephemeral:
            await self.gateway.dispatch("MESSAGE_CREATE", self.gateway_message(message))
        return message

    def _interaction_metadata(self, record: InteractionRecord) -> Json:
        owners = {"0": record.guild_id} if record.guild_id else {"1": record.user.id}
        meta: Json = {
            "id": record.id,
            "type": record.type,
            "user": user_payload(record.user),
            "authorizing_integration_owners": owners,
        }
        if record.command_name is not None:
            meta["name"] = record.command_name
            meta["command_type"] = 1
        if record.source_message is not None:
            meta["interacted_message_id"] = record.source_message.id
        if record.triggering is not None:
            meta["triggering_interaction_metadata"] = self._interaction_metadata(record.triggering)
        return meta

    async def edit_message(
        self,
        message: StoredMessage,
        body: Json,
        files: Sequence[RecordedFile] = (),
        *,
        kind: str = "edit",
        nested: bool = False,
    ) -> StoredMessage:
        validate_message(body, creating=False)
        was_loading = message.loading
        # Stage every change first: a rejected edit must leave the message untouched.
        content = str(body.get("content") or "") if "content" in body else message.content
        embeds = (
            normalize_embeds(list(body.get("embeds") or [])) if "embeds" in body else message.embeds
        )
        components = (
            assign_component_ids(list(body.get("components") or []))
            if "components" in body
            else message.components
        )
        attachments = message.attachments
        if "attachments" in body or files:
            # `attachments` lists what stays (existing ids, new uploads by files[n] index);
            # without it, uploads are appended to what the message already has.
            kept = message.attachments
            if "attachments" in body:
                keep = {str(a.get("id")) for a in body.get("attachments") or []}
                kept = [a for a in message.attachments if a["id"] in keep]
            channel = self.channel(message.channel_id)
            added = self._attachments(channel, body, files) if channel else []
            attachments = kept + added
        if not (content or embeds or components or attachments or message.poll):
            raise ApiError(400, 50006, "Cannot send an empty message")
        message.content, message.embeds = content, embeds
        message.components, message.attachments = components, attachments
        if "allowed_mentions" in body:
            message.allowed_mentions = body.get("allowed_mentions")
        if body.get("flags") is not None:
            settable = SUPPRESS_EMBEDS | IS_COMPONENTS_V2
            message.flags = (message.flags & ~settable) | (int(body["flags"]) & settable)
        message.flags &= ~LOADING
        if not was_loading:
            message.edited = True
            message.edited_at = self.now()
        channel = self.channel(message.channel_id)
        author = self.user(message.author_id)
        if channel is not None and author is not None:
            self._apply_pings(message, channel, author)
        self.transcribe(message, kind="reply" if was_loading else kind, nested=nested)
        if not message.ephemeral:
            await self.gateway.dispatch("MESSAGE_UPDATE", self.gateway_message(message))
        return message

    async def delete_message(self, message: StoredMessage, *, nested: bool = False) -> None:
        message.deleted = True
        channel = self.channel(message.channel_id)
        author = self.user(message.author_id)
        self.transcript.add(
            TranscriptEntry(
                kind="delete",
                where=self.where(channel) if channel else "?",
                actor=author.username if author else "?",
                text="deleted a message",
                message_id=message.id,
                nested=nested,
                at=time.time(),
            )
        )
        if not message.ephemeral:
            payload: Json = {"id": message.id, "channel_id": message.channel_id}
            if message.guild_id is not None:
                payload["guild_id"] = message.guild_id
            await self.gateway.dispatch("MESSAGE_DELETE", payload)

    def transcribe(
        self, message: StoredMessage, *, kind: str, nested: bool, note: str | None = None
    ) -> None:
        channel = self.channel(message.channel_id)
        author = self.user(message.author_id)
        where = self.where(channel) if channel else "?"
        if channel is not None and channel.type == DM_CHANNEL and kind == "post":
            kind, where = "dm", ""
            if author is not None and author.id == self.world.bot.id:
                note = channel.recipient.username if channel.recipient else "?"
            else:
                note = self.world.bot.username
        audience = None
        if message.visible_to is not None:
            viewer = self.user(message.visible_to)
            audience = viewer.username if viewer else "?"
        # Discord never notifies an author of their own mention, so neither does the transcript.
        pings = [
            f"@{u.display_name}"
            for uid in message.mentions
            if uid != message.author_id and (u := self.user(uid))
        ]
        guild = self.world.find_guild(message.guild_id) if message.guild_id else None
        pings += [
            f"@{r.name}" for rid in message.mention_roles if guild and (r := guild.find_role(rid))
        ]
        if message.mention_everyone:
            pings.append("@everyone")
        self.transcript.add(
            TranscriptEntry(
                kind=kind,
                where=where,
                actor=author.username if author else "?",
                text=message.content,
                embeds=tuple(message.embeds),
                components=tuple(message.components),
                attachments=tuple(str(a["filename"]) for a in message.attachments),
                poll=message.poll,
                audience=audience,
                note=note,
                pings=tuple(pings),
                interaction_id=message.interaction_id,
                message_id=message.id,
                nested=nested,
                at=time.time(),
            )
        )

    def note(
        self, kind: str, actor: str, text: str, *, where: str = "", nested: bool = False
    ) -> None:
        self.transcript.add(
            TranscriptEntry(
                kind=kind, where=where, actor=actor, text=text, nested=nested, at=time.time()
            )
        )
