//! The shared handles every request and background task reaches: the database, the clock, settings,
//! metrics and identity. This module sits low in the import graph: it depends on storage, the clock,
//! identity and the HTTP plumbing, never on an API area. Plumbing and background tasks take the narrow
//! handle they need through axum's `FromRef` instead of the whole state.

use std::sync::Arc;

use axum::extract::FromRef;
use tokio::sync::Notify;

use crate::cache::ConfigCache;
use crate::clock::Clock;
use crate::config::SeedConfig;
use crate::faults::FaultRules;
use crate::identity::tls::Authority;
use crate::journal::Journal;
use crate::store::Db;
use crate::web::metrics::Metrics;
use crate::web::operator::OperatorAccess;

/// Settings the handlers read.
pub struct Settings {
    pub public_url: String,
    pub operator: OperatorAccess,
    /// `iss` of Toss login access tokens.
    pub jwt_issuer: String,
}

/// Everything a handler can reach. Cheap to clone.
#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    pub clock: Clock,
    pub settings: Arc<Settings>,
    pub seed: Arc<SeedConfig>,
    pub metrics: Arc<Metrics>,
    pub openapi_json: OpenApiJson,
    pub authority: Arc<Authority>,
    /// Wakes this process's webhook delivery worker (`outbox::wake`).
    pub outbox_wake: OutboxWake,
    /// Credentials, apps and keys that reads may answer from (`crate::cache`).
    pub cache: ConfigCache,
    /// This process's copy of the fault rules (`crate::faults`).
    pub faults: FaultRules,
    /// This process's request journal queue (`crate::journal`).
    pub journal: Journal,
}

/// Wakes this process's webhook delivery worker after a commit that recorded events, so the first attempt
/// starts right away (other processes pick them up on their next poll).
#[derive(Clone, Default)]
pub struct OutboxWake(Arc<Notify>);

impl OutboxWake {
    pub fn wake(&self) {
        self.0.notify_one();
    }

    /// Resolves at the next [`OutboxWake::wake`] (or at once if one is pending).
    pub async fn woken(&self) {
        self.0.notified().await;
    }
}

/// The OpenAPI document as served at `/openapi.json`, rendered once at start.
#[derive(Clone)]
pub struct OpenApiJson(pub Arc<str>);

impl FromRef<AppState> for OpenApiJson {
    fn from_ref(state: &AppState) -> OpenApiJson {
        state.openapi_json.clone()
    }
}

impl FromRef<AppState> for Db {
    fn from_ref(state: &AppState) -> Db {
        state.db.clone()
    }
}

impl FromRef<AppState> for Clock {
    fn from_ref(state: &AppState) -> Clock {
        state.clock.clone()
    }
}

impl FromRef<AppState> for Arc<Metrics> {
    fn from_ref(state: &AppState) -> Arc<Metrics> {
        state.metrics.clone()
    }
}

impl FromRef<AppState> for OperatorAccess {
    fn from_ref(state: &AppState) -> OperatorAccess {
        state.settings.operator.clone()
    }
}

impl FromRef<AppState> for OutboxWake {
    fn from_ref(state: &AppState) -> OutboxWake {
        state.outbox_wake.clone()
    }
}

impl FromRef<AppState> for Journal {
    fn from_ref(state: &AppState) -> Journal {
        state.journal.clone()
    }
}
