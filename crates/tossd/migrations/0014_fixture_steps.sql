-- Fixture files (docs/fixtures.md): the result of each named step a fixture file loaded, so loading the
-- same file again returns the same objects instead of making new ones. `digest` is the SHA-256 of the step's
-- kind and resolved content: the same name with other content is refused rather than silently reused.
-- A row without `result` is a step being loaded: the loader that inserted it holds it until
-- `claimed_until` (wall-clock microseconds), so concurrent loads of one file make each object once.
CREATE TABLE fixture_steps (
    name          TEXT PRIMARY KEY,
    kind          TEXT NOT NULL,
    digest        TEXT NOT NULL,
    result        TEXT,
    claimed_until BIGINT NOT NULL,
    created_at    BIGINT NOT NULL
);
