"""The outbox under test: a real repository on a migrated database, a fake Discord, a fake
clock, and a way to crash the bot right after Discord applied a request."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import pytest

from bot.outbox.repository import OutboxRepository
from bot.outbox.worker import DISCORD_SEND_WINDOWS, Outbox, OutboxSettings
from bot.rate_limit import RateLimiter
from bot.storage.database import Database
from tests.support.clock import FakeClock
from tests.support.fake_discord import FakeDiscord


@pytest.fixture
def discord(clock: FakeClock) -> FakeDiscord:
    return FakeDiscord(clock)


@pytest.fixture
def repo(db: Database) -> OutboxRepository:
    return OutboxRepository(db)


def make_outbox(
    repo: OutboxRepository, discord: FakeDiscord, clock: FakeClock, **settings: int
) -> Outbox:
    limiter = RateLimiter(DISCORD_SEND_WINDOWS, clock, clock.sleep)
    return Outbox(repo, discord, clock, limiter, settings=OutboxSettings(**settings))


@pytest.fixture
def outbox(repo: OutboxRepository, discord: FakeDiscord, clock: FakeClock) -> Outbox:
    return make_outbox(repo, discord, clock)


async def crash_once_applied(
    outbox: Outbox,
    discord: FakeDiscord,
    meanwhile: Callable[[], Awaitable[None]] | None = None,
) -> None:
    """Send what is queued until Discord applies one request, then die before recording it:
    the row stays pending, as after a SIGKILL between Discord's answer and the commit.
    `meanwhile` runs while that request is in flight (a vote arriving, a party cancelled)."""
    discord.hang_after_applying = True
    discord.applied.clear()
    sending = asyncio.create_task(outbox.drain())
    await asyncio.wait_for(discord.applied.wait(), timeout=5)
    if meanwhile is not None:
        await meanwhile()
    sending.cancel()
    await outbox.stop(grace=0)
    discord.hang_after_applying = False
