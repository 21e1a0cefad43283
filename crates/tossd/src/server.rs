//! Assembling the application: the router of every family with its middleware, and the listening server.

use std::any::Any;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::Request;
use axum::http::StatusCode;
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::Router;
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use tower::Service;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::trace::TraceLayer;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;

use crate::apps_in_toss::{self, AitError};
use crate::cache::ConfigCache;
use crate::clock::Clock;
use crate::config::SeedConfig;
use crate::config::ServeArgs;
use crate::domain::secrets::SeedDeriver;
use crate::domain::time::Instant;
use crate::identity::tls::{self, Authority, PeerCertificate};
use crate::outbox::worker::{Worker, WorkerConfig};
use crate::seed;
use crate::state::{AppState, OpenApiJson, OutboxWake, Settings};
use crate::store::{Db, PoolSettings};
use crate::tosspayments::{self, codes, TpError};
use crate::web::json_response;
use crate::web::metrics::{self, Metrics};
use crate::web::operator::{self, OperatorAccess};
use crate::{ops, sim};

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
    let api = apps_in_toss
        .merge(apps_in_toss::plain_router())
        .merge(tosspayments::layered(toss_payments, &state));
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
        .merge(extra)
        .fallback(unknown_route)
        .method_not_allowed_fallback(wrong_method)
        .layer(CatchPanicLayer::custom(panic_response))
        .layer(middleware::from_fn(family_500_on_panic))
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

/// The HTTPS accept loop: each connection's client certificate (if any) is put on its requests as a
/// [`PeerCertificate`]. A failed handshake (no or a foreign certificate under `--require-mtls`) just
/// drops the connection, as the real service does.
async fn serve_tls(
    listener: TcpListener,
    config: Arc<rustls::ServerConfig>,
    app: Router,
    mut shutdown: oneshot::Receiver<()>,
) -> std::io::Result<()> {
    let acceptor = tokio_rustls::TlsAcceptor::from(config);
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    loop {
        let (stream, _) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(pair) => pair,
                Err(e) => {
                    tracing::warn!(error = %e, "accept failed");
                    continue;
                }
            },
            _ = &mut shutdown => break,
        };
        let acceptor = acceptor.clone();
        let app = app.clone();
        let watcher = graceful.watcher();
        tokio::spawn(async move {
            let tls_stream = match acceptor.accept(stream).await {
                Ok(s) => s,
                Err(e) => {
                    tracing::debug!(error = %e, "TLS handshake refused");
                    return;
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
            let service = tower::service_fn(move |mut request: Request<hyper::body::Incoming>| {
                request.extensions_mut().insert(peer.clone());
                let mut app = app.clone();
                async move { app.call(request.map(axum::body::Body::new)).await }
            });
            let builder = auto::Builder::new(TokioExecutor::new());
            let connection = builder
                .serve_connection(TokioIo::new(tls_stream), TowerToHyperService::new(service));
            if let Err(e) = watcher.watch(connection.into_owned()).await {
                tracing::debug!(error = %e, "connection ended with an error");
            }
        });
    }
    graceful.shutdown().await;
    Ok(())
}

/// A running server.
pub struct Server {
    pub addr: SocketAddr,
    pub state: AppState,
    shutdown: Option<oneshot::Sender<()>>,
    task: JoinHandle<std::io::Result<()>>,
    worker: Option<Worker>,
    sweeper: Option<JoinHandle<()>>,
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
        let state = AppState {
            db,
            clock: Clock::new(args.clock),
            settings: Arc::new(Settings {
                public_url: args.public_url(addr),
                operator: OperatorAccess {
                    admin_token: args.admin_token.as_deref().map(Into::into),
                    token_required: args.operator_token_required(),
                },
                jwt_issuer: args.jwt_issuer.clone(),
            }),
            seed: Arc::new(seed_config),
            metrics: Arc::new(Metrics::default()),
            openapi_json: OpenApiJson(openapi_document().into()),
            authority: Arc::new(authority),
            outbox_wake: OutboxWake::default(),
            cache: ConfigCache::default(),
        };
        let worker = Worker::spawn(
            state.db.clone(),
            state.clock.clone(),
            state.metrics.clone(),
            state.outbox_wake.clone(),
            WorkerConfig::from_args(args),
            &webhook_ca,
        )?;
        let sweeper = crate::sweep::spawn(
            state.db.clone(),
            state.clock.clone(),
            state.outbox_wake.clone(),
        );
        let app = router_with(state.clone(), extra);
        let (tx, rx) = oneshot::channel::<()>();
        let task = match tls_config {
            None => tokio::spawn(async move {
                axum::serve(listener, app)
                    .with_graceful_shutdown(async move {
                        let _ = rx.await;
                    })
                    .await
            }),
            Some(config) => tokio::spawn(serve_tls(listener, config, app, rx)),
        };
        Ok(Server {
            addr,
            state,
            shutdown: Some(tx),
            task,
            worker: Some(worker),
            sweeper,
        })
    }

    /// The URL clients use: https when TLS is on.
    pub fn base_url(&self) -> String {
        let scheme = if self.state.settings.public_url.starts_with("https://") {
            "https"
        } else {
            "http"
        };
        format!("{scheme}://{}", self.addr)
    }

    /// Stops accepting, lets in-flight requests and webhook attempts finish, then closes the database.
    pub async fn stop(mut self) -> anyhow::Result<()> {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        (&mut self.task).await??;
        if let Some(sweeper) = self.sweeper.take() {
            // Each transition is one transaction, so stopping between sweeps loses nothing.
            sweeper.abort();
        }
        if let Some(worker) = self.worker.take() {
            worker.stop().await;
        }
        self.state.db.close().await;
        Ok(())
    }
}
