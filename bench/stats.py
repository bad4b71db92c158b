"""The one percentile every benchmark reports, so their p50 and p99 mean the same thing."""

from __future__ import annotations

from collections.abc import Sequence


def percentile(samples: Sequence[float], fraction: float) -> float:
    """Nearest rank, rounding up: the smallest sample at least `fraction` of them are at or
    below (p50 of an even count is the upper middle; p99 of fewer than 100 is the largest)."""
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]
