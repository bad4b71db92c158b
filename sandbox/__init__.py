"""A local stand-in for Discord (REST + gateway on 127.0.0.1) that the unmodified bot talks to.

    world = World.default()                       # "K-Drama Club": mina (admin), jun, sora
    async with Sandbox(world) as sb:              # the bot points itself at sb.api_base_url
        async with start_client(bot, sb):         #   and sb.gateway_url (sandbox.testing)
            club = world.guild("K-Drama Club")
            result = await sb.slash(
                "config timezone", member=club.member("mina"), channel=club.channel("general"),
                options={"zone": "Asia/Seoul"},
            )
            assert result.ephemeral
        print(sb.transcript.render())

Strict like Discord: unknown routes answer 404 (and land in `sb.unknown_routes`), commands that
were never synced raise `UnsyncedCommandError`, message limits answer 400 code 50035, and the
first response to an interaction must come within 3 s. A guild's scheduled events stop at 100
uncompleted (30038; `sb.add_scheduled_events` fills one up) and need Manage or Create Events
(403 50013; `sb.revoke_bot_permissions` takes them away). A thread started from a message needs
Create Public Threads, and a message has at most one (160004); `sb.threads(channel)` lists them.
A server's command permission overrides (Server Settings > Integrations) are
`guild.set_command_permissions(...)`: slash commands obey them, and
GET .../commands/permissions serves them.

Module map: world (specs), command_permissions (overrides), payloads (specs as JSON),
server + routes_* (REST), gateway (websocket), interactions (driving), state (messages'
lifecycle), events (scheduled events), threads, transcript, faults, recording.
"""

from sandbox.core import Sandbox
from sandbox.errors import (
    CommandNotPermittedError,
    InteractionTimeoutError,
    NotConnectedError,
    SandboxError,
    UnsyncedCommandError,
)
from sandbox.events import MAX_UNCOMPLETED_EVENTS
from sandbox.faults import Fault
from sandbox.gateway import (
    DIRECT_MESSAGES,
    GUILD_MEMBERS,
    GUILD_MESSAGES,
    GUILD_SCHEDULED_EVENTS,
    GUILDS,
    MESSAGE_CONTENT,
    GatewaySession,
)
from sandbox.interaction_state import InteractionResult
from sandbox.messages import StoredMessage
from sandbox.permissions import (
    ADD_REACTIONS,
    ADMINISTRATOR,
    ALL_PERMISSIONS,
    ATTACH_FILES,
    BAN_MEMBERS,
    CREATE_EVENTS,
    CREATE_INSTANT_INVITE,
    CREATE_PUBLIC_THREADS,
    DEFAULT_BOT_PERMISSIONS,
    DEFAULT_EVERYONE_PERMISSIONS,
    EMBED_LINKS,
    KICK_MEMBERS,
    MANAGE_CHANNELS,
    MANAGE_EVENTS,
    MANAGE_GUILD,
    MANAGE_MESSAGES,
    MANAGE_ROLES,
    MENTION_EVERYONE,
    READ_MESSAGE_HISTORY,
    SEND_MESSAGES,
    SEND_POLLS,
    USE_APPLICATION_COMMANDS,
    VIEW_CHANNEL,
    Permissions,
)
from sandbox.recording import RecordedFile, RecordedRequest
from sandbox.transcript import Transcript, TranscriptEntry
from sandbox.world import ChannelSpec, GuildSpec, MemberSpec, RoleSpec, UserSpec, World

__all__ = [
    "ADD_REACTIONS",
    "ADMINISTRATOR",
    "ALL_PERMISSIONS",
    "ATTACH_FILES",
    "BAN_MEMBERS",
    "CREATE_EVENTS",
    "CREATE_INSTANT_INVITE",
    "CREATE_PUBLIC_THREADS",
    "DEFAULT_BOT_PERMISSIONS",
    "DEFAULT_EVERYONE_PERMISSIONS",
    "DIRECT_MESSAGES",
    "EMBED_LINKS",
    "GUILDS",
    "GUILD_MEMBERS",
    "GUILD_MESSAGES",
    "GUILD_SCHEDULED_EVENTS",
    "KICK_MEMBERS",
    "MANAGE_CHANNELS",
    "MANAGE_EVENTS",
    "MANAGE_GUILD",
    "MANAGE_MESSAGES",
    "MANAGE_ROLES",
    "MAX_UNCOMPLETED_EVENTS",
    "MENTION_EVERYONE",
    "MESSAGE_CONTENT",
    "READ_MESSAGE_HISTORY",
    "SEND_MESSAGES",
    "SEND_POLLS",
    "USE_APPLICATION_COMMANDS",
    "VIEW_CHANNEL",
    "ChannelSpec",
    "CommandNotPermittedError",
    "Fault",
    "GatewaySession",
    "GuildSpec",
    "InteractionResult",
    "InteractionTimeoutError",
    "MemberSpec",
    "NotConnectedError",
    "Permissions",
    "RecordedFile",
    "RecordedRequest",
    "RoleSpec",
    "Sandbox",
    "SandboxError",
    "StoredMessage",
    "Transcript",
    "TranscriptEntry",
    "UnsyncedCommandError",
    "UserSpec",
    "World",
]
