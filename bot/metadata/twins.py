"""Which ids name the same show, so a K-drama from the catalog and from TVmaze is listed once.

The catalog names some of its titles' provider ids (`same_as`); most K-dramas have none. A
provider title is also linked to a catalog title when both are the same medium, share a main
name (English, romanized or native, compared folded; never a synonym, since "Goblin" or
"Boyfriend" are other shows' names too) and premiered within a year of each other: TVmaze files
a show by its premiere date, the catalog by its broadcast year. Provider titles with no catalog
twin are linked to each other by medium, display name and year (a title without a year stays
on its own), so TMDB and TVmaze answering for one show also count once.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from bot.metadata.models import Medium, Title
from bot.metadata.name_index import fold

YEAR_TOLERANCE = 1


class ShowIdentity:
    def __init__(self, catalog: Iterable[Title]) -> None:
        self._show_of: dict[str, str] = {}
        self._ids_of: dict[str, set[str]] = defaultdict(set)
        self._catalog_by_name: dict[tuple[Medium, str], list[Title]] = defaultdict(list)
        for title in catalog:
            self._link(title.id, title.id)
            for ref in title.same_as:
                self._link(ref, title.id)
            for name in _names(title):
                self._catalog_by_name[(title.medium, name)].append(title)

    def learn(self, title: Title) -> None:
        """Record which show a provider title is (idempotent; catalog links are kept)."""
        if title.id in self._show_of:
            return
        twin = self.catalog_twin(title)
        if twin is not None:
            self._link(title.id, twin.id)
        elif title.year is not None:
            self._link(title.id, _provider_show_key(title))

    def catalog_twin(self, title: Title) -> Title | None:
        """The catalog title that is the same show as provider title `title`, if any."""
        best: Title | None = None
        for name in _names(title):
            for candidate in self._catalog_by_name.get((title.medium, name), ()):
                gap = _year_gap(candidate.year, title.year)
                if gap is None or gap > YEAR_TOLERANCE:
                    continue
                if best is None or gap < (_year_gap(best.year, title.year) or 0):
                    best = candidate
        return best

    def show_of(self, title_id: str) -> str:
        """One key per show: equal for every id of the same show."""
        return self._show_of.get(title_id, title_id)

    def provider_ids(self, catalog_id: str) -> tuple[str, ...]:
        """The provider ids known to be `catalog_id`'s show, sorted."""
        ids = self._ids_of.get(catalog_id, set()) - {catalog_id}
        return tuple(sorted(ids))

    def _link(self, title_id: str, show: str) -> None:
        self._show_of[title_id] = show
        self._ids_of[show].add(title_id)


def _names(title: Title) -> set[str]:
    names = (title.names.english, title.names.romanized, title.names.native)
    return {folded for folded in (fold(name) for name in names if name) if len(folded) >= 2}


def _year_gap(first: int | None, second: int | None) -> int | None:
    return None if first is None or second is None else abs(first - second)


def _provider_show_key(title: Title) -> str:
    return f"{title.medium.value}|{fold(title.display_name)}|{title.year}"
