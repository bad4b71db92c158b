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
