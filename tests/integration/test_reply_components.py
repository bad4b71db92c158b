"""Replies with buttons and menus leave nothing behind in the bot: every component is a
DynamicItem dispatched by its custom_id, so a stored view (kept until a restart for a public
reply, with a 15-minute timeout task for a private one) would only cost memory. `bench load`
found hundreds of such tasks before `cogs/components.py`."""

from __future__ import annotations

import asyncio

from bot.client import WatchClubBot
from sandbox import Sandbox, World


def _view_timeout_tasks() -> int:
    return sum(1 for task in asyncio.all_tasks() if "__timeout_task_impl" in repr(task.get_coro()))


async def test_replies_with_components_keep_no_view_and_still_answer(
    sandbox: Sandbox, world: World, bot: WatchClubBot
) -> None:
    club = world.guild("K-Drama Club")
    jun, general = club.member("jun"), club.channel("general")
    replies = [
        await sandbox.slash("help", member=jun, channel=general),
        await sandbox.slash("recommend", member=jun, channel=general),
        await sandbox.slash("title", member=jun, channel=general, options={"name": "love"}),
        await sandbox.slash(
            "watchparty schedule",
            member=jun,
            channel=general,
            options={"title": "Goblin", "when": "fri 8pm"},
        ),
    ]

    assert all(reply.components for reply in replies), [r.content for r in replies]
    assert any(reply.ephemeral for reply in replies)
    assert _view_timeout_tasks() == 0
    assert list(bot.persistent_views) == []
    help_reply = replies[0]
    assert help_reply.message is not None
    section = await sandbox.click(member=jun, message=help_reply.message, custom_id="help:settings")
    assert section.message is not None
    assert section.message.embeds
