-- Webhook and callback registration, and the durable outbox (REFERENCE.md §4.1).

CREATE TABLE merchant_webhooks (
    merchant_id BIGINT NOT NULL,
    mode        TEXT NOT NULL,
    url         TEXT NOT NULL,
    PRIMARY KEY (merchant_id, mode)
);

CREATE TABLE app_unlink_callbacks (
    app_id     TEXT PRIMARY KEY,
    url        TEXT NOT NULL,
    method     TEXT NOT NULL,
    basic_auth TEXT
);

-- One row per event, written in the transaction of the state change that causes it. `state`:
-- NOT_SENT (no URL was configured), PENDING (due at `next_attempt_at`), DELIVERED, FAILED.
CREATE TABLE outbox_events (
    id              AUTO_ID,
    transmission_id TEXT NOT NULL UNIQUE,
    destination     TEXT NOT NULL,
    merchant_id     BIGINT,
    mode            TEXT,
    app_id          TEXT,
    event_type      TEXT NOT NULL,
    body            TEXT NOT NULL,
    state           TEXT NOT NULL,
    retried_count   BIGINT NOT NULL DEFAULT 0,
    next_attempt_at BIGINT,
    lease_until     BIGINT,
    created_at      BIGINT NOT NULL
);
CREATE INDEX outbox_events_due ON outbox_events (state, next_attempt_at);
