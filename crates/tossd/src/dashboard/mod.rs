//! The operator dashboard (`/dashboard`): one server-rendered page showing the state of the emulated
//! Toss — apps, users, payments, orders, promotions, messages, BrandPay customers, webhooks — with the
//! clock and reset controls. It reads the
//! same tables the APIs write and moves time through the same clock as `/sim/v1`.

mod login;
mod redirect_urls;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;

use crate::seed;
use crate::state::AppState;
use crate::store::{self, Db};
use crate::web::html::escape;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/dashboard", get(page))
        .route("/dashboard/clock/advance", post(advance))
        .route("/dashboard/reset", post(reset))
        .merge(login::router())
        .merge(redirect_urls::router())
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

fn text(value: &str) -> String {
    escape(value)
}

fn yes_no(value: bool) -> String {
    if value { "예" } else { "아니오" }.to_owned()
}

/// Every section, each read through its owner store.
async fn sections(db: &Db) -> Result<Vec<Section>, sqlx::Error> {
    let apps = store::apps::list(db).await?;
    let users = store::users::list(db, 200).await?;
    let pay = store::pay::recent(db, 50).await?;
    let orders = store::iap::recent(db, 50).await?;
    let promotions = store::promotions::list(db).await?;
    let messages = store::messages::recent(db, 50).await?;
    let merchants = store::merchants::client_keys(db).await?;
    let customers = store::brandpay::recent_customers(db, 50).await?;
    let payments = store::payments::recent(db, 50).await?;
    let webhooks = store::outbox::recent_deliveries(db, 50).await?;
    Ok(vec![
        Section {
            id: "apps",
            title: "Apps-in-Toss 앱",
            columns: &[
                "appId",
                "이름",
                "clientId",
                "기본",
                "평문 PII",
                "분당 호출 한도",
            ],
            rows: apps
                .iter()
                .map(|a| {
                    vec![
                        text(&a.app.app_id),
                        text(&a.app.name),
                        text(&a.app.client_id),
                        yes_no(a.is_default),
                        yes_no(a.app.plaintext_pii),
                        a.app.rate_limit_per_minute.to_string(),
                    ]
                })
                .collect(),
        },
        Section {
            id: "users",
            title: "토스 사용자",
            columns: &[
                "userKey",
                "이름",
                "전화",
                "이메일",
                "포인트",
                "푸시",
                "마케팅 동의",
                "탈퇴",
            ],
            rows: users
                .iter()
                .map(|u| {
                    vec![
                        u.user_key.to_string(),
                        text(&u.name),
                        text(&u.phone),
                        text(u.email.as_deref().unwrap_or_default()),
                        u.points_balance.to_string(),
                        yes_no(u.push_enabled),
                        yes_no(u.marketing_consent),
                        yes_no(u.withdrawn),
                    ]
                })
                .collect(),
        },
        Section {
            id: "toss-pay",
            title: "토스페이 결제",
            columns: &[
                "생성", "payToken", "orderNo", "userKey", "모드", "상태", "금액",
            ],
            rows: pay
                .iter()
                .map(|p| {
                    vec![
                        p.created_at.tp(),
                        text(&p.pay_token),
                        text(&p.order_no),
                        p.user_key.to_string(),
                        text(&p.mode),
                        text(&p.status),
                        p.amount.to_string(),
                    ]
                })
                .collect(),
        },
        Section {
            id: "iap",
            title: "인앱 결제 주문",
            columns: &["생성", "orderId", "userKey", "sku", "상태"],
            rows: orders
                .iter()
                .map(|o| {
                    vec![
                        o.created_at.tp(),
                        text(&o.order_id),
                        o.user_key.to_string(),
                        text(&o.sku),
                        text(&o.status),
                    ]
                })
                .collect(),
        },
        Section {
            id: "promotions",
            title: "프로모션",
            columns: &["appId", "promotionCode", "상태", "남은 예산", "예산"],
            rows: promotions
                .iter()
                .map(|p| {
                    vec![
                        text(&p.app_id),
                        text(&p.promotion_code),
                        text(&p.state),
                        p.budget_remaining.to_string(),
                        p.budget.to_string(),
                    ]
                })
                .collect(),
        },
        Section {
            id: "messages",
            title: "스마트 메시지",
            columns: &["발송", "userKey", "채널", "템플릿", "내용", "실패 사유"],
            rows: messages
                .iter()
                .map(|m| {
                    vec![
                        m.sent_at.tp(),
                        m.user_key.to_string(),
                        text(&m.channel),
                        text(&m.template_set_code),
                        text(&m.text),
                        text(m.fail_reason.as_deref().unwrap_or_default()),
                    ]
                })
                .collect(),
        },
        Section {
            id: "merchants",
            title: "토스페이먼츠 상점",
            columns: &["mId", "이름", "모드", "클라이언트 키"],
            rows: merchants
                .iter()
                .map(|m| {
                    vec![
                        text(&m.mid),
                        text(&m.name),
                        text(m.mode.as_str()),
                        text(&m.client_key),
                    ]
                })
                .collect(),
        },
        Section {
            id: "brandpay-customers",
            title: "브랜드페이 고객",
            columns: &["가입", "customerKey", "모드", "상태", "본인인증"],
            rows: customers
                .iter()
                .map(|c| {
                    vec![
                        c.created_at.tp(),
                        text(&c.customer_key),
                        text(&c.mode),
                        text(&c.status),
                        yes_no(c.identified),
                    ]
                })
                .collect(),
        },
        Section {
            id: "payments",
            title: "토스페이먼츠 결제",
            columns: &[
                "생성",
                "paymentKey",
                "orderId",
                "상태",
                "결제 금액",
                "취소 가능 잔액",
            ],
            rows: payments
                .iter()
                .map(|p| {
                    vec![
                        p.created_at.tp(),
                        text(&p.payment_key),
                        text(&p.order_id),
                        text(&p.status),
                        p.total_amount.to_string(),
                        p.balance_amount.to_string(),
                    ]
                })
                .collect(),
        },
        Section {
            id: "webhooks",
            title: "웹훅·콜백",
            columns: &["기록", "transmissionId", "이벤트", "상태", "재시도"],
            rows: webhooks
                .iter()
                .map(|w| {
                    vec![
                        w.created_at.tp(),
                        text(&w.transmission_id),
                        text(w.event_type.as_str()),
                        text(w.state.as_str()),
                        w.retried_count.to_string(),
                    ]
                })
                .collect(),
        },
    ])
}

async fn page(State(state): State<AppState>) -> Response {
    let (now, sections, redirect_urls) = match (
        state.clock.now(&state.db).await,
        sections(&state.db).await,
        redirect_urls::section(&state.db).await,
    ) {
        (Ok(now), Ok(sections), Ok(redirect_urls)) => (now, sections, redirect_urls),
        (Err(e), _, _) | (_, Err(e), _) | (_, _, Err(e)) => {
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
    if state.settings.operator.token_required() {
        out.push_str(&format!(
            "<form method=\"post\" action=\"{}\"><button id=\"sign-out\" type=\"submit\">로그아웃</button></form>",
            crate::web::operator::LOGOUT_PATH
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
    out.push_str(&redirect_urls);
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
        Ok(Some(_)) => Redirect::to("/dashboard#clock").into_response(),
        Ok(None) => (
            StatusCode::BAD_REQUEST,
            crate::domain::time::PAST_LAST_INSTANT,
        )
            .into_response(),
        Err(e) => failed("advancing the clock", &e),
    }
}

async fn reset(State(state): State<AppState>) -> Response {
    let reset = async {
        seed::reset(&state.db, &state.seed).await?;
        // Reset removed the fault rules; this process stops applying them at once.
        state.faults.reload(&state.db).await?;
        anyhow::Ok(())
    };
    match reset.await {
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
