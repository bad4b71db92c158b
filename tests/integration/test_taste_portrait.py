"""/taste and /privacy taste-match through the real bot and the sandbox: the portrait with its
chart, another member's (only when they share it), the empty answer, bots refused, and close
taste listing only the members who opted in."""

from __future__ import annotations

import json
from typing import Any

import pytest

from bot.client import WatchClubBot
from bot.resources import Resources
from sandbox import Sandbox, World

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
CLOY = "catalog:crash-landing-on-you"
GOBLIN = "catalog:guardian-the-lonely-and-great-god"
REPLY = "catalog:reply-1988"
LUNA = "catalog:hotel-del-luna"
SQUID = "catalog:squid-game"
KINGDOM = "catalog:kingdom"


@pytest.fixture
def world() -> World:
    world = World.default()
    club = world.guild("K-Drama Club")
    for name in ("hana", "tae"):
        club.add_member(name, global_name=name.capitalize())
    club.add_member("rin", global_name="**Rin** @everyone")
    return world


@pytest.fixture
def club(world: World) -> Any:
    return world.guild("K-Drama Club")


async def _rate(sandbox: Sandbox, member: Any, channel: Any, scores: dict[str, int]) -> None:
    for title, score in scores.items():
        rated = await sandbox.slash(
            "rate", member=member, channel=channel, options={"title": title, "score": score}
        )
        assert rated.content.startswith("Rated"), rated.content


async def _match(sandbox: Sandbox, member: Any, channel: Any, enabled: bool) -> Any:
    return await sandbox.slash(
        "privacy taste-match", member=member, channel=channel, options={"enabled": enabled}
    )


def _fields(embed: dict[str, Any]) -> dict[str, str]:
    return {field["name"]: field["value"] for field in embed.get("fields", [])}


def _chart(sandbox: Sandbox, result: Any) -> bytes:
    assert result.message is not None
    [attachment] = result.message.attachments
    assert attachment["filename"] == "taste.png"
    data = sandbox.attachment_data(attachment)
    assert data.startswith(PNG_SIGNATURE)
    return data


async def test_your_own_taste_is_private_with_the_compass_chart_attached(
    bot: WatchClubBot, sandbox: Sandbox, club: Any
):
    sora, jun, mina = club.member("sora"), club.member("jun"), club.member("mina")
    general = club.channel("general")
    await _rate(sandbox, sora, general, {CLOY: 9, GOBLIN: 10, REPLY: 8, SQUID: 3})
    await sandbox.slash("watchlist add", member=sora, channel=general, options={"title": LUNA})
    # Two other members rated the same title: the rest of the server can be compared (by that
    # title only: Kingdom, which only jun rated, would show one member's taste).
    await _rate(sandbox, jun, general, {SQUID: 9, KINGDOM: 8})
    await _rate(sandbox, mina, general, {SQUID: 10})

    shown = await sandbox.slash("taste", member=sora, channel=general)
    assert shown.ephemeral
    [embed] = shown.embeds
    assert embed["title"] == "Your taste in K-Drama Club"
    assert embed["description"] == (
        "**Slow-burn 0.80** (strong) \u00b7 **Fantasy 0.45** (some)\n"
        "Grounded slow-burn: patient romance, in the real world."
    )
    assert embed["image"]["url"] == "attachment://taste.png"
    _chart(sandbox, shown)
    fields = _fields(embed)
    assert "Romance" in fields["Top genres and tags"]
    assert fields["Favourites"].splitlines()[0] == (
        "1. **Guardian: The Lonely and Great God** \u00b7 10/10"
    )
    assert "Squid Game" not in fields["Favourites"]  # a 3 is not a favourite
    assert fields["Next to the rest of the server"].startswith(
        "You lean more slow-burn and more fantasy than the rest of the server "
        "(slow-burn 0.20, fantasy 0.00).\nYou like Romance, Comedy, Fantasy more than it does."
    )
    assert "You aren't listed in others' matches" in fields["Closest taste"]
    assert embed["footer"]["text"].startswith("From 5 titles rated or watchlisted")
    assert [m for m in sandbox.messages(general) if not m.ephemeral] == []


async def test_with_one_other_member_the_server_is_not_compared(
    bot: WatchClubBot, sandbox: Sandbox, club: Any
):
    sora, jun, general = club.member("sora"), club.member("jun"), club.channel("general")
    await _rate(sandbox, sora, general, {CLOY: 9})
    await _rate(sandbox, jun, general, {SQUID: 9, CLOY: 4})
    shown = await sandbox.slash("taste", member=sora, channel=general)
    field = _fields(shown.embeds[0])["Next to the rest of the server"]
    assert field.startswith("Not enough other members here")
    assert "Squid" not in json.dumps(shown.embeds)


async def test_nothing_rated_gets_a_friendly_start_not_an_empty_chart(
    bot: WatchClubBot, sandbox: Sandbox, club: Any
):
    jun, general = club.member("jun"), club.channel("general")
    empty = await sandbox.slash("taste", member=jun, channel=general)
    assert empty.ephemeral
    assert empty.embeds == []
    assert empty.message is not None
    assert empty.message.attachments == []
    assert empty.content.startswith("You haven't told me about any titles in this server yet")
    assert "`/rate`" in empty.content
    assert "`/watchlist add`" in empty.content
    assert "error code" not in empty.content


async def test_a_watchlist_alone_is_a_taste(bot: WatchClubBot, sandbox: Sandbox, club: Any):
    jun, general = club.member("jun"), club.channel("general")
    await sandbox.slash("watchlist add", member=jun, channel=general, options={"title": LUNA})
    shown = await sandbox.slash("taste", member=jun, channel=general)
    [embed] = shown.embeds
    assert embed["description"].startswith("**Slow-burn 0.74** (clear) \u00b7 **Fantasy 0.94**")
    assert "Favourites" not in _fields(embed)
    _chart(sandbox, shown)


async def test_another_members_taste_only_when_they_share_it_and_never_their_scores(
    bot: WatchClubBot, sandbox: Sandbox, club: Any
):
    sora, jun, general = club.member("sora"), club.member("jun"), club.channel("general")
    await _rate(sandbox, sora, general, {CLOY: 9, GOBLIN: 10})

    refused = await sandbox.slash("taste", member=jun, channel=general, options={"member": sora})
    assert refused.ephemeral
    assert refused.content.startswith("Sora keeps their taste to themself.")
    assert refused.message is not None
    assert refused.message.attachments == []

    turned_on = await _match(sandbox, sora, general, True)
    assert turned_on.ephemeral
    assert turned_on.content.startswith("Taste matching is on for you in this server.")
    assert "Your scores themselves are never shown" in turned_on.content
    again = await _match(sandbox, sora, general, True)
    assert again.content.startswith("Taste matching was already on")

    shown = await sandbox.slash("taste", member=jun, channel=general, options={"member": sora})
    assert shown.ephemeral
    [embed] = shown.embeds
    assert embed["title"] == "Sora's taste in K-Drama Club"
    favourites = _fields(embed)["Favourites"]
    assert favourites.splitlines()[0] == "1. **Guardian: The Lonely and Great God**"
    assert "/10" not in json.dumps(embed)
    _chart(sandbox, shown)
    assert shown.message is not None
    assert shown.message.mentions == []

    nobody = await sandbox.slash("taste", member=sora, channel=general, options={"member": jun})
    assert nobody.content.startswith("Jun keeps their taste to themself.")
    await _match(sandbox, jun, general, True)
    empty = await sandbox.slash("taste", member=sora, channel=general, options={"member": jun})
    assert empty.content == (
        "Jun hasn't rated or watchlisted anything in this server yet, so there's no taste to show."
    )


async def test_a_refusal_shows_the_members_name_as_typed_not_as_markdown_or_a_ping(
    bot: WatchClubBot, sandbox: Sandbox, club: Any
):
    sora, rin, general = club.member("sora"), club.member("rin"), club.channel("general")
    refused = await sandbox.slash("taste", member=sora, channel=general, options={"member": rin})
    assert refused.content.startswith("\\*\\*Rin\\*\\* @\u200beveryone keeps their taste")
    assert refused.message is not None
    assert not refused.message.mention_everyone


async def test_a_bot_has_no_taste(bot: WatchClubBot, sandbox: Sandbox, club: Any):
    sora, general = club.member("sora"), club.channel("general")
    refused = await sandbox.slash(
        "taste", member=sora, channel=general, options={"member": club.bot_member}
    )
    assert refused.ephemeral
    assert refused.content.startswith("Bots don't watch shows")


async def test_closest_taste_lists_only_opted_in_members_and_pings_nobody(
    bot: WatchClubBot, resources: Resources, sandbox: Sandbox, club: Any
):
    general = club.channel("general")
    sora, hana, tae, jun = (club.member(n) for n in ("sora", "hana", "tae", "jun"))
    mine = {CLOY: 9, GOBLIN: 10, REPLY: 8, SQUID: 3, KINGDOM: 2}
    alike = {CLOY: 8, GOBLIN: 10, REPLY: 9, SQUID: 2, KINGDOM: 3}
    opposite = {CLOY: 2, GOBLIN: 3, REPLY: 2, SQUID: 9, KINGDOM: 10}
    await _rate(sandbox, sora, general, mine)
    await _rate(sandbox, hana, general, alike)
    await _rate(sandbox, tae, general, alike)  # as close, but never opted in
    await _rate(sandbox, jun, general, opposite)
    for member in (hana, jun):
        await _match(sandbox, member, general, True)

    shown = await sandbox.slash("taste", member=sora, channel=general)
    closest = _fields(shown.embeds[0])["Closest taste"]
    assert (
        closest.splitlines()[0] == f"<@{hana.id}> \u00b7 very close \u00b7 5 titles rated by both"
    )
    assert f"<@{tae.id}>" not in closest
    assert f"<@{jun.id}>" not in closest  # opted in, but their scores run the other way
    assert shown.message is not None
    assert shown.message.mentions == []
    assert shown.message.allowed_mentions is not None
    assert shown.message.allowed_mentions.get("parse") == []

    # Hana's own portrait never lists Hana.
    own = await sandbox.slash("taste", member=hana, channel=general)
    assert f"<@{hana.id}>" not in _fields(own.embeds[0])["Closest taste"]

    turned_off = await _match(sandbox, hana, general, False)
    assert turned_off.content.startswith("Taste matching is off for you in this server")
    row = await resources.db.fetchone(
        "SELECT count(*) AS n FROM taste_opt_in WHERE member_id = ?", (hana.id,)
    )
    assert row is not None
    assert row["n"] == 0
    after = await sandbox.slash("taste", member=sora, channel=general)
    assert f"<@{hana.id}>" not in _fields(after.embeds[0])["Closest taste"]


async def test_the_opt_in_is_exported_and_forgotten(bot: WatchClubBot, sandbox: Sandbox, club: Any):
    sora, general = club.member("sora"), club.channel("general")
    await _match(sandbox, sora, general, True)
    exported = await sandbox.slash("privacy export", member=sora, channel=general)
    assert exported.message is not None
    [attachment] = exported.message.attachments
    document = json.loads(sandbox.attachment_data(attachment))
    assert document["taste"]["taste_matching_opted_in_at"] is not None

    asked = await sandbox.slash("privacy forget-me", member=sora, channel=general)
    assert asked.message is not None
    done = await sandbox.click(
        member=sora, message=asked.message, custom_id=f"privacy:forget:{sora.id}:confirm"
    )
    assert "1 taste-matching opt-in" in done.embeds[0]["description"]
    exported = await sandbox.slash("privacy export", member=sora, channel=general)
    assert exported.message is not None
    [attachment] = exported.message.attachments
    document = json.loads(sandbox.attachment_data(attachment))
    assert document["taste"]["taste_matching_opted_in_at"] is None
