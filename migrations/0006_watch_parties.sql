-- Reason: watch parties (issue 10). A party is what a host announced: one title, one place, and
-- one or more sessions (a series). Members answer once per party. A series is expanded in the
-- wall-clock time of the party's zone (a weekly 20:00 stays at 20:00 local across daylight
-- saving), and each session is stored as that instant, for ordering and for timers.

CREATE TABLE watch_parties (
    id           INTEGER PRIMARY KEY,
    guild_id     INTEGER NOT NULL,
    channel_id   INTEGER NOT NULL,  -- where it is announced
    host_id      INTEGER NOT NULL,
    title_id     TEXT,              -- "anilist:21", "catalog:reply-1988"; NULL for free text
    title_name   TEXT    NOT NULL,
    zone         TEXT    NOT NULL,  -- IANA zone its wall times are kept in
    place_kind   TEXT    NOT NULL CHECK (place_kind IN ('voice', 'stage', 'link', 'none')),
    place        TEXT,              -- a channel id, or a link
    note         TEXT,
    repeat_rule  TEXT CHECK (repeat_rule IS NULL OR json_valid(repeat_rule)),
    created_at   INTEGER NOT NULL,
    cancelled_at INTEGER,
    CHECK ((place_kind = 'none') = (place IS NULL))
) STRICT;

CREATE INDEX watch_parties_by_guild ON watch_parties (guild_id, cancelled_at);

CREATE TABLE party_sessions (
    party_id      INTEGER NOT NULL REFERENCES watch_parties (id) ON DELETE CASCADE,
    number        INTEGER NOT NULL CHECK (number >= 1),
    starts_at     INTEGER NOT NULL,  -- Unix seconds
    ends_at       INTEGER,
    first_episode INTEGER,
    last_episode  INTEGER,
    sequence      INTEGER NOT NULL DEFAULT 0,  -- raised on each change (the ICS SEQUENCE)
    cancelled_at  INTEGER,
    PRIMARY KEY (party_id, number),
    CHECK (ends_at IS NULL OR ends_at > starts_at),
    CHECK ((first_episode IS NULL) = (last_episode IS NULL)),
    CHECK (first_episode IS NULL OR 1 <= first_episode AND first_episode <= last_episode)
) STRICT;

CREATE INDEX party_sessions_by_start ON party_sessions (starts_at);

CREATE TABLE party_rsvps (
    party_id   INTEGER NOT NULL REFERENCES watch_parties (id) ON DELETE CASCADE,
    member_id  INTEGER NOT NULL,
    choice     TEXT    NOT NULL CHECK (choice IN ('going', 'maybe', 'not_going')),
    changed_at INTEGER NOT NULL,
    PRIMARY KEY (party_id, member_id)
) STRICT;

CREATE INDEX party_rsvps_by_member ON party_rsvps (member_id, choice);
