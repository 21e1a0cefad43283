//! The operator dashboard (`/dashboard`): an overview of the emulated Toss — apps, users, payments,
//! orders, promotions, messages, BrandPay customers, webhooks — with the clock and reset controls, a page
//! per object (Toss Pay payment, Toss Payments payment, BrandPay customer, user) and a view of the request
//! journal. Every page reads the tables the APIs write, through their owner stores, and refreshes itself
//! every two seconds from its own `?live=1` JSON, so a change made through the API shows without a reload.
//! Labels are Korean or English (`Lang`).

mod customer;
mod journal;
mod lang;
mod login;
mod overview;
mod pay;
mod payment;
mod redirect_urls;
mod user;

use std::hash::{Hash, Hasher};

use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse, Json, Response};
use axum::routing::get;
use axum::Router;
use serde::Deserialize;
use serde_json::json;

use crate::state::AppState;
use crate::store::outbox::Delivery;
use crate::store::payments::PaymentSummary;
use crate::web::html::{escape, group_digits};

pub use lang::Lang;

pub fn router() -> Router<AppState> {
    Router::new()
        .merge(overview::router())
        .route("/dashboard/pay/{payToken}", get(pay::page))
        .route("/dashboard/payments/{paymentKey}", get(payment::page))
        .route("/dashboard/customers/{customerKey}", get(customer::page))
        .route("/dashboard/users/{userKey}", get(user::page))
        .route("/dashboard/journal", get(journal::page))
        .merge(login::router())
        .merge(redirect_urls::router())
}

/// `?live=1`: the page's live part as JSON (`{"html", "now"}`) instead of the whole page.
#[derive(Deserialize)]
pub struct View {
    live: Option<String>,
}

impl View {
    fn live(&self) -> bool {
        self.live.is_some()
    }
}

/// A page being answered: its title, what stays put around the live part, and whether it polls.
struct Page<'a> {
    lang: Lang,
    title: String,
    /// Before the live part (controls that a refresh must not replace under the pointer).
    before: String,
    /// After the live part (client-filled sections, e.g. journal entries).
    after: String,
    polls: bool,
    view: &'a View,
}

impl Page<'_> {
    /// The whole page, or its live JSON; `content` is `None` when the object does not exist.
    async fn respond(
        self,
        state: &AppState,
        content: Result<Option<String>, sqlx::Error>,
    ) -> Response {
        let lang = self.lang;
        let (now, content) = match (state.clock.now(&state.db).await, content) {
            (Ok(now), Ok(content)) => (now, content),
            (Err(e), _) | (_, Err(e)) => {
                tracing::error!(error = %e, "dashboard query failed");
                return (StatusCode::INTERNAL_SERVER_ERROR, "database error").into_response();
            }
        };
        let (status, content) = match content {
            Some(content) => (StatusCode::OK, content),
            None => (
                StatusCode::NOT_FOUND,
                format!(
                    "<section><p id=\"not-found\" class=\"empty\">{}</p></section>",
                    lang.t("찾을 수 없어요.", "Not found.")
                ),
            ),
        };
        let version = version(&content);
        if self.view.live() {
            let body = json!({"html": content, "version": version, "now": now.tp()});
            return (status, Json(body)).into_response();
        }
        let mut out = String::with_capacity(16 * 1024);
        out.push_str(&include_str!("head.html").replacen(
            "<html lang=\"ko\">",
            &format!("<html lang=\"{}\">", lang.code()),
            1,
        ));
        out.push_str("<nav>");
        out.push_str(&format!(
            "<a id=\"nav-overview\" href=\"/dashboard\">{}</a><a id=\"nav-journal\" href=\"/dashboard/journal\">{}</a>",
            lang.t("대시보드", "Dashboard"),
            lang.t("요청 기록", "Request journal"),
        ));
        out.push_str(&format!(
            "<span class=\"now\">{} <time id=\"clock-now\" datetime=\"{}\">{}</time></span>",
            lang.t("지금", "Now"),
            now.rfc3339_micros(),
            now.tp()
        ));
        out.push_str(
            "<span class=\"lang\"><button id=\"lang-ko\" type=\"button\" data-lang=\"ko\">한국어</button>\
             <button id=\"lang-en\" type=\"button\" data-lang=\"en\">English</button></span>",
        );
        if state.settings.operator.token_required() {
            out.push_str(&format!(
                "<form method=\"post\" action=\"{}\"><button id=\"sign-out\" type=\"submit\">{}</button></form>",
                crate::web::operator::LOGOUT_PATH,
                lang.t("로그아웃", "Sign out"),
            ));
        }
        out.push_str(&format!(
            "</nav><h2 id=\"page-title\" class=\"page-title\">{}</h2>",
            escape(&self.title)
        ));
        out.push_str(&self.before);
        out.push_str(&format!(
            "<div id=\"live\" data-version=\"{version}\"{}>{content}</div>",
            if self.polls { " data-poll=\"1\"" } else { "" }
        ));
        out.push_str(&self.after);
        out.push_str("</main><script>");
        out.push_str(include_str!("dashboard.js"));
        out.push_str("</script></body></html>");
        (status, Html(out)).into_response()
    }
}

/// A fingerprint of the live part, so the page replaces it only when it changed (which keeps what a
/// person is pointing at); the same in every process of one build.
fn version(content: &str) -> String {
    let mut hasher = std::hash::DefaultHasher::new();
    content.hash(&mut hasher);
    format!("{:016x}", hasher.finish())
}

/// An amount of won with its thousands grouped: `15,000원`.
fn won(amount: i64) -> String {
    format!("{}원", group_digits(amount))
}

fn yes_no(lang: Lang, value: bool) -> String {
    lang.t(
        if value { "예" } else { "아니오" },
        if value { "yes" } else { "no" },
    )
    .to_owned()
}

/// A path segment with everything but unreserved characters percent-encoded.
fn segment(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// A link to an object's page: `/dashboard/{kind}/{id}`, showing the id.
fn object_link(kind: &str, id: &str) -> String {
    format!(
        "<a class=\"object\" href=\"/dashboard/{kind}/{}\">{}</a>",
        segment(id),
        escape(id)
    )
}

/// A table section: a heading, column names and rows of already-escaped cells.
fn section(id: &str, title: &str, columns: &[&str], rows: &[Vec<String>], lang: Lang) -> String {
    let mut out = format!("<section id=\"{id}\"><h2>{}</h2>", escape(title));
    if rows.is_empty() {
        out.push_str(&format!(
            "<p class=\"empty\">{}</p></section>",
            lang.t("없음", "none")
        ));
        return out;
    }
    out.push_str("<table><thead><tr>");
    for column in columns {
        out.push_str(&format!("<th>{}</th>", escape(column)));
    }
    out.push_str("</tr></thead><tbody>");
    for row in rows {
        out.push_str("<tr>");
        for cell in row {
            out.push_str(&format!("<td>{cell}</td>"));
        }
        out.push_str("</tr>");
    }
    out.push_str("</tbody></table></section>");
    out
}

/// A field table section: one row per field, the value cell marked `data-field` for tests and scripts.
fn fields(id: &str, title: &str, rows: &[(&str, &str, String)]) -> String {
    let mut out = format!(
        "<section id=\"{id}\"><h2>{}</h2><table class=\"fields\">",
        escape(title)
    );
    for (field, label, value) in rows {
        out.push_str(&format!(
            "<tr><th>{}</th><td data-field=\"{field}\">{value}</td></tr>",
            escape(label)
        ));
    }
    out.push_str("</table></section>");
    out
}

/// Toss Payments payments, each linking to its page.
fn payments_table(id: &str, title: &str, payments: &[PaymentSummary], lang: Lang) -> String {
    let t = |ko, en| lang.t(ko, en);
    let rows: Vec<Vec<String>> = payments
        .iter()
        .map(|p| {
            vec![
                p.created_at.tp(),
                object_link("payments", &p.payment_key),
                escape(&p.order_id),
                escape(&p.status),
                won(p.total_amount),
                won(p.balance_amount),
            ]
        })
        .collect();
    let columns = [
        t("생성", "Created"),
        "paymentKey",
        "orderId",
        t("상태", "Status"),
        t("결제 금액", "Total"),
        t("취소 가능 잔액", "Balance"),
    ];
    section(id, title, &columns, &rows, lang)
}

/// The webhook and callback deliveries of an object.
fn webhooks(deliveries: &[Delivery], lang: Lang) -> String {
    let rows: Vec<Vec<String>> = deliveries
        .iter()
        .map(|w| {
            vec![
                w.created_at.tp(),
                escape(&w.transmission_id),
                escape(w.event_type.as_str()),
                escape(w.state.as_str()),
                w.retried_count.to_string(),
            ]
        })
        .collect();
    section(
        "webhooks",
        lang.t("웹훅·콜백", "Webhooks and callbacks"),
        &[
            lang.t("기록", "Recorded"),
            "transmissionId",
            lang.t("이벤트", "Event"),
            lang.t("상태", "State"),
            lang.t("재시도", "Retries"),
        ],
        &rows,
        lang,
    )
}

/// The journal entries that touched an object, filled in by the page's script from `/sim/v1/requests`.
fn journal_entries(object: &str, lang: Lang) -> String {
    format!(
        "<section id=\"journal-entries\" data-object=\"{}\"><h2>{}</h2><div class=\"journal-body\"></div></section>",
        escape(object),
        lang.t("이 객체를 건드린 요청", "Requests that touched it"),
    )
}

/// What a plain-text failure of a form action says.
fn failed(action: &str, error: &dyn std::fmt::Display) -> Response {
    tracing::error!(error = %error, "{action} failed");
    (
        StatusCode::INTERNAL_SERVER_ERROR,
        [(header::CONTENT_TYPE, "text/plain")],
        format!("{action} failed"),
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segments_are_percent_encoded() {
        assert_eq!(segment("cust-1_a.b~"), "cust-1_a.b~");
        assert_eq!(segment("a b/c?"), "a%20b%2Fc%3F");
        assert_eq!(segment("고객"), "%EA%B3%A0%EA%B0%9D");
    }

    #[test]
    fn won_groups_thousands() {
        assert_eq!(won(15000), "15,000원");
    }
}
