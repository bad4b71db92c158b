"""Find titles by what a person has typed so far: in memory, no I/O, a few milliseconds.

Every name is folded (accents, case and punctuation removed) and indexed once per word start,
so "landing" finds "Crash Landing on You". Lookups are a binary search over sorted keys.

Typed text is forgiven three ways, best first:
- a fan alias ("aot", "cloy", "reply 88") finds the titles named as the alias says;
- spaces typed wrong ("crashlanding", "spy xfamily") still match a name's start;
- when that finds too little, a fuzzy match over whole names ("lovely runer", "attak on ti").
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable
from dataclasses import dataclass, replace

from rapidfuzz import fuzz, process

from bot.metadata.aliases import expand_alias
from bot.metadata.folding import fold as fold  # re-exported: callers fold with the index's rules
from bot.metadata.models import Medium, Title
from bot.metadata.popularity import relative_popularity

MAX_CANDIDATES = 400  # keys examined per lookup; bounds the cost of one- and two-letter queries

# Match.quality, best first.
ALIAS = 4  # a fan alias for the name that matched ("aot" -> Attack on Titan)
EXACT = 3  # the whole name
NAME_PREFIX = 2  # the start of the name
WORD_PREFIX = 1  # the start of a word in the name
FUZZY = 0  # close to the name, or to its start, with typos

# Below four letters one typo is a third of the text, and every name looks alike.
FUZZY_MIN_LENGTH = 4
# Indel similarity (0-100) to the whole name or to its first len(typed) + 1 letters. 75 takes
# one typo in four letters and about one in five beyond; lower lets unrelated names in.
FUZZY_CUTOFF = 75.0
# Matching only the start of a long name ranks below matching a whole name as well:
# "goblinn" is the show "Goblin" before "Goblin Night".
START_ONLY_PENALTY = 5.0
FUZZY_MAX_CANDIDATES = 200  # closest names kept per comparison, after the cutoff


@dataclass(frozen=True)
class IndexedTitle:
    title_id: str
    display_name: str
    medium: Medium
    year: int | None
    popularity: float  # the share of its own source's titles it beats: comparable across sources


@dataclass(frozen=True)
class Match:
    entry: IndexedTitle
    name: str  # the name that matched, as written
    quality: int  # ALIAS, EXACT, NAME_PREFIX, WORD_PREFIX or FUZZY


class NameIndex:
    def __init__(self, *, forgiving: bool = True) -> None:
        """`forgiving=False` keeps to exact prefixes: no aliases, no fuzzy matching (the
        benchmark's baseline)."""
        self._forgiving = forgiving
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
        # For fuzzy matching: folded name -> (title_id, name number, generation), stale ones
        # skipped like keys; and the distinct folded names by first letter. People rarely
        # mistype the first letter, and comparing against one letter's names instead of all
        # of them keeps a lookup within autocomplete's budget.
        self._owners: dict[str, list[tuple[str, int, int]]] = {}
        self._by_first_letter: dict[str, list[str]] = {}

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
            popularity=relative_popularity(title),
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
        self._add_fuzzy_names(title.id, folded, generation)

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
        """Best matches first: an alias, then exact name, name prefix and word prefix (popular
        first within each), then, when those find fewer than `limit` or no name starts with the
        text, fuzzy matches (closest first). Each title appears once, at its best."""
        self._flush()
        query = fold(typed)
        if not query or limit <= 0:
            return []
        prefix_matches = self._prefix_matches(query, medium)
        found: dict[str, Match] = {}
        if self._forgiving and (target := expand_alias(query)) is not None:
            # Shown by the full name, even when the title also has the alias as a name:
            # "Attack on Titan" tells a member more than "AoT" does.
            for match in self._prefix_matches(fold(target), medium):
                if match.quality >= NAME_PREFIX:
                    found.setdefault(match.entry.title_id, replace(match, quality=ALIAS))
        for match in prefix_matches:
            found.setdefault(match.entry.title_id, match)
        starts_a_name = any(match.quality >= NAME_PREFIX for match in found.values())
        if self._forgiving and (len(found) < limit or not starts_a_name):
            for match in self._fuzzy_matches(query, medium):
                found.setdefault(match.entry.title_id, match)
        return list(found.values())[:limit]

    def _prefix_matches(self, query: str, medium: Medium | None) -> list[Match]:
        """Names (or words in them) that start with `query`, ranked: exact, name prefix, word
        prefix, then popular first. Forgiving, `query` without its spaces counts too, so
        "spy xfamily" finds "Spy x Family" by its compact key "spyxfamily"."""
        compact = query.replace(" ", "")
        queries = (query, compact) if self._forgiving and compact != query else (query,)
        best: dict[str, Match] = {}
        for wanted in queries:
            start = bisect.bisect_left(self._keys, (wanted, "", -1, -1))
            for key, title_id, number, generation in self._keys[start : start + MAX_CANDIDATES]:
                if not key.startswith(wanted):
                    break
                if self._generation.get(title_id) != generation:
                    continue  # a removed title, or names it no longer has
                entry = self._entries[title_id]
                if medium is not None and entry.medium is not medium:
                    continue
                folded_name = self._folded[title_id][number]
                whole = key in (folded_name, folded_name.replace(" ", ""))
                exact = wanted in (folded_name, folded_name.replace(" ", ""))
                quality = EXACT if exact else NAME_PREFIX if whole else WORD_PREFIX
                current = best.get(title_id)
                if current is None or quality > current.quality:
                    best[title_id] = Match(entry, self._names[title_id][number], quality)
        return sorted(
            best.values(),
            key=lambda m: (-m.quality, -m.entry.popularity, -(m.entry.year or 0), m.name),
        )

    def _fuzzy_matches(self, query: str, medium: Medium | None) -> list[Match]:
        """Whole names close to `query`, or whose start is: "attak on ti" is close to the first
        twelve letters of "attack on titan", "yona of dawn" to all of "yona of the dawn".
        Closest first, then popular first."""
        names = self._by_first_letter.get(query[0]) if len(query) >= FUZZY_MIN_LENGTH else None
        if not names:
            return []
        width = len(query) + 1  # one letter more, for a letter the member left out

        def start_of(name: str) -> str:
            return name[:width]  # the query is never longer, so this leaves it whole

        closeness: dict[str, float] = {}
        for processor, penalty in ((start_of, START_ONLY_PENALTY), (None, 0.0)):
            for folded_name, score, _ in process.extract(
                query,
                names,
                scorer=fuzz.ratio,
                processor=processor,
                score_cutoff=FUZZY_CUTOFF,
                limit=FUZZY_MAX_CANDIDATES,
            ):
                closeness[folded_name] = max(score - penalty, closeness.get(folded_name, 0.0))
        best: dict[str, tuple[float, Match]] = {}
        for folded_name, score in closeness.items():
            for title_id, number, generation in self._owners[folded_name]:
                if self._generation.get(title_id) != generation:
                    continue
                entry = self._entries[title_id]
                if medium is not None and entry.medium is not medium:
                    continue
                current = best.get(title_id)
                if current is None or score > current[0]:
                    best[title_id] = (score, Match(entry, self._names[title_id][number], FUZZY))
        ranked = sorted(
            best.values(),
            key=lambda s: (-s[0], -s[1].entry.popularity, -(s[1].entry.year or 0), s[1].name),
        )
        return [match for _, match in ranked]

    def _add_fuzzy_names(self, title_id: str, folded: tuple[str, ...], generation: int) -> None:
        for number, folded_name in enumerate(folded):
            if not folded_name:
                continue
            owners = self._owners.get(folded_name)
            if owners is None:
                owners = self._owners[folded_name] = []
                self._by_first_letter.setdefault(folded_name[0], []).append(folded_name)
            owners.append((title_id, number, generation))

    @staticmethod
    def _key_count(folded: tuple[str, ...]) -> int:
        return sum(len(name.split()) + (len(name.split()) > 1) for name in folded)

    def _flush(self) -> None:
        # Sorting once per batch of additions keeps a burst of cache writes cheap; stale keys
        # (and the fuzzy names' stale owners with them) are dropped when they are a quarter
        # of the list.
        if self._stale_keys * 4 > len(self._keys) + len(self._pending):
            live = self._keys + self._pending
            self._keys = [k for k in live if self._generation.get(k[1]) == k[3]]
            self._pending = []
            self._keys.sort()
            self._stale_keys = 0
            self._owners = {}
            self._by_first_letter = {}
            for title_id, folded in self._folded.items():
                self._add_fuzzy_names(title_id, folded, self._generation[title_id])
        if self._pending:
            self._keys.extend(self._pending)
            self._keys.sort()
            self._pending.clear()
