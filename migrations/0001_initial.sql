-- Reason: the core tables every feature stands on.
-- Times are integer Unix seconds (UTC); Discord ids are integers (snowflakes fit in 64 bits).

-- One row per server that changed a setting; absent row = all defaults.
CREATE TABLE guild_settings (
    guild_id                INTEGER PRIMARY KEY,
    timezone                TEXT,
    announcement_channel_id INTEGER,
    -- Minutes before a watch party starts at which reminders go out, largest first.
    reminder_lead_minutes   TEXT    NOT NULL DEFAULT '[60,15]'
        CHECK (json_valid(reminder_lead_minutes) AND json_type(reminder_lead_minutes) = 'array'),
    watch_party_role_id     INTEGER,
    updated_at              INTEGER NOT NULL,
    updated_by              INTEGER
) STRICT;

-- A member's own timezone follows them across servers.
CREATE TABLE member_settings (
    user_id    INTEGER PRIMARY KEY,
    timezone   TEXT,
    updated_at INTEGER NOT NULL
) STRICT;

-- The durable timer table (DESIGN.md rule 9): poll closing, reminders, series advancement.
-- Rows go pending -> claimed -> done (or dead after too many failures); none is deleted early.
CREATE TABLE timers (
    id          INTEGER PRIMARY KEY,
    key         TEXT    NOT NULL UNIQUE,
    kind        TEXT    NOT NULL,
    due_at      INTEGER NOT NULL,
    payload     TEXT    NOT NULL DEFAULT '{}' CHECK (json_valid(payload)),
    state       TEXT    NOT NULL DEFAULT 'pending'
        CHECK (state IN ('pending', 'claimed', 'done', 'dead')),
    attempts    INTEGER NOT NULL DEFAULT 0,
    claimed_at  INTEGER,
    finished_at INTEGER,
    last_error  TEXT,
    created_at  INTEGER NOT NULL
) STRICT;

-- The dispatcher only ever asks "what is the next pending timer?".
CREATE INDEX timers_pending_by_due ON timers (due_at) WHERE state = 'pending';
CREATE INDEX timers_claimed ON timers (claimed_at) WHERE state = 'claimed';

-- Small facts about this installation, such as the hash of the last synced command set.
CREATE TABLE bot_meta (
    key        TEXT PRIMARY KEY,
    value      TEXT    NOT NULL,
    updated_at INTEGER NOT NULL
) STRICT;
