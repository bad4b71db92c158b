"""Replying in time: Discord drops an interaction that is not answered within 3 seconds."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import TypeVar

import discord

from bot.client import BotInteraction
from bot.error_handler import filled_placeholder, showed_public_placeholder

T = TypeVar("T")

# Long enough that cached answers never show "thinking…", short enough to defer in time.
DEFER_AFTER_SECONDS = 1.5


async def within_deadline(
    interaction: BotInteraction, work: Awaitable[T], *, ephemeral: bool = False
) -> T:
    """Await `work`; if it is slow, defer the reply first so the interaction stays alive.

    A command shows "thinking…"; a button or menu defers silently, so the later edit
    updates its own message instead of posting a new one. An error (UserFacingError) after a
    public "thinking…" is still answered privately: the error handler knows it is there.
    """
    task = asyncio.ensure_future(work)
    try:
        done, _ = await asyncio.wait({task}, timeout=DEFER_AFTER_SECONDS)
        if not done:
            if interaction.type is discord.InteractionType.component:
                await interaction.response.defer()
            else:
                await interaction.response.defer(thinking=True, ephemeral=ephemeral)
                if not ephemeral:
                    showed_public_placeholder(interaction)
    except BaseException:
        # The deferral failed (the interaction expired) or the command was cancelled:
        # nobody will read the answer.
        task.cancel()
        raise
    return await task


async def send(
    interaction: BotInteraction,
    *,
    content: str | None = None,
    embed: discord.Embed | None = None,
    view: discord.ui.View | None = None,
) -> None:
    """Answer the interaction in public, or fill in the deferred "thinking…" reply.

    Private answers are errors: raise UserFacingError, and the error handler sends it
    privately even after a public "thinking…".
    """
    if interaction.response.is_done():
        await interaction.edit_original_response(
            content=content, embed=embed, view=view or discord.utils.MISSING
        )
        filled_placeholder(interaction)
        return
    await interaction.response.send_message(
        content=content, embed=embed or discord.utils.MISSING, view=view or discord.utils.MISSING
    )


async def send_private(
    interaction: BotInteraction,
    *,
    content: str | None = None,
    embed: discord.Embed | None = None,
    view: discord.ui.View | None = None,
) -> None:
    """Answer privately, or fill in the private "thinking…" a slow answer deferred."""
    if interaction.response.is_done():
        await interaction.edit_original_response(
            content=content, embed=embed, view=view or discord.utils.MISSING
        )
        return
    await interaction.response.send_message(
        content=content,
        embed=embed or discord.utils.MISSING,
        view=view or discord.utils.MISSING,
        ephemeral=True,
    )
