"""Synthetic titles and a counting provider for the benchmarks."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Sequence

from bot.metadata.models import Medium, Title, TitleNames

_WORDS = [
    "love",
    "moon",
    "star",
    "sword",
    "hero",
    "dream",
    "summer",
    "winter",
    "spring",
    "autumn",
    "heart",
    "city",
    "night",
    "sky",
    "ocean",
    "dragon",
    "magic",
    "school",
    "secret",
    "king",
    "queen",
    "prince",
    "princess",
    "ghost",
    "goblin",
    "fox",
    "flower",
    "rain",
    "snow",
    "blue",
    "red",
    "crimson",
    "silver",
    "golden",
    "shadow",
    "light",
    "fire",
    "ice",
    "wind",
    "garden",
    "palace",
    "river",
    "mountain",
    "time",
    "memory",
    "promise",
    "letter",
    "journey",
    "tale",
    "song",
    "dance",
    "mirror",
    "door",
    "key",
    "crown",
    "blade",
    "spirit",
]


def synthetic_titles(count: int, rng: random.Random, *, source: str = "anilist") -> list[Title]:
    titles = []
    for number in range(1, count + 1):
        name = " ".join(rng.choice(_WORDS).title() for _ in range(rng.randint(1, 4)))
        medium = Medium.ANIME if number % 2 else Medium.KDRAMA
        titles.append(
            Title(
                id=f"{source}:{number}",
                medium=medium,
                names=TitleNames(english=f"{name} {number}", romanized=name.lower()),
                attribution="bench",
                year=1990 + number % 35,
                popularity=rng.randint(0, 100_000),
            )
        )
    return titles


class CountingProvider:
    name = "anilist"
    media = frozenset({Medium.ANIME, Medium.KDRAMA})
    search_gives_details = True

    def __init__(self, titles: Sequence[Title], *, delay: float) -> None:
        self._titles = {title.source_id: title for title in titles}
        self._delay = delay
        self.calls = 0

    async def search(self, query: str, *, limit: int = 10) -> list[Title]:
        self.calls += 1
        await asyncio.sleep(self._delay)
        return [t for t in self._titles.values() if query in t.display_name.lower()][:limit]

    async def fetch(self, source_id: str) -> Title | None:
        self.calls += 1
        await asyncio.sleep(self._delay)
        return self._titles.get(source_id)
