"""Find titles by what a person has typed so far: in memory, no I/O, a few milliseconds.

Every name is folded (accents, case and punctuation removed) and indexed once per word start,
so "landing" finds "Crash Landing on You". Lookups are a binary search over sorted keys.
"""

from __future__ import annotations

import bisect
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from bot.metadata.models import Medium, Title

MAX_CANDIDATES = 400  # keys examined per lookup; bounds the cost of one- and two-letter queries


def fold(text: str) -> str:
    """The form names are matched in: "Kaguya-sama: Love Is War" -> "kaguya sama love is war".

    Latin letters lose their accents ("Nausicaä" -> "nausicaa"). Kana and Hangul keep their
    voicing marks, since those change the word. Anything that is not a letter or a digit becomes
    a space.
    """
    out: list[str] = []
    for char in unicodedata.normalize("NFKC", text):
        decomposed = unicodedata.normalize("NFKD", char)
        base = "".join(c for c in decomposed if not unicodedata.combining(c))
        if base.isascii():
            char = base
        for folded in char.casefold():
            out.append(folded if folded.isalnum() else " ")
    return " ".join("".join(out).split())


@dataclass(frozen=True)
class IndexedTitle:
    title_id: str
    display_name: str
    medium: Medium
    year: int | None
    popularity: int


@dataclass(frozen=True)
class Match:
    entry: IndexedTitle
    name: str  # the name that matched, as written
    quality: int  # 3 exact name, 2 name prefix, 1 word prefix


class NameIndex:
    def __init__(self) -> None:
        # (folded suffix, title_id, name number, generation). Keys of an older generation,
        # or of a removed title, are skipped at lookup and dropped at the next compaction,
        # so re-adding a title never scans the whole list.
        self._keys: list[tuple[str, str, int, int]] = []
        self._pending: list[tuple[str, str, int, int]] = []
        self._generation: dict[str, int] = {}
        self._names: dict[str, tuple[str, ...]] = {}
        self._folded: dict[str, tuple[str, ...]] = {}
        self._entries: dict[str, IndexedTitle] = {}
        self._stale_keys = 0
        self._last_generation = 0

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, title_id: object) -> bool:
        return title_id in self._entries

    def add(self, title: Title) -> None:
        """Index (or re-index) a title under every one of its names."""
        names = title.names.all()
        folded = tuple(fold(name) for name in names)
        self._entries[title.id] = IndexedTitle(
            title_id=title.id,
            display_name=title.display_name,
            medium=title.medium,
            year=title.year,
            popularity=title.popularity or 0,
        )
        if self._folded.get(title.id) == folded:
            self._names[title.id] = names
            return  # same names: the keys stand
        if title.id in self._folded:
            self._stale_keys += self._key_count(self._folded[title.id])
        self._last_generation += 1  # never reused, so a removed title's keys stay dead
        generation = self._generation[title.id] = self._last_generation
        self._names[title.id] = names
        self._folded[title.id] = folded
        for number, folded_name in enumerate(folded):
            words = folded_name.split()
            for start in range(len(words)):
                self._pending.append((" ".join(words[start:]), title.id, number, generation))
            if len(words) > 1:  # "rezero" finds "Re:ZERO", "kaguyasama" finds "Kaguya-sama"
                self._pending.append(("".join(words), title.id, number, generation))

    def remove(self, title_ids: Iterable[str]) -> None:
        for title_id in set(title_ids) & self._entries.keys():
            self._stale_keys += self._key_count(self._folded[title_id])
            del self._entries[title_id], self._names[title_id], self._folded[title_id]
            del self._generation[title_id]

    def add_all(self, titles: Iterable[Title]) -> None:
        for title in titles:
            self.add(title)
        self._flush()  # sort now, not on the first keystroke

    def search(self, typed: str, *, medium: Medium | None = None, limit: int = 25) -> list[Match]:
        """Best matches first: exact name, then name prefix, then word prefix; popular first."""
        self._flush()
        query = fold(typed)
        if not query:
            return []
        best: dict[str, Match] = {}
        start = bisect.bisect_left(self._keys, (query, "", -1, -1))
        for key, title_id, number, generation in self._keys[start : start + MAX_CANDIDATES]:
            if not key.startswith(query):
                break
            if self._generation.get(title_id) != generation:
                continue  # a removed title, or names it no longer has
            entry = self._entries[title_id]
            if medium is not None and entry.medium is not medium:
                continue
            folded_name = self._folded[title_id][number]
            whole = key in (folded_name, folded_name.replace(" ", ""))
            exact = query in (folded_name, folded_name.replace(" ", ""))
            quality = 3 if exact else 2 if whole else 1
            current = best.get(title_id)
            if current is None or quality > current.quality:
                best[title_id] = Match(entry, self._names[title_id][number], quality)
        ranked = sorted(
            best.values(),
            key=lambda m: (-m.quality, -m.entry.popularity, -(m.entry.year or 0), m.name),
        )
        return ranked[:limit]

    @staticmethod
    def _key_count(folded: tuple[str, ...]) -> int:
        return sum(len(name.split()) + (len(name.split()) > 1) for name in folded)

    def _flush(self) -> None:
        # Sorting once per batch of additions keeps a burst of cache writes cheap; stale keys
        # are dropped when they are a quarter of the list.
        if self._stale_keys * 4 > len(self._keys) + len(self._pending):
            live = self._keys + self._pending
            self._keys = [k for k in live if self._generation.get(k[1]) == k[3]]
            self._pending = []
            self._keys.sort()
            self._stale_keys = 0
        if self._pending:
            self._keys.extend(self._pending)
            self._keys.sort()
            self._pending.clear()
