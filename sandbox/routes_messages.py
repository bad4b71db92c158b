"""Channel and message routes: send, fetch, edit, delete, DMs, typing, threads and polls."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sandbox.errors import ApiError, field_error, invalid_form, unknown
from sandbox.messages import StoredMessage
from sandbox.payloads import channel_payload, user_payload
from sandbox.permissions import (
    ATTACH_FILES,
    CREATE_PUBLIC_THREADS,
    MANAGE_MESSAGES,
    SEND_MESSAGES,
    VIEW_CHANNEL,
)
from sandbox.rest import Reply, RequestContext, Route, no_content, ok
from sandbox.state import SandboxState
from sandbox.threads import (
    ARCHIVE_DURATIONS,
    DEFAULT_ARCHIVE_DURATION,
    THREAD_NAME_LIMIT,
    StoredThread,
)
from sandbox.world import DM_CHANNEL, TEXT_CHANNEL, ChannelSpec

Json = dict[str, Any]

# Discord remembers enforce_nonce keys for "a few minutes"; five is what its docs imply.
NONCE_WINDOW = timedelta(minutes=5)


def _channel(ctx: RequestContext) -> ChannelSpec:
    channel = ctx.state.channel(ctx.params["channel_id"])
    if channel is None:
        raise unknown("Channel", 10003)
    return channel


def _bot_permissions(state: SandboxState, channel: ChannelSpec) -> int | None:
    guild = state.guild_of(channel)
    return guild.bot_member.permissions if guild is not None else None


def _require(state: SandboxState, channel: ChannelSpec, needed: int) -> None:
    have = _bot_permissions(state, channel)
    if have is not None and have & needed != needed:
        raise ApiError(403, 50013, "Missing Permissions")


def _message(ctx: RequestContext, channel: ChannelSpec) -> StoredMessage:
    message = ctx.state.messages.get(ctx.params["message_id"])
    # Ephemeral messages live only in the interaction's webhook, never in the channel.
    if message is None or message.deleted or message.channel_id != channel.id or message.ephemeral:
        raise unknown("Message", 10008)
    return message


async def get_channel(ctx: RequestContext) -> Reply:
    channel = _channel(ctx)
    return ok(channel_payload(channel, last_message_id=ctx.state.messages.last_id(channel.id)))


def _find_nonce_duplicate(
    state: SandboxState, channel: ChannelSpec, nonce: Any
) -> StoredMessage | None:
    cutoff = state.now() - NONCE_WINDOW
    for message in reversed(state.messages.in_channel(channel.id)):
        if message.created_at < cutoff:
            break
        if (
            message.nonce == nonce
            and message.author_id == state.world.bot.id
            and not message.deleted
        ):
            return message
    return None


async def create_message(ctx: RequestContext) -> Reply:
    state = ctx.state
    channel = _channel(ctx)
    body = ctx.body()
    if channel.type == DM_CHANNEL:
        recipient = channel.recipient
        if recipient is not None and (recipient.id in state.closed_dms or recipient.bot):
            state.note(
                "failed",
                state.world.bot.username,
                f"DM to {recipient.username} not delivered: Cannot send messages to this user",
            )
            raise ApiError(403, 50007, "Cannot send messages to this user")
    else:
        _require(state, channel, VIEW_CHANNEL | SEND_MESSAGES | (ATTACH_FILES if ctx.files else 0))
    if body.get("enforce_nonce") and body.get("nonce") is not None:
        duplicate = _find_nonce_duplicate(state, channel, body["nonce"])
        if duplicate is not None:
            return ok(state.render(duplicate))
    message = await state.create_message(channel, state.world.bot, body, ctx.files)
    return ok(state.render(message))


async def list_messages(ctx: RequestContext) -> Reply:
    channel = _channel(ctx)
    limit = max(1, min(100, int(ctx.query.get("limit", "50"))))
    visible = ctx.state.messages.visible(channel.id)
    if "before" in ctx.query:
        visible = [m for m in visible if int(m.id) < int(ctx.query["before"])]
    if "after" in ctx.query:
        # Discord pages forward from `after`, oldest first, but still returns newest first.
        visible = [m for m in visible if int(m.id) > int(ctx.query["after"])][:limit]
    if "around" in ctx.query:
        pivot = int(ctx.query["around"])
        older = [m for m in visible if int(m.id) <= pivot][-((limit + 1) // 2) :]
        newer = [m for m in visible if int(m.id) > pivot][: limit // 2]
        visible = older + newer
    newest_first = list(reversed(visible))[:limit]
    return ok([ctx.state.render(m) for m in newest_first])


async def get_message(ctx: RequestContext) -> Reply:
    channel = _channel(ctx)
    return ok(ctx.state.render(_message(ctx, channel)))


async def edit_message(ctx: RequestContext) -> Reply:
    channel = _channel(ctx)
    message = _message(ctx, channel)
    if message.author_id != ctx.state.world.bot.id or message.interaction_id is not None:
        raise ApiError(403, 50005, "Cannot edit a message authored by another user")
    if ctx.files:
        _require(ctx.state, channel, ATTACH_FILES)
    await ctx.state.edit_message(message, ctx.body(), ctx.files)
    return ok(ctx.state.render(message))


async def delete_message(ctx: RequestContext) -> Reply:
    channel = _channel(ctx)
    message = _message(ctx, channel)
    if message.author_id != ctx.state.world.bot.id:
        _require(ctx.state, channel, MANAGE_MESSAGES)
    await ctx.state.delete_message(message)
    return no_content()


async def trigger_typing(ctx: RequestContext) -> Reply:
    _channel(ctx)
    return no_content()


async def create_dm(ctx: RequestContext) -> Reply:
    recipient_id = str(ctx.body().get("recipient_id", ""))
    user = ctx.state.user(recipient_id)
    if user is None:
        raise ApiError(400, 50033, "Invalid Recipient(s)")
    channel = ctx.state.dm_channel(user)
    return ok(channel_payload(channel, last_message_id=ctx.state.messages.last_id(channel.id)))


def _check_thread(
    state: SandboxState, channel: ChannelSpec, message: StoredMessage, body: Json
) -> None:
    if channel.type != TEXT_CHANNEL:
        raise ApiError(400, 50024, "Cannot execute action on this channel type")
    _require(state, channel, VIEW_CHANNEL | CREATE_PUBLIC_THREADS)
    if message.id in state.threads:
        raise ApiError(400, 160004, "A thread has already been created for this message")
    errors: Json = {}
    if not 0 < len(str(body.get("name") or "")) <= THREAD_NAME_LIMIT:
        errors["name"] = field_error(
            "BASE_TYPE_BAD_LENGTH", f"Must be between 1 and {THREAD_NAME_LIMIT} in length."
        )
    if body.get("auto_archive_duration") not in (None, *ARCHIVE_DURATIONS):
        errors["auto_archive_duration"] = field_error(
            "BASE_TYPE_CHOICES", f"Value must be one of {ARCHIVE_DURATIONS}."
        )
    if errors:
        raise invalid_form(errors)


async def start_thread_from_message(ctx: RequestContext) -> Reply:
    """A public thread on a message; it takes the message's id, as on Discord."""
    state = ctx.state
    channel = _channel(ctx)
    message = _message(ctx, channel)
    body = ctx.body()
    name = str(body.get("name") or "")
    bot = state.world.bot
    try:
        _check_thread(state, channel, message, body)
    except ApiError as error:
        state.note(
            "failed",
            bot.username,
            f'thread "{name}" not opened: {error.message}',
            where=state.where(channel),
        )
        raise
    thread = StoredThread(
        id=message.id,
        guild_id=str(channel.guild_id),
        parent_id=channel.id,
        name=name,
        owner_id=bot.id,
        created_at=state.now(),
        auto_archive_duration=int(body.get("auto_archive_duration") or DEFAULT_ARCHIVE_DURATION),
    )
    state.threads[thread.id] = thread
    state.note("thread", bot.username, f'opened the thread "{name}"', where=state.where(channel))
    await state.gateway.dispatch("THREAD_CREATE", {**thread.payload(), "newly_created": True})
    await state.changes.notify()
    return Reply(201, thread.payload())  # Discord answers this route with 201 Created


def _poll_message(ctx: RequestContext) -> StoredMessage:
    channel = _channel(ctx)
    message = _message(ctx, channel)
    if message.poll is None:
        raise ApiError(400, 520001, "Message has no poll")
    return message


async def expire_poll(ctx: RequestContext) -> Reply:
    message = _poll_message(ctx)
    if message.author_id != ctx.state.world.bot.id:
        raise ApiError(403, 520004, "Cannot expire a poll you did not create")
    poll = message.poll or {}
    poll["results"] = {**poll.get("results", {}), "is_finalized": True}
    poll["expiry"] = ctx.state.now().isoformat(timespec="microseconds")
    await ctx.state.edit_message(message, {}, kind="update")
    return ok(ctx.state.render(message))


async def get_answer_voters(ctx: RequestContext) -> Reply:
    message = _poll_message(ctx)
    voters = message.poll_votes.get(int(ctx.params["answer_id"]), [])
    users = [u for uid in voters if (u := ctx.state.user(uid)) is not None]
    return ok({"users": [user_payload(u) for u in users]})


ROUTES = [
    Route("GET", "/channels/{channel_id}", get_channel),
    Route("POST", "/channels/{channel_id}/messages", create_message),
    Route("GET", "/channels/{channel_id}/messages", list_messages),
    Route("GET", "/channels/{channel_id}/messages/{message_id}", get_message),
    Route("PATCH", "/channels/{channel_id}/messages/{message_id}", edit_message),
    Route("DELETE", "/channels/{channel_id}/messages/{message_id}", delete_message),
    Route("POST", "/channels/{channel_id}/typing", trigger_typing),
    Route(
        "POST", "/channels/{channel_id}/messages/{message_id}/threads", start_thread_from_message
    ),
    Route("POST", "/users/@me/channels", create_dm),
    Route("POST", "/channels/{channel_id}/polls/{message_id}/expire", expire_poll),
    Route(
        "GET", "/channels/{channel_id}/polls/{message_id}/answers/{answer_id}", get_answer_voters
    ),
]
