//! The request journal (docs/journal.md): every partner API call (`/api-partner/…`, `/v1/…`) with its
//! caller, status, duration, bodies and the objects it touched, like Stripe's request logs and WireMock's
//! request journal with near misses.
//!
//! The request path only copies what it saw and `try_send`s it on a bounded channel; a full channel drops
//! the entry (counted in `tossd_journal_dropped_entries`) rather than slowing the call. The writer task
//! ([`writer`]) redacts, names the objects and the caller, and inserts batches, so every process on one
//! database shares one journal.

pub mod near_miss;
pub mod redact;
mod thread;
pub mod writer;

use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use axum::body::{Body, Bytes, HttpBody};
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderMap, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;
use prometheus_client::metrics::counter::Counter;
use tokio::sync::{mpsc, oneshot};

use crate::identity::tls::PeerCertificate;

/// Bodies are kept up to this many bytes; longer ones are cut and flagged `truncated`.
pub const BODY_CAP: usize = 64 * 1024;

/// Entries waiting for the writer; more are dropped. This bounds what a saturated journal holds: an entry
/// is a few KiB (its headers and bodies, copied).
const QUEUE: usize = 1024;

/// This process's journal: a sender to its writer task, or nothing under `--journal off`.
#[derive(Clone, Default)]
pub struct Journal {
    inner: Option<Arc<Inner>>,
}

struct Inner {
    queue: mpsc::Sender<Message>,
    dropped: Counter,
}

enum Message {
    Entry(Box<Raw>),
    /// Write what is pending, then answer.
    Flush(oneshot::Sender<()>),
}

/// A call as the request path saw it, before redaction.
pub struct Raw {
    /// Wall clock, microseconds since the epoch.
    pub at: i64,
    pub duration_us: i64,
    pub method: String,
    pub path: String,
    pub query: Option<String>,
    /// The route the call matched, if any.
    pub matched: Option<String>,
    pub peer: Option<String>,
    pub request_headers: HeaderMap,
    pub request_body: Captured,
    pub status: u16,
    pub response_headers: HeaderMap,
    pub response_body: Captured,
}

/// The first [`BODY_CAP`] bytes of a body, and whether there was more, in copies of the body's chunks (a
/// chunk may be a view of the connection's whole read buffer, which a queued entry would keep alive); the
/// writer joins them.
#[derive(Default, Clone)]
pub struct Captured {
    chunks: Vec<Bytes>,
    len: usize,
    pub truncated: bool,
}

impl Captured {
    fn push(&mut self, data: &Bytes) {
        let take = data.len().min(BODY_CAP - self.len);
        if take < data.len() {
            self.truncated = true;
        }
        if take > 0 {
            self.chunks.push(Bytes::copy_from_slice(&data[..take]));
            self.len += take;
        }
    }

    /// The captured bytes in one piece.
    pub fn bytes(&self) -> Vec<u8> {
        self.chunks.concat()
    }
}

impl Journal {
    /// A journal whose entries go to `queue`'s writer; `dropped` counts what a full queue refused.
    fn new(queue: mpsc::Sender<Message>, dropped: Counter) -> Journal {
        Journal {
            inner: Some(Arc::new(Inner { queue, dropped })),
        }
    }

    /// Writes the entries this process has queued so far (the simulator does before it reads).
    pub async fn flush(&self) {
        let Some(inner) = &self.inner else { return };
        let (done, written) = oneshot::channel();
        if inner.queue.send(Message::Flush(done)).await.is_ok() {
            let _ = written.await;
        }
    }

    fn record(&self, raw: Raw) {
        let Some(inner) = &self.inner else { return };
        if inner.queue.try_send(Message::Entry(Box::new(raw))).is_err() {
            inner.dropped.inc();
        }
    }
}

/// Whether calls to `path` are journaled: the partner APIs.
pub fn journaled(path: &str) -> bool {
    path.starts_with("/api-partner/") || path.starts_with("/v1/")
}

/// Middleware around every route: journals partner API calls.
pub async fn record(State(journal): State<Journal>, request: Request, next: Next) -> Response {
    if journal.inner.is_none() || !journaled(request.uri().path()) {
        return next.run(request).await;
    }
    let started = std::time::Instant::now();
    let at = chrono::Utc::now().timestamp_micros();
    let method = request.method().as_str().to_owned();
    let path = request.uri().path().to_owned();
    let query = request.uri().query().map(str::to_owned);
    let matched = request
        .extensions()
        .get::<MatchedPath>()
        .map(|m| m.as_str().to_owned());
    let peer = request
        .extensions()
        .get::<PeerCertificate>()
        .and_then(|p| p.0.clone());
    let request_headers = owned(request.headers());
    let capture = Arc::new(Mutex::new(Captured::default()));
    let (parts, body) = request.into_parts();
    let request = Request::from_parts(
        parts,
        Body::new(Tee {
            inner: body,
            capture: capture.clone(),
        }),
    );
    let response = next.run(request).await;
    let (parts, body) = response.into_parts();
    // Partner API answers are small JSON documents already in memory.
    let bytes = axum::body::to_bytes(body, usize::MAX)
        .await
        .unwrap_or_default();
    let mut response_body = Captured::default();
    response_body.push(&bytes);
    let request_body = capture.lock().map(|c| c.clone()).unwrap_or_default();
    journal.record(Raw {
        at,
        duration_us: i64::try_from(started.elapsed().as_micros()).unwrap_or(i64::MAX),
        method,
        path,
        query,
        matched,
        peer,
        request_headers,
        request_body,
        status: parts.status.as_u16(),
        response_headers: parts.headers.clone(),
        response_body,
    });
    Response::from_parts(parts, Body::from(bytes))
}

/// A copy of `headers` that owns its bytes: hyper's header values are views of the connection's read
/// buffer (about 8 KiB), which a queued entry holding them would keep alive — most of a full queue's memory.
fn owned(headers: &HeaderMap) -> HeaderMap {
    let mut copy = HeaderMap::with_capacity(headers.len());
    for (name, value) in headers {
        let mut owned = HeaderValue::from_bytes(value.as_bytes()).unwrap_or_else(|_| value.clone());
        owned.set_sensitive(value.is_sensitive());
        copy.append(name.clone(), owned);
    }
    copy
}

/// A request body that keeps a copy of what the handler reads, so the body streams on as before (limits
/// and timeouts unchanged) and nothing is read that the handler would not.
struct Tee {
    inner: Body,
    capture: Arc<Mutex<Captured>>,
}

impl HttpBody for Tee {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<http_body::Frame<Bytes>, axum::Error>>> {
        let poll = Pin::new(&mut self.inner).poll_frame(cx);
        if let Poll::Ready(Some(Ok(frame))) = &poll {
            if let (Some(data), Ok(mut capture)) = (frame.data_ref(), self.capture.lock()) {
                capture.push(data);
            }
        }
        poll
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        self.inner.size_hint()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn captured_bodies_stop_at_the_cap() {
        let mut c = Captured::default();
        c.push(&Bytes::from(vec![b'a'; BODY_CAP - 1]));
        assert!(!c.truncated);
        c.push(&Bytes::from_static(b"bc"));
        assert_eq!(c.bytes().len(), BODY_CAP);
        assert_eq!(c.bytes()[BODY_CAP - 1], b'b');
        assert!(c.truncated);
        c.push(&Bytes::from_static(b"d"));
        assert_eq!(c.bytes().len(), BODY_CAP);
    }

    #[test]
    fn only_partner_paths_are_journaled() {
        assert!(journaled("/v1/payments/x"));
        assert!(journaled("/api-partner/v1/apps-in-toss/pay/make-payment"));
        assert!(!journaled("/sim/v1/requests"));
        assert!(!journaled("/v1"));
    }
}
