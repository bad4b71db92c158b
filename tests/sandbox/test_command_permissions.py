"""Command permission overrides in the sandbox: the world keeps them, the REST routes serve them
as Discord does (checked against the OpenAPI spec), and slash commands obey them."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from discord.ext import commands

from sandbox import CommandNotPermittedError, Sandbox, World
from sandbox.testing import start_client
from tests.sandbox.test_sandbox import make_bot
from tests.support.contract import DiscordContract, SpecUnavailable


@pytest.fixture
def world() -> World:
    return World.default()


@pytest.fixture
def club(world: World) -> Any:
    return world.guild("K-Drama Club")


@pytest.fixture
async def sb(world: World) -> AsyncIterator[Sandbox]:
    async with Sandbox(world) as sandbox:
        yield sandbox
        assert sandbox.internal_errors == []


@pytest.fixture
async def bot(sb: Sandbox, world: World) -> AsyncIterator[commands.Bot]:
    client = make_bot(world.guild("K-Drama Club").id)
    async with start_client(client, sb):
        await sb.wait_synced(count=2)
        yield client


async def _get(sb: Sandbox, path: str) -> tuple[int, Any]:
    headers = {"Authorization": f"Bot {sb.token}"}
    async with (
        aiohttp.ClientSession() as session,
        session.get(sb.api_base_url + path, headers=headers) as response,
    ):
        return response.status, await response.json()


def _command_id(sb: Sandbox, name: str, guild: Any = None) -> str:
    return next(c["id"] for c in sb.synced_commands(guild) if c["name"] == name)


def _assert_matches_spec(sb: Sandbox) -> None:
    assert any("/permissions" in r.path for r in sb.requests)
    try:
        contract = DiscordContract.load()
    except SpecUnavailable:
        return
    violations = [
        f"{v.path} {v.where}: {v.message}"
        for r in sb.requests
        if "/permissions" in r.path
        for v in contract.check_exchange(r.method, r.path, r.json, r.status, r.response_json)
    ]
    assert violations == []


# -- the world ---------------------------------------------------------------------------------


def test_overrides_are_kept_per_command_and_validated(world: World, club: Any) -> None:
    fans = club.role("Watch Party")
    general = club.channel("general")
    rules = club.set_command_permissions(
        "poll",
        roles={fans: True},
        members={club.member("sora"): False},
        channels={general: False},
        everyone=False,
        all_channels=True,
    )
    assert [(r.id, r.type, r.permission) for r in rules] == [
        (fans.id, 1, True),
        (club.member("sora").id, 2, False),
        (general.id, 3, False),
        (club.id, 1, False),  # @everyone is the guild's id
        (str(int(club.id) - 1), 3, True),  # All Channels is guild_id - 1
    ]
    assert club.command_permissions["poll"] == rules
    other = world.add_guild("Elsewhere")
    with pytest.raises(ValueError, match="another guild"):
        club.set_command_permissions("poll", roles={other.everyone_role: True})
    club.set_command_permissions("poll")  # nothing: cleared
    assert "poll" not in club.command_permissions


# -- the REST routes ---------------------------------------------------------------------------


async def test_the_permission_routes_answer_like_discord(
    sb: Sandbox, bot: commands.Bot, world: World, club: Any
) -> None:
    app, guild = world.application_id, club.id
    fans = club.role("Watch Party")
    club.set_command_permissions("poll", roles={fans: True}, everyone=False)
    club.set_command_permissions(None, channels={club.channel("watch-parties"): False})
    club.set_command_permissions("never-synced", everyone=False)
    poll_id = _command_id(sb, "poll")

    status, listed = await _get(sb, f"/applications/{app}/guilds/{guild}/commands/permissions")
    assert status == 200
    by_id = {entry["id"]: entry for entry in listed}
    assert set(by_id) == {poll_id, app}  # the app level under the application's id
    assert by_id[poll_id] == {
        "id": poll_id,
        "application_id": app,
        "guild_id": guild,
        "permissions": [
            {"id": fans.id, "type": 1, "permission": True},
            {"id": guild, "type": 1, "permission": False},
        ],
    }
    assert by_id[app]["permissions"] == [
        {"id": club.channel("watch-parties").id, "type": 3, "permission": False}
    ]

    base = f"/applications/{app}/guilds/{guild}/commands"
    status, one = await _get(sb, f"{base}/{poll_id}/permissions")
    assert (status, one) == (200, by_id[poll_id])
    status, whole_app = await _get(sb, f"{base}/{app}/permissions")
    assert (status, whole_app) == (200, by_id[app])
    status, none = await _get(sb, f"{base}/{_command_id(sb, 'admin')}/permissions")
    assert (status, none["code"]) == (404, 10066)  # a command without overrides
    status, missing = await _get(sb, f"{base}/1/permissions")
    assert (status, missing["code"]) == (404, 10063)
    status, denied = await _get(sb, f"/applications/1/guilds/{guild}/commands/permissions")
    assert (status, denied["code"]) == (403, 50001)
    # The command route still answers commands, not the permissions list.
    status, command = await _get(sb, f"{base}/{_command_id(sb, 'club', club)}")
    assert (status, command["name"]) == (200, "club")
    _assert_matches_spec(sb)


async def test_no_overrides_is_an_empty_list(sb: Sandbox, bot: commands.Bot, world: World) -> None:
    guild = world.guild("K-Drama Club").id
    path = f"/applications/{world.application_id}/guilds/{guild}/commands/permissions"
    assert await _get(sb, path) == (200, [])
    _assert_matches_spec(sb)


# -- slash commands obey them --------------------------------------------------------------------


async def test_a_command_restricted_to_a_role(sb: Sandbox, bot: commands.Bot, club: Any) -> None:
    general = club.channel("general")
    club.set_command_permissions("poll", roles={club.role("Watch Party"): True}, everyone=False)
    with pytest.raises(CommandNotPermittedError, match="sora cannot see /poll in #general"):
        await sb.slash("poll", member=club.member("sora"), channel=general)
    assert (await sb.slash("poll", member=club.member("jun"), channel=general)).message
    club.set_command_permissions("poll", members={club.member("sora"): True}, everyone=False)
    assert (await sb.slash("poll", member=club.member("sora"), channel=general)).message


async def test_a_channel_turned_off_and_app_level_rules(
    sb: Sandbox, bot: commands.Bot, club: Any
) -> None:
    general, parties = club.channel("general"), club.channel("watch-parties")
    jun = club.member("jun")
    club.set_command_permissions("poll", channels={parties: False})
    with pytest.raises(CommandNotPermittedError, match="turned off in this channel"):
        await sb.slash("poll", member=jun, channel=parties)
    assert (await sb.slash("poll", member=jun, channel=general)).message
    club.set_command_permissions("poll")
    club.set_command_permissions(None, everyone=False)  # the whole app, for everyone
    with pytest.raises(CommandNotPermittedError, match="app-level"):
        await sb.slash("poll", member=jun, channel=general)
    club.set_command_permissions("poll", members={jun: True})  # the command level overrides
    assert (await sb.slash("poll", member=jun, channel=general)).message


async def test_an_app_level_allow_still_needs_default_member_permissions(
    sb: Sandbox, bot: commands.Bot, club: Any
) -> None:
    general, jun = club.channel("general"), club.member("jun")
    club.set_command_permissions(None, members={jun: True})
    with pytest.raises(CommandNotPermittedError, match="default_member_permissions"):
        await sb.slash("admin", member=jun, channel=general)
    club.set_command_permissions("admin", members={jun: True})
    assert (await sb.slash("admin", member=jun, channel=general)).content == "admin ok"
