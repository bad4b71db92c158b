"""Sync the command set only when it changed: compare a hash of it with the last one synced."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from bot.storage.meta import MetaRepository


def command_set_hash(payload: list[dict[str, Any]]) -> str:
    """A stable fingerprint of the command definitions as they would be sent to Discord."""
    ordered = sorted(payload, key=lambda command: (str(command.get("name")), command.get("type")))
    encoded = json.dumps(ordered, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(encoded.encode()).hexdigest()


def sync_target_key(guild_id: int | None) -> str:
    return f"command_sync:{'global' if guild_id is None else f'guild:{guild_id}'}"


class CommandSyncState:
    def __init__(self, meta: MetaRepository) -> None:
        self._meta = meta

    async def needs_sync(self, guild_id: int | None, fingerprint: str) -> bool:
        return await self._meta.get(sync_target_key(guild_id)) != fingerprint

    async def record_sync(self, guild_id: int | None, fingerprint: str, *, now: int) -> None:
        await self._meta.put(sync_target_key(guild_id), fingerprint, now=now)
