//! The Toss Payments Payment object (docs/reference.md §2.6.1) and its Cancel (§2.6.2) as tossd stores it:
//! every documented field, in the documented order, `null` where unused. The document is changed only
//! through the methods here, which keep the amounts (`balanceAmount`, `suppliedAmount`, `vat`,
//! `taxFreeAmount`) consistent and the status moving as §3.6 says. Its statuses are closed enums, so a
//! stored value tossd did not write does not decode; callers are answered with toss-wire's Payment
//! ([`Payment::to_wire`]), whose enums are open, field for field and byte for byte the same.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use toss_wire::tosspayments::payments as wire;
use toss_wire::Open;

use crate::domain::payment::{
    self as rules, AcquireStatus, Amounts, CancelPlan, CancelStatus, PaymentMethod, PaymentStatus,
    SettlementStatus,
};
use crate::domain::time::Instant;

/// The API version tossd's Payment objects follow.
pub const API_VERSION: &str = "2024-06-01";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Payment {
    pub m_id: String,
    pub version: String,
    pub payment_key: String,
    pub status: PaymentStatus,
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
    /// A [`PaymentMethod`]'s wire string.
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
    /// An [`AcquireStatus`]'s wire string.
    pub acquire_status: String,
    pub amount: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Transfer {
    pub bank_code: String,
    pub settlement_status: SettlementStatus,
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
    pub cancel_status: CancelStatus,
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

#[cfg(test)]
impl NewPayment {
    /// The reference's sample order (10,000 won, `order-0001`) for unit tests.
    pub fn sample() -> NewPayment {
        NewPayment {
            mid: "tosspayments".into(),
            order_id: "order-0001".into(),
            order_name: "토스 티셔츠 외 2건".into(),
            amounts: Amounts::new(10_000, 0).unwrap(),
            culture_expense: false,
            metadata: None,
        }
    }
}

/// How a payment was approved: the method's wire details.
#[derive(Debug, Clone)]
pub enum Approval {
    Card(Card),
    Transfer { bank_code: String },
}

impl Approval {
    /// The `method` this approval pays with.
    pub fn method(&self) -> PaymentMethod {
        match self {
            Approval::Card(_) => PaymentMethod::Card,
            Approval::Transfer { .. } => PaymentMethod::Transfer,
        }
    }
}

/// A wire string read into its open enum: the document holds only strings tossd wrote.
fn open<T: std::str::FromStr>(text: &str) -> Open<T> {
    match text.parse() {
        Ok(value) => value,
        Err(never) => match never {},
    }
}

impl Card {
    fn to_wire(&self) -> wire::Card {
        let mut card = wire::Card::default();
        card.issuer_code = self.issuer_code.clone();
        card.acquirer_code = self.acquirer_code.clone();
        card.number = self.number.clone();
        card.installment_plan_months = self.installment_plan_months;
        card.is_interest_free = self.is_interest_free;
        card.interest_payer = self.interest_payer.clone();
        card.approve_no = self.approve_no.clone();
        card.use_card_point = self.use_card_point;
        card.card_type = self.card_type.clone();
        card.owner_type = self.owner_type.clone();
        card.acquire_status = open(&self.acquire_status);
        card.amount = self.amount;
        card
    }
}

impl Cancel {
    fn to_wire(&self) -> wire::Cancel {
        let mut cancel = wire::Cancel::default();
        cancel.cancel_amount = self.cancel_amount;
        cancel.cancel_reason = self.cancel_reason.clone();
        cancel.tax_free_amount = self.tax_free_amount;
        cancel.tax_exemption_amount = self.tax_exemption_amount;
        cancel.refundable_amount = self.refundable_amount;
        cancel.card_discount_amount = self.card_discount_amount;
        cancel.transfer_discount_amount = self.transfer_discount_amount;
        cancel.easy_pay_discount_amount = self.easy_pay_discount_amount;
        cancel.canceled_at = self.canceled_at.clone();
        cancel.transaction_key = self.transaction_key.clone();
        cancel.receipt_key = self.receipt_key.clone();
        cancel.cancel_status = self.cancel_status.into();
        cancel.cancel_request_id = self.cancel_request_id.clone();
        cancel
    }
}

impl Payment {
    /// The document as the API answers it: toss-wire's Payment, field for field.
    pub fn to_wire(&self) -> wire::Payment {
        let mut p = wire::Payment::default();
        p.m_id = self.m_id.clone();
        p.version = self.version.clone();
        p.payment_key = self.payment_key.clone();
        p.status = self.status.into();
        p.transaction_key = self.transaction_key.clone();
        p.last_transaction_key = self.last_transaction_key.clone();
        p.order_id = self.order_id.clone();
        p.order_name = self.order_name.clone();
        p.requested_at = self.requested_at.clone();
        p.approved_at = self.approved_at.clone();
        p.use_escrow = self.use_escrow;
        p.culture_expense = self.culture_expense;
        p.card = self.card.as_ref().map(Card::to_wire);
        p.virtual_account = self.virtual_account.clone();
        p.transfer = self.transfer.as_ref().map(|t| {
            let mut transfer = wire::Transfer::default();
            transfer.bank_code = t.bank_code.clone();
            transfer.settlement_status = t.settlement_status.into();
            transfer
        });
        p.mobile_phone = self.mobile_phone.clone();
        p.gift_certificate = self.gift_certificate.clone();
        p.cash_receipt = self.cash_receipt.clone();
        p.cash_receipts = self.cash_receipts.clone();
        p.discount = self.discount.as_ref().map(|d| {
            let mut discount = wire::Discount::default();
            discount.amount = d.amount;
            discount
        });
        p.cancels = self
            .cancels
            .as_ref()
            .map(|cancels| cancels.iter().map(Cancel::to_wire).collect());
        p.secret = self.secret.clone();
        p.kind = self.kind.clone();
        p.easy_pay = self.easy_pay.clone();
        p.easy_pay_amount = self.easy_pay_amount;
        p.easy_pay_discount_amount = self.easy_pay_discount_amount;
        p.country = self.country.clone();
        p.failure = self.failure.as_ref().map(|f| {
            let mut failure = wire::Failure::default();
            failure.code = f.code.clone();
            failure.message = f.message.clone();
            failure
        });
        p.is_partial_cancelable = self.is_partial_cancelable;
        p.receipt = self.receipt.as_ref().map(|r| {
            let mut receipt = wire::Receipt::default();
            receipt.url = r.url.clone();
            receipt
        });
        p.checkout = self.checkout.clone();
        p.currency = self.currency.clone();
        p.total_amount = self.total_amount;
        p.balance_amount = self.balance_amount;
        p.supplied_amount = self.supplied_amount;
        p.vat = self.vat;
        p.tax_free_amount = self.tax_free_amount;
        p.tax_exemption_amount = self.tax_exemption_amount;
        p.metadata = self.metadata.clone();
        p.method = self.method.as_deref().map(open);
        p
    }

    /// A `READY` payment (the window opened): no method, no transaction yet.
    pub fn ready(new: NewPayment, now: Instant) -> Payment {
        let amounts = new.amounts;
        Payment {
            m_id: new.mid,
            version: API_VERSION.to_owned(),
            payment_key: rules::new_payment_key(),
            status: PaymentStatus::Ready,
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

    /// The customer chose a method (a [`PaymentMethod`]'s wire string) and authenticated: `IN_PROGRESS`
    /// with its `method`.
    pub fn authenticate(&mut self, method: &str) {
        self.status = PaymentStatus::InProgress;
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
        self.status = PaymentStatus::Done;
        self.transaction_key = Some(key.clone());
        self.last_transaction_key = Some(key);
        self.approved_at = Some(now.tp());
        self.method = Some(approval.method().as_str().to_owned());
        match approval {
            Approval::Card(card) => self.card = Some(card),
            Approval::Transfer { bank_code } => {
                self.transfer = Some(Transfer {
                    bank_code,
                    settlement_status: SettlementStatus::Incompleted,
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
        self.status = PaymentStatus::Aborted;
        self.transaction_key = Some(key.clone());
        self.last_transaction_key = Some(key);
        self.failure = Some(Failure {
            code: code.to_owned(),
            message: message.to_owned(),
        });
    }

    /// The window or the confirm deadline lapsed.
    pub fn expire(&mut self) {
        self.status = PaymentStatus::Expired;
        self.transaction_key = None;
        self.last_transaction_key = None;
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
            cancel_status: CancelStatus::Done,
            cancel_request_id: None,
        });
        self.transaction_key = Some(key.clone());
        self.last_transaction_key = Some(key);
        self.status = plan.status();
        self.balance_amount = plan.after.balance;
        self.tax_free_amount = plan.after.tax_free;
        self.vat = plan.after.vat();
        self.supplied_amount = plan.after.supplied();
        if plan.after.balance == 0 {
            if let Some(card) = &mut self.card {
                card.acquire_status = AcquireStatus::Canceled.as_str().to_owned();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::payment::{plan_cancel, CancelAsk};
    use proptest::prelude::*;

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
            acquire_status: AcquireStatus::Ready.as_str().to_owned(),
            amount,
        }
    }

    fn approved() -> Payment {
        let mut p = Payment::ready(NewPayment::sample(), Instant(1_654_590_048_000_000));
        p.authenticate(PaymentMethod::Card.as_str());
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
    fn the_wire_form_is_exact() {
        let mut p = approved();
        let plan = plan_cancel(
            &p.status,
            p.amounts(),
            0,
            CancelAsk {
                amount: Some(1_000),
                tax_free: None,
                refundable: None,
            },
        )
        .unwrap();
        p.apply_cancel(&plan, "고객 변심", Instant(1_654_590_100_000_000));
        // The random identifiers, fixed for the comparison.
        p.payment_key = "pk".into();
        p.secret = Some("ps_x".into());
        p.transaction_key = Some("TK".into());
        p.last_transaction_key = Some("TK".into());
        p.receipt = Some(Receipt {
            url: "http://127.0.0.1:8700/sim/receipts/pk".into(),
        });
        if let Some(cancels) = &mut p.cancels {
            cancels[0].transaction_key = "TK".into();
        }
        let expected = concat!(
            r#"{"mId":"tosspayments","version":"2024-06-01","paymentKey":"pk","status":"PARTIAL_CANCELED","#,
            r#""transactionKey":"TK","lastTransactionKey":"TK","orderId":"order-0001","#,
            r#""orderName":"토스 티셔츠 외 2건","requestedAt":"2022-06-07T17:20:48+09:00","#,
            r#""approvedAt":"2022-06-07T17:21:21+09:00","useEscrow":false,"cultureExpense":false,"#,
            r#""card":{"issuerCode":"61","acquirerCode":"61","number":"43301234****123*","#,
            r#""installmentPlanMonths":0,"isInterestFree":false,"interestPayer":null,"approveNo":"00000000","#,
            r#""useCardPoint":false,"cardType":"신용","ownerType":"개인","acquireStatus":"READY","amount":10000},"#,
            r#""virtualAccount":null,"transfer":null,"mobilePhone":null,"giftCertificate":null,"#,
            r#""cashReceipt":null,"cashReceipts":null,"discount":null,"#,
            r#""cancels":[{"cancelAmount":1000,"cancelReason":"고객 변심","taxFreeAmount":0,"#,
            r#""taxExemptionAmount":0,"refundableAmount":9000,"cardDiscountAmount":0,"#,
            r#""transferDiscountAmount":0,"easyPayDiscountAmount":0,"#,
            r#""canceledAt":"2022-06-07T17:21:40+09:00","transactionKey":"TK","receiptKey":null,"#,
            r#""cancelStatus":"DONE","cancelRequestId":null}],"secret":"ps_x","type":"BRANDPAY","#,
            r#""easyPay":null,"easyPayAmount":null,"easyPayDiscountAmount":null,"country":"KR","#,
            r#""failure":null,"isPartialCancelable":true,"#,
            r#""receipt":{"url":"http://127.0.0.1:8700/sim/receipts/pk"},"checkout":null,"#,
            r#""currency":"KRW","totalAmount":10000,"balanceAmount":9000,"suppliedAmount":8182,"#,
            r#""vat":818,"taxFreeAmount":0,"taxExemptionAmount":0,"metadata":null,"method":"카드"}"#,
        );
        assert_eq!(serde_json::to_string(&p).unwrap(), expected);
        assert_eq!(serde_json::to_string(&p.to_wire()).unwrap(), expected);
    }

    #[test]
    fn transfers_and_failures_have_their_wire_values() {
        let mut p = Payment::ready(
            NewPayment {
                mid: "tosspayments".into(),
                order_id: "order-0002".into(),
                order_name: "계좌".into(),
                amounts: Amounts::new(5_000, 0).unwrap(),
                culture_expense: false,
                metadata: None,
            },
            Instant(0),
        );
        assert_eq!(p.status, PaymentStatus::Ready);
        assert_eq!(p.method, None);
        let transfer = Approval::Transfer {
            bank_code: "88".into(),
        };
        p.authenticate(transfer.method().as_str());
        assert_eq!(p.method.as_deref(), Some("계좌이체"));
        let mut failed = p.clone();
        p.approve(transfer, None, Instant(1), "http://x");
        let text = serde_json::to_string(&p).unwrap();
        assert!(text.contains(r#""transfer":{"bankCode":"88","settlementStatus":"INCOMPLETED"}"#));
        assert!(text.contains(r#""method":"계좌이체""#));
        failed.abort(
            "REJECT_ACCOUNT_PAYMENT",
            "잔액부족으로 결제에 실패했습니다.",
        );
        assert_eq!(failed.status, PaymentStatus::Aborted);
        assert!(failed.last_transaction_key.is_some());
        let text = serde_json::to_string(&failed).unwrap();
        assert!(text.contains(r#""status":"ABORTED""#));
        assert!(text.contains(
            r#""failure":{"code":"REJECT_ACCOUNT_PAYMENT","message":"잔액부족으로 결제에 실패했습니다."}"#
        ));
        failed.expire();
        assert_eq!(
            (failed.status, failed.last_transaction_key),
            (PaymentStatus::Expired, None)
        );
    }

    #[test]
    fn unknown_stored_values_do_not_decode() {
        let text = serde_json::to_string(&approved())
            .unwrap()
            .replace(r#""status":"DONE""#, r#""status":"SETTLED""#);
        assert!(serde_json::from_str::<Payment>(&text).is_err());
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
        assert_eq!(p.status, PaymentStatus::PartialCanceled);
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
        assert_eq!(p.status, PaymentStatus::Canceled);
        assert_eq!(p.card.as_ref().unwrap().acquire_status, "CANCELED");
        assert_eq!((p.balance_amount, p.vat, p.supplied_amount), (0, 0, 0));
    }

    proptest! {
        #[test]
        fn cancelled_documents_always_add_up(
            total in 1i64..10_000_000,
            tax_free_share in 0u32..=100,
            discount in 0i64..10_000,
            asks in proptest::collection::vec(
                (proptest::option::of(1i64..5_000_000), proptest::option::of(0i64..5_000_000)),
                1..10,
            ),
        ) {
            let tax_free = total / 100 * i64::from(tax_free_share);
            let mut p = Payment::ready(
                NewPayment {
                    mid: "m".into(),
                    order_id: "order-1".into(),
                    order_name: "n".into(),
                    amounts: Amounts::new(total, tax_free).unwrap(),
                    culture_expense: false,
                    metadata: None,
                },
                Instant(0),
            );
            p.authenticate(PaymentMethod::Card.as_str());
            p.approve(Approval::Card(card(total)), Some(discount), Instant(1), "http://x");
            for (amount, tax) in asks {
                let ask = CancelAsk { amount, tax_free: tax, refundable: None };
                if let Ok(plan) = plan_cancel(&p.status, p.amounts(), p.discount_amount(), ask) {
                    p.apply_cancel(&plan, "r", Instant(2));
                }
                let cancelled: i64 = p.cancels.iter().flatten().map(|c| c.cancel_amount).sum();
                prop_assert!(p.balance_amount >= 0);
                prop_assert_eq!(p.balance_amount, total - cancelled);
                prop_assert_eq!(p.supplied_amount + p.vat + p.tax_free_amount, p.balance_amount);
                let expected = match (p.cancels.is_some(), p.balance_amount) {
                    (false, _) => PaymentStatus::Done,
                    (true, 0) => PaymentStatus::Canceled,
                    (true, _) => PaymentStatus::PartialCanceled,
                };
                prop_assert_eq!(&p.status, &expected);
                let last = p.cancels.iter().flatten().last().map(|c| c.refundable_amount);
                prop_assert_eq!(last.unwrap_or(total), p.balance_amount);
            }
        }
    }
}
