//! Row (a): the ceiling the HTTP stack puts on any tossd endpoint. The same axum router and
//! `axum::serve` (hyper, HTTP/1.1, the multi-threaded tokio runtime) tossd serves plain HTTP with, routing
//! the lookup's path pattern to a handler that answers a fixed body of the lookup's size and content
//! type — no middleware, no database, no JSON encoding.

use std::net::SocketAddr;

use axum::http::header::CONTENT_TYPE;
use axum::routing::get;
use axum::Router;

pub async fn serve(listen: SocketAddr, bytes: usize) -> anyhow::Result<()> {
    let body = axum::body::Bytes::from(body_of(bytes));
    let app = Router::new().route(
        "/v1/payments/{payment_key}",
        get(move || {
            let body = body.clone();
            async move { ([(CONTENT_TYPE, "application/json;charset=UTF-8")], body) }
        }),
    );
    let listener = tokio::net::TcpListener::bind(listen).await?;
    axum::serve(listener, app).await?;
    Ok(())
}

/// A JSON document of exactly `bytes` bytes (at least the 10 of `{"pad":""}`).
fn body_of(bytes: usize) -> Vec<u8> {
    let pad = bytes.saturating_sub(10);
    let mut body = Vec::with_capacity(bytes.max(10));
    body.extend_from_slice(b"{\"pad\":\"");
    body.resize(body.len() + pad, b'x');
    body.extend_from_slice(b"\"}");
    body
}
