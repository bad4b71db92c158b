"""Guild routes: the guild, its channels, roles and members, and scheduled events."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sandbox.errors import ApiError, field_error, invalid_form, unknown
from sandbox.events import (
    ACTIVE,
    CANCELED,
    COMPLETED,
    EXTERNAL,
    MAX_UNCOMPLETED_EVENTS,
    SCHEDULED,
    STAGE_INSTANCE,
    VOICE,
    describe,
    new_event,
    uncompleted_count,
)
from sandbox.ids import iso_timestamp
from sandbox.payloads import (
    channel_payload,
    guild_payload,
    member_payload,
    role_payload,
    user_payload,
)
from sandbox.permissions import CREATE_EVENTS, MANAGE_EVENTS
from sandbox.rest import Reply, RequestContext, Route, no_content, ok
from sandbox.state import SandboxState
from sandbox.world import STAGE_CHANNEL, VOICE_CHANNEL, GuildSpec

Json = dict[str, Any]

_ALLOWED_TRANSITIONS = {SCHEDULED: {ACTIVE, CANCELED}, ACTIVE: {COMPLETED}}
_STATUS_VERBS = {ACTIVE: "started", COMPLETED: "ended", CANCELED: "cancelled"}
_EDITABLE = (
    "name",
    "description",
    "scheduled_start_time",
    "scheduled_end_time",
    "entity_type",
    "entity_metadata",
    "channel_id",
    "privacy_level",
    "image",
    "recurrence_rule",
)


def _guild(ctx: RequestContext) -> GuildSpec:
    guild = ctx.state.world.find_guild(ctx.params["guild_id"])
    if guild is None:
        raise unknown("Guild", 10004)
    return guild


async def get_guild(ctx: RequestContext) -> Reply:
    return ok(guild_payload(_guild(ctx), with_counts=ctx.flag("with_counts")))


async def get_channels(ctx: RequestContext) -> Reply:
    guild = _guild(ctx)
    return ok(
        [
            channel_payload(c, last_message_id=ctx.state.messages.last_id(c.id))
            for c in guild.channels
        ]
    )


async def get_roles(ctx: RequestContext) -> Reply:
    return ok([role_payload(r) for r in _guild(ctx).roles])


async def get_member(ctx: RequestContext) -> Reply:
    member = _guild(ctx).find_member(ctx.params["user_id"])
    if member is None:
        raise unknown("Member", 10007)
    return ok(member_payload(member))


async def list_members(ctx: RequestContext) -> Reply:
    guild = _guild(ctx)
    limit = max(1, min(1000, int(ctx.query.get("limit", "1"))))
    after = int(ctx.query.get("after", "0"))
    members = sorted((m for m in guild.members if int(m.id) > after), key=lambda m: int(m.id))
    return ok([member_payload(m) for m in members[:limit]])


# -- scheduled events ------------------------------------------------------------------------


def _parse_time(value: Any, field_name: str) -> datetime:
    try:
        moment = datetime.fromisoformat(str(value))
    except ValueError:
        raise invalid_form(
            {field_name: field_error("DATE_TYPE_PARSE", "Could not parse. Should be ISO8601.")}
        ) from None
    if moment.tzinfo is None:
        raise invalid_form({field_name: field_error("DATE_TYPE_PARSE", "Timezone is required.")})
    return moment


def _validate_event(state: SandboxState, guild: GuildSpec, event: Json, *, creating: bool) -> None:
    errors: Json = {}
    name = str(event.get("name") or "")
    if not 1 <= len(name) <= 100:
        errors["name"] = field_error("BASE_TYPE_BAD_LENGTH", "Must be between 1 and 100 in length.")
    if len(str(event.get("description") or "")) > 1000:
        errors["description"] = field_error(
            "BASE_TYPE_MAX_LENGTH", "Must be 1000 or fewer in length."
        )
    if event.get("privacy_level") != 2:
        errors["privacy_level"] = field_error(
            "ENUM_TYPE_COERCE", "Value is not a valid enum value."
        )
    start = _parse_time(event.get("scheduled_start_time"), "scheduled_start_time")
    if creating and start < state.now():
        errors["scheduled_start_time"] = field_error(
            "GUILD_SCHEDULED_EVENT_SCHEDULE_PAST", "Cannot schedule event in the past."
        )
    end_raw = event.get("scheduled_end_time")
    end = _parse_time(end_raw, "scheduled_end_time") if end_raw else None
    if end is not None and end <= start:
        errors["scheduled_end_time"] = field_error(
            "GUILD_SCHEDULED_EVENT_END_BEFORE_START",
            "Cannot schedule event to end before starting.",
        )
    kind = event.get("entity_type")
    if kind == EXTERNAL:
        location = str((event.get("entity_metadata") or {}).get("location") or "")
        if not 1 <= len(location) <= 100:
            errors["entity_metadata"] = {
                "location": field_error("BASE_TYPE_REQUIRED", "This field is required")
            }
        if end is None:
            errors["scheduled_end_time"] = field_error(
                "BASE_TYPE_REQUIRED", "This field is required"
            )
        if event.get("channel_id") is not None:
            errors["channel_id"] = field_error(
                "GUILD_SCHEDULED_EVENT_CHANNEL_INVALID", "External events cannot have a channel."
            )
    elif kind in (STAGE_INSTANCE, VOICE):
        channel = guild.find_channel(str(event.get("channel_id")))
        wanted = STAGE_CHANNEL if kind == STAGE_INSTANCE else VOICE_CHANNEL
        if channel is None or channel.type != wanted:
            errors["channel_id"] = field_error(
                "GUILD_SCHEDULED_EVENT_CHANNEL_INVALID",
                "Channel is not a valid stage or voice channel.",
            )
    else:
        errors["entity_type"] = field_error("ENUM_TYPE_COERCE", "Value is not a valid enum value.")
    if errors:
        raise invalid_form(errors)


def _events(state: SandboxState, guild: GuildSpec) -> list[Json]:
    return state.scheduled_events.setdefault(guild.id, [])


def _find_event(ctx: RequestContext, guild: GuildSpec) -> Json:
    event_id = ctx.params["guild_scheduled_event_id"]
    event = next((e for e in _events(ctx.state, guild) if e["id"] == event_id), None)
    if event is None:
        raise unknown("Guild Scheduled Event", 10070)
    return event


def _with_count(state: SandboxState, event: Json, include: bool) -> Json:
    copy = dict(event)
    if include:
        copy["user_count"] = len(state.event_subscribers.get(event["id"], []))
    return copy


def _require_event_permission(guild: GuildSpec, event: Json | None = None) -> None:
    """Create needs CREATE_EVENTS or MANAGE_EVENTS. Editing or deleting needs MANAGE_EVENTS, or
    CREATE_EVENTS for an event the bot created itself."""
    have = guild.bot_member.permissions
    if have & MANAGE_EVENTS:
        return
    own = event is None or event.get("creator_id") == guild.world.bot.id
    if not (own and have & CREATE_EVENTS):
        raise ApiError(403, 50013, "Missing Permissions")


def _cap_error() -> ApiError:
    return ApiError(
        400,
        30038,
        f"Maximum number of uncompleted guild scheduled events reached ({MAX_UNCOMPLETED_EVENTS})",
    )


def _note_failure(state: SandboxState, guild: GuildSpec, what: str, error: ApiError) -> None:
    """A refused event call, readable in the transcript like a DM that could not be delivered."""
    reason = error.message
    if error.errors:
        reason += f" ({', '.join(error.errors)})"
    state.note("failed", state.world.bot.username, f"{what}: {reason}", where=guild.name)


def _event_label(ctx: RequestContext, guild: GuildSpec) -> str:
    event_id = ctx.params["guild_scheduled_event_id"]
    event = next((e for e in _events(ctx.state, guild) if e["id"] == event_id), None)
    return f'event "{event["name"]}"' if event is not None else f"event {event_id}"


async def create_event(ctx: RequestContext) -> Reply:
    state = ctx.state
    guild = _guild(ctx)
    body = ctx.body()
    try:
        _require_event_permission(guild)
        _validate_event(state, guild, body, creating=True)
        if uncompleted_count(_events(state, guild)) >= MAX_UNCOMPLETED_EVENTS:
            raise _cap_error()
    except ApiError as error:
        name = str(body.get("name") or "")
        _note_failure(state, guild, f'event "{name}" not scheduled', error)
        raise
    end = body.get("scheduled_end_time")
    kind = body["entity_type"]
    channel_id = body.get("channel_id")
    event = new_event(
        event_id=state.world.ids.next(),
        guild_id=guild.id,
        creator=state.world.bot,
        name=body["name"],
        description=body.get("description"),
        channel_id=str(channel_id) if channel_id is not None else None,
        start=_parse_time(body["scheduled_start_time"], "scheduled_start_time"),
        end=_parse_time(end, "scheduled_end_time") if end else None,
        entity_type=kind,
        location=(body.get("entity_metadata") or {}).get("location") if kind == EXTERNAL else None,
        privacy_level=body["privacy_level"],
        recurrence_rule=body.get("recurrence_rule"),
    )
    _events(state, guild).append(event)
    state.note("event", state.world.bot.username, f"scheduled {describe(event)}", where=guild.name)
    await state.gateway.dispatch("GUILD_SCHEDULED_EVENT_CREATE", dict(event))
    await state.changes.notify()
    return ok(_with_count(state, event, False))


async def list_events(ctx: RequestContext) -> Reply:
    guild = _guild(ctx)
    include = ctx.flag("with_user_count")
    return ok([_with_count(ctx.state, e, include) for e in _events(ctx.state, guild)])


async def get_event(ctx: RequestContext) -> Reply:
    guild = _guild(ctx)
    return ok(_with_count(ctx.state, _find_event(ctx, guild), ctx.flag("with_user_count")))


def _permitted_event(ctx: RequestContext, guild: GuildSpec, outcome: str) -> Json:
    """The event the route acts on, once the bot may edit or delete it."""
    try:
        _require_event_permission(guild)  # neither permission: refused before the lookup
        event = _find_event(ctx, guild)
        _require_event_permission(guild, event)
    except ApiError as error:
        _note_failure(ctx.state, guild, f"{_event_label(ctx, guild)} {outcome}", error)
        raise
    return event


async def edit_event(ctx: RequestContext) -> Reply:
    guild = _guild(ctx)
    event = _permitted_event(ctx, guild, "not updated")
    try:
        return await _edit_event(ctx, guild, event)
    except ApiError as error:
        _note_failure(ctx.state, guild, f"{_event_label(ctx, guild)} not updated", error)
        raise


async def _edit_event(ctx: RequestContext, guild: GuildSpec, event: Json) -> Reply:
    state = ctx.state
    body = ctx.body()
    updated = {**event, **{k: body[k] for k in _EDITABLE if k in body}}
    if "status" in body and body["status"] != event["status"]:
        if body["status"] not in _ALLOWED_TRANSITIONS.get(event["status"], set()):
            raise invalid_form(
                {
                    "status": field_error(
                        "GUILD_SCHEDULED_EVENT_INVALID_STATUS_TRANSITION",
                        "Invalid status transition.",
                    )
                }
            )
        updated["status"] = body["status"]
    _validate_event(state, guild, updated, creating=False)
    for key in ("scheduled_start_time", "scheduled_end_time"):
        if updated.get(key):
            updated[key] = iso_timestamp(_parse_time(updated[key], key))
    if updated["entity_type"] != EXTERNAL:
        updated["entity_metadata"] = None
    if updated.get("channel_id") is not None:
        updated["channel_id"] = str(updated["channel_id"])
    event.clear()
    event.update(updated)
    verb = _STATUS_VERBS.get(event["status"], "updated") if "status" in body else "updated"
    state.note("event", state.world.bot.username, f"{verb} {describe(event)}", where=guild.name)
    await state.gateway.dispatch("GUILD_SCHEDULED_EVENT_UPDATE", dict(event))
    return ok(_with_count(state, event, False))


async def delete_event(ctx: RequestContext) -> Reply:
    state = ctx.state
    guild = _guild(ctx)
    event = _permitted_event(ctx, guild, "not deleted")
    _events(state, guild).remove(event)
    state.note("event", state.world.bot.username, f"deleted {describe(event)}", where=guild.name)
    await state.gateway.dispatch("GUILD_SCHEDULED_EVENT_DELETE", dict(event))
    return no_content()


async def list_event_users(ctx: RequestContext) -> Reply:
    guild = _guild(ctx)
    event = _find_event(ctx, guild)
    limit = max(1, min(100, int(ctx.query.get("limit", "100"))))
    with_member = ctx.flag("with_member")
    out = []
    for user_id in ctx.state.event_subscribers.get(event["id"], [])[:limit]:
        user = ctx.state.user(user_id)
        if user is None:
            continue
        entry: Json = {
            "guild_scheduled_event_id": event["id"],
            "user_id": user.id,
            "user": user_payload(user),
            "response": 1,
        }
        member = guild.find_member(user_id)
        if with_member and member is not None:
            entry["member"] = member_payload(member)
        out.append(entry)
    return ok(out)


_EVENT = "/guilds/{guild_id}/scheduled-events/{guild_scheduled_event_id}"

ROUTES = [
    Route("GET", "/guilds/{guild_id}", get_guild),
    Route("GET", "/guilds/{guild_id}/channels", get_channels),
    Route("GET", "/guilds/{guild_id}/roles", get_roles),
    Route("GET", "/guilds/{guild_id}/members", list_members),
    Route("GET", "/guilds/{guild_id}/members/{user_id}", get_member),
    Route("POST", "/guilds/{guild_id}/scheduled-events", create_event),
    Route("GET", "/guilds/{guild_id}/scheduled-events", list_events),
    Route("GET", _EVENT, get_event),
    Route("PATCH", _EVENT, edit_event),
    Route("DELETE", _EVENT, delete_event),
    Route("GET", _EVENT + "/users", list_event_users),
]
