-- Webhook delivery (REFERENCE.md §4.1): one row per attempt, and the token of the process that holds an
-- event's lease so only that process records the attempt's outcome.

ALTER TABLE outbox_events ADD COLUMN lease_token TEXT;

CREATE TABLE outbox_attempts (
    id            INTEGER PRIMARY KEY,
    event_id      BIGINT NOT NULL,
    retried_count BIGINT NOT NULL,
    url           TEXT,
    status_code   BIGINT,
    error         TEXT,
    succeeded     BIGINT NOT NULL,
    attempted_at  BIGINT NOT NULL
);
CREATE INDEX outbox_attempts_event ON outbox_attempts (event_id, id);
