-- Reason: delivery that edits, attaches files and mirrors guild scheduled events (issue 8).
-- The outbox gains an `action` per row (send, edit, event_mirror, event_remove), what each
-- action needs, and an `outcome` that records what happened (it replaces `delivered_via`).
-- A STRICT table's CHECKs cannot change in place, so it is rebuilt and its rows carried over.

CREATE TABLE outbox_v4 (
    id                  INTEGER PRIMARY KEY,
    dedupe_key          TEXT    NOT NULL UNIQUE,
    action              TEXT    NOT NULL DEFAULT 'send'
        CHECK (action IN ('send', 'edit', 'event_mirror', 'event_remove')),
    channel_id          INTEGER,  -- send to, or edit in, this channel
    member_id           INTEGER,  -- send: a DM to this member
    fallback_channel_id INTEGER,  -- send: where a DM goes instead when the member's DMs are closed
    guild_id            INTEGER,  -- events: the guild
    message_key         TEXT,     -- send: the name a later edit uses; edit: the send it edits
    target_message_id   INTEGER,  -- edit: the message, when its id is known
    event_key           TEXT,     -- events: the feature's name for the event
    event               TEXT CHECK (event IS NULL OR json_valid(event)),
    content             TEXT    NOT NULL DEFAULT '',
    embed               TEXT    CHECK (embed IS NULL OR json_valid(embed)),
    mention_user_ids    TEXT    NOT NULL DEFAULT '[]' CHECK (json_valid(mention_user_ids)),
    mention_role_ids    TEXT    NOT NULL DEFAULT '[]' CHECK (json_valid(mention_role_ids)),
    merge_key           TEXT,     -- sends with the same key may go out as one message
    -- edit: 1 = the message's attachments become this row's files (none: removed)
    replace_files       INTEGER NOT NULL DEFAULT 0 CHECK (replace_files IN (0, 1)),
    clear_components    INTEGER NOT NULL DEFAULT 0 CHECK (clear_components IN (0, 1)),
    -- A newer row with the same key supersedes a pending one (edits of one message, changes
    -- of one event); `spacing` is the least number of seconds between two of them going out.
    supersede_key       TEXT,
    spacing             INTEGER NOT NULL DEFAULT 0,
    -- The feature's version of the state a superseding row carries (a vote count, a revision);
    -- the highest seen per key is kept in `supersede_versions`. NULL: queueing order decides.
    version             INTEGER,
    state               TEXT    NOT NULL DEFAULT 'pending'
        CHECK (state IN ('pending', 'sent', 'failed', 'skipped')),
    outcome             TEXT CHECK (outcome IN (
        'channel', 'dm', 'dm_fallback', 'edited', 'message_gone', 'message_missing',
        'event_created', 'event_adopted', 'event_updated', 'event_removed', 'event_gone',
        'mirror_off', 'superseded'
    )),
    batch_id            INTEGER,
    attempts            INTEGER NOT NULL DEFAULT 0,
    started_at          INTEGER,  -- events: a create was sent at least once (it may have landed)
    send_after          INTEGER NOT NULL,
    created_at          INTEGER NOT NULL,
    finished_at         INTEGER,  -- when it was done, skipped or given up on
    message_id          INTEGER,  -- the message posted or edited
    last_error          TEXT,
    CHECK (
        (action = 'send' AND (channel_id IS NULL) <> (member_id IS NULL))
        OR (action = 'edit' AND channel_id IS NOT NULL
            AND (target_message_id IS NULL) <> (message_key IS NULL))
        OR (action IN ('event_mirror', 'event_remove')
            AND guild_id IS NOT NULL AND event_key IS NOT NULL)
    )
) STRICT;

INSERT INTO outbox_v4 (
    id, dedupe_key, action, channel_id, member_id, fallback_channel_id, content, embed,
    mention_user_ids, mention_role_ids, merge_key, state, outcome, batch_id, attempts,
    send_after, created_at, finished_at, message_id, last_error
)
SELECT id, dedupe_key, 'send', channel_id, member_id, fallback_channel_id, content, embed,
       mention_user_ids, mention_role_ids, merge_key, state, delivered_via, batch_id, attempts,
       send_after, created_at, finished_at, message_id, last_error
FROM outbox;

DROP TABLE outbox;
ALTER TABLE outbox_v4 RENAME TO outbox;

CREATE INDEX outbox_pending ON outbox (send_after) WHERE state = 'pending';
CREATE INDEX outbox_finished ON outbox (finished_at) WHERE state IN ('sent', 'failed', 'skipped');
CREATE INDEX outbox_failed ON outbox (finished_at) WHERE state = 'failed';
-- Superseding, and an edit's spacing (when did this key last go out?), stay indexed as the
-- outbox grows to millions of rows between sweeps.
CREATE INDEX outbox_supersede ON outbox (supersede_key, state, finished_at)
    WHERE supersede_key IS NOT NULL;
CREATE INDEX outbox_message_key ON outbox (message_key) WHERE message_key IS NOT NULL;
CREATE INDEX outbox_event_key ON outbox (event_key) WHERE event_key IS NOT NULL;

-- Files travel with their row until it is done; then they are dropped. (The migration runner
-- turns foreign keys off while it rebuilds tables, so a later rebuild of `outbox` does not
-- cascade into this table.)
CREATE TABLE outbox_files (
    outbox_id   INTEGER NOT NULL REFERENCES outbox (id) ON DELETE CASCADE,
    position    INTEGER NOT NULL,
    filename    TEXT    NOT NULL,
    description TEXT,
    data        BLOB    NOT NULL,
    PRIMARY KEY (outbox_id, position)
) STRICT;

-- The highest version queued per supersede key (a message's edits, an event's changes), kept
-- apart from the rows, whatever became of them: a lower version never replaces a higher one.
CREATE TABLE supersede_versions (
    supersede_key TEXT    PRIMARY KEY,
    version       INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL
) STRICT;

-- Where the messages posted under a key landed, kept after their outbox rows are swept, so a
-- feature can edit an announcement weeks later by its key.
CREATE TABLE message_keys (
    message_key TEXT    PRIMARY KEY,
    channel_id  INTEGER NOT NULL,  -- a DM's channel too
    message_id  INTEGER NOT NULL,
    posted_at   INTEGER NOT NULL
) STRICT;

-- The guild scheduled events the outbox created, by the feature's key. `event_id` NULL: someone
-- deleted the event in Discord, and the mirror leaves it deleted.
CREATE TABLE scheduled_events (
    event_key  TEXT    PRIMARY KEY,
    guild_id   INTEGER NOT NULL,
    event_id   INTEGER,
    updated_at INTEGER NOT NULL
) STRICT;

-- Servers where mirroring events is off: the bot lacks Manage Events (50013), or the server is
-- at Discord's cap of 100 events (30038). No row: mirroring is on.
CREATE TABLE event_mirroring (
    guild_id   INTEGER PRIMARY KEY,
    off_code   INTEGER NOT NULL CHECK (off_code IN (50013, 30038)),
    off_reason TEXT    NOT NULL,
    off_since  INTEGER NOT NULL
) STRICT;
