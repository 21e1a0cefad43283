//! `/dashboard/journal`: the request journal with filters (path, method, status, object id) and a detail
//! pane. The page is a shell; its script reads `GET /sim/v1/requests` and `GET /sim/v1/requests/{id}`
//! from the same origin, and says the journal is unavailable when those answer 404.

use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::Response;

use super::{Lang, Page, View};
use crate::state::AppState;

pub async fn page(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(view): Query<View>,
) -> Response {
    let lang = Lang::of(&headers);
    let t = |ko, en| lang.t(ko, en);
    let filters = format!(
        "<section id=\"journal\"><form id=\"journal-filters\" class=\"controls\">\
         <label>{path} <input id=\"filter-path\" name=\"path\" placeholder=\"/v1/payments/confirm\"></label>\
         <label>{method} <input id=\"filter-method\" name=\"method\" size=\"6\" placeholder=\"POST\"></label>\
         <label>{status} <input id=\"filter-status\" name=\"status\" size=\"5\" placeholder=\"4xx\"></label>\
         <label>{object} <input id=\"filter-object\" name=\"object\" placeholder=\"paymentKey, payToken…\"></label>\
         <button id=\"filter-apply\" type=\"submit\">{apply}</button></form>\
         <div class=\"journal-split\"><div id=\"journal-list\" class=\"journal-body\"></div>\
         <div id=\"journal-detail\"><p class=\"empty\">{pick}</p></div></div>\
         <button id=\"journal-more\" type=\"button\" hidden>{more}</button></section>",
        path = t("경로", "Path"),
        method = t("메서드", "Method"),
        status = t("상태 코드", "Status"),
        object = t("객체 id", "Object id"),
        apply = t("적용", "Apply"),
        pick = t("요청을 고르면 자세히 보여요.", "Pick a request to see it in full."),
        more = t("더 보기", "More"),
    );
    Page {
        lang,
        title: t("요청 기록", "Request journal").to_owned(),
        before: filters,
        after: String::new(),
        polls: false,
        view: &view,
    }
    .respond(&state, Ok(Some(String::new())))
    .await
}
