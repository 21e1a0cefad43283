//! Each process's copy of the fault rules. Requests read it from memory only; it follows the database by
//! the rules' generation (`fault_generation`, bumped in the transaction of every insert or delete of a
//! rule, by any process, and by reset): a background check every [`POLL_EVERY`] reloads the rules when the
//! generation moved, so another process's change is seen within that bound; the process that changes
//! the rules reloads at once. Firing counts are not part of the copy: a count-limited rule is counted
//! down in the database when it fires (`store::faults::fire`).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, RwLock};
use std::time::Duration;

use tokio::task::JoinHandle;

use super::{Rule, RuleSpec, Target};
use crate::store::{self, Db};

/// How often each process checks whether the rules changed: the staleness bound of docs/faults.md.
pub const POLL_EVERY: Duration = Duration::from_millis(500);

/// A rule in the copy, with what this process learned about its count.
#[derive(Debug)]
pub struct Loaded {
    pub rule: Rule,
    /// Set once the database said the rule's count is used up (counts only go down).
    exhausted: AtomicBool,
}

impl Loaded {
    pub fn live(&self) -> bool {
        !self.exhausted.load(Ordering::Relaxed)
    }

    pub fn mark_exhausted(&self) {
        if self.rule.limited {
            self.exhausted.store(true, Ordering::Relaxed);
        }
    }
}

/// The rules of one generation, by target.
#[derive(Debug, Default)]
pub struct RuleSet {
    generation: i64,
    pub api: Vec<Arc<Loaded>>,
    pub webhook: Vec<Arc<Loaded>>,
}

#[derive(Default)]
struct Inner {
    current: RwLock<Arc<RuleSet>>,
    /// Whether any partner API rule exists: the one load a request without rules pays.
    any_api: AtomicBool,
}

/// The process's rules. Cheap to clone.
#[derive(Clone, Default)]
pub struct FaultRules(Arc<Inner>);

impl FaultRules {
    /// The partner API rules, or `None` (the common case) when there are none.
    pub fn api(&self) -> Option<Arc<RuleSet>> {
        if !self.0.any_api.load(Ordering::Acquire) {
            return None;
        }
        self.current()
    }

    /// The current rules.
    pub fn current(&self) -> Option<Arc<RuleSet>> {
        // A poisoned lock only means a panic elsewhere while holding it; no rule applies then.
        self.0.current.read().ok().map(|set| set.clone())
    }

    /// Reloads the rules if their generation moved since the copy was made.
    pub async fn refresh(&self, db: &Db) -> Result<(), sqlx::Error> {
        let generation = store::faults::generation(db).await?;
        if self
            .current()
            .is_some_and(|set| set.generation == generation)
        {
            return Ok(());
        }
        self.reload(db).await
    }

    /// Reloads the rules from the database.
    pub async fn reload(&self, db: &Db) -> Result<(), sqlx::Error> {
        let (generation, stored) = store::faults::snapshot(db).await?;
        let mut set = RuleSet {
            generation,
            ..RuleSet::default()
        };
        for row in stored {
            let checked = serde_json::from_str::<RuleSpec>(&row.spec)
                .map_err(|e| e.to_string())
                .and_then(|spec| spec.check(row.id));
            let rule = match checked {
                Ok(rule) => rule,
                Err(e) => {
                    // Only rules the simulator accepted are stored; one this build cannot read is skipped.
                    tracing::warn!(id = row.id, error = %e, "skipping a stored fault rule");
                    continue;
                }
            };
            let loaded = Arc::new(Loaded {
                exhausted: AtomicBool::new(row.remaining.is_some_and(|r| r <= 0)),
                rule,
            });
            match loaded.rule.target {
                Target::Api => set.api.push(loaded),
                Target::Webhook => set.webhook.push(loaded),
            }
        }
        let any_api = !set.api.is_empty();
        if let Ok(mut current) = self.0.current.write() {
            // An older read finishing late must not replace a newer one.
            if generation >= current.generation {
                *current = Arc::new(set);
                self.0.any_api.store(any_api, Ordering::Release);
            }
        }
        Ok(())
    }

    /// Loads the rules now and then keeps them current every [`POLL_EVERY`], until aborted.
    pub fn spawn_poller(&self, db: Db) -> JoinHandle<()> {
        let rules = self.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(POLL_EVERY);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tick.tick().await;
                if let Err(e) = rules.refresh(&db).await {
                    tracing::warn!(error = %e, "checking the fault rules' generation failed");
                }
            }
        })
    }
}
