"""The real bot, in-process, connected over 127.0.0.1 to the sandbox."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.client import SyncMode, WatchClubBot, create_bot
from bot.config import Settings
from bot.resources import Resources, open_resources
from sandbox import Sandbox, World
from sandbox.testing import start_client
from tests.integration.fake_providers import FakeProviders
from tests.support.contract import DiscordContract, SpecUnavailable
from tests.support.settings import sandbox_settings


@pytest.fixture
def world() -> World:
    return World.default()


@pytest.fixture
async def sandbox(world: World) -> AsyncIterator[Sandbox]:
    async with Sandbox(world) as running:
        yield running
    assert not running.unknown_routes, [f"{r.method} {r.path}" for r in running.unknown_routes]
    _assert_mentions_are_opt_in(running)
    _assert_contract(running)


def _assert_mentions_are_opt_in(running: Sandbox) -> None:
    """DESIGN.md rule 6: every message the bot writes says explicitly whom it may ping."""
    for request in running.requests:
        body = request.json
        if not isinstance(body, dict):
            continue
        payload = body.get("data") if request.route.endswith("/callback") else body
        if not isinstance(payload, dict) or not ({"content", "embeds"} & payload.keys()):
            continue
        allowed = payload.get("allowed_mentions")
        assert allowed is not None, f"{request.method} {request.path} sent no allowed_mentions"
        assert "everyone" not in allowed.get("parse", []), f"{request.path} may ping everyone"


def _assert_contract(running: Sandbox) -> None:
    """Every request the bot made, and every answer, must match Discord's OpenAPI spec."""
    try:
        contract = DiscordContract.load()
    except SpecUnavailable:
        return  # tests/integration/test_contract.py reports the skip with its reason
    violations = [
        violation
        for request in running.requests
        for violation in contract.check_exchange(
            request.method, request.path, request.json, request.status, request.response_json
        )
    ]
    assert not violations, "\n".join(
        f"{v.method} {v.path} {v.where}: {v.message}" for v in violations
    )


# crash_harness.py and older tests import the builder under this name.
bot_settings = sandbox_settings


@pytest.fixture
def settings(sandbox: Sandbox, tmp_path: Path) -> Settings:
    return sandbox_settings(sandbox, tmp_path / "watchclub.sqlite3")


@pytest.fixture
async def resources(settings: Settings) -> AsyncIterator[Resources]:
    """What the bot under test holds open: tests read its database and clock through this."""
    async with open_resources(settings) as opened:
        yield opened


@pytest.fixture
async def bot(
    settings: Settings, sandbox: Sandbox, resources: Resources
) -> AsyncIterator[WatchClubBot]:
    client = create_bot(settings, resources, sync_mode=SyncMode.AUTO)
    async with start_client(client, sandbox):
        await sandbox.wait_synced()
        yield client


@pytest.fixture
async def providers() -> AsyncIterator[FakeProviders]:
    """AniList and TVmaze stand-ins over real HTTP; a test file that needs them points its
    `settings` at them with `fake_providers.settings_for`."""
    fake = FakeProviders()
    await fake.start()
    yield fake
    await fake.stop()
