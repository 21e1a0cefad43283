//! Receipts: the pages a payment's `receipt.url` (Toss Payments) and a Toss Pay card payment's
//! `salesCheckLinkUrl` point at, rendered from the stored payment as it is now (cancels and refunds
//! included).

use axum::extract::{Path, State};
use axum::response::Response;

use crate::domain::brandpay;
use crate::domain::pay::TransactionKind;
use crate::domain::payment::Payment;
use crate::state::AppState;
use crate::store;
use crate::web::html::{escape, group_digits};

use super::{failed, not_found, page};

/// One row of a receipt: the field name (its cell's `data-field`, which tests read), the label, the value
/// (plain text).
struct Row {
    field: &'static str,
    label: &'static str,
    value: String,
}

fn row(field: &'static str, label: &'static str, value: impl Into<String>) -> Row {
    Row {
        field,
        label,
        value: value.into(),
    }
}

fn won(amount: i64) -> String {
    format!("{}원", group_digits(amount))
}

fn table(rows: &[Row]) -> String {
    let mut out = String::from("<table class=\"receipt\">");
    for r in rows {
        out.push_str(&format!(
            "<tr><th>{}</th><td data-field=\"{}\">{}</td></tr>",
            escape(r.label),
            r.field,
            escape(&r.value)
        ));
    }
    out.push_str("</table>");
    out
}

/// `/sim/receipts/{paymentKey}`: the receipt of an approved Toss Payments payment.
pub async fn payment_receipt(
    State(state): State<AppState>,
    Path(payment_key): Path<String>,
) -> Response {
    let stored = match store::payments::find(&state.db, &payment_key).await {
        Ok(Some(stored)) if stored.payment.receipt.is_some() => stored,
        Ok(_) => return not_found("그런 영수증이 없어요."),
        Err(e) => return failed(e),
    };
    let merchant = match store::merchants::by_id(state.db.reader(), stored.merchant_id).await {
        Ok(merchant) => merchant.map_or_else(|| stored.payment.m_id.clone(), |m| m.name),
        Err(e) => return failed(e),
    };
    let p = &stored.payment;
    let title = if p.card.is_some() {
        "카드 매출전표"
    } else {
        "결제 영수증"
    };
    page(title, &table(&payment_rows(p, merchant)), "")
}

fn payment_rows(p: &Payment, merchant: String) -> Vec<Row> {
    let mut rows = vec![
        row("merchant", "가맹점", format!("{merchant} ({})", p.m_id)),
        row("order-id", "주문번호", &*p.order_id),
        row("order-name", "주문명", &*p.order_name),
        row("status", "상태", p.status.as_str()),
        row("method", "결제수단", p.method.clone().unwrap_or_default()),
    ];
    if let Some(card) = &p.card {
        let issuer = brandpay::card_company(&card.issuer_code)
            .map_or_else(|| card.issuer_code.clone(), |c| c.name.to_owned());
        rows.push(row("card-company", "카드사", issuer));
        rows.push(row("card-number", "카드번호", &*card.number));
        rows.push(row(
            "installment",
            "할부",
            match card.installment_plan_months {
                0 => "일시불".to_owned(),
                months => format!("{months}개월"),
            },
        ));
        rows.push(row("approve-no", "승인번호", &*card.approve_no));
    }
    if let Some(transfer) = &p.transfer {
        let bank = brandpay::bank_by_code(&transfer.bank_code)
            .map_or_else(|| transfer.bank_code.clone(), |b| b.name.to_owned());
        rows.push(row("bank", "은행", bank));
    }
    rows.push(row(
        "approved-at",
        "승인일시",
        p.approved_at.clone().unwrap_or_default(),
    ));
    rows.push(row("amount", "결제금액", won(p.total_amount)));
    if let Some(discount) = &p.discount {
        rows.push(row("discount", "즉시할인", won(discount.amount)));
    }
    for cancel in p.cancels.iter().flatten() {
        rows.push(row(
            "cancel",
            "취소",
            format!(
                "{} {} ({})",
                cancel.canceled_at,
                won(cancel.cancel_amount),
                cancel.cancel_reason
            ),
        ));
    }
    rows.push(row("balance", "잔액", won(p.balance_amount)));
    rows.push(row("supplied", "공급가액", won(p.supplied_amount)));
    rows.push(row("vat", "부가세", won(p.vat)));
    rows.push(row("tax-free", "면세", won(p.tax_free_amount)));
    rows
}

/// `/sim/receipts/tosspay/{transactionId}`: the card slip of an executed Toss Pay payment.
pub async fn toss_pay_receipt(
    State(state): State<AppState>,
    Path(transaction_id): Path<String>,
) -> Response {
    let receipt = match store::pay::receipt(&state.db, &transaction_id).await {
        Ok(Some(receipt)) => receipt,
        Ok(None) => return not_found("그런 영수증이 없어요."),
        Err(e) => return failed(e),
    };
    let refunds =
        match store::pay::transactions(state.db.reader(), &receipt.payment.pay_token).await {
            Ok(transactions) => transactions,
            Err(e) => return failed(e),
        };
    let p = &receipt.payment;
    let mut rows = vec![
        row("merchant", "가맹점", &*receipt.app_name),
        row("order-no", "주문번호", &*p.order_no),
        row("product", "상품", &*receipt.product_desc),
        row("status", "상태", p.status.as_str()),
        row("transaction-id", "거래번호", &*transaction_id),
    ];
    if p.is_card() {
        rows.push(row(
            "card-company",
            "카드사",
            p.card_company_name().unwrap_or_default(),
        ));
        rows.push(row(
            "card-number",
            "카드번호",
            p.card_number().unwrap_or_default(),
        ));
        rows.push(row(
            "installment",
            "할부",
            match p.spread_out.unwrap_or(0) {
                0 => "일시불".to_owned(),
                months => format!("{months}개월"),
            },
        ));
        rows.push(row(
            "approve-no",
            "승인번호",
            p.card_authorization_no.clone().unwrap_or_default(),
        ));
    } else {
        rows.push(row("method", "결제수단", "토스머니"));
        rows.push(row(
            "bank",
            "은행",
            p.account_bank_name().unwrap_or_default(),
        ));
    }
    rows.push(row(
        "paid-at",
        "결제일시",
        p.paid_at.map(|t| t.kst_plain()).unwrap_or_default(),
    ));
    rows.push(row("amount", "주문금액", won(p.amount)));
    if p.discounted_amount() > 0 {
        rows.push(row("discount", "할인·포인트", won(p.discounted_amount())));
    }
    rows.push(row("paid", "결제금액", won(p.paid_amount)));
    for refund in refunds.iter().filter(|t| t.kind == TransactionKind::Refund) {
        rows.push(row(
            "refund",
            "환불",
            format!(
                "{} {}",
                refund.created_at.kst_plain(),
                won(-refund.transaction_amount)
            ),
        ));
    }
    rows.push(row(
        "refundable",
        "환불 가능 금액",
        won(p.refundable_amount),
    ));
    let title = if p.is_card() {
        "토스페이 카드 매출전표"
    } else {
        "토스페이 결제 영수증"
    };
    page(title, &table(&rows), "")
}
