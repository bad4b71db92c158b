"""What titles are about: similarity from the story compass, genres and tags.

Each title becomes a sparse, L2-normalised bag of its genres (weight 1) and non-spoiler tags
(AniList rank / 100), kept in CSR arrays so scoring a taste against 20,000 titles is one
gather and one bincount. Genre "Fantasy" and tag "Fantasy" are one feature: the sources name
the same idea both ways. Spoiler tags are left out entirely, so a reason can never name one.

Content similarity = `FEATURE_SHARE` x cosine of the bags + the rest x closeness on the compass
(1 - distance / sqrt 2): the bags say "fantasy romance", the compass says how slow and how
fantastical, which two titles sharing the genre Romance can still differ on.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Final

import numpy as np
import numpy.typing as npt

from bot.compass import read_compass
from bot.metadata.models import Title

__all__ = [
    "FEATURE_SHARE",
    "ContentIndex",
    "TasteVector",
    "compass_closeness",
    "title_features",
]

FloatArray = npt.NDArray[np.float32]
IntArray = npt.NDArray[np.int32]

FEATURE_SHARE: Final = 0.7
_MAX_DISTANCE: Final = math.sqrt(2.0)
_SEPARATORS: Final = re.compile(r"[\s_\-]+")


def feature_key(name: str) -> str:
    """One spelling per genre or tag ("Slice of Life" and "slice-of-life" are one feature)."""
    return _SEPARATORS.sub(" ", name.replace("\u2019", "'")).strip().casefold()


def title_features(title: Title) -> list[tuple[str, str, float]]:
    """(key, name as shown, weight) of each genre (1) and non-spoiler tag (rank / 100); a genre
    and a tag of the same name share a key."""
    named = [(genre, 1.0) for genre in title.genres]
    named += [(tag.name, min(100, max(0, tag.rank)) / 100) for tag in title.visible_tags]
    return [(key, name.strip(), w) for name, w in named if (key := feature_key(name)) and w > 0]


def compass_closeness(a: tuple[float, float], b: tuple[float, float]) -> float:
    """1 for the same point on the compass, 0 for opposite corners."""
    return 1.0 - math.dist(a, b) / _MAX_DISTANCE


@dataclass(frozen=True, eq=False)
class TasteVector:
    """Where a member's liked titles sit: a unit bag of features and a point on the compass.

    `weight` is the total weight of the titles it was made from (0: no taste known yet).
    """

    features: FloatArray
    compass: tuple[float, float]
    weight: float

    @property
    def empty(self) -> bool:
        return self.weight <= 0


@dataclass(frozen=True, eq=False)
class ContentIndex:
    """Content features of a fixed list of titles; immutable once built.

    Row i holds title `title_ids[i]`: entries `indices[indptr[i]:indptr[i+1]]` (feature numbers)
    with unit-norm weights `data[...]`; `compass[i]` is (slow_burn, fantasy).
    """

    title_ids: tuple[str, ...]
    feature_names: tuple[str, ...]  # a display spelling of each feature, e.g. "Fantasy"
    indptr: npt.NDArray[np.int64]
    indices: IntArray
    data: FloatArray
    rows: IntArray  # the row of each entry, for bincount
    compass: FloatArray

    @classmethod
    def build(cls, titles: Sequence[Title]) -> ContentIndex:
        """Read every title's features and compass. Pure Python over all titles (about 0.1 ms
        a title): build it in the background with the model, not per request."""
        vocabulary: dict[str, int] = {}
        names: list[str] = []
        indptr = [0]
        indices: list[int] = []
        data: list[float] = []
        compass = np.zeros((len(titles), 2), dtype=np.float32)
        for row, title in enumerate(titles):
            weights: dict[int, float] = {}
            for key, name, weight in title_features(title):
                feature = vocabulary.get(key)
                if feature is None:
                    feature = vocabulary[key] = len(names)
                    names.append(name)
                weights[feature] = max(weights.get(feature, 0.0), weight)
            norm = math.sqrt(math.fsum(w * w for w in weights.values())) or 1.0
            for feature in sorted(weights):
                indices.append(feature)
                data.append(weights[feature] / norm)
            indptr.append(len(indices))
            reading = read_compass(title)
            compass[row] = (reading.slow_burn, reading.fantasy)
        pointer = np.asarray(indptr, dtype=np.int64)
        arrays = (
            pointer,
            np.asarray(indices, dtype=np.int32),
            np.asarray(data, dtype=np.float32),
            np.repeat(np.arange(len(titles), dtype=np.int32), np.diff(pointer)),
            compass,
        )
        for array in arrays:
            array.flags.writeable = False
        return cls(tuple(t.id for t in titles), tuple(names), *arrays)

    def __len__(self) -> int:
        return len(self.title_ids)

    @property
    def n_features(self) -> int:
        return len(self.feature_names)

    def point(self, row: int) -> tuple[float, float]:
        return (float(self.compass[row, 0]), float(self.compass[row, 1]))

    def _bag(self, row: int) -> tuple[IntArray, FloatArray]:
        lo, hi = int(self.indptr[row]), int(self.indptr[row + 1])
        return self.indices[lo:hi], self.data[lo:hi]

    def similarity(self, a: int, b: int) -> float:
        """Content similarity of two titles (rows), in [0, 1]."""
        ia, da = self._bag(a)
        ib, db = self._bag(b)
        _, at_a, at_b = np.intersect1d(ia, ib, assume_unique=True, return_indices=True)
        cosine = float(np.dot(da[at_a], db[at_b]))
        closeness = compass_closeness(self.point(a), self.point(b))
        return FEATURE_SHARE * cosine + (1 - FEATURE_SHARE) * closeness

    def pairwise(self, rows: Sequence[int]) -> npt.NDArray[np.float64]:
        """Content similarity between every two of `rows`: a small dense matrix, for MMR."""
        picked = np.asarray(rows, dtype=np.int64)
        dense = np.zeros((len(picked), max(1, self.n_features)), dtype=np.float64)
        for position, row in enumerate(picked):
            columns, values = self._bag(int(row))
            dense[position, columns] = values
        cosine = dense @ dense.T
        points = self.compass[picked].astype(np.float64)
        distance = np.sqrt(((points[:, None, :] - points[None, :, :]) ** 2).sum(axis=2))
        result: npt.NDArray[np.float64] = FEATURE_SHARE * cosine + (1 - FEATURE_SHARE) * (
            1.0 - distance / _MAX_DISTANCE
        )
        return result

    def taste(self, weighted: Mapping[int, float]) -> TasteVector:
        """A taste from titles (rows) and how much each was liked; non-positive weights are
        ignored (a dislike says what to avoid, not what the member is about)."""
        features = np.zeros(self.n_features, dtype=np.float64)
        point = np.zeros(2, dtype=np.float64)
        total = 0.0
        for row, weight in weighted.items():
            if weight <= 0:
                continue
            columns, values = self._bag(row)
            features[columns] += weight * values
            point += weight * self.compass[row]
            total += weight
        norm = float(np.linalg.norm(features))
        if norm > 0:
            features /= norm
        vector = features.astype(np.float32)
        vector.flags.writeable = False
        compass = (float(point[0] / total), float(point[1] / total)) if total else (0.5, 0.5)
        return TasteVector(features=vector, compass=compass, weight=total)

    def similarity_to(self, taste: TasteVector) -> npt.NDArray[np.float64]:
        """Every title's content similarity to a taste, in [0, 1]; zeros for an empty taste."""
        n = len(self)
        if taste.empty:
            return np.zeros(n, dtype=np.float64)
        cosine = np.bincount(
            self.rows, weights=self.data * taste.features[self.indices], minlength=n
        )
        target = np.asarray(taste.compass, dtype=np.float64)
        distance = np.sqrt(((self.compass.astype(np.float64) - target) ** 2).sum(axis=1))
        result: npt.NDArray[np.float64] = FEATURE_SHARE * cosine + (1 - FEATURE_SHARE) * (
            1.0 - distance / _MAX_DISTANCE
        )
        return result

    def shared_features(self, row: int, taste: TasteVector, n: int = 2) -> tuple[str, ...]:
        """The title's features that weigh most in the taste, strongest first: the words of a
        reason ("like fantasy romance")."""
        columns, values = self._bag(row)
        strength = values * taste.features[columns]
        order = np.argsort(-strength, kind="stable")
        return tuple(self.feature_names[int(columns[i])] for i in order[:n] if strength[i] > 0)

    def top_features(self, taste: TasteVector, n: int = 5) -> tuple[tuple[str, float], ...]:
        """The taste's strongest features with their weights, for a taste profile."""
        order = np.argsort(-taste.features, kind="stable")[:n]
        return tuple(
            (self.feature_names[int(i)], float(taste.features[i]))
            for i in order
            if taste.features[i] > 0
        )
