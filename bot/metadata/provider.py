"""What every metadata provider offers, and how providers fail."""

from __future__ import annotations

from typing import Protocol

from bot.metadata.models import Medium, Title


class ProviderError(Exception):
    """A provider could not answer. The message is for logs, never for users."""

    def __init__(self, provider: str, message: str) -> None:
        super().__init__(f"{provider}: {message}")
        self.provider = provider


class ProviderUnavailable(ProviderError):
    """The provider is down, disabled, refusing us, or its circuit breaker is open."""


class ProviderRateLimited(ProviderError):
    """The provider said to slow down; `retry_after` is in seconds."""

    def __init__(self, provider: str, retry_after: float) -> None:
        super().__init__(provider, f"rate limited, retry after {retry_after:.0f}s")
        self.retry_after = retry_after


class ProviderBadResponse(ProviderError):
    """The provider answered with something we cannot read (HTML, malformed JSON, wrong shape)."""


class TitleProvider(Protocol):
    """A source of titles. Implementations are thin httpx clients, one per provider."""

    @property
    def name(self) -> str:
        """The id prefix, e.g. "anilist"."""
        ...

    @property
    def media(self) -> frozenset[Medium]:
        """Which media this provider is asked about."""
        ...

    @property
    def search_gives_details(self) -> bool:
        """True when a search result holds everything a fetch by id would (AniList asks both
        for the same fields). TMDB and TVmaze results lack the status and the episode count, so
        their titles are fetched again before a card is shown."""
        ...

    async def search(self, query: str, *, limit: int = 10) -> list[Title]:
        """Best matches first; an empty list when nothing matches."""
        ...

    async def fetch(self, source_id: str) -> Title | None:
        """One title by the provider's own id; None when it does not exist."""
        ...
