-- Reason: messages the outbox posts can carry buttons and open a discussion thread (a watch
-- party's announcement, posted by a timer long after the command, with its RSVP buttons).
-- Both are new columns with NULL for every existing row, so the table is not rebuilt.
--
-- `buttons`: a JSON list of buttons ({label, custom_id, url, style, emoji}). On a send, NULL is
-- none. On an edit, NULL keeps the message's buttons and a list replaces them ('[]': removes
-- them, as `clear_components` does).
ALTER TABLE outbox ADD COLUMN buttons TEXT CHECK (buttons IS NULL OR json_valid(buttons));

-- send: the public thread opened on the message once it is posted (Discord's 1 to 100).
ALTER TABLE outbox ADD COLUMN thread_name TEXT
    CHECK (thread_name IS NULL OR length(thread_name) BETWEEN 1 AND 100);
