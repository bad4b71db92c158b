"""Discord permission bits and the guild-level permission computation."""

from __future__ import annotations

from collections.abc import Iterable
from enum import IntFlag


class Permissions(IntFlag):
    CREATE_INSTANT_INVITE = 1 << 0
    KICK_MEMBERS = 1 << 1
    BAN_MEMBERS = 1 << 2
    ADMINISTRATOR = 1 << 3
    MANAGE_CHANNELS = 1 << 4
    MANAGE_GUILD = 1 << 5
    ADD_REACTIONS = 1 << 6
    VIEW_AUDIT_LOG = 1 << 7
    PRIORITY_SPEAKER = 1 << 8
    STREAM = 1 << 9
    VIEW_CHANNEL = 1 << 10
    SEND_MESSAGES = 1 << 11
    SEND_TTS_MESSAGES = 1 << 12
    MANAGE_MESSAGES = 1 << 13
    EMBED_LINKS = 1 << 14
    ATTACH_FILES = 1 << 15
    READ_MESSAGE_HISTORY = 1 << 16
    MENTION_EVERYONE = 1 << 17
    USE_EXTERNAL_EMOJIS = 1 << 18
    VIEW_GUILD_INSIGHTS = 1 << 19
    CONNECT = 1 << 20
    SPEAK = 1 << 21
    MUTE_MEMBERS = 1 << 22
    DEAFEN_MEMBERS = 1 << 23
    MOVE_MEMBERS = 1 << 24
    USE_VAD = 1 << 25
    CHANGE_NICKNAME = 1 << 26
    MANAGE_NICKNAMES = 1 << 27
    MANAGE_ROLES = 1 << 28
    MANAGE_WEBHOOKS = 1 << 29
    MANAGE_GUILD_EXPRESSIONS = 1 << 30
    USE_APPLICATION_COMMANDS = 1 << 31
    REQUEST_TO_SPEAK = 1 << 32
    MANAGE_EVENTS = 1 << 33
    MANAGE_THREADS = 1 << 34
    CREATE_PUBLIC_THREADS = 1 << 35
    CREATE_PRIVATE_THREADS = 1 << 36
    USE_EXTERNAL_STICKERS = 1 << 37
    SEND_MESSAGES_IN_THREADS = 1 << 38
    USE_EMBEDDED_ACTIVITIES = 1 << 39
    MODERATE_MEMBERS = 1 << 40
    VIEW_CREATOR_MONETIZATION_ANALYTICS = 1 << 41
    USE_SOUNDBOARD = 1 << 42
    CREATE_GUILD_EXPRESSIONS = 1 << 43
    CREATE_EVENTS = 1 << 44
    USE_EXTERNAL_SOUNDS = 1 << 45
    SEND_VOICE_MESSAGES = 1 << 46
    SET_VOICE_CHANNEL_STATUS = 1 << 48
    SEND_POLLS = 1 << 49
    USE_EXTERNAL_APPS = 1 << 50
    PIN_MESSAGES = 1 << 51
    BYPASS_SLOWMODE = 1 << 52


ALL_PERMISSIONS = 0
for _flag in Permissions:
    ALL_PERMISSIONS |= _flag.value
del _flag

CREATE_INSTANT_INVITE = Permissions.CREATE_INSTANT_INVITE
KICK_MEMBERS = Permissions.KICK_MEMBERS
BAN_MEMBERS = Permissions.BAN_MEMBERS
ADMINISTRATOR = Permissions.ADMINISTRATOR
MANAGE_CHANNELS = Permissions.MANAGE_CHANNELS
MANAGE_GUILD = Permissions.MANAGE_GUILD
ADD_REACTIONS = Permissions.ADD_REACTIONS
VIEW_CHANNEL = Permissions.VIEW_CHANNEL
SEND_MESSAGES = Permissions.SEND_MESSAGES
MANAGE_MESSAGES = Permissions.MANAGE_MESSAGES
EMBED_LINKS = Permissions.EMBED_LINKS
ATTACH_FILES = Permissions.ATTACH_FILES
READ_MESSAGE_HISTORY = Permissions.READ_MESSAGE_HISTORY
MENTION_EVERYONE = Permissions.MENTION_EVERYONE
MANAGE_ROLES = Permissions.MANAGE_ROLES
USE_APPLICATION_COMMANDS = Permissions.USE_APPLICATION_COMMANDS
MANAGE_EVENTS = Permissions.MANAGE_EVENTS
CREATE_EVENTS = Permissions.CREATE_EVENTS
CREATE_PUBLIC_THREADS = Permissions.CREATE_PUBLIC_THREADS
SEND_POLLS = Permissions.SEND_POLLS

# What a freshly created Discord server grants @everyone (Discord's documented default),
# including MENTION_EVERYONE, so a bot that forgets allowed_mentions really can ping everyone here.
DEFAULT_EVERYONE_PERMISSIONS = (
    CREATE_INSTANT_INVITE
    | ADD_REACTIONS
    | Permissions.STREAM
    | VIEW_CHANNEL
    | SEND_MESSAGES
    | EMBED_LINKS
    | ATTACH_FILES
    | READ_MESSAGE_HISTORY
    | MENTION_EVERYONE
    | Permissions.USE_EXTERNAL_EMOJIS
    | Permissions.CONNECT
    | Permissions.SPEAK
    | Permissions.USE_VAD
    | Permissions.CHANGE_NICKNAME
    | USE_APPLICATION_COMMANDS
    | Permissions.REQUEST_TO_SPEAK
    | CREATE_EVENTS
    | Permissions.CREATE_PUBLIC_THREADS
    | Permissions.CREATE_PRIVATE_THREADS
    | Permissions.USE_EXTERNAL_STICKERS
    | Permissions.SEND_MESSAGES_IN_THREADS
    | Permissions.USE_EMBEDDED_ACTIVITIES
    | Permissions.USE_SOUNDBOARD
    | Permissions.USE_EXTERNAL_SOUNDS
    | Permissions.SEND_VOICE_MESSAGES
    | SEND_POLLS
    | Permissions.USE_EXTERNAL_APPS
)

# What a typical invite link for this kind of bot asks for; it lands on the bot's managed role.
DEFAULT_BOT_PERMISSIONS = (
    VIEW_CHANNEL
    | SEND_MESSAGES
    | EMBED_LINKS
    | ATTACH_FILES
    | READ_MESSAGE_HISTORY
    | ADD_REACTIONS
    | MANAGE_EVENTS
    | CREATE_EVENTS
    | SEND_POLLS
    | Permissions.SEND_MESSAGES_IN_THREADS
    | Permissions.CREATE_PUBLIC_THREADS
    | Permissions.USE_EXTERNAL_EMOJIS
)


def compute_permissions(role_permissions: Iterable[int], *, is_owner: bool) -> int:
    """Guild-level permissions as Discord computes them (channel overwrites are not modelled)."""
    if is_owner:
        return ALL_PERMISSIONS
    total = 0
    for bits in role_permissions:
        total |= int(bits)
    if total & ADMINISTRATOR:
        return ALL_PERMISSIONS
    return total
