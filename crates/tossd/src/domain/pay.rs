//! Toss Pay rules (docs/reference.md §2.3, §3.1): input validation, the tax split, the payment's state machine
//! with the guards of execute, refund and expiry, and the refund arithmetic. No IO: callers pass values and
//! clock readings.

use crate::domain::time::Instant;
use crate::domain::wire::wire_enum;
use crate::domain::{secrets, uuid};

pub use toss_wire::apps_in_toss::pay::{
    Installment, PayMethod, PayMode, PayStatus, TradeOption, TransactionKind,
};

/// `isTestPayment` as the payment's mode.
pub fn mode_of(is_test_payment: bool) -> PayMode {
    if is_test_payment {
        PayMode::Test
    } else {
        PayMode::Live
    }
}

wire_enum! {
    /// The kind of Toss Pay merchant key an app registered (docs/reference.md §2.3 "Merchant key"); the key
    /// itself is not kept.
    pub enum MerchantKey {
        /// The public test key: payments can be made and looked up, not executed or refunded.
        PublicTest = "PUBLIC_TEST",
        Private = "PRIVATE",
    }
}

/// The public test key of Toss's console documentation.
pub const PUBLIC_TEST_KEY: &str = "sk_test_w5lNQylNqa5lNQe013Nq";

impl MerchantKey {
    /// The kind of a key as registered in the console; `None` when no key is registered.
    pub fn of(key: Option<&str>) -> Option<MerchantKey> {
        match key {
            None | Some("") => None,
            Some(PUBLIC_TEST_KEY) => Some(MerchantKey::PublicTest),
            Some(_private) => Some(MerchantKey::Private),
        }
    }
}

/// What an endpoint needs from the app's merchant key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyNeed {
    /// Any key, the public test key included (make, status).
    Any,
    /// A private key (execute, refund).
    Private,
}

/// Whether an app with `key` may call an endpoint that needs `need`.
pub fn key_allows(key: Option<MerchantKey>, need: KeyNeed) -> bool {
    match (key, need) {
        (None, KeyNeed::Any | KeyNeed::Private) => false,
        (Some(MerchantKey::PublicTest), KeyNeed::Private) => false,
        (Some(MerchantKey::PublicTest), KeyNeed::Any) => true,
        (Some(MerchantKey::Private), KeyNeed::Any | KeyNeed::Private) => true,
    }
}

/// An app's Toss Pay settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PaySettings {
    pub merchant_key: Option<MerchantKey>,
    /// A bank maintenance window `[from, until)`.
    pub maintenance: Option<(Instant, Instant)>,
}

impl PaySettings {
    /// Whether the bank maintenance window covers `now`.
    pub fn in_maintenance(&self, now: Instant) -> bool {
        self.maintenance
            .is_some_and(|(from, until)| from <= now && now < until)
    }

    /// Whether money moving by `method` waits for the bank at `now`: Toss Money does during maintenance,
    /// cards never do.
    pub fn bank_closed_for(&self, method: Option<PayMethod>, now: Instant) -> bool {
        match method {
            Some(PayMethod::TossMoney) => self.in_maintenance(now),
            Some(PayMethod::Card) | None => false,
        }
    }
}

/// A payment not executed within 30 minutes of its creation is cancelled.
pub const PAYMENT_LIFETIME_SECONDS: i64 = 30 * 60;

/// `amount` has at most 7 digits.
pub const MAX_AMOUNT: i64 = 9_999_999;

/// Installment months are possible only from this amount on.
pub const INSTALLMENT_MIN_AMOUNT: i64 = 50_000;

/// `payToken` as callers may send it: at most 30 characters.
pub const MAX_PAY_TOKEN_CHARS: usize = 30;

/// `orderNo`: 1–50 characters of digits, letters and `_-:.^@`.
pub fn is_order_no(text: &str) -> bool {
    (1..=50).contains(&text.chars().count())
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_-:.^@".contains(c))
}

/// `productDesc`: 1–255 characters, not only whitespace, without `\` or `"`.
pub fn is_product_desc(text: &str) -> bool {
    text.chars().count() <= 255
        && !text.trim().is_empty()
        && !text.chars().any(|c| c == '\\' || c == '"')
}

/// A Hangul syllable or jamo.
fn is_hangul(c: char) -> bool {
    matches!(c, '\u{AC00}'..='\u{D7A3}' | '\u{1100}'..='\u{11FF}' | '\u{3130}'..='\u{318F}')
}

/// Refund `reason`: at most 55 characters of Hangul, digits, letters, space and `_-:.^@()[]#/!%?&`.
pub fn is_refund_reason(text: &str) -> bool {
    text.chars().count() <= 55
        && text.chars().all(|c| {
            c.is_ascii_alphanumeric() || is_hangul(c) || c == ' ' || "_-:.^@()[]#/!%?&".contains(c)
        })
}

/// `enablePayMethods`: `TOSS_MONEY` or `CARD` restrict the sheet; anything else (or nothing) means both.
/// `None` when the value is too long to be accepted at all.
pub fn enable_pay_methods(value: Option<&str>) -> Option<Option<PayMethod>> {
    match value {
        Some(text) if text.chars().count() > 100 => None,
        Some(text) => Some(text.parse().ok()),
        None => Some(None),
    }
}

/// Whether `method` may be used under the payment's `enablePayMethods`.
pub fn method_allowed(enabled: Option<PayMethod>, method: PayMethod) -> bool {
    enabled.is_none_or(|only| only == method)
}

/// `cashReceiptTradeOption`: default `GENERAL`; an unknown value is refused (`None`).
pub fn trade_option(value: Option<&str>) -> Option<TradeOption> {
    value.map_or(Some(TradeOption::General), |text| text.parse().ok())
}

/// `installment`: default `USE`; an unknown value is refused (`None`).
pub fn installment(value: Option<&str>) -> Option<Installment> {
    value.map_or(Some(Installment::Use), |text| text.parse().ok())
}

/// Installment months the buyer may choose: 0 (lump sum) always; 2–36 only for card payments of at least
/// [`INSTALLMENT_MIN_AMOUNT`] made with `installment: USE`.
pub fn installment_months_allowed(amount: i64, installment: Installment, months: i64) -> bool {
    let possible = match installment {
        Installment::Use => amount >= INSTALLMENT_MIN_AMOUNT,
        Installment::NotUse => false,
    };
    months == 0 || (possible && (2..=36).contains(&months))
}

/// The buyer's instant discount and points: each at least 0, together at most the amount.
pub fn discount_fits(amount: i64, discount: i64, points: i64) -> bool {
    discount >= 0 && points >= 0 && discount.checked_add(points).is_some_and(|d| d <= amount)
}

/// The tax split of a payment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TaxSplit {
    pub taxable: i64,
    pub vat: i64,
    pub tax_free: i64,
    pub service_fee: i64,
}

/// Completes the tax split (docs/reference.md §2.3.1 "Tax split"); `None` when a given value is negative, a
/// computed one would be, or the parts do not add up to `amount`.
pub fn tax_split(
    amount: i64,
    tax_free: i64,
    service_fee: i64,
    taxable: Option<i64>,
    vat: Option<i64>,
) -> Option<TaxSplit> {
    if amount < 0
        || tax_free < 0
        || tax_free > amount
        || service_fee < 0
        || taxable.is_some_and(|t| t < 0)
        || vat.is_some_and(|v| v < 0)
    {
        return None;
    }
    // i128: callers may send any int64, and sums of several must not overflow.
    let base = i128::from(amount) - i128::from(tax_free) - i128::from(service_fee);
    let (taxable, vat) = match (taxable.map(i128::from), vat.map(i128::from)) {
        (None, None) => {
            if base < 0 {
                return None;
            }
            let vat = (base + 10) / 11;
            (base - vat, vat)
        }
        (Some(taxable), None) => (taxable, base - taxable),
        (None, Some(vat)) => (base - vat, vat),
        (Some(taxable), Some(vat)) => {
            if taxable + vat != base {
                return None;
            }
            (taxable, vat)
        }
    };
    if taxable < 0 || vat < 0 {
        return None;
    }
    Some(TaxSplit {
        taxable: i64::try_from(taxable).ok()?,
        vat: i64::try_from(vat).ok()?,
        tax_free,
        service_fee,
    })
}

/// A Toss Pay payment: what the partner made, what the buyer chose in the pay sheet and what execution and
/// refunds recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Payment {
    pub seq: i64,
    pub pay_token: String,
    pub app_id: String,
    pub mode: PayMode,
    pub user_key: i64,
    pub order_no: String,
    pub status: PayStatus,
    pub amount: i64,
    pub amount_tax_free: i64,
    pub amount_taxable: i64,
    pub amount_vat: i64,
    pub amount_service_fee: i64,
    pub enable_pay_methods: Option<PayMethod>,
    pub cash_receipt: bool,
    pub installment: Installment,
    pub pay_method: Option<PayMethod>,
    pub card_company_code: Option<i64>,
    pub card_method_type: Option<String>,
    pub card_user_type: Option<String>,
    pub card_bin: Option<String>,
    pub card_last4: Option<String>,
    pub spread_out: Option<i64>,
    pub no_interest: Option<bool>,
    pub card_authorization_no: Option<String>,
    pub account_bank_code: Option<String>,
    pub account_number: Option<String>,
    pub discount_amount: i64,
    pub paid_point: i64,
    pub paid_amount: i64,
    pub refundable_amount: i64,
    pub cash_receipt_mgt_key: Option<String>,
    pub pay_transaction_id: Option<String>,
    pub created_at: Instant,
    pub expires_at: Instant,
    pub paid_at: Option<Instant>,
}

/// Whether a payment in `status` that expires at `expires_at` has been cancelled by the clock at `now`:
/// only payments not yet executed expire.
pub fn expired(status: PayStatus, expires_at: Instant, now: Instant) -> bool {
    match status {
        PayStatus::PayStandby | PayStatus::PayApproved => now >= expires_at,
        PayStatus::PayCancel | PayStatus::PayComplete | PayStatus::RefundSuccess => false,
    }
}

/// The statuses [`expired`] applies to, for storage that cancels due payments in bulk.
pub const EXPIRING: [PayStatus; 2] = [PayStatus::PayStandby, PayStatus::PayApproved];

/// Why `execute-payment` refuses a payment, in the order the checks run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExecuteRefusal {
    OrderNoMismatch,
    Canceled,
    NotApproved,
    AlreadyCompleted,
    BreakTimeOfBank,
}

/// Only an approved, unexpired payment can be executed, with the orderNo it was made with (if the partner
/// names one), and a Toss Money payment not while the bank is in maintenance.
pub fn check_execute(
    payment: &Payment,
    order_no: Option<&str>,
    settings: &PaySettings,
    now: Instant,
) -> Result<(), ExecuteRefusal> {
    if order_no.is_some_and(|o| o != payment.order_no) {
        return Err(ExecuteRefusal::OrderNoMismatch);
    }
    match payment.status_at(now) {
        PayStatus::PayApproved => {}
        PayStatus::PayStandby => return Err(ExecuteRefusal::NotApproved),
        PayStatus::PayCancel => return Err(ExecuteRefusal::Canceled),
        PayStatus::PayComplete | PayStatus::RefundSuccess => {
            return Err(ExecuteRefusal::AlreadyCompleted)
        }
    }
    if settings.bank_closed_for(payment.pay_method, now) {
        return Err(ExecuteRefusal::BreakTimeOfBank);
    }
    Ok(())
}

/// Why `refund-payment` refuses a refund, in the order the checks run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefundRefusal {
    NotRefundable,
    AlreadyRefunded,
    AmountExceeded,
    BreakTimeOfBank,
}

/// The amount to refund: `requested` (≥ 1, validated by the caller) or the whole remainder. Only an
/// executed payment with something left is refundable, never by more than what remains, and a Toss Money
/// payment not while the bank is in maintenance.
pub fn check_refund(
    payment: &Payment,
    requested: Option<i64>,
    settings: &PaySettings,
    now: Instant,
) -> Result<i64, RefundRefusal> {
    let amount = refund_amount(payment.status_at(now), payment.refundable_amount, requested)?;
    if settings.bank_closed_for(payment.pay_method, now) {
        return Err(RefundRefusal::BreakTimeOfBank);
    }
    Ok(amount)
}

/// The status and amount part of [`check_refund`].
pub fn refund_amount(
    status: PayStatus,
    refundable: i64,
    requested: Option<i64>,
) -> Result<i64, RefundRefusal> {
    match status {
        PayStatus::PayComplete => {}
        PayStatus::RefundSuccess => return Err(RefundRefusal::AlreadyRefunded),
        PayStatus::PayStandby | PayStatus::PayApproved | PayStatus::PayCancel => {
            return Err(RefundRefusal::NotRefundable)
        }
    }
    if refundable <= 0 {
        return Err(RefundRefusal::AlreadyRefunded);
    }
    match requested {
        Some(amount) if amount > refundable => Err(RefundRefusal::AmountExceeded),
        Some(amount) => Ok(amount),
        None => Ok(refundable),
    }
}

/// The status after a refund of `amount` out of `refundable`: the last one completes the refund.
pub fn status_after_refund(refundable: i64, amount: i64) -> PayStatus {
    if amount >= refundable {
        PayStatus::RefundSuccess
    } else {
        PayStatus::PayComplete
    }
}

/// Whether the pay sheet still takes the buyer's answer (authenticate or close): only before it has one.
pub fn sheet_open(status: PayStatus) -> bool {
    match status {
        PayStatus::PayStandby => true,
        PayStatus::PayApproved
        | PayStatus::PayCancel
        | PayStatus::PayComplete
        | PayStatus::RefundSuccess => false,
    }
}

/// The card the buyer paid with in the pay sheet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CardChoice {
    pub company_code: i64,
    pub method_type: String,
    pub user_type: String,
    pub bin: String,
    pub last4: String,
    /// Installment months; 0 = lump sum.
    pub spread_out: i64,
    pub no_interest: bool,
}

/// The Toss Money account the buyer paid from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountChoice {
    pub bank_code: String,
    pub number: String,
}

/// How the buyer pays.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Means {
    Card(CardChoice),
    TossMoney(AccountChoice),
}

/// The buyer's authentication in the pay sheet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Approval {
    pub means: Means,
    pub discount_amount: i64,
    pub paid_point: i64,
}

impl Payment {
    /// The status at `now`, with the expiry applied.
    pub fn status_at(&self, now: Instant) -> PayStatus {
        if expired(self.status, self.expires_at, now) {
            PayStatus::PayCancel
        } else {
            self.status
        }
    }

    pub fn is_card(&self) -> bool {
        self.pay_method == Some(PayMethod::Card)
    }

    pub fn is_toss_money(&self) -> bool {
        self.pay_method == Some(PayMethod::TossMoney)
    }

    pub fn discounted_amount(&self) -> i64 {
        self.discount_amount + self.paid_point
    }

    pub fn card_company_name(&self) -> Option<&'static str> {
        self.card_company_code.and_then(card_company_name)
    }

    pub fn account_bank_name(&self) -> Option<&'static str> {
        self.account_bank_code.as_deref().and_then(bank_name)
    }

    pub fn card_number(&self) -> Option<String> {
        Some(masked_card_number(
            self.card_bin.as_deref()?,
            self.card_last4.as_deref()?,
        ))
    }

    /// The card slip page of an executed card payment.
    pub fn sales_check_link_url(&self, public_url: &str) -> Option<String> {
        if !self.is_card() {
            return None;
        }
        self.pay_transaction_id
            .as_ref()
            .map(|id| format!("{public_url}/sim/receipts/tosspay/{id}"))
    }

    /// The buyer authenticates (`PAY_STANDBY` → `PAY_APPROVED`, checked with [`sheet_open`]).
    pub fn approve(&mut self, approval: Approval) {
        self.status = PayStatus::PayApproved;
        self.discount_amount = approval.discount_amount;
        self.paid_point = approval.paid_point;
        match approval.means {
            Means::Card(card) => {
                self.pay_method = Some(PayMethod::Card);
                self.card_company_code = Some(card.company_code);
                self.card_method_type = Some(card.method_type);
                self.card_user_type = Some(card.user_type);
                self.card_bin = Some(card.bin);
                self.card_last4 = Some(card.last4);
                self.spread_out = Some(card.spread_out);
                self.no_interest = Some(card.no_interest);
                self.account_bank_code = None;
                self.account_number = None;
            }
            Means::TossMoney(account) => {
                self.pay_method = Some(PayMethod::TossMoney);
                self.card_company_code = None;
                self.card_method_type = None;
                self.card_user_type = None;
                self.card_bin = None;
                self.card_last4 = None;
                self.spread_out = None;
                self.no_interest = None;
                self.account_bank_code = Some(account.bank_code);
                self.account_number = Some(account.number);
            }
        }
    }

    /// The buyer closes the pay sheet (`PAY_STANDBY` → `PAY_CANCEL`, checked with [`sheet_open`]).
    pub fn close_sheet(&mut self) {
        self.status = PayStatus::PayCancel;
    }

    /// The partner executes (`PAY_APPROVED` → `PAY_COMPLETE`, checked with [`check_execute`]): the buyer
    /// pays the amount less the discount, the whole amount becomes refundable, and Toss issues the
    /// transaction id, a card's authorization number and a Toss Money cash receipt's key.
    pub fn execute(&mut self, now: Instant) {
        self.status = PayStatus::PayComplete;
        self.paid_amount = self.amount - self.discounted_amount();
        self.refundable_amount = self.amount;
        self.paid_at = Some(now);
        self.pay_transaction_id = Some(uuid::v4());
        match self.pay_method {
            Some(PayMethod::Card) => {
                self.card_authorization_no = Some(authorization_no(self.mode));
            }
            Some(PayMethod::TossMoney) if self.cash_receipt => {
                self.cash_receipt_mgt_key = Some(cash_receipt_mgt_key());
            }
            Some(PayMethod::TossMoney) | None => {}
        }
    }
}

/// `cardAuthorizationNo`: `00000000` in TEST mode, 8 random digits in LIVE mode.
fn authorization_no(mode: PayMode) -> String {
    match mode {
        PayMode::Test => "00000000".to_owned(),
        PayMode::Live => format!("{:08}", secrets::random_in(0..=99_999_999)),
    }
}

/// `cashReceiptMgtKey`: 20 characters of `[A-Z0-9]`.
fn cash_receipt_mgt_key() -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    let last = ALPHABET.len() as i64 - 1;
    (0..20)
        .filter_map(|_| ALPHABET.get(secrets::random_in(0..=last) as usize))
        .map(|b| char::from(*b))
        .collect()
}

/// How one refund divides between the paid part, the discount, and the points within the discount.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RefundSplit {
    pub paid: i64,
    pub discount: i64,
    pub points: i64,
}

/// The paid part is returned first, then the discount; within the discount, points before the instant
/// discount. `earlier_*` are the sums of the payment's earlier refunds.
pub fn refund_split(
    amount: i64,
    paid_amount: i64,
    paid_point: i64,
    earlier_paid: i64,
    earlier_points: i64,
) -> RefundSplit {
    let paid = amount.min((paid_amount - earlier_paid).max(0));
    let discount = amount - paid;
    let points = discount.min((paid_point - earlier_points).max(0));
    RefundSplit {
        paid,
        discount,
        points,
    }
}

const CARD_COMPANIES: &[(i64, &str)] = &[
    (1, "신한카드"),
    (2, "현대카드"),
    (3, "삼성카드"),
    (4, "KB국민카드"),
    (5, "롯데카드"),
    (6, "하나카드"),
    (7, "우리카드"),
    (8, "NH농협카드"),
    (9, "씨티카드"),
    (10, "BC카드"),
];

/// Toss Pay card companies (docs/reference.md §6.6): code → `cardCompanyName`.
pub fn card_company_name(code: i64) -> Option<&'static str> {
    CARD_COMPANIES
        .iter()
        .find(|(c, _)| *c == code)
        .map(|(_, n)| *n)
}

/// Card code 9 (씨티) is listed but unsupported, so the pay sheet refuses it.
pub fn card_company_supported(code: i64) -> bool {
    code != 9 && card_company_name(code).is_some()
}

const BANKS: &[(&str, &str)] = &[
    ("002", "KDB산업은행"),
    ("003", "IBK기업은행"),
    ("004", "KB국민은행"),
    ("005", "KEB하나은행"),
    ("007", "수협은행"),
    ("011", "NH농협은행"),
    ("020", "우리은행"),
    ("023", "SC은행"),
    ("027", "씨티은행"),
    ("031", "대구은행"),
    ("032", "부산은행"),
    ("034", "광주은행"),
    ("035", "제주은행"),
    ("037", "전북은행"),
    ("039", "경남은행"),
    ("045", "MG새마을금고"),
    ("048", "신협"),
    ("050", "저축은행"),
    ("064", "산림조합"),
    ("071", "우체국"),
    ("081", "하나은행"),
    ("088", "신한은행"),
    ("089", "케이뱅크"),
    ("090", "카카오뱅크"),
    ("092", "토스뱅크"),
    ("103", "SBI저축은행"),
    ("218", "KB증권"),
    ("230", "미래에셋증권"),
    ("238", "미래에셋증권"),
    ("240", "삼성증권"),
    ("243", "한국투자증권"),
    ("247", "NH투자증권"),
    ("261", "교보증권"),
    ("262", "하이투자증권"),
    ("263", "현대차투자증권"),
    ("264", "키움증권"),
    ("265", "이베스트증권"),
    ("266", "SK증권"),
    ("267", "대신증권"),
    ("269", "한화투자증권"),
    ("270", "하나증권"),
    ("271", "토스증권"),
    ("278", "신한투자증권"),
    ("279", "DB금융투자"),
    ("280", "유진투자"),
    ("287", "메리츠증권"),
    ("888", "토스머니"),
    ("889", "토스포인트"),
];

/// Toss Pay bank codes (docs/reference.md §6.6): code → `accountBankName`.
pub fn bank_name(code: &str) -> Option<&'static str> {
    BANKS.iter().find(|(c, _)| *c == code).map(|(_, n)| *n)
}

pub const CARD_METHOD_TYPES: &[&str] = &["CREDIT", "CHECK", "PREPAYMENT"];
pub const CARD_USER_TYPES: &[&str] = &[
    "PERSONAL",
    "PERSONAL_FAMILY",
    "CORP_PERSONAL",
    "CORP_PRIVATE",
    "CORP_COMPANY",
];

/// A masked card number: the first 6 digits, `******`, the last 4.
pub fn masked_card_number(bin: &str, last4: &str) -> String {
    format!("{bin}******{last4}")
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::domain::wire::assert_round_trips;

    fn payment(status: PayStatus, method: Option<PayMethod>) -> Payment {
        Payment {
            seq: 1,
            pay_token: "token".into(),
            app_id: "ait_app".into(),
            mode: PayMode::Test,
            user_key: 1,
            order_no: "order-1".into(),
            status,
            amount: 10_000,
            amount_tax_free: 0,
            amount_taxable: 9_090,
            amount_vat: 910,
            amount_service_fee: 0,
            enable_pay_methods: None,
            cash_receipt: true,
            installment: Installment::Use,
            pay_method: method,
            card_company_code: None,
            card_method_type: None,
            card_user_type: None,
            card_bin: None,
            card_last4: None,
            spread_out: None,
            no_interest: None,
            card_authorization_no: None,
            account_bank_code: None,
            account_number: None,
            discount_amount: 0,
            paid_point: 0,
            paid_amount: 0,
            refundable_amount: 0,
            cash_receipt_mgt_key: None,
            pay_transaction_id: None,
            created_at: Instant(0),
            expires_at: Instant(0).plus_seconds(PAYMENT_LIFETIME_SECONDS),
            paid_at: None,
        }
    }

    const OPEN: PaySettings = PaySettings {
        merchant_key: Some(MerchantKey::Private),
        maintenance: None,
    };

    fn any_status() -> impl Strategy<Value = PayStatus> {
        proptest::sample::select(PayStatus::ALL)
    }

    #[test]
    fn wire_strings_round_trip() {
        assert_round_trips(PayStatus::ALL);
        assert_round_trips(PayMode::ALL);
        assert_round_trips(PayMethod::ALL);
        assert_round_trips(TransactionKind::ALL);
        assert_round_trips(TradeOption::ALL);
        assert_round_trips(Installment::ALL);
        assert_round_trips(MerchantKey::ALL);
        assert_eq!(
            PayStatus::ALL
                .iter()
                .map(|s| s.as_str())
                .collect::<Vec<_>>(),
            [
                "PAY_STANDBY",
                "PAY_APPROVED",
                "PAY_CANCEL",
                "PAY_COMPLETE",
                "REFUND_SUCCESS"
            ]
        );
        assert_eq!(mode_of(true).as_str(), "TEST");
        assert_eq!(mode_of(false).as_str(), "LIVE");
        assert_eq!(
            "PAY_DONE".parse::<PayStatus>().unwrap_err().to_string(),
            "unknown PayStatus \"PAY_DONE\""
        );
    }

    #[test]
    fn merchant_keys() {
        assert_eq!(MerchantKey::of(None), None);
        assert_eq!(MerchantKey::of(Some("")), None);
        assert_eq!(
            MerchantKey::of(Some(PUBLIC_TEST_KEY)),
            Some(MerchantKey::PublicTest)
        );
        assert_eq!(MerchantKey::of(Some("sk_x")), Some(MerchantKey::Private));
        assert!(!key_allows(None, KeyNeed::Any));
        assert!(key_allows(Some(MerchantKey::PublicTest), KeyNeed::Any));
        assert!(!key_allows(Some(MerchantKey::PublicTest), KeyNeed::Private));
        assert!(key_allows(Some(MerchantKey::Private), KeyNeed::Private));
    }

    #[test]
    fn order_numbers() {
        assert!(is_order_no("20250422-01"));
        assert!(is_order_no("a_b-c:d.e^f@g"));
        assert!(is_order_no(&"9".repeat(50)));
        assert!(!is_order_no(&"9".repeat(51)));
        assert!(!is_order_no(""));
        assert!(!is_order_no("order 1"));
        assert!(!is_order_no("주문1"));
        assert!(!is_order_no("a/b"));
    }

    #[test]
    fn product_descriptions() {
        assert!(is_product_desc("토스 티셔츠"));
        assert!(is_product_desc(&"가".repeat(255)));
        assert!(!is_product_desc(&"가".repeat(256)));
        assert!(!is_product_desc(""));
        assert!(!is_product_desc(" \t "));
        assert!(!is_product_desc("a\"b"));
        assert!(!is_product_desc("a\\b"));
    }

    #[test]
    fn refund_reasons() {
        assert!(is_refund_reason("고객 요청 (단순 변심) #1/2 50%?!&"));
        assert!(is_refund_reason(""));
        assert!(is_refund_reason(&"a".repeat(55)));
        assert!(!is_refund_reason(&"a".repeat(56)));
        assert!(!is_refund_reason("a\"b"));
        assert!(!is_refund_reason("a*b"));
        assert!(!is_refund_reason("tab\there"));
    }

    #[test]
    fn options() {
        assert_eq!(enable_pay_methods(None), Some(None));
        assert_eq!(
            enable_pay_methods(Some("CARD")),
            Some(Some(PayMethod::Card))
        );
        assert_eq!(
            enable_pay_methods(Some("TOSS_MONEY")),
            Some(Some(PayMethod::TossMoney))
        );
        assert_eq!(enable_pay_methods(Some("string")), Some(None));
        assert_eq!(enable_pay_methods(Some(&"x".repeat(101))), None);
        assert!(method_allowed(None, PayMethod::Card));
        assert!(!method_allowed(Some(PayMethod::Card), PayMethod::TossMoney));
        assert_eq!(trade_option(None), Some(TradeOption::General));
        assert_eq!(trade_option(Some("PUBLIC_TP")), Some(TradeOption::PublicTp));
        assert_eq!(trade_option(Some("string")), None);
        assert_eq!(installment(None), Some(Installment::Use));
        assert_eq!(installment(Some("NOT_USE")), Some(Installment::NotUse));
        assert_eq!(installment(Some("string")), None);
    }

    #[test]
    fn installments_and_discounts() {
        assert!(installment_months_allowed(1_000, Installment::NotUse, 0));
        assert!(installment_months_allowed(50_000, Installment::Use, 2));
        assert!(installment_months_allowed(50_000, Installment::Use, 36));
        assert!(!installment_months_allowed(50_000, Installment::Use, 1));
        assert!(!installment_months_allowed(50_000, Installment::Use, 37));
        assert!(!installment_months_allowed(49_999, Installment::Use, 3));
        assert!(!installment_months_allowed(90_000, Installment::NotUse, 3));
        assert!(discount_fits(100, 60, 40));
        assert!(!discount_fits(100, 60, 41));
        assert!(!discount_fits(100, -1, 0));
        assert!(!discount_fits(100, i64::MAX, i64::MAX));
    }

    #[test]
    fn tax_split_cases() {
        let split = |t, v| tax_split(10_000, 0, 0, t, v);
        assert_eq!(
            split(None, None),
            Some(TaxSplit {
                taxable: 9_090,
                vat: 910,
                tax_free: 0,
                service_fee: 0
            })
        );
        assert_eq!(split(Some(9_000), None).map(|s| s.vat), Some(1_000));
        assert_eq!(split(None, Some(1_000)).map(|s| s.taxable), Some(9_000));
        assert!(split(Some(9_000), Some(1_000)).is_some());
        assert!(split(Some(9_000), Some(999)).is_none());
        assert!(split(Some(10_001), None).is_none());
        assert!(split(Some(-1), None).is_none());
        assert_eq!(
            tax_split(10, 0, 0, None, None),
            Some(TaxSplit {
                taxable: 9,
                vat: 1,
                tax_free: 0,
                service_fee: 0
            })
        );
        // Everything tax-free: nothing is taxable.
        assert_eq!(
            tax_split(5_000, 5_000, 0, None, None).map(|s| (s.taxable, s.vat)),
            Some((0, 0))
        );
        assert!(tax_split(5_000, 5_001, 0, None, None).is_none());
        assert!(tax_split(5_000, 4_000, 1_001, None, None).is_none());
        assert!(tax_split(5_000, 0, 0, Some(i64::MAX), Some(i64::MAX)).is_none());
    }

    #[test]
    fn execute_checks() {
        let now = Instant(1);
        let approved = payment(PayStatus::PayApproved, Some(PayMethod::TossMoney));
        assert_eq!(check_execute(&approved, None, &OPEN, now), Ok(()));
        assert_eq!(
            check_execute(&approved, Some("order-1"), &OPEN, now),
            Ok(())
        );
        assert_eq!(
            check_execute(&approved, Some("order-2"), &OPEN, now),
            Err(ExecuteRefusal::OrderNoMismatch)
        );
        for (status, refusal) in [
            (PayStatus::PayStandby, ExecuteRefusal::NotApproved),
            (PayStatus::PayCancel, ExecuteRefusal::Canceled),
            (PayStatus::PayComplete, ExecuteRefusal::AlreadyCompleted),
            (PayStatus::RefundSuccess, ExecuteRefusal::AlreadyCompleted),
        ] {
            let p = payment(status, Some(PayMethod::TossMoney));
            assert_eq!(check_execute(&p, None, &OPEN, now), Err(refusal));
        }
        // Expired by the clock, even if no one has written the expiry yet.
        assert_eq!(
            check_execute(&approved, None, &OPEN, approved.expires_at),
            Err(ExecuteRefusal::Canceled)
        );
        let maintenance = PaySettings {
            maintenance: Some((Instant(0), Instant(10))),
            ..OPEN
        };
        assert_eq!(
            check_execute(&approved, None, &maintenance, now),
            Err(ExecuteRefusal::BreakTimeOfBank)
        );
        assert_eq!(
            check_execute(&approved, None, &maintenance, Instant(10)),
            Ok(())
        );
        let card = payment(PayStatus::PayApproved, Some(PayMethod::Card));
        assert_eq!(check_execute(&card, None, &maintenance, now), Ok(()));
    }

    #[test]
    fn refund_checks() {
        let now = Instant(1);
        let mut done = payment(PayStatus::PayComplete, Some(PayMethod::TossMoney));
        done.refundable_amount = 10;
        assert_eq!(check_refund(&done, None, &OPEN, now), Ok(10));
        assert_eq!(check_refund(&done, Some(3), &OPEN, now), Ok(3));
        assert_eq!(
            check_refund(&done, Some(11), &OPEN, now),
            Err(RefundRefusal::AmountExceeded)
        );
        let maintenance = PaySettings {
            maintenance: Some((Instant(0), Instant(10))),
            ..OPEN
        };
        assert_eq!(
            check_refund(&done, Some(11), &maintenance, now),
            Err(RefundRefusal::AmountExceeded)
        );
        assert_eq!(
            check_refund(&done, None, &maintenance, now),
            Err(RefundRefusal::BreakTimeOfBank)
        );
        // An executed payment never expires.
        assert_eq!(check_refund(&done, None, &OPEN, Instant(i64::MAX)), Ok(10));
        let refunded = payment(PayStatus::RefundSuccess, Some(PayMethod::TossMoney));
        assert_eq!(
            check_refund(&refunded, None, &OPEN, now),
            Err(RefundRefusal::AlreadyRefunded)
        );
        for status in [
            PayStatus::PayStandby,
            PayStatus::PayApproved,
            PayStatus::PayCancel,
        ] {
            assert_eq!(
                check_refund(&payment(status, None), None, &OPEN, now),
                Err(RefundRefusal::NotRefundable)
            );
        }
        assert_eq!(status_after_refund(10, 3), PayStatus::PayComplete);
        assert_eq!(status_after_refund(10, 10), PayStatus::RefundSuccess);
    }

    #[test]
    fn expiry_applies_before_execution_only() {
        let created = Instant(0);
        let expires = created.plus_seconds(PAYMENT_LIFETIME_SECONDS);
        let standby = PayStatus::PayStandby;
        assert!(!expired(standby, expires, Instant(1_799_999_999)));
        assert!(expired(standby, expires, Instant(1_800_000_000)));
        assert!(expired(
            PayStatus::PayApproved,
            expires,
            Instant(1_800_000_000)
        ));
        assert!(!expired(
            PayStatus::PayComplete,
            expires,
            Instant(9_000_000_000)
        ));
        for status in PayStatus::ALL {
            assert_eq!(
                EXPIRING.contains(status),
                expired(*status, expires, expires),
                "{status:?}"
            );
        }
    }

    #[test]
    fn the_sheet_answers_once() {
        assert!(sheet_open(PayStatus::PayStandby));
        for status in &PayStatus::ALL[1..] {
            assert!(!sheet_open(*status));
        }
    }

    #[test]
    fn approval_then_execution() {
        let mut card = payment(PayStatus::PayStandby, None);
        card.approve(Approval {
            means: Means::Card(CardChoice {
                company_code: 2,
                method_type: "CREDIT".into(),
                user_type: "PERSONAL".into(),
                bin: "123456".into(),
                last4: "3456".into(),
                spread_out: 0,
                no_interest: false,
            }),
            discount_amount: 1_000,
            paid_point: 500,
        });
        assert_eq!(card.status, PayStatus::PayApproved);
        assert_eq!(card.card_company_name(), Some("현대카드"));
        assert_eq!(card.card_number().as_deref(), Some("123456******3456"));
        assert_eq!(card.account_number, None);
        card.execute(Instant(5));
        assert_eq!(card.status, PayStatus::PayComplete);
        assert_eq!((card.paid_amount, card.refundable_amount), (8_500, 10_000));
        assert_eq!(card.card_authorization_no.as_deref(), Some("00000000"));
        assert_eq!(card.cash_receipt_mgt_key, None);
        assert!(card.sales_check_link_url("http://x").is_some());

        let mut money = payment(PayStatus::PayStandby, None);
        money.mode = PayMode::Live;
        money.approve(Approval {
            means: Means::TossMoney(AccountChoice {
                bank_code: "092".into(),
                number: "100******094".into(),
            }),
            discount_amount: 0,
            paid_point: 0,
        });
        assert_eq!(money.account_bank_name(), Some("토스뱅크"));
        money.execute(Instant(5));
        let key = money.cash_receipt_mgt_key.clone().unwrap();
        assert!(
            key.len() == 20
                && key
                    .bytes()
                    .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
        );
        assert_eq!(money.card_authorization_no, None);
        assert_eq!(money.sales_check_link_url("http://x"), None);
    }

    #[test]
    fn refunds_return_the_paid_part_first() {
        // amount 10,000 = paid 7,000 + points 2,000 + instant discount 1,000.
        let first = refund_split(8_000, 7_000, 2_000, 0, 0);
        assert_eq!(
            first,
            RefundSplit {
                paid: 7_000,
                discount: 1_000,
                points: 1_000
            }
        );
        let second = refund_split(2_000, 7_000, 2_000, 7_000, 1_000);
        assert_eq!(
            second,
            RefundSplit {
                paid: 0,
                discount: 2_000,
                points: 1_000
            }
        );
    }

    proptest! {
        #[test]
        fn tax_split_always_adds_up(
            amount in 1i64..=MAX_AMOUNT,
            free in 0i64..=MAX_AMOUNT,
            fee in 0i64..=MAX_AMOUNT,
            taxable in proptest::option::of(0i64..=MAX_AMOUNT),
            vat in proptest::option::of(0i64..=MAX_AMOUNT),
        ) {
            if let Some(s) = tax_split(amount, free, fee, taxable, vat) {
                prop_assert_eq!(s.taxable + s.vat + s.tax_free + s.service_fee, amount);
                prop_assert!(s.taxable >= 0 && s.vat >= 0);
                if taxable.is_none() && vat.is_none() {
                    prop_assert!(s.vat * 11 >= amount - free - fee);
                }
            } else if taxable.is_none() && vat.is_none() {
                prop_assert!(free + fee > amount);
            }
        }

        /// Only an approved payment inside its lifetime, and outside a bank break for Toss Money,
        /// executes.
        #[test]
        fn execution_needs_an_approved_live_payment(
            status in any_status(),
            card in any::<bool>(),
            now in 0i64..4_000_000_000,
            window in proptest::option::of((0i64..4_000_000_000, 0i64..4_000_000_000)),
        ) {
            let method = if card { PayMethod::Card } else { PayMethod::TossMoney };
            let p = payment(status, Some(method));
            let settings = PaySettings {
                merchant_key: Some(MerchantKey::Private),
                maintenance: window.map(|(a, b)| (Instant(a), Instant(b))),
            };
            let now = Instant(now);
            let result = check_execute(&p, None, &settings, now);
            prop_assert_eq!(
                result.is_ok(),
                status == PayStatus::PayApproved
                    && now < p.expires_at
                    && (card || !settings.in_maintenance(now))
            );
            if expired(status, p.expires_at, now) {
                prop_assert_eq!(result, Err(ExecuteRefusal::Canceled));
            }
        }

        /// Whatever sequence of partial and full refunds is asked, the refunds never add up to more than
        /// the amount, never return more than was paid or more points than were used, and the payment
        /// reads REFUND_SUCCESS exactly when nothing remains.
        #[test]
        fn refunds_never_exceed_what_was_paid(
            amount in 1i64..=MAX_AMOUNT,
            discount_pct in 0i64..=100,
            point_pct in 0i64..=100,
            parts in proptest::collection::vec(proptest::option::of(1i64..=MAX_AMOUNT), 1..8),
        ) {
            let discounted = amount * discount_pct / 100;
            let points = discounted * point_pct / 100;
            let mut p = payment(PayStatus::PayApproved, Some(PayMethod::Card));
            p.amount = amount;
            p.paid_point = points;
            p.discount_amount = discounted - points;
            p.execute(Instant(1));
            let (mut refunded, mut paid_back, mut points_back, mut discount_back) = (0, 0, 0, 0);
            for part in parts {
                match check_refund(&p, part, &OPEN, Instant(2)) {
                    Ok(a) => {
                        prop_assert!(a >= 1 && a <= p.refundable_amount);
                        let s = refund_split(a, p.paid_amount, p.paid_point, paid_back, points_back);
                        prop_assert_eq!(s.paid + s.discount, a);
                        prop_assert!(s.points <= s.discount);
                        paid_back += s.paid;
                        points_back += s.points;
                        discount_back += s.discount;
                        refunded += a;
                        p.status = status_after_refund(p.refundable_amount, a);
                        p.refundable_amount -= a;
                    }
                    Err(e) => prop_assert!(matches!(
                        e,
                        RefundRefusal::AmountExceeded | RefundRefusal::AlreadyRefunded
                    )),
                }
                prop_assert!(p.refundable_amount >= 0);
                prop_assert_eq!(refunded + p.refundable_amount, amount);
                prop_assert!(paid_back <= p.paid_amount);
                prop_assert!(points_back <= points);
                prop_assert!(discount_back <= discounted);
                prop_assert_eq!(
                    p.status == PayStatus::RefundSuccess,
                    p.refundable_amount == 0
                );
            }
        }
    }
}
