"""Login and setup routes: the bot user, the application, gateway discovery, command sync."""

from __future__ import annotations

from sandbox.command_permissions import permissions_payload
from sandbox.errors import ApiError, unknown
from sandbox.payloads import application_payload, current_user_payload, user_payload
from sandbox.rest import Json, Reply, RequestContext, Route, ok


async def get_current_user(ctx: RequestContext) -> Reply:
    return ok(current_user_payload(ctx.state.world.bot))


async def get_user(ctx: RequestContext) -> Reply:
    user = ctx.state.user(ctx.params["user_id"])
    if user is None:
        raise unknown("User", 10013)
    return ok(user_payload(user))


async def get_application(ctx: RequestContext) -> Reply:
    return ok(application_payload(ctx.state.world))


async def get_gateway(ctx: RequestContext) -> Reply:
    return ok({"url": ctx.state.gateway.url})


async def get_gateway_bot(ctx: RequestContext) -> Reply:
    return ok(
        {
            "url": ctx.state.gateway.url,
            "shards": 1,
            "session_start_limit": {
                "total": 1000,
                "remaining": 1000 - ctx.state.gateway.identify_count,
                "reset_after": 86_400_000,
                "max_concurrency": 1,
            },
        }
    )


def _check_application(ctx: RequestContext) -> None:
    if ctx.params["application_id"] != ctx.state.world.application_id:
        raise ApiError(403, 50001, "Missing Access")


def _guild_scope(ctx: RequestContext) -> str | None:
    guild_id = ctx.params.get("guild_id")
    if guild_id is not None and ctx.state.world.find_guild(guild_id) is None:
        raise ApiError(403, 50001, "Missing Access")
    return guild_id


async def put_commands(ctx: RequestContext) -> Reply:
    _check_application(ctx)
    guild_id = _guild_scope(ctx)
    stored = ctx.state.commands.put(guild_id, ctx.json)
    scope = "globally" if guild_id is None else f"in {ctx.state.world.guild(guild_id).name}"
    names = ", ".join("/" + c["name"] for c in stored) or "nothing"
    ctx.state.note("gateway", ctx.state.world.bot.username, f"synced {names} {scope}")
    await ctx.state.changes.notify()
    return ok(stored)


async def get_commands(ctx: RequestContext) -> Reply:
    _check_application(ctx)
    return ok(ctx.state.commands.in_scope(_guild_scope(ctx)))


async def get_command(ctx: RequestContext) -> Reply:
    _check_application(ctx)
    command = ctx.state.commands.get(_guild_scope(ctx), ctx.params["command_id"])
    if command is None:
        raise unknown("application command", 10063)
    return ok(command)


def _command_permissions(ctx: RequestContext, guild_id: str) -> dict[str, Json]:
    """The guild's overrides as Discord answers them, by command id (the app level under the
    application's id). Rules for a command the bot never synced are not shown: Discord has
    no command to hang them on."""
    state = ctx.state
    guild = state.world.guild(guild_id)
    app_id = state.world.application_id
    entries: dict[str, Json] = {}
    for name, rules in guild.command_permissions.items():
        if not rules:
            continue
        if name is None:
            target = app_id
        else:
            command = state.commands.find(name, guild_id)
            if command is None:
                continue
            target = command["id"]
        entries[target] = permissions_payload(target, app_id, guild_id, rules)
    return entries


async def get_guild_command_permissions(ctx: RequestContext) -> Reply:
    _check_application(ctx)
    guild_id = _guild_scope(ctx)
    assert guild_id is not None  # the route names a guild
    return ok(list(_command_permissions(ctx, guild_id).values()))


async def get_command_permissions(ctx: RequestContext) -> Reply:
    _check_application(ctx)
    guild_id = _guild_scope(ctx)
    assert guild_id is not None  # the route names a guild
    command_id = ctx.params["command_id"]
    known = command_id == ctx.state.world.application_id or any(
        c["id"] == command_id
        for scope in (guild_id, None)
        for c in ctx.state.commands.in_scope(scope)
    )
    if not known:
        raise unknown("application command", 10063)
    entry = _command_permissions(ctx, guild_id).get(command_id)
    if entry is None:
        raise unknown("application command permissions", 10066)
    return ok(entry)


ROUTES = [
    Route("GET", "/users/@me", get_current_user),
    Route("GET", "/users/{user_id}", get_user),
    Route("GET", "/oauth2/applications/@me", get_application),
    Route("GET", "/gateway", get_gateway, auth=False),
    Route("GET", "/gateway/bot", get_gateway_bot),
    Route("PUT", "/applications/{application_id}/commands", put_commands),
    Route("GET", "/applications/{application_id}/commands", get_commands),
    Route("GET", "/applications/{application_id}/commands/{command_id}", get_command),
    Route("PUT", "/applications/{application_id}/guilds/{guild_id}/commands", put_commands),
    Route("GET", "/applications/{application_id}/guilds/{guild_id}/commands", get_commands),
    # Before .../commands/{command_id}, which would take "permissions" for a command id.
    Route(
        "GET",
        "/applications/{application_id}/guilds/{guild_id}/commands/permissions",
        get_guild_command_permissions,
    ),
    Route(
        "GET", "/applications/{application_id}/guilds/{guild_id}/commands/{command_id}", get_command
    ),
    Route(
        "GET",
        "/applications/{application_id}/guilds/{guild_id}/commands/{command_id}/permissions",
        get_command_permissions,
    ),
]
