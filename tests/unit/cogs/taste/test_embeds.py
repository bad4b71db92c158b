"""The taste answer builders: data in, text or embed out."""

from __future__ import annotations

from bot.metadata.models import Medium
from bot.taste.models import (
    ForgetCount,
    ForgetSummary,
    KeptNote,
    RateResult,
    Rating,
    TitleRef,
    Watched,
    WatchedResult,
    WatchlistAddResult,
    WatchlistEntry,
)
from cogs.taste.embeds import (
    WATCHLIST_SHOWN,
    forgotten_embed,
    not_interested_text,
    rated_text,
    title_text,
    watched_text,
    watchlist_added_text,
    watchlist_embed,
    watchlist_removed_text,
)

GOBLIN = TitleRef("catalog:goblin", "Guardian: The Lonely and Great God", Medium.KDRAMA)
TORADORA = TitleRef("anilist:4224", "Toradora!", Medium.ANIME)


def test_a_title_name_is_escaped_so_it_can_neither_restyle_nor_ping():
    sneaky = TitleRef("tmdb:1", "*Bold* @everyone <@123>", Medium.LIVE_ACTION)
    assert title_text(sneaky) == "**\\*Bold\\* @\u200beveryone <@\u200b123>** (Live action)"


def test_a_long_title_name_is_cut_with_an_ellipsis():
    long = TitleRef("tmdb:1", "x" * 300, Medium.ANIME)
    shown = title_text(long)
    assert shown.startswith("**" + "x" * 99 + "\u2026**")


def test_a_rating_says_the_previous_score_when_there_was_one():
    rating = Rating(GOBLIN, 9, 100)
    assert rated_text(RateResult(rating, None)) == (
        "Rated **Guardian: The Lonely and Great God** (K-drama) **9**/10."
    )
    assert rated_text(RateResult(rating, 7)).endswith("**9**/10; it was 7/10 before.")
    assert "stays at **9**/10" in rated_text(RateResult(rating, 9))


def test_watched_says_the_score_and_the_watchlist_only_when_they_apply():
    fresh = WatchedResult(Watched(TORADORA, 100, None), newly_watched=True, left_watchlist=False)
    assert watched_text(fresh, score_given=False) == "Marked **Toradora!** (Anime) watched."
    scored = WatchedResult(Watched(TORADORA, 100, 8), newly_watched=True, left_watchlist=True)
    assert watched_text(scored, score_given=True) == (
        "Marked **Toradora!** (Anime) watched and rated it **8**/10. It is off your watchlist now."
    )
    again = WatchedResult(Watched(TORADORA, 100, 8), newly_watched=False, left_watchlist=False)
    assert watched_text(again, score_given=False) == (
        "**Toradora!** (Anime) was already marked watched, on <t:100:D>. You rated it **8**/10."
    )
    assert watched_text(again, score_given=True).endswith("Your rating is now **8**/10.")


def test_watchlist_add_and_remove_count_the_titles():
    entry = WatchlistEntry(GOBLIN, 100)
    added = WatchlistAddResult(entry, added=True, was_not_interested=True)
    text = watchlist_added_text(added, 1)
    assert text.startswith("Added **Guardian: The Lonely and Great God** (K-drama) to your")
    assert "(1 title)." in text
    assert 'had marked it "not interested"' in text
    again = WatchlistAddResult(entry, added=False, was_not_interested=False)
    assert watchlist_added_text(again, 4).endswith("is already on your watchlist (4 titles).")
    assert watchlist_removed_text(TORADORA, 0) == (
        "Took **Toradora!** (Anime) off your watchlist (0 titles left)."
    )


def test_a_watchlist_shows_twenty_lines_and_counts_the_rest():
    entries = [
        WatchlistEntry(TitleRef(f"tmdb:{n}", f"Show {n}", Medium.KDRAMA), 1000 + n)
        for n in range(WATCHLIST_SHOWN + 5)
    ]
    embed = watchlist_embed(entries, 30, owner="Sora")
    assert embed.title == "Sora's watchlist"
    lines = (embed.description or "").split("\n")
    assert len(lines) == WATCHLIST_SHOWN + 1
    assert lines[0] == "1. **Show 0** · K-drama · added <t:1000:R>"
    assert lines[-1] == "+10 more"
    assert embed.footer.text == "30 titles · in this server only"


def test_an_empty_watchlist_says_how_to_add_to_ones_own():
    assert watchlist_embed([], 0, owner=None).description == (
        "Nothing on it yet. Add a title with `/watchlist add`."
    )
    other = watchlist_embed([], 0, owner="Jun")
    assert other.title == "Jun's watchlist"
    assert other.description == "Nothing on it yet in this server."


def test_not_interested_says_whether_it_was_new():
    assert not_interested_text(TORADORA, newly=False) == (
        '**Toradora!** (Anime) is already marked "not interested".'
    )
    assert "will not be recommended" in not_interested_text(TORADORA, newly=True)


def test_the_forget_me_result_lists_what_went_and_what_stays():
    summary = ForgetSummary(
        guild_id=1,
        deleted=(ForgetCount("ratings", "ratings", 2), ForgetCount("watched", "titles", 0)),
        kept=(KeptNote("polls_created", "polls you created", 1, "They belong to the server."),),
    )
    embed = forgotten_embed(summary)
    assert embed.title == "Forgotten in this server"
    assert embed.description == (
        "Deleted: 2 ratings.\nKept: 1 polls you created. They belong to the server."
    )
