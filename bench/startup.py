"""Startup to first command answered: watchclub against a bare discord.py bot, same sandbox.

Both connect in-process to the sandbox on 127.0.0.1; the peer is the smallest discord.py bot that
answers one slash command, so the ratio shows what watchclub's own start-up costs (database open,
migrations, cogs, the sync check).
"""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import discord
from discord import app_commands

from bot.client import create_bot
from bot.demo import demo_settings
from bot.resources import open_resources
from sandbox import Sandbox, World
from sandbox.testing import start_client


class _BarePeer(discord.Client):
    def __init__(self) -> None:
        super().__init__(intents=discord.Intents.none())
        self.tree = app_commands.CommandTree(self)

        @self.tree.command(name="help", description="help")
        async def help_command(interaction: discord.Interaction[Any]) -> None:
            await interaction.response.send_message("hi", ephemeral=True)

    async def setup_hook(self) -> None:
        await self.tree.sync()


async def _watchclub_once(folder: Path) -> float:
    world = World.default()
    guild = world.guild("K-Drama Club")
    async with Sandbox(world) as sandbox:
        started = time.perf_counter()
        settings = demo_settings(sandbox, folder / f"{time.perf_counter_ns()}.sqlite3")
        async with (
            open_resources(settings) as resources,
            start_client(create_bot(settings, resources), sandbox),
        ):
            await sandbox.wait_synced()
            await sandbox.slash(
                "help", member=guild.member("sora"), channel=guild.channel("general")
            )
            return time.perf_counter() - started


async def _peer_once() -> float:
    world = World.default()
    guild = world.guild("K-Drama Club")
    async with Sandbox(world) as sandbox:
        started = time.perf_counter()
        async with start_client(_BarePeer(), sandbox):
            await sandbox.wait_synced()
            await sandbox.slash(
                "help", member=guild.member("sora"), channel=guild.channel("general")
            )
            return time.perf_counter() - started


async def run(*, rounds: int) -> dict[str, Any]:
    ours: list[float] = []
    peer: list[float] = []
    with tempfile.TemporaryDirectory() as folder:
        for _ in range(rounds):
            ours.append(await _watchclub_once(Path(folder)))
            peer.append(await _peer_once())
    ours_ms = statistics.median(ours) * 1000
    peer_ms = statistics.median(peer) * 1000
    return {
        "rounds": rounds,
        "watchclub_first_answer_ms_median": round(ours_ms, 1),
        "bare_discord_py_first_answer_ms_median": round(peer_ms, 1),
        "ratio_watchclub_to_bare": round(ours_ms / peer_ms, 2),
        "note": "in-process, fresh database each round (migrations + first sync included)",
    }
