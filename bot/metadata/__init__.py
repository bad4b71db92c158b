"""Title metadata: the normalized Title, providers (AniList, TVmaze, TMDB), cache and catalog."""
