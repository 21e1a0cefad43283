-- Apps-in-Toss Toss Pay payments and in-app purchase orders (REFERENCE.md §2.3, §2.4, §3.1, §3.2).

-- Per-app Toss Pay settings: which kind of merchant key the app registered (PRIVATE or PUBLIC_TEST; no row
-- or NULL: none) and an optional bank maintenance window [from, until) in clock microseconds.
CREATE TABLE ait_pay_settings (
    app_id            TEXT PRIMARY KEY,
    merchant_key      TEXT,
    maintenance_from  BIGINT,
    maintenance_until BIGINT
);

-- One Toss Pay payment. orderNo is unique per app and mode forever; the payment belongs to one user.
CREATE TABLE ait_payments (
    seq                       AUTO_ID,
    pay_token                 TEXT NOT NULL UNIQUE,
    app_id                    TEXT NOT NULL,
    mode                      TEXT NOT NULL,
    user_key                  BIGINT NOT NULL,
    order_no                  TEXT NOT NULL,
    product_desc              TEXT NOT NULL,
    status                    TEXT NOT NULL,
    amount                    BIGINT NOT NULL,
    amount_tax_free           BIGINT NOT NULL,
    amount_taxable            BIGINT NOT NULL,
    amount_vat                BIGINT NOT NULL,
    amount_service_fee        BIGINT NOT NULL,
    enable_pay_methods        TEXT,
    cash_receipt              BIGINT NOT NULL,
    cash_receipt_trade_option TEXT NOT NULL,
    installment               TEXT NOT NULL,
    pay_method                TEXT,
    card_company_code         BIGINT,
    card_method_type          TEXT,
    card_user_type            TEXT,
    card_bin                  TEXT,
    card_last4                TEXT,
    spread_out                BIGINT,
    no_interest               BIGINT,
    card_authorization_no     TEXT,
    account_bank_code         TEXT,
    account_number            TEXT,
    discount_amount           BIGINT NOT NULL DEFAULT 0,
    paid_point                BIGINT NOT NULL DEFAULT 0,
    paid_amount               BIGINT NOT NULL DEFAULT 0,
    refundable_amount         BIGINT NOT NULL DEFAULT 0,
    cash_receipt_mgt_key      TEXT,
    pay_transaction_id        TEXT,
    created_at                BIGINT NOT NULL,
    expires_at                BIGINT NOT NULL,
    paid_at                   BIGINT,
    UNIQUE (app_id, mode, order_no)
);
CREATE INDEX ait_payments_pending ON ait_payments (status, expires_at);

-- Approvals (PAY) and refunds (REFUND) of a payment, in commit order (seq).
CREATE TABLE ait_pay_transactions (
    seq                AUTO_ID,
    pay_token          TEXT NOT NULL,
    step_type          TEXT NOT NULL,
    transaction_id     TEXT NOT NULL UNIQUE,
    refund_no          TEXT,
    paid_amount        BIGINT NOT NULL,
    transaction_amount BIGINT NOT NULL,
    discounted_amount  BIGINT NOT NULL,
    point_amount       BIGINT NOT NULL,
    created_at         BIGINT NOT NULL
);
CREATE INDEX ait_pay_transactions_payment ON ait_pay_transactions (pay_token, seq);

-- In-app products of each app, and the orders users place for them.
CREATE TABLE iap_products (
    sku          TEXT PRIMARY KEY,
    app_id       TEXT NOT NULL,
    name         TEXT NOT NULL,
    kind         TEXT NOT NULL,
    supply_price BIGINT NOT NULL,
    sale_price   BIGINT NOT NULL
);

CREATE TABLE iap_orders (
    order_id             TEXT PRIMARY KEY,
    app_id               TEXT NOT NULL,
    user_key             BIGINT NOT NULL,
    sku                  TEXT NOT NULL,
    status               TEXT NOT NULL,
    status_determined_at BIGINT,
    created_at           BIGINT NOT NULL
);
