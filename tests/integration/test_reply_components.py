"""Replies with buttons, menus and forms leave nothing behind in the bot. Every component is a
DynamicItem dispatched by its custom_id and every form is answered by its cog's listener, so a
stored view (with a 15-minute timeout task for each private reply, and for each Change form)
would only cost memory. `bench load` found 812 such tasks after 3 minutes at 40 interactions/s
before `cogs/components.py`."""

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
    await sandbox.slash("timezone", member=jun, channel=general, options={"zone": "Asia/Seoul"})
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
    preview = replies[-1].message
    assert preview is not None
    planned_for = str(preview.embeds)
    change = next(c for c in preview.custom_ids() if c.endswith(":change"))
    opened = await sandbox.click(member=jun, message=preview, custom_id=change)
    assert opened.modal is not None

    assert _view_timeout_tasks() == 0

    help_reply = replies[0].message
    assert help_reply is not None
    section = await sandbox.click(member=jun, message=help_reply, custom_id="help:settings")
    assert section.message is not None
    assert section.message.embeds
    revised = await sandbox.submit_modal(
        member=jun, custom_id=opened.modal["custom_id"], values={"when": "sat 9pm"}
    )
    assert revised.message is not None
    assert "Preview: Goblin" in str(revised.message.embeds)
    assert str(revised.message.embeds) != planned_for  # moved from Friday to Saturday
