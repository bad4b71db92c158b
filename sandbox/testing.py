"""Glue for tests: run a discord.py client against a Sandbox.

The only sandbox module that imports discord: it drives a client, it is not part of Discord.
The fixture pattern:

    @pytest.fixture
    async def sb() -> AsyncIterator[Sandbox]:
        async with Sandbox(World.default()) as sandbox:
            yield sandbox
        assert not sandbox.unknown_routes and not sandbox.internal_errors

    @pytest.fixture
    async def bot(sb: Sandbox) -> AsyncIterator[commands.Bot]:
        client = make_the_bot()
        async with start_client(client, sb):
            await sb.wait_synced()
            yield client
"""
# ruff: noqa: ASYNC109 - waits in this API take an explicit timeout= by design.

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Iterator

import discord
import yarl

from sandbox.core import Sandbox


@contextlib.contextmanager
def redirect_discord(sandbox: Sandbox) -> Iterator[None]:
    """Point discord.py's REST base and default gateway at the sandbox; restore them on exit.

    discord.py has no public option for either, so these two class attributes are the seam.
    """
    old_base = discord.http.Route.BASE
    old_gateway = discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY
    discord.http.Route.BASE = sandbox.api_base_url
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(sandbox.gateway_url)
    try:
        yield
    finally:
        discord.http.Route.BASE = old_base
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = old_gateway


@contextlib.asynccontextmanager
async def start_client(
    client: discord.Client,
    sandbox: Sandbox,
    *,
    timeout: float = 10.0,
    guild_ready_timeout: float | None = None,
    token: str | None = None,
) -> AsyncIterator[asyncio.Task[None]]:
    """Start `client` against `sandbox`, wait until it has IDENTIFIED, close it on exit.

    Yields the task running `client.start()`. A client that dies during the block (bad token,
    crash in setup_hook) re-raises its exception here instead of hanging the test.
    `guild_ready_timeout` shortens discord.py's 2 s wait before on_ready (a private attribute,
    so only set it if the test waits for on_ready). `token` overrides the sandbox's token, to
    test how the client fails with a wrong one.
    """
    with redirect_discord(sandbox):
        if guild_ready_timeout is not None:
            client._connection.guild_ready_timeout = guild_ready_timeout
        target = sandbox.identify_count + 1
        task = asyncio.create_task(client.start(token or sandbox.token), name="sandbox-client")
        identified = asyncio.create_task(sandbox.wait_identified(timeout, count=target))
        try:
            await asyncio.wait({task, identified}, return_when=asyncio.FIRST_COMPLETED)
            if task.done():
                identified.cancel()
                task.result()
                raise RuntimeError("the client stopped before it identified with the sandbox")
            await identified
            yield task
        finally:
            identified.cancel()
            with contextlib.suppress(asyncio.CancelledError, TimeoutError):
                await identified
            await client.close()
            if not task.done():
                try:
                    await asyncio.wait_for(task, timeout)
                except TimeoutError:
                    task.cancel()
                    with contextlib.suppress(asyncio.CancelledError):
                        await task
        # Only reached when the test body succeeded: surface a client that crashed meanwhile.
        if not task.cancelled() and task.exception() is not None:
            raise task.exception()  # type: ignore[misc]
