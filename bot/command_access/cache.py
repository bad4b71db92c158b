"""Each server's command permission overrides and the bot's command ids, read through a loader
the caller supplies (the Discord call stays in cogs/) and kept briefly.

Overrides are kept for a minute: an admin's change in Server Settings shows within a minute
(at once when Discord tells the bot, see `forget`), and a busy poll channel costs one request a
minute, not one per click. A failed read (403, timeout) keeps serving the last good answer and
tries again after `FAILURE_TTL`: a restriction the bot knew must not lapse because Discord was
slow once. Only when nothing was ever read is the answer "no overrides known", which leaves the
command's default_member_permissions (see `cogs/command_access.py` for why that is the
fallback).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Final, Generic, TypeVar

from bot.clock import Clock
from bot.command_access.rules import CommandFacts, Overrides

OVERRIDES_TTL: Final = 60.0  # seconds
FAILURE_TTL: Final = 15.0  # seconds: retry soon, but not at every click while Discord fails

T = TypeVar("T")
Loader = Callable[[], Awaitable[T | None]]
"""Reads from Discord; None when the read failed."""

CommandIndex = Mapping[str, CommandFacts]
"""The bot's top-level commands by name."""


@dataclass(frozen=True)
class _Entry(Generic[T]):
    value: T
    expires: float


class _TimedCache(Generic[T]):
    def __init__(self, clock: Clock, ttl: float, failure_ttl: float, empty: T) -> None:
        self._clock = clock
        self._ttl = ttl
        self._failure_ttl = failure_ttl
        self._empty = empty
        self._entries: dict[int | None, _Entry[T]] = {}
        self._locks: dict[int | None, asyncio.Lock] = {}

    async def get(self, key: int | None, load: Loader[T]) -> T:
        entry = self._entries.get(key)
        if entry is not None and entry.expires > self._clock.monotonic():
            return entry.value
        # One read per key at a time: clicks that arrive together share it.
        async with self._locks.setdefault(key, asyncio.Lock()):
            entry = self._entries.get(key)
            if entry is not None and entry.expires > self._clock.monotonic():
                return entry.value
            loaded = await load()
            now = self._clock.monotonic()
            if loaded is not None:
                self._entries[key] = _Entry(loaded, now + self._ttl)
                return loaded
            value = entry.value if entry is not None else self._empty  # the last good answer
            self._entries[key] = _Entry(value, now + self._failure_ttl)
            return value

    def expire(self, key: int | None) -> None:
        """Read again at the next use; until then a failed read still has the last answer."""
        entry = self._entries.get(key)
        if entry is not None:
            self._entries[key] = _Entry(entry.value, float("-inf"))


class CommandAccessCache:
    """Per server: the overrides. Per scope (a guild id, or None for global commands): the
    bot's command ids and default_member_permissions, which change only when it syncs."""

    def __init__(
        self, clock: Clock, *, ttl: float = OVERRIDES_TTL, failure_ttl: float = FAILURE_TTL
    ) -> None:
        empty_overrides: Overrides = {}
        empty_index: CommandIndex = {}
        self._overrides = _TimedCache(clock, ttl, failure_ttl, empty_overrides)
        self._commands = _TimedCache(clock, ttl, failure_ttl, empty_index)

    async def overrides(self, guild_id: int, load: Loader[Overrides]) -> Overrides:
        return await self._overrides.get(guild_id, load)

    async def commands(self, scope: int | None, load: Loader[CommandIndex]) -> CommandIndex:
        return await self._commands.get(scope, load)

    def forget(self, guild_id: int) -> None:
        """Read a server's overrides again at the next click: Discord said they changed."""
        self._overrides.expire(guild_id)
