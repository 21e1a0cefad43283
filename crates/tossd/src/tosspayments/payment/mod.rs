//! The Toss Payments Payment object (REFERENCE.md §2.6.1) and its Cancel (§2.6.2): every documented
//! field, in the documented order, `null` where unused. The document is changed only through the methods
//! here, which keep the amounts (`balanceAmount`, `suppliedAmount`, `vat`, `taxFreeAmount`) consistent.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::domain::payment::{self as rules, Amounts, CancelPlan};
use crate::domain::time::Instant;
use crate::tosspayments::codes;

/// The API version tossd's Payment objects follow.
pub const API_VERSION: &str = "2024-06-01";

/// `method` of a card payment.
pub const METHOD_CARD: &str = "카드";
/// `method` of an account payment.
pub const METHOD_TRANSFER: &str = "계좌이체";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Payment {
    pub m_id: String,
    pub version: String,
    pub payment_key: String,
    pub status: String,
    pub transaction_key: Option<String>,
    pub last_transaction_key: Option<String>,
    pub order_id: String,
    pub order_name: String,
    pub requested_at: String,
    pub approved_at: Option<String>,
    pub use_escrow: bool,
    pub culture_expense: bool,
    pub card: Option<Card>,
    pub virtual_account: Option<Value>,
    pub transfer: Option<Transfer>,
    pub mobile_phone: Option<Value>,
    pub gift_certificate: Option<Value>,
    pub cash_receipt: Option<Value>,
    pub cash_receipts: Option<Value>,
    pub discount: Option<Discount>,
    pub cancels: Option<Vec<Cancel>>,
    pub secret: Option<String>,
    #[serde(rename = "type")]
    pub kind: String,
    pub easy_pay: Option<Value>,
    pub easy_pay_amount: Option<i64>,
    pub easy_pay_discount_amount: Option<i64>,
    pub country: String,
    pub failure: Option<Failure>,
    pub is_partial_cancelable: bool,
    pub receipt: Option<Receipt>,
    pub checkout: Option<Value>,
    pub currency: String,
    pub total_amount: i64,
    pub balance_amount: i64,
    pub supplied_amount: i64,
    pub vat: i64,
    pub tax_free_amount: i64,
    pub tax_exemption_amount: i64,
    pub metadata: Option<serde_json::Map<String, Value>>,
    pub method: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Card {
    pub issuer_code: String,
    pub acquirer_code: Option<String>,
    pub number: String,
    pub installment_plan_months: i64,
    pub is_interest_free: bool,
    pub interest_payer: Option<String>,
    pub approve_no: String,
    pub use_card_point: bool,
    pub card_type: String,
    pub owner_type: String,
    pub acquire_status: String,
    pub amount: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Transfer {
    pub bank_code: String,
    pub settlement_status: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Discount {
    pub amount: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Failure {
    pub code: String,
    pub message: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Receipt {
    pub url: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Cancel {
    pub cancel_amount: i64,
    pub cancel_reason: String,
    pub tax_free_amount: i64,
    pub tax_exemption_amount: i64,
    pub refundable_amount: i64,
    pub card_discount_amount: i64,
    pub transfer_discount_amount: i64,
    pub easy_pay_discount_amount: i64,
    pub canceled_at: String,
    pub transaction_key: String,
    pub receipt_key: Option<String>,
    pub cancel_status: String,
    pub cancel_request_id: Option<String>,
}

/// What a new payment is created from.
#[derive(Debug, Clone)]
pub struct NewPayment {
    pub mid: String,
    pub order_id: String,
    pub order_name: String,
    pub amounts: Amounts,
    pub culture_expense: bool,
    pub metadata: Option<serde_json::Map<String, Value>>,
}

/// How a payment was approved: the method's wire details.
#[derive(Debug, Clone)]
pub enum Approval {
    Card(Card),
    Transfer { bank_code: String },
}

impl Payment {
    /// A `READY` payment (the window opened): no method, no transaction yet.
    pub fn ready(new: NewPayment, now: Instant) -> Payment {
        let amounts = new.amounts;
        Payment {
            m_id: new.mid,
            version: API_VERSION.to_owned(),
            payment_key: rules::new_payment_key(),
            status: rules::READY.to_owned(),
            transaction_key: None,
            last_transaction_key: None,
            order_id: new.order_id,
            order_name: new.order_name,
            requested_at: now.tp(),
            approved_at: None,
            use_escrow: false,
            culture_expense: new.culture_expense,
            card: None,
            virtual_account: None,
            transfer: None,
            mobile_phone: None,
            gift_certificate: None,
            cash_receipt: None,
            cash_receipts: None,
            discount: None,
            cancels: None,
            secret: Some(rules::new_secret()),
            kind: "BRANDPAY".to_owned(),
            easy_pay: None,
            easy_pay_amount: None,
            easy_pay_discount_amount: None,
            country: "KR".to_owned(),
            failure: None,
            is_partial_cancelable: true,
            receipt: None,
            checkout: None,
            currency: "KRW".to_owned(),
            total_amount: amounts.total,
            balance_amount: amounts.balance,
            supplied_amount: amounts.supplied(),
            vat: amounts.vat(),
            tax_free_amount: amounts.tax_free,
            tax_exemption_amount: 0,
            metadata: new.metadata,
            method: None,
        }
    }

    /// The customer chose a method and authenticated: `IN_PROGRESS` with its `method`.
    pub fn authenticate(&mut self, method: &str) {
        self.status = rules::IN_PROGRESS.to_owned();
        self.method = Some(method.to_owned());
    }

    /// Approval: `DONE`, a new transaction, the method's details and the receipt.
    pub fn approve(
        &mut self,
        approval: Approval,
        discount: Option<i64>,
        now: Instant,
        base_url: &str,
    ) {
        let key = rules::new_transaction_key();
        self.status = rules::DONE.to_owned();
        self.transaction_key = Some(key.clone());
        self.last_transaction_key = Some(key);
        self.approved_at = Some(now.tp());
        match approval {
            Approval::Card(card) => {
                self.method = Some(METHOD_CARD.to_owned());
                self.card = Some(card);
            }
            Approval::Transfer { bank_code } => {
                self.method = Some(METHOD_TRANSFER.to_owned());
                self.transfer = Some(Transfer {
                    bank_code,
                    settlement_status: "INCOMPLETED".to_owned(),
                });
            }
        }
        self.discount = discount
            .filter(|d| *d > 0)
            .map(|amount| Discount { amount });
        self.receipt = Some(Receipt {
            url: format!("{base_url}/sim/receipts/{}", self.payment_key),
        });
    }

    /// A failed approval: `ABORTED` with the failed attempt's transaction key and `{code, message}`.
    pub fn abort(&mut self, code: &str, message: &str) {
        let key = rules::new_transaction_key();
        self.status = rules::ABORTED.to_owned();
        self.transaction_key = Some(key.clone());
        self.last_transaction_key = Some(key);
        self.failure = Some(Failure {
            code: code.to_owned(),
            message: message.to_owned(),
        });
    }

    /// The window or the confirm deadline lapsed.
    pub fn expire(&mut self) {
        self.status = rules::EXPIRED.to_owned();
        self.transaction_key = None;
        self.last_transaction_key = None;
    }

    /// The document as an English caller sees it: `failure.message` follows `Accept-Language`
    /// (REFERENCE.md §2.6.1); every other value stays Korean (§1.5).
    pub fn in_english(&self) -> Payment {
        let mut payment = self.clone();
        if let Some(failure) = &mut payment.failure {
            if let Some(code) = codes::by_name(&failure.code) {
                failure.message = code.en.to_owned();
            }
        }
        payment
    }

    /// The money state the document shows.
    pub fn amounts(&self) -> Amounts {
        Amounts {
            total: self.total_amount,
            balance: self.balance_amount,
            tax_free: self.tax_free_amount,
        }
    }

    /// The instant discount applied at approval (0 if none).
    pub fn discount_amount(&self) -> i64 {
        self.discount.as_ref().map_or(0, |d| d.amount)
    }

    /// Applies a planned cancel: appends the Cancel, moves the amounts and the status.
    pub fn apply_cancel(&mut self, plan: &CancelPlan, reason: &str, now: Instant) {
        let key = rules::new_transaction_key();
        let (card_discount, transfer_discount) = if self.card.is_some() {
            (plan.discount_returned, 0)
        } else {
            (0, plan.discount_returned)
        };
        self.cancels.get_or_insert_with(Vec::new).push(Cancel {
            cancel_amount: plan.amount,
            cancel_reason: reason.to_owned(),
            tax_free_amount: plan.tax_free,
            tax_exemption_amount: 0,
            refundable_amount: plan.after.balance,
            card_discount_amount: card_discount,
            transfer_discount_amount: transfer_discount,
            easy_pay_discount_amount: 0,
            canceled_at: now.tp(),
            transaction_key: key.clone(),
            receipt_key: None,
            cancel_status: "DONE".to_owned(),
            cancel_request_id: None,
        });
        self.transaction_key = Some(key.clone());
        self.last_transaction_key = Some(key);
        self.status = plan.status().to_owned();
        self.balance_amount = plan.after.balance;
        self.tax_free_amount = plan.after.tax_free;
        self.vat = plan.after.vat();
        self.supplied_amount = plan.after.supplied();
        if plan.after.balance == 0 {
            if let Some(card) = &mut self.card {
                card.acquire_status = "CANCELED".to_owned();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::payment::{plan_cancel, CancelAsk};

    fn card(amount: i64) -> Card {
        Card {
            issuer_code: "61".into(),
            acquirer_code: Some("61".into()),
            number: "43301234****123*".into(),
            installment_plan_months: 0,
            is_interest_free: false,
            interest_payer: None,
            approve_no: "00000000".into(),
            use_card_point: false,
            card_type: "신용".into(),
            owner_type: "개인".into(),
            acquire_status: "READY".into(),
            amount,
        }
    }

    fn approved() -> Payment {
        let mut p = Payment::ready(
            NewPayment {
                mid: "tosspayments".into(),
                order_id: "order-0001".into(),
                order_name: "토스 티셔츠 외 2건".into(),
                amounts: Amounts::new(10_000, 0).unwrap(),
                culture_expense: false,
                metadata: None,
            },
            Instant(1_654_590_048_000_000),
        );
        p.authenticate(METHOD_CARD);
        p.approve(
            Approval::Card(card(10_000)),
            None,
            Instant(1_654_590_081_000_000),
            "http://127.0.0.1:8700",
        );
        p
    }

    #[test]
    fn every_documented_field_is_serialised_in_order() {
        let p = approved();
        let text = serde_json::to_string(&p).unwrap();
        let keys = [
            "mId",
            "version",
            "paymentKey",
            "status",
            "transactionKey",
            "lastTransactionKey",
            "orderId",
            "orderName",
            "requestedAt",
            "approvedAt",
            "useEscrow",
            "cultureExpense",
            "card",
            "virtualAccount",
            "transfer",
            "mobilePhone",
            "giftCertificate",
            "cashReceipt",
            "cashReceipts",
            "discount",
            "cancels",
            "secret",
            "type",
            "easyPay",
            "easyPayAmount",
            "easyPayDiscountAmount",
            "country",
            "failure",
            "isPartialCancelable",
            "receipt",
            "checkout",
            "currency",
            "totalAmount",
            "balanceAmount",
            "suppliedAmount",
            "vat",
            "taxFreeAmount",
            "taxExemptionAmount",
            "metadata",
            "method",
        ];
        let positions: Vec<usize> = keys
            .iter()
            .map(|k| {
                text.find(&format!("\"{k}\":"))
                    .unwrap_or_else(|| panic!("{k}"))
            })
            .collect();
        assert!(positions.windows(2).all(|w| w[0] < w[1]), "{text}");
        assert_eq!(p.requested_at, "2022-06-07T17:20:48+09:00");
        assert_eq!(p.approved_at.as_deref(), Some("2022-06-07T17:21:21+09:00"));
        assert_eq!((p.supplied_amount, p.vat), (9_091, 909));
        let back: Payment = serde_json::from_str(&text).unwrap();
        assert_eq!(back, p);
    }

    #[test]
    fn failures_are_translated_only_in_their_message() {
        let mut p = approved();
        p.abort("REJECT_CARD_COMPANY", codes::REJECT_CARD_COMPANY.ko);
        assert_eq!(p.status, "ABORTED");
        assert!(p.last_transaction_key.is_some());
        let english = p.in_english();
        let failure = english.failure.as_ref().unwrap();
        assert_eq!(
            (failure.code.as_str(), failure.message.as_str()),
            ("REJECT_CARD_COMPANY", "Payment confirm is rejected")
        );
        assert_eq!(english.method, p.method);
        assert_eq!(approved().in_english().failure, None);
    }

    #[test]
    fn cancels_move_amounts_and_status() {
        let mut p = approved();
        let ask = CancelAsk {
            amount: Some(1_000),
            tax_free: None,
            refundable: None,
        };
        let plan = plan_cancel(&p.status, p.amounts(), 0, ask).unwrap();
        p.apply_cancel(&plan, "고객 변심", Instant(1_654_590_100_000_000));
        assert_eq!(p.status, "PARTIAL_CANCELED");
        assert_eq!(
            (p.balance_amount, p.vat, p.supplied_amount),
            (9_000, 818, 8_182)
        );
        let cancel = &p.cancels.as_ref().unwrap()[0];
        assert_eq!(cancel.refundable_amount, 9_000);
        assert_eq!(
            p.last_transaction_key.as_deref(),
            Some(cancel.transaction_key.as_str())
        );
        let plan = plan_cancel(
            &p.status,
            p.amounts(),
            0,
            CancelAsk {
                amount: None,
                ..ask
            },
        )
        .unwrap();
        p.apply_cancel(&plan, "전액", Instant(1_654_590_200_000_000));
        assert_eq!(p.status, "CANCELED");
        assert_eq!(p.card.as_ref().unwrap().acquire_status, "CANCELED");
        assert_eq!((p.balance_amount, p.vat, p.supplied_amount), (0, 0, 0));
    }
}
