"""Ratings, watched, watchlist and "not interested": the rules, on real SQLite."""

from __future__ import annotations

import sqlite3

import pytest

from bot.clock import to_unix
from bot.errors import UserFacingError
from bot.metadata.models import Medium, Title, TitleNames
from bot.storage.database import Database
from bot.taste import repository
from bot.taste.models import TitleRef
from bot.taste.service import TasteService, check_score, check_title_id
from tests.support.clock import FakeClock
from tests.unit.taste.conftest import (
    ANA,
    BO,
    CLOY,
    FRIEREN,
    GOBLIN,
    GUILD,
    OTHER_GUILD,
    TORADORA,
)


async def test_a_rating_is_stored_and_a_second_one_replaces_it(
    taste: TasteService, clock: FakeClock
):
    first = await taste.rate(GUILD, ANA, GOBLIN, 9)
    assert first.previous_score is None
    assert first.rating.score == 9
    clock.advance(60)
    second = await taste.rate(GUILD, ANA, GOBLIN, 7)
    assert second.previous_score == 9
    [rating] = await taste.ratings(GUILD, ANA)
    assert (rating.title, rating.score, rating.rated_at) == (GOBLIN, 7, to_unix(clock.now()))


async def test_ratings_are_listed_newest_first(taste: TasteService, clock: FakeClock):
    await taste.rate(GUILD, ANA, GOBLIN, 9)
    clock.advance(10)
    await taste.rate(GUILD, ANA, TORADORA, 8)
    assert [r.title.id for r in await taste.ratings(GUILD, ANA)] == [TORADORA.id, GOBLIN.id]


async def test_unrate_removes_only_that_rating(taste: TasteService):
    await taste.rate(GUILD, ANA, GOBLIN, 9)
    await taste.rate(GUILD, ANA, TORADORA, 8)
    assert await taste.unrate(GUILD, ANA, GOBLIN.id) is True
    assert await taste.unrate(GUILD, ANA, GOBLIN.id) is False
    assert [r.title for r in await taste.ratings(GUILD, ANA)] == [TORADORA]


@pytest.mark.parametrize("score", [0, 11, -3, 100])
async def test_a_score_outside_one_to_ten_is_refused_and_nothing_is_written(
    taste: TasteService, score: int
):
    with pytest.raises(UserFacingError, match=r"whole number from 1 to 10; .* is not"):
        await taste.rate(GUILD, ANA, GOBLIN, score)
    with pytest.raises(UserFacingError, match="from 1 to 10"):
        await taste.watched(GUILD, ANA, GOBLIN, score)
    assert await taste.ratings(GUILD, ANA) == []
    assert await taste.watched_titles(GUILD, ANA) == []


@pytest.mark.parametrize("score", [7.5, "8", True, None])
def test_a_score_that_is_not_a_whole_number_is_refused(score: object):
    with pytest.raises(UserFacingError, match="whole number from 1 to 10"):
        check_score(score)


@pytest.mark.parametrize(
    "title_id",
    ["goblin", "netflix:123", "anilist:", "anilist:21 ", "anilist:2/1", "ANILIST:21", "a" * 90, 21],
)
def test_an_unknown_title_id_shape_is_refused_with_the_accepted_shapes(title_id: object):
    with pytest.raises(UserFacingError) as raised:
        check_title_id(title_id)
    assert "anilist:21" in raised.value.message
    assert "catalog:goblin" in raised.value.message


@pytest.mark.parametrize(
    "title_id", ["anilist:21", "tvmaze:1234", "tmdb:94796", "catalog:reply-1988"]
)
def test_the_title_id_shapes_of_every_source_are_accepted(title_id: str):
    assert check_title_id(title_id) == title_id


async def test_every_command_refuses_a_bad_title_id(taste: TasteService):
    bad = TitleRef("goblin", "Goblin", Medium.KDRAMA)
    for call in (
        taste.rate(GUILD, ANA, bad, 8),
        taste.watched(GUILD, ANA, bad),
        taste.watchlist_add(GUILD, ANA, bad),
        taste.not_interested(GUILD, ANA, bad),
        taste.unrate(GUILD, ANA, "goblin"),
        taste.unwatch(GUILD, ANA, "goblin"),
        taste.watchlist_remove(GUILD, ANA, "goblin"),
        taste.undo_not_interested(GUILD, ANA, "goblin"),
    ):
        with pytest.raises(UserFacingError, match="isn't a title I can save"):
            await call
    assert await taste.ratings(GUILD, ANA) == []
    assert await taste.watched_titles(GUILD, ANA) == []
    assert await taste.not_interested_titles(GUILD, ANA) == []
    assert await taste.watchlist(GUILD, ANA) == []


async def test_a_title_with_no_name_or_an_unknown_medium_is_refused(taste: TasteService):
    with pytest.raises(UserFacingError, match="no name"):
        await taste.rate(GUILD, ANA, TitleRef(GOBLIN.id, "  \n ", Medium.KDRAMA), 8)
    with pytest.raises(UserFacingError, match="anime, kdrama, live_action, animation"):
        await taste.rate(GUILD, ANA, TitleRef(GOBLIN.id, "Goblin", "soap"), 8)  # type: ignore[arg-type]


async def test_a_long_or_spaced_title_name_is_kept_tidy(taste: TasteService):
    await taste.rate(GUILD, ANA, TitleRef(GOBLIN.id, "  Goblin \n  2 ", Medium.KDRAMA), 8)
    await taste.rate(GUILD, ANA, TitleRef(CLOY.id, "x" * 400, Medium.KDRAMA), 8)
    names = {r.title.id: r.title.name for r in await taste.ratings(GUILD, ANA)}
    assert names[GOBLIN.id] == "Goblin 2"
    assert len(names[CLOY.id]) == 300
    assert names[CLOY.id].endswith("\u2026")


async def test_watched_with_a_score_is_also_a_rating(taste: TasteService):
    result = await taste.watched(GUILD, ANA, TORADORA, 10)
    assert result.newly_watched
    assert result.watched.score == 10
    [rating] = await taste.ratings(GUILD, ANA)
    assert (rating.title, rating.score) == (TORADORA, 10)
    # Unrating leaves it watched; unwatching leaves the rating.
    await taste.unrate(GUILD, ANA, TORADORA.id)
    [watched] = await taste.watched_titles(GUILD, ANA)
    assert watched.score is None
    await taste.rate(GUILD, ANA, TORADORA, 6)
    assert await taste.unwatch(GUILD, ANA, TORADORA.id) is True
    assert await taste.unwatch(GUILD, ANA, TORADORA.id) is False
    assert [r.score for r in await taste.ratings(GUILD, ANA)] == [6]


async def test_watched_without_a_score_keeps_an_earlier_rating(taste: TasteService):
    await taste.rate(GUILD, ANA, GOBLIN, 9)
    result = await taste.watched(GUILD, ANA, GOBLIN)
    assert result.watched.score == 9
    assert [r.score for r in await taste.ratings(GUILD, ANA)] == [9]


async def test_watched_twice_keeps_the_first_time(taste: TasteService, clock: FakeClock):
    first = await taste.watched(GUILD, ANA, GOBLIN)
    clock.advance(3600)
    again = await taste.watched(GUILD, ANA, GOBLIN, 8)
    assert not again.newly_watched
    assert again.watched.watched_at == first.watched.watched_at
    assert again.watched.score == 8


async def test_watching_a_title_takes_it_off_the_watchlist(taste: TasteService):
    await taste.watchlist_add(GUILD, ANA, GOBLIN)
    await taste.watchlist_add(GUILD, ANA, CLOY)
    result = await taste.watched(GUILD, ANA, GOBLIN)
    assert result.left_watchlist
    assert [e.title for e in await taste.watchlist(GUILD, ANA)] == [CLOY]
    assert not (await taste.watched(GUILD, ANA, FRIEREN)).left_watchlist


async def test_the_watchlist_adds_once_removes_and_lists_newest_first(
    taste: TasteService, clock: FakeClock
):
    first = await taste.watchlist_add(GUILD, ANA, GOBLIN)
    assert first.added
    assert not first.was_not_interested
    clock.advance(5)
    await taste.watchlist_add(GUILD, ANA, FRIEREN)
    clock.advance(5)
    again = await taste.watchlist_add(GUILD, ANA, GOBLIN)
    assert not again.added
    assert again.entry.added_at == first.entry.added_at
    assert [e.title for e in await taste.watchlist(GUILD, ANA)] == [FRIEREN, GOBLIN]
    assert [e.title for e in await taste.watchlist(GUILD, ANA, limit=1)] == [FRIEREN]
    assert await taste.watchlist_size(GUILD, ANA) == 2
    assert await taste.watchlist_remove(GUILD, ANA, GOBLIN.id) is True
    assert await taste.watchlist_remove(GUILD, ANA, GOBLIN.id) is False
    assert [e.title for e in await taste.watchlist(GUILD, ANA)] == [FRIEREN]


async def test_another_members_watchlist_is_readable_in_the_same_server_only(
    taste: TasteService,
):
    await taste.watchlist_add(GUILD, BO, GOBLIN)
    await taste.watchlist_add(OTHER_GUILD, BO, TORADORA)
    assert [e.title for e in await taste.watchlist(GUILD, BO)] == [GOBLIN]
    assert [e.title for e in await taste.watchlist(OTHER_GUILD, BO)] == [TORADORA]
    assert await taste.watchlist(GUILD, ANA) == []


async def test_not_interested_and_the_watchlist_exclude_each_other(taste: TasteService):
    await taste.watchlist_add(GUILD, ANA, GOBLIN)
    assert await taste.not_interested(GUILD, ANA, GOBLIN) is True
    assert await taste.not_interested(GUILD, ANA, GOBLIN) is False
    assert await taste.watchlist(GUILD, ANA) == []
    back = await taste.watchlist_add(GUILD, ANA, GOBLIN)
    assert back.added
    assert back.was_not_interested
    assert await taste.not_interested_titles(GUILD, ANA) == []
    await taste.not_interested(GUILD, ANA, CLOY)
    assert await taste.undo_not_interested(GUILD, ANA, CLOY.id) is True
    assert await taste.undo_not_interested(GUILD, ANA, CLOY.id) is False


async def test_what_a_member_says_in_one_server_never_shows_in_another(taste: TasteService):
    await taste.rate(GUILD, ANA, GOBLIN, 9)
    await taste.watched(GUILD, ANA, TORADORA)
    await taste.not_interested(GUILD, ANA, CLOY)
    await taste.watchlist_add(GUILD, ANA, FRIEREN)
    assert await taste.ratings(OTHER_GUILD, ANA) == []
    assert await taste.watched_titles(OTHER_GUILD, ANA) == []
    assert await taste.not_interested_titles(OTHER_GUILD, ANA) == []
    assert await taste.watchlist(OTHER_GUILD, ANA) == []
    assert await taste.server_titles(OTHER_GUILD) == []


async def test_the_server_aggregate_counts_without_naming_members(taste: TasteService):
    await taste.rate(GUILD, ANA, GOBLIN, 9)
    await taste.rate(GUILD, BO, GOBLIN, 6)
    await taste.watched(GUILD, BO, GOBLIN)
    await taste.watchlist_add(GUILD, ANA, FRIEREN)
    await taste.watchlist_add(GUILD, BO, FRIEREN)
    await taste.not_interested(GUILD, ANA, CLOY)  # private: not a server signal
    await taste.rate(OTHER_GUILD, ANA, GOBLIN, 1)
    found = {a.title.id: a for a in await taste.server_titles(GUILD)}
    assert set(found) == {GOBLIN.id, FRIEREN.id}
    goblin, frieren = found[GOBLIN.id], found[FRIEREN.id]
    assert (goblin.ratings, goblin.score_sum, goblin.mean_score) == (2, 15, 7.5)
    assert (goblin.watched, goblin.watchlisted) == (1, 0)
    assert (frieren.ratings, frieren.mean_score, frieren.watchlisted) == (0, None, 2)
    assert goblin.title == GOBLIN


async def test_the_aggregate_shows_a_titles_latest_name(taste: TasteService, clock: FakeClock):
    await taste.rate(GUILD, ANA, TitleRef(GOBLIN.id, "Goblin", Medium.KDRAMA), 9)
    clock.advance(60)
    await taste.watchlist_add(GUILD, BO, GOBLIN)
    [aggregate] = await taste.server_titles(GUILD)
    assert aggregate.title == GOBLIN


async def test_rating_triples_carry_opaque_keys_one_per_member_and_server(
    taste: TasteService, clock: FakeClock
):
    await taste.rate(GUILD, BO, GOBLIN, 9)
    clock.advance(1)
    await taste.rate(GUILD, ANA, GOBLIN, 7)
    clock.advance(1)
    await taste.rate(GUILD, BO, TORADORA, 8)
    clock.advance(1)
    await taste.rate(OTHER_GUILD, BO, FRIEREN, 10)
    triples = await taste.rating_triples()
    assert [tuple(t) for t in triples] == [
        (0, GOBLIN.id, 9),
        (1, GOBLIN.id, 7),
        (0, TORADORA.id, 8),
        (2, FRIEREN.id, 10),  # the same person in another server is another key
    ]
    keys = {t.member_key for t in triples}
    assert not keys & {ANA, BO, GUILD, OTHER_GUILD}


async def test_opt_in_lists_only_opted_in_members_ratings(taste: TasteService):
    await taste.rate(GUILD, ANA, GOBLIN, 9)
    await taste.rate(GUILD, BO, GOBLIN, 4)
    await taste.rate(OTHER_GUILD, ANA, TORADORA, 8)
    assert await taste.opted_in_ratings(GUILD) == {}
    assert await taste.opt_in(GUILD, ANA) is True
    assert await taste.opt_in(GUILD, ANA) is False
    assert await taste.is_opted_in(GUILD, ANA)
    assert not await taste.is_opted_in(OTHER_GUILD, ANA)
    matches = await taste.opted_in_ratings(GUILD)
    assert list(matches) == [ANA]
    assert [(r.title, r.score) for r in matches[ANA]] == [(GOBLIN, 9)]
    assert await taste.opt_out(GUILD, ANA) is True
    assert await taste.opt_out(GUILD, ANA) is False
    assert await taste.opted_in_ratings(GUILD) == {}


async def test_the_revision_rises_when_ratings_change(taste: TasteService):
    start = taste.revision
    await taste.watchlist_add(GUILD, ANA, GOBLIN)
    await taste.watched(GUILD, ANA, GOBLIN)
    assert taste.revision == start
    await taste.rate(GUILD, ANA, GOBLIN, 9)
    await taste.watched(GUILD, ANA, TORADORA, 8)
    await taste.unrate(GUILD, ANA, GOBLIN.id)
    assert taste.revision == start + 3
    await taste.unrate(GUILD, ANA, GOBLIN.id)
    assert taste.revision == start + 3


async def test_the_tables_refuse_a_score_outside_one_to_ten(db: Database):
    import sqlite3

    with pytest.raises(sqlite3.IntegrityError):
        async with db.transaction() as tx:
            await tx.execute(
                "INSERT INTO taste_ratings VALUES (1, 2, 'anilist:1', 'A', 'anime', 11, 0)"
            )


def test_a_title_ref_keeps_a_titles_id_display_name_and_medium():
    title = Title(
        id="anilist:4224",
        medium=Medium.ANIME,
        names=TitleNames(english="Toradora!", romanized="Toradora!"),
        attribution="AniList",
    )
    assert TitleRef.of(title) == TORADORA


async def test_rate_many_saves_every_score_in_one_go_and_tells_what_each_replaced(
    taste: TasteService, db: Database
):
    await taste.rate(GUILD, ANA, GOBLIN, 4)
    before = taste.revision
    results = await taste.rate_many(GUILD, ANA, [(GOBLIN, 9), (TORADORA, 7)])
    assert [(r.rating.title, r.rating.score, r.previous_score) for r in results] == [
        (GOBLIN, 9, 4),
        (TORADORA, 7, None),
    ]
    assert taste.revision == before + 1
    assert {(r.title.id, r.score) for r in await taste.ratings(GUILD, ANA)} == {
        (GOBLIN.id, 9),
        (TORADORA.id, 7),
    }


async def test_rate_many_with_one_bad_score_saves_none_of_them(taste: TasteService):
    with pytest.raises(UserFacingError, match="from 1 to 10"):
        await taste.rate_many(GUILD, ANA, [(GOBLIN, 9), (TORADORA, 11)])
    assert await taste.ratings(GUILD, ANA) == []
    assert await taste.rate_many(GUILD, ANA, []) == []


async def test_rate_many_writes_all_or_nothing_when_a_write_fails(
    taste: TasteService, monkeypatch: pytest.MonkeyPatch
):
    real = repository._rate_in
    calls = 0

    async def second_fails(*args: object, **kwargs: object) -> int | None:
        nonlocal calls
        calls += 1
        if calls == 2:
            raise sqlite3.OperationalError("disk I/O error")
        return await real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(repository, "_rate_in", second_fails)
    with pytest.raises(sqlite3.OperationalError):
        await taste.rate_many(GUILD, ANA, [(GOBLIN, 9), (TORADORA, 7)])
    assert await taste.ratings(GUILD, ANA) == []  # the first write was rolled back
