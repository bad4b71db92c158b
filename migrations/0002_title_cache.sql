-- Reason: cache normalized titles and searches from AniList, TVmaze and TMDB (issue 3).
-- Only what members asked for is kept (AniList forbids hoarding), and nothing past
-- `purge_at` (TMDB allows at most 6 months).

CREATE TABLE title_cache (
    title_id   TEXT    PRIMARY KEY,  -- "anilist:21", "tvmaze:1234", "tmdb:94796"
    medium     TEXT    NOT NULL,
    body       TEXT    NOT NULL CHECK (json_valid(body)),  -- the normalized Title as JSON
    fetched_at INTEGER NOT NULL,
    fresh_until INTEGER NOT NULL,  -- after this, refetch; the stale copy still serves outages
    purge_at   INTEGER NOT NULL
) STRICT;

CREATE INDEX title_cache_by_purge ON title_cache (purge_at);

-- A search's answer: the ids it returned, best first. An empty list is a cached "no match".
CREATE TABLE search_cache (
    search_key  TEXT    PRIMARY KEY,  -- "<provider>|<normalized query>"
    title_ids   TEXT    NOT NULL CHECK (json_valid(title_ids)),
    fetched_at  INTEGER NOT NULL,
    fresh_until INTEGER NOT NULL,
    purge_at    INTEGER NOT NULL
) STRICT;

CREATE INDEX search_cache_by_purge ON search_cache (purge_at);
