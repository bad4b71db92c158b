import pytest

from bot.errors import UserFacingError
from bot.guilds.models import DEFAULT_REMINDER_LEAD_MINUTES
from bot.guilds.repository import GuildSettingsRepository
from bot.guilds.service import GuildSettingsService
from bot.members.repository import MemberSettingsRepository


@pytest.fixture
def config(db, clock):
    return GuildSettingsService(GuildSettingsRepository(db), clock)


async def test_unknown_guild_has_defaults(config):
    settings = await config.get(1)
    assert settings.timezone is None
    assert settings.reminder_lead_minutes == DEFAULT_REMINDER_LEAD_MINUTES


async def test_each_change_is_saved_and_keeps_the_others(config, clock):
    await config.set_timezone(1, "seoul", by=7)
    await config.set_reminder_lead_times(1, "1d 15m", by=7)
    await config.set_announcement_channel(1, 555, by=8)
    await config.set_watch_party_role(1, 777, by=8)
    settings = await config.get(1)
    assert settings.timezone == "Asia/Seoul"
    assert settings.reminder_lead_minutes == (1440, 15)
    assert settings.announcement_channel_id == 555
    assert settings.watch_party_role_id == 777
    assert settings.updated_by == 8
    assert settings.updated_at == int(clock.now().timestamp())
    assert (await config.get(2)).timezone is None


async def test_invalid_input_writes_nothing(config, db):
    with pytest.raises(UserFacingError):
        await config.set_timezone(1, "Atlantis/Capital", by=7)
    with pytest.raises(UserFacingError):
        await config.set_timezone(1, "CST", by=7)
    with pytest.raises(UserFacingError):
        await config.set_reminder_lead_times(1, "whenever", by=7)
    with pytest.raises(UserFacingError):
        await config.set_reminder_lead_times(1, "1h1h", by=7)
    assert await db.fetchone("SELECT * FROM guild_settings") is None


async def test_timezone_by_offset_is_saved_as_the_zone_it_means(config):
    saved = await config.set_timezone(1, "UTC+9", by=7)
    assert (saved.zone, saved.label) == ("Etc/GMT-9", "UTC+09:00 (no daylight saving)")
    assert (await config.get(1)).timezone == "Etc/GMT-9"
    assert config.describe_timezone("Etc/GMT-9") == "UTC+09:00 (no daylight saving)"
    assert config.timezone_choices("UTC+9")[0].label == "Asia/Seoul (UTC+09:00)"


async def test_lead_times_in_other_scripts_are_read_as_digits(config):
    await config.set_reminder_lead_times(
        1, "\uff11\uff44 \u0661\u0665m", by=7
    )  # full-width 1d, Arabic-Indic 15m
    assert (await config.get(1)).reminder_lead_minutes == (1440, 15)


async def test_clearing_channel_and_role(config):
    await config.set_announcement_channel(1, 555, by=7)
    await config.set_watch_party_role(1, 777, by=7)
    await config.set_announcement_channel(1, None, by=7)
    await config.set_watch_party_role(1, None, by=7)
    settings = await config.get(1)
    assert settings.announcement_channel_id is None
    assert settings.watch_party_role_id is None


async def test_member_timezone_round_trip(db):
    members = MemberSettingsRepository(db)
    assert (await members.get(5)).timezone is None
    await members.set_timezone(5, "Asia/Tokyo", now=100)
    assert (await members.get(5)).timezone == "Asia/Tokyo"
