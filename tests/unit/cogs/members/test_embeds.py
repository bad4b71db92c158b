"""/timezone's reply builders: data in, text out."""

from __future__ import annotations

from bot.members.models import EffectiveTimezone
from bot.timezones import ResolvedZone
from cogs.members.embeds import describe_timezone, timezone_saved


def test_saved_zone_says_which_zone_and_its_offset():
    assert (
        timezone_saved(ResolvedZone("Asia/Seoul", "Asia/Seoul (UTC+09:00)"))
        == "Your timezone is now Asia/Seoul (UTC+09:00)."
    )


def test_saved_zone_adds_how_the_text_was_read():
    saved = ResolvedZone("Etc/GMT-9", "UTC+09:00 (no daylight saving)", "Pick a city for DST.")
    assert timezone_saved(saved) == (
        "Your timezone is now UTC+09:00 (no daylight saving).\nPick a city for DST."
    )


def test_current_zone_is_shown_with_its_offset():
    own = EffectiveTimezone("Etc/GMT-9", "member", "UTC+09:00 (no daylight saving)")
    assert describe_timezone(own) == "Your timezone is UTC+09:00 (no daylight saving)."
    server = EffectiveTimezone("Asia/Manila", "server", "Asia/Manila (UTC+08:00)")
    assert "the server default Asia/Manila (UTC+08:00) is used" in describe_timezone(server)
    unset = describe_timezone(EffectiveTimezone(None, "unset", None))
    assert "`KST` or `UTC+9`" in unset
