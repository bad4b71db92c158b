"""/privacy export: everything stored about the member in the server, as a JSON file."""

from __future__ import annotations

import json
from typing import Any

from bot.storage.database import Database
from bot.taste.service import EXPORT_FORMAT, TasteService
from tests.support.clock import FakeClock
from tests.unit.taste.conftest import ANA, BO, CLOY, FRIEREN, GOBLIN, GUILD, OTHER_GUILD, TORADORA
from tests.unit.taste.test_forget_me import (
    CHANNEL,
    cast,
    dm,
    insert_poll,
    seed_draft,
    seed_follow,
    seed_hosted_party,
    seed_own_timezone,
    seed_reminder_prefs,
    seed_rsvp,
    seed_settings_change,
)


async def exported(taste: TasteService, guild: int = GUILD, member: int = ANA) -> Any:
    data = await taste.export(guild, member)
    assert isinstance(data, bytes)
    return json.loads(data.decode("utf-8"))


async def test_an_export_of_a_member_with_nothing_stored_is_empty_but_complete(
    taste: TasteService, clock: FakeClock
):
    document = await exported(taste)
    assert document["format"] == EXPORT_FORMAT
    assert (document["server_id"], document["member_id"]) == (str(GUILD), str(ANA))
    assert document["exported_at"] == clock.now().isoformat()
    assert document["taste"] == {
        "ratings": [],
        "watched": [],
        "watchlist": [],
        "not_interested": [],
        "taste_matching_opted_in_at": None,
    }
    assert document["polls"]["votes"] == []
    assert document["own_timezone_in_every_server"] is None


async def test_the_export_holds_what_the_member_told_the_bot_in_this_server_only(
    taste: TasteService, clock: FakeClock
):
    await taste.rate(GUILD, ANA, GOBLIN, 9)
    await taste.watched(GUILD, ANA, TORADORA, 8)
    await taste.watchlist_add(GUILD, ANA, FRIEREN)
    await taste.not_interested(GUILD, ANA, CLOY)
    await taste.opt_in(GUILD, ANA)
    await taste.rate(GUILD, BO, CLOY, 2)  # another member
    await taste.rate(OTHER_GUILD, ANA, CLOY, 3)  # another server
    taste_part = (await exported(taste))["taste"]
    when = clock.now().isoformat()
    assert taste_part["ratings"] == [  # newest first, then by id
        {"id": TORADORA.id, "name": "Toradora!", "medium": "anime", "score": 8, "rated_at": when},
        {"id": GOBLIN.id, "name": GOBLIN.name, "medium": "kdrama", "score": 9, "rated_at": when},
    ]
    assert taste_part["watched"] == [
        {"id": TORADORA.id, "name": "Toradora!", "medium": "anime", "score": 8, "watched_at": when}
    ]
    assert [e["id"] for e in taste_part["watchlist"]] == [FRIEREN.id]
    assert [e["id"] for e in taste_part["not_interested"]] == [CLOY.id]
    assert taste_part["taste_matching_opted_in_at"] == when


async def test_the_export_holds_the_members_rows_of_other_features(
    db: Database, taste: TasteService
):
    async with db.transaction() as tx:
        await seed_rsvp(tx, GUILD, ANA)
        await seed_rsvp(tx, GUILD, BO)
        await seed_reminder_prefs(tx, GUILD, ANA)
        await seed_draft(tx, GUILD, ANA)
        await seed_hosted_party(tx, GUILD, ANA)
        await seed_follow(tx, GUILD, ANA)
        await seed_settings_change(tx, GUILD, ANA)
        await seed_own_timezone(tx, GUILD, ANA)
        poll = await insert_poll(tx, GUILD, kind="multi", creator=ANA)
        await cast(tx, poll, str(ANA), [2, 0])
        await cast(tx, poll, str(BO), [1])
        anonymous = await insert_poll(tx, GUILD, anonymous=True)
        await cast(tx, anonymous, "cd" * 32, [0])
        await insert_poll(tx, GUILD, closed_by=ANA)
        await dm(tx, ANA, CHANNEL[GUILD])
        await dm(tx, ANA, None)  # no server known: not this server's
    document = await exported(taste)
    parties = document["watch_parties"]
    assert [(r["title_name"], r["choice"]) for r in parties["rsvps"]] == [("Goblin", "going")]
    assert isinstance(parties["rsvps"][0]["party_id"], str)
    assert parties["reminder_preference"]["by_dm"] is True
    assert [d["request"] for d in parties["drafts"]] == [{}]
    assert [p["title_name"] for p in parties["hosted"]] == ["Toradora!"]
    assert [f["title_name"] for f in parties["follows_started"]] == ["Frieren"]
    polls = document["polls"]
    assert polls["votes"] == [
        {
            "poll_id": str(poll),
            "question": "Which?",
            "choices": ["Option 3", "Option 1"],
            "voted_at": "1970-01-01T00:00:01+00:00",
        }
    ]
    assert [p["id"] for p in polls["created"]] == [str(poll)]
    assert len(polls["closed_early"]) == 1
    assert [m["content"] for m in document["direct_messages_in_log"]] == ["Your party starts soon"]
    assert document["server_settings_last_changed_by_you_at"] == "1970-01-01T00:00:00+00:00"
    assert document["own_timezone_in_every_server"] == "Asia/Seoul"
    assert any("anonymous" in line for line in document["not_included"])
    assert str(BO) not in json.dumps(document)


async def test_after_forget_me_the_export_holds_only_what_stays(db: Database, taste: TasteService):
    await taste.rate(GUILD, ANA, GOBLIN, 9)
    async with db.transaction() as tx:
        await seed_rsvp(tx, GUILD, ANA)
        await seed_hosted_party(tx, GUILD, ANA)
    await taste.forget_me(GUILD, ANA)
    document = await exported(taste)
    assert document["taste"]["ratings"] == []
    assert document["watch_parties"]["rsvps"] == []
    assert len(document["watch_parties"]["hosted"]) == 1
