"""Which providers run, in which order: TMDB before TVmaze for K-dramas when it has a key."""

from __future__ import annotations

from bot.clock import Clock
from bot.config import Settings
from bot.metadata.anilist import AniListProvider
from bot.metadata.clients import ProviderClients
from bot.metadata.http_policy import ANILIST_WINDOWS, TMDB_WINDOWS, TVMAZE_WINDOWS, ProviderHttp
from bot.metadata.provider import TitleProvider
from bot.metadata.tmdb import TMDBProvider
from bot.metadata.tvmaze import TVmazeProvider


def build_providers(
    settings: Settings, clients: ProviderClients, clock: Clock
) -> list[TitleProvider]:
    if settings.offline:
        return []
    providers: list[TitleProvider] = [
        AniListProvider(
            ProviderHttp("anilist", clients.anilist, windows=ANILIST_WINDOWS, clock=clock)
        )
    ]
    if clients.tmdb is not None and settings.tmdb_api_key is not None:
        http = ProviderHttp("tmdb", clients.tmdb, windows=TMDB_WINDOWS, clock=clock)
        providers.append(TMDBProvider(http, api_key=settings.tmdb_api_key.get_secret_value()))
    providers.append(
        TVmazeProvider(ProviderHttp("tvmaze", clients.tvmaze, windows=TVMAZE_WINDOWS, clock=clock))
    )
    return providers
