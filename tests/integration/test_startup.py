"""Login, command sync, gateway resume and restarts, seen from the Discord side."""

from __future__ import annotations

from pathlib import Path

from bot.client import create_bot
from bot.resources import open_resources
from sandbox import Sandbox
from sandbox.testing import start_client
from tests.support.settings import sandbox_settings

EXPECTED_COMMANDS = {
    "help",
    "about",
    "config",
    "timezone",
    "title",
    "watchparty",
    "poll",
    "rate",
    "watched",
    "notinterested",
    "watchlist",
    "privacy",
    "recommend",
    "taste",
}


async def test_login_and_global_sync(bot, sandbox: Sandbox):
    paths = [(r.method, r.route) for r in sandbox.requests]
    assert ("GET", "/users/@me") in paths
    assert ("GET", "/oauth2/applications/@me") in paths
    assert ("PUT", "/applications/{application_id}/commands") in paths
    synced = {command["name"] for command in sandbox.synced_commands()}
    assert synced == EXPECTED_COMMANDS
    config = next(c for c in sandbox.synced_commands() if c["name"] == "config")
    assert {o["name"] for o in config["options"]} == {
        "show",
        "timezone",
        "channel",
        "reminders",
        "role",
    }
    assert config["default_member_permissions"] == str(1 << 5)  # Manage Server
    assert sandbox.identify_count == 1


async def test_identify_asks_for_no_privileged_intents(bot, sandbox: Sandbox):
    privileged = (1 << 1) | (1 << 8) | (1 << 15)  # members, presences, message content
    assert sandbox.identify_intents & privileged == 0


async def test_restart_with_same_commands_does_not_sync_again(sandbox: Sandbox, tmp_path: Path):
    settings = sandbox_settings(sandbox, tmp_path / "db.sqlite3")
    for _ in range(2):
        async with open_resources(settings) as resources:
            client = create_bot(settings, resources)
            async with start_client(client, sandbox):
                await sandbox.wait_identified()
    assert sandbox.sync_count == 1
    assert sandbox.identify_count == 2


async def test_dev_guild_sync_goes_to_that_guild_only(sandbox: Sandbox, world, tmp_path: Path):
    guild = world.guild("K-Drama Club")
    settings = sandbox_settings(sandbox, tmp_path / "db.sqlite3", dev_guild_id=int(guild.id))
    async with open_resources(settings) as resources:
        client = create_bot(settings, resources)
        async with start_client(client, sandbox):
            await sandbox.wait_synced()
            assert {
                c["name"] for c in sandbox.synced_commands(guild_id=guild.id)
            } == EXPECTED_COMMANDS
            assert sandbox.synced_commands() == []
            result = await sandbox.slash(
                "help", member=guild.member("sora"), channel=guild.channel("general")
            )
            assert result.embeds[0]["title"] == "watchclub"


async def test_reconnect_resumes_and_commands_still_work(bot, sandbox: Sandbox, world):
    guild = world.guild("K-Drama Club")
    await sandbox.reconnect()
    assert sandbox.resume_count == 1
    assert sandbox.identify_count == 1
    result = await sandbox.slash(
        "about", member=guild.member("jun"), channel=guild.channel("general")
    )
    assert result.embeds[0]["title"] == "About watchclub"
