//! `/dashboard/payments/{paymentKey}`: a Toss Payments (or BrandPay) payment — its state and receipt, its
//! cancels, the webhooks that mention it and the requests that touched it.

use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::Response;

use super::{
    fields, journal_entries, object_link, section, segment, webhooks, won, Lang, Page, View,
};
use crate::state::AppState;
use crate::store::{self, Db};
use crate::web::html::escape;

pub async fn page(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(payment_key): Path<String>,
    Query(view): Query<View>,
) -> Response {
    let lang = Lang::of(&headers);
    let content = content(&state.db, lang, &payment_key).await;
    Page {
        lang,
        title: format!(
            "{} {payment_key}",
            lang.t("토스페이먼츠 결제", "Toss Payments payment")
        ),
        before: String::new(),
        after: journal_entries(&payment_key, lang),
        polls: true,
        view: &view,
    }
    .respond(&state, content)
    .await
}

async fn content(db: &Db, lang: Lang, payment_key: &str) -> Result<Option<String>, sqlx::Error> {
    let Some(stored) = store::payments::find(db, payment_key).await? else {
        return Ok(None);
    };
    let deliveries = store::outbox::deliveries_mentioning(db, payment_key, 50).await?;
    let p = &stored.payment;
    let t = |ko, en| lang.t(ko, en);
    let dash = || "-".to_owned();
    let receipt = if p.receipt.is_some() {
        format!(
            "<a id=\"receipt\" href=\"/sim/receipts/{}\">{}</a>",
            segment(&p.payment_key),
            t("영수증 보기", "Open receipt")
        )
    } else {
        dash()
    };
    let mut out = fields(
        "state",
        t("상태", "State"),
        &[
            ("payment-key", "paymentKey", escape(&p.payment_key)),
            ("order-id", "orderId", escape(&p.order_id)),
            (
                "order-name",
                t("주문명", "Order name"),
                escape(&p.order_name),
            ),
            ("mid", "mId", escape(&p.m_id)),
            ("mode", t("모드", "Mode"), escape(&stored.mode)),
            (
                "customer",
                "customerKey",
                stored
                    .customer_key
                    .as_deref()
                    .map_or_else(dash, |key| object_link("customers", key)),
            ),
            (
                "method",
                t("결제 수단", "Method"),
                p.method.as_deref().map_or_else(dash, escape),
            ),
            ("status", t("상태", "Status"), escape(p.status.as_str())),
            ("total-amount", t("결제 금액", "Total"), won(p.total_amount)),
            (
                "balance-amount",
                t("취소 가능 잔액", "Balance"),
                won(p.balance_amount),
            ),
            (
                "requested-at",
                t("요청", "Requested"),
                escape(&p.requested_at),
            ),
            (
                "approved-at",
                t("승인", "Approved"),
                p.approved_at.as_deref().map_or_else(dash, escape),
            ),
            (
                "failure",
                t("실패", "Failure"),
                p.failure
                    .as_ref()
                    .map_or_else(dash, |f| escape(&format!("{}: {}", f.code, f.message))),
            ),
            ("receipt", t("영수증", "Receipt"), receipt),
        ],
    );
    let cancels: Vec<Vec<String>> = p
        .cancels
        .iter()
        .flatten()
        .map(|c| {
            vec![
                escape(&c.canceled_at),
                won(c.cancel_amount),
                escape(&c.cancel_reason),
                escape(c.cancel_status.as_str()),
                escape(&c.transaction_key),
            ]
        })
        .collect();
    out.push_str(&section(
        "cancels",
        t("취소", "Cancels"),
        &[
            t("취소 시각", "Canceled at"),
            t("취소 금액", "Amount"),
            t("사유", "Reason"),
            t("상태", "Status"),
            "transactionKey",
        ],
        &cancels,
        lang,
    ));
    out.push_str(&webhooks(&deliveries, lang));
    Ok(Some(out))
}
