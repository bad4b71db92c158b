-- Reason: polls and brackets (issue 11).
-- - A poll's options are fixed when it opens; `votes` per option and `turnout` are running
--   counts kept in the vote's own transaction, for live tallies without reading every ballot.
--   The close recounts from the ballots, and the recount is what the results show.
-- - A vote row names its voter by `voter`: the member id in decimal in an open poll, and in an
--   anonymous one a keyed hash of (poll, member) whose key lives outside this database, so
--   the file alone cannot tell whose vote a row is. WITHOUT ROWID keeps rows in voter order,
--   not in the order they were cast, and an anonymous vote keeps no time.
-- - `revision` rises with every change of the tally: it orders edits of the poll message.
-- - A bracket holds its draw as JSON (entrants and matches); each match is a versus poll.

CREATE TABLE poll_brackets (
    id               INTEGER PRIMARY KEY,
    guild_id         INTEGER NOT NULL,
    channel_id       INTEGER NOT NULL,
    creator_id       INTEGER NOT NULL,
    name             TEXT    NOT NULL,
    size             INTEGER NOT NULL CHECK (size IN (4, 8, 16)),
    draw             TEXT    NOT NULL CHECK (json_valid(draw)),
    entrants         TEXT    NOT NULL CHECK (json_valid(entrants)),  -- the options, by seed
    duration_seconds INTEGER NOT NULL CHECK (duration_seconds > 0),
    anonymous        INTEGER NOT NULL CHECK (anonymous IN (0, 1)),
    results          TEXT    NOT NULL CHECK (results IN ('live', 'at_close')),
    created_at       INTEGER NOT NULL,
    finished_at      INTEGER
) STRICT;

CREATE INDEX poll_brackets_by_guild ON poll_brackets (guild_id, finished_at);

CREATE TABLE polls (
    id             INTEGER PRIMARY KEY,
    guild_id       INTEGER NOT NULL,
    channel_id     INTEGER NOT NULL,
    creator_id     INTEGER NOT NULL,
    question       TEXT    NOT NULL,
    kind           TEXT    NOT NULL CHECK (kind IN ('versus', 'single', 'multi', 'ranked')),
    max_choices    INTEGER NOT NULL CHECK (max_choices >= 1),
    anonymous      INTEGER NOT NULL CHECK (anonymous IN (0, 1)),
    results        TEXT    NOT NULL CHECK (results IN ('live', 'at_close')),
    reason         TEXT,     -- why the bot picked a versus pair
    opened_at      INTEGER NOT NULL,
    closes_at      INTEGER NOT NULL,
    closed_at      INTEGER,
    closed_by      INTEGER,  -- the member who closed it early; NULL at the deadline
    turnout        INTEGER NOT NULL DEFAULT 0 CHECK (turnout >= 0),
    revision       INTEGER NOT NULL DEFAULT 0,
    winners        TEXT CHECK (winners IS NULL OR json_valid(winners)),  -- set at the close
    bracket_id     INTEGER REFERENCES poll_brackets (id),
    bracket_round  INTEGER,
    bracket_match  INTEGER,
    CHECK (closes_at > opened_at),
    CHECK ((bracket_id IS NULL) = (bracket_round IS NULL))
) STRICT;

CREATE INDEX polls_open_by_guild ON polls (guild_id, closed_at, closes_at);
CREATE UNIQUE INDEX polls_one_per_bracket_match
    ON polls (bracket_id, bracket_round, bracket_match) WHERE bracket_id IS NOT NULL;

CREATE TABLE poll_options (
    poll_id    INTEGER NOT NULL REFERENCES polls (id) ON DELETE CASCADE,
    position   INTEGER NOT NULL CHECK (position >= 0),
    label      TEXT    NOT NULL,
    title_id   TEXT,
    card       TEXT CHECK (card IS NULL OR json_valid(card)),  -- a title's look, kept at the open
    votes      INTEGER NOT NULL DEFAULT 0 CHECK (votes >= 0),
    PRIMARY KEY (poll_id, position)
) STRICT, WITHOUT ROWID;

CREATE INDEX poll_options_by_title ON poll_options (title_id) WHERE title_id IS NOT NULL;

CREATE TABLE poll_votes (
    poll_id  INTEGER NOT NULL REFERENCES polls (id) ON DELETE CASCADE,
    voter    TEXT    NOT NULL,
    ballot   TEXT    NOT NULL CHECK (json_valid(ballot) AND json_array_length(ballot) > 0),
    voted_at INTEGER,  -- NULL in an anonymous poll
    PRIMARY KEY (poll_id, voter)
) STRICT, WITHOUT ROWID;
