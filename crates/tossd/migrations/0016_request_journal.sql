-- The request journal (docs/journal.md): one row per partner API call, written in batches off the request
-- path. Secrets are redacted before a row is written. Times are microseconds since the epoch; `at` is the
-- wall clock (retention by age follows it), `simulated_at` the simulated clock.
CREATE TABLE request_journal (
    id AUTO_ID,
    at BIGINT NOT NULL,
    simulated_at BIGINT NOT NULL,
    method TEXT NOT NULL,
    path TEXT NOT NULL,
    query TEXT,
    family TEXT NOT NULL,
    caller TEXT NOT NULL,
    status BIGINT NOT NULL,
    duration_us BIGINT NOT NULL,
    idempotency_key TEXT,
    payment_key TEXT,
    pay_token TEXT,
    order_id TEXT,
    order_no TEXT,
    customer_key TEXT,
    user_key TEXT,
    method_key TEXT,
    near_miss TEXT,
    request_headers TEXT NOT NULL,
    request_body TEXT NOT NULL,
    request_truncated BIGINT NOT NULL,
    response_headers TEXT NOT NULL,
    response_body TEXT NOT NULL,
    response_truncated BIGINT NOT NULL
);

CREATE INDEX request_journal_at ON request_journal (at);
