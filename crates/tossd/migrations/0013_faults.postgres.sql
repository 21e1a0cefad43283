-- Fault rules (docs/faults.md): what the partner API and webhook deliveries should get wrong, shared by
-- every process on the database. `spec` is the rule as the simulator accepted it (JSON); `remaining` counts
-- down the firings a count-limited rule has left (NULL: no limit), `fired` counts the ones that happened.
CREATE TABLE fault_rules (
    id         AUTO_ID,
    spec       TEXT NOT NULL,
    remaining  BIGINT,
    fired      BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL
);
-- Bumped by every statement that inserts or deletes rules (not by firings), so processes reload their
-- rules only when the set changed. Reset keeps the row; its TRUNCATE bumps it.
CREATE TABLE fault_generation (
    id         BIGINT PRIMARY KEY CHECK (id = 1),
    generation BIGINT NOT NULL
);
INSERT INTO fault_generation (id, generation) VALUES (1, 0);
CREATE FUNCTION bump_fault_generation() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE fault_generation SET generation = generation + 1 WHERE id = 1;
    RETURN NULL;
END;
$$;
CREATE TRIGGER fault_rules_generation AFTER INSERT OR DELETE OR TRUNCATE ON fault_rules
    FOR EACH STATEMENT EXECUTE FUNCTION bump_fault_generation();
