-- Reason: what watch parties need to be announced, kept in step and followed (issue 10).
-- - A party keeps a snapshot of its title's cover and compass line, so a timer can announce
--   its next session hours later without asking a provider.
-- - `revision` rises on every change members see (an answer, a reschedule, a cancel): it
--   orders edits of the announcement, so a slower, older count never replaces a newer one.
-- - `announced_session` is the session whose announcement is current (a series posts one
--   per session, each when the one before has ended).
-- - A follow (`/watchparty follow`) creates one party per episode at its real air time; the
--   unique index makes creating an episode's party twice impossible.
-- - Drafts hold a plan between its preview and Confirm, so the buttons work after a restart.

CREATE TABLE party_follows (
    id              INTEGER PRIMARY KEY,
    guild_id        INTEGER NOT NULL,
    channel_id      INTEGER NOT NULL,
    host_id         INTEGER NOT NULL,
    title_id        TEXT    NOT NULL,  -- the provider id whose schedule is read
    title_name      TEXT    NOT NULL,
    zone            TEXT    NOT NULL,
    offset_minutes  INTEGER NOT NULL CHECK (offset_minutes >= 0),
    place_kind      TEXT    NOT NULL CHECK (place_kind IN ('voice', 'stage', 'link', 'none')),
    place           TEXT,
    cover_url       TEXT,
    compass_line    TEXT,
    since_episode   INTEGER,
    created_at      INTEGER NOT NULL,
    last_checked_at INTEGER,
    ended_at        INTEGER,  -- the show ended: nothing more to follow
    stopped_at      INTEGER,  -- a host stopped following
    CHECK ((place_kind = 'none') = (place IS NULL))
) STRICT;

CREATE INDEX party_follows_by_guild ON party_follows (guild_id, ended_at, stopped_at);
-- One live follow of a show per server, even when two members follow it at the same moment.
CREATE UNIQUE INDEX party_follows_one_live_per_show ON party_follows (guild_id, title_id)
    WHERE ended_at IS NULL AND stopped_at IS NULL;

ALTER TABLE watch_parties ADD COLUMN cover_url TEXT;
ALTER TABLE watch_parties ADD COLUMN compass_line TEXT;
ALTER TABLE watch_parties ADD COLUMN wants_thread INTEGER NOT NULL DEFAULT 0
    CHECK (wants_thread IN (0, 1));
ALTER TABLE watch_parties ADD COLUMN revision INTEGER NOT NULL DEFAULT 0;
ALTER TABLE watch_parties ADD COLUMN announced_session INTEGER;
ALTER TABLE watch_parties ADD COLUMN follow_id INTEGER REFERENCES party_follows (id);
ALTER TABLE watch_parties ADD COLUMN follow_episode INTEGER;
-- The episode's air time plus the follow's offset, as last read: the daily re-read compares
-- the broadcaster's new time with this, not with the party's start, which a host may have moved.
ALTER TABLE watch_parties ADD COLUMN follow_airs_at INTEGER;

CREATE UNIQUE INDEX watch_parties_one_per_followed_episode
    ON watch_parties (follow_id, follow_episode) WHERE follow_id IS NOT NULL;

ALTER TABLE party_sessions ADD COLUMN updated_at INTEGER;

CREATE TABLE party_reminder_prefs (
    guild_id   INTEGER NOT NULL,
    member_id  INTEGER NOT NULL,
    by_dm      INTEGER NOT NULL CHECK (by_dm IN (0, 1)),
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (guild_id, member_id)
) STRICT;

CREATE TABLE party_drafts (
    id         INTEGER PRIMARY KEY,
    guild_id   INTEGER NOT NULL,
    member_id  INTEGER NOT NULL,
    request    TEXT    NOT NULL CHECK (json_valid(request)),
    created_at INTEGER NOT NULL
) STRICT;

CREATE INDEX party_drafts_by_age ON party_drafts (created_at);
