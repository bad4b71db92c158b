"""A title as a poll shows it (`TitleCard`), and as the versus picker weighs it (`Candidate`)."""

from __future__ import annotations

import re
from typing import Final

from bot.compass import read_compass
from bot.metadata.models import Title
from bot.metadata.popularity import relative_popularity
from bot.polls.models import TitleCard
from bot.polls.pairs import Candidate

HOOK_ROOM: Final = 160
_SENTENCE_END: Final = re.compile(r"(?<=[.!?])\s")
_LATIN: Final = re.compile(r"[A-Za-z]")


def hook_of(title: Title) -> str | None:
    """The catalog's own pitch, else the synopsis's first sentence, cut to one line."""
    if title.hook:
        text = title.hook
    elif title.synopsis:
        text = _SENTENCE_END.split(title.synopsis.strip(), maxsplit=1)[0]
    else:
        return None
    text = " ".join(text.split())
    return text if len(text) <= HOOK_ROOM else text[: HOOK_ROOM - 1] + "\u2026"


def latin_name(title: Title) -> str | None:
    """A name in Latin letters, for charts whose fonts may lack Hangul and kana."""
    for name in (title.names.english, title.names.romanized, *title.names.synonyms):
        if name and _LATIN.search(name):
            return name
    return None


def card_of(title: Title) -> TitleCard:
    reading = read_compass(title)
    return TitleCard(
        title_id=title.id,
        name=title.display_name,
        medium=title.medium.value,
        slow_burn=round(reading.slow_burn, 2),
        fantasy=round(reading.fantasy, 2),
        cover_url=title.cover_url,
        hook=hook_of(title),
        url=title.source_url,
        latin_name=latin_name(title),
    )


def candidate_of(title: Title) -> Candidate:
    reading = read_compass(title)
    return Candidate(
        title_id=title.id,
        name=title.display_name,
        medium=title.medium,
        slow_burn=reading.slow_burn,
        fantasy=reading.fantasy,
        popularity=relative_popularity(title),
    )
