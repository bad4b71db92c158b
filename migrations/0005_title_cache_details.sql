-- Reason: a title found by a search is not its details (issue 9). TMDB and TVmaze search
-- results lack the status and the episode count, yet were cached as if fetched by id: a card
-- then showed "Status: Unknown" for a week, and a later search overwrote a full record.
-- `complete` says which kind of answer a row holds; a search never replaces a complete row.
--
-- The cache is emptied: rows written before this cannot say which kind they are, and TMDB rows
-- hold a made-up noon time for a date-only air date. Everything is refetched on demand.

DELETE FROM search_cache;
DELETE FROM title_cache;

ALTER TABLE title_cache
    ADD COLUMN complete INTEGER NOT NULL DEFAULT 0 CHECK (complete IN (0, 1));
