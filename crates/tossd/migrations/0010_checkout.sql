-- BrandPay checkout (REFERENCE.md §2.9, §5.2.4): a method can be told by the simulator to decline its
-- next approvals with a decline-capable code; `decline_remaining` counts them down with a conditional
-- update, so concurrent approvals consume each decline exactly once.
ALTER TABLE bp_methods ADD COLUMN decline_code TEXT;
ALTER TABLE bp_methods ADD COLUMN decline_remaining BIGINT NOT NULL DEFAULT 0;

-- Per-merchant BrandPay payment settings (REFERENCE.md §6.7): auto-pay allowed (on), new accounts
-- restricted for 12 hours (off), and the tax type (`MIXED` applies request taxFreeAmount values,
-- `GENERAL` makes them 0).
ALTER TABLE merchants ADD COLUMN auto_pay_enabled BIGINT NOT NULL DEFAULT 1;
ALTER TABLE merchants ADD COLUMN restrict_new_accounts BIGINT NOT NULL DEFAULT 0;
ALTER TABLE merchants ADD COLUMN tax_type TEXT NOT NULL DEFAULT 'MIXED';
