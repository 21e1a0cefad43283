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
-- Bumped by every insert or delete of a rule (not by firings), so processes reload their rules only
-- when the set changed. Reset keeps the row; its deletes bump it.
CREATE TABLE fault_generation (
    id         BIGINT PRIMARY KEY CHECK (id = 1),
    generation BIGINT NOT NULL
);
INSERT INTO fault_generation (id, generation) VALUES (1, 0);
CREATE TRIGGER fault_rules_generation_insert AFTER INSERT ON fault_rules BEGIN UPDATE fault_generation SET generation = generation + 1 WHERE id = 1; END;
CREATE TRIGGER fault_rules_generation_delete AFTER DELETE ON fault_rules BEGIN UPDATE fault_generation SET generation = generation + 1 WHERE id = 1; END;
