"""Text members typed, made safe to show in a message the bot posts."""

from __future__ import annotations

import re
from typing import Final

_MARKDOWN: Final = re.compile(r"[\\*_~`|\[\]]")
_MENTION: Final = re.compile(r"@(?=everyone|here|[!&]?\d)|(?<=<)@")


def in_message(text: str) -> str:
    """Text a member typed (a title name, a poll option), fit for a message's content:
    markdown shows as typed and mention syntax is broken, so a name can neither restyle a
    message nor look like a ping (allowed_mentions already stops it from pinging)."""
    escaped = _MARKDOWN.sub(r"\\\g<0>", text)
    return _MENTION.sub("@\u200b", escaped)


def fit(text: str, room: int) -> str:
    """`text`, cut to `room` characters with an ellipsis when it is longer."""
    return text if len(text) <= room else text[: room - 1] + "\u2026"


def shown_within(text: str, room: int) -> str:
    """`in_message(text)` in at most `room` characters: the typed text is cut (with an
    ellipsis) before it is escaped, so an escape is never split and the result always fits,
    however much markdown the text holds. The longest such start of the text is kept."""
    shown = in_message(text)
    if len(shown) <= room:
        return shown
    low, high = 0, len(text)  # in_message(text[:low]) + "…" fits; text[:high] does not
    while high - low > 1:
        middle = (low + high) // 2
        if len(in_message(text[:middle].rstrip())) + 1 <= room:
            low = middle
        else:
            high = middle
    return in_message(text[:low].rstrip()) + "\u2026"
