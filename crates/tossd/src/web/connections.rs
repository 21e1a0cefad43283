//! Serving connections, plain HTTP or TLS: one accept loop with the limits that keep slow and idle clients
//! from holding the server (README "Connections").
//!
//! - At most `max_connections` at once. At the cap tossd stops accepting, so new connections wait in the
//!   kernel's listen queue until one closes (as Go's `LimitListener` does) rather than being refused.
//! - The TLS handshake, and then every request head, must each complete within `header_timeout` (for
//!   heads hyper's `header_read_timeout`, which runs from the connection's start and from each response).
//! - A body has `body_timeout` from the moment tossd starts reading it; a late one is marked on the
//!   request ([`BodyArrival`]) so the router answers 408, and the connection closes.
//! - A kept-alive connection idle for `keep_alive_timeout` after a response is closed.
//! - Memory freed by closed connections is handed back to the system after a burst of them.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU8, AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::Request;
use axum::http::{header, HeaderMap, HeaderValue, Version};
use axum::Router;
use hyper::body::{Frame, Incoming, SizeHint};
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{watch, Semaphore};
use tokio::time::{Instant, Sleep};
use tower::ServiceExt;

/// How connections are served.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub header_timeout: Duration,
    pub body_timeout: Duration,
    /// Never longer than `header_timeout`, which hyper also runs while a connection waits for its next
    /// request.
    pub keep_alive_timeout: Duration,
    pub max_connections: u32,
}

/// What turns an accepted TCP stream into the stream HTTP is spoken on (a TLS handshake, or nothing),
/// and what every request of that connection carries as an extension (who the peer is).
pub trait Handshake: Clone + Send + Sync + 'static {
    type Io: AsyncRead + AsyncWrite + Unpin + Send + 'static;
    type Peer: Clone + Send + Sync + 'static;

    /// `None` drops the connection (a refused handshake).
    fn handshake(
        &self,
        stream: TcpStream,
    ) -> impl Future<Output = Option<(Self::Io, Self::Peer)>> + Send;
}

/// Serves `app` on `listener` until `shutdown` resolves, then stops accepting, lets every connection
/// finish the request it is answering (idle ones close at once) and returns when all are closed.
pub async fn serve<H: Handshake>(
    listener: TcpListener,
    handshake: H,
    app: Router,
    limits: Limits,
    shutdown: impl Future<Output = ()>,
) {
    let slots = Arc::new(Semaphore::new(limits.max_connections as usize));
    let (stop, stopping) = watch::channel(false);
    let closed = Arc::new(AtomicUsize::new(0));
    let trimmer = tokio::spawn(trim_after_bursts(closed.clone()));
    tokio::pin!(shutdown);
    loop {
        let slot = tokio::select! {
            slot = slots.clone().acquire_owned() => match slot {
                Ok(slot) => slot,
                Err(_) => break,
            },
            () = &mut shutdown => break,
        };
        let stream = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(e) => {
                    accept_failed(e).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let connection = Connection {
            handshake: handshake.clone(),
            app: app.clone(),
            limits,
            stopping: stopping.clone(),
        };
        let closed = closed.clone();
        tokio::spawn(async move {
            connection.run(stream).await;
            closed.fetch_add(1, Ordering::Relaxed);
            drop(slot);
        });
    }
    // Closing the listening socket refuses the connections still queued instead of leaving them hanging.
    drop(listener);
    let _ = stop.send(true);
    // Each connection holds a slot until it closes.
    let _ = slots.acquire_many(limits.max_connections).await;
    trimmer.abort();
}

/// After this many connections have closed (and a second has passed with no more closing), freed memory is
/// handed back to the system.
const TRIM_AFTER_CLOSED: usize = 64;

/// glibc keeps the memory of closed connections in its arenas, fragmented between long-lived allocations,
/// and does not return it by itself: 1,000 half-open connections left VmRSS 12 MiB above where it was once
/// they had closed, and each further flood raised it again, while `malloc_trim` brought it back below
/// the starting point. So once a burst of connections is over, trim.
async fn trim_after_bursts(closed: Arc<AtomicUsize>) {
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let (mut seen, mut trimmed_at) = (0, 0);
    loop {
        tick.tick().await;
        let now = closed.load(Ordering::Relaxed);
        if now == seen && now - trimmed_at >= TRIM_AFTER_CLOSED {
            trimmed_at = now;
            let _ = tokio::task::spawn_blocking(release_freed_memory).await;
        }
        seen = now;
    }
}

#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn release_freed_memory() {
    // SAFETY: malloc_trim has no preconditions; it only walks glibc's own free lists.
    unsafe {
        libc::malloc_trim(0);
    }
}

/// Other allocators (musl's, macOS's) return freed pages by themselves.
#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn release_freed_memory() {}

/// A connection that failed before it was accepted is skipped; anything else (out of file descriptors)
/// is retried after a pause rather than in a busy loop.
async fn accept_failed(e: std::io::Error) {
    use std::io::ErrorKind::{ConnectionAborted, ConnectionRefused, ConnectionReset};
    if matches!(
        e.kind(),
        ConnectionAborted | ConnectionRefused | ConnectionReset
    ) {
        return;
    }
    tracing::warn!(error = %e, "accept failed; retrying in 1 s");
    tokio::time::sleep(Duration::from_secs(1)).await;
}

struct Connection<H> {
    handshake: H,
    app: Router,
    limits: Limits,
    stopping: watch::Receiver<bool>,
}

impl<H: Handshake> Connection<H> {
    async fn run(self, stream: TcpStream) {
        let Connection {
            handshake,
            app,
            limits,
            mut stopping,
        } = self;
        let shaken = tokio::select! {
            shaken = tokio::time::timeout(limits.header_timeout, handshake.handshake(stream)) => shaken,
            _ = stopping.changed() => return,
        };
        let Ok(Some((io, peer))) = shaken else {
            return;
        };
        let (activity, watched) = watch::channel(Activity::default());
        let service = RequestService {
            app,
            peer,
            body_timeout: limits.body_timeout,
            keep_alive: keep_alive_header(limits.keep_alive_timeout),
            activity: Arc::new(activity),
        };
        let connection = http1::Builder::new()
            .timer(TokioTimer::new())
            .header_read_timeout(limits.header_timeout)
            .serve_connection(TokioIo::new(io), service);
        tokio::pin!(connection);
        let idle = idle_for(watched, limits.keep_alive_timeout);
        tokio::pin!(idle);
        let mut closing = false;
        loop {
            tokio::select! {
                ended = connection.as_mut() => {
                    if let Err(e) = ended {
                        tracing::debug!(error = %e, "connection ended with an error");
                    }
                    return;
                }
                // Closes the connection if idle, else after the response in progress.
                _ = stopping.changed(), if !closing => {
                    closing = true;
                    connection.as_mut().graceful_shutdown();
                }
                () = &mut idle, if !closing => {
                    closing = true;
                    connection.as_mut().graceful_shutdown();
                }
            }
        }
    }
}

/// `Keep-Alive: timeout=N`, so clients that read it (Node's undici, for one) retire a pooled connection
/// before tossd closes it instead of racing the close.
fn keep_alive_header(timeout: Duration) -> HeaderValue {
    HeaderValue::from_str(&format!("timeout={}", timeout.as_secs()))
        .unwrap_or_else(|_| HeaderValue::from_static("timeout=1"))
}

/// Whether a connection is answering a request, and since when it has been idle (`None` until its first
/// response: a new connection is governed by the head timeout alone).
#[derive(Debug, Clone, Copy, Default)]
struct Activity {
    busy: usize,
    idle_since: Option<Instant>,
}

/// Held while a request is being answered.
struct Busy(Arc<watch::Sender<Activity>>);

impl Busy {
    fn begin(activity: &Arc<watch::Sender<Activity>>) -> Busy {
        activity.send_modify(|a| a.busy += 1);
        Busy(activity.clone())
    }
}

impl Drop for Busy {
    fn drop(&mut self) {
        self.0.send_modify(|a| {
            a.busy = a.busy.saturating_sub(1);
            if a.busy == 0 {
                a.idle_since = Some(Instant::now());
            }
        });
    }
}

/// Resolves once the connection has answered a request and then stayed idle for `limit`.
async fn idle_for(mut activity: watch::Receiver<Activity>, limit: Duration) {
    loop {
        let now = *activity.borrow_and_update();
        match now {
            Activity {
                busy: 0,
                idle_since: Some(since),
            } => tokio::select! {
                () = tokio::time::sleep_until(since + limit) => return,
                changed = activity.changed() => if changed.is_err() {
                    return std::future::pending().await;
                },
            },
            _ => {
                if activity.changed().await.is_err() {
                    return std::future::pending().await;
                }
            }
        }
    }
}

/// Hands each request of a connection to the router with the peer, a deadline on its body and a way to
/// tell whether that body arrived.
#[derive(Clone)]
struct RequestService<P> {
    app: Router,
    peer: P,
    body_timeout: Duration,
    keep_alive: HeaderValue,
    activity: Arc<watch::Sender<Activity>>,
}

/// Put on a response to close its connection without sending it (a fault rule's `drop`, docs/faults.md).
#[derive(Debug, Clone, Copy)]
pub struct DropConnection;

/// Why a connection was closed without an answer; hyper closes it when the service fails.
#[derive(Debug)]
pub struct Dropped;

impl std::fmt::Display for Dropped {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("connection dropped by a fault rule")
    }
}

impl std::error::Error for Dropped {}

impl<P: Clone + Send + Sync + 'static> hyper::service::Service<Request<Incoming>>
    for RequestService<P>
{
    type Response = axum::response::Response;
    type Error = Dropped;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, Dropped>> + Send>>;

    fn call(&self, request: Request<Incoming>) -> Self::Future {
        // Every response tossd writes is a complete body, so a request is answered when its handler
        // returns.
        let busy = Busy::begin(&self.activity);
        let persistent = wants_keep_alive(&request);
        let arrival = BodyArrival::default();
        let deadline = self.body_timeout;
        let mut request = request.map(|body| {
            Body::new(DeadlineBody {
                inner: body,
                limit: deadline,
                deadline: None,
                arrival: arrival.clone(),
            })
        });
        request.extensions_mut().insert(self.peer.clone());
        request.extensions_mut().insert(arrival);
        let app = self.app.clone();
        let keep_alive = self.keep_alive.clone();
        Box::pin(async move {
            let mut response = match app.oneshot(request).await {
                Ok(response) => response,
                Err(never) => match never {},
            };
            if response.extensions().get::<DropConnection>().is_some() {
                return Err(Dropped);
            }
            if persistent && !has_connection_token(response.headers(), "close") {
                response.headers_mut().insert("keep-alive", keep_alive);
            }
            drop(busy);
            Ok(response)
        })
    }
}

/// Whether the client asked to keep the connection: HTTP/1.1 unless `Connection: close`, HTTP/1.0 only
/// with `Connection: keep-alive`.
fn wants_keep_alive(request: &Request<Incoming>) -> bool {
    match request.version() {
        Version::HTTP_11 => !has_connection_token(request.headers(), "close"),
        Version::HTTP_10 => has_connection_token(request.headers(), "keep-alive"),
        _ => false,
    }
}

fn has_connection_token(headers: &HeaderMap, token: &str) -> bool {
    headers.get_all(header::CONNECTION).iter().any(|value| {
        value.to_str().is_ok_and(|value| {
            value
                .split(',')
                .any(|t| t.trim().eq_ignore_ascii_case(token))
        })
    })
}

/// Put on every request: whether its body failed to arrive, so the answer says so (408) and nothing is
/// recorded for a request that was never whole (an idempotency key).
#[derive(Debug, Clone, Default)]
pub struct BodyArrival(Arc<AtomicU8>);

const TIMED_OUT: u8 = 1;
const CUT_OFF: u8 = 2;

impl BodyArrival {
    /// The body did not arrive within the body timeout.
    pub fn timed_out(&self) -> bool {
        self.0.load(Ordering::Acquire) == TIMED_OUT
    }

    /// The body timed out or the client broke it off.
    pub fn incomplete(&self) -> bool {
        self.0.load(Ordering::Acquire) != 0
    }

    fn mark(&self, how: u8) {
        let _ = self
            .0
            .compare_exchange(0, how, Ordering::AcqRel, Ordering::Acquire);
    }
}

/// The request body, failing once `limit` has passed since it was first read.
struct DeadlineBody {
    inner: Incoming,
    limit: Duration,
    deadline: Option<Pin<Box<Sleep>>>,
    arrival: BodyArrival,
}

/// The error a late body ends with.
#[derive(Debug)]
struct BodyTimedOut(Duration);

impl std::fmt::Display for BodyTimedOut {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "the request body did not arrive within {} s",
            self.0.as_secs()
        )
    }
}

impl std::error::Error for BodyTimedOut {}

impl hyper::body::Body for DeadlineBody {
    type Data = Bytes;
    type Error = Box<dyn std::error::Error + Send + Sync>;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        let this = &mut *self;
        let limit = this.limit;
        let deadline = this
            .deadline
            .get_or_insert_with(|| Box::pin(tokio::time::sleep(limit)));
        match Pin::new(&mut this.inner).poll_frame(cx) {
            Poll::Ready(Some(Err(e))) => {
                this.arrival.mark(CUT_OFF);
                Poll::Ready(Some(Err(e.into())))
            }
            Poll::Ready(frame) => Poll::Ready(frame.map(|f| f.map_err(Into::into))),
            Poll::Pending => match deadline.as_mut().poll(cx) {
                Poll::Ready(()) => {
                    this.arrival.mark(TIMED_OUT);
                    Poll::Ready(Some(Err(Box::new(BodyTimedOut(limit)))))
                }
                Poll::Pending => Poll::Pending,
            },
        }
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}
