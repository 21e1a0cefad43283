-- The local CA (kept across resets) and the client certificates that identify partner apps.

CREATE TABLE tls_authority (
    id              BIGINT PRIMARY KEY CHECK (id = 1),
    certificate_pem TEXT NOT NULL,
    key_sealed      TEXT NOT NULL
);

CREATE TABLE app_certificates (
    fingerprint TEXT PRIMARY KEY,
    app_id      TEXT NOT NULL,
    created_at  BIGINT NOT NULL
);
CREATE INDEX app_certificates_app ON app_certificates (app_id);
