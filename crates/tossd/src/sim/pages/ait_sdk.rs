//! What the Apps-in-Toss web framework drop-in (`/js/apps-in-toss/web-framework.js`, docs/front-end.md)
//! needs from tossd: the module itself, the in-app purchase sheet, and a bridge page through which the
//! module calls the simulator from tossd's own origin (operator endpoints refuse other origins' writes).

use axum::extract::State;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use serde::Deserialize;

use super::{failed, js, not_found, page};
use crate::sim::SimQuery;
use crate::state::AppState;
use crate::store;
use crate::web::html::escape;

const MODULE: &str = include_str!("../../../assets/js/apps-in-toss/web-framework.js");

/// The module: public like any static asset, since a mini-app's page loads it without tossd's sign-in
/// cookie (a cross-origin module script carries no credentials).
pub fn module_router() -> Router<AppState> {
    Router::new().route("/js/apps-in-toss/web-framework.js", get(module))
}

/// The pages the module opens, behind the operator guard like every simulator page.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/sim/sdk/bridge", get(bridge))
        .route("/sim/iap/purchase", get(purchase_sheet))
}

/// The ES module. A mini-app on its own origin imports it, and module scripts are fetched with CORS.
async fn module() -> Response {
    let mut response = MODULE.into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/javascript"),
    );
    headers.insert(
        header::ACCESS_CONTROL_ALLOW_ORIGIN,
        HeaderValue::from_static("*"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    response
}

/// A hidden page the module embeds: it makes the module's two sheet-less calls (the pending orders, a
/// grant) as tossd's own origin and posts the answers back. Only these two: any site can embed it, and
/// the operator guard's refusal of other origins' writes must keep holding for the rest of `/sim/v1`.
async fn bridge() -> Response {
    Html(
        "<!doctype html><meta charset=\"utf-8\"><title>tossd bridge</title><script>\
         addEventListener('message', async (event) => {\
           const m = event.data;\
           if (!m || typeof m.tossdCall !== 'number') return;\
           let path, init;\
           if (m.op === 'pending' && typeof m.query === 'string') {\
             path = '/sim/v1/iap/pending-orders?' + m.query; init = {method: 'GET'};\
           } else if (m.op === 'grant' && typeof m.orderId === 'string') {\
             path = '/sim/v1/iap/orders/' + encodeURIComponent(m.orderId) + '/status';\
             init = {method: 'POST', headers: {'content-type': 'application/json'}, body: JSON.stringify({status: 'PURCHASED'})};\
           } else return;\
           let status = 0, body = null;\
           try { const r = await fetch(path, init); status = r.status; body = await r.json().catch(() => null); }\
           catch (e) { body = {error: {code: 'NETWORK', message: String(e)}}; }\
           event.source.postMessage({tossdReply: m.tossdCall, status, body}, event.origin);\
         });</script>",
    )
    .into_response()
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PurchaseQuery {
    sku: Option<String>,
    user_key: Option<i64>,
}

/// The in-app purchase sheet `IAP.createOneTimePurchaseOrder()` opens: the user buys the product (the
/// store payment succeeds and the order waits for the partner's grant) or closes the sheet.
async fn purchase_sheet(
    State(state): State<AppState>,
    SimQuery(query): SimQuery<PurchaseQuery>,
) -> Response {
    let Some(sku) = query.sku else {
        return (
            StatusCode::BAD_REQUEST,
            page("인앱 결제", "<p id=\"error\">sku가 필요해요.</p>", ""),
        )
            .into_response();
    };
    match store::iap::product_app(&state.db, &sku).await {
        Ok(Some(_)) => {}
        Ok(None) => return not_found("그런 상품이 없어요."),
        Err(e) => return failed(e),
    }
    let sku_query: String = form_urlencoded::byte_serialize(sku.as_bytes()).collect();
    let Some(user_key) = query.user_key else {
        let users = match store::users::active(&state.db, 50).await {
            Ok(users) => users,
            Err(e) => return failed(e),
        };
        let mut list = String::from("<p>구매할 토스 사용자를 고르세요.</p><ul id=\"users\">");
        for user in users {
            let key = user.user_key;
            list.push_str(&format!(
                "<li><a href=\"/sim/iap/purchase?sku={}&amp;userKey={key}\">{} ({key})</a></li>",
                escape(&sku_query),
                escape(&user.name)
            ));
        }
        list.push_str("</ul>");
        return page("인앱 결제", &list, "");
    };
    let body = format!(
        "<p class=\"product\" id=\"sku\">{}</p><p class=\"meta\">userKey {user_key}</p>\
         <div class=\"buttons\"><button id=\"buy\" class=\"primary\">구매하기</button>\
         <button id=\"close\">닫기</button></div><p id=\"error\" class=\"error\" hidden></p>",
        escape(&sku)
    );
    let script = format!(
        "const sku = {sku};\
         function tell(message) {{ if (parent !== window) parent.postMessage({{tossd: 'iap', ...message}}, '*'); }}\
         document.getElementById('buy').addEventListener('click', async () => {{\
           const r = await simCall('/sim/v1/iap/orders', {{userKey: {user_key}, sku, status: 'PAYMENT_COMPLETED'}});\
           if (!r.ok) return showError(r.body);\
           document.querySelectorAll('.buttons button').forEach(b => b.disabled = true);\
           tell({{orderId: r.body.orderId, sku: r.body.sku}});\
         }});\
         document.getElementById('close').addEventListener('click', () => tell({{canceled: true}}));",
        sku = js(&sku)
    );
    page("인앱 결제", &body, &script)
}
