//! BrandPay customer rules (REFERENCE.md §2.6.3–2.8, §3.5, §6.8–6.13): customerKey and scope validation,
//! masking of card and account numbers, the card and bank catalogues, promotion due dates and the
//! selected method. No HTTP, no SQL.

use chrono::{Days, NaiveDate};

use crate::domain::time::Instant;

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

/// A BrandPay terms scope.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Scope {
    Register,
    Card,
    Account,
    Billing,
}

impl Scope {
    pub fn parse(text: &str) -> Option<Scope> {
        match text {
            "REGISTER" => Some(Scope::Register),
            "CARD" => Some(Scope::Card),
            "ACCOUNT" => Some(Scope::Account),
            "BILLING" => Some(Scope::Billing),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Scope::Register => "REGISTER",
            Scope::Card => "CARD",
            Scope::Account => "ACCOUNT",
            Scope::Billing => "BILLING",
        }
    }

    fn is_method(self) -> bool {
        self != Scope::Register
    }
}

/// Validates a list of requested scopes: 1 or 2 distinct known values, at most one sign-up item
/// (`REGISTER`) and at most one payment-method item (`ACCOUNT`/`BILLING`/`CARD`). Duplicates count once.
/// Returns the distinct scopes in a stable order, or `None` when the list is not acceptable.
pub fn validate_scopes<'a>(values: impl IntoIterator<Item = &'a str>) -> Option<Vec<Scope>> {
    let mut scopes = Vec::new();
    for value in values {
        let scope = Scope::parse(value)?;
        if !scopes.contains(&scope) {
            scopes.push(scope);
        }
    }
    let methods = scopes.iter().filter(|s| s.is_method()).count();
    if scopes.is_empty() || scopes.len() > 2 || methods > 1 {
        return None;
    }
    scopes.sort();
    Some(scopes)
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

pub const CARD_TYPES: &[&str] = &["신용", "체크", "기프트"];
pub const OWNER_TYPES: &[&str] = &["개인", "법인"];

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
    fn identity_fields_are_checked() {
        assert!(is_valid_mobile_phone("01012345678"));
        assert!(!is_valid_mobile_phone("010-1234"));
        assert!(is_valid_rrn("9001011"));
        assert!(!is_valid_rrn("900101"));
    }
}
