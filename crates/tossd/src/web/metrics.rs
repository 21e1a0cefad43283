//! Prometheus metrics: requests by route, method and status, a latency histogram, webhook delivery
//! attempts by destination and result, and the size of each claim of due webhook events.

use std::sync::Arc;
use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::middleware::Next;
use axum::response::Response;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::registry::Registry;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    method: String,
    route: String,
    status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RouteLabels {
    method: String,
    route: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct DeliveryLabels {
    destination: &'static str,
    result: &'static str,
}

fn latency_histogram() -> Histogram {
    // 50 µs … ~0.8 s: tossd answers most calls in well under a millisecond.
    Histogram::new(exponential_buckets(0.000_05, 2.0, 15))
}

pub struct Metrics {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    latency: Family<RouteLabels, Histogram, fn() -> Histogram>,
    webhook_deliveries: Family<DeliveryLabels, Counter>,
    webhook_claims: Histogram,
}

impl Default for Metrics {
    fn default() -> Self {
        let mut registry = Registry::with_prefix("tossd");
        let requests = Family::<RequestLabels, Counter>::default();
        let latency = Family::<RouteLabels, Histogram, fn() -> Histogram>::new_with_constructor(
            latency_histogram as fn() -> Histogram,
        );
        registry.register(
            "http_requests",
            "HTTP requests by route, method and status",
            requests.clone(),
        );
        registry.register(
            "http_request_duration_seconds",
            "HTTP request latency",
            latency.clone(),
        );
        let webhook_deliveries = Family::<DeliveryLabels, Counter>::default();
        registry.register(
            "webhook_deliveries",
            "Webhook and callback delivery attempts by destination and result (success or failure)",
            webhook_deliveries.clone(),
        );
        // 1 … 128 events: a claim takes at most 64 (outbox::worker).
        let webhook_claims = Histogram::new(exponential_buckets(1.0, 2.0, 8));
        registry.register(
            "webhook_claimed_events",
            "Due webhook and callback events taken by each claim that took any",
            webhook_claims.clone(),
        );
        Metrics {
            registry,
            requests,
            latency,
            webhook_deliveries,
            webhook_claims,
        }
    }
}

impl Metrics {
    /// The Prometheus text exposition.
    pub fn render(&self) -> String {
        let mut out = String::new();
        if let Err(e) = prometheus_client::encoding::text::encode(&mut out, &self.registry) {
            tracing::error!(error = %e, "metrics encoding failed");
        }
        out
    }

    /// Counts one delivery attempt to a `MERCHANT_WEBHOOK` or `UNLINK_CALLBACK` destination.
    pub fn webhook_delivery(&self, destination: &'static str, success: bool) {
        let result = if success { "success" } else { "failure" };
        self.webhook_deliveries
            .get_or_create(&DeliveryLabels {
                destination,
                result,
            })
            .inc();
    }

    /// Records the size of one claim of due events.
    pub fn webhook_claim(&self, events: usize) {
        self.webhook_claims.observe(events as f64);
    }

    pub fn registry_mut(&mut self) -> &mut Registry {
        &mut self.registry
    }
}

/// Middleware recording every request.
pub async fn record(State(metrics): State<Arc<Metrics>>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = request.method().as_str().to_owned();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_else(|| "unmatched".to_owned());
    let response = next.run(request).await;
    metrics
        .requests
        .get_or_create(&RequestLabels {
            method: method.clone(),
            route: route.clone(),
            status: response.status().as_u16(),
        })
        .inc();
    metrics
        .latency
        .get_or_create(&RouteLabels { method, route })
        .observe(started.elapsed().as_secs_f64());
    response
}
