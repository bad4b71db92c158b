import pytest

from bot.errors import UserFacingError
from bot.guilds.repository import GuildSettingsRepository
from bot.guilds.service import GuildSettingsService
from bot.members.models import EffectiveTimezone
from bot.members.repository import MemberSettingsRepository
from bot.members.service import MemberSettingsService


@pytest.fixture
def members(db, clock):
    return MemberSettingsService(MemberSettingsRepository(db), GuildSettingsRepository(db), clock)


async def test_own_zone_beats_server_default(members, db, clock):
    await GuildSettingsService(GuildSettingsRepository(db), clock).set_timezone(
        10, "Asia/Manila", by=1
    )
    assert await members.effective_timezone(5, 10) == EffectiveTimezone("Asia/Manila", "server")
    assert await members.set_timezone(5, "tokyo") == "Asia/Tokyo"
    assert await members.effective_timezone(5, 10) == EffectiveTimezone("Asia/Tokyo", "member")
    assert await members.set_timezone(5, "Reset") is None
    assert await members.effective_timezone(5, 10) == EffectiveTimezone("Asia/Manila", "server")


async def test_no_zone_anywhere(members):
    assert await members.effective_timezone(5, None) == EffectiveTimezone(None, "unset")


async def test_bad_zone_is_not_saved(members, db):
    with pytest.raises(UserFacingError):
        await members.set_timezone(5, "Narnia/Cair_Paravel")
    assert await db.fetchone("SELECT * FROM member_settings") is None
