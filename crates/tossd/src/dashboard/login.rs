//! Signing a browser in with the admin token (`/dashboard/login`), for pages that cannot send a Bearer
//! header. The session cookie is made and checked by the operator guard (`web::operator`,
//! docs/security.md).

use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use serde::Deserialize;

use crate::state::AppState;
use crate::web::html::escape;
use crate::web::operator::{local_path, OperatorAccess, LOGIN_PATH, LOGOUT_PATH};

pub fn router() -> Router<AppState> {
    Router::new()
        .route(LOGIN_PATH, get(form).post(sign_in))
        .route(LOGOUT_PATH, post(sign_out))
}

#[derive(Deserialize)]
pub struct LoginQuery {
    next: Option<String>,
}

/// The form; straight back to `next` when there is nothing to sign in to or the browser already is.
async fn form(
    State(access): State<OperatorAccess>,
    headers: HeaderMap,
    Query(query): Query<LoginQuery>,
) -> Response {
    let next = local_path(query.next.as_deref());
    if !access.token_required() || access.signed_in(&headers) {
        return Redirect::to(next).into_response();
    }
    page(StatusCode::OK, next, false)
}

/// `token=…&next=…`: the right token sets the session cookie and returns to `next`.
async fn sign_in(State(access): State<OperatorAccess>, body: Bytes) -> Response {
    let mut token = None;
    let mut next = None;
    for (key, value) in form_urlencoded::parse(&body) {
        match &*key {
            "token" => token = Some(value.into_owned()),
            "next" => next = Some(value.into_owned()),
            _ => {}
        }
    }
    let next = local_path(next.as_deref());
    if !access.token_required() {
        return Redirect::to(next).into_response();
    }
    match access.sign_in_cookie() {
        Some(cookie) if token.as_deref().is_some_and(|t| access.token_matches(t)) => {
            let mut response = Redirect::to(next).into_response();
            response.headers_mut().insert(header::SET_COOKIE, cookie);
            response
        }
        _ => page(StatusCode::UNAUTHORIZED, next, true),
    }
}

async fn sign_out(State(access): State<OperatorAccess>) -> Response {
    let mut response = Redirect::to(LOGIN_PATH).into_response();
    if let Some(cookie) = access.sign_out_cookie() {
        response.headers_mut().insert(header::SET_COOKIE, cookie);
    }
    response
}

fn page(status: StatusCode, next: &str, refused: bool) -> Response {
    let error = if refused {
        "<p id=\"error\" class=\"error\">토큰이 맞지 않아요. (wrong admin token)</p>"
    } else {
        ""
    };
    let html = format!(
        "{head}<section id=\"sign-in\"><h2>로그인 (sign in)</h2>\
         <p>tossd를 시작할 때 준 관리자 토큰(<code>--admin-token</code>)을 입력하세요.</p>{error}\
         <form method=\"post\" action=\"{LOGIN_PATH}\">\
         <input type=\"hidden\" name=\"next\" value=\"{next}\">\
         <input id=\"token\" name=\"token\" type=\"password\" autocomplete=\"current-password\" required autofocus> \
         <button id=\"sign-in-button\" type=\"submit\">로그인</button></form></section></main></body></html>",
        head = include_str!("head.html"),
        next = escape(next),
    );
    (status, Html(html)).into_response()
}
