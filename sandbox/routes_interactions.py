"""Interaction responses: the callback, follow-ups, and edits of the original response."""

from __future__ import annotations

import time
from typing import Any

from sandbox.errors import ApiError, field_error, invalid_form, unknown
from sandbox.interaction_state import (
    APPLICATION_COMMAND,
    AUTOCOMPLETE,
    AUTOCOMPLETE_RESULT,
    CHANNEL_MESSAGE,
    DEFERRED_CHANNEL_MESSAGE,
    DEFERRED_UPDATE,
    MESSAGE_COMPONENT,
    MODAL,
    MODAL_SUBMIT,
    UPDATE_MESSAGE,
    InteractionRecord,
)
from sandbox.message_rules import LOADING
from sandbox.messages import CHAT_INPUT_COMMAND, DEFAULT, StoredMessage
from sandbox.rest import Handler, Reply, RequestContext, Route, no_content, ok
from sandbox.state import SandboxState
from sandbox.transcript import TranscriptEntry

Json = dict[str, Any]

_ALLOWED = {
    APPLICATION_COMMAND: {CHANNEL_MESSAGE, DEFERRED_CHANNEL_MESSAGE, MODAL},
    MESSAGE_COMPONENT: {
        CHANNEL_MESSAGE,
        DEFERRED_CHANNEL_MESSAGE,
        DEFERRED_UPDATE,
        UPDATE_MESSAGE,
        MODAL,
    },
    AUTOCOMPLETE: {AUTOCOMPLETE_RESULT},
    MODAL_SUBMIT: {CHANNEL_MESSAGE, DEFERRED_CHANNEL_MESSAGE, DEFERRED_UPDATE, UPDATE_MESSAGE},
}


def _message_type(record: InteractionRecord) -> int:
    return CHAT_INPUT_COMMAND if record.type == APPLICATION_COMMAND else DEFAULT


def _reject(state: SandboxState, record: InteractionRecord, what: str, error: ApiError) -> ApiError:
    detail = f"{error.status} {error.code} {error.message}"
    if error.errors:
        detail += f" {error.errors}"
    record.problems.append(f"{what} rejected: {detail}")
    state.note("failed", state.world.bot.username, f"{what} rejected: {detail}", nested=True)
    return error


def _check_callback_type(record: InteractionRecord, kind: Any) -> None:
    allowed = set(_ALLOWED.get(record.type, set()))
    if record.source_message is None:
        allowed -= {DEFERRED_UPDATE, UPDATE_MESSAGE}
    if kind not in allowed:
        raise invalid_form(
            {
                "type": field_error(
                    "INTERACTION_RESPONSE_TYPE_INVALID", "Invalid interaction response type"
                )
            }
        )


def _check_modal(data: Json) -> None:
    errors: Json = {}
    if not 1 <= len(str(data.get("custom_id") or "")) <= 100:
        errors["custom_id"] = field_error(
            "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 100 in length."
        )
    if not 1 <= len(str(data.get("title") or "")) <= 45:
        errors["title"] = field_error("BASE_TYPE_BAD_LENGTH", "Must be between 1 and 45 in length.")
    if not 1 <= len(data.get("components") or []) <= 5:
        errors["components"] = field_error(
            "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 5 in length."
        )
    if errors:
        raise invalid_form(errors)


def _check_choices(data: Json) -> None:
    choices = data.get("choices")
    if not isinstance(choices, list) or len(choices) > 25:
        raise invalid_form(
            {"choices": field_error("BASE_TYPE_MAX_LENGTH", "Must be 25 or fewer in length.")}
        )
    for index, choice in enumerate(choices):
        if not 1 <= len(str(choice.get("name", ""))) <= 100:
            raise invalid_form(
                {
                    "choices": {
                        str(index): {
                            "name": field_error(
                                "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 100 in length."
                            )
                        }
                    }
                }
            )


async def _respond(
    ctx: RequestContext, record: InteractionRecord, kind: int, data: Json
) -> StoredMessage | None:
    state = ctx.state
    bot = state.world.bot
    if kind == CHANNEL_MESSAGE:
        message = await state.create_message(
            record.channel,
            bot,
            data,
            ctx.files,
            message_type=_message_type(record),
            interaction=record,
            kind="reply",
        )
        record.original = message
        return message
    if kind == DEFERRED_CHANNEL_MESSAGE:
        message = await state.create_message(
            record.channel,
            bot,
            {"flags": data.get("flags")},
            message_type=_message_type(record),
            interaction=record,
            extra_flags=LOADING,
            kind="thinking",
        )
        record.original = message
        return message
    if kind in (DEFERRED_UPDATE, UPDATE_MESSAGE):
        source = record.source_message
        assert source is not None  # guaranteed by _check_callback_type
        record.original = source
        if kind == UPDATE_MESSAGE:
            await state.edit_message(source, data, ctx.files, kind="update", nested=True)
        return source
    if kind == AUTOCOMPLETE_RESULT:
        _check_choices(data)
        names = ", ".join(str(c.get("name")) for c in data.get("choices") or []) or "(nothing)"
        state.note("suggestions", bot.username, names, nested=True)
        return None
    _check_modal(data)
    state.interactions.show_modal(record.user.id, data, record)
    state.transcript.add(_modal_entry(state, record, data))
    return None


def _modal_entry(state: SandboxState, record: InteractionRecord, data: Json) -> TranscriptEntry:
    return TranscriptEntry(
        kind="modal",
        where=state.where(record.channel),
        actor=state.world.bot.username,
        text=f'"{data.get("title", "")}"',
        components=tuple(data.get("components") or []),
        audience=record.who,
        nested=True,
        at=time.time(),
    )


async def interaction_callback(ctx: RequestContext) -> Reply:
    state = ctx.state
    record = state.interactions.by_id(ctx.params["interaction_id"])
    if record is None or record.token != ctx.params["interaction_token"]:
        raise unknown("interaction", 10062)
    body = ctx.body()
    kind = body.get("type")
    if record.acknowledged:
        raise _reject(
            state,
            record,
            f"second response (type {kind})",
            ApiError(400, 40060, "Interaction has already been acknowledged."),
        )
    elapsed = time.monotonic() - record.created
    deadline = state.token_lifetime
    if state.response_deadline is not None:
        deadline = min(deadline, state.response_deadline)
    if elapsed > deadline:
        raise _reject(
            state,
            record,
            f"response after {elapsed:.2f}s (Discord allows {deadline:.0f}s)",
            ApiError(404, 10062, "Unknown interaction"),
        )
    data = body.get("data") or {}
    try:
        _check_callback_type(record, kind)
        assert isinstance(kind, int)
        message = await _respond(ctx, record, kind, data)
    except ApiError as error:
        raise _reject(state, record, f"response type {kind}", error) from None
    record.acknowledged = True
    result = record.result
    result.callback_type = kind
    result.data = data or None
    if message is not None:
        result.message = message
        if kind != DEFERRED_UPDATE:
            result.touch(message)
    if kind in (CHANNEL_MESSAGE, UPDATE_MESSAGE, AUTOCOMPLETE_RESULT, MODAL):
        record.done.set()
    await state.changes.notify()
    if not ctx.flag("with_response"):
        return no_content()
    summary: Json = {"id": record.id, "type": record.type}
    if message is not None:
        summary["response_message_id"] = message.id
        summary["response_message_loading"] = message.loading
        summary["response_message_ephemeral"] = message.ephemeral
    response: Json = {"interaction": summary}
    if message is not None and kind in (CHANNEL_MESSAGE, UPDATE_MESSAGE):
        response["resource"] = {"type": kind, "message": state.render(message)}
    return ok(response)


# -- webhooks: follow-ups and the original response ----------------------------------------------


def _webhook_record(ctx: RequestContext) -> InteractionRecord:
    state = ctx.state
    record = state.interactions.by_token(ctx.params["webhook_token"])
    if ctx.params["webhook_id"] != state.world.application_id or record is None:
        raise unknown("Webhook", 10015)
    if time.monotonic() - record.created > state.token_lifetime:
        # After 15 minutes every request with the token is refused like this
        # (discord/discord-api-docs#6851; code 50027 documented in #2461).
        raise ApiError(401, 50027, "Invalid Webhook Token")
    return record


def _target(ctx: RequestContext, record: InteractionRecord) -> StoredMessage:
    message_id = ctx.params.get("message_id")
    if message_id is None:
        target = record.original
    else:
        candidates = [m for m in [record.original, *record.result.followups] if m is not None]
        target = next((m for m in candidates if m.id == message_id), None)
    if target is None or target.deleted:
        raise unknown("Message", 10008)
    return target


async def post_followup(ctx: RequestContext) -> Reply:
    state = ctx.state
    record = _webhook_record(ctx)
    if not record.acknowledged:
        raise _reject(state, record, "follow-up before any response", unknown("Webhook", 10015))
    body = ctx.body()
    result = record.result
    original = record.original
    if original is not None and original.loading and original.deleted:
        # Undocumented on Discord (discord-wire-protocol.md §2.3), and once answered with
        # 10008 (discord/discord-api-docs#2739): fill the placeholder before deleting it.
        raise _reject(
            state,
            record,
            "follow-up after deleting the deferred placeholder",
            unknown("Message", 10008),
        )
    try:
        if original is not None and original.loading and original.interaction_id == record.id:
            # The first follow-up after a "thinking…" defer replaces the placeholder and keeps
            # its visibility, whatever flags it asks for, as on Discord
            # (discord-wire-protocol.md §2.3); later follow-ups choose their own.
            message = await state.edit_message(original, body, ctx.files, nested=True)
        else:
            message = await state.create_message(
                record.channel,
                state.world.bot,
                body,
                ctx.files,
                message_type=_message_type(record),
                interaction=record,
                kind="followup",
            )
    except ApiError as error:
        raise _reject(state, record, "follow-up", error) from None
    result.followups.append(message)
    result.touch(message)
    record.done.set()
    await state.changes.notify()
    if not ctx.flag("wait"):
        return no_content()
    return ok(state.render(message))


async def get_webhook_message(ctx: RequestContext) -> Reply:
    record = _webhook_record(ctx)
    return ok(ctx.state.render(_target(ctx, record)))


async def edit_webhook_message(ctx: RequestContext) -> Reply:
    state = ctx.state
    record = _webhook_record(ctx)
    target = _target(ctx, record)
    body = ctx.body()
    try:
        await state.edit_message(target, body, ctx.files, nested=True)
    except ApiError as error:
        raise _reject(state, record, "edit", error) from None
    record.result.edits.append(body)
    record.result.touch(target)
    record.done.set()
    await state.changes.notify()
    return ok(state.render(target))


async def delete_webhook_message(ctx: RequestContext) -> Reply:
    state = ctx.state
    record = _webhook_record(ctx)
    target = _target(ctx, record)
    await state.delete_message(target, nested=True)
    record.done.set()
    await state.changes.notify()
    return no_content()


_WEBHOOK = "/webhooks/{webhook_id}/{webhook_token}"


def _interaction_route(method: str, template: str, handler: Handler) -> Route:
    # Authorized by the interaction's token, not the bot's; Discord's global limit skips them.
    return Route(method, template, handler, auth=False, exempt_from_global_limit=True)


ROUTES = [
    _interaction_route(
        "POST", "/interactions/{interaction_id}/{interaction_token}/callback", interaction_callback
    ),
    _interaction_route("POST", _WEBHOOK, post_followup),
    _interaction_route("GET", _WEBHOOK + "/messages/@original", get_webhook_message),
    _interaction_route("PATCH", _WEBHOOK + "/messages/@original", edit_webhook_message),
    _interaction_route("DELETE", _WEBHOOK + "/messages/@original", delete_webhook_message),
    _interaction_route("GET", _WEBHOOK + "/messages/{message_id}", get_webhook_message),
    _interaction_route("PATCH", _WEBHOOK + "/messages/{message_id}", edit_webhook_message),
    _interaction_route("DELETE", _WEBHOOK + "/messages/{message_id}", delete_webhook_message),
]
