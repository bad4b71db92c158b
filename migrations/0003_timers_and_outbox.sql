-- Reason: the durable timer service and the paced outbox (issue 4).
-- `timers` from 0001 gains `run_at` (when the dispatcher should next try, which moves with
-- retries while `due_at` keeps the time the work was due, so lateness stays honest) and
-- `revision` (bumped by every schedule and claim, so a late-finishing run cannot mark a
-- re-scheduled timer done). SQLite cannot change a STRICT table's columns in place with the
-- CHECKs we want, so the table is rebuilt and its rows carried over.

CREATE TABLE timers_v3 (
    id          INTEGER PRIMARY KEY,
    key         TEXT    NOT NULL UNIQUE,
    kind        TEXT    NOT NULL,
    due_at      INTEGER NOT NULL,
    run_at      INTEGER NOT NULL,
    payload     TEXT    NOT NULL DEFAULT '{}' CHECK (json_valid(payload)),
    state       TEXT    NOT NULL DEFAULT 'pending'
        CHECK (state IN ('pending', 'claimed', 'done', 'dead')),
    attempts    INTEGER NOT NULL DEFAULT 0,
    revision    INTEGER NOT NULL DEFAULT 0,
    claimed_at  INTEGER,
    finished_at INTEGER,
    last_error  TEXT,
    created_at  INTEGER NOT NULL
) STRICT;

INSERT INTO timers_v3 (
    id, key, kind, due_at, run_at, payload, state, attempts, claimed_at, finished_at,
    last_error, created_at
)
SELECT id, key, kind, due_at, due_at, payload, state, attempts, claimed_at, finished_at,
       last_error, created_at
FROM timers;

DROP TABLE timers;
ALTER TABLE timers_v3 RENAME TO timers;

-- The dispatcher only ever asks "what is the next pending timer?" and "which are claimed?".
CREATE INDEX timers_pending_by_run_at ON timers (run_at) WHERE state = 'pending';
CREATE INDEX timers_claimed ON timers (claimed_at) WHERE state = 'claimed';
-- Finished rows are kept a while for `watchclub timers`, then swept by age.
CREATE INDEX timers_finished ON timers (finished_at) WHERE state IN ('done', 'dead');

-- Messages waiting to be sent. A row is written in the same transaction that marks its timer
-- done, so a timer's messages are queued exactly once. Rows that go out together as one
-- Discord message share a `batch_id` (the smallest row id among them); once set it never
-- changes, so a resend after a crash carries the same content and the same nonce.
CREATE TABLE outbox (
    id                  INTEGER PRIMARY KEY,
    dedupe_key          TEXT    NOT NULL UNIQUE,
    channel_id          INTEGER,  -- a channel message; NULL for a DM
    member_id           INTEGER,  -- a DM to this member; NULL for a channel message
    fallback_channel_id INTEGER,  -- where a DM goes instead when the member's DMs are closed
    content             TEXT    NOT NULL,
    embed               TEXT    CHECK (embed IS NULL OR json_valid(embed)),
    mention_user_ids    TEXT    NOT NULL DEFAULT '[]' CHECK (json_valid(mention_user_ids)),
    mention_role_ids    TEXT    NOT NULL DEFAULT '[]' CHECK (json_valid(mention_role_ids)),
    merge_key           TEXT,     -- rows with the same key may be sent as one message
    state               TEXT    NOT NULL DEFAULT 'pending'
        CHECK (state IN ('pending', 'sent', 'failed')),
    batch_id            INTEGER,
    attempts            INTEGER NOT NULL DEFAULT 0,
    send_after          INTEGER NOT NULL,
    created_at          INTEGER NOT NULL,
    finished_at         INTEGER,  -- when it was sent, or given up on
    message_id          INTEGER,
    delivered_via       TEXT CHECK (delivered_via IN ('channel', 'dm', 'dm_fallback')),
    last_error          TEXT,
    CHECK ((channel_id IS NULL) <> (member_id IS NULL))
) STRICT;

CREATE INDEX outbox_pending ON outbox (send_after) WHERE state = 'pending';
CREATE INDEX outbox_finished ON outbox (finished_at) WHERE state IN ('sent', 'failed');
