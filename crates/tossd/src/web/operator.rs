//! Operator access to the simulator (`/sim/v1` and its pages), the dashboard and metrics
//! (docs/security.md). Every request under the guard passes, in order:
//!
//! 1. `Authorization: Bearer <admin token>` lets it through at once: a web page cannot send that header
//!    to another origin without a CORS preflight, which tossd never grants.
//! 2. Otherwise its `Host` must be a name of this tossd, so a DNS-rebinding page cannot reach it, and a
//!    state-changing request must come from tossd's own origin (`Origin`, `Sec-Fetch-Site`), so a
//!    cross-site form or fetch cannot — the way Vite's dev server and Jupyter guard themselves.
//! 3. When an admin token is configured (always, off loopback) it needs the session cookie the sign-in
//!    form at [`LOGIN_PATH`] sets; a page without one redirects to the form, an API call gets 401.

use std::net::IpAddr;
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use axum::extract::{Request, State};
use axum::http::uri::Authority;
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode, Uri};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use hmac::{Hmac, Mac};
use serde_json::json;
use sha2::Sha256;

use crate::domain::secrets::{hash, secrets_equal};
use crate::web::json_response;

/// The sign-in form: `GET` shows it, `POST` checks the token and sets the session cookie.
pub const LOGIN_PATH: &str = "/dashboard/login";
/// `POST` ends the browser's session.
pub const LOGOUT_PATH: &str = "/dashboard/logout";
/// How long a sign-in lasts.
pub const SESSION_SECONDS: u64 = 12 * 60 * 60;
const COOKIE: &str = "tossd_session";

/// Who may use the operator endpoints. Cheap to clone.
#[derive(Clone)]
pub struct OperatorAccess(Arc<Inner>);

struct Inner {
    /// SHA-256 of the admin token, so comparing takes the same time whatever the length guessed.
    token_hash: Option<String>,
    token_required: bool,
    /// Names besides loopback names and IP addresses: exact, or `.domain` for it and its subdomains.
    hosts: Vec<String>,
    public_origin: Option<Origin>,
    sessions: Option<Sessions>,
}

/// What [`OperatorAccess::new`] is built from.
pub struct OperatorConfig<'a> {
    pub admin_token: Option<&'a str>,
    /// Set when an admin token is configured (always, off loopback).
    pub token_required: bool,
    /// `--allowed-hosts`, already lower case.
    pub allowed_hosts: &'a [String],
    pub public_url: &'a str,
    /// Keys the session cookies, so they stay valid across restarts and for every process of the database.
    pub instance_key: &'a [u8],
    /// Session cookies get `Secure` (tossd serves HTTPS).
    pub secure_cookie: bool,
}

impl OperatorAccess {
    pub fn new(config: OperatorConfig<'_>) -> OperatorAccess {
        let public_origin = parse_origin(config.public_url);
        let mut hosts = config.allowed_hosts.to_vec();
        hosts.extend(public_origin.as_ref().map(|o| o.host.clone()));
        OperatorAccess(Arc::new(Inner {
            token_hash: config.admin_token.map(hash),
            token_required: config.token_required,
            hosts,
            public_origin,
            sessions: config
                .admin_token
                .map(|token| Sessions::new(config.instance_key, token, config.secure_cookie)),
        }))
    }

    /// Whether operator requests need the admin token (or a sign-in).
    pub fn token_required(&self) -> bool {
        self.0.token_required
    }

    /// Whether `given` is the admin token, in constant time.
    pub fn token_matches(&self, given: &str) -> bool {
        self.0
            .token_hash
            .as_deref()
            .is_some_and(|expected| secrets_equal(&hash(given), expected))
    }

    /// The `Set-Cookie` of a new sign-in (none without an admin token).
    pub fn sign_in_cookie(&self) -> Option<HeaderValue> {
        let sessions = self.0.sessions.as_ref()?;
        let value = sessions.value(unix_now());
        sessions.cookie(&value, SESSION_SECONDS)
    }

    /// The `Set-Cookie` that removes the session cookie from the browser.
    pub fn sign_out_cookie(&self) -> Option<HeaderValue> {
        self.0.sessions.as_ref()?.cookie("", 0)
    }

    /// Whether the request carries a current session cookie.
    pub fn signed_in(&self, headers: &HeaderMap) -> bool {
        let Some(sessions) = &self.0.sessions else {
            return false;
        };
        let now = unix_now();
        cookies(headers, COOKIE).any(|value| sessions.accepts(value, now))
    }

    fn bearer_accepted(&self, headers: &HeaderMap) -> bool {
        headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .is_some_and(|given| self.token_matches(given))
    }

    /// Loopback names and IP addresses (a rebinding page always reaches tossd through a DNS name),
    /// `--public-url`'s host and `--allowed-hosts`.
    fn host_allowed(&self, host: &str) -> bool {
        let host = normal_host(host);
        host.parse::<IpAddr>().is_ok()
            || host == "localhost"
            || host.ends_with(".localhost")
            || self
                .0
                .hosts
                .iter()
                .any(|allowed| match allowed.strip_prefix('.') {
                    Some(domain) => host == domain || host.ends_with(allowed.as_str()),
                    None => host == *allowed,
                })
    }

    /// A state-changing request from tossd's own origin: no `Sec-Fetch-Site: cross-site`, and no
    /// `Origin` (not a browser) or one naming the host and port the request was sent to, or
    /// `--public-url`'s origin.
    fn is_own_origin(&self, headers: &HeaderMap, host: Option<&Authority>) -> bool {
        if headers
            .get("sec-fetch-site")
            .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"cross-site"))
        {
            return false;
        }
        let Some(origin) = headers.get(header::ORIGIN) else {
            return true;
        };
        let Some(origin) = origin.to_str().ok().and_then(parse_origin) else {
            return false;
        };
        self.0.public_origin.as_ref() == Some(&origin)
            || host.is_some_and(|host| {
                normal_host(host.host()) == origin.host
                    && host.port_u16().unwrap_or(origin.default_port()) == origin.port
            })
    }
}

/// The session cookie: `ISSUED.MAC`, the issue time in Unix seconds and its HMAC-SHA-256 under a key
/// derived from the instance key and the admin token. Nothing is kept on the server, so every process of
/// the database accepts it and a restart keeps it; a new admin token ends every session.
struct Sessions {
    key: [u8; 32],
    secure: bool,
}

impl Sessions {
    fn new(instance_key: &[u8], admin_token: &str, secure: bool) -> Sessions {
        Sessions {
            key: hmac_sha256(
                instance_key,
                &[b"tossd operator session\0", admin_token.as_bytes()],
            ),
            secure,
        }
    }

    fn value(&self, issued: u64) -> String {
        let issued = issued.to_string();
        let mac = hmac_sha256(&self.key, &[issued.as_bytes()]);
        format!("{issued}.{}", URL_SAFE_NO_PAD.encode(mac))
    }

    /// A value this key made, issued at most [`SESSION_SECONDS`] ago (a minute of clock skew allowed).
    fn accepts(&self, value: &str, now: u64) -> bool {
        let Some(issued) = value
            .split_once('.')
            .and_then(|(issued, _)| issued.parse::<u64>().ok())
        else {
            return false;
        };
        issued <= now.saturating_add(60)
            && now.saturating_sub(issued) <= SESSION_SECONDS
            && secrets_equal(&self.value(issued), value)
    }

    fn cookie(&self, value: &str, max_age: u64) -> Option<HeaderValue> {
        let secure = if self.secure { "; Secure" } else { "" };
        HeaderValue::from_str(&format!(
            "{COOKIE}={value}; Path=/; Max-Age={max_age}; HttpOnly; SameSite=Strict{secure}"
        ))
        .ok()
    }
}

fn hmac_sha256(key: &[u8], parts: &[&[u8]]) -> [u8; 32] {
    // HMAC takes keys of any length (RFC 2104), so this cannot fail.
    #[allow(clippy::expect_used)]
    let mut mac =
        <Hmac<Sha256> as Mac>::new_from_slice(key).expect("HMAC takes keys of any length");
    for part in parts {
        mac.update(part);
    }
    mac.finalize().into_bytes().into()
}

/// Sessions expire by the wall clock, never the simulated one (which moves by years).
fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// The values of cookie `name` in every `Cookie` header.
fn cookies<'a>(headers: &'a HeaderMap, name: &'a str) -> impl Iterator<Item = &'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(move |pair| {
            let (key, value) = pair.trim().split_once('=')?;
            (key == name).then_some(value)
        })
}

/// An origin as compared: scheme, host (lower case, no brackets, no trailing dot) and port.
#[derive(Debug, PartialEq, Eq)]
struct Origin {
    https: bool,
    host: String,
    port: u16,
}

impl Origin {
    fn default_port(&self) -> u16 {
        if self.https {
            443
        } else {
            80
        }
    }
}

/// `http(s)://host[:port]` (a URL's path is ignored, so `--public-url` parses too); `null` and other
/// schemes are no origin of tossd's.
fn parse_origin(text: &str) -> Option<Origin> {
    let uri: Uri = text.parse().ok()?;
    let https = match uri.scheme_str()? {
        "http" => false,
        "https" => true,
        _ => return None,
    };
    let host = normal_host(uri.host()?);
    let port = uri.port_u16().unwrap_or(if https { 443 } else { 80 });
    Some(Origin { https, host, port })
}

fn normal_host(host: &str) -> String {
    let host = host.strip_suffix('.').unwrap_or(host);
    let host = host
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(host);
    host.to_ascii_lowercase()
}

/// The request's `Host` (or the authority of an absolute request target); `Err` when it is malformed.
fn request_host(request: &Request) -> Result<Option<Authority>, ()> {
    match request.headers().get(header::HOST) {
        Some(value) => value
            .to_str()
            .ok()
            .and_then(|v| v.parse::<Authority>().ok())
            .map(Some)
            .ok_or(()),
        None => Ok(request.uri().authority().cloned()),
    }
}

/// A page a person opens (not the API): a failed sign-in check sends them to the form.
fn is_page(method: &Method, path: &str) -> bool {
    (method == Method::GET || method == Method::HEAD)
        && !path.starts_with("/sim/v1/")
        && path != "/sim/v1"
        && path != "/metrics"
}

pub async fn guard(State(access): State<OperatorAccess>, request: Request, next: Next) -> Response {
    if access.bearer_accepted(request.headers()) {
        return next.run(request).await;
    }
    let host = match request_host(&request) {
        Ok(host) if host.as_ref().is_none_or(|h| access.host_allowed(h.host())) => host,
        _ => {
            return refused(
                "HOST_NOT_ALLOWED",
                "this Host is not a name of this tossd; add it with --allowed-hosts",
            )
        }
    };
    let safe = matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS
    );
    if !safe && !access.is_own_origin(request.headers(), host.as_ref()) {
        return refused(
            "CROSS_SITE_REQUEST",
            "operator endpoints refuse state-changing requests from other origins",
        );
    }
    let path = request.uri().path();
    let signing_in = path == LOGIN_PATH || path == LOGOUT_PATH;
    if access.token_required() && !signing_in && !access.signed_in(request.headers()) {
        if is_page(request.method(), path) {
            let back = request.uri().path_and_query().map_or(path, |p| p.as_str());
            let back: String = form_urlencoded::byte_serialize(back.as_bytes()).collect();
            return Redirect::to(&format!("{LOGIN_PATH}?next={back}")).into_response();
        }
        return unauthorized();
    }
    next.run(request).await
}

/// Where a sign-in returns to: a path on this tossd (as the guard wrote it: printable ASCII), else the
/// dashboard — never another site.
pub fn local_path(next: Option<&str>) -> &str {
    match next {
        Some(next)
            if next.starts_with('/')
                && !next.starts_with("//")
                && !next.starts_with("/\\")
                && next.bytes().all(|b| b.is_ascii_graphic()) =>
        {
            next
        }
        _ => "/dashboard",
    }
}

fn refused(code: &str, message: &str) -> Response {
    json_response(
        StatusCode::FORBIDDEN,
        &json!({"error": {"code": code, "message": message}}),
    )
}

fn unauthorized() -> Response {
    let mut response = json_response(
        StatusCode::UNAUTHORIZED,
        &json!({"error": {"code": "UNAUTHORIZED", "message": "operator endpoints need Authorization: Bearer <admin token>, or a sign-in at /dashboard/login"}}),
    );
    response
        .headers_mut()
        .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    fn access(token: Option<&str>, allowed: &[&str], public_url: &str) -> OperatorAccess {
        let allowed: Vec<String> = allowed.iter().map(|s| (*s).to_owned()).collect();
        OperatorAccess::new(OperatorConfig {
            admin_token: token,
            token_required: token.is_some(),
            allowed_hosts: &allowed,
            public_url,
            instance_key: &[7; 32],
            secure_cookie: false,
        })
    }

    #[test]
    fn hosts() {
        let a = access(
            None,
            &["tossd.internal", ".dev.example"],
            "http://127.0.0.1:8700",
        );
        for ok in [
            "localhost",
            "LOCALHOST.",
            "app.localhost",
            "127.0.0.1",
            "127.8.9.10",
            "[::1]",
            "192.168.0.10",
            "tossd.internal",
            "dev.example",
            "a.b.dev.example",
        ] {
            assert!(a.host_allowed(ok), "{ok}");
        }
        for foreign in [
            "evil.example",
            "localhost.evil.example",
            "tossd.internal.evil.example",
            "xdev.example",
            "",
        ] {
            assert!(!a.host_allowed(foreign), "{foreign}");
        }
        let public = access(None, &[], "https://Tossd.Example.COM/base/");
        assert!(public.host_allowed("tossd.example.com"));
        assert!(!public.host_allowed("www.tossd.example.com"));
    }

    fn origin_headers(origin: Option<&str>, fetch_site: Option<&str>) -> HeaderMap {
        let mut headers = HeaderMap::new();
        if let Some(origin) = origin {
            headers.insert(header::ORIGIN, HeaderValue::from_str(origin).unwrap());
        }
        if let Some(site) = fetch_site {
            headers.insert("sec-fetch-site", HeaderValue::from_str(site).unwrap());
        }
        headers
    }

    #[test]
    fn origins() {
        let a = access(None, &[], "https://tossd.example.com");
        let host: Authority = "127.0.0.1:8700".parse().unwrap();
        let own = |origin, site| a.is_own_origin(&origin_headers(origin, site), Some(&host));
        assert!(own(None, None));
        assert!(own(Some("http://127.0.0.1:8700"), Some("same-origin")));
        assert!(own(Some("https://tossd.example.com"), None));
        assert!(own(Some("https://tossd.example.com:443"), None));
        assert!(!own(Some("http://127.0.0.1:3000"), Some("same-site")));
        assert!(!own(Some("http://localhost:8700"), None));
        assert!(!own(Some("https://evil.example"), None));
        assert!(!own(Some("null"), None));
        assert!(!own(None, Some("cross-site")));
        assert!(!own(Some("http://127.0.0.1:8700"), Some("cross-site")));
        let default_port: Authority = "tossd.internal".parse().unwrap();
        let headers = origin_headers(Some("http://tossd.internal"), None);
        assert!(a.is_own_origin(&headers, Some(&default_port)));
        let headers = origin_headers(Some("https://tossd.internal:80"), None);
        assert!(!a.is_own_origin(&headers, Some(&default_port)));
    }

    #[test]
    fn sessions_expire_and_belong_to_one_token_and_instance() {
        let sessions = Sessions::new(&[1; 32], "token", false);
        let value = sessions.value(1_000_000);
        assert!(sessions.accepts(&value, 1_000_000));
        assert!(sessions.accepts(&value, 1_000_000 + SESSION_SECONDS));
        assert!(!sessions.accepts(&value, 1_000_001 + SESSION_SECONDS));
        assert!(!sessions.accepts(&value, 1_000_000 - 61));
        assert!(!Sessions::new(&[1; 32], "other", false).accepts(&value, 1_000_000));
        assert!(!Sessions::new(&[2; 32], "token", false).accepts(&value, 1_000_000));
        let padded = format!("0{value}");
        assert!(!sessions.accepts(&padded, 1_000_000));
        assert!(!sessions.accepts("1000000.", 1_000_000));
        assert!(!sessions.accepts("garbage", 1_000_000));
    }

    #[test]
    fn cookies_are_found_among_others() {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::COOKIE,
            HeaderValue::from_static("a=1; tossd_session=x.y;b=2"),
        );
        headers.append(header::COOKIE, HeaderValue::from_static("tossd_session=z"));
        assert_eq!(cookies(&headers, COOKIE).collect::<Vec<_>>(), ["x.y", "z"]);
    }

    #[test]
    fn sign_ins_return_only_to_local_paths() {
        assert_eq!(local_path(Some("/sim/pay/abc?x=1")), "/sim/pay/abc?x=1");
        for bad in [
            None,
            Some("https://evil.example"),
            Some("//evil.example"),
            Some("/\\evil.example"),
            Some("/a\nb"),
            Some("/a b"),
            Some("/결제"),
            Some(""),
        ] {
            assert_eq!(local_path(bad), "/dashboard", "{bad:?}");
        }
    }

    #[test]
    fn tokens_compare_whole() {
        let a = access(Some("s3cret"), &[], "http://127.0.0.1:8700");
        assert!(a.token_matches("s3cret"));
        assert!(!a.token_matches("s3cre"));
        assert!(!a.token_matches(""));
        assert!(!access(None, &[], "http://127.0.0.1:8700").token_matches(""));
    }
}
