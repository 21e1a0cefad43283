//! `/dashboard/pay/{payToken}`: a Toss Pay payment — its state, its transactions (each approval with its
//! card slip), the webhooks that mention it and the requests that touched it.

use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::Response;

use super::{fields, journal_entries, object_link, section, webhooks, won, Lang, Page, View};
use crate::domain::pay::TransactionKind;
use crate::state::AppState;
use crate::store::{self, Db};
use crate::web::html::escape;

pub async fn page(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(pay_token): Path<String>,
    Query(view): Query<View>,
) -> Response {
    let lang = Lang::of(&headers);
    let content = content(&state.db, lang, &pay_token).await;
    Page {
        lang,
        title: format!(
            "{} {pay_token}",
            lang.t("토스페이 결제", "Toss Pay payment")
        ),
        before: String::new(),
        after: journal_entries(&pay_token, lang),
        polls: true,
        view: &view,
    }
    .respond(&state, content)
    .await
}

async fn content(db: &Db, lang: Lang, pay_token: &str) -> Result<Option<String>, sqlx::Error> {
    let Some((p, product)) = store::pay::by_token(db, pay_token).await? else {
        return Ok(None);
    };
    let transactions = store::pay::transactions(db.reader(), pay_token).await?;
    let deliveries = store::outbox::deliveries_mentioning(db, pay_token, 50).await?;
    let t = |ko, en| lang.t(ko, en);
    let optional = |v: Option<String>| v.unwrap_or_else(|| "-".to_owned());
    let mut out = fields(
        "state",
        t("상태", "State"),
        &[
            ("pay-token", "payToken", escape(&p.pay_token)),
            ("order-no", "orderNo", escape(&p.order_no)),
            ("product", t("상품", "Product"), escape(&product)),
            ("app", "appId", escape(&p.app_id)),
            (
                "user",
                "userKey",
                object_link("users", &p.user_key.to_string()),
            ),
            ("mode", t("모드", "Mode"), escape(p.mode.as_str())),
            ("status", t("상태", "Status"), escape(p.status.as_str())),
            ("amount", t("금액", "Amount"), won(p.amount)),
            (
                "pay-method",
                t("결제 수단", "Method"),
                optional(p.pay_method.map(|m| m.as_str().to_owned())),
            ),
            ("paid-amount", t("결제된 금액", "Paid"), won(p.paid_amount)),
            (
                "refundable-amount",
                t("환불 가능 금액", "Refundable"),
                won(p.refundable_amount),
            ),
            ("created-at", t("생성", "Created"), p.created_at.tp()),
            ("expires-at", t("만료", "Expires"), p.expires_at.tp()),
            (
                "paid-at",
                t("결제 시각", "Paid at"),
                optional(p.paid_at.map(|at| at.tp())),
            ),
        ],
    );
    let rows: Vec<Vec<String>> = transactions
        .iter()
        .map(|tx| {
            let slip = if tx.kind == TransactionKind::Pay {
                format!(
                    "<a class=\"receipt\" href=\"/sim/receipts/tosspay/{}\">{}</a>",
                    super::segment(&tx.transaction_id),
                    t("매출전표", "Card slip")
                )
            } else {
                String::new()
            };
            vec![
                tx.created_at.tp(),
                escape(tx.kind.as_str()),
                escape(&tx.transaction_id),
                won(tx.transaction_amount),
                slip,
            ]
        })
        .collect();
    out.push_str(&section(
        "transactions",
        t("거래", "Transactions"),
        &[
            t("시각", "At"),
            t("종류", "Kind"),
            "transactionId",
            t("금액", "Amount"),
            t("영수증", "Receipt"),
        ],
        &rows,
        lang,
    ));
    out.push_str(&webhooks(&deliveries, lang));
    Ok(Some(out))
}
