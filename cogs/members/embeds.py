"""/timezone's replies: data in, text out."""

from __future__ import annotations

from bot.members.models import EffectiveTimezone
from bot.timezones import ResolvedZone

HOW_TIMES_WORK = (
    "Times you type (for watch parties) are read in this zone. Times the bot shows always "
    "appear in each viewer's own local time."
)


def describe_timezone(current: EffectiveTimezone) -> str:
    if current.source == "member":
        return f"Your timezone is {current.label}."
    if current.source == "server":
        return (
            f"You have not set a timezone, so the server default {current.label} is used. "
            "Set yours with `/timezone zone:`."
        )
    return (
        "You have not set a timezone and this server has no default. "
        "Set yours with `/timezone zone:` (for example `Asia/Seoul`, `KST` or `UTC+9`)."
    )


def timezone_saved(saved: ResolvedZone) -> str:
    """The confirmation: which zone was chosen and its offset, and how the text was read."""
    message = f"Your timezone is now {saved.label}."
    return f"{message}\n{saved.note}" if saved.note else message
