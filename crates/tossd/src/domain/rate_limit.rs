//! The per-user sliding window of docs/reference.md §1.8: a request at `t` is refused when the bucket already
//! holds `limit` counted requests in the half-open window `(t − 60 s, t]`.

use crate::domain::time::Instant;

/// Length of the window.
pub const WINDOW_SECONDS: i64 = 60;

/// What the window decides for one request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// The request counts; these are the bucket's hits to store (oldest first, the request's own last).
    Allowed(Vec<i64>),
    /// Over the limit; the caller may retry after this many whole seconds (at least 1).
    Refused { retry_after_seconds: i64 },
}

/// Decides a request at `now` against the stored `hits` (microsecond times, oldest first).
/// `limit` 0 switches the limit off; hits outside the window are dropped from what is stored.
pub fn decide(hits: &[i64], now: Instant, limit: i64) -> Decision {
    let window_start = now.plus_seconds(-WINDOW_SECONDS).micros();
    let mut live: Vec<i64> = hits
        .iter()
        .copied()
        .filter(|t| *t > window_start && *t <= now.micros())
        .collect();
    // Several processes may record slightly out of order under the system clock.
    live.sort_unstable();
    let limit = usize::try_from(limit).unwrap_or(0);
    if limit == 0 {
        return Decision::Allowed(Vec::new());
    }
    if live.len() >= limit {
        // The request passes once enough of the counted ones leave the window; with exactly `limit`
        // hits that is the oldest one's 60 s later (the rule's wording).
        let freeing = live[live.len() - limit];
        let wait_micros = freeing + WINDOW_SECONDS * 1_000_000 - now.micros();
        let retry_after_seconds = ((wait_micros + 999_999) / 1_000_000).max(1);
        return Decision::Refused {
            retry_after_seconds,
        };
    }
    live.push(now.micros());
    Decision::Allowed(live)
}

/// The stored form of a bucket's hits: comma-separated microsecond times.
pub fn encode(hits: &[i64]) -> String {
    hits.iter()
        .map(i64::to_string)
        .collect::<Vec<_>>()
        .join(",")
}

/// Reads [`encode`]'s text; anything unreadable is dropped.
pub fn decode(text: &str) -> Vec<i64> {
    text.split(',').filter_map(|t| t.parse().ok()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const S: i64 = 1_000_000;

    fn run(limit: i64, times: &[i64]) -> (Vec<i64>, Vec<Decision>) {
        let mut hits = Vec::new();
        let mut decisions = Vec::new();
        for t in times {
            let d = decide(&hits, Instant(*t), limit);
            if let Decision::Allowed(next) = &d {
                hits = next.clone();
            }
            decisions.push(d);
        }
        (hits, decisions)
    }

    #[test]
    fn eleventh_call_in_a_minute_is_refused() {
        let (_, decisions) = run(10, &[100 * S; 11]);
        assert!(decisions[..10]
            .iter()
            .all(|d| matches!(d, Decision::Allowed(_))));
        assert_eq!(
            decisions[10],
            Decision::Refused {
                retry_after_seconds: 60
            }
        );
    }

    #[test]
    fn window_is_half_open_and_retry_rounds_up() {
        let mut times = vec![0; 10];
        times.push(59 * S + 1);
        times.push(60 * S - 1);
        times.push(60 * S);
        let (hits, d) = run(10, &times);
        assert_eq!(
            d[10],
            Decision::Refused {
                retry_after_seconds: 1
            }
        );
        assert_eq!(
            d[11],
            Decision::Refused {
                retry_after_seconds: 1
            }
        );
        // At exactly t0 + 60 s the first ten are outside (t − 60 s, t].
        assert_eq!(hits, vec![60 * S]);
    }

    #[test]
    fn retry_after_counts_from_the_oldest_counted_request() {
        let times: Vec<i64> = (0..11).map(|i| i * 5 * S + S / 2).collect();
        let (_, d) = run(10, &times);
        // Oldest at 0.5 s, refused at 50.5 s: 10 s to wait.
        assert_eq!(
            d[10],
            Decision::Refused {
                retry_after_seconds: 10
            }
        );
    }

    #[test]
    fn limit_zero_is_off() {
        let (hits, d) = run(0, &[S; 50]);
        assert!(d.iter().all(|d| matches!(d, Decision::Allowed(_))));
        assert!(hits.is_empty());
    }

    #[test]
    fn stored_hits_round_trip() {
        assert_eq!(decode(&encode(&[1, 2, 3])), vec![1, 2, 3]);
        assert_eq!(decode(""), Vec::<i64>::new());
    }

    proptest! {
        #[test]
        fn a_window_never_counts_more_than_the_limit(
            limit in 1i64..=20,
            gaps in proptest::collection::vec(0i64..=20 * S, 1..80),
        ) {
            let mut hits = Vec::new();
            let mut now = 0;
            for gap in gaps {
                now += gap;
                match decide(&hits, Instant(now), limit) {
                    Decision::Allowed(next) => {
                        prop_assert!(next.len() as i64 <= limit);
                        prop_assert!(next.iter().all(|t| *t > now - WINDOW_SECONDS * S && *t <= now));
                        hits = next;
                    }
                    Decision::Refused { retry_after_seconds } => {
                        prop_assert!((1..=WINDOW_SECONDS).contains(&retry_after_seconds));
                        prop_assert_eq!(hits.len() as i64, limit);
                    }
                }
            }
        }
    }
}
