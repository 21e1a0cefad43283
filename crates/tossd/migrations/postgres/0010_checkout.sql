-- BrandPay checkout (REFERENCE.md §2.9, §5.2.4): a method can be told by the simulator to decline its
-- next approvals with a decline-capable code; `decline_remaining` counts them down with a conditional
-- update, so concurrent approvals consume each decline exactly once.
ALTER TABLE bp_methods ADD COLUMN decline_code TEXT;
ALTER TABLE bp_methods ADD COLUMN decline_remaining BIGINT NOT NULL DEFAULT 0;
