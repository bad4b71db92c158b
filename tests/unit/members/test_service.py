from datetime import UTC, datetime

import pytest

from bot.errors import UserFacingError
from bot.guilds.repository import GuildSettingsRepository
from bot.guilds.service import GuildSettingsService
from bot.members.models import EffectiveTimezone
from bot.members.repository import MemberSettingsRepository
from bot.members.service import MemberSettingsService
from bot.timezones import ResolvedZone


@pytest.fixture
def members(db, clock):
    return MemberSettingsService(MemberSettingsRepository(db), GuildSettingsRepository(db), clock)


MANILA = EffectiveTimezone("Asia/Manila", "server", "Asia/Manila (UTC+08:00)")


async def _stored_zone(db):
    row = await db.fetchone("SELECT timezone FROM member_settings WHERE user_id = 5")
    return row["timezone"] if row else None


async def test_own_zone_beats_server_default(members, db, clock):
    await GuildSettingsService(GuildSettingsRepository(db), clock).set_timezone(
        10, "Asia/Manila", by=1
    )
    assert await members.effective_timezone(5, 10) == MANILA
    assert await members.set_timezone(5, "tokyo") == ResolvedZone(
        "Asia/Tokyo", "Asia/Tokyo (UTC+09:00)"
    )
    assert await members.effective_timezone(5, 10) == EffectiveTimezone(
        "Asia/Tokyo", "member", "Asia/Tokyo (UTC+09:00)"
    )
    assert await members.set_timezone(5, "Reset") is None
    assert await members.effective_timezone(5, 10) == MANILA


async def test_no_zone_anywhere(members):
    assert await members.effective_timezone(5, None) == EffectiveTimezone(None, "unset", None)


async def test_an_offset_is_stored_as_the_zone_it_means(members, db):
    saved = await members.set_timezone(5, "GMT+9")
    assert saved is not None
    assert (saved.zone, saved.label) == ("Etc/GMT-9", "UTC+09:00 (no daylight saving)")
    assert await _stored_zone(db) == "Etc/GMT-9"
    shown = await members.effective_timezone(5, None)
    assert shown.label == "UTC+09:00 (no daylight saving)"


async def test_an_ambiguous_abbreviation_is_not_saved(members, db):
    with pytest.raises(UserFacingError, match="Nothing was saved"):
        await members.set_timezone(5, "IST")
    assert await _stored_zone(db) is None


async def test_labels_follow_the_clock(members, clock):
    clock.current = datetime(2026, 7, 1, 12, 0, tzinfo=UTC)  # London is on summer time
    assert await members.set_timezone(5, "London") == ResolvedZone(
        "Europe/London", "Europe/London (UTC+01:00)"
    )
    assert [choice.label for choice in members.timezone_choices("BST")] == [
        "Europe/London (UTC+01:00), BST in the UK (summer)"
    ]


async def test_bad_zone_is_not_saved(members, db):
    with pytest.raises(UserFacingError):
        await members.set_timezone(5, "Narnia/Cair_Paravel")
    assert await db.fetchone("SELECT * FROM member_settings") is None
