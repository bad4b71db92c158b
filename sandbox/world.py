"""The people and places the sandbox pretends exist: users, guilds, roles, channels, members.

Specs are plain mutable dataclasses with string snowflake ids. They describe the world; the
server turns them into Discord payloads (see payloads.py) and never keeps a second copy.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Generic, TypeVar

from sandbox.command_permissions import (
    CHANNEL,
    MAX_RULES,
    ROLE,
    USER,
    CommandPermissionRule,
    all_channels_id,
)
from sandbox.ids import Snowflakes
from sandbox.permissions import (
    DEFAULT_BOT_PERMISSIONS,
    DEFAULT_EVERYONE_PERMISSIONS,
    MANAGE_GUILD,
    compute_permissions,
)

TEXT_CHANNEL = 0
DM_CHANNEL = 1
VOICE_CHANNEL = 2
CATEGORY_CHANNEL = 4
STAGE_CHANNEL = 13

_Item = TypeVar("_Item")


class _ById(Generic[_Item]):
    """A dict by id over one of the world's public lists, for O(1) lookups in a world of
    thousands of members. The list stays the truth and keeps its order; on duplicate ids the
    first wins, as the scans it replaces did. The add methods keep the dict current; a list
    changed directly (a test removing a channel) has a length the dict has not seen, and the
    next lookup rebuilds it. (A removal and an append both made directly, leaving the length
    unchanged, would go unnoticed: use the add methods.)"""

    def __init__(self, items: list[_Item], key: Callable[[_Item], str]) -> None:
        self._items = items
        self._key = key
        self._by_id: dict[str, _Item] = {}
        self._indexed = -1  # len(items) when _by_id was last right; -1: rebuild

    def added(self, item: _Item) -> None:
        """Call right after appending `item` to the list."""
        if self._indexed == len(self._items) - 1:
            self._by_id.setdefault(self._key(item), item)
            self._indexed += 1
        else:
            self._indexed = -1

    def get(self, item_id: str) -> _Item | None:
        return self.mapping().get(item_id)

    def mapping(self) -> Mapping[str, _Item]:
        if self._indexed != len(self._items):
            self._by_id = {}
            for item in self._items:
                self._by_id.setdefault(self._key(item), item)
            self._indexed = len(self._items)
        return self._by_id


@dataclass(eq=False)
class UserSpec:
    id: str
    username: str
    global_name: str | None = None
    bot: bool = False
    avatar: str | None = None

    @property
    def mention(self) -> str:
        return f"<@{self.id}>"

    @property
    def display_name(self) -> str:
        return self.global_name or self.username


@dataclass(eq=False)
class RoleSpec:
    id: str
    guild_id: str
    name: str
    permissions: int = 0
    position: int = 0
    color: int = 0
    hoist: bool = False
    mentionable: bool = False
    managed: bool = False
    bot_id: str | None = None

    @property
    def is_everyone(self) -> bool:
        return self.id == self.guild_id

    @property
    def mention(self) -> str:
        return "@everyone" if self.is_everyone else f"<@&{self.id}>"


@dataclass(eq=False)
class ChannelSpec:
    id: str
    name: str
    type: int = TEXT_CHANNEL
    guild_id: str | None = None
    position: int = 0
    topic: str | None = None
    parent_id: str | None = None
    nsfw: bool = False
    recipient: UserSpec | None = None

    @property
    def mention(self) -> str:
        return f"<#{self.id}>"

    @property
    def is_dm(self) -> bool:
        return self.type == DM_CHANNEL


@dataclass(eq=False)
class MemberSpec:
    user: UserSpec
    guild: GuildSpec = field(repr=False)
    roles: list[RoleSpec] = field(default_factory=list)
    nick: str | None = None
    joined_at: datetime = field(default_factory=lambda: datetime.now(UTC))

    @property
    def id(self) -> str:
        return self.user.id

    @property
    def username(self) -> str:
        return self.user.username

    @property
    def display_name(self) -> str:
        return self.nick or self.user.display_name

    @property
    def mention(self) -> str:
        return self.user.mention

    @property
    def guild_id(self) -> str:
        return self.guild.id

    @property
    def is_owner(self) -> bool:
        return self.guild.owner_id == self.user.id

    @property
    def permissions(self) -> int:
        """Guild permissions: @everyone plus every role; owner and ADMINISTRATOR get everything."""
        bits = [self.guild.everyone_role.permissions, *(r.permissions for r in self.roles)]
        return compute_permissions(bits, is_owner=self.is_owner)


class GuildSpec:
    def __init__(
        self,
        world: World,
        name: str,
        *,
        everyone_permissions: int = DEFAULT_EVERYONE_PERMISSIONS,
        locale: str = "en-US",
    ) -> None:
        self.world = world
        self.id = world.ids.next()
        self.name = name
        self.preferred_locale = locale
        self.features: list[str] = []
        # Server Settings > Integrations: overrides per command name; None is the app level.
        self.command_permissions: dict[str | None, list[CommandPermissionRule]] = {}
        self.created_at = datetime.now(UTC)
        self.roles: list[RoleSpec] = [
            RoleSpec(
                id=self.id,
                guild_id=self.id,
                name="@everyone",
                permissions=int(everyone_permissions),
            )
        ]
        self.channels: list[ChannelSpec] = []
        self.members: list[MemberSpec] = []
        self._roles_by_id = _ById(self.roles, lambda r: r.id)
        self._channels_by_id = _ById(self.channels, lambda c: c.id)
        self._members_by_id = _ById(self.members, lambda m: m.id)
        # Every guild has an owner; until a test names one, it is someone outside the member list,
        # so nobody the test drives gets owner powers by accident.
        self._implicit_owner = world.add_user(
            f"owner-of-{self.id[-4:]}", global_name="Server Owner"
        )
        self.owner_id: str = self._implicit_owner.id

    def __repr__(self) -> str:
        return f"GuildSpec(id={self.id!r}, name={self.name!r})"

    @property
    def everyone_role(self) -> RoleSpec:
        return self.roles[0]

    @property
    def bot_member(self) -> MemberSpec:
        return self.member(self.world.bot.id)

    def add_role(
        self,
        name: str,
        *,
        permissions: int = 0,
        mentionable: bool = False,
        color: int = 0,
        hoist: bool = False,
    ) -> RoleSpec:
        role = RoleSpec(
            id=self.world.ids.next(),
            guild_id=self.id,
            name=name,
            permissions=int(permissions),
            position=len(self.roles),
            color=color,
            hoist=hoist,
            mentionable=mentionable,
        )
        self.roles.append(role)
        self._roles_by_id.added(role)
        return role

    def _add_channel(
        self, name: str, kind: int, topic: str | None, parent: ChannelSpec | None
    ) -> ChannelSpec:
        channel = ChannelSpec(
            id=self.world.ids.next(),
            name=name,
            type=kind,
            guild_id=self.id,
            position=sum(1 for c in self.channels if c.type == kind),
            topic=topic,
            parent_id=parent.id if parent else None,
        )
        self.channels.append(channel)
        self._channels_by_id.added(channel)
        self.world._channel_added(self, channel)
        return channel

    def add_text_channel(
        self, name: str, *, topic: str | None = None, category: ChannelSpec | None = None
    ) -> ChannelSpec:
        return self._add_channel(name, TEXT_CHANNEL, topic, category)

    def add_voice_channel(self, name: str, *, category: ChannelSpec | None = None) -> ChannelSpec:
        return self._add_channel(name, VOICE_CHANNEL, None, category)

    def add_stage_channel(self, name: str, *, category: ChannelSpec | None = None) -> ChannelSpec:
        return self._add_channel(name, STAGE_CHANNEL, None, category)

    def add_category(self, name: str) -> ChannelSpec:
        return self._add_channel(name, CATEGORY_CHANNEL, None, None)

    def add_member(
        self,
        username: str,
        *,
        roles: Iterable[RoleSpec] = (),
        permissions: int = 0,
        owner: bool = False,
        nick: str | None = None,
        global_name: str | None = None,
        user: UserSpec | None = None,
    ) -> MemberSpec:
        """Add a member. `permissions` is granted through a role of its own, like a server admin
        would do, so the cache (GUILD_CREATE roles) and the interaction payload agree."""
        if user is None:
            user = self.world.add_user(username, global_name=global_name)
        member_roles = list(roles)
        for role in member_roles:
            if role.guild_id != self.id:
                raise ValueError(f"role {role.name!r} belongs to another guild")
        if permissions:
            member_roles.append(
                self.add_role(f"{user.username} permissions", permissions=permissions)
            )
        member = MemberSpec(user=user, guild=self, roles=member_roles, nick=nick)
        self.members.append(member)
        self._members_by_id.added(member)
        if owner:
            self.owner_id = user.id
        return member

    def revoke_bot_permissions(self, permissions: int) -> list[RoleSpec]:
        """Take `permissions` away from the bot in this guild, as a server admin would: off every
        role the bot holds, @everyone included (guild permissions are the union of the roles, so
        a bit that @everyone grants cannot be withheld otherwise; members lose it too). Returns the
        roles that changed. Raises ValueError when the bot would keep them anyway, as the guild's
        owner or through ADMINISTRATOR."""
        bits = int(permissions)
        bot = self.bot_member
        held = [self.everyone_role, *bot.roles]
        after = compute_permissions([r.permissions & ~bits for r in held], is_owner=bot.is_owner)
        if after & bits:
            raise ValueError(f"the bot is owner or administrator in {self.name!r}: it keeps them")
        changed = [r for r in held if r.permissions & bits]
        for role in changed:
            role.permissions &= ~bits
        return changed

    def override_command_permissions(self, command_name: str) -> None:
        """Let every member use `command_name` whatever its default_member_permissions, as a
        server admin can in Server Settings > Integrations (an @everyone allow on the command)."""
        kept = [r for r in self.command_permissions.get(command_name, []) if r.id != self.id]
        self.command_permissions[command_name] = [*kept, CommandPermissionRule(self.id, ROLE, True)]

    def set_command_permissions(
        self,
        command_name: str | None,
        *,
        roles: Mapping[RoleSpec, bool] | None = None,
        members: Mapping[MemberSpec, bool] | None = None,
        channels: Mapping[ChannelSpec, bool] | None = None,
        everyone: bool | None = None,
        all_channels: bool | None = None,
    ) -> list[CommandPermissionRule]:
        """Replace the overrides of `/command_name` (None: of the whole app), as a server admin
        does in Server Settings > Integrations. `everyone` is the @everyone row, `all_channels`
        the "All Channels" row. Nothing given clears them. Returns the rules as stored."""
        rules: list[CommandPermissionRule] = []
        for role, allowed in (roles or {}).items():
            if role.guild_id != self.id:
                raise ValueError(f"role {role.name!r} belongs to another guild")
            rules.append(CommandPermissionRule(role.id, ROLE, allowed))
        for member, allowed in (members or {}).items():
            if member.guild is not self:
                raise ValueError(f"{member.username} is not a member of {self.name!r}")
            rules.append(CommandPermissionRule(member.id, USER, allowed))
        for channel, allowed in (channels or {}).items():
            if channel.guild_id != self.id:
                raise ValueError(f"#{channel.name} is in another guild")
            rules.append(CommandPermissionRule(channel.id, CHANNEL, allowed))
        if everyone is not None:
            rules.append(CommandPermissionRule(self.id, ROLE, everyone))
        if all_channels is not None:
            rules.append(CommandPermissionRule(all_channels_id(self.id), CHANNEL, all_channels))
        if len(rules) > MAX_RULES:
            raise ValueError(f"Discord keeps at most {MAX_RULES} overrides per command")
        if rules:
            self.command_permissions[command_name] = rules
        else:
            self.command_permissions.pop(command_name, None)
        return list(rules)

    def member(self, name_or_id: str) -> MemberSpec:
        for m in self.members:
            if name_or_id in (m.id, m.username):
                return m
        names = ", ".join(m.username for m in self.members)
        raise KeyError(f"no member {name_or_id!r} in {self.name!r} (members: {names})")

    def channel(self, name_or_id: str) -> ChannelSpec:
        wanted = name_or_id.removeprefix("#")
        for c in self.channels:
            if wanted in (c.id, c.name):
                return c
        names = ", ".join(c.name for c in self.channels)
        raise KeyError(f"no channel {name_or_id!r} in {self.name!r} (channels: {names})")

    def role(self, name_or_id: str) -> RoleSpec:
        for r in self.roles:
            if name_or_id in (r.id, r.name):
                return r
        names = ", ".join(r.name for r in self.roles)
        raise KeyError(f"no role {name_or_id!r} in {self.name!r} (roles: {names})")

    def find_member(self, user_id: str) -> MemberSpec | None:
        return self._members_by_id.get(user_id)

    def find_channel(self, channel_id: str) -> ChannelSpec | None:
        return self._channels_by_id.get(channel_id)

    def find_role(self, role_id: str) -> RoleSpec | None:
        return self._roles_by_id.get(role_id)


class World:
    """Everything the sandbox serves. The bot user and the application share one id."""

    def __init__(
        self, *, bot_name: str = "watchclub", clock: Callable[[], float] = time.time
    ) -> None:
        self.clock = clock
        self.ids = Snowflakes(clock)
        self.users: list[UserSpec] = []
        self.guilds: list[GuildSpec] = []
        self._users_by_id = _ById(self.users, lambda u: u.id)
        self._guilds_by_id = _ById(self.guilds, lambda g: g.id)
        # Which guild holds each channel, so find_channel asks one guild instead of all of them.
        self._guild_of_channel: dict[str, GuildSpec] = {}
        self.bot = self.add_user(bot_name, bot=True)
        self.application_id = self.bot.id
        self.app_owner = self.add_user(f"{bot_name}-dev", global_name="App Developer")

    def add_user(
        self, username: str, *, global_name: str | None = None, bot: bool = False
    ) -> UserSpec:
        user = UserSpec(id=self.ids.next(), username=username, global_name=global_name, bot=bot)
        self.users.append(user)
        self._users_by_id.added(user)
        return user

    def add_guild(
        self,
        name: str,
        *,
        bot_permissions: int = DEFAULT_BOT_PERMISSIONS,
        everyone_permissions: int = DEFAULT_EVERYONE_PERMISSIONS,
        locale: str = "en-US",
    ) -> GuildSpec:
        guild = GuildSpec(self, name, everyone_permissions=everyone_permissions, locale=locale)
        # Installing a bot creates its managed role carrying the invite's permissions.
        bot_role = guild.add_role(self.bot.username, permissions=bot_permissions)
        bot_role.managed = True
        bot_role.bot_id = self.bot.id
        guild.add_member(self.bot.username, user=self.bot, roles=[bot_role])
        self.guilds.append(guild)
        self._guilds_by_id.added(guild)
        return guild

    def guild(self, name_or_id: str) -> GuildSpec:
        for g in self.guilds:
            if name_or_id in (g.id, g.name):
                return g
        names = ", ".join(g.name for g in self.guilds)
        raise KeyError(f"no guild {name_or_id!r} (guilds: {names})")

    def user(self, name_or_id: str) -> UserSpec:
        for u in self.users:
            if name_or_id in (u.id, u.username):
                return u
        raise KeyError(f"no user {name_or_id!r}")

    @property
    def users_by_id(self) -> Mapping[str, UserSpec]:
        """Every user by id, read-only (for payloads that resolve many ids at once)."""
        return self._users_by_id.mapping()

    def find_user(self, user_id: str) -> UserSpec | None:
        return self._users_by_id.get(user_id)

    def find_guild(self, guild_id: str) -> GuildSpec | None:
        return self._guilds_by_id.get(guild_id)

    def _channel_added(self, guild: GuildSpec, channel: ChannelSpec) -> None:
        """Called by GuildSpec when it adds a channel."""
        self._guild_of_channel[channel.id] = guild

    def find_channel(self, channel_id: str) -> ChannelSpec | None:
        guild = self._guild_of_channel.get(channel_id)
        if guild is not None and self.find_guild(guild.id) is guild:
            found = guild.find_channel(channel_id)
            if found is not None:
                return found
        # Not where it was added (removed from its guild's list) or never added: ask every guild.
        for g in self.guilds:
            found = g.find_channel(channel_id)
            if found is not None:
                return found
        return None

    @classmethod
    def default(cls) -> World:
        """The club every demo and most tests start from."""
        world = cls()
        guild = world.add_guild("K-Drama Club")
        guild.add_text_channel("general", topic="Say hi and talk shows")
        guild.add_text_channel("watch-parties", topic="Plan watch parties")
        watch_party = guild.add_role("Watch Party", mentionable=True, color=0xE91E63)
        guild.add_member("mina", permissions=MANAGE_GUILD, global_name="Mina")
        guild.add_member("jun", roles=[watch_party], global_name="Jun")
        guild.add_member("sora", global_name="Sora")
        return world
