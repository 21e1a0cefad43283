-- Toss points promotions, their keys and grants; smart-message templates and deliveries; the per-user
-- rate-limit buckets (REFERENCE.md §1.8, §2.2, §2.5).

CREATE TABLE promotions (
    id                   AUTO_ID,
    app_id               TEXT NOT NULL,
    promotion_code       TEXT NOT NULL,
    budget               BIGINT NOT NULL,
    budget_remaining     BIGINT NOT NULL CHECK (budget_remaining >= 0),
    -- NULL: no per-grant limit.
    max_amount_per_grant BIGINT,
    state                TEXT NOT NULL,
    settle_delay_seconds BIGINT NOT NULL DEFAULT 0,
    -- Simulator fault injection: this many coming executes fail with 4110.
    fail_next_executions BIGINT NOT NULL DEFAULT 0,
    created_at           BIGINT NOT NULL,
    UNIQUE (app_id, promotion_code)
);

-- Keys are stored as SHA-256 hashes. `state`: ISSUED or EXECUTED (expiry is read from `issued_at`).
CREATE TABLE promotion_keys (
    key_hash  TEXT PRIMARY KEY,
    app_id    TEXT NOT NULL,
    user_key  BIGINT NOT NULL,
    state     TEXT NOT NULL,
    issued_at BIGINT NOT NULL
);

-- One row per executed key. `status`: PENDING, SUCCESS or FAILED.
CREATE TABLE promotion_grants (
    id             AUTO_ID,
    key_hash       TEXT NOT NULL UNIQUE,
    app_id         TEXT NOT NULL,
    user_key       BIGINT NOT NULL,
    promotion_code TEXT NOT NULL,
    amount         BIGINT NOT NULL,
    status         TEXT NOT NULL,
    settle_at      BIGINT NOT NULL,
    settled_at     BIGINT,
    created_at     BIGINT NOT NULL
);
CREATE INDEX promotion_grants_user ON promotion_grants (user_key, status);

-- Counted request times (comma-separated microseconds) of one (app, user, bucket) inside the window.
CREATE TABLE rate_limit_buckets (
    app_id   TEXT NOT NULL,
    user_key BIGINT NOT NULL,
    bucket   TEXT NOT NULL,
    hits     TEXT NOT NULL,
    PRIMARY KEY (app_id, user_key, bucket)
);

-- `channels`: comma-separated PUSH / INBOX.
CREATE TABLE message_templates (
    app_id            TEXT NOT NULL,
    template_set_code TEXT NOT NULL,
    text              TEXT NOT NULL,
    kind              TEXT NOT NULL,
    status            TEXT NOT NULL,
    channels          TEXT NOT NULL,
    created_at        BIGINT NOT NULL,
    PRIMARY KEY (app_id, template_set_code)
);

-- One row per attempted delivery; `fail_reason` NULL means delivered (inbox or push log).
CREATE TABLE messages (
    seq               AUTO_ID,
    content_id        TEXT NOT NULL UNIQUE,
    app_id            TEXT NOT NULL,
    user_key          BIGINT NOT NULL,
    channel           TEXT NOT NULL,
    template_set_code TEXT NOT NULL,
    text              TEXT NOT NULL,
    fail_reason       TEXT,
    is_test           BIGINT NOT NULL DEFAULT 0,
    sent_at           BIGINT NOT NULL
);
CREATE INDEX messages_user ON messages (user_key, sent_at);
