"""The HTTP clients the title providers talk through, opened by `bot/resources.py`."""

from __future__ import annotations

from dataclasses import dataclass

import httpx


@dataclass(frozen=True)
class ProviderClients:
    """One HTTP client per metadata provider, so each keeps its own pool and limits."""

    anilist: httpx.AsyncClient
    tvmaze: httpx.AsyncClient
    tmdb: httpx.AsyncClient | None
