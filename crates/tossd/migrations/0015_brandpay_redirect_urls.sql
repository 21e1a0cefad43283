-- BrandPay SDK redirect URLs (docs/front-end.md): the URLs a merchant registered for the BrandPay SDK's
-- `redirectUrl`, which receives the terms-agreement `code`. The SDK refuses any other URL.
CREATE TABLE bp_redirect_urls (
    merchant_id BIGINT NOT NULL,
    url         TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    PRIMARY KEY (merchant_id, url)
);
