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
    however much markdown the text holds."""
    shown = in_message(text)
    keep = len(text)
    while len(shown) > room and keep > 0:
        keep -= max(1, len(shown) - room)
        shown = in_message(text[:keep].rstrip()) + "\u2026"
    return shown if len(shown) <= room else "\u2026"
