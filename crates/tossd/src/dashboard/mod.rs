//! The operator dashboard (`/dashboard`): one server-rendered page showing the state of the emulated
//! Toss — apps, users, payments, orders, promotions, messages, BrandPay customers, webhooks — with the
//! clock and reset controls. It reads the
//! same tables the APIs write and moves time through the same clock as `/sim/v1`.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use sqlx::Row;

use crate::domain::time::Instant;
use crate::seed;
use crate::state::AppState;
use crate::store::flag;
use crate::web::html::escape;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/dashboard", get(page))
        .route("/dashboard/clock/advance", post(advance))
        .route("/dashboard/reset", post(reset))
}

/// One table section: a heading, column names and rows of already-escaped cells.
struct Section {
    id: &'static str,
    title: &'static str,
    columns: &'static [&'static str],
    rows: Vec<Vec<String>>,
}

impl Section {
    fn render(&self, out: &mut String) {
        out.push_str(&format!(
            "<section id=\"{}\"><h2>{}</h2>",
            self.id, self.title
        ));
        if self.rows.is_empty() {
            out.push_str("<p class=\"empty\">없음 (none)</p></section>");
            return;
        }
        out.push_str("<table><thead><tr>");
        for column in self.columns {
            out.push_str(&format!("<th>{column}</th>"));
        }
        out.push_str("</tr></thead><tbody>");
        for row in &self.rows {
            out.push_str("<tr>");
            for cell in row {
                out.push_str(&format!("<td>{cell}</td>"));
            }
            out.push_str("</tr>");
        }
        out.push_str("</tbody></table></section>");
    }
}

/// How a column is read and shown.
#[derive(Clone, Copy)]
enum Cell {
    Text,
    OptText,
    Int,
    Flag,
    /// Microseconds since the epoch, shown in KST.
    Time,
}

/// Runs `sql` and renders each row's columns as `cells` says.
async fn rows(
    state: &AppState,
    sql: &str,
    cells: &[Cell],
) -> Result<Vec<Vec<String>>, sqlx::Error> {
    let fetched = sqlx::query(sql).fetch_all(state.db.reader()).await?;
    Ok(fetched
        .iter()
        .map(|row| {
            cells
                .iter()
                .enumerate()
                .map(|(i, cell)| match cell {
                    Cell::Text => escape(&row.get::<String, _>(i)),
                    Cell::OptText => escape(&row.get::<Option<String>, _>(i).unwrap_or_default()),
                    Cell::Int => row.get::<i64, _>(i).to_string(),
                    Cell::Flag => if flag(row.get(i)) { "예" } else { "아니오" }.to_owned(),
                    Cell::Time => Instant(row.get(i)).tp(),
                })
                .collect()
        })
        .collect())
}

async fn sections(state: &AppState) -> Result<Vec<Section>, sqlx::Error> {
    use Cell::*;
    let mut out = Vec::new();
    let mut add = |id, title, columns, rows| {
        out.push(Section {
            id,
            title,
            columns,
            rows,
        })
    };
    add(
        "apps",
        "Apps-in-Toss 앱",
        &["appId", "이름", "clientId", "기본", "평문 PII", "분당 호출 한도"],
        rows(
            state,
            "SELECT app_id, name, client_id, is_default, plaintext_pii, rate_limit_per_minute FROM apps ORDER BY id",
            &[Text, Text, Text, Flag, Flag, Int],
        )
        .await?,
    );
    add(
        "users",
        "토스 사용자",
        &["userKey", "이름", "전화", "이메일", "포인트", "푸시", "마케팅 동의", "탈퇴"],
        rows(
            state,
            "SELECT user_key, name, phone, email, points_balance, push_enabled, marketing_consent, withdrawn \
             FROM users ORDER BY created_at, user_key LIMIT 200",
            &[Int, Text, Text, OptText, Int, Flag, Flag, Flag],
        )
        .await?,
    );
    add(
        "toss-pay",
        "토스페이 결제",
        &["생성", "payToken", "orderNo", "userKey", "모드", "상태", "금액"],
        rows(
            state,
            "SELECT created_at, pay_token, order_no, user_key, mode, status, amount FROM ait_payments \
             ORDER BY seq DESC LIMIT 50",
            &[Time, Text, Text, Int, Text, Text, Int],
        )
        .await?,
    );
    add(
        "iap",
        "인앱 결제 주문",
        &["생성", "orderId", "userKey", "sku", "상태"],
        rows(
            state,
            "SELECT created_at, order_id, user_key, sku, status FROM iap_orders ORDER BY created_at DESC LIMIT 50",
            &[Time, Text, Int, Text, Text],
        )
        .await?,
    );
    add(
        "promotions",
        "프로모션",
        &["appId", "promotionCode", "상태", "남은 예산", "예산"],
        rows(
            state,
            "SELECT app_id, promotion_code, state, budget_remaining, budget FROM promotions ORDER BY id",
            &[Text, Text, Text, Int, Int],
        )
        .await?,
    );
    add(
        "messages",
        "스마트 메시지",
        &["발송", "userKey", "채널", "템플릿", "내용", "실패 사유"],
        rows(
            state,
            "SELECT sent_at, user_key, channel, template_set_code, text, fail_reason FROM messages \
             ORDER BY seq DESC LIMIT 50",
            &[Time, Int, Text, Text, Text, OptText],
        )
        .await?,
    );
    add(
        "merchants",
        "토스페이먼츠 상점",
        &["mId", "이름", "모드", "클라이언트 키"],
        rows(
            state,
            "SELECT m.mid, m.name, k.mode, k.client_key FROM merchants m \
             JOIN merchant_keys k ON k.merchant_id = m.id ORDER BY m.id, k.mode",
            &[Text, Text, Text, Text],
        )
        .await?,
    );
    add(
        "brandpay-customers",
        "브랜드페이 고객",
        &["가입", "customerKey", "모드", "상태", "본인인증"],
        rows(
            state,
            "SELECT created_at, customer_key, mode, status, identified FROM bp_customers ORDER BY id DESC LIMIT 50",
            &[Time, Text, Text, Text, Flag],
        )
        .await?,
    );
    add(
        "payments",
        "토스페이먼츠 결제",
        &["생성", "paymentKey", "orderId", "상태", "결제 금액", "취소 가능 잔액"],
        rows(
            state,
            "SELECT created_at, payment_key, order_id, status, total_amount, balance_amount FROM tp_payments \
             ORDER BY seq DESC LIMIT 50",
            &[Time, Text, Text, Text, Int, Int],
        )
        .await?,
    );
    add(
        "webhooks",
        "웹훅·콜백",
        &["기록", "transmissionId", "이벤트", "상태", "재시도"],
        rows(
            state,
            "SELECT created_at, transmission_id, event_type, state, retried_count FROM outbox_events \
             ORDER BY id DESC LIMIT 50",
            &[Time, Text, Text, Text, Int],
        )
        .await?,
    );
    Ok(out)
}

async fn page(State(state): State<AppState>) -> Response {
    let (now, sections) = match (state.clock.now(&state.db).await, sections(&state).await) {
        (Ok(now), Ok(sections)) => (now, sections),
        (Err(e), _) | (_, Err(e)) => {
            tracing::error!(error = %e, "dashboard query failed");
            return (StatusCode::INTERNAL_SERVER_ERROR, "database error").into_response();
        }
    };
    let mut out = String::with_capacity(16 * 1024);
    out.push_str(include_str!("head.html"));
    out.push_str("<nav>");
    for section in &sections {
        out.push_str(&format!(
            "<a href=\"#{}\">{}</a>",
            section.id, section.title
        ));
    }
    out.push_str("</nav><section id=\"clock\"><h2>시계</h2>");
    out.push_str(&format!(
        "<p>지금 <time id=\"clock-now\" datetime=\"{}\">{}</time></p>",
        now.rfc3339_micros(),
        now.tp()
    ));
    out.push_str("<div class=\"controls\">");
    for (seconds, label) in [
        (60, "+1분"),
        (600, "+10분"),
        (3600, "+1시간"),
        (86400, "+1일"),
    ] {
        out.push_str(&format!(
            "<form method=\"post\" action=\"/dashboard/clock/advance\"><input type=\"hidden\" name=\"seconds\" \
             value=\"{seconds}\"><button id=\"advance-{seconds}\" type=\"submit\">{label}</button></form>"
        ));
    }
    out.push_str(
        "<form method=\"post\" action=\"/dashboard/reset\" onsubmit=\"return confirm('모든 상태를 지우고 초기화할까요?')\">\
         <button id=\"reset\" class=\"danger\" type=\"submit\">초기화</button></form></div></section>",
    );
    for section in &sections {
        section.render(&mut out);
    }
    out.push_str("</main></body></html>");
    Html(out).into_response()
}

/// `seconds=N` from the form body.
fn form_seconds(body: &[u8]) -> Option<i64> {
    let text = std::str::from_utf8(body).ok()?;
    text.split('&')
        .find_map(|pair| pair.strip_prefix("seconds="))
        .and_then(|v| v.parse().ok())
        .filter(|s| (0..=crate::domain::time::MAX_ADVANCE_SECONDS).contains(s))
}

async fn advance(State(state): State<AppState>, body: Bytes) -> Response {
    let Some(seconds) = form_seconds(&body) else {
        return (
            StatusCode::BAD_REQUEST,
            "seconds must be a whole number from 0 to 3153600000 (100 years)",
        )
            .into_response();
    };
    match crate::sweep::advance_clock(&state.db, &state.clock, &state.outbox_wake, seconds).await {
        Ok(_) => Redirect::to("/dashboard#clock").into_response(),
        Err(e) => failed("advancing the clock", &e),
    }
}

async fn reset(State(state): State<AppState>) -> Response {
    match seed::reset(&state.db, &state.seed).await {
        Ok(()) => Redirect::to("/dashboard").into_response(),
        Err(e) => failed("reset", &e),
    }
}

/// A failed form action: logged, and answered as plain text.
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
    fn reads_the_seconds_field() {
        assert_eq!(form_seconds(b"seconds=3600"), Some(3600));
        assert_eq!(form_seconds(b"x=1&seconds=60"), Some(60));
        assert_eq!(form_seconds(b"seconds=-1"), None);
        assert_eq!(form_seconds(b"seconds=abc"), None);
    }
}
