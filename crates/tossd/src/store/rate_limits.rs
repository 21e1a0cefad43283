//! Owner of `rate_limit_buckets`: the per-user request windows of promotion and messenger calls.
