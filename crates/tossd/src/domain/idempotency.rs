//! What an `Idempotency-Key` record means for a new request with the same key (docs/reference.md §1.7.1,
//! §3.7). Pure: the caller passes the record and both clocks.

use crate::domain::time::Instant;
use crate::domain::wire::wire_enum;

/// Business-time retention of a completed record.
pub const RETENTION_SECONDS: i64 = 15 * 24 * 3600;
/// Real time after which an unfinished record counts as abandoned (its process died).
pub const ABANDONED_AFTER_MICROS: i64 = 60 * 1_000_000;

wire_enum! {
    /// The state of a record.
    pub enum RecordState {
        /// The first request is running, owned by one process.
        InProgress = "IN_PROGRESS",
        /// The first request finished; its status and body are kept.
        Completed = "COMPLETED",
    }
}

/// What a duplicate request does with an existing record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Answer with the stored status and body.
    Replay,
    /// The record outlived its retention: the key is new again.
    Expired,
    /// The first request is still running: `409 IDEMPOTENT_REQUEST_PROCESSING`.
    Running,
    /// The first request's process died: take the record over and run.
    Abandoned,
}

/// Judges a record created at business time `created_at` and started at real time `started_real`
/// (microseconds), at `now` and `real_now`.
pub fn judge(
    state: RecordState,
    created_at: Instant,
    started_real: i64,
    now: Instant,
    real_now: i64,
) -> Verdict {
    match state {
        RecordState::Completed if Instant::is_expired(created_at, RETENTION_SECONDS, now) => {
            Verdict::Expired
        }
        RecordState::Completed => Verdict::Replay,
        RecordState::InProgress
            if real_now.saturating_sub(started_real) >= ABANDONED_AFTER_MICROS =>
        {
            Verdict::Abandoned
        }
        RecordState::InProgress => Verdict::Running,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const DAY: i64 = 24 * 3600;

    #[test]
    fn completed_records_replay_for_15_days() {
        let created = Instant(0);
        let judge_at = |days: i64, extra_micros: i64| {
            judge(
                RecordState::Completed,
                created,
                0,
                Instant(created.plus_seconds(days * DAY).micros() + extra_micros),
                i64::MAX,
            )
        };
        assert_eq!(judge_at(0, 0), Verdict::Replay);
        assert_eq!(judge_at(15, -1), Verdict::Replay);
        assert_eq!(judge_at(15, 0), Verdict::Expired);
    }

    #[test]
    fn running_records_are_abandoned_after_60_real_seconds() {
        let at = |real_now| {
            judge(
                RecordState::InProgress,
                Instant(0),
                1_000,
                Instant(0),
                real_now,
            )
        };
        assert_eq!(at(1_000), Verdict::Running);
        assert_eq!(at(1_000 + ABANDONED_AFTER_MICROS - 1), Verdict::Running);
        assert_eq!(at(1_000 + ABANDONED_AFTER_MICROS), Verdict::Abandoned);
    }

    proptest! {
        #[test]
        fn business_time_never_abandons_and_real_time_never_expires(
            created in 0i64..1_000_000_000_000,
            started in 0i64..1_000_000_000_000,
            business_later in 0i64..10_000_000_000_000,
            real_later in 0i64..10_000_000_000_000,
        ) {
            let now = Instant(created + business_later);
            let completed = judge(RecordState::Completed, Instant(created), started, now, started + real_later);
            prop_assert!(matches!(completed, Verdict::Replay | Verdict::Expired));
            prop_assert_eq!(
                completed == Verdict::Expired,
                business_later >= RETENTION_SECONDS * 1_000_000
            );
            let running = judge(RecordState::InProgress, Instant(created), started, now, started + real_later);
            prop_assert!(matches!(running, Verdict::Running | Verdict::Abandoned));
            prop_assert_eq!(running == Verdict::Abandoned, real_later >= ABANDONED_AFTER_MICROS);
        }
    }
}
