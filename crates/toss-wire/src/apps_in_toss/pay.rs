//! Toss Pay (`/pay/…` on the pay host): making a payment the buyer then authenticates in the pay sheet,
//! executing it (money moves), refunding it and looking it up.

use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;

use crate::Open;

crate::wire_enum! {
    /// `payStatus`: where a payment is in its life.
    pub enum PayStatus {
        /// Made; the buyer has not answered the pay sheet.
        PayStandby = "PAY_STANDBY",
        /// The buyer authenticated; the partner may execute.
        PayApproved = "PAY_APPROVED",
        /// Closed by the buyer, or not executed within the payment's lifetime (30 minutes).
        PayCancel = "PAY_CANCEL",
        /// Executed; something remains refundable.
        PayComplete = "PAY_COMPLETE",
        /// Executed and refunded in full.
        RefundSuccess = "REFUND_SUCCESS",
    }
}

crate::wire_enum! {
    /// `mode`: `isTestPayment` as the payment's world; TEST and LIVE payments never mix.
    pub enum PayMode {
        /// A test payment (`isTestPayment: true`).
        Test = "TEST",
        /// A live payment (`isTestPayment: false`).
        Live = "LIVE",
    }
}

crate::wire_enum! {
    /// `payMethod` (how the buyer paid) and `enablePayMethods` (how they may pay).
    pub enum PayMethod {
        /// A card.
        Card = "CARD",
        /// Toss Money (the buyer's linked bank account).
        TossMoney = "TOSS_MONEY",
    }
}

crate::wire_enum! {
    /// `stepType` of an entry of `transactions[]`.
    pub enum TransactionKind {
        /// The approval (execute-payment).
        Pay = "PAY",
        /// A refund.
        Refund = "REFUND",
    }
}

crate::wire_enum! {
    /// `cashReceiptTradeOption`: the kind of cash receipt.
    pub enum TradeOption {
        /// General goods (the default).
        General = "GENERAL",
        /// Culture expenses.
        Culture = "CULTURE",
        /// Public transport.
        PublicTp = "PUBLIC_TP",
    }
}

crate::wire_enum! {
    /// `installment`: whether the buyer may pay a card payment in installments.
    pub enum Installment {
        /// Installments allowed (the default).
        Use = "USE",
        /// Lump sum only.
        NotUse = "NOT_USE",
    }
}

/// `cashReceipt` as Toss reads it: `true` only for the JSON value `true`, anything else is `false`.
fn lenient_bool<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<bool>, D::Error> {
    Ok(match Option::<Value>::deserialize(deserializer)? {
        Some(Value::Bool(value)) => Some(value),
        Some(_) | None => None,
    })
}

/// The body of `make-payment`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct MakePaymentRequest {
    /// The merchant's order number: ≤ 50 characters of digits, letters and `_-:.^@`; unique per app and
    /// mode
    pub order_no: String,
    /// What is sold: ≤ 255 characters, not blank, without `\` or `"`
    pub product_desc: String,
    /// The total amount, 1 – 9,999,999
    pub amount: i64,
    /// The tax-free part (0 for taxable goods)
    pub amount_tax_free: i64,
    /// The taxable part excluding VAT; computed from the rest when omitted
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amount_taxable: Option<i64>,
    /// The VAT; computed from the rest when omitted
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amount_vat: Option<i64>,
    /// The service fee (default 0)
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amount_service_fee: Option<i64>,
    /// `TOSS_MONEY` or `CARD`; anything else means both
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub enable_pay_methods: Option<Open<PayMethod>>,
    /// Whether a cash receipt may be issued; any value other than `true` means `false`
    #[serde(
        default,
        deserialize_with = "lenient_bool",
        skip_serializing_if = "Option::is_none"
    )]
    pub cash_receipt: Option<bool>,
    /// `GENERAL` (default), `CULTURE` or `PUBLIC_TP`
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub cash_receipt_trade_option: Option<Open<TradeOption>>,
    /// `USE` (default) or `NOT_USE`
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub installment: Option<Open<Installment>>,
    /// `true`: a TEST payment; `false`: a LIVE payment
    pub is_test_payment: bool,
}

impl MakePaymentRequest {
    /// A payment of `amount` (all taxable) for `order_no`, in TEST or LIVE mode.
    pub fn new(
        order_no: impl Into<String>,
        product_desc: impl Into<String>,
        amount: i64,
        is_test_payment: bool,
    ) -> MakePaymentRequest {
        MakePaymentRequest {
            order_no: order_no.into(),
            product_desc: product_desc.into(),
            amount,
            amount_tax_free: 0,
            amount_taxable: None,
            amount_vat: None,
            amount_service_fee: None,
            enable_pay_methods: None,
            cash_receipt: None,
            cash_receipt_trade_option: None,
            installment: None,
            is_test_payment,
        }
    }

    /// `amountTaxFree`: the tax-free part.
    pub fn amount_tax_free(mut self, amount: i64) -> MakePaymentRequest {
        self.amount_tax_free = amount;
        self
    }

    /// `amountTaxable`: the taxable part excluding VAT.
    pub fn amount_taxable(mut self, amount: i64) -> MakePaymentRequest {
        self.amount_taxable = Some(amount);
        self
    }

    /// `amountVat`: the VAT.
    pub fn amount_vat(mut self, amount: i64) -> MakePaymentRequest {
        self.amount_vat = Some(amount);
        self
    }

    /// `amountServiceFee`: the service fee.
    pub fn amount_service_fee(mut self, amount: i64) -> MakePaymentRequest {
        self.amount_service_fee = Some(amount);
        self
    }

    /// `enablePayMethods`: the only way the buyer may pay.
    pub fn enable_pay_methods(mut self, method: PayMethod) -> MakePaymentRequest {
        self.enable_pay_methods = Some(Open::Known(method));
        self
    }

    /// `cashReceipt`: whether a cash receipt may be issued.
    pub fn cash_receipt(mut self, cash_receipt: bool) -> MakePaymentRequest {
        self.cash_receipt = Some(cash_receipt);
        self
    }

    /// `cashReceiptTradeOption`: the kind of cash receipt.
    pub fn cash_receipt_trade_option(mut self, option: TradeOption) -> MakePaymentRequest {
        self.cash_receipt_trade_option = Some(Open::Known(option));
        self
    }

    /// `installment`: whether card installments are allowed.
    pub fn installment(mut self, installment: Installment) -> MakePaymentRequest {
        self.installment = Some(Open::Known(installment));
        self
    }
}

/// The answer of `make-payment`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct MakePaymentResponse {
    /// The payment's token: the mini-app opens the pay sheet with it, the partner executes with it
    pub pay_token: String,
}

impl MakePaymentResponse {
    /// The answer for a new payment.
    pub fn new(pay_token: impl Into<String>) -> MakePaymentResponse {
        MakePaymentResponse {
            pay_token: pay_token.into(),
        }
    }
}

/// The body of `execute-payment`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ExecutePaymentRequest {
    /// The payment's token (≤ 30 characters)
    pub pay_token: String,
    /// If given, must be the payment's orderNo
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order_no: Option<String>,
    /// The mode the payment was made in
    pub is_test_payment: bool,
}

impl ExecutePaymentRequest {
    /// Executes the payment `pay_token` of that mode.
    pub fn new(pay_token: impl Into<String>, is_test_payment: bool) -> ExecutePaymentRequest {
        ExecutePaymentRequest {
            pay_token: pay_token.into(),
            order_no: None,
            is_test_payment,
        }
    }

    /// `orderNo`: also checks that the payment is this order's.
    pub fn order_no(mut self, order_no: impl Into<String>) -> ExecutePaymentRequest {
        self.order_no = Some(order_no.into());
        self
    }
}

/// The answer of `execute-payment`: the approval. Card fields are `null` for Toss Money and account fields
/// `null` for cards.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ExecutePaymentResponse {
    /// `0` on success
    pub code: i64,
    /// `TEST` or `LIVE`
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub mode: Open<PayMode>,
    /// The merchant's order number
    pub order_no: String,
    /// The total amount
    pub amount: i64,
    /// Approval time, `yyyy-MM-dd HH:mm:ss` KST
    pub approval_time: String,
    /// `결제 완료`
    pub state_msg: String,
    /// Instant discount plus Toss points; 0 if none
    pub discounted_amount: i64,
    /// `amount − discountedAmount`
    pub paid_amount: i64,
    /// `TOSS_MONEY` or `CARD`
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub pay_method: Option<Open<PayMethod>>,
    /// The payment's token
    pub pay_token: String,
    /// The approval's transaction id
    pub transaction_id: String,
    /// Toss Pay card company code (1–10)
    pub card_company_code: Option<i64>,
    /// Card company name, e.g. `현대카드`
    pub card_company_name: Option<String>,
    /// Card authorization number (8 digits)
    pub card_authorization_no: Option<String>,
    /// Installment months; 0 for a lump sum
    pub spread_out: Option<i64>,
    /// Whether the installments are interest-free
    pub no_interest: Option<bool>,
    /// The card slip's URL
    pub sales_check_link_url: Option<String>,
    /// `CREDIT`, `CHECK` or `PREPAYMENT`
    pub card_method_type: Option<String>,
    /// Masked card number, e.g. `123456******3456`
    pub card_number: Option<String>,
    /// `PERSONAL`, `PERSONAL_FAMILY`, `CORP_PERSONAL`, `CORP_PRIVATE` or `CORP_COMPANY`
    pub card_user_type: Option<String>,
    /// The card number's last 4 digits
    pub card_num4_print: Option<String>,
    /// The card number's first 6 digits
    pub card_bin_number: Option<String>,
    /// Cash receipt key: Toss Money payments made with `cashReceipt: true`
    pub cash_receipt_mgt_key: Option<String>,
    /// 3-digit Toss Pay bank code, for Toss Money
    pub account_bank_code: Option<String>,
    /// Bank name, e.g. `토스뱅크`
    pub account_bank_name: Option<String>,
    /// Masked account number, e.g. `100******094`
    pub account_number: Option<String>,
    /// Always null on success
    pub msg: Option<String>,
    /// Always null on success
    pub error_code: Option<String>,
}

impl ExecutePaymentResponse {
    /// An approval with `code` 0 and `stateMsg` `결제 완료`, amounts zero and every optional field `null`;
    /// set the rest on it.
    pub fn new(
        mode: PayMode,
        pay_token: impl Into<String>,
        order_no: impl Into<String>,
        amount: i64,
    ) -> ExecutePaymentResponse {
        ExecutePaymentResponse {
            code: 0,
            mode: Open::Known(mode),
            order_no: order_no.into(),
            amount,
            approval_time: String::new(),
            state_msg: "결제 완료".to_owned(),
            discounted_amount: 0,
            paid_amount: 0,
            pay_method: None,
            pay_token: pay_token.into(),
            transaction_id: String::new(),
            card_company_code: None,
            card_company_name: None,
            card_authorization_no: None,
            spread_out: None,
            no_interest: None,
            sales_check_link_url: None,
            card_method_type: None,
            card_number: None,
            card_user_type: None,
            card_num4_print: None,
            card_bin_number: None,
            cash_receipt_mgt_key: None,
            account_bank_code: None,
            account_bank_name: None,
            account_number: None,
            msg: None,
            error_code: None,
        }
    }
}

/// The body of `refund-payment`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct RefundPaymentRequest {
    /// The payment's token (≤ 30 characters)
    pub pay_token: String,
    /// Why: ≤ 55 characters of Hangul, digits, letters, space and `_-:.^@()[]#/!%?&`
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// The mode the payment was made in
    pub is_test_payment: bool,
    /// tossd extension: a partial refund (1 ≤ amount ≤ refundableAmount); omitted → the whole remainder
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amount: Option<i64>,
}

impl RefundPaymentRequest {
    /// Refunds what remains of the payment `pay_token` of that mode.
    pub fn new(pay_token: impl Into<String>, is_test_payment: bool) -> RefundPaymentRequest {
        RefundPaymentRequest {
            pay_token: pay_token.into(),
            reason: None,
            is_test_payment,
            amount: None,
        }
    }

    /// `reason`: why the payment is refunded.
    pub fn reason(mut self, reason: impl Into<String>) -> RefundPaymentRequest {
        self.reason = Some(reason.into());
        self
    }

    /// `amount` (a tossd extension): refunds only this much.
    pub fn amount(mut self, amount: i64) -> RefundPaymentRequest {
        self.amount = Some(amount);
        self
    }
}

/// The answer of `refund-payment`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct RefundPaymentResponse {
    /// This refund's number
    pub refund_no: String,
    /// Refund time, `yyyy-MM-dd HH:mm:ss` KST
    pub approval_time: String,
    /// Cash receipt key, as on the payment
    pub cash_receipt_mgt_key: Option<String>,
    /// What remains refundable after this refund
    pub refundable_amount: i64,
    /// The payment's `discountedAmount`
    pub discounted_amount: i64,
    /// The payment's `paidAmount`
    pub paid_amount: i64,
    /// This refund's amount
    pub refunded_amount: i64,
    /// The part of this refund taken from the discount
    pub refunded_discount_amount: i64,
    /// The part of this refund taken from the paid amount
    pub refunded_paid_amount: i64,
    /// The payment's token
    pub pay_token: String,
    /// The refund's transaction id
    pub transaction_id: String,
    /// As on the payment (null for Toss Money)
    pub card_method_type: Option<String>,
    /// As on the payment (null for Toss Money)
    pub card_number: Option<String>,
    /// As on the payment (null for Toss Money)
    pub card_user_type: Option<String>,
    /// As on the payment (null for Toss Money)
    pub card_num4_print: Option<String>,
    /// As on the payment (null for Toss Money)
    pub card_bin_number: Option<String>,
    /// As on the payment (null for cards)
    pub account_bank_code: Option<String>,
    /// As on the payment (null for cards)
    pub account_bank_name: Option<String>,
    /// As on the payment (null for cards)
    pub account_number: Option<String>,
}

impl RefundPaymentResponse {
    /// A refund of `refunded_amount` of the payment `pay_token`, amounts otherwise zero and every optional
    /// field `null`; set the rest on it.
    pub fn new(
        pay_token: impl Into<String>,
        refund_no: impl Into<String>,
        transaction_id: impl Into<String>,
        refunded_amount: i64,
    ) -> RefundPaymentResponse {
        RefundPaymentResponse {
            refund_no: refund_no.into(),
            approval_time: String::new(),
            cash_receipt_mgt_key: None,
            refundable_amount: 0,
            discounted_amount: 0,
            paid_amount: 0,
            refunded_amount,
            refunded_discount_amount: 0,
            refunded_paid_amount: 0,
            pay_token: pay_token.into(),
            transaction_id: transaction_id.into(),
            card_method_type: None,
            card_number: None,
            card_user_type: None,
            card_num4_print: None,
            card_bin_number: None,
            account_bank_code: None,
            account_bank_name: None,
            account_number: None,
        }
    }
}

/// The body of `get-payment-status`: the payment by `payToken`, `orderNo` or both.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct PaymentStatusRequest {
    /// payToken or orderNo (or both, naming the same payment)
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pay_token: Option<String>,
    /// The merchant's order number
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order_no: Option<String>,
    /// The mode the payment was made in
    pub is_test_payment: bool,
}

impl PaymentStatusRequest {
    /// Looks the payment up by its token.
    pub fn by_pay_token(
        pay_token: impl Into<String>,
        is_test_payment: bool,
    ) -> PaymentStatusRequest {
        PaymentStatusRequest {
            pay_token: Some(pay_token.into()),
            order_no: None,
            is_test_payment,
        }
    }

    /// Looks the payment up by its order number (e.g. to recover a lost payToken).
    pub fn by_order_no(order_no: impl Into<String>, is_test_payment: bool) -> PaymentStatusRequest {
        PaymentStatusRequest {
            pay_token: None,
            order_no: Some(order_no.into()),
            is_test_payment,
        }
    }
}

/// One entry of `transactions[]`: an approval or a refund.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct TransactionView {
    /// `PAY` or `REFUND`
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub step_type: Open<TransactionKind>,
    /// The transaction's id
    pub transaction_id: String,
    /// PAY: the paid amount; REFUND: the refunded paid part
    pub paid_amount: i64,
    /// PAY: the amount; REFUND: minus the refunded amount (negative)
    pub transaction_amount: i64,
    /// PAY: the discounted amount; REFUND: the refunded discount part
    pub discounted_amount: i64,
    /// Toss points of this transaction
    pub point_amount: i64,
    /// Processing time, ISO-8601 UTC
    pub reg_ts: String,
}

impl TransactionView {
    /// An entry of that kind with its amounts.
    pub fn new(
        step_type: TransactionKind,
        transaction_id: impl Into<String>,
        paid_amount: i64,
        transaction_amount: i64,
        discounted_amount: i64,
        point_amount: i64,
        reg_ts: impl Into<String>,
    ) -> TransactionView {
        TransactionView {
            step_type: Open::Known(step_type),
            transaction_id: transaction_id.into(),
            paid_amount,
            transaction_amount,
            discounted_amount,
            point_amount,
            reg_ts: reg_ts.into(),
        }
    }
}

/// `card` of the status answer: the card the buyer paid with.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct CardView {
    /// Whether the installments are interest-free
    pub no_interest: bool,
    /// Installment months; 0 for a lump sum
    pub spread_out: i64,
    /// Card authorization number; null until executed
    pub card_authorization_no: Option<String>,
    /// `CREDIT`, `CHECK` or `PREPAYMENT`
    pub card_method_type: Option<String>,
    /// `PERSONAL`, `PERSONAL_FAMILY`, `CORP_PERSONAL`, `CORP_PRIVATE` or `CORP_COMPANY`
    pub card_user_type: Option<String>,
    /// Masked card number
    pub card_number: Option<String>,
    /// The card number's first 6 digits
    pub card_bin_number: Option<String>,
    /// The card number's last 4 digits
    pub card_num4_print: Option<String>,
    /// The card slip's URL; null until executed
    pub sales_check_link_url: Option<String>,
    /// Card company name
    pub card_company_name: Option<String>,
    /// Toss Pay card company code (1–10)
    pub card_company_code: Option<i64>,
}

impl CardView {
    /// An empty card (no installments, every field `null`); set the rest on it.
    pub fn new() -> CardView {
        CardView::default()
    }
}

/// The answer of `get-payment-status`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct PaymentStatusView {
    /// `TEST` or `LIVE`
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub mode: Open<PayMode>,
    /// The payment's token
    pub pay_token: String,
    /// The merchant's order number
    pub order_no: String,
    /// Where the payment is in its life
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub pay_status: Open<PayStatus>,
    /// `CARD` or `TOSS_MONEY`; null before the buyer authenticates
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub pay_method: Option<Open<PayMethod>>,
    /// The total amount
    pub amount: i64,
    /// Instant discount plus Toss points
    pub discounted_amount: i64,
    /// The instant discount
    pub discount_amount_v2: i64,
    /// Toss points used
    pub paid_point_v2: i64,
    /// `amount − discountedAmount` once executed; 0 before
    pub paid_amount: i64,
    /// What remains refundable; 0 before execution
    pub refundable_amount: i64,
    /// The taxable part excluding VAT
    pub amount_taxable: i64,
    /// The tax-free part
    pub amount_tax_free: i64,
    /// The VAT
    pub amount_vat: i64,
    /// The service fee
    pub amount_service_fee: i64,
    /// Disposable cup deposit
    pub disposable_cup_deposit: i64,
    /// 3-digit Toss Pay bank code, for Toss Money
    pub account_bank_code: Option<String>,
    /// Bank name, for Toss Money
    pub account_bank_name: Option<String>,
    /// Masked account number, for Toss Money
    pub account_number: Option<String>,
    /// The card, for card payments
    pub card: Option<CardView>,
    /// Approvals and refunds, oldest first
    pub transactions: Vec<TransactionView>,
    /// Creation time, ISO-8601 UTC
    pub created_ts: String,
    /// Execution time, ISO-8601 UTC; null until executed
    pub paid_ts: Option<String>,
}

impl PaymentStatusView {
    /// A payment with amounts zero, no transactions and every optional field `null`; set the rest on it.
    pub fn new(
        mode: PayMode,
        pay_token: impl Into<String>,
        order_no: impl Into<String>,
        pay_status: PayStatus,
        amount: i64,
    ) -> PaymentStatusView {
        PaymentStatusView {
            mode: Open::Known(mode),
            pay_token: pay_token.into(),
            order_no: order_no.into(),
            pay_status: Open::Known(pay_status),
            pay_method: None,
            amount,
            discounted_amount: 0,
            discount_amount_v2: 0,
            paid_point_v2: 0,
            paid_amount: 0,
            refundable_amount: 0,
            amount_taxable: 0,
            amount_tax_free: 0,
            amount_vat: 0,
            amount_service_fee: 0,
            disposable_cup_deposit: 0,
            account_bank_code: None,
            account_bank_name: None,
            account_number: None,
            card: None,
            transactions: Vec::new(),
            created_ts: String::new(),
            paid_ts: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::{MakePaymentRequest, PayMethod, PayStatus, PaymentStatusView};
    use crate::Open;

    #[test]
    fn make_payment_reads_cash_receipt_as_toss_does() {
        let base = json!({"orderNo": "o", "productDesc": "p", "amount": 10, "amountTaxFree": 0,
            "isTestPayment": true});
        let with = |value| {
            let mut body = base.clone();
            body["cashReceipt"] = value;
            serde_json::from_value::<MakePaymentRequest>(body)
                .unwrap()
                .cash_receipt
        };
        assert_eq!(with(json!(true)), Some(true));
        assert_eq!(with(json!("yes")), None);
        assert_eq!(with(json!(null)), None);
        let request =
            MakePaymentRequest::new("o", "p", 10, true).enable_pay_methods(PayMethod::Card);
        assert_eq!(
            serde_json::to_value(&request).unwrap(),
            json!({"orderNo": "o", "productDesc": "p", "amount": 10, "amountTaxFree": 0,
                "enablePayMethods": "CARD", "isTestPayment": true})
        );
    }

    #[test]
    fn unknown_statuses_round_trip() {
        let mut view = serde_json::to_value(PaymentStatusView::new(
            super::PayMode::Test,
            "t",
            "o",
            PayStatus::PayComplete,
            10,
        ))
        .unwrap();
        view["payStatus"] = json!("PAY_PROGRESS");
        view["payMethod"] = json!("POINT");
        let read: PaymentStatusView = serde_json::from_value(view.clone()).unwrap();
        assert_eq!(read.pay_status, Open::Unknown("PAY_PROGRESS".into()));
        assert_eq!(read.pay_method, Some(Open::Unknown("POINT".into())));
        assert_eq!(serde_json::to_value(&read).unwrap(), view);
    }
}
