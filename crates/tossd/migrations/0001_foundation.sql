-- Times are microseconds since the Unix epoch (BIGINT) and flags are 0/1 BIGINTs, so the same Rust code
-- reads both backends through sqlx's Any driver.

CREATE TABLE instance (
    id           BIGINT PRIMARY KEY CHECK (id = 1),
    instance_key TEXT NOT NULL,
    created_at   BIGINT NOT NULL
);

CREATE TABLE clock (
    id            BIGINT PRIMARY KEY CHECK (id = 1),
    offset_us     BIGINT NOT NULL,
    manual_now_us BIGINT NOT NULL
);

CREATE TABLE apps (
    id                    AUTO_ID,
    app_id                TEXT NOT NULL UNIQUE,
    name                  TEXT NOT NULL,
    client_id             TEXT NOT NULL UNIQUE,
    pii_key               TEXT NOT NULL,
    aad                   TEXT NOT NULL,
    plaintext_pii         BIGINT NOT NULL DEFAULT 0,
    is_default            BIGINT NOT NULL DEFAULT 0,
    rate_limit_per_minute BIGINT NOT NULL DEFAULT 10,
    created_at            BIGINT NOT NULL
);

CREATE TABLE users (
    user_key          BIGINT PRIMARY KEY,
    name              TEXT NOT NULL,
    calling_code      TEXT NOT NULL,
    phone             TEXT NOT NULL,
    birthday          TEXT NOT NULL,
    gender            TEXT NOT NULL,
    nationality       TEXT NOT NULL,
    email             TEXT,
    ci                TEXT NOT NULL,
    push_enabled      BIGINT NOT NULL DEFAULT 1,
    marketing_consent BIGINT NOT NULL DEFAULT 0,
    points_balance    BIGINT NOT NULL DEFAULT 0,
    withdrawn         BIGINT NOT NULL DEFAULT 0,
    created_at        BIGINT NOT NULL
);

-- A user is known to an app once they logged in to it (REFERENCE.md 1.6.2).
CREATE TABLE app_users (
    app_id      TEXT NOT NULL,
    user_key    BIGINT NOT NULL,
    linked      BIGINT NOT NULL DEFAULT 1,
    first_login BIGINT NOT NULL,
    PRIMARY KEY (app_id, user_key)
);

CREATE TABLE merchants (
    id         AUTO_ID,
    mid        TEXT NOT NULL UNIQUE,
    name       TEXT NOT NULL,
    is_default BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL
);

-- One row per mode (test/live): the secret key is kept as a SHA-256 hash for lookup and sealed with the
-- instance key so the simulator can show it again.
CREATE TABLE merchant_keys (
    merchant_id       BIGINT NOT NULL,
    mode              TEXT NOT NULL,
    client_key        TEXT NOT NULL UNIQUE,
    secret_key_hash   TEXT NOT NULL UNIQUE,
    secret_key_sealed TEXT NOT NULL,
    PRIMARY KEY (merchant_id, mode)
);

-- The Toss Payments Payment object: the wire document as JSON, with the columns that lookups, uniqueness
-- and conditional updates need.
CREATE TABLE tp_payments (
    seq         AUTO_ID,
    payment_key TEXT NOT NULL UNIQUE,
    merchant_id BIGINT NOT NULL,
    mode        TEXT NOT NULL,
    order_id    TEXT NOT NULL,
    status      TEXT NOT NULL,
    payment     TEXT NOT NULL,
    created_at  BIGINT NOT NULL
);
CREATE INDEX tp_payments_order ON tp_payments (merchant_id, mode, order_id);
