"""/rate, /watched, /notinterested, /watchlist and /privacy through the real bot and the sandbox:
what members see, that it stays in its server, and that bad input writes nothing."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.client import WatchClubBot
from bot.resources import Resources
from sandbox import Sandbox, World

CLOY = "catalog:crash-landing-on-you"
FRIEREN = "catalog:frieren-beyond-journeys-end"
TORADORA = "catalog:toradora"
GOBLIN = "catalog:guardian-the-lonely-and-great-god"
TASTE_TABLES = ("taste_ratings", "taste_watched", "taste_watchlist", "taste_not_interested")


@pytest.fixture
def world() -> World:
    world = World.default()
    other = world.add_guild("Anime Club")
    other.add_text_channel("lounge")
    other.add_member("yuki", global_name="Yuki")
    other.add_member("sora", user=world.guild("K-Drama Club").member("sora").user)
    return world


@pytest.fixture
def club(world: World) -> Any:
    return world.guild("K-Drama Club")


async def _count(resources: Resources, table: str) -> int:
    row = await resources.db.fetchone(f"SELECT count(*) AS n FROM {table}", ())
    assert row is not None
    return int(row["n"])


async def taste_rows(resources: Resources) -> dict[str, int]:
    return {table: await _count(resources, table) for table in TASTE_TABLES}


def buttons(result: Any) -> list[dict[str, Any]]:
    return [item for row in result.components for item in row["components"]]


async def _export(sandbox: Sandbox, member: Any, channel: Any) -> dict[str, Any]:
    result = await sandbox.slash("privacy export", member=member, channel=channel)
    assert result.ephemeral
    assert result.message is not None
    [attachment] = result.message.attachments
    assert attachment["filename"].endswith(".json")
    document: dict[str, Any] = json.loads(sandbox.attachment_data(attachment))
    return document


# -- /rate --------------------------------------------------------------------------------------


async def test_rating_a_picked_title_is_private_and_a_re_rate_shows_the_previous_score(
    bot: WatchClubBot, resources: Resources, sandbox: Sandbox, club: Any
):
    sora, general = club.member("sora"), club.channel("general")
    choices = await sandbox.autocomplete(
        "rate", member=sora, channel=general, options={"title": "goblin"}, focused="title"
    )
    assert choices[0]["value"] == GOBLIN
    first = await sandbox.slash(
        "rate", member=sora, channel=general, options={"title": GOBLIN, "score": 7}
    )
    assert first.ephemeral
    assert first.content == "Rated **Guardian: The Lonely and Great God** (K-drama) **7**/10."
    again = await sandbox.slash(
        "rate", member=sora, channel=general, options={"title": GOBLIN, "score": 9}
    )
    assert again.ephemeral
    assert again.content == (
        "Rated **Guardian: The Lonely and Great God** (K-drama) **9**/10; it was 7/10 before."
    )
    same = await sandbox.slash(
        "rate", member=sora, channel=general, options={"title": GOBLIN, "score": 9}
    )
    assert "stays at **9**/10" in same.content
    row = await resources.db.fetchone(
        "SELECT title_name, medium, score FROM taste_ratings WHERE member_id = ?", (sora.id,)
    )
    assert row is not None
    assert (row["title_name"], row["medium"], row["score"]) == (
        "Guardian: The Lonely and Great God",
        "kdrama",
        9,
    )
    assert [m for m in sandbox.messages(general) if not m.ephemeral] == []


async def test_a_typed_name_instead_of_a_pick_is_refused_privately_and_nothing_is_written(
    bot: WatchClubBot, resources: Resources, sandbox: Sandbox, club: Any
):
    sora, general = club.member("sora"), club.channel("general")
    for command, options in [
        ("rate", {"title": "Goblin @everyone", "score": 8}),
        ("watched", {"title": "Goblin", "score": 8}),
        ("watchlist add", {"title": "goblin"}),
        ("notinterested", {"title": "goblin"}),
        ("rate", {"title": "catalog:no-such-show", "score": 8}),
    ]:
        refused = await sandbox.slash(command, member=sora, channel=general, options=options)
        assert refused.ephemeral, command
        assert "error code" not in refused.content
        assert "suggestions" in refused.content, (command, refused.content)
        assert refused.message is not None
        assert not refused.message.mention_everyone
    refused = await sandbox.slash(
        "rate", member=sora, channel=general, options={"title": "Goblin @everyone", "score": 8}
    )
    assert refused.content.startswith("Pick a title from the suggestions as you type: ")
    assert "@\u200beveryone" in refused.content
    assert await taste_rows(resources) == dict.fromkeys(TASTE_TABLES, 0)


async def test_a_score_outside_1_to_10_is_refused_before_the_bot_sees_it(
    bot: WatchClubBot, resources: Resources, sandbox: Sandbox, club: Any
):
    sora, general = club.member("sora"), club.channel("general")
    with pytest.raises(ValueError, match="between 1 and 10"):
        await sandbox.slash(
            "rate", member=sora, channel=general, options={"title": GOBLIN, "score": 11}
        )
    assert await taste_rows(resources) == dict.fromkeys(TASTE_TABLES, 0)


HOSTILE = st.sampled_from(
    ["@everyone", "@here", "<@1>", "<@&1>", "`", "**", "anilist:", "anilist:99999999999", "\u200b"]
)
TYPED = st.one_of(
    st.text(min_size=1, max_size=100),
    st.lists(st.one_of(HOSTILE, st.text(max_size=10)), min_size=1, max_size=4).map(" ".join),
).filter(lambda text: 0 < len(text) <= 100 and text.strip())
FUZZ = settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.mark.parametrize(
    ("command", "extra"),
    [
        ("rate", {"score": 5}),
        ("watched", {}),
        ("watchlist add", {}),
        ("watchlist remove", {}),
        ("notinterested", {"undo": True}),
    ],
)
@FUZZ
@given(typed=TYPED)
async def test_any_typed_title_gets_a_clear_private_refusal_and_writes_nothing(
    bot: WatchClubBot, resources: Resources, sandbox: Sandbox, club: Any, command, extra, typed
):
    result = await sandbox.slash(
        command,
        member=club.member("mina"),
        channel=club.channel("general"),
        options={"title": typed, **extra},
    )
    assert result.ephemeral
    assert "error code" not in result.content
    assert result.message is not None
    assert not result.message.mention_everyone
    assert result.message.mentions == []
    assert result.message.mention_roles == []
    assert await taste_rows(resources) == dict.fromkeys(TASTE_TABLES, 0)


@FUZZ
@given(typed=st.text(max_size=100))
async def test_the_watchlist_remove_suggestions_take_any_text(
    bot: WatchClubBot, sandbox: Sandbox, club: Any, typed: str
):
    choices = await sandbox.autocomplete(
        "watchlist remove",
        member=club.member("sora"),
        channel=club.channel("general"),
        options={"title": typed},
        focused="title",
    )
    assert choices == []


# -- /watched -----------------------------------------------------------------------------------


async def test_watched_with_a_score_rates_it_and_takes_it_off_the_watchlist(
    bot: WatchClubBot, resources: Resources, sandbox: Sandbox, club: Any
):
    jun, general = club.member("jun"), club.channel("general")
    added = await sandbox.slash(
        "watchlist add", member=jun, channel=general, options={"title": FRIEREN}
    )
    assert added.ephemeral
    assert added.content == (
        "Added **Frieren: Beyond Journey's End** (Anime) to your watchlist (1 title)."
    )
    watched = await sandbox.slash(
        "watched", member=jun, channel=general, options={"title": FRIEREN, "score": 10}
    )
    assert watched.ephemeral
    assert watched.content == (
        "Marked **Frieren: Beyond Journey's End** (Anime) watched and rated it **10**/10. "
        "It is off your watchlist now."
    )
    again = await sandbox.slash("watched", member=jun, channel=general, options={"title": FRIEREN})
    assert "was already marked watched, on <t:" in again.content
    assert again.content.endswith("You rated it **10**/10.")
    assert await taste_rows(resources) == {
        "taste_ratings": 1,
        "taste_watched": 1,
        "taste_watchlist": 0,
        "taste_not_interested": 0,
    }


# -- /watchlist ---------------------------------------------------------------------------------


async def test_watchlist_add_remove_and_show_own_and_another_members(
    bot: WatchClubBot, resources: Resources, sandbox: Sandbox, club: Any
):
    sora, jun, general = club.member("sora"), club.member("jun"), club.channel("general")
    for title in (CLOY, TORADORA, GOBLIN):
        await sandbox.slash("watchlist add", member=sora, channel=general, options={"title": title})
    twice = await sandbox.slash(
        "watchlist add", member=sora, channel=general, options={"title": CLOY}
    )
    assert twice.content == (
        "**Crash Landing on You** (K-drama) is already on your watchlist (3 titles)."
    )

    choices = await sandbox.autocomplete(
        "watchlist remove", member=sora, channel=general, options={"title": "tora"}, focused="title"
    )
    assert [(c["name"], c["value"]) for c in choices] == [("Toradora! \u00b7 Anime", TORADORA)]
    everything = await sandbox.autocomplete(
        "watchlist remove", member=sora, channel=general, options={"title": ""}, focused="title"
    )
    assert {c["value"] for c in everything} == {CLOY, TORADORA, GOBLIN}
    nothing = await sandbox.autocomplete(
        "watchlist remove", member=jun, channel=general, options={"title": ""}, focused="title"
    )
    assert nothing == []

    removed = await sandbox.slash(
        "watchlist remove", member=sora, channel=general, options={"title": TORADORA}
    )
    assert removed.ephemeral
    assert removed.content == "Took **Toradora!** (Anime) off your watchlist (2 titles left)."
    by_name = await sandbox.slash(
        "watchlist remove", member=sora, channel=general, options={"title": "crash landing on you"}
    )
    assert by_name.content.startswith("Took **Crash Landing on You** (K-drama) off")
    missing = await sandbox.slash(
        "watchlist remove", member=sora, channel=general, options={"title": FRIEREN}
    )
    assert missing.ephemeral
    assert missing.content.startswith("That title is not on your watchlist.")

    own = await sandbox.slash("watchlist show", member=sora, channel=general)
    assert own.ephemeral
    [embed] = own.embeds
    assert embed["title"] == "Your watchlist"
    assert embed["description"].startswith("1. **Guardian: The Lonely and Great God** · K-drama")
    assert embed["footer"]["text"] == "1 title · in this server only"

    theirs = await sandbox.slash(
        "watchlist show", member=jun, channel=general, options={"member": sora}
    )
    assert theirs.ephemeral
    [embed] = theirs.embeds
    assert embed["title"] == "Sora's watchlist"
    assert "Guardian: The Lonely and Great God" in embed["description"]
    assert theirs.message is not None
    assert theirs.message.mentions == []

    empty = await sandbox.slash("watchlist show", member=jun, channel=general)
    assert empty.embeds[0]["description"] == "Nothing on it yet. Add a title with `/watchlist add`."


async def test_a_long_watchlist_shows_twenty_and_counts_the_rest(
    bot: WatchClubBot, resources: Resources, sandbox: Sandbox, club: Any
):
    sora, general = club.member("sora"), club.channel("general")
    catalog = [s.title_id for s in bot.services.titles.suggest("a", limit=25)]
    titles = list(dict.fromkeys(t for t in catalog if t.startswith("catalog:")))[:23]
    assert len(titles) == 23
    for title in titles:
        await sandbox.slash("watchlist add", member=sora, channel=general, options={"title": title})
    shown = await sandbox.slash("watchlist show", member=sora, channel=general)
    lines = shown.embeds[0]["description"].split("\n")
    assert len(lines) == 21
    assert lines[0].startswith("1. ")
    assert lines[-1] == "+3 more"
    assert shown.embeds[0]["footer"]["text"] == "23 titles · in this server only"


# -- /notinterested -----------------------------------------------------------------------------


async def test_not_interested_takes_a_title_off_the_watchlist_and_undo_clears_it(
    bot: WatchClubBot, resources: Resources, sandbox: Sandbox, club: Any
):
    mina, general = club.member("mina"), club.channel("general")
    await sandbox.slash("watchlist add", member=mina, channel=general, options={"title": TORADORA})
    marked = await sandbox.slash(
        "notinterested", member=mina, channel=general, options={"title": TORADORA}
    )
    assert marked.ephemeral
    assert marked.content.startswith('Marked **Toradora!** (Anime) "not interested"')
    assert await taste_rows(resources) == {
        "taste_ratings": 0,
        "taste_watched": 0,
        "taste_watchlist": 0,
        "taste_not_interested": 1,
    }
    choices = await sandbox.autocomplete(
        "notinterested",
        member=mina,
        channel=general,
        options={"title": "", "undo": True},
        focused="title",
    )
    assert [c["value"] for c in choices] == [TORADORA]
    undone = await sandbox.slash(
        "notinterested", member=mina, channel=general, options={"title": TORADORA, "undo": True}
    )
    assert undone.content == '**Toradora!** (Anime) is no longer marked "not interested".'
    again = await sandbox.slash(
        "notinterested", member=mina, channel=general, options={"title": TORADORA, "undo": True}
    )
    assert again.content.startswith('That title is not marked "not interested".')
    assert await _count(resources, "taste_not_interested") == 0


# -- per server ---------------------------------------------------------------------------------


async def test_another_server_sees_nothing_of_this_ones(
    bot: WatchClubBot, resources: Resources, sandbox: Sandbox, world: World, club: Any
):
    sora, general = club.member("sora"), club.channel("general")
    anime = world.guild("Anime Club")
    lounge = anime.channel("lounge")
    anime_sora = anime.member("sora")
    await sandbox.slash("rate", member=sora, channel=general, options={"title": CLOY, "score": 9})
    await sandbox.slash("watchlist add", member=sora, channel=general, options={"title": GOBLIN})

    elsewhere = await sandbox.slash("watchlist show", member=anime_sora, channel=lounge)
    assert elsewhere.embeds[0]["description"].startswith("Nothing on it yet.")
    looked_up = await sandbox.slash(
        "watchlist show",
        member=anime.member("yuki"),
        channel=lounge,
        options={"member": anime_sora},
    )
    assert looked_up.embeds[0]["description"] == "Nothing on it yet in this server."
    rerated = await sandbox.slash(
        "rate", member=anime_sora, channel=lounge, options={"title": CLOY, "score": 4}
    )
    assert rerated.content == "Rated **Crash Landing on You** (K-drama) **4**/10."  # no "was 9"
    exported = await _export(sandbox, anime_sora, lounge)
    assert [r["score"] for r in exported["taste"]["ratings"]] == [4]
    assert exported["taste"]["watchlist"] == []


# -- /privacy -----------------------------------------------------------------------------------


async def test_forget_me_asks_first_refuses_others_then_deletes_and_export_shows_nothing_left(
    bot: WatchClubBot, resources: Resources, sandbox: Sandbox, world: World, club: Any
):
    sora, jun, general = club.member("sora"), club.member("jun"), club.channel("general")
    anime = world.guild("Anime Club")
    anime_sora = anime.member("sora")
    lounge = anime.channel("lounge")
    await sandbox.slash("rate", member=sora, channel=general, options={"title": CLOY, "score": 9})
    await sandbox.slash(
        "watched", member=sora, channel=general, options={"title": FRIEREN, "score": 8}
    )
    await sandbox.slash("watchlist add", member=sora, channel=general, options={"title": GOBLIN})
    await sandbox.slash("notinterested", member=sora, channel=general, options={"title": TORADORA})
    await sandbox.slash("watchlist add", member=jun, channel=general, options={"title": GOBLIN})
    await sandbox.slash(
        "rate", member=anime_sora, channel=lounge, options={"title": CLOY, "score": 6}
    )

    before = await _export(sandbox, sora, general)
    assert before["format"] == "watchclub-member-export/1"
    assert before["member_id"] == str(sora.id)
    assert sorted(r["id"] for r in before["taste"]["ratings"]) == [CLOY, FRIEREN]
    assert [w["id"] for w in before["taste"]["watchlist"]] == [GOBLIN]
    assert [n["id"] for n in before["taste"]["not_interested"]] == [TORADORA]

    asked = await sandbox.slash("privacy forget-me", member=sora, channel=general)
    assert asked.ephemeral
    assert asked.content.startswith("**Forget me in this server?**")
    confirm, cancel = (f"privacy:forget:{sora.id}:confirm", f"privacy:forget:{sora.id}:cancel")
    assert [(b["label"], b["custom_id"]) for b in buttons(asked)] == [
        ("Confirm: forget me", confirm),
        ("Cancel", cancel),
    ]
    assert asked.message is not None

    # Discord shows the private confirmation to Sora alone; a click by anyone else can only be
    # crafted, which the sandbox allows once the message is made visible to all.
    asked.message.visible_to = None
    refused = await sandbox.click(member=jun, message=asked.message, custom_id=confirm)
    assert refused.ephemeral
    assert refused.content.startswith("This confirmation is another member's")
    assert await _count(resources, "taste_ratings") == 3

    cancelled = await sandbox.click(member=sora, message=asked.message, custom_id=cancel)
    assert cancelled.callback_type == 7  # the confirmation is updated in place
    assert cancelled.content == "Cancelled: nothing was deleted."
    assert buttons(cancelled) == []
    assert await _count(resources, "taste_ratings") == 3

    asked = await sandbox.slash("privacy forget-me", member=sora, channel=general)
    assert asked.message is not None
    done = await sandbox.click(member=sora, message=asked.message, custom_id=confirm)
    assert done.callback_type == 7
    [embed] = done.embeds
    assert embed["title"] == "Forgotten in this server"
    assert embed["description"].startswith(
        "Deleted: 2 ratings, 1 titles marked watched, 1 watchlist titles, "
        '1 titles marked "not interested".'
    )
    assert buttons(done) == []

    after = await _export(sandbox, sora, general)
    assert after["taste"] == {
        "ratings": [],
        "watched": [],
        "watchlist": [],
        "not_interested": [],
        "taste_matching_opted_in_at": None,
    }
    # Another member's data here, and Sora's in the other server, are untouched.
    jun_list = await sandbox.slash("watchlist show", member=jun, channel=general)
    assert "Guardian: The Lonely and Great God" in jun_list.embeds[0]["description"]
    elsewhere = await _export(sandbox, anime_sora, lounge)
    assert [r["score"] for r in elsewhere["taste"]["ratings"]] == [6]

    again = await sandbox.slash("privacy forget-me", member=sora, channel=general)
    assert again.message is not None
    nothing = await sandbox.click(member=sora, message=again.message, custom_id=confirm)
    assert nothing.embeds[0]["description"].startswith("There was nothing to delete.")
