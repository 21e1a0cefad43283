//! BrandPay customer rules (docs/reference.md §2.6.3–2.8, §3.5, §6.8–6.13): customerKey and scope validation,
//! the statuses of customers, codes, tokens and methods with their wire strings and transitions, stored
//! methods and promotions, masking of card and account numbers, the card and bank catalogues, promotion
//! due dates and the selected method. No HTTP, no SQL.
use chrono::{Days, NaiveDate};

use crate::domain::secrets;
use crate::domain::time::Instant;
use crate::domain::wire::wire_enum;

// The wire values of BrandPay's answers are toss-wire's.
pub use toss_wire::tosspayments::brandpay::{
    CardType, MethodStatus, OwnerType, PromotionType, Scope,
};

/// Authorization codes from `terms/agree` live 10 minutes.
pub const CODE_LIFETIME_SECONDS: i64 = 600;
/// Access tokens live 30 days (`expiresIn` 2592000).
pub const ACCESS_TOKEN_LIFETIME_SECONDS: i64 = 30 * 24 * 3600;
/// Refresh tokens live 90 days.
pub const REFRESH_TOKEN_LIFETIME_SECONDS: i64 = 90 * 24 * 3600;
/// A method's last use counts for `selectedMethodId` for 30 days.
pub const RECENT_USE_SECONDS: i64 = 30 * 24 * 3600;
/// Default minimum amount for card installments (§6.13).
pub const DEFAULT_INSTALLMENT_MINIMUM_AMOUNT: i64 = 50_000;

/// A `customerKey`: 2–50 characters of `A–Z a–z 0–9 - _ = . @`.
pub fn is_valid_customer_key(key: &str) -> bool {
    (2..=50).contains(&key.len())
        && key
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'=' | b'.' | b'@'))
}

/// Whether the scope is a payment-method item (one at most per request) rather than the sign-up.
fn is_method(scope: Scope) -> bool {
    match scope {
        Scope::Register => false,
        Scope::Card | Scope::Account | Scope::Billing => true,
    }
}

/// Validates a list of requested scopes: 1 or 2 distinct known values, at most one sign-up item
/// (`REGISTER`) and at most one payment-method item (`ACCOUNT`/`BILLING`/`CARD`). Duplicates count once.
/// Returns the distinct scopes in a stable order, or `None` when the list is not acceptable.
pub fn validate_scopes<'a>(values: impl IntoIterator<Item = &'a str>) -> Option<Vec<Scope>> {
    let mut scopes = Vec::new();
    for value in values {
        let scope: Scope = value.parse().ok()?;
        if !scopes.contains(&scope) {
            scopes.push(scope);
        }
    }
    let methods = scopes.iter().filter(|s| is_method(**s)).count();
    if scopes.is_empty() || scopes.len() > 2 || methods > 1 {
        return None;
    }
    scopes.sort();
    Some(scopes)
}

/// One entry of the terms catalogue (§6.8). A `url` starting with `/` is a tossd page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Terms {
    pub id: i64,
    pub scope: Scope,
    pub title: String,
    pub version: String,
    pub url: String,
    pub required: bool,
}

wire_enum! {
    /// A customer record's status: `AGREED` after the first terms agreement, `ACTIVE` once an authorization
    /// code was exchanged (or a method registered in the window), `REMOVED` after withdrawal. A withdrawn
    /// customerKey that signs up again gets a new record.
    pub enum CustomerStatus {
        Agreed = "AGREED",
        Active = "ACTIVE",
        Removed = "REMOVED",
    }
}

wire_enum! {
    /// A change of a customer's status, as `CUSTOMER_STATUS_CHANGED` (§4.5) names it.
    pub enum CustomerEvent {
        /// The customer became `ACTIVE`.
        Created = "CREATED",
        /// The customer withdrew.
        Removed = "REMOVED",
    }
}

impl CustomerEvent {
    /// The one status the event applies from, and the status it leads to: the conditional update writes
    /// `to` only where the record is still `from`, so no other change of status exists.
    pub fn transition(self) -> (CustomerStatus, CustomerStatus) {
        match self {
            CustomerEvent::Created => (CustomerStatus::Agreed, CustomerStatus::Active),
            CustomerEvent::Removed => (CustomerStatus::Active, CustomerStatus::Removed),
        }
    }
}

/// A customer record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Customer {
    pub id: i64,
    pub status: CustomerStatus,
    pub identified: bool,
}

/// `customerIdentity` of an access-token request; `None` for a field not given.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CustomerIdentity {
    pub ci: Option<String>,
    pub mobile_phone: Option<String>,
    pub name: Option<String>,
    pub rrn: Option<String>,
}

impl CustomerIdentity {
    /// Whether the given fields have the documented forms (empty strings are accepted and ignored).
    pub fn is_valid(&self) -> bool {
        let phone_ok = self
            .mobile_phone
            .as_deref()
            .is_none_or(|p| p.is_empty() || is_valid_mobile_phone(p));
        let rrn_ok = self
            .rrn
            .as_deref()
            .is_none_or(|r| r.is_empty() || is_valid_rrn(r));
        phone_ok && rrn_ok && self.ci.as_ref().is_none_or(|c| c.len() <= 100)
    }

    pub fn is_given(&self) -> bool {
        self.ci.is_some()
            || self.mobile_phone.is_some()
            || self.name.is_some()
            || self.rrn.is_some()
    }

    /// All four fields present and non-empty: the customer counts as identified (`isIdentified`).
    pub fn is_complete(&self) -> bool {
        [&self.ci, &self.mobile_phone, &self.name, &self.rrn]
            .iter()
            .all(|f| f.as_deref().is_some_and(|v| !v.is_empty()))
    }
}

wire_enum! {
    /// An authorization code's status; expiry is read from its issue time.
    pub enum CodeStatus {
        Issued = "ISSUED",
        Used = "USED",
        Revoked = "REVOKED",
    }
}

/// The earliest issue time of an authorization code still valid at `now` (valid while
/// `now < issued + 10 minutes`).
pub fn codes_valid_since(now: Instant) -> Instant {
    now.plus_seconds(-CODE_LIFETIME_SECONDS)
}

/// The state of an access or refresh token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenState {
    Current,
    Expired,
    Revoked,
}

/// The state of a token that expires at `expires_at`, at `now`.
pub fn token_state(revoked: bool, expires_at: Instant, now: Instant) -> TokenState {
    match (revoked, now < expires_at) {
        (true, _) => TokenState::Revoked,
        (false, true) => TokenState::Current,
        (false, false) => TokenState::Expired,
    }
}

wire_enum! {
    /// A payment method's type (`kind` of a stored method).
    pub enum MethodType {
        Card = "CARD",
        Account = "ACCOUNT",
    }
}

impl MethodType {
    /// The prefix of the method's `id` as the window shows it (`c_…`, `b_…`).
    pub fn id_prefix(self) -> &'static str {
        match self {
            MethodType::Card => "c_",
            MethodType::Account => "b_",
        }
    }

    /// The terms scope a registration of this type agrees to.
    pub fn scope(self) -> Scope {
        match self {
            MethodType::Card => Scope::Card,
            MethodType::Account => Scope::Account,
        }
    }
}

/// A registered card. `card_number` is stored masked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CardDetails {
    pub card_name: String,
    pub card_number: String,
    pub issuer_code: String,
    pub acquirer_code: String,
    pub owner_type: OwnerType,
    pub card_type: CardType,
    pub installment_minimum_amount: i64,
}

/// A registered bank account. `account_number` is stored masked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountDetails {
    pub bank_code: String,
    pub account_name: String,
    pub account_number: String,
}

/// What a method is: a card or an account, with the details of its type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MethodDetails {
    Card(CardDetails),
    Account(AccountDetails),
}

impl MethodDetails {
    pub fn kind(&self) -> MethodType {
        match self {
            MethodDetails::Card(_) => MethodType::Card,
            MethodDetails::Account(_) => MethodType::Account,
        }
    }
}

/// A stored card or account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Method {
    /// Commit order of the registration.
    pub seq: i64,
    pub id: String,
    pub method_key: String,
    pub customer_id: i64,
    pub status: MethodStatus,
    pub alias: String,
    pub details: MethodDetails,
    pub registered_at: Instant,
    pub last_used_at: Option<Instant>,
}

impl Method {
    pub fn kind(&self) -> MethodType {
        self.details.kind()
    }
}

/// Masks a card number as Toss shows it: the first 8 digits, `****`, the digits before the last one,
/// and `*` for the last (`4330123456781234` → `43301234****123*`).
pub fn mask_card_number(digits: &str) -> String {
    let n = digits.len();
    if n < 12 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return "*".repeat(n.min(20));
    }
    format!("{}****{}*", &digits[..8], &digits[n - 4..n - 1])
}

/// Masks an account number: the first 3 digits, `***`, the last 4 (`1234567890` → `123***7890`).
pub fn mask_account_number(digits: &str) -> String {
    let n = digits.len();
    if n < 8 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return "*".repeat(n.min(20));
    }
    format!("{}***{}", &digits[..3], &digits[n - 4..])
}

/// Card numbers the simulator accepts: 14–19 digits.
pub fn is_valid_card_number(text: &str) -> bool {
    (14..=19).contains(&text.len()) && text.bytes().all(|b| b.is_ascii_digit())
}

/// Account numbers the simulator accepts: 10–14 digits.
pub fn is_valid_account_number(text: &str) -> bool {
    (10..=14).contains(&text.len()) && text.bytes().all(|b| b.is_ascii_digit())
}

/// `#RRGGBB` background and text colours of a method.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Colors {
    pub background: &'static str,
    pub text: &'static str,
}

/// The default colours (§6.11).
pub const DEFAULT_COLORS: Colors = Colors {
    background: "#F2F4F6",
    text: "#333D4B",
};

/// A card company of §6.9 with its icon slug and colours (§6.11).
#[derive(Debug, Clone, Copy)]
pub struct CardCompany {
    pub code: &'static str,
    pub name: &'static str,
    pub slug: &'static str,
    pub colors: Colors,
}

const fn card(code: &'static str, name: &'static str, slug: &'static str) -> CardCompany {
    CardCompany {
        code,
        name,
        slug,
        colors: DEFAULT_COLORS,
    }
}

pub const CARD_COMPANIES: &[CardCompany] = &[
    card("3K", "기업BC", "ibk"),
    card("46", "광주은행", "card"),
    CardCompany {
        code: "71",
        name: "롯데카드",
        slug: "lottecard",
        colors: Colors {
            background: "#53555A",
            text: "#FFFFFF",
        },
    },
    card("30", "KDB산업은행", "card"),
    card("31", "BC카드", "bc"),
    card("51", "삼성카드", "samsung"),
    card("38", "새마을금고", "card"),
    card("41", "신한카드", "shinhan"),
    card("62", "신협", "card"),
    CardCompany {
        code: "24",
        name: "토스뱅크",
        slug: "toss-blue200",
        colors: DEFAULT_COLORS,
    },
    card("36", "씨티카드", "citi"),
    card("33", "우리BC카드", "bc"),
    card("W1", "우리카드", "woori"),
    card("37", "우체국예금보험", "card"),
    card("39", "저축은행중앙회", "card"),
    card("35", "전북은행", "card"),
    card("42", "제주은행", "card"),
    card("15", "카카오뱅크", "kakaobank"),
    card("3A", "케이뱅크", "card"),
    CardCompany {
        code: "61",
        name: "현대카드",
        slug: "hyundaicard",
        colors: Colors {
            background: "#3C3C42",
            text: "#FFFFFF",
        },
    },
    card("11", "KB국민카드", "kb"),
    card("91", "NH농협카드", "nh"),
    card("34", "Sh수협은행", "card"),
    card("6D", "다이너스클럽", "card"),
    card("4M", "마스터카드", "card"),
    card("3C", "유니온페이", "card"),
    card("7A", "아메리칸익스프레스", "card"),
    card("4J", "JCB", "card"),
    card("4V", "VISA", "card"),
    card("21", "하나카드", "hana"),
];

pub fn card_company(code: &str) -> Option<&'static CardCompany> {
    CARD_COMPANIES.iter().find(|c| c.code == code)
}

/// A bank of §6.10 (securities are not registrable) with its icon slug (§6.11).
#[derive(Debug, Clone, Copy)]
pub struct Bank {
    pub code: &'static str,
    pub name: &'static str,
    pub slug: &'static str,
}

const fn bank(code: &'static str, name: &'static str, slug: &'static str) -> Bank {
    Bank { code, name, slug }
}

pub const BANKS: &[Bank] = &[
    bank("39", "경남은행", "bank"),
    bank("34", "광주은행", "bank"),
    bank("12", "지역농축협", "bank"),
    bank("32", "부산은행", "bank"),
    bank("45", "새마을금고", "bank"),
    bank("64", "산림조합", "bank"),
    bank("88", "신한은행", "shinhan"),
    bank("48", "신협", "bank"),
    bank("54", "홍콩상하이은행", "bank"),
    bank("27", "씨티은행", "bank"),
    bank("20", "우리은행", "woori"),
    bank("71", "우체국예금보험", "bank"),
    bank("50", "저축은행중앙회", "bank"),
    bank("37", "전북은행", "bank"),
    bank("35", "제주은행", "bank"),
    bank("90", "카카오뱅크", "kakaobank"),
    bank("92", "토스뱅크", "toss"),
    bank("89", "케이뱅크", "kbank"),
    bank("03", "IBK기업은행", "ibk"),
    bank("06", "KB국민은행", "kb"),
    bank("31", "DGB대구은행", "bank"),
    bank("02", "KDB산업은행", "bank"),
    bank("11", "NH농협은행", "nh"),
    bank("23", "SC제일은행", "bank"),
    bank("07", "Sh수협은행", "bank"),
    bank("81", "하나은행", "hana"),
];

pub fn bank_by_code(code: &str) -> Option<&'static Bank> {
    BANKS.iter().find(|b| b.code == code)
}

pub fn card_icon(company: &CardCompany) -> String {
    format!("icn-bank-square-{}", company.slug)
}

pub fn bank_icon(bank: &Bank) -> String {
    format!("icn-bank-{}", bank.slug)
}

/// Toss's public CDN address of an icon.
pub fn icon_url(icon: &str) -> String {
    format!("https://static.toss.im/icons/png/4x/{icon}.png")
}

/// A promotion `dueDate` (`yyyy-MM-dd`) is valid through 23:59:59 KST of that day: this is the instant it
/// stops being valid (00:00:00 KST the day after). `None` for text that is not such a date.
pub fn due_date_end(due_date: &str) -> Option<Instant> {
    if due_date.len() != 10 {
        return None;
    }
    let date = NaiveDate::parse_from_str(due_date, "%Y-%m-%d").ok()?;
    let next = date.checked_add_days(Days::new(1))?;
    let midnight_utc = next.and_hms_opt(0, 0, 0)?.and_utc().timestamp_micros();
    Some(Instant(midnight_utc - 9 * 3600 * 1_000_000))
}

/// Whether a promotion with `due_date` is still listed at `now`.
pub fn promotion_active(due_date: &str, now: Instant) -> bool {
    due_date_end(due_date).is_some_and(|end| now < end)
}

/// Installment months such as `2,3,4`, each 2–36, ascending and distinct.
pub fn parse_months(text: &str) -> Option<Vec<i64>> {
    let months = text
        .split(',')
        .map(|m| m.trim().parse::<i64>().ok())
        .collect::<Option<Vec<_>>>()?;
    let ascending = months.windows(2).all(|w| w[0] < w[1]);
    (!months.is_empty() && ascending && months.iter().all(|m| (2..=36).contains(m)))
        .then_some(months)
}

/// A method to register: its window `id` (`c_…` / `b_…`) and `methodKey` are new random strings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewMethod {
    pub id: String,
    pub method_key: String,
    pub alias: String,
    pub details: MethodDetails,
}

impl NewMethod {
    pub fn new(alias: String, details: MethodDetails) -> NewMethod {
        NewMethod {
            id: format!(
                "{}{}",
                details.kind().id_prefix(),
                secrets::random_alnum(16)
            ),
            method_key: secrets::random_alnum(48),
            alias,
            details,
        }
    }
}

/// The method type a promotion of `kind` is for: card kinds name a card company, `BANK_DISCOUNT` a bank.
pub fn promotion_method_type(kind: PromotionType) -> MethodType {
    match kind {
        PromotionType::CardDiscount
        | PromotionType::CardInterestFree
        | PromotionType::CardPoint => MethodType::Card,
        PromotionType::BankDiscount => MethodType::Account,
    }
}

/// A stored promotion. `id` is the row a payment consumes `balance` from; the discount fields are 0 (or
/// empty) for kinds without them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Promotion {
    pub id: i64,
    pub kind: PromotionType,
    pub company_code: String,
    pub discount_amount: i64,
    pub balance: i64,
    pub discount_code: String,
    pub due_date: String,
    pub minimum_payment_amount: i64,
    pub maximum_payment_amount: i64,
    pub installment_free_months: Vec<i64>,
}

impl Promotion {
    /// Whether the promotion is of the method's company: a card kind of the card's issuer or acquirer, or a
    /// bank discount of the account's bank.
    pub fn applies_to(&self, method: &MethodDetails) -> bool {
        match (promotion_method_type(self.kind), method) {
            (MethodType::Card, MethodDetails::Card(card)) => {
                self.company_code == card.issuer_code || self.company_code == card.acquirer_code
            }
            (MethodType::Account, MethodDetails::Account(account)) => {
                self.company_code == account.bank_code
            }
            (MethodType::Card, MethodDetails::Account(_))
            | (MethodType::Account, MethodDetails::Card(_)) => false,
        }
    }
}

/// A promotion to record, already validated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewPromotion<'a> {
    pub kind: PromotionType,
    pub company_code: &'a str,
    pub discount_amount: Option<i64>,
    pub balance: Option<i64>,
    pub discount_code: Option<&'a str>,
    pub due_date: &'a str,
    pub minimum_payment_amount: i64,
    pub maximum_payment_amount: Option<i64>,
    /// Comma-separated, as [`parse_months`] reads it.
    pub installment_free_months: Option<&'a str>,
}

/// One enabled method as `selectedMethodId` sees it.
#[derive(Debug, Clone)]
pub struct MethodUse<'a> {
    pub id: &'a str,
    /// Commit order of the registration (ties on time go to the later event).
    pub seq: i64,
    pub registered_at: Instant,
    pub last_used_at: Option<Instant>,
}

/// The `id` of the most recent of: each method's registration, and each method's last use within the
/// past 30 days. Ties go to the later-registered method.
pub fn selected_method_id<'a>(methods: &[MethodUse<'a>], now: Instant) -> Option<&'a str> {
    methods
        .iter()
        .map(|m| {
            let recent_use = m
                .last_used_at
                .filter(|used| now.plus_seconds(-RECENT_USE_SECONDS) <= *used);
            let moment = recent_use.map_or(m.registered_at, |u| u.max(m.registered_at));
            (moment, m.seq, m.id)
        })
        .max()
        .map(|(_, _, id)| id)
}

/// `customerIdentity.mobilePhone`: 8–15 digits.
pub fn is_valid_mobile_phone(text: &str) -> bool {
    (8..=15).contains(&text.len()) && text.bytes().all(|b| b.is_ascii_digit())
}

/// `customerIdentity.rrn`: the first 7 digits of the resident registration number.
pub fn is_valid_rrn(text: &str) -> bool {
    text.len() == 7 && text.bytes().all(|b| b.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::wire::{assert_round_trips, UnknownValue};

    #[test]
    fn customer_keys_follow_the_documented_alphabet_and_length() {
        assert!(is_valid_customer_key("c6thB674j9vCU4XsvcPk"));
        assert!(is_valid_customer_key("a-b_c=d.e@f"));
        assert!(is_valid_customer_key("ab"));
        assert!(is_valid_customer_key(&"x".repeat(50)));
        assert!(!is_valid_customer_key("a"));
        assert!(!is_valid_customer_key(""));
        assert!(!is_valid_customer_key(&"x".repeat(51)));
        assert!(!is_valid_customer_key("has space"));
        assert!(!is_valid_customer_key("ab/cd"));
        assert!(!is_valid_customer_key("한글키"));
        assert!(!is_valid_customer_key("ab+cd"));
    }

    #[test]
    fn scopes_are_one_signup_and_one_method_item_at_most() {
        use Scope::*;
        assert_eq!(validate_scopes(["REGISTER"]), Some(vec![Register]));
        assert_eq!(
            validate_scopes(["CARD", "REGISTER"]),
            Some(vec![Register, Card])
        );
        assert_eq!(validate_scopes(["BILLING"]), Some(vec![Billing]));
        assert_eq!(
            validate_scopes(["REGISTER", "REGISTER", "ACCOUNT"]),
            Some(vec![Register, Account])
        );
        assert_eq!(validate_scopes([]), None);
        assert_eq!(validate_scopes(["CARD", "ACCOUNT"]), None);
        assert_eq!(validate_scopes(["REGISTER", "CARD", "ACCOUNT"]), None);
        assert_eq!(validate_scopes(["register"]), None);
        assert_eq!(validate_scopes(["REGISTER", ""]), None);
    }

    #[test]
    fn numbers_are_masked_as_toss_shows_them() {
        assert_eq!(mask_card_number("4330123456781234"), "43301234****123*");
        assert_eq!(mask_card_number("433012345678123"), "43301234****812*");
        assert_eq!(mask_account_number("1234567890"), "123***7890");
        assert_eq!(mask_account_number("11122233334444"), "111***4444");
        assert_eq!(mask_card_number("12"), "**");
        assert!(is_valid_card_number("4330123456781234"));
        assert!(!is_valid_card_number("4330-1234"));
        assert!(is_valid_account_number("1234567890"));
        assert!(!is_valid_account_number("123"));
    }

    #[test]
    fn catalogues_have_the_reference_entries() {
        let hyundai = card_company("61").unwrap();
        assert_eq!(
            (hyundai.name, card_icon(hyundai).as_str()),
            ("현대카드", "icn-bank-square-hyundaicard")
        );
        assert_eq!(hyundai.colors.background, "#3C3C42");
        assert_eq!(
            icon_url("icn-bank-kb"),
            "https://static.toss.im/icons/png/4x/icn-bank-kb.png"
        );
        assert_eq!(bank_by_code("88").unwrap().name, "신한은행");
        assert_eq!(bank_icon(bank_by_code("06").unwrap()), "icn-bank-kb");
        assert!(card_company("99").is_none());
        assert!(bank_by_code("S8").is_none());
        assert_eq!(CARD_COMPANIES.len(), 30);
    }

    #[test]
    fn due_dates_last_through_the_kst_day() {
        let end = due_date_end("2022-12-31").unwrap();
        assert_eq!(end.tp(), "2023-01-01T00:00:00+09:00");
        assert!(promotion_active("2022-12-31", Instant(end.0 - 1)));
        assert!(!promotion_active("2022-12-31", end));
        assert!(!promotion_active("2022-13-01", Instant(0)));
        assert!(!promotion_active("2022-1-01", Instant(0)));
        assert_eq!(parse_months("2,3,4"), Some(vec![2, 3, 4]));
        assert_eq!(parse_months("3,2"), None);
        assert_eq!(parse_months("1"), None);
        assert_eq!(parse_months(""), None);
    }

    #[test]
    fn selected_method_is_the_latest_registration_or_recent_use() {
        let day = 24 * 3600;
        let now = Instant(0).plus_seconds(100 * day);
        let a = MethodUse {
            id: "c_a",
            seq: 1,
            registered_at: Instant(0).plus_seconds(10 * day),
            last_used_at: None,
        };
        let b = MethodUse {
            id: "b_b",
            seq: 2,
            registered_at: Instant(0).plus_seconds(20 * day),
            last_used_at: None,
        };
        assert_eq!(
            selected_method_id(&[a.clone(), b.clone()], now),
            Some("b_b")
        );
        let used_recently = MethodUse {
            last_used_at: Some(Instant(0).plus_seconds(90 * day)),
            ..a.clone()
        };
        assert_eq!(
            selected_method_id(&[used_recently, b.clone()], now),
            Some("c_a")
        );
        let used_long_ago = MethodUse {
            last_used_at: Some(Instant(0).plus_seconds(60 * day)),
            ..a.clone()
        };
        assert_eq!(
            selected_method_id(&[used_long_ago, b.clone()], now),
            Some("b_b")
        );
        let same_time = MethodUse {
            registered_at: b.registered_at,
            ..a
        };
        assert_eq!(selected_method_id(&[b, same_time], now), Some("b_b"));
        assert_eq!(selected_method_id(&[], now), None);
    }

    #[test]
    fn enums_read_and_write_their_wire_strings() {
        assert_round_trips(Scope::ALL);
        assert_round_trips(CustomerStatus::ALL);
        assert_round_trips(CustomerEvent::ALL);
        assert_round_trips(CodeStatus::ALL);
        assert_round_trips(MethodType::ALL);
        assert_round_trips(MethodStatus::ALL);
        assert_round_trips(CardType::ALL);
        assert_round_trips(OwnerType::ALL);
        assert_round_trips(PromotionType::ALL);
        assert_eq!(CardType::Check.as_str(), "체크");
        assert_eq!(
            PromotionType::CardInterestFree.as_str(),
            "CARD_INTEREST_FREE"
        );
        let unknown = "DORMANT".parse::<CustomerStatus>();
        assert_eq!(
            unknown,
            Err(UnknownValue {
                kind: "CustomerStatus",
                value: "DORMANT".to_owned()
            })
        );
        assert!("card".parse::<MethodType>().is_err());
    }

    #[test]
    fn customers_sign_up_then_withdraw() {
        assert_eq!(
            CustomerEvent::Created.transition(),
            (CustomerStatus::Agreed, CustomerStatus::Active)
        );
        assert_eq!(
            CustomerEvent::Removed.transition(),
            (CustomerStatus::Active, CustomerStatus::Removed)
        );
    }

    #[test]
    fn tokens_and_codes_expire_at_their_boundary() {
        let issued = Instant(0);
        let expiry = issued.plus_seconds(ACCESS_TOKEN_LIFETIME_SECONDS);
        assert_eq!(
            token_state(false, expiry, Instant(expiry.0 - 1)),
            TokenState::Current
        );
        assert_eq!(token_state(false, expiry, expiry), TokenState::Expired);
        assert_eq!(token_state(true, expiry, issued), TokenState::Revoked);
        let now = Instant(0).plus_seconds(3600);
        assert_eq!(
            codes_valid_since(now),
            now.plus_seconds(-CODE_LIFETIME_SECONDS)
        );
    }

    #[test]
    fn promotions_apply_to_the_methods_of_their_company() {
        let card = MethodDetails::Card(CardDetails {
            card_name: "현대카드".to_owned(),
            card_number: "43301234****123*".to_owned(),
            issuer_code: "61".to_owned(),
            acquirer_code: "31".to_owned(),
            owner_type: OwnerType::Personal,
            card_type: CardType::Credit,
            installment_minimum_amount: DEFAULT_INSTALLMENT_MINIMUM_AMOUNT,
        });
        let account = MethodDetails::Account(AccountDetails {
            bank_code: "61".to_owned(),
            account_name: "계좌".to_owned(),
            account_number: "123***7890".to_owned(),
        });
        let of = |kind, company: &str| Promotion {
            id: 1,
            kind,
            company_code: company.to_owned(),
            discount_amount: 0,
            balance: 0,
            discount_code: String::new(),
            due_date: "2099-12-31".to_owned(),
            minimum_payment_amount: 0,
            maximum_payment_amount: 0,
            installment_free_months: Vec::new(),
        };
        assert!(of(PromotionType::CardDiscount, "61").applies_to(&card));
        assert!(of(PromotionType::CardPoint, "31").applies_to(&card));
        assert!(!of(PromotionType::CardPoint, "11").applies_to(&card));
        assert!(!of(PromotionType::BankDiscount, "61").applies_to(&card));
        assert!(of(PromotionType::BankDiscount, "61").applies_to(&account));
        assert!(!of(PromotionType::CardDiscount, "61").applies_to(&account));
        let new = NewMethod::new(String::new(), card);
        assert!(new.id.starts_with("c_") && new.id.len() == 18);
        assert_eq!(new.method_key.len(), 48);
        assert!(NewMethod::new(String::new(), account).id.starts_with("b_"));
    }

    #[test]
    fn identity_fields_are_checked() {
        assert!(is_valid_mobile_phone("01012345678"));
        assert!(!is_valid_mobile_phone("010-1234"));
        assert!(is_valid_rrn("9001011"));
        assert!(!is_valid_rrn("900101"));
        let complete = CustomerIdentity {
            ci: Some("ci".to_owned()),
            mobile_phone: Some("01012345678".to_owned()),
            name: Some("홍길동".to_owned()),
            rrn: Some("9001011".to_owned()),
        };
        assert!(complete.is_valid() && complete.is_given() && complete.is_complete());
        let partial = CustomerIdentity {
            rrn: Some(String::new()),
            ..CustomerIdentity::default()
        };
        assert!(partial.is_valid() && partial.is_given() && !partial.is_complete());
        assert!(!CustomerIdentity::default().is_given());
        let bad_phone = CustomerIdentity {
            mobile_phone: Some("010-1234".to_owned()),
            ..CustomerIdentity::default()
        };
        assert!(!bad_phone.is_valid());
    }
}
