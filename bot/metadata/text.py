"""Turning providers' HTML-ish text into short plain text for embeds."""

from __future__ import annotations

import html
import re

SYNOPSIS_LIMIT = 700
# A break tag with the newline that usually follows it is one line break: AniList writes
# "<br>\n" for a new line and "<br><br>\n" for a new paragraph.
_BREAK = re.compile(r"(?:<\s*br\s*/?\s*>|</\s*p\s*>)[ \t]*\r?\n?", re.IGNORECASE)
_TAG = re.compile(r"<[^>]+>")
_SOURCE_NOTE = re.compile(r"\(\s*source:[^)]*\)\s*$", re.IGNORECASE)
_BLANK_LINES = re.compile(r"\n\s*\n+")
_SPACES = re.compile(r"[ \t\u00a0]+")


def clean_synopsis(raw: str | None, *, limit: int = SYNOPSIS_LIMIT) -> str | None:
    """Strip tags and entities, drop a trailing "(Source: …)", cap at `limit` on a word."""
    if not raw:
        return None
    text = _BREAK.sub("\n", raw)
    text = html.unescape(_TAG.sub("", text))
    text = _SPACES.sub(" ", text)
    text = _BLANK_LINES.sub("\n\n", "\n".join(line.strip() for line in text.splitlines()))
    text = _SOURCE_NOTE.sub("", text.strip()).strip()
    if not text:
        return None
    return shorten(text, limit)


def shorten(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    if space > limit * 0.6:
        cut = cut[:space]
    return cut.rstrip(" ,;:.-") + "…"
