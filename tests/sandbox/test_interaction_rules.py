"""What Discord does with deferred replies, follow-ups and expired interactions
(discord-wire-protocol.md §2.3), as the sandbox models it, seen by a tiny discord.py bot."""

from __future__ import annotations

import asyncio

import discord
import pytest
from discord.ext import commands

from sandbox import InteractionTimeoutError, Sandbox, World
from sandbox.testing import start_client


def make_bot(codes: list[int]) -> commands.Bot:
    """Each command shows one way of answering; a refused request records Discord's code."""
    bot = commands.Bot(
        command_prefix="!",
        intents=discord.Intents.default(),
        help_command=None,
        allowed_mentions=discord.AllowedMentions.none(),
    )

    @bot.tree.command(name="public-then-private", description="Public defer, flagged follow-up")
    async def public_then_private(interaction: discord.Interaction) -> None:
        await interaction.response.defer(thinking=True)
        await interaction.followup.send("meant to be private", ephemeral=True)

    @bot.tree.command(name="private-then-public", description="Private defer, plain follow-up")
    async def private_then_public(interaction: discord.Interaction) -> None:
        await interaction.response.defer(thinking=True, ephemeral=True)
        await interaction.followup.send("meant to be public")

    @bot.tree.command(name="fill-then-private", description="Fill, follow up privately, delete")
    async def fill_then_private(interaction: discord.Interaction) -> None:
        await interaction.response.defer(thinking=True)
        await interaction.edit_original_response(content="Answered privately.")
        await interaction.followup.send("only for you", ephemeral=True)
        await interaction.delete_original_response()

    @bot.tree.command(name="delete-then-follow-up", description="Delete the placeholder first")
    async def delete_then_follow_up(interaction: discord.Interaction) -> None:
        await interaction.response.defer(thinking=True)
        await interaction.delete_original_response()
        try:
            await interaction.followup.send("after the placeholder went", ephemeral=True)
        except discord.HTTPException as error:
            codes.append(error.code)

    @bot.tree.command(name="late", description="Answers after Discord's deadline")
    async def late(interaction: discord.Interaction) -> None:
        await asyncio.sleep(0.3)
        try:
            await interaction.response.send_message("too late")
        except discord.HTTPException as error:
            codes.append(error.code)

    @bot.tree.command(name="slow-follow-up", description="Follows up after the token expired")
    async def slow_follow_up(interaction: discord.Interaction) -> None:
        await interaction.response.defer(thinking=True)
        await asyncio.sleep(0.3)
        try:
            await interaction.followup.send("an hour later")
        except discord.HTTPException as error:
            codes.append(error.code)

    async def setup_hook() -> None:
        await bot.tree.sync()

    bot.setup_hook = setup_hook  # type: ignore[method-assign]
    return bot


@pytest.fixture
def world() -> World:
    return World.default()


@pytest.fixture
async def sb(world: World):
    async with Sandbox(world) as sandbox:
        yield sandbox
        assert sandbox.internal_errors == []


@pytest.fixture
def codes() -> list[int]:
    return []


@pytest.fixture
async def bot(sb: Sandbox, codes: list[int]):
    client = make_bot(codes)
    async with start_client(client, sb):
        await sb.wait_synced()
        yield client


@pytest.fixture
def club(world: World):
    return world.guild("K-Drama Club")


async def test_the_first_follow_up_keeps_a_public_deferrals_visibility(sb, bot, club) -> None:
    general = club.channel("general")
    result = await sb.slash("public-then-private", member=club.member("jun"), channel=general)
    assert result.callback_type == 5
    assert result.last_content == "meant to be private"
    assert not result.last_message.ephemeral  # the ephemeral flag was ignored
    assert [m.content for m in sb.messages(general)] == ["meant to be private"]


async def test_the_first_follow_up_keeps_a_private_deferrals_visibility(sb, bot, club) -> None:
    general = club.channel("general")
    result = await sb.slash("private-then-public", member=club.member("jun"), channel=general)
    assert result.last_content == "meant to be public"
    assert result.last_message.ephemeral
    assert sb.messages(general) == []


async def test_a_filled_placeholder_lets_a_private_follow_up_replace_it(sb, bot, club) -> None:
    general = club.channel("general")
    result = await sb.slash("fill-then-private", member=club.member("jun"), channel=general)
    await sb.settle(quiet=0.05)
    assert result.message.deleted  # the public placeholder is gone
    assert result.last_content == "only for you"
    assert result.last_message.ephemeral
    assert result.last_message.visible_to == club.member("jun").id
    assert sb.messages(general) == []


async def test_a_follow_up_after_deleting_the_placeholder_is_refused(sb, bot, club, codes) -> None:
    general = club.channel("general")
    await sb.slash("delete-then-follow-up", member=club.member("jun"), channel=general)
    await sb.settle(quiet=0.05)
    assert codes == [10008]
    assert sb.messages(general) == []


async def test_an_answer_after_the_deadline_is_unknown_interaction(sb, bot, club, codes) -> None:
    sb.response_deadline = 0.2
    with pytest.raises(InteractionTimeoutError):
        await sb.slash("late", member=club.member("jun"), channel=club.channel("general"))
    await sb.settle(quiet=0.05)
    assert codes == [10062]


async def test_a_follow_up_after_the_tokens_lifetime_is_refused(sb, bot, club, codes) -> None:
    sb.token_lifetime = 0.2
    general = club.channel("general")
    with pytest.raises(InteractionTimeoutError, match="deferred"):
        await sb.slash("slow-follow-up", member=club.member("jun"), channel=general, timeout=1)
    await sb.settle(quiet=0.05)
    assert codes == [50027]
