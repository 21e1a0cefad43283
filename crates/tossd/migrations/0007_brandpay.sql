-- BrandPay customers (REFERENCE.md §2.7–2.11, §3.5): terms catalogue, customers and their agreements,
-- authorization codes, token pairs, payment methods and the merchants' card/bank promotions.

-- The terms catalogue (§6.8). A `url` starting with `/` is relative to tossd's public URL.
CREATE TABLE bp_terms (
    id       BIGINT PRIMARY KEY,
    scope    TEXT NOT NULL,
    title    TEXT NOT NULL,
    version  TEXT NOT NULL,
    url      TEXT NOT NULL,
    required BIGINT NOT NULL
);

-- One record per (merchant, mode, customerKey) registration; a withdrawal leaves the REMOVED record and a
-- later sign-up makes a new one. `status`: AGREED, ACTIVE, REMOVED.
CREATE TABLE bp_customers (
    id                AUTO_ID,
    merchant_id       BIGINT NOT NULL,
    mode              TEXT NOT NULL,
    customer_key      TEXT NOT NULL,
    status            TEXT NOT NULL,
    identified        BIGINT NOT NULL DEFAULT 0,
    identity_ci       TEXT,
    identity_phone    TEXT,
    identity_name     TEXT,
    identity_rrn      TEXT,
    created_at        BIGINT NOT NULL,
    changed_at        BIGINT NOT NULL
);
CREATE UNIQUE INDEX bp_customers_current ON bp_customers (merchant_id, mode, customer_key)
    WHERE status <> 'REMOVED';

CREATE TABLE bp_agreements (
    customer_id BIGINT NOT NULL,
    terms_id    BIGINT NOT NULL,
    version     TEXT NOT NULL,
    agreed_at   BIGINT NOT NULL,
    PRIMARY KEY (customer_id, terms_id)
);

-- Authorization codes, stored hashed. `status`: ISSUED, USED, REVOKED (expiry is read from created_at).
CREATE TABLE bp_codes (
    code_hash   TEXT PRIMARY KEY,
    customer_id BIGINT NOT NULL,
    status      TEXT NOT NULL,
    created_at  BIGINT NOT NULL
);
CREATE INDEX bp_codes_customer ON bp_codes (customer_id);

-- Token pairs, hashed for lookup and sealed with the instance key because an AuthorizationCode grant on a
-- known customer returns the same strings again. At most one live pair per customer.
CREATE TABLE bp_tokens (
    id                 AUTO_ID,
    customer_id        BIGINT NOT NULL,
    access_hash        TEXT NOT NULL UNIQUE,
    access_sealed      TEXT NOT NULL,
    access_expires_at  BIGINT NOT NULL,
    refresh_hash       TEXT NOT NULL UNIQUE,
    refresh_sealed     TEXT NOT NULL,
    refresh_expires_at BIGINT NOT NULL,
    revoked            BIGINT NOT NULL DEFAULT 0,
    created_at         BIGINT NOT NULL
);
CREATE UNIQUE INDEX bp_tokens_live ON bp_tokens (customer_id) WHERE revoked = 0;

-- Cards and accounts. `kind`: CARD, ACCOUNT; `status`: ENABLED, DISABLED. `last_used_at` is set by
-- BrandPay payments (selectedMethodId).
CREATE TABLE bp_methods (
    seq                        AUTO_ID,
    id                         TEXT NOT NULL UNIQUE,
    method_key                 TEXT NOT NULL UNIQUE,
    customer_id                BIGINT NOT NULL,
    merchant_id                BIGINT NOT NULL,
    mode                       TEXT NOT NULL,
    kind                       TEXT NOT NULL,
    status                     TEXT NOT NULL,
    alias                      TEXT NOT NULL,
    card_name                  TEXT,
    card_number                TEXT,
    issuer_code                TEXT,
    acquirer_code              TEXT,
    owner_type                 TEXT,
    card_type                  TEXT,
    installment_minimum_amount BIGINT,
    bank_code                  TEXT,
    account_name               TEXT,
    account_number             TEXT,
    registered_at              BIGINT NOT NULL,
    last_used_at               BIGINT,
    disabled_at                BIGINT
);
CREATE INDEX bp_methods_customer ON bp_methods (customer_id, status);

-- Card and bank promotions per merchant and mode. `kind`: CARD_DISCOUNT, CARD_INTEREST_FREE, CARD_POINT,
-- BANK_DISCOUNT. `balance` is the live discount budget that auto-pay consumes with a conditional update.
CREATE TABLE bp_promotions (
    id                      AUTO_ID,
    merchant_id             BIGINT NOT NULL,
    mode                    TEXT NOT NULL,
    kind                    TEXT NOT NULL,
    company_code            TEXT NOT NULL,
    discount_amount         BIGINT,
    balance                 BIGINT,
    discount_code           TEXT,
    due_date                TEXT NOT NULL,
    minimum_payment_amount  BIGINT NOT NULL,
    maximum_payment_amount  BIGINT,
    installment_free_months TEXT,
    created_at              BIGINT NOT NULL
);
CREATE INDEX bp_promotions_merchant ON bp_promotions (merchant_id, mode);
