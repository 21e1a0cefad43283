//! The Payment object (`GET /v1/payments/{paymentKey}`, `GET /v1/payments/orders/{orderId}`, the answer
//! of every confirm, auto-pay and cancel, and `data` of `PAYMENT_STATUS_CHANGED`) with its Cancel, and the
//! cancel request (`POST /v1/payments/{paymentKey}/cancel`).

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::Open;

crate::wire_enum! {
    /// `status` of a Payment: where the payment stands.
    #[derive(Default)]
    pub enum PaymentStatus {
        /// The payment window is open; nothing is authenticated yet.
        #[default]
        Ready = "READY",
        /// The customer authenticated; the merchant has 10 minutes to confirm.
        InProgress = "IN_PROGRESS",
        /// Approved.
        Done = "DONE",
        /// Approved, then part of the amount was cancelled.
        PartialCanceled = "PARTIAL_CANCELED",
        /// Approved, then cancelled in full.
        Canceled = "CANCELED",
        /// The approval failed (`failure` says why).
        Aborted = "ABORTED",
        /// The window or the confirm deadline lapsed.
        Expired = "EXPIRED",
    }
}

crate::wire_enum! {
    /// `method` of a Payment, in Korean as the API writes it.
    pub enum PaymentMethod {
        /// `카드`: a card.
        Card = "카드",
        /// `계좌이체`: a bank account transfer.
        Transfer = "계좌이체",
    }
}

crate::wire_enum! {
    /// `cancelStatus` of a Cancel.
    #[derive(Default)]
    pub enum CancelStatus {
        /// The cancel is complete (BrandPay cancels complete synchronously).
        #[default]
        Done = "DONE",
    }
}

crate::wire_enum! {
    /// `card.acquireStatus`: whether the card company has acquired the payment.
    #[derive(Default)]
    pub enum AcquireStatus {
        /// Waiting for acquisition.
        #[default]
        Ready = "READY",
        /// Cancelled before acquisition (the payment was cancelled in full).
        Canceled = "CANCELED",
    }
}

crate::wire_enum! {
    /// `transfer.settlementStatus`: whether the transfer has been settled to the merchant.
    #[derive(Default)]
    pub enum SettlementStatus {
        /// Not settled yet.
        #[default]
        Incompleted = "INCOMPLETED",
    }
}

/// A Toss Payments payment: every documented field, in the documented order, `null` where unused.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Payment {
    /// The merchant's id (up to 14 characters).
    pub m_id: String,
    /// The API version the object follows, e.g. `2024-06-01`.
    pub version: String,
    /// The payment's key (up to 200 characters): what lookup, confirm and cancel take.
    pub payment_key: String,
    /// Where the payment stands.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub status: Open<PaymentStatus>,
    /// The key of the last transaction (the same value as `lastTransactionKey`).
    pub transaction_key: Option<String>,
    /// The key of the last approval or cancel transaction; `null` before approval.
    pub last_transaction_key: Option<String>,
    /// The merchant's order id.
    pub order_id: String,
    /// The order's name (up to 100 characters).
    pub order_name: String,
    /// When the payment was created (`yyyy-MM-dd'T'HH:mm:ss+09:00`).
    pub requested_at: String,
    /// When it was approved; `null` unless approved.
    pub approved_at: Option<String>,
    /// Whether escrow is used.
    pub use_escrow: bool,
    /// Whether the payment counts as a culture expense (income deduction).
    pub culture_expense: bool,
    /// The card details of a card payment once approved.
    pub card: Option<Card>,
    /// The virtual account details (never used by BrandPay).
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub virtual_account: Option<Value>,
    /// The transfer details of an account payment once approved.
    pub transfer: Option<Transfer>,
    /// The mobile phone payment details (never used by BrandPay).
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub mobile_phone: Option<Value>,
    /// The gift certificate details (never used by BrandPay).
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub gift_certificate: Option<Value>,
    /// The cash receipt issued for the payment.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub cash_receipt: Option<Value>,
    /// The history of cash receipt issues and cancels.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub cash_receipts: Option<Value>,
    /// The instant discount applied at approval.
    pub discount: Option<Discount>,
    /// One Cancel per cancel, oldest first; `null` until the first cancel.
    pub cancels: Option<Vec<Cancel>>,
    /// The value a webhook receiver compares with `data.secret` to know the webhook is genuine.
    pub secret: Option<String>,
    /// The payment type: `NORMAL`, `BILLING` or `BRANDPAY`.
    #[serde(rename = "type")]
    pub kind: String,
    /// The easy-pay details (never used by BrandPay).
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub easy_pay: Option<Value>,
    /// The amount paid through an easy-pay balance.
    pub easy_pay_amount: Option<i64>,
    /// The easy-pay discount.
    pub easy_pay_discount_amount: Option<i64>,
    /// The country of the payment (ISO 3166 alpha-2), `KR`.
    pub country: String,
    /// Why the approval failed, for `ABORTED` payments.
    pub failure: Option<Failure>,
    /// Whether the payment may be cancelled in part.
    pub is_partial_cancelable: bool,
    /// The receipt (sales slip) once approved.
    pub receipt: Option<Receipt>,
    /// The checkout page (never used by BrandPay).
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub checkout: Option<Value>,
    /// The currency, `KRW`.
    pub currency: String,
    /// The payment's amount; never changes.
    pub total_amount: i64,
    /// What can still be cancelled: `totalAmount` minus every cancelled amount.
    pub balance_amount: i64,
    /// The supply value: `balanceAmount − taxFreeAmount − vat`.
    pub supplied_amount: i64,
    /// The VAT of the remaining balance.
    pub vat: i64,
    /// The remaining tax-free part.
    pub tax_free_amount: i64,
    /// The remaining tax-exempt part.
    pub tax_exemption_amount: i64,
    /// Up to 5 key/value pairs the merchant attached to the payment.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub metadata: Option<serde_json::Map<String, Value>>,
    /// How the customer paid (`카드`, `계좌이체`, …); `null` until a method is chosen.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub method: Option<Open<PaymentMethod>>,
}

/// `card` of a Payment: the card details of a card payment.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Card {
    /// The issuer's two-character company code.
    pub issuer_code: String,
    /// The acquirer's two-character company code.
    pub acquirer_code: Option<String>,
    /// The masked card number, e.g. `43301234****123*`.
    pub number: String,
    /// The installment months; 0 for a lump sum.
    pub installment_plan_months: i64,
    /// Whether the installment is interest-free.
    pub is_interest_free: bool,
    /// Who pays the installment interest (`BUYER`, `CARD_COMPANY`, `MERCHANT`); `null` for a lump sum.
    pub interest_payer: Option<String>,
    /// The card company's approval number (up to 8 characters).
    pub approve_no: String,
    /// Whether card points were used.
    pub use_card_point: bool,
    /// The card's type: `신용`, `체크`, `기프트` or `미확인`.
    pub card_type: String,
    /// The card's owner: `개인` or `법인`.
    pub owner_type: String,
    /// Whether the card company has acquired the payment.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub acquire_status: Open<AcquireStatus>,
    /// The amount requested from the card company, including any instant discount.
    pub amount: i64,
}

/// `transfer` of a Payment: the details of an account payment.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Transfer {
    /// The bank's two-character code.
    pub bank_code: String,
    /// Whether the transfer has been settled to the merchant.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub settlement_status: Open<SettlementStatus>,
}

/// `discount` of a Payment: the instant discount applied.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[non_exhaustive]
pub struct Discount {
    /// The discounted amount.
    pub amount: i64,
}

/// `failure` of a Payment: why the approval failed.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[non_exhaustive]
pub struct Failure {
    /// The error code, e.g. `REJECT_CARD_COMPANY`.
    pub code: String,
    /// The error message, Korean unless the call asked for English.
    pub message: String,
}

/// `receipt` of a Payment.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[non_exhaustive]
pub struct Receipt {
    /// The address of the receipt (sales slip) page.
    pub url: String,
}

/// One element of `cancels`: one cancel of the payment.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Cancel {
    /// The amount this cancel returned.
    pub cancel_amount: i64,
    /// Why the payment was cancelled (up to 200 characters).
    pub cancel_reason: String,
    /// The tax-free part of this cancel.
    pub tax_free_amount: i64,
    /// The tax-exempt part of this cancel.
    pub tax_exemption_amount: i64,
    /// What can still be cancelled after this cancel.
    pub refundable_amount: i64,
    /// The card instant discount returned by this cancel.
    pub card_discount_amount: i64,
    /// The account instant discount returned by this cancel.
    pub transfer_discount_amount: i64,
    /// The easy-pay discount returned by this cancel.
    pub easy_pay_discount_amount: i64,
    /// When the cancel happened.
    pub canceled_at: String,
    /// The key of the cancel transaction.
    pub transaction_key: String,
    /// The key of the cancel's cash receipt, if one was issued.
    pub receipt_key: Option<String>,
    /// Where the cancel stands.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub cancel_status: Open<CancelStatus>,
    /// The id of an asynchronous cancel request; `null` for synchronous cancels.
    pub cancel_request_id: Option<String>,
}

/// `POST /v1/payments/{paymentKey}/cancel`: cancels the payment in full, or the part `cancelAmount` names.
///
/// ```
/// use toss_wire::tosspayments::payments::CancelRequest;
///
/// let partial = CancelRequest::new("고객 변심").cancel_amount(1_000);
/// assert_eq!(
///     serde_json::to_string(&partial).unwrap(),
///     r#"{"cancelReason":"고객 변심","cancelAmount":1000}"#
/// );
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct CancelRequest {
    /// Why the payment is cancelled (1–200 characters).
    pub cancel_reason: String,
    /// The amount to cancel; absent cancels the whole remaining balance.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cancel_amount: Option<i64>,
    /// The refund account of a virtual-account payment (unused by BrandPay).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refund_receive_account: Option<Value>,
    /// The tax-free part of this cancel.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tax_free_amount: Option<i64>,
    /// The currency of `cancelAmount`; `KRW` when given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub currency: Option<String>,
    /// The cancelable balance as the caller knows it: the cancel is refused if it differs, which guards
    /// against cancelling twice.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refundable_amount: Option<i64>,
}

impl CancelRequest {
    /// A cancel of the whole remaining balance, for `reason`.
    pub fn new(reason: impl Into<String>) -> CancelRequest {
        CancelRequest {
            cancel_reason: reason.into(),
            cancel_amount: None,
            refund_receive_account: None,
            tax_free_amount: None,
            currency: None,
            refundable_amount: None,
        }
    }

    /// Cancels only `amount`.
    pub fn cancel_amount(mut self, amount: i64) -> CancelRequest {
        self.cancel_amount = Some(amount);
        self
    }

    /// The tax-free part of this cancel.
    pub fn tax_free_amount(mut self, amount: i64) -> CancelRequest {
        self.tax_free_amount = Some(amount);
        self
    }

    /// The currency of the amount (`KRW`).
    pub fn currency(mut self, currency: impl Into<String>) -> CancelRequest {
        self.currency = Some(currency.into());
        self
    }

    /// Refuses the cancel unless the cancelable balance is still `amount`.
    pub fn refundable_amount(mut self, amount: i64) -> CancelRequest {
        self.refundable_amount = Some(amount);
        self
    }

    /// The refund account of a virtual-account payment (`{bank, accountNumber, holderName}`).
    pub fn refund_receive_account(mut self, account: Value) -> CancelRequest {
        self.refund_receive_account = Some(account);
        self
    }
}

#[cfg(test)]
mod tests {
    use super::{Payment, PaymentMethod, PaymentStatus};
    use crate::Open;

    const PAYMENT: &str = concat!(
        r#"{"mId":"tosspayments","version":"2024-06-01","paymentKey":"pk","status":"DONE","#,
        r#""transactionKey":"TK","lastTransactionKey":"TK","orderId":"order-0001","#,
        r#""orderName":"토스 티셔츠 외 2건","requestedAt":"2022-06-07T17:20:48+09:00","#,
        r#""approvedAt":"2022-06-07T17:21:21+09:00","useEscrow":false,"cultureExpense":false,"#,
        r#""card":{"issuerCode":"61","acquirerCode":"61","number":"43301234****123*","#,
        r#""installmentPlanMonths":0,"isInterestFree":false,"interestPayer":null,"approveNo":"00000000","#,
        r#""useCardPoint":false,"cardType":"신용","ownerType":"개인","acquireStatus":"READY","amount":10000},"#,
        r#""virtualAccount":null,"transfer":null,"mobilePhone":null,"giftCertificate":null,"#,
        r#""cashReceipt":null,"cashReceipts":null,"discount":null,"cancels":null,"secret":"ps_x","#,
        r#""type":"BRANDPAY","easyPay":null,"easyPayAmount":null,"easyPayDiscountAmount":null,"#,
        r#""country":"KR","failure":null,"isPartialCancelable":true,"#,
        r#""receipt":{"url":"http://127.0.0.1:8700/sim/receipts/pk"},"checkout":null,"currency":"KRW","#,
        r#""totalAmount":10000,"balanceAmount":10000,"suppliedAmount":9091,"vat":909,"taxFreeAmount":0,"#,
        r#""taxExemptionAmount":0,"metadata":null,"method":"카드"}"#,
    );

    #[test]
    fn a_payment_round_trips_byte_for_byte() {
        let payment: Payment = serde_json::from_str(PAYMENT).unwrap();
        assert_eq!(payment.status, PaymentStatus::Done);
        assert_eq!(payment.method, Some(Open::Known(PaymentMethod::Card)));
        assert_eq!(serde_json::to_string(&payment).unwrap(), PAYMENT);
    }

    #[test]
    fn unknown_values_are_kept_as_sent() {
        let text = PAYMENT
            .replace(r#""method":"카드""#, r#""method":"새결제수단""#)
            .replace(r#""status":"DONE""#, r#""status":"SETTLED""#)
            .replace(
                r#""acquireStatus":"READY""#,
                r#""acquireStatus":"COMPLETED""#,
            );
        let payment: Payment = serde_json::from_str(&text).unwrap();
        assert_eq!(payment.method, Some(Open::Unknown("새결제수단".into())));
        assert_eq!(payment.status, Open::Unknown("SETTLED".into()));
        assert_eq!(serde_json::to_string(&payment).unwrap(), text);
    }
}
