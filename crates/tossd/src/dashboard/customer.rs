//! `/dashboard/customers/{customerKey}`: a BrandPay customer — its records (per merchant and mode, with
//! their status), its payment methods, its payments, the webhooks that mention it and the requests that
//! touched it.

use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::Response;

use super::{journal_entries, payments_table, section, webhooks, yes_no, Lang, Page, View};
use crate::domain::brandpay::MethodDetails;
use crate::state::AppState;
use crate::store::{self, Db};
use crate::web::html::escape;

pub async fn page(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(customer_key): Path<String>,
    Query(view): Query<View>,
) -> Response {
    let lang = Lang::of(&headers);
    let content = content(&state.db, lang, &customer_key).await;
    Page {
        lang,
        title: format!(
            "{} {customer_key}",
            lang.t("브랜드페이 고객", "BrandPay customer")
        ),
        before: String::new(),
        after: journal_entries(&customer_key, lang),
        polls: true,
        view: &view,
    }
    .respond(&state, content)
    .await
}

async fn content(db: &Db, lang: Lang, customer_key: &str) -> Result<Option<String>, sqlx::Error> {
    let records = store::brandpay::customer_records(db, customer_key).await?;
    if records.is_empty() {
        return Ok(None);
    }
    let mut methods = Vec::new();
    for record in &records {
        for m in store::brandpay::methods_of(db, record.id).await? {
            let (kind, name, number) = match &m.details {
                MethodDetails::Card(card) => ("CARD", &card.card_name, &card.card_number),
                MethodDetails::Account(account) => {
                    ("ACCOUNT", &account.bank_code, &account.account_number)
                }
            };
            methods.push(vec![
                escape(&record.mid),
                escape(&record.summary.mode),
                escape(&m.id),
                escape(&m.alias),
                kind.to_owned(),
                escape(name),
                escape(number),
                escape(m.status.as_str()),
                m.registered_at.tp(),
                m.last_used_at.map(|at| at.tp()).unwrap_or_default(),
            ]);
        }
    }
    let payments = store::payments::of_customer(db, customer_key, 50).await?;
    let deliveries = store::outbox::deliveries_mentioning(db, customer_key, 50).await?;
    let t = |ko, en| lang.t(ko, en);
    let mut out = section(
        "records",
        t("상태", "State"),
        &[
            "mId",
            t("모드", "Mode"),
            t("상태", "Status"),
            t("본인인증", "Identified"),
            t("가입", "Joined"),
        ],
        &records
            .iter()
            .map(|r| {
                vec![
                    escape(&r.mid),
                    escape(&r.summary.mode),
                    format!(
                        "<span class=\"status\">{}</span>",
                        escape(&r.summary.status)
                    ),
                    yes_no(lang, r.summary.identified),
                    r.summary.created_at.tp(),
                ]
            })
            .collect::<Vec<_>>(),
        lang,
    );
    out.push_str(&section(
        "methods",
        t("결제 수단", "Payment methods"),
        &[
            "mId",
            t("모드", "Mode"),
            "id",
            t("별칭", "Alias"),
            t("종류", "Kind"),
            t("카드사·은행", "Card or bank"),
            t("번호", "Number"),
            t("상태", "Status"),
            t("등록", "Registered"),
            t("마지막 사용", "Last used"),
        ],
        &methods,
        lang,
    ));
    out.push_str(&payments_table(
        "customer-payments",
        t("결제", "Payments"),
        &payments,
        lang,
    ));
    out.push_str(&webhooks(&deliveries, lang));
    Ok(Some(out))
}
