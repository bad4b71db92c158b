"""/config's reply builders: data in, embed out."""

from __future__ import annotations

from bot.guilds.models import GuildSettings
from bot.timezones import ResolvedZone
from cogs.guilds.embeds import default_timezone_saved, settings_embed


def fields(embed) -> dict[str, str]:
    return {field.name: field.value for field in embed.fields}


def test_settings_show_the_default_zone_with_its_offset():
    settings = GuildSettings(1, timezone="Etc/GMT-9")
    shown = settings_embed(
        settings, guild_name="K-Drama Club", timezone_label="UTC+09:00 (no daylight saving)"
    )
    assert fields(shown)["Default timezone"] == "UTC+09:00 (no daylight saving)"
    unset = settings_embed(GuildSettings(1), guild_name="K-Drama Club", timezone_label=None)
    assert fields(unset)["Default timezone"] == "not set (members are asked)"


def test_saved_default_zone_says_which_zone_and_how_it_was_read():
    assert (
        default_timezone_saved(ResolvedZone("Asia/Seoul", "Asia/Seoul (UTC+09:00)"))
        == "Default timezone is now Asia/Seoul (UTC+09:00)."
    )
    kolkata = ResolvedZone(
        "Asia/Kolkata", "Asia/Kolkata (UTC+05:30)", "UTC+05:30 is read as Asia/Kolkata."
    )
    assert default_timezone_saved(kolkata) == (
        "Default timezone is now Asia/Kolkata (UTC+05:30).\nUTC+05:30 is read as Asia/Kolkata."
    )
