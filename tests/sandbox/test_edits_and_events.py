"""Bot-token message edits that carry files, and guild scheduled events at Discord's limits, driven
by a tiny real discord.py client over 127.0.0.1."""

from __future__ import annotations

import asyncio
import datetime as dt
import io
import json
import struct
import zlib

import aiohttp
import discord
import pytest

from sandbox import (
    CREATE_EVENTS,
    MANAGE_EVENTS,
    MAX_UNCOMPLETED_EVENTS,
    RecordedRequest,
    Sandbox,
    World,
)
from sandbox.testing import start_client
from tests.support.contract import DiscordContract, SpecUnavailable
from tests.support.waiting import eventually

CAP_BODY = {
    "message": "Maximum number of uncompleted guild scheduled events reached (100)",
    "code": 30038,
}
FORBIDDEN_BODY = {"message": "Missing Permissions", "code": 50013}
MESSAGE = "/channels/{channel_id}/messages/{message_id}"
EVENTS = "/guilds/{guild_id}/scheduled-events"


def png(width: int, height: int, rgb: tuple[int, int, int]) -> bytes:
    """A real, tiny, single-colour PNG."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    row = b"\x00" + bytes(rgb) * width
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(row * height))
        + chunk(b"IEND", b"")
    )


OLD_PNG = png(4, 3, (200, 30, 90))
NEW_PNG = png(8, 5, (20, 120, 240))


@pytest.fixture
def world() -> World:
    return World.default()


@pytest.fixture
def club(world: World):
    return world.guild("K-Drama Club")


@pytest.fixture
async def sb(world: World):
    async with Sandbox(world) as sandbox:
        yield sandbox
        assert sandbox.internal_errors == []
        assert sandbox.unknown_routes == []


@pytest.fixture
async def client(sb: Sandbox):
    bot = discord.Client(intents=discord.Intents.default())
    async with start_client(bot, sb, guild_ready_timeout=0.05):
        await asyncio.wait_for(bot.wait_until_ready(), 5)
        yield bot


def text_channel(client: discord.Client, club) -> discord.TextChannel:
    channel = client.get_channel(int(club.channel("general").id))
    assert isinstance(channel, discord.TextChannel)
    return channel


def guild_of(client: discord.Client, club) -> discord.Guild:
    guild = client.get_guild(int(club.id))
    assert guild is not None
    return guild


async def create_event(guild: discord.Guild, name: str) -> discord.ScheduledEvent:
    start = discord.utils.utcnow() + dt.timedelta(days=2)
    return await guild.create_scheduled_event(
        name=name,
        start_time=start,
        end_time=start + dt.timedelta(hours=2),
        entity_type=discord.EntityType.external,
        location="Online",
        privacy_level=discord.PrivacyLevel.guild_only,
    )


def calls(sb: Sandbox, method: str, route: str) -> list[RecordedRequest]:
    return [r for r in sb.requests if r.method == method and r.route == route]


# -- message edits with files -------------------------------------------------------------------


async def test_edit_replaces_the_old_png_with_a_new_one(sb: Sandbox, client, club) -> None:
    channel = text_channel(client, club)
    sent = await channel.send(
        "Poll: slow-burn or fantasy?", file=discord.File(io.BytesIO(OLD_PNG), "tally.png")
    )
    stored = sb.message(str(sent.id))
    assert stored is not None
    [old] = stored.attachments
    assert (old["filename"], old["content_type"], old["size"]) == (
        "tally.png",
        "image/png",
        len(OLD_PNG),
    )
    assert (old["width"], old["height"]) == (4, 3)
    assert sb.attachment_data(old) == OLD_PNG
    post = calls(sb, "POST", "/channels/{channel_id}/messages")[-1]
    assert post.content_type is not None
    assert post.content_type.startswith("multipart/form-data")
    assert [(f.field_name, f.filename, f.data) for f in post.files] == [
        ("files[0]", "tally.png", OLD_PNG)
    ]

    edited = await channel.get_partial_message(sent.id).edit(
        content="Poll: 3 votes so far",
        embed=discord.Embed(title="Tally", description="Slow-burn 2 · Fantasy 1"),
        attachments=[discord.File(io.BytesIO(NEW_PNG), "chart.png")],
    )

    [new] = stored.attachments
    assert new["filename"] == "chart.png"
    assert new["id"] != old["id"]
    assert (new["width"], new["height"]) == (8, 5)
    assert sb.attachment_data(new) == NEW_PNG
    assert sb.attachment_data(old["id"]) == OLD_PNG  # the old upload's bytes stay readable
    assert stored.content == "Poll: 3 votes so far"
    assert stored.edited
    assert [e["title"] for e in stored.embeds] == ["Tally"]
    assert [a.filename for a in edited.attachments] == ["chart.png"]
    assert edited.attachments[0].id == int(new["id"])
    patch = calls(sb, "PATCH", MESSAGE)[-1]
    assert patch.status == 200
    assert patch.content_type is not None
    assert patch.content_type.startswith("multipart/form-data")
    assert patch.json["attachments"] == [{"id": 0, "filename": "chart.png"}]
    assert [(f.field_name, f.filename, f.data) for f in patch.files] == [
        ("files[0]", "chart.png", NEW_PNG)
    ]
    assert patch.response_json["attachments"] == [new]
    async with aiohttp.ClientSession() as http, http.get(new["url"]) as response:
        assert response.status == 200
        assert response.content_type == "image/png"
        assert await response.read() == NEW_PNG
    text = sb.transcript.render()
    assert "watchclub ✎ (edited) Poll: 3 votes so far" in text
    assert "[file: chart.png]" in text


async def test_edit_keeps_listed_attachments_by_id_and_adds_new_files(
    sb: Sandbox, client, club
) -> None:
    channel = text_channel(client, club)
    sent = await channel.send("Chart", file=discord.File(io.BytesIO(OLD_PNG), "week1.png"))
    edited = await sent.edit(
        attachments=[sent.attachments[0], discord.File(io.BytesIO(NEW_PNG), "week2.png")]
    )
    assert [a.filename for a in edited.attachments] == ["week1.png", "week2.png"]
    assert edited.attachments[0].id == sent.attachments[0].id
    stored = sb.message(str(sent.id))
    assert stored is not None
    assert [sb.attachment_data(a) for a in stored.attachments] == [OLD_PNG, NEW_PNG]


async def test_edit_keeping_no_attachments_removes_them(sb: Sandbox, client, club) -> None:
    channel = text_channel(client, club)
    sent = await channel.send("Chart", file=discord.File(io.BytesIO(OLD_PNG), "tally.png"))
    edited = await channel.get_partial_message(sent.id).edit(content="Poll closed", attachments=[])
    assert edited.attachments == []
    stored = sb.message(str(sent.id))
    assert stored is not None
    assert stored.attachments == []
    assert stored.content == "Poll closed"
    patch = calls(sb, "PATCH", MESSAGE)[-1]
    assert patch.files == []
    assert patch.json["attachments"] == []


async def test_edit_of_a_deleted_message_is_10008(sb: Sandbox, client, club) -> None:
    channel = text_channel(client, club)
    sent = await channel.send("Poll: slow-burn or fantasy?")
    await sent.delete()
    partial = channel.get_partial_message(sent.id)
    with pytest.raises(discord.NotFound) as plain:
        await partial.edit(content="3 votes")
    with pytest.raises(discord.NotFound) as with_file:
        await partial.edit(
            content="3 votes", attachments=[discord.File(io.BytesIO(NEW_PNG), "c.png")]
        )
    assert plain.value.code == with_file.value.code == 10008
    assert [r.response_json for r in calls(sb, "PATCH", MESSAGE)] == [
        {"message": "Unknown Message", "code": 10008}
    ] * 2


# -- scheduled events ---------------------------------------------------------------------------


async def test_created_event_id_is_what_the_sandbox_recorded(sb: Sandbox, client, club) -> None:
    event = await create_event(guild_of(client, club), "Goblin night")
    [stored] = sb.scheduled_events(club)
    assert stored["id"] == str(event.id)
    assert stored["creator_id"] == str(client.user.id)
    assert calls(sb, "POST", EVENTS)[-1].response_json["id"] == str(event.id)


async def test_event_create_at_the_cap_is_30038(sb: Sandbox, client, club) -> None:
    guild = guild_of(client, club)
    await sb.add_scheduled_events(club, MAX_UNCOMPLETED_EVENTS - 1)
    await sb.add_scheduled_events(club, 3, status=discord.EventStatus.completed.value)
    await sb.add_scheduled_events(club, 2, status=discord.EventStatus.cancelled.value)
    await create_event(guild, "Event one hundred")  # finished events do not count
    with pytest.raises(discord.HTTPException) as raised:
        await create_event(guild, "One too many")
    assert (raised.value.status, raised.value.code) == (400, 30038)
    assert calls(sb, "POST", EVENTS)[-1].response_json == CAP_BODY
    assert len(sb.scheduled_events(club)) == MAX_UNCOMPLETED_EVENTS + 5
    assert (
        '[K-Drama Club] watchclub ✗ event "One too many" not scheduled: '
        "Maximum number of uncompleted guild scheduled events reached (100)"
    ) in sb.transcript.render()


async def test_prefilled_events_reach_the_bot(sb: Sandbox, client, club) -> None:
    added = await sb.add_scheduled_events(club, 3)
    guild = guild_of(client, club)
    await eventually(lambda: len(guild.scheduled_events) == 3)
    assert [e.name for e in guild.scheduled_events] == [e["name"] for e in added]
    assert {e.creator_id for e in guild.scheduled_events} == {int(club.owner_id)}
    fetched = await guild.fetch_scheduled_events()
    assert len(fetched) == 3


async def test_events_need_manage_or_create_events(sb: Sandbox, client, club) -> None:
    guild = guild_of(client, club)
    ours = await create_event(guild, "Goblin night")
    await sb.revoke_bot_permissions(club, MANAGE_EVENTS | CREATE_EVENTS)
    await eventually(lambda: not guild.me.guild_permissions.manage_events)  # GUILD_ROLE_UPDATE
    assert not guild.me.guild_permissions.create_events
    with pytest.raises(discord.Forbidden) as created:
        await create_event(guild, "Toradora! marathon")
    with pytest.raises(discord.Forbidden) as updated:
        await ours.edit(name="Goblin night, moved")
    with pytest.raises(discord.Forbidden) as deleted:
        await ours.delete()
    assert {created.value.code, updated.value.code, deleted.value.code} == {50013}
    refused = [
        r
        for r in sb.requests
        if r.route is not None and r.route.startswith(EVENTS) and r.status == 403
    ]
    assert [r.method for r in refused] == ["POST", "PATCH", "DELETE"]
    assert all(r.response_json == FORBIDDEN_BODY for r in refused)
    assert [e["name"] for e in sb.scheduled_events(club)] == ["Goblin night"]
    text = sb.transcript.render()
    assert "watchclub loses Manage Events, Create Events" in text
    assert 'watchclub ✗ event "Toradora! marathon" not scheduled: Missing Permissions' in text
    assert 'watchclub ✗ event "Goblin night" not updated: Missing Permissions' in text
    assert 'watchclub ✗ event "Goblin night" not deleted: Missing Permissions' in text


async def test_create_events_alone_edits_only_the_bots_own_events(
    sb: Sandbox, client, club
) -> None:
    guild = guild_of(client, club)
    [theirs] = await sb.add_scheduled_events(club, 1)
    await sb.revoke_bot_permissions(club, MANAGE_EVENTS)
    ours = await create_event(guild, "Goblin night")
    moved = await ours.edit(name="Goblin night, moved")
    assert moved.name == "Goblin night, moved"
    others = await guild.fetch_scheduled_event(int(theirs["id"]))
    with pytest.raises(discord.Forbidden):
        await others.edit(name="Hijacked")
    with pytest.raises(discord.Forbidden):
        await others.delete()
    await ours.delete()
    assert [e["name"] for e in sb.scheduled_events(club)] == [theirs["name"]]


def test_revoking_what_an_administrator_keeps_is_refused() -> None:
    world = World()
    guild = world.add_guild("Club", bot_permissions=discord.Permissions.all().value)
    with pytest.raises(ValueError, match="owner or administrator"):
        guild.revoke_bot_permissions(MANAGE_EVENTS)


# -- the contract -------------------------------------------------------------------------------


async def test_file_edits_and_event_calls_match_the_spec(sb: Sandbox, client, club) -> None:
    try:
        contract = DiscordContract.load()
    except SpecUnavailable as missing:
        pytest.skip(f"Discord's OpenAPI spec is not available: {missing}")
    channel, guild = text_channel(client, club), guild_of(client, club)
    sent = await channel.send("Tally", file=discord.File(io.BytesIO(OLD_PNG), "tally.png"))
    kept = await sent.edit(
        content="Tally, later",
        embed=discord.Embed(title="Tally"),
        attachments=[sent.attachments[0], discord.File(io.BytesIO(NEW_PNG), "chart.png")],
    )
    await kept.edit(content="Tally, final", attachments=[])
    event = await create_event(guild, "Goblin night")
    await event.edit(name="Goblin night, moved")
    await event.delete()
    await sb.add_scheduled_events(club, MAX_UNCOMPLETED_EVENTS)
    with pytest.raises(discord.HTTPException):
        await create_event(guild, "One too many")
    await sb.revoke_bot_permissions(club, MANAGE_EVENTS | CREATE_EVENTS)
    with pytest.raises(discord.Forbidden):
        await create_event(guild, "Not allowed")
    await kept.delete()
    with pytest.raises(discord.NotFound):
        await kept.edit(content="gone", attachments=[discord.File(io.BytesIO(NEW_PNG), "c.png")])

    checked = 0
    violations: list[str] = []
    for request in sb.requests:
        bodies = [request.json]
        if request.files:  # also as the multipart form it was: payload_json plus files[n]
            bodies.append({"payload_json": json.dumps(request.json)})
        for body in bodies:
            checked += 1
            violations += [
                str(v)
                for v in contract.check_exchange(
                    request.method, request.path, body, request.status, request.response_json
                )
            ]
    assert violations == []
    statuses = {(r.method, r.route, r.status) for r in sb.requests}
    assert {
        ("POST", "/channels/{channel_id}/messages", 200),
        ("PATCH", MESSAGE, 200),
        ("PATCH", MESSAGE, 404),
        ("POST", EVENTS, 200),
        ("POST", EVENTS, 400),
        ("POST", EVENTS, 403),
        ("PATCH", EVENTS + "/{guild_scheduled_event_id}", 200),
        ("DELETE", EVENTS + "/{guild_scheduled_event_id}", 204),
    } <= statuses
    assert checked > len(sb.requests)
