"""/recommend through the real bot and the sandbox, after a versus poll: the server's answer
names the poll's winner as "it won a poll here", and the member who voted in a poll that names
its voters gets picks shaped by that vote, without being told they rated anything."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from bot.client import WatchClubBot
from bot.resources import Resources
from sandbox import Sandbox, World
from tests.integration.test_recommend import buttons, picked_ids

FRIEREN = "catalog:frieren-beyond-journeys-end"
CLOY = "catalog:crash-landing-on-you"


@pytest.fixture
def club(world: World) -> Any:
    return world.guild("K-Drama Club")


async def _closed_with_winners(bot: WatchClubBot, resources: Resources, poll_id: int) -> None:
    """Fire the close timer and wait until the poll's recount (its winners) is stored."""
    for _ in range(2000):
        await bot.services.timers.fire_due()
        await bot.services.timers.settle()
        row = await resources.db.fetchone("SELECT winners FROM polls WHERE id = ?", (poll_id,))
        if row is not None and row["winners"] is not None:
            return
        await asyncio.sleep(0.005)
    raise AssertionError("the poll's close never recorded its winners")


async def _posted_poll(bot: WatchClubBot, sandbox: Sandbox, channel: Any) -> Any:
    for _ in range(2000):
        bot.services.outbox.notify()
        posted = [m for m in sandbox.messages(channel) if not m.ephemeral and m.custom_ids()]
        if posted:
            return posted[-1]
        await asyncio.sleep(0.005)
    raise AssertionError("the poll message was never posted")


async def test_a_won_poll_is_named_and_a_named_vote_shapes_the_voters_picks(
    bot: WatchClubBot, resources: Resources, sandbox: Sandbox, club: Any
):
    sora, jun, general = club.member("sora"), club.member("jun"), club.channel("general")
    opened = await sandbox.slash(
        "poll versus",
        member=sora,
        channel=general,
        options={"slowburn": CLOY, "fantasy": FRIEREN, "anonymous": False},
    )
    assert opened.content.startswith("Versus poll #1 is open"), opened.content
    message = await _posted_poll(bot, sandbox, general)
    voted = await sandbox.click(member=jun, message=message, custom_id="poll:1:vote:1")
    assert voted.ephemeral
    closed = await sandbox.slash("poll close", member=sora, channel=general, options={"poll": 1})
    assert closed.content == "Poll #1 is closed; its results are being posted."
    await _closed_with_winners(bot, resources, 1)

    for_server = await sandbox.slash(
        "recommend", member=sora, channel=general, options={"for": "server", "count": 3}
    )
    assert picked_ids(for_server)[0] == FRIEREN
    first_line = for_server.embeds[0]["description"].split("\n\n")[0]
    assert "it won a poll here" in first_line, first_line

    mine = await sandbox.slash("recommend", member=jun, channel=general, options={"count": 5})
    [embed] = mine.embeds
    note = embed["fields"][0]["value"]
    assert "/rate" in note  # a vote is no rating: still invited
    assert "server's favourites" not in note  # but the picks are Jun's own
    assert "Rate a few titles" in buttons(mine)
    assert "you rated" not in embed["description"]
    lines = embed["description"].split("\n\n")
    # Past the poll's winner, what drives Jun's picks is the taste of what Jun voted for.
    taste_words = ("because you like", "you voted for")
    from_the_vote = [line for line in lines[1:] if any(w in line for w in taste_words)]
    assert from_the_vote, embed["description"]
    theirs = await sandbox.slash("recommend", member=sora, channel=general, options={"count": 5})
    assert "server's favourites" in theirs.embeds[0]["fields"][0]["value"]  # sora did nothing
    assert picked_ids(theirs) != picked_ids(mine)
