"""Polls through the service on a real SQLite file and a fake clock: what members see when they
vote, when a poll closes, and what the database keeps."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from bot.clock import to_unix
from bot.errors import UserFacingError
from bot.polls.message import EDIT_SPACING, message_key
from bot.polls.models import OptionSpec, PollKind, ResultsVisibility
from bot.storage.database import run_statement
from tests.unit.polls.conftest import CHANNEL, CREATOR, GUILD, OTHER_GUILD, PollWorld

MEMBERS = [10_000_000_000_000_000 + n for n in range(1, 61)]  # snowflake-sized ids
PNG = b"\x89PNG\r\n\x1a\n"


def poll_message(world: PollWorld):
    return next(m for m in world.discord.messages.values() if "Poll #" in m.content)


def posted(world: PollWorld):
    return [post.message for post in world.discord.posts]


async def test_a_versus_poll_posts_both_title_cards_and_a_button_per_side(world: PollWorld):
    poll = await world.open()
    [message] = posted(world)
    assert [e["title"] for e in message.embeds] == [
        "Crash Landing on You",
        "Frieren: Beyond Journey's End",
    ]
    assert message.embeds[0]["thumbnail"] == {"url": "https://img.example/cloy.jpg"}
    assert "**Slow-burn** 0.81" in message.embeds[0]["description"]
    assert "An elf outlives her party." in message.embeds[1]["description"]
    assert [b.label for b in message.buttons] == [
        "Crash Landing on You",
        "Frieren: Beyond Journey's End",
    ]
    assert [b.custom_id for b in message.buttons] == [
        f"poll:{poll.id}:vote:0",
        f"poll:{poll.id}:vote:1",
    ]
    assert "Slow-burn vs fantasy" in message.content
    assert "Anonymous" in message.content


async def test_a_picked_pair_says_why_on_the_poll_itself_and_keeps_its_two_cards(
    world: PollWorld,
):
    reason = "Picked by the bot: both loved, about as popular."
    await world.open(reason=reason)
    [message] = posted(world)
    assert f"-# {reason}" in message.content.splitlines()
    assert len(message.embeds) == 2  # the title cards only
    edited = poll_message(world)
    assert f"-# {reason}" in edited.content


async def test_a_vote_is_changed_by_another_click_and_withdrawn_by_the_same(world: PollWorld):
    poll = await world.open()
    first = await world.polls.vote(GUILD, poll.id, MEMBERS[0], 0)
    assert first.ballot == (0,)
    assert first.changed
    changed = await world.polls.vote(GUILD, poll.id, MEMBERS[0], 1)
    assert changed.ballot == (1,)
    assert [o.votes for o in changed.poll.options] == [0, 1]
    assert changed.poll.turnout == 1
    withdrawn = await world.polls.vote(GUILD, poll.id, MEMBERS[0], 1)
    assert withdrawn.ballot is None
    assert withdrawn.poll.turnout == 0
    assert [o.votes for o in withdrawn.poll.options] == [0, 0]


async def test_multi_and_ranked_polls_keep_their_ballots(world: PollWorld):
    options = tuple(OptionSpec(name) for name in ("Goblin", "Frieren", "Toradora!", "Mushishi"))
    multi = await world.open(kind=PollKind.MULTI, options=options, max_choices=2)
    await world.polls.vote(GUILD, multi.id, MEMBERS[0], 2)
    receipt = await world.polls.vote(GUILD, multi.id, MEMBERS[0], 0)
    assert receipt.ballot == (0, 2)
    with pytest.raises(UserFacingError, match="up to 2"):
        await world.polls.vote(GUILD, multi.id, MEMBERS[0], 1)
    ranked = await world.open(kind=PollKind.RANKED, options=options)
    receipt = await world.polls.rank(GUILD, ranked.id, MEMBERS[0], (3, 1))
    assert receipt.ballot == (3, 1)
    assert [o.votes for o in receipt.poll.options] == [0, 0, 0, 1]  # first preferences
    assert await world.polls.ballot_of(ranked, MEMBERS[0]) == (3, 1)


async def test_a_poll_past_its_deadline_or_in_another_server_refuses_votes(world: PollWorld):
    poll = await world.open(closes_at=to_unix(world.clock.now() + timedelta(minutes=10)))
    with pytest.raises(UserFacingError, match=f"There is no poll #{poll.id} in this server"):
        await world.polls.vote(OTHER_GUILD, poll.id, MEMBERS[0], 0)
    world.clock.advance(600)
    with pytest.raises(UserFacingError, match=f"Poll #{poll.id} is closed"):
        await world.polls.vote(GUILD, poll.id, MEMBERS[0], 0)
    assert await world.polls.ballot_of(poll, MEMBERS[0]) is None


async def test_at_the_deadline_the_results_are_posted_with_a_chart_and_a_watch_party_button(
    world: PollWorld,
):
    poll = await world.open(results=ResultsVisibility.AT_CLOSE)
    for member in MEMBERS[:3]:
        await world.polls.vote(GUILD, poll.id, member, 0)
    await world.polls.vote(GUILD, poll.id, MEMBERS[3], 1)
    await world.deliver()
    assert "75%" not in poll_message(world).content  # hidden until the close
    await world.after(24 * 3600)
    results = posted(world)[-1]
    assert results.files[0].filename == "results.png"
    assert results.files[0].data.startswith(PNG)
    embed = results.embeds[0]
    assert "**Crash Landing on You** wins." in embed["description"]
    assert "75% (3)" in embed["description"]
    assert embed["fields"][0] == {"name": "Turnout", "value": "4 voters", "inline": True}
    assert [b.custom_id for b in results.buttons] == [f"poll:{poll.id}:party:0"]
    assert results.buttons[0].label == "Schedule a watch party: Crash Landing on You"
    closed = poll_message(world)
    assert not closed.has_buttons
    assert "Closed" in closed.content
    assert "75% (3)" in closed.content
    with pytest.raises(UserFacingError, match="is closed"):
        await world.polls.vote(GUILD, poll.id, MEMBERS[9], 1)


async def test_a_tie_stays_a_tie(world: PollWorld):
    poll = await world.open()
    await world.polls.vote(GUILD, poll.id, MEMBERS[0], 0)
    await world.polls.vote(GUILD, poll.id, MEMBERS[1], 1)
    await world.after(24 * 3600)
    embed = posted(world)[-1].embeds[0]
    assert (
        "A tie: **Crash Landing on You** and **Frieren: Beyond Journey's End**"
        in (embed["description"])
    )
    assert "with 1 each" in embed["description"]
    assert len(posted(world)[-1].buttons) == 2


async def test_a_ranked_poll_shows_its_runoff_rounds(world: PollWorld):
    options = tuple(OptionSpec(name) for name in ("Goblin", "Frieren", "Toradora!"))
    poll = await world.open(kind=PollKind.RANKED, options=options)
    for member, ranking in zip(MEMBERS[:5], [(0, 2), (0,), (1, 2), (1,), (2, 1)], strict=True):
        await world.polls.rank(GUILD, poll.id, member, ranking)
    await world.after(24 * 3600)
    embed = posted(world)[-1].embeds[0]
    runoff = next(f for f in embed["fields"] if f["name"] == "Instant runoff")["value"]
    assert "**Round 1:** Goblin 2, Frieren 2, Toradora! 1" in runoff
    assert "out: Toradora!" in runoff
    assert "**Frieren** wins." in embed["description"]
    assert posted(world)[-1].files[0].data.startswith(PNG)


async def test_only_the_creator_or_a_manager_closes_early_and_results_follow_at_once(
    world: PollWorld,
):
    poll = await world.open()
    await world.polls.vote(GUILD, poll.id, MEMBERS[0], 1)
    with pytest.raises(UserFacingError, match="Only the poll's creator"):
        await world.polls.close(GUILD, poll.id, MEMBERS[0], manages_messages=False)
    with pytest.raises(UserFacingError, match="no poll"):
        await world.polls.close(OTHER_GUILD, poll.id, CREATOR, manages_messages=True)
    closed = await world.polls.close(GUILD, poll.id, MEMBERS[5], manages_messages=True)
    assert closed.closed_by == MEMBERS[5]
    await world.deliver()
    assert "**Frieren: Beyond Journey's End** wins." in posted(world)[-1].embeds[0]["description"]
    assert "Closed early" in poll_message(world).content
    with pytest.raises(UserFacingError, match="already closed"):
        await world.polls.close(GUILD, poll.id, CREATOR, manages_messages=False)
    with pytest.raises(UserFacingError, match="is closed"):
        await world.polls.vote(GUILD, poll.id, MEMBERS[1], 0)


async def test_results_of_an_at_close_poll_are_hidden_from_everyone_until_it_closes(
    world: PollWorld,
):
    poll = await world.open(results=ResultsVisibility.AT_CLOSE, anonymous=False)
    await world.polls.vote(GUILD, poll.id, MEMBERS[0], 0)
    with pytest.raises(UserFacingError, match="creator and admins included"):
        await world.polls.results(GUILD, poll.id)
    live = await world.open(results=ResultsVisibility.LIVE)
    await world.polls.vote(GUILD, live.id, MEMBERS[0], 1)
    _, counted = await world.polls.results(GUILD, live.id)
    assert counted.votes == (0, 1)


async def test_voters_are_shown_only_for_polls_that_are_not_anonymous(world: PollWorld):
    named = await world.open(anonymous=False)
    await world.polls.vote(GUILD, named.id, MEMBERS[0], 1)
    await world.polls.vote(GUILD, named.id, MEMBERS[1], 0)
    _, voters = await world.polls.voters(GUILD, named.id)
    assert sorted(voters) == [(MEMBERS[0], (1,)), (MEMBERS[1], (0,))]
    hidden = await world.open(anonymous=True)
    with pytest.raises(UserFacingError, match="anonymous"):
        await world.polls.voters(GUILD, hidden.id)


async def test_no_member_id_is_anywhere_in_the_database_file_after_anonymous_votes(
    world: PollWorld,
):
    poll = await world.open(anonymous=True)
    options = tuple(OptionSpec(name) for name in ("Goblin", "Frieren", "Toradora!"))
    ranked = await world.open(kind=PollKind.RANKED, options=options, anonymous=True)
    for n, member in enumerate(MEMBERS[:40]):
        await world.polls.vote(GUILD, poll.id, member, n % 2)
        await world.polls.rank(GUILD, ranked.id, member, (n % 3, (n + 1) % 3))
    await world.polls.vote(GUILD, poll.id, MEMBERS[0], 1)  # a changed vote
    await world.polls.vote(GUILD, poll.id, MEMBERS[1], 1)  # a withdrawn one
    await world.after(24 * 3600)  # closed, counted, results posted
    assert "Poll #" in posted(world)[-1].content
    async with world.db.exclusive_writer() as writer:  # fold the write-ahead log in too
        await run_statement(writer, "PRAGMA wal_checkpoint(TRUNCATE)")
    files = list(world.db.path.parent.glob(world.db.path.name + "*"))
    data = b"".join(path.read_bytes() for path in files)
    assert len(data) > 100_000
    for member in MEMBERS[:40]:
        assert str(member).encode() not in data
        assert member.to_bytes(8, "big") not in data
        assert member.to_bytes(8, "little") not in data
    key = world.key_path.read_bytes()
    assert key not in data
    assert key.hex().encode() not in data


async def test_concurrent_votes_commit_in_groups_and_every_one_counts(world: PollWorld):
    poll = await world.open()
    receipts = await asyncio.gather(
        *(world.polls.vote(GUILD, poll.id, member, n % 2) for n, member in enumerate(MEMBERS))
    )
    assert all(r.changed for r in receipts)
    assert world.polls.ballot_box.groups < len(MEMBERS) / 5
    final = await world.polls.get(GUILD, poll.id)
    assert final.turnout == 60
    assert [o.votes for o in final.options] == [30, 30]


async def test_one_members_two_clicks_in_one_group_count_as_two_clicks(world: PollWorld):
    poll = await world.open()
    first, second = await asyncio.gather(
        world.polls.vote(GUILD, poll.id, MEMBERS[0], 0),
        world.polls.vote(GUILD, poll.id, MEMBERS[0], 0),
    )
    assert first.ballot == (0,)
    assert second.ballot is None
    assert (await world.polls.get(GUILD, poll.id)).turnout == 0


async def test_live_tally_edits_collapse_and_the_last_one_is_exact(world: PollWorld):
    """1,000 votes in 100 seconds (a vote every 0.1 s, the outbox looking every second) make
    a handful of edits, at most one per EDIT_SPACING seconds, and the last shows the truth."""
    poll = await world.open(results=ResultsVisibility.LIVE)
    voters = [10**17 + n for n in range(1000)]
    for n, member in enumerate(voters):
        await world.polls.vote(GUILD, poll.id, member, 0 if n % 4 else 1)
        world.clock.advance(0.1)
        if n % 10 == 9:
            await world.outbox.drain()
    world.clock.advance(EDIT_SPACING)
    await world.outbox.drain()
    message = poll_message(world)
    assert len(message.edits) <= 100 / EDIT_SPACING + 2
    assert len(message.edits) >= 5
    assert "1,000 votes" in message.content
    assert "75% (750)" in message.content
    assert "25% (250)" in message.content
    assert message_key(poll.id) == f"poll:{poll.id}:message"
    assert CHANNEL in world.discord.edited_in.values()


async def test_a_close_run_twice_posts_the_same_count(world: PollWorld):
    poll = await world.open()
    await world.polls.vote(GUILD, poll.id, MEMBERS[0], 1)
    world.clock.advance(24 * 3600)
    first = await world.polls._close_due(_fired(poll.id))
    again = await world.polls._close_due(_fired(poll.id))
    assert first.messages[1].embeds == again.messages[1].embeds
    assert (await world.polls.get(GUILD, poll.id)).winners == (1,)


def _fired(poll_id: int):
    from datetime import UTC, datetime

    from bot.timers.models import FiredTimer

    return FiredTimer(
        id=1,
        key=f"poll:{poll_id}:close",
        kind="poll.close",
        due_at=datetime(2026, 12, 5, 10, 0, tzinfo=UTC),
        payload={"poll_id": poll_id, "guild_id": GUILD},
        attempt=1,
        late_by=timedelta(0),
    )


async def test_ten_long_options_full_of_markdown_fit_one_message_open_live_and_closed(
    world: PollWorld,
):
    labels = tuple(OptionSpec(f"{n}" + "*_[]|`~" * 11 + "x" * 2) for n in range(10))
    assert all(len(o.label) == 80 for o in labels)
    poll = await world.open(
        kind=PollKind.MULTI, options=labels, max_choices=10, question="**" * 100
    )
    for member in range(1, 1200):  # four-digit counts in every line
        await world.polls.vote(GUILD, poll.id, 10**17 + member, member % 10)
    await world.after(24 * 3600)
    closed = poll_message(world)
    assert len(closed.content) <= 2000
    assert not closed.has_buttons
    assert all(f"**{n}.** " in closed.content for n in range(1, 11))
    assert "10% (120)" in closed.content
    results = posted(world)[-1]
    assert results.files[0].filename == "results.png"


async def test_editing_moves_the_deadline_and_the_question_and_keeps_the_votes(
    world: PollWorld,
):
    options = tuple(OptionSpec(name) for name in ("Goblin", "Frieren"))
    poll = await world.open(kind=PollKind.SINGLE, options=options, question="Friday?")
    await world.polls.vote(GUILD, poll.id, MEMBERS[0], 1)
    with pytest.raises(UserFacingError, match="Only the poll's creator"):
        await world.polls.edit(GUILD, poll.id, MEMBERS[0], manages_messages=False, question="x")
    later = to_unix(world.clock.now() + timedelta(hours=48))
    edited = await world.polls.edit(
        GUILD, poll.id, CREATOR, manages_messages=False, question="Saturday?", closes_at=later
    )
    assert (edited.question, edited.closes_at, edited.turnout) == ("Saturday?", later, 1)
    await world.deliver()
    world.clock.advance(EDIT_SPACING)
    await world.outbox.drain()
    assert "**Saturday?**" in poll_message(world).content
    await world.after(24 * 3600)  # the old deadline passes: still open
    receipt = await world.polls.vote(GUILD, poll.id, MEMBERS[1], 0)
    assert receipt.poll.turnout == 2
    await world.after(24 * 3600)  # the new one: closed, results posted once
    assert sum("has closed" in p.message.content for p in world.discord.posts) == 1
    with pytest.raises(UserFacingError, match="already closed"):
        await world.polls.edit(GUILD, poll.id, CREATOR, manages_messages=True, question="y")


async def test_an_edit_keeps_a_poll_within_7_days_of_its_opening(world: PollWorld):
    poll = await world.open(closes_at=to_unix(world.clock.now() + timedelta(days=4)))
    world.clock.advance(3 * 86400)
    too_late = to_unix(world.clock.now() + timedelta(days=5))
    with pytest.raises(UserFacingError, match="at most 7 days from when it opened"):
        await world.polls.edit(GUILD, poll.id, CREATOR, manages_messages=False, closes_at=too_late)
    in_time = to_unix(world.clock.now() + timedelta(days=4))
    edited = await world.polls.edit(
        GUILD, poll.id, CREATOR, manages_messages=False, closes_at=in_time
    )
    assert edited.closes_at == in_time == poll.opened_at + 7 * 86400
