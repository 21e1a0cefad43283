//! The dashboard's BrandPay redirect-URL form (docs/front-end.md#brandpay-sdk): each merchant's
//! registered URLs, one per line, saved through the same store as
//! `PUT /sim/v1/merchants/{mId}/brandpay/redirect-urls`.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::post;
use axum::Router;

use crate::sim::brandpay_sdk::checked_redirect_urls;
use crate::state::AppState;
use crate::store::{self, Db};
use crate::web::html::escape;

const PATH: &str = "/dashboard/brandpay/redirect-urls";

pub fn router() -> Router<AppState> {
    Router::new().route(PATH, post(save))
}

/// The section: a form per merchant.
pub async fn section(db: &Db) -> Result<String, sqlx::Error> {
    let mut out =
        String::from("<section id=\"brandpay-redirect-urls\"><h2>브랜드페이 리다이렉트 URL</h2>");
    let mut seen = Vec::new();
    for key in store::merchants::client_keys(db).await? {
        if seen.contains(&key.mid) {
            continue;
        }
        let Some(merchant) = store::merchants::by_mid_or_default(db, Some(&key.mid)).await? else {
            continue;
        };
        let urls = store::brandpay_sdk::redirect_urls(db, merchant.id).await?;
        let mid = escape(&key.mid);
        out.push_str(&format!(
            "<form method=\"post\" action=\"{PATH}\"><input type=\"hidden\" name=\"mId\" value=\"{mid}\">\
             <label>{mid} <textarea id=\"redirect-urls-{mid}\" name=\"urls\" rows=\"3\" cols=\"60\">{}</textarea></label>\
             <button id=\"save-redirect-urls-{mid}\" type=\"submit\">저장</button></form>",
            escape(&urls.join("\n"))
        ));
        seen.push(key.mid);
    }
    out.push_str("</section>");
    Ok(out)
}

async fn save(State(state): State<AppState>, body: Bytes) -> Response {
    let mut mid = None;
    let mut urls = Vec::new();
    for (name, value) in form_urlencoded::parse(&body) {
        match name.as_ref() {
            "mId" => mid = Some(value.into_owned()),
            "urls" => urls.extend(
                value
                    .lines()
                    .map(str::trim)
                    .filter(|l| !l.is_empty())
                    .map(str::to_owned),
            ),
            _ => {}
        }
    }
    let bad = |message: String| (StatusCode::BAD_REQUEST, message).into_response();
    let Some(mid) = mid else {
        return bad("mId is required".into());
    };
    let urls = match checked_redirect_urls(urls) {
        Ok(urls) => urls,
        Err(message) => return bad(message),
    };
    let saved = async {
        let Some(merchant) = store::merchants::by_mid_or_default(&state.db, Some(&mid)).await?
        else {
            return Ok(false);
        };
        let now = state.clock.now(&state.db).await?;
        store::brandpay_sdk::replace_redirect_urls(&state.db, merchant.id, &urls, now).await?;
        Ok::<_, sqlx::Error>(true)
    };
    match saved.await {
        Ok(true) => Redirect::to("/dashboard#brandpay-redirect-urls").into_response(),
        Ok(false) => (StatusCode::NOT_FOUND, "no such merchant").into_response(),
        Err(e) => super::failed("saving redirect URLs", &e),
    }
}
