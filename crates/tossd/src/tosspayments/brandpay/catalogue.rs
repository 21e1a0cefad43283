//! Seeded BrandPay reference data: the terms catalogue (REFERENCE.md §6.8) and the default merchant's card
//! and bank promotions (§6.12), with their wire shapes (§2.6.3, §2.6.4).

use serde::Serialize;
use sqlx::{AnyConnection, Row};
use utoipa::ToSchema;

use crate::domain::brandpay::{self, Scope};
use crate::domain::time::Instant;
use crate::store::{flag, Tx};

/// Seeded promotions are valid for any clock before 2100 so the seed is the same on every run.
const SEED_DUE_DATE: &str = "2099-12-31";

struct SeedTerms {
    id: i64,
    scope: Scope,
    title: &'static str,
    url: &'static str,
}

const TERMS: &[SeedTerms] = &[
    SeedTerms {
        id: 1,
        scope: Scope::Register,
        title: "브랜드페이 서비스 이용약관",
        url: "https://pages.tosspayments.com/terms/brandpay/service",
    },
    SeedTerms {
        id: 2,
        scope: Scope::Register,
        title: "전자금융거래 기본약관",
        url: "https://pages.tosspayments.com/terms/user",
    },
    SeedTerms {
        id: 3,
        scope: Scope::Register,
        title: "개인정보 수집 및 이용 동의",
        url: "https://pages.tosspayments.com/terms/brandpay/privacy",
    },
    SeedTerms {
        id: 4,
        scope: Scope::Register,
        title: "개인정보 제3자 제공 동의",
        url: "https://pages.tosspayments.com/terms/brandpay/privacy3",
    },
    SeedTerms {
        id: 5,
        scope: Scope::Card,
        title: "브랜드페이 카드 결제 이용약관",
        url: "/sim/terms/5",
    },
    SeedTerms {
        id: 6,
        scope: Scope::Account,
        title: "브랜드페이 계좌 결제 이용약관",
        url: "/sim/terms/6",
    },
    SeedTerms {
        id: 7,
        scope: Scope::Billing,
        title: "브랜드페이 자동결제 이용약관",
        url: "/sim/terms/7",
    },
];

/// (kind, company code, discountAmount, balance, discountCode, min, max, months)
type SeedPromotion = (
    &'static str,
    &'static str,
    Option<i64>,
    Option<i64>,
    Option<&'static str>,
    i64,
    Option<i64>,
    Option<&'static str>,
);

const PROMOTIONS: &[SeedPromotion] = &[
    (
        "CARD_DISCOUNT",
        "71",
        Some(500),
        Some(1_000_000),
        Some("12860"),
        1_000,
        Some(99_999_999),
        None,
    ),
    (
        "CARD_DISCOUNT",
        "31",
        Some(600),
        Some(1_000_000),
        Some("12861"),
        2_000,
        Some(99_999_999),
        None,
    ),
    (
        "CARD_DISCOUNT",
        "51",
        Some(1_000),
        Some(1_000_000),
        Some("12862"),
        5_000,
        Some(500_000),
        None,
    ),
    (
        "CARD_DISCOUNT",
        "61",
        Some(5_000),
        Some(1_000_000),
        Some("12863"),
        10_000,
        Some(888_888_888),
        None,
    ),
    (
        "CARD_INTEREST_FREE",
        "11",
        None,
        None,
        None,
        50_000,
        None,
        Some("2,3,4,5,6,7"),
    ),
    (
        "CARD_INTEREST_FREE",
        "31",
        None,
        None,
        None,
        50_000,
        None,
        Some("2,3,4,5,6,7"),
    ),
    (
        "CARD_INTEREST_FREE",
        "35",
        None,
        None,
        None,
        50_000,
        None,
        Some("2,3,4,5"),
    ),
    (
        "CARD_INTEREST_FREE",
        "41",
        None,
        None,
        None,
        50_000,
        None,
        Some("2,3,4,5,6,7"),
    ),
    (
        "CARD_INTEREST_FREE",
        "46",
        None,
        None,
        None,
        50_000,
        None,
        Some("2,3,4,5,6,7"),
    ),
    (
        "CARD_INTEREST_FREE",
        "71",
        None,
        None,
        None,
        50_000,
        None,
        Some("2,3,4"),
    ),
    (
        "CARD_INTEREST_FREE",
        "21",
        None,
        None,
        None,
        50_000,
        None,
        Some("2,3,4,5,6,7,8"),
    ),
    (
        "CARD_INTEREST_FREE",
        "91",
        None,
        None,
        None,
        50_000,
        None,
        Some("2,3,4,5,6,7,8"),
    ),
    (
        "CARD_INTEREST_FREE",
        "61",
        None,
        None,
        None,
        10_000,
        None,
        Some("2,3,4,5,6,7"),
    ),
    (
        "CARD_INTEREST_FREE",
        "51",
        None,
        None,
        None,
        50_000,
        None,
        Some("2,3,4,5,6"),
    ),
    (
        "CARD_INTEREST_FREE",
        "33",
        None,
        None,
        None,
        50_000,
        None,
        Some("2,3,4,5,6,7"),
    ),
    ("CARD_POINT", "33", None, None, None, 1_000, None, None),
    ("CARD_POINT", "91", None, None, None, 2_000, None, None),
    ("CARD_POINT", "51", None, None, None, 3_000, None, None),
    ("CARD_POINT", "61", None, None, None, 4_000, None, None),
    ("CARD_POINT", "71", None, None, None, 5_000, None, None),
    (
        "BANK_DISCOUNT",
        "20",
        Some(500),
        Some(1_000_000),
        Some("12860"),
        1_000,
        Some(99_999_999),
        None,
    ),
    (
        "BANK_DISCOUNT",
        "92",
        Some(600),
        Some(1_000_000),
        Some("12861"),
        2_000,
        Some(99_999_999),
        None,
    ),
];

/// Writes the terms catalogue and the default merchant's test-mode promotions.
pub async fn seed(tx: &mut Tx, merchant_id: i64, now: Instant) -> Result<(), sqlx::Error> {
    for terms in TERMS {
        sqlx::query(
            "INSERT INTO bp_terms (id, scope, title, version, url, required) VALUES ($1, $2, $3, '1.0', $4, 1)",
        )
        .bind(terms.id)
        .bind(terms.scope.as_str())
        .bind(terms.title)
        .bind(terms.url)
        .execute(&mut **tx)
        .await?;
    }
    for (kind, code, amount, balance, discount_code, min, max, months) in PROMOTIONS {
        let promotion = NewPromotion {
            kind,
            company_code: code,
            discount_amount: *amount,
            balance: *balance,
            discount_code: *discount_code,
            due_date: SEED_DUE_DATE,
            minimum_payment_amount: *min,
            maximum_payment_amount: *max,
            installment_free_months: *months,
        };
        insert_promotion(tx, merchant_id, "test", &promotion, now).await?;
    }
    Ok(())
}

/// A promotion to record (validated by the caller).
pub struct NewPromotion<'a> {
    pub kind: &'a str,
    pub company_code: &'a str,
    pub discount_amount: Option<i64>,
    pub balance: Option<i64>,
    pub discount_code: Option<&'a str>,
    pub due_date: &'a str,
    pub minimum_payment_amount: i64,
    pub maximum_payment_amount: Option<i64>,
    pub installment_free_months: Option<&'a str>,
}

pub async fn insert_promotion(
    conn: &mut AnyConnection,
    merchant_id: i64,
    mode: &str,
    p: &NewPromotion<'_>,
    now: Instant,
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO bp_promotions (merchant_id, mode, kind, company_code, discount_amount, balance, \
         discount_code, due_date, minimum_payment_amount, maximum_payment_amount, installment_free_months, \
         created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id",
    )
    .bind(merchant_id)
    .bind(mode)
    .bind(p.kind)
    .bind(p.company_code)
    .bind(p.discount_amount)
    .bind(p.balance)
    .bind(p.discount_code)
    .bind(p.due_date)
    .bind(p.minimum_payment_amount)
    .bind(p.maximum_payment_amount)
    .bind(p.installment_free_months)
    .bind(now.micros())
    .fetch_one(conn)
    .await
}

/// One entry of the terms catalogue.
pub struct TermsEntry {
    pub id: i64,
    pub scope: String,
    pub title: String,
    pub version: String,
    pub url: String,
    pub required: bool,
}

/// The catalogue entries of `scopes`, in id order.
pub async fn terms_of(
    conn: &mut AnyConnection,
    scopes: &[Scope],
) -> Result<Vec<TermsEntry>, sqlx::Error> {
    let rows =
        sqlx::query("SELECT id, scope, title, version, url, required FROM bp_terms ORDER BY id")
            .fetch_all(conn)
            .await?;
    Ok(rows
        .iter()
        .map(|row| TermsEntry {
            id: row.get(0),
            scope: row.get(1),
            title: row.get(2),
            version: row.get(3),
            url: row.get(4),
            required: flag(row.get(5)),
        })
        .filter(|t| scopes.iter().any(|s| s.as_str() == t.scope))
        .collect())
}

/// A terms URL as sent: relative ones are tossd pages under its public URL.
pub fn terms_url(public_url: &str, url: &str) -> String {
    if url.starts_with('/') {
        format!("{public_url}{url}")
    } else {
        url.to_owned()
    }
}

/// A stored promotion. `id` is the row a payment consumes `balance` from.
#[derive(Debug, Clone)]
pub struct Promotion {
    pub id: i64,
    pub kind: String,
    pub company_code: String,
    pub discount_amount: i64,
    pub balance: i64,
    pub discount_code: String,
    pub due_date: String,
    pub minimum_payment_amount: i64,
    pub maximum_payment_amount: i64,
    pub installment_free_months: Vec<i64>,
}

/// The merchant's promotions (one mode) whose `dueDate` has not passed at `now`, oldest first.
pub async fn active_promotions(
    conn: &mut AnyConnection,
    merchant_id: i64,
    mode: &str,
    now: Instant,
) -> Result<Vec<Promotion>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT kind, company_code, discount_amount, balance, discount_code, due_date, minimum_payment_amount, \
         maximum_payment_amount, installment_free_months, id FROM bp_promotions \
         WHERE merchant_id = $1 AND mode = $2 ORDER BY id",
    )
    .bind(merchant_id)
    .bind(mode)
    .fetch_all(conn)
    .await?;
    Ok(rows
        .iter()
        .map(|row| Promotion {
            id: row.get(9),
            kind: row.get(0),
            company_code: row.get(1),
            discount_amount: row.get::<Option<i64>, _>(2).unwrap_or(0),
            balance: row.get::<Option<i64>, _>(3).unwrap_or(0),
            discount_code: row.get::<Option<String>, _>(4).unwrap_or_default(),
            due_date: row.get(5),
            minimum_payment_amount: row.get(6),
            maximum_payment_amount: row.get::<Option<i64>, _>(7).unwrap_or(0),
            installment_free_months: row
                .get::<Option<String>, _>(8)
                .and_then(|m| brandpay::parse_months(&m))
                .unwrap_or_default(),
        })
        .filter(|p| brandpay::promotion_active(&p.due_date, now))
        .collect())
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DiscountCard {
    pub company_code: String,
    pub discount_amount: i64,
    pub balance: i64,
    pub discount_code: String,
    pub due_date: String,
    pub minimum_payment_amount: i64,
    pub maximum_payment_amount: i64,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct InterestFreeCard {
    pub company_code: String,
    pub due_date: String,
    pub installment_free_months: Vec<i64>,
    pub minimum_payment_amount: i64,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PointCard {
    pub company_code: String,
    pub due_date: String,
    pub minimum_payment_amount: i64,
}

/// BrandPayCardPromotion (§2.6.4).
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CardPromotions {
    pub discount_cards: Vec<DiscountCard>,
    pub interest_free_cards: Vec<InterestFreeCard>,
    pub point_cards: Vec<PointCard>,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DiscountBank {
    pub bank_code: String,
    pub currency: &'static str,
    pub discount_amount: i64,
    pub balance: i64,
    pub discount_code: String,
    pub due_date: String,
    pub minimum_payment_amount: i64,
    pub maximum_payment_amount: i64,
}

/// BrandPayBankPromotion (§2.6.4).
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct BankPromotions {
    pub discount_banks: Vec<DiscountBank>,
}

pub fn card_promotions(promotions: &[Promotion]) -> CardPromotions {
    let of = |kind: &'static str| promotions.iter().filter(move |p| p.kind == kind);
    CardPromotions {
        discount_cards: of("CARD_DISCOUNT")
            .map(|p| DiscountCard {
                company_code: p.company_code.clone(),
                discount_amount: p.discount_amount,
                balance: p.balance,
                discount_code: p.discount_code.clone(),
                due_date: p.due_date.clone(),
                minimum_payment_amount: p.minimum_payment_amount,
                maximum_payment_amount: p.maximum_payment_amount,
            })
            .collect(),
        interest_free_cards: of("CARD_INTEREST_FREE")
            .map(|p| InterestFreeCard {
                company_code: p.company_code.clone(),
                due_date: p.due_date.clone(),
                installment_free_months: p.installment_free_months.clone(),
                minimum_payment_amount: p.minimum_payment_amount,
            })
            .collect(),
        point_cards: of("CARD_POINT")
            .map(|p| PointCard {
                company_code: p.company_code.clone(),
                due_date: p.due_date.clone(),
                minimum_payment_amount: p.minimum_payment_amount,
            })
            .collect(),
    }
}

pub fn bank_promotions(promotions: &[Promotion]) -> BankPromotions {
    BankPromotions {
        discount_banks: promotions
            .iter()
            .filter(|p| p.kind == "BANK_DISCOUNT")
            .map(|p| DiscountBank {
                bank_code: p.company_code.clone(),
                currency: "KRW",
                discount_amount: p.discount_amount,
                balance: p.balance,
                discount_code: p.discount_code.clone(),
                due_date: p.due_date.clone(),
                minimum_payment_amount: p.minimum_payment_amount,
                maximum_payment_amount: p.maximum_payment_amount,
            })
            .collect(),
    }
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CardDiscount {
    pub issuer_code: String,
    pub discount_amount: i64,
    pub minimum_payment_amount: i64,
    pub maximum_payment_amount: i64,
    pub currency: &'static str,
    pub discount_code: String,
    pub due_date: String,
    pub balance: i64,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CardInterestFree {
    pub issuer_code: String,
    pub due_date: String,
    pub installment_free_months: Vec<i64>,
    pub currency: &'static str,
    pub minimum_payment_amount: i64,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CardPoint {
    pub issuer_code: String,
    pub minimum_payment_amount: i64,
    pub currency: &'static str,
    pub due_date: String,
}

/// A method promotion item (§2.6.3): the object named by `type` is filled, the others are `null`.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MethodPromotion {
    pub pay_type: &'static str,
    #[serde(rename = "type")]
    pub kind: String,
    pub card_discount: Option<CardDiscount>,
    pub card_interest_free: Option<CardInterestFree>,
    pub card_point: Option<CardPoint>,
    pub bank_discount: Option<DiscountBank>,
}

/// The promotions of a card: card kinds whose company code is the card's issuer or acquirer code.
pub fn promotions_for_card(
    promotions: &[Promotion],
    issuer_code: &str,
    acquirer_code: &str,
) -> Vec<MethodPromotion> {
    promotions
        .iter()
        .filter(|p| p.kind.starts_with("CARD_"))
        .filter(|p| p.company_code == issuer_code || p.company_code == acquirer_code)
        .map(|p| {
            let mut item = MethodPromotion {
                pay_type: "NORMAL",
                kind: p.kind.clone(),
                card_discount: None,
                card_interest_free: None,
                card_point: None,
                bank_discount: None,
            };
            match p.kind.as_str() {
                "CARD_DISCOUNT" => {
                    item.card_discount = Some(CardDiscount {
                        issuer_code: p.company_code.clone(),
                        discount_amount: p.discount_amount,
                        minimum_payment_amount: p.minimum_payment_amount,
                        maximum_payment_amount: p.maximum_payment_amount,
                        currency: "KRW",
                        discount_code: p.discount_code.clone(),
                        due_date: p.due_date.clone(),
                        balance: p.balance,
                    })
                }
                "CARD_INTEREST_FREE" => {
                    item.card_interest_free = Some(CardInterestFree {
                        issuer_code: p.company_code.clone(),
                        due_date: p.due_date.clone(),
                        installment_free_months: p.installment_free_months.clone(),
                        currency: "KRW",
                        minimum_payment_amount: p.minimum_payment_amount,
                    })
                }
                _ => {
                    item.card_point = Some(CardPoint {
                        issuer_code: p.company_code.clone(),
                        minimum_payment_amount: p.minimum_payment_amount,
                        currency: "KRW",
                        due_date: p.due_date.clone(),
                    })
                }
            }
            item
        })
        .collect()
}

/// The promotions of an account: bank discounts of its bank.
pub fn promotions_for_account(promotions: &[Promotion], bank_code: &str) -> Vec<MethodPromotion> {
    bank_promotions(promotions)
        .discount_banks
        .into_iter()
        .filter(|d| d.bank_code == bank_code)
        .map(|d| MethodPromotion {
            pay_type: "NORMAL",
            kind: "BANK_DISCOUNT".to_owned(),
            card_discount: None,
            card_interest_free: None,
            card_point: None,
            bank_discount: Some(d),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn promotion(kind: &str, code: &str) -> Promotion {
        Promotion {
            id: 1,
            kind: kind.to_owned(),
            company_code: code.to_owned(),
            discount_amount: 500,
            balance: 1_000,
            discount_code: "12860".to_owned(),
            due_date: SEED_DUE_DATE.to_owned(),
            minimum_payment_amount: 1_000,
            maximum_payment_amount: 99_999_999,
            installment_free_months: vec![2, 3],
        }
    }

    #[test]
    fn relative_terms_urls_live_under_the_public_url() {
        assert_eq!(
            terms_url("http://127.0.0.1:8700", "/sim/terms/5"),
            "http://127.0.0.1:8700/sim/terms/5"
        );
        assert_eq!(
            terms_url("http://x", "https://pages.tosspayments.com/terms/user"),
            "https://pages.tosspayments.com/terms/user"
        );
    }

    #[test]
    fn methods_carry_the_promotions_of_their_companies() {
        let all = [
            promotion("CARD_DISCOUNT", "61"),
            promotion("CARD_POINT", "31"),
            promotion("CARD_INTEREST_FREE", "11"),
            promotion("BANK_DISCOUNT", "61"),
            promotion("BANK_DISCOUNT", "92"),
        ];
        let card = promotions_for_card(&all, "61", "31");
        let kinds: Vec<&str> = card.iter().map(|p| p.kind.as_str()).collect();
        assert_eq!(kinds, ["CARD_DISCOUNT", "CARD_POINT"]);
        assert!(card[0].card_discount.is_some() && card[0].card_point.is_none());
        assert_eq!(
            card[1].card_point.as_ref().map(|p| p.issuer_code.as_str()),
            Some("31")
        );
        let account = promotions_for_account(&all, "92");
        assert_eq!(account.len(), 1);
        assert_eq!(account[0].kind, "BANK_DISCOUNT");
        let lists = card_promotions(&all);
        assert_eq!(
            (
                lists.discount_cards.len(),
                lists.interest_free_cards.len(),
                lists.point_cards.len()
            ),
            (1, 1, 1)
        );
        assert_eq!(bank_promotions(&all).discount_banks.len(), 2);
    }

    #[test]
    fn seeds_follow_the_reference() {
        assert_eq!(TERMS.len(), 7);
        assert!(TERMS.windows(2).all(|w| w[0].id < w[1].id));
        assert_eq!(PROMOTIONS.len(), 4 + 11 + 5 + 2);
        assert!(PROMOTIONS
            .iter()
            .all(|p| p.7.is_none_or(|m| brandpay::parse_months(m).is_some())));
    }
}
