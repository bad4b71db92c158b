"""/timezone's replies: data in, text out."""

from __future__ import annotations

from bot.members.models import EffectiveTimezone

HOW_TIMES_WORK = (
    "Times you type (for watch parties) are read in this zone. Times the bot shows always "
    "appear in each viewer's own local time."
)


def describe_timezone(current: EffectiveTimezone) -> str:
    if current.source == "member":
        return f"Your timezone is `{current.zone}`."
    if current.source == "server":
        return (
            f"You have not set a timezone, so the server default `{current.zone}` is used. "
            "Set yours with `/timezone zone:`."
        )
    return (
        "You have not set a timezone and this server has no default. "
        "Set yours with `/timezone zone:` (for example `Asia/Seoul`)."
    )
