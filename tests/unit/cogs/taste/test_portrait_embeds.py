"""The /taste and /privacy taste-match answers, as a member reads them."""

from __future__ import annotations

from bot.recommend.portrait import (
    Favourite,
    FeatureGap,
    Portrait,
    ServerComparison,
    TasteMatch,
)
from cogs.taste.portrait_embeds import (
    _leaning,
    closeness,
    compass_text,
    empty_text,
    portrait_embed,
    taste_match_text,
    unplaced_text,
)

SERVER = ServerComparison(
    compass=(0.5, 0.62),
    top_features=("Fantasy", "Action", "Romance"),
    more_than_server=(FeatureGap("Romance", 0.4, 0.2), FeatureGap("Melodrama", 0.1, 0.02)),
)
FAVOURITE = Favourite(
    "catalog:goblin", "Guardian: **The** Lonely @everyone", "Guardian", 10, (0.8, 0.94)
)


def make(**changes: object) -> Portrait:
    values: dict[str, object] = {
        "titles": 4,
        "placed": 4,
        "compass": (0.72, 0.31),
        "top_features": ("Romance", "Drama", "Slow Burn"),
        "favourites": (FAVOURITE,),
        "server": SERVER,
        "matches": (TasteMatch(42, 0.45, 6), TasteMatch(43, 0.25, 3)),
    }
    values.update(changes)
    return Portrait(**values)  # type: ignore[arg-type]


def fields(embed) -> dict[str, str]:
    return {field.name: field.value for field in embed.fields}


def test_the_compass_in_numbers_and_words():
    assert compass_text((0.72, 0.31)) == (
        "**Slow-burn 0.72** (clear) \u00b7 **Fantasy 0.31** (some)\n"
        "Grounded slow-burn: patient romance, in the real world."
    )
    assert compass_text((0.8, 0.9)).endswith(
        "Slow-burn fantasy: romance that takes its time, with magic in it."
    )
    assert compass_text((0.1, 0.8)).endswith(
        "Fantasy first: other worlds and epic stakes, romance optional."
    )
    assert "Neither slow-burn nor fantasy" in compass_text((0.1, 0.1))


def test_your_own_portrait_shows_scores_the_server_and_how_to_be_matched():
    embed = portrait_embed(make(), name=None, server="K-Drama Club", opted_in=False, chart=True)
    assert embed.title == "Your taste in K-Drama Club"
    assert embed.image.url == "attachment://taste.png"
    shown = fields(embed)
    assert shown["Top genres and tags"] == "Romance \u00b7 Drama \u00b7 Slow Burn"
    assert shown["Next to the rest of the server"] == (
        "You lean more slow-burn and less fantasy than the rest of the server "
        "(slow-burn 0.50, fantasy 0.62).\n"
        "You like Romance, Melodrama more than it does.\n"
        "Its top: Fantasy \u00b7 Action \u00b7 Romance"
    )
    assert shown["Favourites"] == (
        "1. **Guardian: \\*\\*The\\*\\* Lonely @\u200beveryone** \u00b7 10/10"
    )
    assert shown["Closest taste"] == (
        "<@42> \u00b7 very close \u00b7 6 titles rated by both\n"
        "<@43> \u00b7 close \u00b7 3 titles rated by both\n"
        "You aren't listed in others' matches; to be, use `/privacy taste-match enabled:True`."
    )
    assert embed.footer.text == (
        "From 4 titles rated or watchlisted in this server \u00b7 only you can see this"
    )


def test_another_members_portrait_never_shows_their_scores_and_escapes_their_name():
    embed = portrait_embed(
        make(placed=3, matches=()),
        name="*Sora* @everyone",
        server="Club",
        opted_in=True,
        chart=False,
    )
    assert embed.title == "\\*Sora\\* @\u200beveryone's taste in Club"
    assert embed.image.url is None
    shown = fields(embed)
    assert "/10" not in shown["Favourites"]
    assert shown["Next to the rest of the server"].startswith("They lean more slow-burn")
    assert shown["Closest taste"].startswith("No one yet.")
    assert "You aren't listed" not in shown["Closest taste"]
    assert "(1 not placed" in embed.footer.text


def test_without_enough_others_the_server_is_not_compared():
    shown = fields(
        portrait_embed(make(server=None), name=None, server="C", opted_in=True, chart=True)
    )
    assert shown["Next to the rest of the server"].startswith("Not enough other members here")


def test_closeness_in_words():
    assert [closeness(TasteMatch(1, s, 5)) for s in (0.5, 0.4, 0.3, 0.2, 0.15)] == [
        "very close",
        "very close",
        "close",
        "close",
        "somewhat close",
    ]


def test_the_empty_and_unplaced_answers_say_what_to_do():
    own = empty_text(name=None)
    assert "`/rate`" in own
    assert "`/watchlist add`" in own
    assert empty_text(name="**Jun**").startswith("\\*\\*Jun\\*\\* hasn't rated")
    assert unplaced_text(name=None).startswith("I can't place your titles")
    assert "Try again in a minute." in unplaced_text(name="Jun")


def test_the_taste_match_answers_say_what_it_means():
    on = taste_match_text(enabled=True, changed=True)
    assert on.startswith("Taste matching is on for you in this server.")
    assert "may list you as someone with close taste" in on
    assert "Your scores themselves are never shown." in on
    assert taste_match_text(enabled=True, changed=False).startswith("Taste matching was already on")
    off = taste_match_text(enabled=False, changed=True)
    assert off.startswith("Taste matching is off for you in this server")
    assert "`/privacy taste-match enabled:True`" in off
    assert taste_match_text(enabled=False, changed=False).startswith(
        "Taste matching was already off"
    )


def test_the_comparison_reads_well_whichever_way_the_member_leans():
    assert _leaning("You", ("more slow-burn", "less fantasy")) == (
        "You lean more slow-burn and less fantasy than the rest of the server"
    )
    assert _leaning("They", ("about as slow-burn", "more fantasy")) == (
        "They lean more fantasy than the rest of the server, and about as slow-burn as it"
    )
    assert _leaning("You", ("about as slow-burn", "about as fantasy")) == (
        "You sit about where the rest of the server does"
    )
