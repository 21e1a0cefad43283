//! Assembling the application: the router of every family with its middleware, and the listening server.

use std::any::Any;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::Request;
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::Router;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::trace::TraceLayer;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;

use crate::apps_in_toss::{self, AitError};
use crate::cache::ConfigCache;
use crate::clock::Clock;
use crate::config::SeedConfig;
use crate::config::{JournalMode, ServeArgs};
use crate::domain::secrets::SeedDeriver;
use crate::domain::time::Instant;
use crate::identity::tls::{self, Authority, PeerCertificate};
use crate::outbox::worker::{Worker, WorkerConfig};
use crate::seed;
use crate::state::{AppState, OpenApiJson, OutboxWake, Settings};
use crate::store::{Db, PoolSettings};
use crate::tosspayments::error::prefers_english;
use crate::tosspayments::{self, codes, TpError};
use crate::web::connections::{self, BodyArrival, Handshake, Limits};
use crate::web::json_response;
use crate::web::metrics::{self, Metrics};
use crate::web::operator::{self, OperatorAccess, OperatorConfig};
use crate::{faults, journal, ops, sim};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "tossd",
        description = "The Apps-in-Toss partner API and the Toss Payments BrandPay API as tossd serves them, \
                       plus tossd's simulator API (/sim/v1)."
    ),
    modifiers(&SecuritySchemes)
)]
struct ApiDoc;

struct SecuritySchemes;

impl utoipa::Modify for SecuritySchemes {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "basic",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Basic).build()),
        );
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some("An Apps-in-Toss login access token"))
                    .build(),
            ),
        );
        components.add_security_scheme(
            "customerToken",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some("A BrandPay customer access token"))
                    .build(),
            ),
        );
    }
}

/// The API routers (Apps-in-Toss, Toss Payments, simulator), with their OpenAPI description.
fn api_routers() -> (
    Router<AppState>,
    Router<AppState>,
    Router<AppState>,
    utoipa::openapi::OpenApi,
) {
    let (apps_in_toss, mut doc) = OpenApiRouter::with_openapi(ApiDoc::openapi())
        .merge(apps_in_toss::router())
        .split_for_parts();
    let (toss_payments, tp_doc) = tosspayments::router().split_for_parts();
    doc.merge(tp_doc);
    let (simulator, sim_doc) = sim::router().split_for_parts();
    doc.merge(sim_doc);
    (apps_in_toss, toss_payments, simulator, doc)
}

/// The whole application.
pub fn router(state: AppState) -> Router {
    router_with(state, Router::new())
}

/// The whole application plus `extra` routes (an embedder's own, e.g. a test's), which get the same
/// middleware: metrics, tracing and the family's 500 answer to a panic.
pub fn router_with(state: AppState, extra: Router<AppState>) -> Router {
    let (apps_in_toss, toss_payments, simulator, _) = api_routers();
    let injector = faults::middleware::Injector {
        rules: state.faults.clone(),
        db: state.db.clone(),
        clock: state.clock.clone(),
    };
    let api = apps_in_toss
        .route_layer(middleware::from_fn(apps_in_toss::test_code::middleware))
        .merge(apps_in_toss::plain_router())
        .merge(tosspayments::layered(toss_payments, &state))
        .layer(middleware::from_fn_with_state(
            injector,
            faults::middleware::inject,
        ));
    let operator_only = Router::new()
        .merge(simulator)
        .merge(crate::dashboard::router())
        .merge(sim::pages::router())
        .merge(ops::metrics_router())
        .layer(middleware::from_fn_with_state(
            state.settings.operator.clone(),
            operator::guard,
        ));
    Router::new()
        .merge(api)
        .merge(operator_only)
        .merge(ops::router())
        .merge(sim::pages::ait_sdk::module_router())
        .merge(sim::brandpay_sdk::scripts_router())
        .merge(extra)
        .fallback(unknown_route)
        .method_not_allowed_fallback(wrong_method)
        .layer(CatchPanicLayer::custom(panic_response))
        .layer(middleware::from_fn(family_500_on_panic))
        .layer(middleware::from_fn(family_408_on_late_body))
        .layer(middleware::from_fn_with_state(
            state.journal.clone(),
            journal::record,
        ))
        .layer(middleware::from_fn_with_state(state.metrics.clone(), metrics::record))
        .layer(TraceLayer::new_for_http().make_span_with(|request: &Request| {
            // Only the method and path: headers carry secrets and queries may too.
            tracing::info_span!("request", method = %request.method(), path = %request.uri().path())
        }))
        .with_state(state)
}

/// The OpenAPI document, as served at `/openapi.json`: the handlers' annotations, with each family's
/// envelopes and error bodies filled in.
pub fn openapi_document() -> String {
    let mut doc = serde_json::to_value(api_routers().3).unwrap_or_default();
    apps_in_toss::error::document_envelopes(&mut doc);
    tosspayments::error::document_errors(&mut doc);
    sim::document_errors(&mut doc);
    serde_json::to_string_pretty(&doc).unwrap_or_else(|_| "{}".to_owned())
}

/// Marks the response [`panic_response`] made, so [`family_500_on_panic`] renders the family's 500.
#[derive(Clone, Copy)]
struct Panicked;

/// A handler panicked: log it and answer 500 (rendered in the family's envelope one layer out).
fn panic_response(payload: Box<dyn Any + Send + 'static>) -> Response {
    let message = payload
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "(no message)".to_owned());
    tracing::error!(panic = %message, "a request handler panicked; answered 500");
    let mut response = StatusCode::INTERNAL_SERVER_ERROR.into_response();
    response.extensions_mut().insert(Panicked);
    response
}

/// The API family a path belongs to, by its prefix (docs/reference.md §1.4, §1.5).
#[derive(Clone, Copy)]
enum Family {
    AppsInToss,
    TossPayments,
    Operator,
}

impl Family {
    fn of(path: &str) -> Family {
        if path.starts_with("/api-partner/") {
            Family::AppsInToss
        } else if path.starts_with("/v1/") {
            Family::TossPayments
        } else {
            Family::Operator
        }
    }

    fn internal_error(self) -> Response {
        match self {
            Family::AppsInToss => AitError::internal().into_response(),
            Family::TossPayments => TpError(&codes::COMMON_ERROR).into_response(),
            Family::Operator => json_response(
                StatusCode::INTERNAL_SERVER_ERROR,
                &serde_json::json!({"error": {"code": "INTERNAL", "message": "internal error"}}),
            ),
        }
    }

    /// The answer to a request body that came too slowly (docs/reference.md §1.3).
    fn request_timeout(self, english: bool) -> Response {
        match self {
            Family::AppsInToss => AitError::request_timeout().into_response(),
            Family::TossPayments => TpError(&codes::REQUEST_TIMEOUT).render(english),
            Family::Operator => json_response(
                StatusCode::REQUEST_TIMEOUT,
                &serde_json::json!({"error": {"code": "REQUEST_TIMEOUT",
                    "message": "the request body did not arrive in time"}}),
            ),
        }
    }
}

/// A request whose body did not arrive within `--body-timeout` gets the family's 408 (whatever the body
/// reader made of it) and its connection is closed: the rest of the body is never read.
async fn family_408_on_late_body(request: Request, next: Next) -> Response {
    let family = Family::of(request.uri().path());
    let english = prefers_english(request.headers());
    let arrival = request.extensions().get::<BodyArrival>().cloned();
    let response = next.run(request).await;
    if !arrival.is_some_and(|a| a.timed_out()) {
        return response;
    }
    let mut response = family.request_timeout(english);
    response
        .headers_mut()
        .insert(header::CONNECTION, HeaderValue::from_static("close"));
    response
}

/// Turns a caught panic into the 500 of the request's family, so no request path drops a connection.
async fn family_500_on_panic(request: Request, next: Next) -> Response {
    let family = Family::of(request.uri().path());
    let response = next.run(request).await;
    if response.extensions().get::<Panicked>().is_some() {
        family.internal_error()
    } else {
        response
    }
}

async fn unknown_route(request: Request) -> Response {
    family_not_found(request.uri().path(), false)
}

async fn wrong_method(request: Request) -> Response {
    family_not_found(request.uri().path(), true)
}

/// Unknown paths answer in the envelope of the family whose prefix they carry (docs/reference.md §1.4, §1.5).
fn family_not_found(path: &str, known_path: bool) -> Response {
    match Family::of(path) {
        Family::AppsInToss => AitError::unknown_api().into_response(),
        Family::TossPayments => {
            let code = if known_path {
                &codes::NOT_FOUND_HTTP_METHOD
            } else {
                &codes::NOT_FOUND
            };
            // Rendered here, outside the family's router, so the language middleware does not see it.
            TpError(code).into_response()
        }
        Family::Operator => {
            let status = if known_path {
                StatusCode::METHOD_NOT_ALLOWED
            } else {
                StatusCode::NOT_FOUND
            };
            json_response(
                status,
                &serde_json::json!({"error": {"code": "NOT_FOUND", "message": "no such route"}}),
            )
        }
    }
}

/// Plain HTTP: requests carry no client certificate (the default app's).
#[derive(Clone)]
struct PlainHttp;

impl Handshake for PlainHttp {
    type Io = TcpStream;
    type Peer = PeerCertificate;

    async fn handshake(&self, stream: TcpStream) -> Option<(TcpStream, PeerCertificate)> {
        Some((stream, PeerCertificate(None)))
    }
}

/// HTTPS: each connection's client certificate (if any) is put on its requests as a [`PeerCertificate`].
/// A failed handshake (no or a foreign certificate under `--require-mtls`) just drops the connection, as
/// the real service does.
#[derive(Clone)]
struct Tls(tokio_rustls::TlsAcceptor);

impl Handshake for Tls {
    type Io = tokio_rustls::server::TlsStream<TcpStream>;
    type Peer = PeerCertificate;

    async fn handshake(&self, stream: TcpStream) -> Option<(Self::Io, PeerCertificate)> {
        let tls_stream = match self.0.accept(stream).await {
            Ok(s) => s,
            Err(e) => {
                tracing::debug!(error = %e, "TLS handshake refused");
                return None;
            }
        };
        let peer = PeerCertificate(
            tls_stream
                .get_ref()
                .1
                .peer_certificates()
                .and_then(|chain| chain.first())
                .map(|c| tls::fingerprint(c)),
        );
        Some((tls_stream, peer))
    }
}

/// The connection limits of `tossd serve`'s flags.
fn connection_limits(args: &ServeArgs) -> Limits {
    let header_timeout = Duration::from_secs(args.header_timeout);
    Limits {
        header_timeout,
        body_timeout: Duration::from_secs(args.body_timeout),
        keep_alive_timeout: Duration::from_secs(args.keep_alive_timeout).min(header_timeout),
        max_connections: args.max_connections,
    }
}

/// A running server.
pub struct Server {
    /// The bound address: with port 0 in `--listen`, the port the system picked.
    pub addr: SocketAddr,
    /// Whether it serves HTTPS.
    pub tls: bool,
    pub state: AppState,
    shutdown: Option<oneshot::Sender<()>>,
    task: JoinHandle<()>,
    worker: Option<Worker>,
    sweeper: Option<JoinHandle<()>>,
    faults_poller: JoinHandle<()>,
    journal_writer: Option<JoinHandle<()>>,
}

impl Server {
    /// Opens the database, seeds it on first start, binds `args.listen` and serves in the background.
    pub async fn start(args: &ServeArgs) -> anyhow::Result<Server> {
        Server::start_with(args, Router::new()).await
    }

    /// [`Server::start`] serving `extra` routes beside tossd's own (see [`router_with`]).
    pub async fn start_with(args: &ServeArgs, extra: Router<AppState>) -> anyhow::Result<Server> {
        if !args.listen.ip().is_loopback() && args.admin_token.is_none() {
            anyhow::bail!(
                "listening on {} exposes the simulator beyond this machine: set --admin-token (TOSSD_ADMIN_TOKEN)",
                args.listen
            );
        }
        let clock_start = match &args.clock_start {
            Some(text) => Some(Instant::parse_rfc3339(text).ok_or_else(|| {
                anyhow::anyhow!("--clock-start {text:?} is not an RFC 3339 instant")
            })?),
            None => None,
        };
        let webhook_ca = match &args.webhook_ca {
            Some(path) => crate::outbox::client::read_webhook_ca(path)?,
            None => Vec::new(),
        };
        let listener = TcpListener::bind(args.listen).await?;
        let addr = listener.local_addr()?;
        let db = Db::open_with(
            &args.database_url,
            PoolSettings {
                max_connections: args.database_max_connections,
                acquire_timeout: Duration::from_secs(args.database_acquire_timeout),
            },
        )
        .await?;
        let seed_config = SeedConfig {
            deriver: SeedDeriver::new(&args.seed),
            secret_key: args.secret_key.clone(),
            client_key: args.client_key.clone(),
            clock_start,
        };
        seed::ensure_seeded(&db, &seed_config).await?;
        let authority = Authority::load_or_create(&db).await?;
        let tls_config = if args.tls_enabled() {
            let given = match (&args.tls_cert, &args.tls_key) {
                (Some(cert), Some(key)) => Some(tls::read_pem_pair(cert, key)?),
                _ => None,
            };
            let mut names = vec![
                "localhost".to_owned(),
                "127.0.0.1".to_owned(),
                "::1".to_owned(),
            ];
            if !addr.ip().is_unspecified() && !names.contains(&addr.ip().to_string()) {
                names.push(addr.ip().to_string());
            }
            Some(Arc::new(authority.server_config(
                names,
                given,
                args.require_mtls,
            )?))
        } else {
            None
        };
        let public_url = args.public_url(addr);
        let operator = OperatorAccess::new(OperatorConfig {
            admin_token: args.admin_token.as_deref(),
            token_required: args.operator_token_required(),
            allowed_hosts: &args.allowed_hosts,
            public_url: &public_url,
            instance_key: &crate::store::identity::instance_key(db.reader()).await?,
            secure_cookie: args.tls_enabled(),
        });
        let mut metrics = Metrics::default();
        let journal_dropped = prometheus_client::metrics::counter::Counter::default();
        metrics.registry_mut().register(
            "journal_dropped_entries",
            "Request journal entries dropped because the writer's queue was full",
            journal_dropped.clone(),
        );
        let openapi = openapi_document();
        let (journal, journal_writer) = match args.journal {
            JournalMode::On => {
                let routes =
                    journal::writer::routes_of(&serde_json::from_str(&openapi).unwrap_or_default());
                let (journal, task) = journal::writer::spawn(
                    db.clone(),
                    Clock::new(args.clock),
                    args.journal_retention,
                    routes,
                    journal_dropped,
                )?;
                (journal, Some(task))
            }
            JournalMode::Off => (journal::Journal::default(), None),
        };
        let state = AppState {
            db,
            clock: Clock::new(args.clock),
            settings: Arc::new(Settings {
                public_url,
                operator,
                jwt_issuer: args.jwt_issuer.clone(),
            }),
            seed: Arc::new(seed_config),
            metrics: Arc::new(metrics),
            openapi_json: OpenApiJson(openapi.into()),
            authority: Arc::new(authority),
            outbox_wake: OutboxWake::default(),
            cache: ConfigCache::default(),
            faults: faults::FaultRules::default(),
            journal,
        };
        state.faults.reload(&state.db).await?;
        let worker = Worker::spawn(
            state.db.clone(),
            state.clock.clone(),
            state.metrics.clone(),
            state.outbox_wake.clone(),
            state.faults.clone(),
            WorkerConfig::from_args(args),
            &webhook_ca,
        )?;
        let sweeper = crate::sweep::spawn(
            state.db.clone(),
            state.clock.clone(),
            state.outbox_wake.clone(),
        );
        let faults_poller = state.faults.spawn_poller(state.db.clone());
        let app = router_with(state.clone(), extra);
        let (tx, rx) = oneshot::channel::<()>();
        let shutdown = async move {
            let _ = rx.await;
        };
        let limits = connection_limits(args);
        let tls = tls_config.is_some();
        let task = match tls_config {
            None => tokio::spawn(connections::serve(
                listener, PlainHttp, app, limits, shutdown,
            )),
            Some(config) => tokio::spawn(connections::serve(
                listener,
                Tls(tokio_rustls::TlsAcceptor::from(config)),
                app,
                limits,
                shutdown,
            )),
        };
        let server = Server {
            addr,
            tls,
            state,
            shutdown: Some(tx),
            task,
            worker: Some(worker),
            sweeper,
            faults_poller,
            journal_writer,
        };
        if let Some(path) = &args.fixtures {
            if let Err(e) = crate::sim::fixtures::load_file(&server.state, path).await {
                server.stop().await?;
                return Err(e);
            }
        }
        Ok(server)
    }

    /// The URL clients use: https when TLS is on.
    pub fn base_url(&self) -> String {
        let scheme = if self.tls { "https" } else { "http" };
        format!("{scheme}://{}", self.addr)
    }

    /// Stops accepting, lets in-flight requests and webhook attempts finish, then closes the database.
    pub async fn stop(mut self) -> anyhow::Result<()> {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        (&mut self.task).await?;
        if let Some(sweeper) = self.sweeper.take() {
            // Each transition is one transaction, so stopping between sweeps loses nothing.
            sweeper.abort();
        }
        self.faults_poller.abort();
        if let Some(writer) = self.journal_writer.take() {
            // Every request has been answered: write what is queued, then stop.
            self.state.journal.flush().await;
            writer.abort();
        }
        if let Some(worker) = self.worker.take() {
            worker.stop().await;
        }
        self.state.db.close().await;
        Ok(())
    }
}
