-- The configuration epoch (docs/benchmarks.md, "Caches"): a counter that every change to what tossd keeps
-- in memory bumps in the changing transaction (0012's triggers). Hot reads return it in the same statement
-- as their data, so a process knows, without another round trip, whether its cached credentials, apps and
-- keys were current when the data was read. Reset keeps the row, so the counter never goes back.
CREATE TABLE config_epoch (
    id    BIGINT PRIMARY KEY CHECK (id = 1),
    epoch BIGINT NOT NULL
);
INSERT INTO config_epoch (id, epoch) VALUES (1, 0);
