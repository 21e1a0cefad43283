-- BrandPay payments (REFERENCE.md §2.6, §2.12.3, §3.6) and Toss Payments idempotency records (§1.7.1, §3.7).

-- Columns beside the wire document: what conditional updates, expiry and the confirm/auto-pay checks read.
-- `row_version` grows by one on every change of the document; `expires_at` is the deadline of a READY or
-- IN_PROGRESS payment; `approved_at` is set once, at approval, and kept after cancels.
ALTER TABLE tp_payments ADD COLUMN row_version BIGINT NOT NULL DEFAULT 0;
ALTER TABLE tp_payments ADD COLUMN total_amount BIGINT NOT NULL DEFAULT 0;
ALTER TABLE tp_payments ADD COLUMN balance_amount BIGINT NOT NULL DEFAULT 0;
ALTER TABLE tp_payments ADD COLUMN secret TEXT;
ALTER TABLE tp_payments ADD COLUMN customer_key TEXT;
ALTER TABLE tp_payments ADD COLUMN method_key TEXT;
ALTER TABLE tp_payments ADD COLUMN expires_at BIGINT;
ALTER TABLE tp_payments ADD COLUMN approved_at BIGINT;
CREATE INDEX tp_payments_expiry ON tp_payments (expires_at);
-- At most one payment per orderId is ever approved in a merchant and mode.
CREATE UNIQUE INDEX tp_payments_approved_order ON tp_payments (merchant_id, mode, order_id)
    WHERE approved_at IS NOT NULL;

-- One row per (Idempotency-Key, credential, path, method), keyed by the SHA-256 of the four. `state`:
-- IN_PROGRESS (owned by `owner` since `started_real`, wall-clock micros) or COMPLETED (status + body).
-- `created_at` is business time (15-day retention).
CREATE TABLE tp_idempotency (
    fingerprint  TEXT PRIMARY KEY,
    state        TEXT NOT NULL,
    owner        TEXT NOT NULL,
    status       BIGINT,
    body         TEXT,
    created_at   BIGINT NOT NULL,
    started_real BIGINT NOT NULL
);
