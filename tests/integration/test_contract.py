"""Every REST request the bot makes, and every sandbox answer, matches Discord's OpenAPI spec.

The `sandbox` fixture checks this after every integration test; this test drives a broad
session on purpose, reports how many exchanges it checked, and skips with the reason when
the spec file is not beside the project.
"""

from __future__ import annotations

import pytest

from sandbox import Sandbox
from tests.support.contract import DiscordContract, SpecUnavailable


@pytest.fixture
def contract() -> DiscordContract:
    try:
        return DiscordContract.load()
    except SpecUnavailable as missing:
        pytest.skip(f"Discord's OpenAPI spec is not available: {missing}")


async def test_a_whole_session_matches_the_spec(contract, bot, sandbox: Sandbox, world):
    club = world.guild("K-Drama Club")
    mina, sora, general = club.member("mina"), club.member("sora"), club.channel("general")
    shown = await sandbox.slash("help", member=sora, channel=general)
    await sandbox.click(member=sora, message=shown.message, custom_id="help:settings")
    await sandbox.slash("about", member=sora, channel=general)
    await sandbox.autocomplete(
        "config timezone", member=mina, channel=general, options={"zone": "seo"}, focused="zone"
    )
    await sandbox.slash("config timezone", member=mina, channel=general, options={"zone": "Seoul"})
    await sandbox.slash(
        "config reminders", member=mina, channel=general, options={"lead_times": "?"}
    )
    await sandbox.slash("title", member=sora, channel=general, options={"name": "love"})
    await sandbox.reconnect()
    await sandbox.settle()

    exchanges = sandbox.requests
    violations = [
        f"{v.method} {v.path} {v.where}: {v.message}"
        for request in exchanges
        for v in contract.check_exchange(
            request.method, request.path, request.json, request.status, request.response_json
        )
    ]
    assert violations == []
    routes = {request.route for request in exchanges}
    assert "/interactions/{interaction_id}/{interaction_token}/callback" in routes
    assert "/applications/{application_id}/commands" in routes
    assert len(exchanges) >= 10
