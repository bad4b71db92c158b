"""/title through Discord, with AniList and TVmaze answered by a local fake over real HTTP."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from bot.config import Settings
from sandbox import InteractionTimeoutError, Sandbox
from tests.integration.fake_providers import STARLIGHT_COURIER, FakeProviders, settings_for
from tests.support.waiting import eventually

FRIEREN = "anilist:154587"


@pytest.fixture
def settings(sandbox: Sandbox, tmp_path: Path, providers: FakeProviders) -> Settings:
    return settings_for(sandbox, tmp_path / "watchclub.sqlite3", providers)


@pytest.fixture
def club(world):
    return world.guild("K-Drama Club")


def _fields(embed: dict) -> dict[str, str]:
    return {field["name"]: field["value"] for field in embed["fields"]}


async def test_catalog_title_autocompletes_and_shows_a_card(bot, sandbox: Sandbox, club, providers):
    sora, general = club.member("sora"), club.channel("general")
    choices = await sandbox.autocomplete(
        "title", member=sora, channel=general, options={"name": "toradora"}, focused="name"
    )
    assert choices[0]["name"].startswith("Toradora! · anime")
    assert providers.requests == []  # autocomplete answered without waiting on a provider

    card = await sandbox.slash(
        "title", member=sora, channel=general, options={"name": choices[0]["value"]}
    )
    assert not card.ephemeral  # a card is for the whole channel
    embed = card.embeds[0]
    assert embed["title"] == "Toradora!"
    compass = _fields(embed)["Story compass"]
    assert "**Slow-burn**" in compass
    assert "**Fantasy**" in compass
    assert "slow-burn 0." in compass


async def test_a_miss_is_fetched_in_the_background_for_the_next_keystrokes(
    bot, resources, sandbox: Sandbox, club, providers
):
    sora, general = club.member("sora"), club.channel("general")
    first = await sandbox.autocomplete(
        "title", member=sora, channel=general, options={"name": "starlight"}, focused="name"
    )
    assert first == []
    await resources.tasks.wait_idle()
    assert sorted(providers.requests) == ["anilist SearchAnime", "tvmaze search"]
    later = await sandbox.autocomplete(
        "title", member=sora, channel=general, options={"name": "starlight cou"}, focused="name"
    )
    assert later == [
        {"name": "Starlight Courier · anime · 2023", "value": f"anilist:{STARLIGHT_COURIER}"}
    ]
    assert len(providers.requests) == 2  # found in memory: no new upstream call


async def test_provider_card_has_everything_a_member_needs(bot, sandbox: Sandbox, club, providers):
    card = await sandbox.slash(
        "title",
        member=club.member("sora"),
        channel=club.channel("general"),
        options={"name": FRIEREN},
    )
    embed = card.embeds[0]
    fields = _fields(embed)
    assert embed["title"] == "Frieren: Beyond Journey’s End"
    assert embed["url"] == "https://anilist.co/anime/154587"
    assert embed["thumbnail"]["url"].startswith("https://")
    assert fields["Format"].startswith("Anime · 2023 · 28 episodes")
    assert "Episode 12 <t:1764340200:R>" in fields["Status"]
    assert "Magic" in fields["Tags"]
    assert "Nudity" not in fields["Tags"]
    assert "fantasy 0." in fields["Story compass"]
    assert "Magic (rank" in fields["Story compass"]
    assert embed["footer"]["text"] == "Data: AniList (anilist.co)"
    assert "<br>" not in embed["description"]
    assert "葬送のフリーレン" in embed["description"]
    assert providers.requests == ["anilist AnimeById"]
    again = await sandbox.slash(
        "title",
        member=club.member("jun"),
        channel=club.channel("general"),
        options={"name": FRIEREN},
    )
    assert again.embeds[0]["title"] == embed["title"]
    assert providers.requests == ["anilist AnimeById"]  # the second card came from the cache


async def test_typed_name_searches_and_offers_matches(bot, sandbox: Sandbox, club, providers):
    sora, jun, general = club.member("sora"), club.member("jun"), club.channel("general")
    result = await sandbox.slash("title", member=sora, channel=general, options={"name": "e"})
    assert result.embeds[0]["title"] == "Titles matching “e”"
    menu = result.components[0]["components"][0]
    assert menu["custom_id"] == f"title:pick:{sora.id}"
    values = [option["value"] for option in menu["options"]]
    assert FRIEREN in values
    assert "tvmaze:990001" in values

    refused = await sandbox.select(
        member=jun, message=result.message, custom_id=menu["custom_id"], values=[FRIEREN]
    )
    assert refused.ephemeral
    assert "belongs to whoever searched" in refused.content

    picked = await sandbox.select(
        member=sora, message=result.message, custom_id=menu["custom_id"], values=["tvmaze:990001"]
    )
    assert picked.embeds[0]["title"] == "Example K-Drama"
    assert "TVmaze" in picked.embeds[0]["footer"]["text"]
    assert picked.components == []


async def search_example_kdrama(sandbox: Sandbox, club):
    """/title for the one K-drama the fake TVmaze knows: a single match."""
    return await sandbox.slash(
        "title",
        member=club.member("jun"),
        channel=club.channel("general"),
        options={"name": "example k-drama", "medium": "kdrama"},
    )


async def test_one_match_goes_straight_to_the_card_with_its_details(
    bot, sandbox: Sandbox, club, providers
):
    result = await search_example_kdrama(sandbox, club)
    embed = result.embeds[0]
    assert embed["title"] == "Example K-Drama"
    # TVmaze's search result has no episode list: the card comes from the show's details.
    fields = {field["name"]: field["value"] for field in embed["fields"]}
    assert "16 episodes" in fields["Format"]
    assert fields["Status"].startswith("Airing")
    assert providers.requests == ["tvmaze search", "tvmaze show"]


async def test_one_match_whose_details_cannot_be_fetched_shows_its_listing_with_a_note(
    bot, sandbox: Sandbox, club, providers
):
    providers.broken_shows.add(990001)
    result = await search_example_kdrama(sandbox, club)
    assert not result.ephemeral
    assert result.embeds[0]["title"] == "Example K-Drama"
    assert "TVmaze is not answering right now" in result.embeds[0]["description"]


async def test_one_match_the_provider_no_longer_has_is_said_privately(
    bot, sandbox: Sandbox, club, providers
):
    providers.gone_shows.add(990001)
    result = await search_example_kdrama(sandbox, club)
    assert result.ephemeral
    assert "TVmaze no longer has that title" in result.content


async def test_no_match_is_explained_privately(bot, sandbox: Sandbox, club):
    result = await sandbox.slash(
        "title",
        member=club.member("jun"),
        channel=club.channel("general"),
        options={"name": "qqqqqq", "medium": "anime"},
    )
    assert result.ephemeral
    assert "I found no anime or K-drama called “qqqqqq”" in result.content


async def test_providers_down_falls_back_to_the_catalog_and_says_so(
    bot, sandbox: Sandbox, club, providers
):
    providers.down = True
    result = await sandbox.slash(
        "title",
        member=club.member("jun"),
        channel=club.channel("general"),
        options={"name": "goblin", "medium": "kdrama"},
    )
    embed = result.embeds[0]
    assert "Guardian" in embed["title"] or "Goblin" in embed["title"]
    assert "TVmaze not answering right now; showing my built-in catalog." in embed["description"]


async def test_a_slow_search_shows_thinking_then_the_answer(bot, sandbox: Sandbox, club, providers):
    providers.delay = 2.0  # past the 1.5 s after which the bot shows "thinking…"
    result = await sandbox.slash(
        "title",
        member=club.member("jun"),
        channel=club.channel("general"),
        options={"name": "frieren", "medium": "anime"},
    )
    assert result.callback_type == 5
    assert not result.last_message.ephemeral  # a card is for the whole channel
    assert result.last_embeds[0]["title"] == "Frieren: Beyond Journey’s End"


async def test_a_slow_no_match_is_private_and_leaves_nothing_in_public(
    bot, sandbox: Sandbox, club, providers
):
    providers.delay = 2.0  # past the 1.5 s after which the bot shows a public "thinking…"
    jun, general = club.member("jun"), club.channel("general")
    result = await sandbox.slash(
        "title", member=jun, channel=general, options={"name": "qqqqqq", "medium": "anime"}
    )
    await sandbox.settle()
    assert result.callback_type == 5
    assert result.message is not None
    assert result.message.deleted  # the public placeholder is gone
    answer = result.last_message
    assert answer is not None
    assert answer.ephemeral
    assert answer.visible_to == jun.id
    assert "I found no anime or K-drama called “qqqqqq”" in answer.content
    assert len(result.followups) == 1  # one private answer, no second reply
    assert sandbox.messages(general) == []  # nothing left for the channel to read


async def test_an_error_after_picking_reaches_the_member(bot, resources, sandbox: Sandbox, club):
    sora, general = club.member("sora"), club.channel("general")
    result = await sandbox.slash("title", member=sora, channel=general, options={"name": "e"})
    menu = result.components[0]["components"][0]
    async with resources.db.transaction() as tx:
        await tx.execute("DROP TABLE title_cache")  # something breaks underneath
    picked = await sandbox.select(
        member=sora, message=result.message, custom_id=menu["custom_id"], values=[FRIEREN]
    )
    assert picked.ephemeral
    assert "error code" in picked.content


async def test_a_blank_name_is_refused_privately_naming_the_limit(
    bot, sandbox: Sandbox, club, providers
):
    result = await sandbox.slash(
        "title", member=club.member("jun"), channel=club.channel("general"), options={"name": "   "}
    )
    assert result.ephemeral
    assert "1 to 100 characters" in result.content
    assert providers.requests == []  # nothing was searched


async def test_typed_markdown_and_mentions_are_echoed_as_typed(bot, sandbox: Sandbox, club):
    result = await sandbox.slash(
        "title",
        member=club.member("jun"),
        channel=club.channel("general"),
        options={"name": "`qq` **zz @everyone", "medium": "anime"},
    )
    assert result.ephemeral
    assert "“\\`qq\\` \\*\\*zz @\u200beveryone”" in result.content
    assert not result.message.mention_everyone


async def test_a_long_autocomplete_text_is_not_searched_or_logged_whole(
    bot, resources, sandbox: Sandbox, club, providers, caplog
):
    providers.down = True
    with caplog.at_level(logging.WARNING):
        await sandbox.autocomplete(
            "title",
            member=club.member("jun"),
            channel=club.channel("general"),
            options={"name": "x" * 6000},
            focused="name",
        )
        await resources.tasks.wait_idle()
    assert any("x" * 100 in record.getMessage() for record in caplog.records)  # it was tried
    assert not any("x" * 101 in record.getMessage() for record in caplog.records)


def _reply_requests(sandbox: Sandbox) -> list[str]:
    return [
        f"{r.method} {r.route}"
        for r in sandbox.requests
        if (r.route or "").startswith(("/interactions/", "/webhooks/"))
    ]


def _error_handler_records(caplog) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "bot.error_handler"]


async def test_a_deferral_after_discords_deadline_is_one_log_line_and_no_second_reply(
    bot, sandbox: Sandbox, club, providers, caplog
):
    # This test ends within discord.py's 2 s wait for on_ready; a teardown before it would
    # leave that event's coroutine unawaited.
    await bot.wait_until_ready()
    providers.delay = 2.0  # the bot defers after 1.5 s ...
    sandbox.response_deadline = 1.0  # ... which is too late here: 10062 Unknown interaction
    with caplog.at_level(logging.WARNING):
        with pytest.raises(InteractionTimeoutError):
            await sandbox.slash(
                "title",
                member=club.member("jun"),
                channel=club.channel("general"),
                options={"name": "qqqqqq", "medium": "anime"},
            )
        await eventually(lambda: _error_handler_records(caplog))
        await sandbox.settle()
    [record] = _error_handler_records(caplog)
    assert record.levelno == logging.WARNING
    assert "Could not reply to /title" in record.getMessage()
    assert "code 10062" in record.getMessage()
    assert record.exc_info is None  # no traceback
    assert _reply_requests(sandbox) == [
        "POST /interactions/{interaction_id}/{interaction_token}/callback"
    ]


async def test_an_interaction_answered_already_is_one_log_line_and_no_second_reply(
    bot, sandbox: Sandbox, club, caplog
):
    await bot.wait_until_ready()  # as above: the test would end within the wait for on_ready
    sandbox.fail_next(
        "POST",
        "/interactions/{interaction_id}/{interaction_token}/callback",
        400,
        code=40060,
        message="Interaction has already been acknowledged.",
    )
    with caplog.at_level(logging.WARNING):
        with pytest.raises(InteractionTimeoutError):
            await sandbox.slash(
                "title",
                member=club.member("jun"),
                channel=club.channel("general"),
                options={"name": FRIEREN},
                timeout=1.0,
            )
        await eventually(lambda: _error_handler_records(caplog))
        await sandbox.settle()
    [record] = _error_handler_records(caplog)
    assert "Could not reply to /title" in record.getMessage()
    assert "code 40060" in record.getMessage()
    assert record.exc_info is None
    assert _reply_requests(sandbox) == [
        "POST /interactions/{interaction_id}/{interaction_token}/callback"
    ]
