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
        self._keys: list[tuple[str, str, int]] = []  # (folded suffix, title_id, name number)
        self._names: dict[str, tuple[str, ...]] = {}
        self._folded: dict[str, tuple[str, ...]] = {}
        self._entries: dict[str, IndexedTitle] = {}
        self._pending: list[tuple[str, str, int]] = []

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, title_id: object) -> bool:
        return title_id in self._entries

    def add(self, title: Title) -> None:
        """Index (or re-index) a title under every one of its names."""
        if title.id in self._entries:
            self._keys = [key for key in self._keys if key[1] != title.id]
            self._pending = [key for key in self._pending if key[1] != title.id]
        names = title.names.all()
        self._names[title.id] = names
        self._folded[title.id] = tuple(fold(name) for name in names)
        self._entries[title.id] = IndexedTitle(
            title_id=title.id,
            display_name=title.display_name,
            medium=title.medium,
            year=title.year,
            popularity=title.popularity or 0,
        )
        for number, folded_name in enumerate(self._folded[title.id]):
            words = folded_name.split()
            for start in range(len(words)):
                self._pending.append((" ".join(words[start:]), title.id, number))
            if len(words) > 1:  # "rezero" finds "Re:ZERO", "kaguyasama" finds "Kaguya-sama"
                self._pending.append(("".join(words), title.id, number))

    def remove(self, title_ids: Iterable[str]) -> None:
        gone = set(title_ids) & self._entries.keys()
        if not gone:
            return
        self._flush()
        self._keys = [key for key in self._keys if key[1] not in gone]
        for title_id in gone:
            del self._entries[title_id], self._names[title_id], self._folded[title_id]

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
        start = bisect.bisect_left(self._keys, (query, "", -1))
        for key, title_id, number in self._keys[start : start + MAX_CANDIDATES]:
            if not key.startswith(query):
                break
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

    def _flush(self) -> None:
        # Sorting once per batch of additions keeps a burst of cache writes cheap.
        if self._pending:
            self._keys.extend(self._pending)
            self._keys.sort()
            self._pending.clear()
