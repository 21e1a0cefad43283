//! `/dashboard`: every kind of object at a glance, each id linking to its page, with the clock and reset
//! controls. It moves time through the same clock as `/sim/v1`.

use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;

use super::{failed, object_link, payments_table, section, won, yes_no, Lang, Page, View};
use crate::seed;
use crate::state::AppState;
use crate::store::{self, Db};
use crate::web::html::{escape, group_digits};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/dashboard", get(page))
        .route("/dashboard/clock/advance", post(advance))
        .route("/dashboard/reset", post(reset))
}

/// The section ids and titles, for the page's table of contents.
fn titles(lang: Lang) -> [(&'static str, &'static str); 10] {
    [
        ("apps", lang.t("Apps-in-Toss 앱", "Apps-in-Toss apps")),
        ("users", lang.t("토스 사용자", "Toss users")),
        ("toss-pay", lang.t("토스페이 결제", "Toss Pay payments")),
        ("iap", lang.t("인앱 결제 주문", "In-app purchase orders")),
        ("promotions", lang.t("프로모션", "Promotions")),
        ("messages", lang.t("스마트 메시지", "Smart messages")),
        (
            "merchants",
            lang.t("토스페이먼츠 상점", "Toss Payments merchants"),
        ),
        (
            "brandpay-customers",
            lang.t("브랜드페이 고객", "BrandPay customers"),
        ),
        (
            "payments",
            lang.t("토스페이먼츠 결제", "Toss Payments payments"),
        ),
        ("webhooks", lang.t("웹훅·콜백", "Webhooks and callbacks")),
    ]
}

/// Every section, each read through its owner store.
async fn sections(db: &Db, lang: Lang) -> Result<String, sqlx::Error> {
    let apps = store::apps::list(db).await?;
    let users = store::users::list(db, 200).await?;
    let pay = store::pay::recent(db, 50).await?;
    let orders = store::iap::recent(db, 50).await?;
    let promotions = store::promotions::list(db).await?;
    let messages = store::messages::recent(db, 50).await?;
    let merchants = store::merchants::client_keys(db).await?;
    let customers = store::brandpay::recent_customers(db, 50).await?;
    let payments = store::payments::recent(db, 50).await?;
    let deliveries = store::outbox::recent_deliveries(db, 50).await?;
    let t = |ko, en| lang.t(ko, en);
    let title = |id: &str| {
        titles(lang)
            .iter()
            .find(|(i, _)| *i == id)
            .map_or("", |(_, title)| *title)
    };
    let user = |key: i64| object_link("users", &key.to_string());
    let mut out = String::new();
    out.push_str(&section(
        "apps",
        title("apps"),
        &[
            "appId",
            t("이름", "Name"),
            "clientId",
            t("기본", "Default"),
            t("평문 PII", "Plaintext PII"),
            t("분당 호출 한도", "Calls per minute"),
        ],
        &apps
            .iter()
            .map(|a| {
                vec![
                    escape(&a.app.app_id),
                    escape(&a.app.name),
                    escape(&a.app.client_id),
                    yes_no(lang, a.is_default),
                    yes_no(lang, a.app.plaintext_pii),
                    group_digits(a.app.rate_limit_per_minute),
                ]
            })
            .collect::<Vec<_>>(),
        lang,
    ));
    out.push_str(&section(
        "users",
        title("users"),
        &[
            "userKey",
            t("이름", "Name"),
            t("전화", "Phone"),
            t("이메일", "Email"),
            t("포인트", "Points"),
            t("푸시", "Push"),
            t("마케팅 동의", "Marketing consent"),
            t("탈퇴", "Withdrawn"),
        ],
        &users
            .iter()
            .map(|u| {
                vec![
                    user(u.user_key),
                    escape(&u.name),
                    escape(&u.phone),
                    escape(u.email.as_deref().unwrap_or_default()),
                    group_digits(u.points_balance),
                    yes_no(lang, u.push_enabled),
                    yes_no(lang, u.marketing_consent),
                    yes_no(lang, u.withdrawn),
                ]
            })
            .collect::<Vec<_>>(),
        lang,
    ));
    out.push_str(&section(
        "toss-pay",
        title("toss-pay"),
        &[
            t("생성", "Created"),
            "payToken",
            "orderNo",
            "userKey",
            t("모드", "Mode"),
            t("상태", "Status"),
            t("금액", "Amount"),
        ],
        &pay.iter()
            .map(|p| {
                vec![
                    p.created_at.tp(),
                    object_link("pay", &p.pay_token),
                    escape(&p.order_no),
                    user(p.user_key),
                    escape(&p.mode),
                    escape(&p.status),
                    won(p.amount),
                ]
            })
            .collect::<Vec<_>>(),
        lang,
    ));
    out.push_str(&section(
        "iap",
        title("iap"),
        &[
            t("생성", "Created"),
            "orderId",
            "userKey",
            "sku",
            t("상태", "Status"),
        ],
        &orders
            .iter()
            .map(|o| {
                vec![
                    o.created_at.tp(),
                    escape(&o.order_id),
                    user(o.user_key),
                    escape(&o.sku),
                    escape(&o.status),
                ]
            })
            .collect::<Vec<_>>(),
        lang,
    ));
    out.push_str(&section(
        "promotions",
        title("promotions"),
        &[
            "appId",
            "promotionCode",
            t("상태", "State"),
            t("남은 예산", "Budget left"),
            t("예산", "Budget"),
        ],
        &promotions
            .iter()
            .map(|p| {
                vec![
                    escape(&p.app_id),
                    escape(&p.promotion_code),
                    escape(&p.state),
                    group_digits(p.budget_remaining),
                    group_digits(p.budget),
                ]
            })
            .collect::<Vec<_>>(),
        lang,
    ));
    out.push_str(&section(
        "messages",
        title("messages"),
        &[
            t("발송", "Sent"),
            "userKey",
            t("채널", "Channel"),
            t("템플릿", "Template"),
            t("내용", "Text"),
            t("실패 사유", "Failure"),
        ],
        &messages
            .iter()
            .map(|m| {
                vec![
                    m.sent_at.tp(),
                    user(m.user_key),
                    escape(&m.channel),
                    escape(&m.template_set_code),
                    escape(&m.text),
                    escape(m.fail_reason.as_deref().unwrap_or_default()),
                ]
            })
            .collect::<Vec<_>>(),
        lang,
    ));
    out.push_str(&section(
        "merchants",
        title("merchants"),
        &[
            "mId",
            t("이름", "Name"),
            t("모드", "Mode"),
            t("클라이언트 키", "Client key"),
        ],
        &merchants
            .iter()
            .map(|m| {
                vec![
                    escape(&m.mid),
                    escape(&m.name),
                    escape(m.mode.as_str()),
                    escape(&m.client_key),
                ]
            })
            .collect::<Vec<_>>(),
        lang,
    ));
    out.push_str(&section(
        "brandpay-customers",
        title("brandpay-customers"),
        &[
            t("가입", "Joined"),
            "customerKey",
            t("모드", "Mode"),
            t("상태", "Status"),
            t("본인인증", "Identified"),
        ],
        &customers
            .iter()
            .map(|c| {
                vec![
                    c.created_at.tp(),
                    object_link("customers", &c.customer_key),
                    escape(&c.mode),
                    escape(&c.status),
                    yes_no(lang, c.identified),
                ]
            })
            .collect::<Vec<_>>(),
        lang,
    ));
    out.push_str(&payments_table(
        "payments",
        title("payments"),
        &payments,
        lang,
    ));
    out.push_str(&super::webhooks(&deliveries, lang));
    Ok(out)
}

async fn page(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(view): Query<View>,
) -> Response {
    let lang = Lang::of(&headers);
    let mut before = String::from("<nav class=\"toc\">");
    for (id, title) in titles(lang) {
        before.push_str(&format!("<a href=\"#{id}\">{title}</a>"));
    }
    before.push_str(&format!(
        "</nav><section id=\"clock\"><h2>{}</h2><div class=\"controls\">",
        lang.t("시계", "Clock")
    ));
    for (seconds, ko, en) in [
        (60, "+1분", "+1 min"),
        (600, "+10분", "+10 min"),
        (3600, "+1시간", "+1 hour"),
        (86400, "+1일", "+1 day"),
    ] {
        before.push_str(&format!(
            "<form method=\"post\" action=\"/dashboard/clock/advance\"><input type=\"hidden\" name=\"seconds\" \
             value=\"{seconds}\"><button id=\"advance-{seconds}\" type=\"submit\">{}</button></form>",
            lang.t(ko, en)
        ));
    }
    before.push_str(&format!(
        "<form method=\"post\" action=\"/dashboard/reset\" onsubmit=\"return confirm('{}')\">\
         <button id=\"reset\" class=\"danger\" type=\"submit\">{}</button></form></div></section>",
        lang.t(
            "모든 상태를 지우고 초기화할까요?",
            "Erase all state and start over?"
        ),
        lang.t("초기화", "Reset"),
    ));
    // The forms stay out of the live part, so a refresh never replaces a field being edited.
    let after = match super::redirect_urls::section(&state.db).await {
        Ok(section) => section,
        Err(e) => {
            tracing::error!(error = %e, "dashboard query failed");
            return (StatusCode::INTERNAL_SERVER_ERROR, "database error").into_response();
        }
    };
    let content = sections(&state.db, lang).await.map(Some);
    Page {
        lang,
        title: lang.t("대시보드", "Dashboard").to_owned(),
        before,
        after,
        polls: true,
        view: &view,
    }
    .respond(&state, content)
    .await
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
    match seed::reset_serving(&state).await {
        Ok(()) => Redirect::to("/dashboard").into_response(),
        Err(e) => failed("reset", &e),
    }
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
