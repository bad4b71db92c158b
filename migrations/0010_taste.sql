-- Reason: what members tell the bot about titles, per server (issue 12 §1): ratings, what they
-- watched, their watchlist, and titles they are not interested in; and who opted in to be
-- matched with members of close taste.
-- - Every row is keyed by (guild_id, member_id, title_id): what a member says in one server never
--   shows in another, and saying it twice changes one row.
-- - Each row keeps a snapshot of the title (its name and medium) as it was when the member spoke,
--   so lists show without asking a provider, and forgetting a member removes the snapshot too.
-- - A title watched with a score is also a rating: `/watched title score` writes a row here in
--   `taste_watched` and the score in `taste_ratings`, in one transaction. The score is stored
--   once, in `taste_ratings`; `taste_watched` has no score of its own. Removing the rating
--   leaves the title watched, and marking a title unwatched leaves its rating.
-- - WITHOUT ROWID keeps each table in key order: a member's rows in a server sit together.

CREATE TABLE taste_ratings (
    guild_id   INTEGER NOT NULL,
    member_id  INTEGER NOT NULL,
    title_id   TEXT    NOT NULL,  -- "anilist:21", "tvmaze:1234", "tmdb:94796", "catalog:goblin"
    title_name TEXT    NOT NULL CHECK (length(title_name) BETWEEN 1 AND 300),
    medium     TEXT    NOT NULL CHECK (medium IN ('anime', 'kdrama', 'live_action', 'animation')),
    score      INTEGER NOT NULL CHECK (score BETWEEN 1 AND 10),
    rated_at   INTEGER NOT NULL,
    PRIMARY KEY (guild_id, member_id, title_id)
) STRICT, WITHOUT ROWID;

-- "All ratings of a server" reads the primary key's prefix; "members who rated title X" this.
CREATE INDEX taste_ratings_by_title ON taste_ratings (guild_id, title_id, score);

CREATE TABLE taste_watched (
    guild_id   INTEGER NOT NULL,
    member_id  INTEGER NOT NULL,
    title_id   TEXT    NOT NULL,
    title_name TEXT    NOT NULL CHECK (length(title_name) BETWEEN 1 AND 300),
    medium     TEXT    NOT NULL CHECK (medium IN ('anime', 'kdrama', 'live_action', 'animation')),
    watched_at INTEGER NOT NULL,
    PRIMARY KEY (guild_id, member_id, title_id)
) STRICT, WITHOUT ROWID;

CREATE INDEX taste_watched_by_title ON taste_watched (guild_id, title_id);

CREATE TABLE taste_watchlist (
    guild_id   INTEGER NOT NULL,
    member_id  INTEGER NOT NULL,
    title_id   TEXT    NOT NULL,
    title_name TEXT    NOT NULL CHECK (length(title_name) BETWEEN 1 AND 300),
    medium     TEXT    NOT NULL CHECK (medium IN ('anime', 'kdrama', 'live_action', 'animation')),
    added_at   INTEGER NOT NULL,
    PRIMARY KEY (guild_id, member_id, title_id)
) STRICT, WITHOUT ROWID;

-- "3 members here have it on their watchlist".
CREATE INDEX taste_watchlist_by_title ON taste_watchlist (guild_id, title_id);

CREATE TABLE taste_not_interested (
    guild_id   INTEGER NOT NULL,
    member_id  INTEGER NOT NULL,
    title_id   TEXT    NOT NULL,
    title_name TEXT    NOT NULL CHECK (length(title_name) BETWEEN 1 AND 300),
    medium     TEXT    NOT NULL CHECK (medium IN ('anime', 'kdrama', 'live_action', 'animation')),
    marked_at  INTEGER NOT NULL,
    PRIMARY KEY (guild_id, member_id, title_id)
) STRICT, WITHOUT ROWID;

-- Members who agreed to be listed as "closest taste" to others in this server. No row: not listed.
CREATE TABLE taste_opt_in (
    guild_id    INTEGER NOT NULL,
    member_id   INTEGER NOT NULL,
    opted_in_at INTEGER NOT NULL,
    PRIMARY KEY (guild_id, member_id)
) STRICT, WITHOUT ROWID;
