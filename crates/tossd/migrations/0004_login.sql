-- Toss login (REFERENCE.md §2.1, §3.4): authorization codes, grants (one per generate-token, holding the
-- refresh token) and access tokens. Secrets are stored as SHA-256 hashes; access tokens are JWTs, so only
-- their `jti` is kept, for revocation.

-- The JWT signing key (PKCS#8 DER, base64), made on first use and kept by reset so cached JWKS stay valid.
ALTER TABLE instance ADD COLUMN jwt_private_key TEXT;

-- What an app may ask at login: space-separated scopes (without user_key, always granted) and term tags.
ALTER TABLE apps ADD COLUMN login_scopes TEXT NOT NULL
    DEFAULT 'user_name user_phone user_birthday user_gender user_nationality user_ci user_email';
ALTER TABLE apps ADD COLUMN login_terms TEXT NOT NULL DEFAULT 'tos_terms_1 privacy_policy';

-- The JWT `sub` of the (app, user) pair: opaque and stable.
ALTER TABLE app_users ADD COLUMN sub TEXT;

CREATE TABLE login_codes (
    code_hash    TEXT PRIMARY KEY,
    app_id       TEXT NOT NULL,
    user_key     BIGINT NOT NULL,
    scopes       TEXT NOT NULL,
    agreed_terms TEXT NOT NULL,
    referrer     TEXT NOT NULL,
    issued_at    BIGINT NOT NULL,
    used_at      BIGINT,
    revoked_at   BIGINT
);
CREATE INDEX login_codes_pair ON login_codes (app_id, user_key);

CREATE TABLE login_grants (
    id           AUTO_ID,
    refresh_hash TEXT NOT NULL UNIQUE,
    app_id       TEXT NOT NULL,
    user_key     BIGINT NOT NULL,
    scopes       TEXT NOT NULL,
    agreed_terms TEXT NOT NULL,
    issued_at    BIGINT NOT NULL,
    revoked_at   BIGINT
);
CREATE INDEX login_grants_pair ON login_grants (app_id, user_key);

CREATE TABLE login_access_tokens (
    jti        TEXT PRIMARY KEY,
    grant_id   BIGINT NOT NULL,
    app_id     TEXT NOT NULL,
    user_key   BIGINT NOT NULL,
    issued_at  BIGINT NOT NULL,
    revoked_at BIGINT
);
CREATE INDEX login_access_tokens_pair ON login_access_tokens (app_id, user_key);
