"""World specs rendered as Discord JSON, shaped per the OpenAPI spec and discord.py's reads."""

from __future__ import annotations

from typing import Any

from sandbox.ids import iso_timestamp
from sandbox.world import DM_CHANNEL, ChannelSpec, GuildSpec, MemberSpec, RoleSpec, UserSpec, World

Json = dict[str, Any]

# GATEWAY_PRESENCE_LIMITED | GATEWAY_GUILD_MEMBERS_LIMITED | GATEWAY_MESSAGE_CONTENT_LIMITED |
# APPLICATION_COMMAND_BADGE: what a small verified-free bot with its intents toggled on reports.
APPLICATION_FLAGS = (1 << 13) | (1 << 15) | (1 << 19) | (1 << 23)


def user_payload(user: UserSpec) -> Json:
    payload: Json = {
        "id": user.id,
        "username": user.username,
        "discriminator": "0",
        "avatar": user.avatar,
        "global_name": user.global_name,
        "public_flags": 0,
        "flags": 0,
        "banner": None,
        "accent_color": None,
        "avatar_decoration_data": None,
        "collectibles": None,
        "primary_guild": None,
    }
    if user.bot:
        payload["bot"] = True
    return payload


def current_user_payload(user: UserSpec) -> Json:
    """GET /users/@me adds the private fields only the account itself sees."""
    return {
        **user_payload(user),
        "mfa_enabled": False,
        "locale": "en-US",
        "premium_type": 0,
        "email": None,
        "verified": True,
    }


def member_payload(
    member: MemberSpec, *, with_user: bool = True, with_permissions: bool = False
) -> Json:
    payload: Json = {
        "avatar": None,
        "banner": None,
        "communication_disabled_until": None,
        "flags": 0,
        "joined_at": iso_timestamp(member.joined_at),
        "nick": member.nick,
        "pending": False,
        "premium_since": None,
        "roles": [r.id for r in member.roles],
        "mute": False,
        "deaf": False,
    }
    if with_user:
        payload["user"] = user_payload(member.user)
    if with_permissions:
        payload["permissions"] = str(member.permissions)
    return payload


def role_payload(role: RoleSpec) -> Json:
    payload: Json = {
        "id": role.id,
        "name": role.name,
        "description": None,
        "permissions": str(role.permissions),
        "position": role.position,
        "color": role.color,
        "colors": {"primary_color": role.color, "secondary_color": None, "tertiary_color": None},
        "hoist": role.hoist,
        "managed": role.managed,
        "mentionable": role.mentionable,
        "icon": None,
        "unicode_emoji": None,
        "flags": 0,
    }
    if role.bot_id is not None:
        payload["tags"] = {"bot_id": role.bot_id}
    return payload


def channel_payload(channel: ChannelSpec, *, last_message_id: str | None = None) -> Json:
    if channel.type == DM_CHANNEL:
        recipients = [user_payload(channel.recipient)] if channel.recipient else []
        return {
            "id": channel.id,
            "type": DM_CHANNEL,
            "flags": 0,
            "last_message_id": last_message_id,
            "recipients": recipients,
        }
    payload: Json = {
        "id": channel.id,
        "type": channel.type,
        "flags": 0,
        "guild_id": channel.guild_id,
        "name": channel.name,
        "position": channel.position,
        "parent_id": channel.parent_id,
        "permission_overwrites": [],
        "nsfw": channel.nsfw,
        "last_message_id": last_message_id,
    }
    if channel.type == 0:
        payload["topic"] = channel.topic
        payload["rate_limit_per_user"] = 0
    elif channel.type in (2, 13):
        payload["bitrate"] = 64000
        payload["user_limit"] = 0
        payload["rtc_region"] = None
    return payload


def _guild_common(guild: GuildSpec) -> Json:
    system_channel = next((c.id for c in guild.channels if c.type == 0), None)
    return {
        "id": guild.id,
        "name": guild.name,
        "icon": None,
        "description": None,
        "home_header": None,
        "splash": None,
        "discovery_splash": None,
        "features": list(guild.features),
        "banner": None,
        "owner_id": guild.owner_id,
        "application_id": None,
        "region": "deprecated",
        "afk_channel_id": None,
        "afk_timeout": 300,
        "system_channel_id": system_channel,
        "system_channel_flags": 0,
        "widget_enabled": False,
        "widget_channel_id": None,
        "verification_level": 0,
        "roles": [role_payload(r) for r in guild.roles],
        "default_message_notifications": 1,
        "mfa_level": 0,
        "explicit_content_filter": 0,
        "max_presences": None,
        "max_members": 500000,
        "max_stage_video_channel_users": 50,
        "max_video_channel_users": 25,
        "vanity_url_code": None,
        "premium_tier": 0,
        "premium_subscription_count": 0,
        "preferred_locale": guild.preferred_locale,
        "rules_channel_id": None,
        "safety_alerts_channel_id": None,
        "public_updates_channel_id": None,
        "premium_progress_bar_enabled": False,
        "nsfw": False,
        "nsfw_level": 0,
        "emojis": [],
        "stickers": [],
        "incidents_data": None,
    }


def guild_payload(guild: GuildSpec, *, with_counts: bool = False) -> Json:
    payload = _guild_common(guild)
    if with_counts:
        payload["approximate_member_count"] = len(guild.members)
        payload["approximate_presence_count"] = 0
    return payload


def guild_create_payload(
    guild: GuildSpec,
    *,
    members: list[MemberSpec],
    scheduled_events: list[Json],
    last_message_ids: dict[str, str],
) -> Json:
    bot_member = guild.find_member(guild.world.bot.id)
    return {
        **_guild_common(guild),
        "unavailable": False,
        "large": False,
        "lazy": True,
        "joined_at": iso_timestamp(bot_member.joined_at if bot_member else guild.created_at),
        # Discord reports the real size even when it only sends the bot's own member.
        "member_count": len(guild.members),
        "members": [member_payload(m) for m in members],
        "channels": [
            channel_payload(c, last_message_id=last_message_ids.get(c.id)) for c in guild.channels
        ],
        "threads": [],
        "presences": [],
        "voice_states": [],
        "stage_instances": [],
        "guild_scheduled_events": scheduled_events,
        "soundboard_sounds": [],
        "embedded_activities": [],
        "application_command_counts": {},
    }


def application_payload(world: World) -> Json:
    return {
        "id": world.application_id,
        "name": world.bot.username,
        "icon": None,
        "description": "Find the next show, decide together, watch together.",
        "type": None,
        "bot": user_payload(world.bot),
        "bot_public": True,
        "bot_require_code_grant": False,
        "verify_key": "0" * 64,
        "flags": APPLICATION_FLAGS,
        "flags_new": str(APPLICATION_FLAGS),
        "redirect_uris": [],
        # Non-null would make discord.py warn that it will never receive interactions.
        "interactions_endpoint_url": None,
        "role_connections_verification_url": None,
        "owner": user_payload(world.app_owner),
        "approximate_guild_count": len(world.guilds),
        "approximate_user_install_count": 0,
        "approximate_user_authorization_count": 0,
        "explicit_content_filter": 0,
        "team": None,
        "eligible_oauth2_scopes": ["bot", "applications.commands"],
        "install_params": {"scopes": ["bot", "applications.commands"], "permissions": "0"},
        "integration_types_config": {"0": {}},
        "tags": [],
        "summary": "",
        "hook": True,
        "is_monetized": False,
        "is_discoverable": False,
    }
