"""Discord's global rate limit in the sandbox: opt-in, answered as a global 429 that discord.py
honours, and never applied to interaction endpoints."""

from __future__ import annotations

import asyncio

import aiohttp
import discord
from discord import app_commands

from sandbox import Sandbox, World
from sandbox.rate_limits import GlobalRateLimit
from sandbox.testing import start_client

MESSAGES = "/channels/{channel_id}/messages"


def burst_world(channels: int) -> World:
    world = World()
    guild = world.add_guild("Burst Club")
    for n in range(channels):
        guild.add_text_channel(f"room-{n}")
    guild.add_member("jun")
    return world


async def send_burst(client: discord.Client, world: World, per_channel: int) -> list[str]:
    """Send `per_channel` messages to every channel at once; returns what was sent."""
    sends = []
    contents = []
    for channel in world.guild("Burst Club").channels:
        target = client.get_partial_messageable(int(channel.id))
        for n in range(per_channel):
            contents.append(f"{channel.name} #{n}")
            sends.append(target.send(contents[-1]))
    await asyncio.gather(*sends)
    return contents


def delivered(sb: Sandbox, world: World) -> list[str]:
    return [m.content for c in world.guild("Burst Club").channels for m in sb.messages(c)]


def frozen_full_limit(sb: Sandbox, per_second: int) -> GlobalRateLimit:
    """Swap in a limit whose clock never moves, already full: from now on every counted request
    is refused, whatever the machine's speed."""
    limit = GlobalRateLimit(per_second, clock=lambda: 1000.0)
    for _ in range(per_second):
        assert limit.admit() is None
    sb._state.global_rate_limit = limit
    return limit


def test_window_slides_over_accepted_requests() -> None:
    now = 0.0
    limit = GlobalRateLimit(3, clock=lambda: now)
    assert [limit.admit() for _ in range(3)] == [None, None, None]
    now = 0.4
    assert limit.admit() == 0.6
    assert limit.admit() == 0.6  # refused requests do not fill the window
    now = 1.0
    assert limit.admit() is None
    assert limit.refused == 2


async def test_over_the_limit_discord_py_waits_and_delivers_everything() -> None:
    world = burst_world(channels=5)
    async with Sandbox(world, global_rate_limit=5) as sb:
        client = discord.Client(intents=discord.Intents.none())
        async with start_client(client, sb):
            sent = await send_burst(client, world, per_channel=2)
        assert sorted(delivered(sb, world)) == sorted(sent)
        refused = [r for r in sb.requests if r.status == 429]
        assert refused, "10 messages at once should have met a limit of 5/s"
        assert len(refused) == sb.rate_limited_count
        assert all(not r.fault and r.response_json["global"] is True for r in refused)
        posts = [r for r in sb.requests if r.route == MESSAGES]
        assert len(posts) == len(sent) + sum(r.route == MESSAGES for r in refused)
        assert sb.internal_errors == []


async def test_global_429_is_worded_like_discord_and_runs_nothing() -> None:
    world = burst_world(channels=1)
    room = world.guild("Burst Club").channel("room-0")
    async with Sandbox(world, global_rate_limit=2) as sb:
        limit = frozen_full_limit(sb, 2)
        sb.fail_next("POST", MESSAGES, 500)
        headers = {"Authorization": f"Bot {sb.token}"}
        async with aiohttp.ClientSession(headers=headers) as http:
            url = f"{sb.api_base_url}/channels/{room.id}/messages"
            async with http.post(url, json={"content": "hello"}) as response:
                assert response.status == 429
                assert await response.json() == {
                    "message": "You are being rate limited.",
                    "retry_after": 1.0,
                    "global": True,
                    "code": 0,
                }
                assert response.headers["Retry-After"] == "1"
                assert response.headers["X-RateLimit-Global"] == "true"
                assert response.headers["X-RateLimit-Scope"] == "global"
                assert response.headers["Via"] == "1.1 google"
        # Requests without the bot's token are not the bot's: the limit does not count them.
        async with (
            aiohttp.ClientSession() as anonymous,
            anonymous.get(f"{sb.api_base_url}/gateway") as response,
        ):
            assert response.status == 200
        assert sb.messages(room) == []
        assert len(sb.pending_faults) == 1  # the refused request never reached the fault
        first = sb.requests[0]
        assert (first.route, first.status, first.fault) == (MESSAGES, 429, False)
        assert first.under_global_limit
        assert not sb.requests[-1].under_global_limit  # the anonymous GET /gateway
        assert sb.rate_limited_count == limit.refused == 1
        assert sb.global_rate_limit == 2


async def test_interaction_endpoints_are_never_limited() -> None:
    world = burst_world(channels=1)
    guild = world.guild("Burst Club")
    client = discord.Client(intents=discord.Intents.none())
    tree = app_commands.CommandTree(client)

    @tree.command(name="busy", description="Defer, edit, follow up", guild=discord.Object(guild.id))
    async def busy(interaction: discord.Interaction) -> None:
        await interaction.response.defer(thinking=True)
        await interaction.edit_original_response(content="step 1")
        extra = await interaction.followup.send("step 2", wait=True)
        await extra.edit(content="step 2, edited")
        for n in range(3, 6):
            await interaction.followup.send(f"step {n}")

    async def setup_hook() -> None:
        await tree.sync(guild=discord.Object(guild.id))

    client.setup_hook = setup_hook  # type: ignore[method-assign]
    async with Sandbox(world, global_rate_limit=50) as sb:
        async with start_client(client, sb):
            await sb.wait_synced()
            await sb.settle()
            limit = frozen_full_limit(sb, 1)
            before = len(sb.requests)
            result = await sb.slash(
                "busy", member=guild.member("jun"), channel=guild.channel("room-0")
            )
            await sb.settle()
        assert result.content == "step 1"
        assert [m.content for m in sb.messages(guild.channel("room-0"))][-3:] == [
            "step 3",
            "step 4",
            "step 5",
        ]
        during = sb.requests[before:]
        assert {r.path.split("/")[1] for r in during} == {"interactions", "webhooks"}
        assert not any(r.under_global_limit for r in during)
        assert [r for r in during if r.status >= 400] == []
        assert limit.refused == 0


async def test_off_by_default() -> None:
    world = burst_world(channels=5)
    async with Sandbox(world) as sb:
        assert sb.global_rate_limit is None
        client = discord.Client(intents=discord.Intents.none())
        async with start_client(client, sb):
            sent = await send_burst(client, world, per_channel=3)
        assert sorted(delivered(sb, world)) == sorted(sent)
        assert [r for r in sb.requests if r.status == 429] == []
        assert sb.rate_limited_count == 0
        # Marked even when not enforced, so a benchmark can count them against Discord's limit.
        assert any(r.under_global_limit for r in sb.requests)
