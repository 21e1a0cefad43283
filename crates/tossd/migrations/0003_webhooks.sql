-- Webhook delivery (REFERENCE.md §4.1): one row per attempt, the token of the process that holds an
-- event's lease (so only that process records the attempt's outcome), and event-type subscriptions.

ALTER TABLE outbox_events ADD COLUMN lease_token TEXT;

-- The event types a merchant subscribed to, comma-separated; NULL = every type (the default).
ALTER TABLE merchant_webhooks ADD COLUMN event_types TEXT;

CREATE TABLE outbox_attempts (
    id            AUTO_ID,
    event_id      BIGINT NOT NULL,
    retried_count BIGINT NOT NULL,
    url           TEXT,
    status_code   BIGINT,
    error         TEXT,
    succeeded     BIGINT NOT NULL,
    attempted_at  BIGINT NOT NULL
);
CREATE INDEX outbox_attempts_event ON outbox_attempts (event_id, id);
