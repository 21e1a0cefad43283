//! What hot reads keep in memory between requests: merchants by secret key, partner apps by certificate
//! (or the default app) and the login JWT keys — rows that change only when an operator changes them.
//!
//! Every entry belongs to a *generation*: the configuration epoch (`config_epoch`, bumped by triggers in
//! every transaction that changes those tables, in any process) at which it was read. A read that uses an
//! entry also reads the epoch in the same statement as its data (`store::Snapshot`); if the two differ, the
//! entry may be stale, so the read drops the generation and checks again against the database. Entries are
//! therefore never served for data newer than themselves, on one process or many, with no extra round
//! trip in the common case. Only positive answers are kept: an unknown key always goes to the database
//! (and a flood of made-up keys cannot grow the cache). Writes never use these entries.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use crate::domain::merchant::Mode;
use crate::store::apps::PartnerApp;
use crate::store::merchants::Merchant;

/// More entries than any real configuration has; beyond it a generation stops remembering.
const MAX_ENTRIES: usize = 10_000;

/// The entries of one configuration epoch.
#[derive(Default)]
struct Generation {
    epoch: i64,
    /// By the SHA-256 of the secret key (`secrets::hash`).
    merchants: HashMap<String, (Merchant, Mode)>,
    /// By certificate fingerprint; `None` is the default app.
    apps: HashMap<Option<String>, PartnerApp>,
    /// The stored login JWT private key (PEM), once one exists.
    jwt_private_key: Option<String>,
}

/// A value served from the cache and the epoch it belongs to.
#[derive(Debug, Clone)]
pub struct Cached<T> {
    pub value: T,
    pub epoch: i64,
}

/// The process's cache. Cheap to clone.
#[derive(Clone, Default)]
pub struct ConfigCache(Arc<RwLock<Generation>>);

impl ConfigCache {
    pub fn merchant(&self, key_hash: &str) -> Option<Cached<(Merchant, Mode)>> {
        self.read(|g| g.merchants.get(key_hash).cloned())
    }

    pub fn remember_merchant(&self, epoch: i64, key_hash: &str, merchant: &Merchant, mode: Mode) {
        self.write(epoch, |g| {
            if g.merchants.len() < MAX_ENTRIES {
                g.merchants
                    .insert(key_hash.to_owned(), (merchant.clone(), mode));
            }
        });
    }

    /// The app of a client certificate's fingerprint, or (`None`) the default app.
    pub fn app(&self, fingerprint: Option<&str>) -> Option<Cached<PartnerApp>> {
        self.read(|g| g.apps.get(&fingerprint.map(str::to_owned)).cloned())
    }

    pub fn remember_app(&self, epoch: i64, fingerprint: Option<&str>, app: &PartnerApp) {
        self.write(epoch, |g| {
            if g.apps.len() < MAX_ENTRIES {
                g.apps.insert(fingerprint.map(str::to_owned), app.clone());
            }
        });
    }

    pub fn jwt_private_key(&self) -> Option<Cached<String>> {
        self.read(|g| g.jwt_private_key.clone())
    }

    pub fn remember_jwt_private_key(&self, epoch: i64, pem: &str) {
        self.write(epoch, |g| g.jwt_private_key = Some(pem.to_owned()));
    }

    /// A read saw `epoch`: entries of an older generation are dropped.
    pub fn observe(&self, epoch: i64) {
        self.write(epoch, |_| {});
    }

    fn read<T>(&self, get: impl FnOnce(&Generation) -> Option<T>) -> Option<Cached<T>> {
        // A poisoned lock only means a panic elsewhere while holding it; the cache is then bypassed.
        let generation = self.0.read().ok()?;
        get(&generation).map(|value| Cached {
            value,
            epoch: generation.epoch,
        })
    }

    /// Applies `change` to the generation of `epoch`, starting that generation if it is newer than the
    /// current one; an older epoch's answer is not kept.
    fn write(&self, epoch: i64, change: impl FnOnce(&mut Generation)) {
        let Ok(mut generation) = self.0.write() else {
            return;
        };
        if epoch > generation.epoch {
            *generation = Generation {
                epoch,
                ..Generation::default()
            };
        }
        if epoch == generation.epoch {
            change(&mut generation);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn merchant(id: i64) -> Merchant {
        Merchant {
            id,
            mid: format!("m{id}"),
            name: "상점".into(),
        }
    }

    #[test]
    fn entries_live_in_their_epoch_only() {
        let cache = ConfigCache::default();
        cache.remember_merchant(3, "h", &merchant(1), Mode::Test);
        let hit = cache.merchant("h").unwrap();
        assert_eq!((hit.epoch, hit.value.0.id), (3, 1));
        // An older read's answer is not kept over the newer generation.
        cache.remember_merchant(2, "old", &merchant(2), Mode::Test);
        assert!(cache.merchant("old").is_none());
        // A newer epoch drops everything read before it.
        cache.observe(4);
        assert!(cache.merchant("h").is_none());
        cache.remember_merchant(4, "h", &merchant(5), Mode::Live);
        let hit = cache.merchant("h").unwrap();
        assert_eq!((hit.epoch, hit.value.0.id, hit.value.1), (4, 5, Mode::Live));
    }

    #[test]
    fn the_default_app_and_certificate_apps_are_apart() {
        let cache = ConfigCache::default();
        let app = |id: &str| PartnerApp {
            app_id: id.into(),
            name: id.into(),
            client_id: id.into(),
            pii_key: String::new(),
            aad: String::new(),
            plaintext_pii: false,
            rate_limit_per_minute: 10,
        };
        cache.remember_app(1, None, &app("default"));
        cache.remember_app(1, Some("fp"), &app("other"));
        assert_eq!(cache.app(None).unwrap().value.app_id, "default");
        assert_eq!(cache.app(Some("fp")).unwrap().value.app_id, "other");
        assert!(cache.app(Some("unknown")).is_none());
    }
}
