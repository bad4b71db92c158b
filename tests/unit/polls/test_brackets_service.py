"""A bracket run through the services: rounds of versus polls that open as the last closes, the
higher seed through on a tie, and the champion posted with the bracket drawn."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.errors import UserFacingError
from bot.polls.bracket import champion
from bot.polls.models import BracketSpec, OptionSpec, ResultsVisibility
from tests.unit.polls.conftest import CHANNEL, CREATOR, GUILD, PollWorld

PNG = b"\x89PNG\r\n\x1a\n"
TITLES = (
    "Goblin",
    "Frieren",
    "Toradora!",
    "Mushishi",
    "Reply 1988",
    "Your Name",
    "Moving",
    "Belle",
)


def spec(names: tuple[str, ...] = TITLES[:4]) -> BracketSpec:
    return BracketSpec(
        guild_id=GUILD,
        channel_id=CHANNEL,
        creator_id=CREATOR,
        name="Best of the season",
        entrants=tuple(OptionSpec(name) for name in names),
        duration=timedelta(hours=1),
        results=ResultsVisibility.LIVE,
    )


async def test_round_one_opens_seeded_matches_and_the_final_opens_when_they_close(
    world: PollWorld,
):
    bracket, first = await world.brackets.start(spec())
    await world.deliver()
    assert [[o.label for o in poll.options] for poll in first] == [
        ["Goblin", "Mushishi"],  # seed 1 meets seed 4
        ["Frieren", "Toradora!"],  # seed 2 meets seed 3, on the other half
    ]
    assert first[0].question == "Best of the season · Semi-final 1 of 2"
    await world.polls.vote(GUILD, first[0].id, 10, 1)  # Mushishi upsets Goblin
    await world.polls.vote(GUILD, first[1].id, 10, 0)
    await world.polls.vote(GUILD, first[1].id, 11, 0)
    await world.after(3600)
    polls = await world.polls.headings(GUILD, open_only=True)
    assert [p.question for p in polls] == ["Best of the season · Final"]
    final = await world.polls.get(GUILD, polls[0].id)
    assert [o.label for o in final.options] == ["Mushishi", "Frieren"]  # top half on top
    await world.polls.vote(GUILD, final.id, 12, 0)
    await world.after(3600)
    await world.deliver()  # the champion's timer, queued by the final's close
    stored = await world.brackets.get(GUILD, bracket.id)
    assert stored.finished_at is not None
    assert champion(stored.draw) == 4
    post = world.discord.posts[-1].message
    assert "**Mushishi** wins **Best of the season**!" in post.content
    assert post.files[0].filename == "bracket.png"
    assert post.files[0].data.startswith(PNG)
    assert "**Semi-final:** beat Goblin" in post.embeds[0]["description"]
    assert "**Final:** beat Frieren" in post.embeds[0]["description"]
    assert post.buttons[0].custom_id == f"poll:{final.id}:party:0"


async def test_on_a_tie_the_higher_seed_goes_through(world: PollWorld):
    bracket, first = await world.brackets.start(spec())
    await world.polls.vote(GUILD, first[0].id, 10, 0)
    await world.polls.vote(GUILD, first[0].id, 11, 1)  # Goblin (1) and Mushishi (4) tie
    await world.after(3600)
    stored = await world.brackets.get(GUILD, bracket.id)
    assert [m.winner for m in stored.draw.rounds[0]] == [1, 2]  # nobody voted: seed 2 too
    posts = [p.message for p in world.discord.posts]
    tie = next(p for p in posts if p.embeds and "A tie" in p.embeds[0].get("description", ""))
    assert "A tie stays a tie" in tie.embeds[0]["description"]


async def test_a_closed_match_rerun_does_not_open_the_next_round_twice(world: PollWorld):
    _, first = await world.brackets.start(spec())
    await world.after(3600)
    for poll in first:  # the close timers run again, as after a crash
        await world.polls._close_due(_fired(poll.id))
    polls = await world.polls.headings(GUILD, open_only=True)
    assert len(polls) == 1


async def test_a_bracket_has_4_8_or_16_distinct_titles_and_is_per_server(world: PollWorld):
    with pytest.raises(UserFacingError, match="4, 8 or 16"):
        await world.brackets.start(spec(TITLES[:5]))
    with pytest.raises(UserFacingError, match="each title once"):
        await world.brackets.start(spec(("A", "B", "a", "C")))
    bracket, first = await world.brackets.start(spec(TITLES))
    assert len(first) == 4
    with pytest.raises(UserFacingError, match="no bracket"):
        await world.brackets.get(GUILD + 1, bracket.id)


def _fired(poll_id: int):
    from datetime import UTC, datetime

    from bot.timers.models import FiredTimer

    return FiredTimer(
        id=1,
        key=f"poll:{poll_id}:close",
        kind="poll.close",
        due_at=datetime(2026, 12, 4, 11, 0, tzinfo=UTC),
        payload={"poll_id": poll_id, "guild_id": GUILD},
        attempt=2,
        late_by=timedelta(0),
    )
