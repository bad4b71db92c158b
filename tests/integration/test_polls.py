"""/poll through the real bot and the sandbox, on a clock the tests move: what members see when
they open versus polls, polls and brackets, vote on them, close them, and take the winner to a
watch party."""

from __future__ import annotations

import asyncio
import copy
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bot.client import SyncMode, WatchClubBot, create_bot
from bot.config import Settings
from bot.polls.message import EDIT_SPACING
from bot.resources import Resources, open_resources
from sandbox import MANAGE_MESSAGES, Sandbox, World
from sandbox.testing import start_client
from tests.support.clock import PacedClock

NOW = datetime.now(UTC).replace(microsecond=0) + timedelta(days=1)
CLOY = "catalog:crash-landing-on-you"
FRIEREN = "catalog:frieren-beyond-journeys-end"
TORADORA = "catalog:toradora"
GOBLIN = "catalog:guardian-the-lonely-and-great-god"


@pytest.fixture
def clock() -> PacedClock:
    return PacedClock(NOW)


@pytest.fixture
async def resources(settings: Settings, clock: PacedClock) -> AsyncIterator[Resources]:
    async with open_resources(settings, clock=clock) as opened:
        yield opened


@pytest.fixture
def world() -> World:
    world = World.default()
    club = world.guild("K-Drama Club")
    club.add_member("mod", permissions=MANAGE_MESSAGES, global_name="Mod")
    for n in range(50):
        club.add_member(f"fan{n:02d}")
    other = world.add_guild("Anime Club")
    other.add_text_channel("lounge")
    other.add_member("yuki", global_name="Yuki")
    return world


@pytest.fixture
def club(world: World) -> Any:
    return world.guild("K-Drama Club")


# -- helpers ----------------------------------------------------------------------------------


async def _count(resources: Resources, sql: str, *args: object) -> int:
    row = await resources.db.fetchone(sql, args)
    assert row is not None
    return int(row["n"])


async def delivered(bot: WatchClubBot, resources: Resources) -> None:
    """Fire the timers due on the fake clock and wait until the outbox has sent what is ready."""
    timers = bot.services.timers
    for _ in range(2000):
        await timers.fire_due()
        await timers.settle()
        bot.services.outbox.notify()
        now = int(resources.clock.now().timestamp())
        due = await _count(
            resources,
            "SELECT count(*) AS n FROM timers"
            " WHERE state IN ('pending', 'claimed') AND run_at <= ?",
            now,
        )
        pending = await _count(
            resources,
            "SELECT count(*) AS n FROM outbox WHERE state = 'pending' AND send_after <= ?",
            now,
        )
        if due == 0 and pending == 0:
            return
        await asyncio.sleep(0.005)
    raise AssertionError("the timers or the outbox never finished what was due")


async def settled(bot: WatchClubBot, resources: Resources, clock: PacedClock) -> None:
    """Let the spaced edits of a poll message go: each waits EDIT_SPACING after the last."""
    await delivered(bot, resources)
    for _ in range(3):
        clock.advance(EDIT_SPACING)
        await delivered(bot, resources)


def posts(sandbox: Sandbox, channel: Any) -> list[Any]:
    return [m for m in sandbox.messages(channel) if not m.ephemeral]


def buttons(message: Any) -> list[dict[str, Any]]:
    return [item for row in message.components for item in row["components"]]


def poll_id_of(message: Any) -> int:
    return int(message.custom_ids()[0].split(":")[1])


async def posted_poll(
    bot: WatchClubBot, resources: Resources, sandbox: Sandbox, channel: Any
) -> Any:
    await delivered(bot, resources)
    return posts(sandbox, channel)[-1]


async def poll_rows(resources: Resources) -> int:
    return await _count(resources, "SELECT count(*) AS n FROM polls")


def modal_field_ids(modal: dict[str, Any]) -> dict[str, str]:
    """The custom_ids of a modal's text inputs, by label."""
    found: dict[str, str] = {}
    for item in modal["components"]:
        for field in item.get("components") or [item.get("component")]:
            if field and field.get("type") == 4:
                found[field.get("label") or item.get("label")] = field["custom_id"]
    return found


# -- versus -----------------------------------------------------------------------------------


async def test_a_versus_with_both_sides_named_shows_two_title_cards_and_two_buttons(
    bot: WatchClubBot, resources: Resources, sandbox: Sandbox, club: Any
):
    sora, general = club.member("sora"), club.channel("general")
    choices = await sandbox.autocomplete(
        "poll versus",
        member=sora,
        channel=general,
        options={"slowburn": "crash landing"},
        focused="slowburn",
    )
    assert choices[0]["value"] == CLOY
    choices = await sandbox.autocomplete(
        "poll versus",
        member=sora,
        channel=general,
        options={"slowburn": CLOY, "fantasy": "frieren"},
        focused="fantasy",
    )
    assert choices[0]["value"] == FRIEREN
    opened = await sandbox.slash(
        "poll versus", member=sora, channel=general, options={"slowburn": CLOY, "fantasy": FRIEREN}
    )
    assert opened.ephemeral
    assert opened.content.startswith(
        "Versus poll #1 is open: **Crash Landing on You** vs **Frieren: Beyond Journey's End**"
    )
    assert "Picked by the bot" not in opened.content

    message = await posted_poll(bot, resources, sandbox, general)
    assert message.content.startswith("\u2694\ufe0f **Slow-burn vs fantasy**")
    assert "Picked by the bot" not in message.content
    [slow, fantasy] = message.embeds
    assert slow["title"] == "Crash Landing on You"
    assert slow["footer"]["text"] == "Slow-burn side \u00b7 K-drama"
    assert "**Slow-burn** 0." in slow["description"]
    assert "**Fantasy** 0." in slow["description"]
    assert slow["description"].startswith("*")  # the one-line hook
    assert fantasy["title"] == "Frieren: Beyond Journey's End"
    assert fantasy["footer"]["text"] == "Fantasy side \u00b7 Anime"
    assert [(b["label"], b["custom_id"]) for b in buttons(message)] == [
        ("Crash Landing on You", "poll:1:vote:0"),
        ("Frieren: Beyond Journey's End", "poll:1:vote:1"),
    ]


async def test_a_versus_without_sides_is_picked_by_the_bot_which_says_why(
    bot: WatchClubBot, resources: Resources, sandbox: Sandbox, club: Any
):
    sora, general = club.member("sora"), club.channel("general")
    opened = await sandbox.slash("poll versus", member=sora, channel=general)
    assert opened.ephemeral
    assert "Picked by the bot: " in opened.content
    message = await posted_poll(bot, resources, sandbox, general)
    [slow, fantasy] = message.embeds
    assert slow["footer"]["text"].startswith("Slow-burn side")
    assert fantasy["footer"]["text"].startswith("Fantasy side")
    assert slow["title"] != fantasy["title"]
    assert len(buttons(message)) == 2
    # Everyone who sees the poll is told why these two, not only the member who asked.
    reason = opened.content.split("-# ", 1)[1]
    assert f"-# {reason}" in message.content.replace("\\", "")  # names are markdown-escaped


async def test_a_versus_with_one_side_named_gets_an_opponent_picked_for_it(
    bot: WatchClubBot, resources: Resources, sandbox: Sandbox, club: Any
):
    sora, general = club.member("sora"), club.channel("general")
    opened = await sandbox.slash(
        "poll versus", member=sora, channel=general, options={"slowburn": CLOY}
    )
    assert opened.ephemeral
    assert opened.content.startswith("Versus poll #1 is open: **Crash Landing on You** vs **")
    assert "Picked by the bot: " in opened.content
    message = await posted_poll(bot, resources, sandbox, general)
    [slow, fantasy] = message.embeds
    assert slow["title"] == "Crash Landing on You"
    assert fantasy["title"] != "Crash Landing on You"
    assert fantasy["footer"]["text"].startswith("Fantasy side")


# -- create -----------------------------------------------------------------------------------


async def test_a_single_choice_poll_mixes_titles_and_text_and_nothing_in_it_pings(
    bot: WatchClubBot, resources: Resources, sandbox: Sandbox, club: Any
):
    sora, general = club.member("sora"), club.channel("general")
    choices = await sandbox.autocomplete(
        "poll create",
        member=sora,
        channel=general,
        options={"question": "Friday?", "option1": "toradora"},
        focused="option1",
    )
    assert choices[0]["value"] == TORADORA
    opened = await sandbox.slash(
        "poll create",
        member=sora,
        channel=general,
        options={
            "question": "What do we watch on Friday? @everyone",
            "option1": TORADORA,
            "option2": "@everyone rewatch *Goblin*",
            "option3": f"<@{club.member('jun').id}>'s pick",
            "option4": "@here nothing",
        },
    )
    assert opened.ephemeral
    assert opened.content.startswith("Poll #1 is open with 4 options")
    message = await posted_poll(bot, resources, sandbox, general)
    assert message.content.startswith("\U0001f4ca **What do we watch on Friday? @\u200beveryone**")
    assert "**1.** Toradora!" in message.content
    assert "**2.** @\u200beveryone rewatch \\*Goblin\\*" in message.content
    assert f"**3.** <@\u200b{club.member('jun').id}>'s pick" in message.content
    assert "**4.** @\u200bhere nothing" in message.content
    assert message.mentions == []
    assert message.mention_everyone is False
    assert message.mention_roles == []
    assert message.allowed_mentions is not None
    assert message.allowed_mentions.get("parse", []) == []
    assert not message.allowed_mentions.get("users")
    assert [b["label"] for b in buttons(message)] == [
        "1. Toradora!",
        "2. @everyone rewatch *Goblin*",  # a button label cannot ping
        f"3. <@{club.member('jun').id}>'s pick",
        "4. @here nothing",
    ]
    assert message.embeds == []
    # Every message the bot wrote said whom it may ping, and never everyone.
    for request in sandbox.requests:
        body = request.json if isinstance(request.json, dict) else {}
        payload = body.get("data", body) if request.path.endswith("/callback") else body
        if isinstance(payload, dict) and "content" in payload:
            assert "everyone" not in payload["allowed_mentions"].get("parse", [])
            assert "users" not in payload["allowed_mentions"].get("parse", [])

    voted = await sandbox.click(member=sora, message=message, custom_id="poll:1:vote:1")
    assert voted.ephemeral
    assert voted.content.startswith("Your vote in poll #1: **@\u200beveryone rewatch")
    assert voted.message is not None
    assert voted.message.mentions == []
    assert voted.message.mention_everyone is False


async def test_an_over_long_option_is_refused_privately_naming_the_limit_and_nothing_is_written(
    bot: WatchClubBot, resources: Resources, sandbox: Sandbox, club: Any
):
    sora, general = club.member("sora"), club.channel("general")
    refused = await sandbox.slash(
        "poll create",
        member=sora,
        channel=general,
        options={"question": "Which?", "option1": "Toradora", "option2": "x" * 90},
    )
    assert refused.ephemeral
    assert refused.content == "Option 2 can be at most 80 characters; that one has 90."
    await delivered(bot, resources)
    assert await poll_rows(resources) == 0
    assert await _count(resources, "SELECT count(*) AS n FROM outbox") == 0
    assert await _count(resources, "SELECT count(*) AS n FROM timers WHERE kind LIKE 'poll.%'") == 0
    assert posts(sandbox, general) == []


async def test_a_multi_poll_takes_up_to_its_number_of_choices(
    bot: WatchClubBot, resources: Resources, sandbox: Sandbox, club: Any, clock: PacedClock
):
    sora, jun, general = club.member("sora"), club.member("jun"), club.channel("general")
    await sandbox.slash(
        "poll create",
        member=sora,
        channel=general,
        options={
            "question": "Which two this month?",
            "option1": CLOY,
            "option2": TORADORA,
            "option3": "Anything with ghosts",
            "multi": 2,
            "results": "live",
        },
    )
    message = await posted_poll(bot, resources, sandbox, general)
    assert "Choose up to 2." in message.content
    first = await sandbox.click(member=jun, message=message, custom_id="poll:1:vote:0")
    assert first.content.startswith(
        "Your choices in poll #1 (1 of up to 2): **Crash Landing on You**."
    )
    second = await sandbox.click(member=jun, message=message, custom_id="poll:1:vote:2")
    assert second.content.startswith(
        "Your choices in poll #1 (2 of up to 2): "
        "**Crash Landing on You**, **Anything with ghosts**."
    )
    third = await sandbox.click(member=jun, message=message, custom_id="poll:1:vote:1")
    assert third.ephemeral
    assert third.content.startswith(
        "You can choose up to 2 options and have: Crash Landing on You, Anything with ghosts."
    )
    back = await sandbox.click(member=jun, message=message, custom_id="poll:1:vote:0")
    assert back.content.startswith(
        "Your choices in poll #1 (1 of up to 2): **Anything with ghosts**."
    )
    await sandbox.click(member=sora, message=message, custom_id="poll:1:vote:2")
    await settled(bot, resources, clock)
    assert "2 votes" in message.content
    assert "100% (2) **3.** Anything with ghosts" in message.content
    assert "0% (0) **1.** Crash Landing on You" in message.content


async def rank(sandbox: Sandbox, member: Any, message: Any, poll_id: int) -> Any:
    """Press Rank: the form that opened."""
    opened = await sandbox.click(member=member, message=message, custom_id=f"poll:{poll_id}:rank")
    assert opened.modal is not None, opened.content
    assert opened.modal["custom_id"] == f"poll:{poll_id}:rankform"
    return opened.modal


async def submit_ranking(sandbox: Sandbox, member: Any, modal: dict[str, Any], typed: str) -> Any:
    [field] = modal_field_ids(modal).values()
    return await sandbox.submit_modal(
        member=member, custom_id=modal["custom_id"], values={field: typed}
    )


async def test_a_ranked_poll_collects_rankings_in_a_form_and_counts_them_by_runoff(
    bot: WatchClubBot, resources: Resources, sandbox: Sandbox, club: Any, clock: PacedClock
):
    sora, general = club.member("sora"), club.channel("general")
    await sandbox.slash(
        "poll create",
        member=sora,
        channel=general,
        options={
            "question": "Rank the winter watchlist",
            "option1": CLOY,
            "option2": FRIEREN,
            "option3": TORADORA,
            "ranked": True,
        },
    )
    message = await posted_poll(bot, resources, sandbox, general)
    assert [(b["label"], b["custom_id"]) for b in buttons(message)] == [
        ("Rank the options", "poll:1:rank")
    ]
    # Three first choices each for CLOY and Frieren; Toradora's one goes on to Frieren.
    rankings = ["1 2 3", "1 3", "1", "2 1", "2 3 1", "2", "3, 2, 1"]
    for n, typed in enumerate(rankings):
        fan = club.member(f"fan{n:02d}")
        modal = await rank(sandbox, fan, message, 1)
        answered = await submit_ranking(sandbox, fan, modal, typed)
        assert answered.ephemeral
        assert answered.content.startswith("Your ranking in poll #1: ")
    fan = club.member("fan00")
    modal = await rank(sandbox, fan, message, 1)
    shown = next(
        f for row in modal["components"] for f in row.get("components") or [row.get("component")]
    )
    assert shown["value"] == "1 2 3"  # the form opens with the member's ranking
    bad = await submit_ranking(sandbox, fan, modal, "1 1")
    assert bad.ephemeral
    assert bad.content.startswith("Rank each option at most once, using numbers from 1 to 3")

    closed = await sandbox.slash("poll close", member=sora, channel=general, options={"poll": 1})
    assert closed.ephemeral
    await settled(bot, resources, clock)
    results = posts(sandbox, general)[-1]
    [embed] = results.embeds
    assert embed["description"].startswith("\U0001f3c6 **Frieren: Beyond Journey's End** wins.")
    runoff = {f["name"]: f["value"] for f in embed["fields"]}["Instant runoff"]
    assert runoff.startswith("**Round 1:**")
    assert "**Round 2:**" in runoff
    assert results.attachments[0]["filename"] == "results.png"


async def test_a_ranking_form_opened_before_a_restart_is_answered_after_it(
    settings: Settings, sandbox: Sandbox, club: Any, clock: PacedClock
):
    sora, jun, general = club.member("sora"), club.member("jun"), club.channel("general")
    async with open_resources(settings, clock=clock) as resources:
        first = create_bot(settings, resources, sync_mode=SyncMode.AUTO)
        async with start_client(first, sandbox):
            await sandbox.wait_synced()
            await sandbox.slash(
                "poll create",
                member=sora,
                channel=general,
                options={
                    "question": "Rank these",
                    "option1": CLOY,
                    "option2": FRIEREN,
                    "option3": "Something else",
                    "ranked": True,
                    "results": "live",
                },
            )
            message = await posted_poll(first, resources, sandbox, general)
            modal = await rank(sandbox, jun, message, 1)

    async with open_resources(settings, clock=clock) as resources:
        second = create_bot(settings, resources, sync_mode=SyncMode.AUTO)
        async with start_client(second, sandbox):
            answered = await submit_ranking(sandbox, jun, modal, "2 3 1")
            assert answered.ephemeral
            assert answered.content.startswith(
                "Your ranking in poll #1: **Frieren: Beyond Journey's End** > **Something else** "
                "> **Crash Landing on You**."
            )
            await settled(second, resources, clock)
            assert "100% (1) **2.** Frieren" in message.content


# -- voting -----------------------------------------------------------------------------------


async def test_fifty_members_vote_at_once_each_is_answered_privately_and_the_tally_is_exact(
    bot: WatchClubBot, resources: Resources, sandbox: Sandbox, club: Any, clock: PacedClock
):
    sora, general = club.member("sora"), club.channel("general")
    await sandbox.slash(
        "poll versus",
        member=sora,
        channel=general,
        options={"slowburn": CLOY, "fantasy": FRIEREN, "results": "live"},
    )
    message = await posted_poll(bot, resources, sandbox, general)
    fans = [club.member(f"fan{n:02d}") for n in range(50)]
    names = ["Crash Landing on You", "Frieren: Beyond Journey's End"]
    answers = await asyncio.gather(
        *(
            sandbox.click(member=fan, message=message, custom_id=f"poll:1:vote:{n % 2}")
            for n, fan in enumerate(fans)
        )
    )
    for n, answered in enumerate(answers):
        assert answered.ephemeral
        assert answered.content.startswith(f"Your vote in poll #1: **{names[n % 2]}**."), (
            answered.content
        )
        assert "Anonymous: only you can see this." in answered.content
    changed = await sandbox.click(member=fans[0], message=message, custom_id="poll:1:vote:1")
    assert changed.content.startswith(f"Your vote in poll #1: **{names[1]}**.")
    taken = await sandbox.click(member=fans[2], message=message, custom_id="poll:1:vote:0")
    assert taken.content.startswith("Your vote in poll #1 is taken back.")
    again = await sandbox.click(member=fans[2], message=message, custom_id="poll:1:vote:0")
    assert again.content.startswith(f"Your vote in poll #1: **{names[0]}**.")

    await settled(bot, resources, clock)
    assert "50 votes" in message.content
    assert f"48% (24) **1.** {names[0]}" in message.content
    assert f"52% (26) **2.** {names[1]}" in message.content
    edits = [
        r
        for r in sandbox.requests
        if r.method == "PATCH" and r.path.endswith(f"/messages/{message.id}")
    ]
    assert 1 <= len(edits) < 10  # the edits collapse: not one per vote

    await sandbox.slash("poll close", member=sora, channel=general, options={"poll": 1})
    await settled(bot, resources, clock)
    [embed] = posts(sandbox, general)[-1].embeds
    assert embed["description"].startswith(f"\U0001f3c6 **{names[1]}** wins.")
    assert {f["name"]: f["value"] for f in embed["fields"]}["Turnout"] == "50 voters"


async def test_a_closed_poll_refuses_votes_with_a_clear_private_message(
    bot: WatchClubBot, resources: Resources, sandbox: Sandbox, club: Any, clock: PacedClock
):
    sora, jun, general = club.member("sora"), club.member("jun"), club.channel("general")
    await sandbox.slash(
        "poll versus",
        member=sora,
        channel=general,
        options={"slowburn": CLOY, "fantasy": FRIEREN, "duration": "10m"},
    )
    message = await posted_poll(bot, resources, sandbox, general)
    as_seen = copy.deepcopy(message)  # what a member's client still shows, buttons and all
    await sandbox.click(member=jun, message=message, custom_id="poll:1:vote:0")
    clock.advance(10 * 60)
    await settled(bot, resources, clock)
    assert message.components == []  # the closed poll lost its buttons
    assert "\U0001f3c1 Closed <t:" in message.content
    late = await sandbox.click(member=sora, message=as_seen, custom_id="poll:1:vote:1")
    assert late.ephemeral
    assert late.content == "Poll #1 is closed, so it takes no more votes. `/poll results 1`"
    again = await sandbox.click(member=jun, message=as_seen, custom_id="poll:1:vote:0")
    assert again.content == late.content  # nor can a vote be taken back
    await settled(bot, resources, clock)
    [embed] = posts(sandbox, general)[-1].embeds
    assert {f["name"]: f["value"] for f in embed["fields"]}["Turnout"] == "1 voter"


async def test_the_vote_buttons_work_after_a_restart(
    settings: Settings, sandbox: Sandbox, club: Any, clock: PacedClock
):
    sora, jun, general = club.member("sora"), club.member("jun"), club.channel("general")
    async with open_resources(settings, clock=clock) as resources:
        first = create_bot(settings, resources, sync_mode=SyncMode.AUTO)
        async with start_client(first, sandbox):
            await sandbox.wait_synced()
            await sandbox.slash(
                "poll versus",
                member=sora,
                channel=general,
                options={"slowburn": CLOY, "fantasy": FRIEREN, "results": "live"},
            )
            message = await posted_poll(first, resources, sandbox, general)
            await sandbox.click(member=sora, message=message, custom_id="poll:1:vote:0")
            await settled(first, resources, clock)
    assert "1 vote" in message.content

    async with open_resources(settings, clock=clock) as resources:
        second = create_bot(settings, resources, sync_mode=SyncMode.AUTO)
        async with start_client(second, sandbox):
            voted = await sandbox.click(member=jun, message=message, custom_id="poll:1:vote:1")
            assert voted.ephemeral
            assert voted.content.startswith(
                "Your vote in poll #1: **Frieren: Beyond Journey's End**."
            )
            again = await sandbox.click(member=sora, message=message, custom_id="poll:1:vote:0")
            assert again.content.startswith("Your vote in poll #1 is taken back.")
            await settled(second, resources, clock)
            assert "1 vote" in message.content
            assert "100% (1) **2.** Frieren" in message.content
    assert len(posts(sandbox, general)) == 1


# -- closing, results and the hand-off ---------------------------------------------------------


async def test_only_the_creator_or_manage_messages_may_close_early(
    bot: WatchClubBot, resources: Resources, sandbox: Sandbox, club: Any, clock: PacedClock
):
    sora, jun, mod = club.member("sora"), club.member("jun"), club.member("mod")
    general = club.channel("general")
    for question in ("First?", "Second?"):
        await sandbox.slash(
            "poll create",
            member=sora,
            channel=general,
            options={"question": question, "option1": "Yes", "option2": "No"},
        )
    await delivered(bot, resources)
    seen = len(posts(sandbox, general))
    refused = await sandbox.slash("poll close", member=jun, channel=general, options={"poll": 1})
    assert refused.ephemeral
    assert refused.content == (
        "Only the poll's creator or a member with Manage Messages can change or close it."
    )
    await settled(bot, resources, clock)
    assert len(posts(sandbox, general)) == seen
    listed = await sandbox.slash("poll list", member=jun, channel=general)
    assert "**#1** First?" in listed.embeds[0]["description"]

    by_creator = await sandbox.slash(
        "poll close", member=sora, channel=general, options={"poll": 1}
    )
    assert by_creator.ephemeral
    assert by_creator.content == "Poll #1 is closed; its results are being posted."
    by_mod = await sandbox.slash("poll close", member=mod, channel=general, options={"poll": 2})
    assert by_mod.content == "Poll #2 is closed; its results are being posted."
    twice = await sandbox.slash("poll close", member=sora, channel=general, options={"poll": 1})
    assert twice.content == "Poll #1 is already closed."
    await settled(bot, resources, clock)
    results = posts(sandbox, general)[seen:]
    assert sorted(m.content for m in results) == [
        "\U0001f3c1 Poll #1 has closed.",
        "\U0001f3c1 Poll #2 has closed.",
    ]
    for result in results:
        [embed] = result.embeds
        assert embed["description"].startswith("Nobody voted, so there is no winner.")
        assert result.components == []  # nothing won, so nothing to schedule
    for poll in posts(sandbox, general)[:seen]:
        assert "\U0001f3c1 Closed early <t:" in poll.content
        assert poll.components == []
    listed = await sandbox.slash("poll list", member=jun, channel=general)
    assert listed.embeds[0]["description"].startswith("No poll is open.")


async def test_the_creator_edits_the_question_and_deadline_and_the_message_follows(
    bot: WatchClubBot, resources: Resources, sandbox: Sandbox, club: Any, clock: PacedClock
):
    sora, jun, general = club.member("sora"), club.member("jun"), club.channel("general")
    await sandbox.slash(
        "poll create",
        member=sora,
        channel=general,
        options={"question": "Friday?", "option1": "Yes", "option2": "No", "duration": "1h"},
    )
    message = await posted_poll(bot, resources, sandbox, general)
    await sandbox.click(member=jun, message=message, custom_id="poll:1:vote:0")
    refused = await sandbox.slash(
        "poll edit", member=jun, channel=general, options={"poll": 1, "question": "Mine?"}
    )
    assert refused.content == (
        "Only the poll's creator or a member with Manage Messages can change or close it."
    )
    empty = await sandbox.slash("poll edit", member=sora, channel=general, options={"poll": 1})
    assert empty.ephemeral
    assert "Give a new `question`" in empty.content
    edited = await sandbox.slash(
        "poll edit",
        member=sora,
        channel=general,
        options={"poll": 1, "question": "Saturday @everyone?", "duration": "3h"},
    )
    assert edited.ephemeral
    deadline = int((clock.now() + timedelta(hours=3)).timestamp())
    assert edited.content == (
        f"Poll #1 is updated: its question and its deadline, now <t:{deadline}:R> "
        f"(<t:{deadline}:f>). Votes stay as they are."
    )
    await settled(bot, resources, clock)
    [poll] = posts(sandbox, general)
    assert "**Saturday @\u200beveryone?**" in poll.content
    assert f"Closes <t:{deadline}:R>" in poll.content
    assert "1 vote" in poll.content
    assert not poll.mention_everyone
    clock.advance(3600)  # the old deadline: still open
    await delivered(bot, resources)
    vote = await sandbox.click(member=sora, message=poll, custom_id="poll:1:vote:1")
    assert vote.content.startswith("Your vote in poll #1: **No**")


async def test_a_poll_closes_at_its_deadline_posts_a_chart_and_hands_off_to_a_watch_party(
    bot: WatchClubBot, resources: Resources, sandbox: Sandbox, club: Any, clock: PacedClock
):
    sora, jun, general = club.member("sora"), club.member("jun"), club.channel("general")
    await sandbox.slash(
        "poll versus",
        member=sora,
        channel=general,
        options={"slowburn": CLOY, "fantasy": FRIEREN, "duration": "2h"},
    )
    message = await posted_poll(bot, resources, sandbox, general)
    await sandbox.click(member=sora, message=message, custom_id="poll:1:vote:0")
    await sandbox.click(member=jun, message=message, custom_id="poll:1:vote:0")
    await sandbox.click(member=club.member("mina"), message=message, custom_id="poll:1:vote:1")
    clock.advance(2 * 3600 - 1)
    await delivered(bot, resources)
    assert len(posts(sandbox, general)) == 1  # not before its deadline
    assert message.components != []
    clock.advance(1)
    await settled(bot, resources, clock)

    results = posts(sandbox, general)[-1]
    assert results.content == "\U0001f3c1 Poll #1 has closed."
    [embed] = results.embeds
    assert embed["description"].startswith("\U0001f3c6 **Crash Landing on You** wins.")
    assert "67% (2) \U0001f3c6 Crash Landing on You" in embed["description"]
    assert "33% (1) Frieren" in embed["description"]
    assert embed["image"]["url"] == "attachment://results.png"
    [chart] = results.attachments
    assert chart["filename"] == "results.png"
    assert sandbox.attachment_data(chart).startswith(b"\x89PNG\r\n\x1a\n")
    [handoff] = buttons(results)
    assert handoff["label"] == "Schedule a watch party: Crash Landing on You"
    assert handoff["custom_id"] == "poll:1:party:0"
    assert message.components == []
    assert "\U0001f3c1 Closed <t:" in message.content
    assert "67% (2) **1.** Crash Landing on You" in message.content

    zone = await sandbox.slash(
        "timezone", member=jun, channel=general, options={"zone": "Asia/Seoul"}
    )
    assert "Your timezone is now" in zone.embeds[0]["description"]
    opened = await sandbox.click(member=jun, message=results, custom_id="poll:1:party:0")
    assert opened.modal is not None, opened.content
    assert opened.modal["title"] == "Watch party: Crash Landing on You"
    fields = modal_field_ids(opened.modal)
    preview = await sandbox.submit_modal(
        member=jun,
        custom_id=opened.modal["custom_id"],
        values={fields["When"]: "tomorrow 9pm", fields["Where (a link, optional)"]: ""},
    )
    assert preview.ephemeral
    assert preview.message is not None, preview.content
    [plan] = preview.embeds
    assert "Crash Landing on You" in plan["title"]
    [confirm, change] = preview.message.custom_ids()
    assert (confirm.endswith(":confirm"), change.endswith(":change")) == (True, True)
    assert posts(sandbox, general)[-1] is results  # nothing is posted before Confirm
    posted = await sandbox.click(member=jun, message=preview.message, custom_id=confirm)
    assert posted.ephemeral
    assert "is on" in posted.embeds[0]["title"]
    await delivered(bot, resources)
    announcement = posts(sandbox, general)[-1]
    assert announcement.embeds[0]["title"].endswith("Crash Landing on You")
    assert "Chosen by poll #1." in str(announcement.embeds[0])
    assert any(i.endswith(":rsvp:going") for i in announcement.custom_ids())


async def test_results_list_and_voters(
    bot: WatchClubBot, resources: Resources, sandbox: Sandbox, club: Any, clock: PacedClock
):
    sora, jun, general = club.member("sora"), club.member("jun"), club.channel("general")
    await sandbox.slash(  # 1: anonymous, results at the close
        "poll create",
        member=sora,
        channel=general,
        options={"question": "Secret?", "option1": "Yes", "option2": "No"},
    )
    await sandbox.slash(  # 2: open, live
        "poll create",
        member=sora,
        channel=general,
        options={
            "question": "Open?",
            "option1": "Yes",
            "option2": "No",
            "anonymous": False,
            "results": "live",
        },
    )
    await delivered(bot, resources)
    secret, open_ = posts(sandbox, general)
    await sandbox.click(member=jun, message=secret, custom_id="poll:1:vote:0")
    await sandbox.click(member=jun, message=open_, custom_id="poll:2:vote:1")
    await sandbox.click(member=sora, message=open_, custom_id="poll:2:vote:0")

    listed = await sandbox.slash("poll list", member=jun, channel=general)
    assert listed.ephemeral
    lines = listed.embeds[0]["description"].splitlines()
    assert len(lines) == 2
    assert lines[0].startswith("**#2** Open? \u00b7 poll \u00b7 2 votes")
    assert lines[1].startswith("**#1** Secret? \u00b7 poll \u00b7 1 vote")

    hidden = await sandbox.slash("poll results", member=sora, channel=general, options={"poll": 1})
    assert hidden.ephemeral
    assert hidden.content.startswith("Poll #1 shows its results when it closes")
    so_far = await sandbox.slash("poll results", member=jun, channel=general, options={"poll": 2})
    assert so_far.ephemeral
    assert so_far.embeds[0]["title"] == "So far: Open?"
    assert so_far.message is not None
    assert so_far.message.attachments[0]["filename"] == "results.png"

    await sandbox.slash(  # 3: open, results at the close
        "poll create",
        member=sora,
        channel=general,
        options={"question": "Later?", "option1": "Yes", "option2": "No", "anonymous": False},
    )
    not_yet = await sandbox.slash("poll voters", member=jun, channel=general, options={"poll": 3})
    assert not_yet.ephemeral
    assert not_yet.content.startswith("Poll #3 shows its results at the close")
    anonymous = await sandbox.slash(
        "poll voters", member=club.member("mina"), channel=general, options={"poll": 1}
    )
    assert anonymous.ephemeral
    assert anonymous.content.startswith("Poll #1 is anonymous")
    named = await sandbox.slash("poll voters", member=jun, channel=general, options={"poll": 2})
    assert named.ephemeral
    shown = {f["name"]: f["value"] for f in named.embeds[0]["fields"]}
    assert shown == {"1. Yes": f"<@{sora.id}>", "2. No": f"<@{jun.id}>"}
    assert named.message is not None
    assert named.message.mentions == []

    choices = await sandbox.autocomplete(
        "poll results", member=jun, channel=general, options={"poll": ""}, focused="poll"
    )
    assert [c["value"] for c in choices] == [3, 2, 1]

    await sandbox.slash("poll close", member=sora, channel=general, options={"poll": 1})
    await settled(bot, resources, clock)
    final = await sandbox.slash("poll results", member=jun, channel=general, options={"poll": 1})
    assert final.embeds[0]["title"] == "Results: Secret?"
    assert final.embeds[0]["description"].startswith("\U0001f3c6 **Yes** wins.")
    assert final.message is not None
    assert final.message.attachments[0]["filename"] == "results.png"
    still_anonymous = await sandbox.slash(
        "poll voters", member=sora, channel=general, options={"poll": 1}
    )
    assert still_anonymous.content.startswith("Poll #1 is anonymous")


async def test_stats_show_the_servers_lean_with_a_chart_once_versus_polls_closed(
    bot: WatchClubBot, resources: Resources, sandbox: Sandbox, club: Any, clock: PacedClock
):
    sora, general = club.member("sora"), club.channel("general")
    empty = await sandbox.slash("poll stats", member=sora, channel=general)
    assert empty.ephemeral
    assert empty.embeds[0]["description"].startswith("No versus poll has closed here yet.")
    assert empty.message is None or empty.message.attachments == []

    await sandbox.slash(
        "poll versus", member=sora, channel=general, options={"slowburn": CLOY, "fantasy": FRIEREN}
    )
    message = await posted_poll(bot, resources, sandbox, general)
    await sandbox.click(member=sora, message=message, custom_id="poll:1:vote:0")
    await sandbox.slash("poll close", member=sora, channel=general, options={"poll": 1})
    await settled(bot, resources, clock)

    stats = await sandbox.slash("poll stats", member=club.member("jun"), channel=general)
    assert stats.ephemeral
    [embed] = stats.embeds
    assert embed["description"] == "Across 1 closed versus poll."
    shown = {f["name"]: f["value"] for f in embed["fields"]}
    assert "Slow-burn 1 (100%)" in shown["Slow-burn vs fantasy"]
    assert "K-drama 1 (100%)" in shown["K-drama vs anime"]
    assert shown["Won most"].startswith("1. Crash Landing on You \u00b7 1 win")
    assert embed["image"]["url"] == "attachment://compass.png"
    assert stats.message is not None
    [chart] = stats.message.attachments
    assert chart["filename"] == "compass.png"
    assert sandbox.attachment_data(chart).startswith(b"\x89PNG")


# -- brackets ---------------------------------------------------------------------------------


async def test_a_bracket_of_four_runs_its_rounds_and_posts_the_winner_with_the_drawing(
    bot: WatchClubBot, resources: Resources, sandbox: Sandbox, club: Any, clock: PacedClock
):
    sora, jun, general = club.member("sora"), club.member("jun"), club.channel("general")
    started = await sandbox.slash(
        "poll bracket",
        member=sora,
        channel=general,
        options={
            "name": "Best of the winter",
            "titles": "Crash Landing on You; Frieren; Toradora; My very own pick",
        },
    )
    assert started.ephemeral
    assert started.content.startswith(
        "Bracket #1 **Best of the winter** has begun: 4 titles, 2 rounds."
    )
    assert "1. Crash Landing on You, 2. Frieren: Beyond Journey's End, 3. Toradora!, " in (
        started.content
    )
    await delivered(bot, resources)
    semis = posts(sandbox, general)
    assert len(semis) == 2
    by_poll = {poll_id_of(m): m for m in semis}
    for match in semis:
        assert "Best of the winter \u00b7 Semi-final" in match.content
        assert len(buttons(match)) == 2
    # Seeds 1 v 4 and 2 v 3; the lower seed wins the second semi.
    first, second = sorted(by_poll)
    assert [b["label"] for b in buttons(by_poll[first])] == [
        "Crash Landing on You",
        "My very own pick",
    ]
    await sandbox.click(member=jun, message=by_poll[first], custom_id=f"poll:{first}:vote:0")
    await sandbox.click(member=jun, message=by_poll[second], custom_id=f"poll:{second}:vote:1")

    await sandbox.slash("poll close", member=sora, channel=general, options={"poll": first})
    await settled(bot, resources, clock)
    assert len(posts(sandbox, general)) == 3  # one semi's results; the final waits for the other
    await sandbox.slash("poll close", member=sora, channel=general, options={"poll": second})
    await settled(bot, resources, clock)
    final = next(m for m in posts(sandbox, general) if "\u00b7 Final" in m.content)
    final_id = poll_id_of(final)
    assert [b["label"] for b in buttons(final)] == ["Crash Landing on You", "Toradora!"]
    await sandbox.click(member=jun, message=final, custom_id=f"poll:{final_id}:vote:1")
    await sandbox.click(member=sora, message=final, custom_id=f"poll:{final_id}:vote:1")
    await sandbox.slash("poll close", member=sora, channel=general, options={"poll": final_id})
    await settled(bot, resources, clock)

    winner = posts(sandbox, general)[-1]
    assert winner.content.startswith("\U0001f3c6 **Toradora!** wins **Best of the winter**!")
    [embed] = winner.embeds
    assert embed["image"]["url"] == "attachment://bracket.png"
    assert "**Semi-final:** beat Frieren" in embed["description"]
    assert "**Final:** beat Crash Landing on You" in embed["description"]
    [drawing] = winner.attachments
    assert drawing["filename"] == "bracket.png"
    assert sandbox.attachment_data(drawing).startswith(b"\x89PNG")
    assert winner.custom_ids() == [f"poll:{final_id}:party:1"]
    opened = await sandbox.click(member=jun, message=winner, custom_id=f"poll:{final_id}:party:1")
    assert opened.modal is not None, opened.content
    assert opened.modal["title"] == "Watch party: Toradora!"


# -- other servers ----------------------------------------------------------------------------


async def test_another_servers_poll_is_refused_everywhere(
    bot: WatchClubBot, resources: Resources, sandbox: Sandbox, club: Any, world: World
):
    sora, general = club.member("sora"), club.channel("general")
    await sandbox.slash(
        "poll create",
        member=sora,
        channel=general,
        options={
            "question": "Ours?",
            "option1": "Yes",
            "option2": "No",
            "anonymous": False,
            "results": "live",
        },
    )
    await delivered(bot, resources)
    other = world.guild("Anime Club")
    yuki, lounge = other.member("yuki"), other.channel("lounge")
    for command in ("poll close", "poll results", "poll voters"):
        refused = await sandbox.slash(command, member=yuki, channel=lounge, options={"poll": 1})
        assert refused.ephemeral, command
        assert refused.content == "There is no poll #1 in this server.", command
    listed = await sandbox.slash("poll list", member=yuki, channel=lounge)
    assert listed.embeds[0]["description"].startswith("No poll is open.")
    for command in ("poll close", "poll results", "poll voters"):
        choices = await sandbox.autocomplete(
            command, member=yuki, channel=lounge, options={"poll": ""}, focused="poll"
        )
        assert choices == [], command
    stats = await sandbox.slash("poll stats", member=yuki, channel=lounge)
    assert stats.embeds[0]["description"].startswith("No versus poll has closed here yet.")
    assert await _count(resources, "SELECT count(*) AS n FROM polls WHERE closed_at IS NULL") == 1


async def test_a_bracket_name_is_a_title_only_when_it_is_one_of_its_names(
    bot: WatchClubBot, resources: Resources, sandbox: Sandbox, club: Any
):
    sora, general = club.member("sora"), club.channel("general")
    started = await sandbox.slash(
        "poll bracket",
        member=sora,
        channel=general,
        options={"name": "Names", "titles": "reply 88; Love; CLOY; toradora"},
    )
    assert "Seeds: 1. Reply 1988, 2. Love, 3. Crash Landing on You, 4. Toradora!" in (
        started.content
    )
    await delivered(bot, resources)
    cards = [e["title"] for m in posts(sandbox, general) for e in m.embeds]
    assert sorted(cards) == ["Crash Landing on You", "Reply 1988", "Toradora!"]  # Love: text


async def test_duration_autocompletes_the_same_lengths_for_versus_create_and_edit(
    bot: WatchClubBot, sandbox: Sandbox, club: Any
):
    sora, general = club.member("sora"), club.channel("general")
    for command, options in (
        ("poll versus", {}),
        ("poll create", {"question": "Q?", "option1": "A", "option2": "B"}),
        ("poll edit", {"poll": 1}),
    ):
        choices = await sandbox.autocomplete(
            command,
            member=sora,
            channel=general,
            options={**options, "duration": "1"},
            focused="duration",
        )
        assert [c["value"] for c in choices] == ["10m", "1h", "12h"], command
