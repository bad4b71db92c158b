"""/recommend through the real bot and the sandbox: option combinations, the cold start, the
menu of picks and its actions (watchlist, not interested, versus poll, watch party)."""

from __future__ import annotations

from typing import Any

import pytest

from bot.client import WatchClubBot
from bot.resources import Resources
from sandbox import Sandbox, World

FRIEREN = "catalog:frieren-beyond-journeys-end"
TORADORA = "catalog:toradora"
GOBLIN = "catalog:guardian-the-lonely-and-great-god"
CLOY = "catalog:crash-landing-on-you"


@pytest.fixture
def club(world: World) -> Any:
    return world.guild("K-Drama Club")


def pick_menu(result: Any) -> dict[str, Any]:
    [menu] = [c for row in result.components for c in row["components"] if c["type"] == 3]
    assert menu["custom_id"] == "rec:pick"
    return dict(menu)


def picked_ids(result: Any) -> list[str]:
    return [option["value"] for option in pick_menu(result)["options"]]


def buttons(result: Any) -> dict[str, str]:
    """label -> custom_id of the buttons on the message the member is looking at."""
    return {
        item["label"]: item["custom_id"]
        for row in result.last_components
        for item in row["components"]
        if item["type"] == 2
    }


async def _count(resources: Resources, table: str) -> int:
    row = await resources.db.fetchone(f"SELECT count(*) AS n FROM {table}", ())
    assert row is not None
    return int(row["n"])


async def _rate(sandbox: Sandbox, member: Any, channel: Any, title: str, score: int) -> None:
    rated = await sandbox.slash(
        "rate", member=member, channel=channel, options={"title": title, "score": score}
    )
    assert rated.content.startswith("Rated"), rated.content


async def test_a_member_with_no_ratings_gets_the_servers_favourites_and_an_invitation(
    bot: WatchClubBot, sandbox: Sandbox, club: Any
):
    sora, mina, general = club.member("sora"), club.member("mina"), club.channel("general")
    await _rate(sandbox, mina, general, GOBLIN, 10)
    await sandbox.slash("watchlist add", member=mina, channel=general, options={"title": CLOY})
    result = await sandbox.slash("recommend", member=sora, channel=general)
    assert result.ephemeral
    [embed] = result.embeds
    assert embed["title"] == "Recommended for you"
    assert "/rate" in embed["fields"][0]["value"]
    ids = picked_ids(result)
    assert len(ids) == 5  # the default count
    assert ids[0] in {GOBLIN, CLOY}  # what the server loves comes first
    assert "member here" in embed["description"]


async def test_options_filter_the_picks_and_rated_titles_are_never_picked(
    bot: WatchClubBot, sandbox: Sandbox, club: Any
):
    sora, general = club.member("sora"), club.channel("general")
    await _rate(sandbox, sora, general, FRIEREN, 9)
    await _rate(sandbox, sora, general, TORADORA, 3)
    anime = await sandbox.slash(
        "recommend",
        member=sora,
        channel=general,
        options={"medium": "anime", "mood": "fantasy", "count": 3},
    )
    [embed] = anime.embeds
    ids = picked_ids(anime)
    assert len(ids) == 3
    assert FRIEREN not in ids
    assert TORADORA not in ids
    assert embed["description"].count("\u00b7 Anime") == 3
    assert "K-drama" not in embed["description"]
    short = await sandbox.slash(
        "recommend",
        member=sora,
        channel=general,
        options={"medium": "kdrama", "length": "long", "status": "finished", "count": 10},
    )
    assert short.embeds[0]["description"].count("\u00b7 K-drama") == len(picked_ids(short))
    liked = await sandbox.slash(
        "recommend", member=sora, channel=general, options={"like": GOBLIN, "count": 2}
    )
    assert len(picked_ids(liked)) == 2
    assert GOBLIN not in picked_ids(liked)


async def test_for_the_server_is_public(bot: WatchClubBot, sandbox: Sandbox, club: Any):
    jun, general = club.member("jun"), club.channel("general")
    await _rate(sandbox, jun, general, GOBLIN, 9)
    result = await sandbox.slash(
        "recommend", member=jun, channel=general, options={"for": "server", "count": 4}
    )
    assert not result.ephemeral
    assert result.embeds[0]["title"] == "Next for the whole server"
    assert len(picked_ids(result)) == 4
    assert GOBLIN not in picked_ids(result)


async def test_a_public_answer_never_tells_one_members_ratings_as_the_servers(
    bot: WatchClubBot, sandbox: Sandbox, club: Any
):
    """mina asks for the server, where only jun has rated: the reasons name no rated title, no
    score and no "you", in the embed and in the menu everyone sees."""
    jun, mina, general = club.member("jun"), club.member("mina"), club.channel("general")
    await _rate(sandbox, jun, general, GOBLIN, 9)
    await _rate(sandbox, jun, general, "catalog:crash-landing-on-you", 8)
    result = await sandbox.slash(
        "recommend", member=mina, channel=general, options={"for": "server", "count": 6}
    )
    assert not result.ephemeral
    shown = result.embeds[0]["description"] + " ".join(
        option.get("description", "") for option in pick_menu(result)["options"]
    )
    for leak in ("you", "Guardian", "Crash Landing", " 9", " 8"):
        assert leak not in shown, leak


async def test_typed_text_for_like_is_refused_clearly(
    bot: WatchClubBot, sandbox: Sandbox, club: Any
):
    result = await sandbox.slash(
        "recommend",
        member=club.member("sora"),
        channel=club.channel("general"),
        options={"like": "goblin"},
    )
    assert result.ephemeral
    assert "pick a title from the suggestions" in result.content


async def test_the_menu_leads_to_watchlist_and_not_interested(
    bot: WatchClubBot, resources: Resources, sandbox: Sandbox, club: Any
):
    sora, general = club.member("sora"), club.channel("general")
    await _rate(sandbox, sora, general, GOBLIN, 9)
    result = await sandbox.slash("recommend", member=sora, channel=general)
    first, second = picked_ids(result)[:2]
    chosen = await sandbox.select(
        member=sora, message=result.message, custom_id="rec:pick", values=[first]
    )
    assert chosen.ephemeral
    assert "what would you like to do?" in chosen.last_content
    actions = buttons(chosen)
    assert set(actions) == {
        "Add to watchlist",
        "Not interested",
        "Start a versus poll",
        "Schedule a watch party",
    }
    assert actions["Add to watchlist"] == f"rec:wl:{first}"
    added = await sandbox.click(
        member=sora, message=chosen.last_message, custom_id=actions["Add to watchlist"]
    )
    assert added.ephemeral
    assert "watchlist" in added.last_content
    assert await _count(resources, "taste_watchlist") == 1

    chosen = await sandbox.select(
        member=sora, message=result.message, custom_id="rec:pick", values=[second]
    )
    marked = await sandbox.click(
        member=sora, message=chosen.last_message, custom_id=f"rec:ni:{second}"
    )
    assert '"not interested"' in marked.last_content
    assert await _count(resources, "taste_not_interested") == 1
    again = await sandbox.slash("recommend", member=sora, channel=general, options={"count": 10})
    assert second not in picked_ids(again)


async def test_a_pick_starts_a_versus_poll_and_opens_the_party_form(
    bot: WatchClubBot, resources: Resources, sandbox: Sandbox, club: Any
):
    mina, general = club.member("mina"), club.channel("general")
    result = await sandbox.slash(
        "recommend", member=mina, channel=general, options={"mood": "fantasy"}
    )
    first = picked_ids(result)[0]
    chosen = await sandbox.select(
        member=mina, message=result.message, custom_id="rec:pick", values=[first]
    )
    poll = await sandbox.click(
        member=mina, message=chosen.last_message, custom_id=f"rec:vs:{first}"
    )
    assert poll.last_content.startswith("Versus poll #"), poll.last_content
    assert await _count(resources, "polls") == 1
    form = await sandbox.click(
        member=mina, message=chosen.last_message, custom_id=f"rec:wp:{first}"
    )
    assert form.modal is not None
    assert form.modal["custom_id"] == f"rec:pf:{first}"
    fields = {
        field.get("label") or item.get("label"): field["custom_id"]
        for item in form.modal["components"]
        for field in item.get("components") or [item.get("component")]
        if field and field.get("type") == 4
    }
    await sandbox.slash("timezone", member=mina, channel=general, options={"zone": "Asia/Seoul"})
    preview = await sandbox.submit_modal(
        member=mina,
        custom_id=form.modal["custom_id"],
        values={fields["When"]: "tomorrow 9pm", fields["Where (a link, optional)"]: ""},
    )
    assert preview.ephemeral
    assert preview.message is not None, preview.content
    [plan] = preview.embeds
    title = bot.services.recommend.title(first)
    assert title is not None
    assert title.display_name[:40] in plan["title"]
    assert [c.rsplit(":", 1)[1] for c in preview.message.custom_ids()] == ["confirm", "change"]
