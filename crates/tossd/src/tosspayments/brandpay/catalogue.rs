//! The wire shapes of BrandPay terms and promotions (docs/reference.md §2.6.3, §2.6.4). The catalogue itself is
//! stored (`store::brandpay`, seeded from `store::brandpay::catalogue`).

use serde::Serialize;
use utoipa::ToSchema;

use crate::domain::brandpay::{MethodDetails, Promotion, PromotionType};

/// A terms URL as sent: relative ones are tossd pages under its public URL.
pub fn terms_url(public_url: &str, url: &str) -> String {
    if url.starts_with('/') {
        format!("{public_url}{url}")
    } else {
        url.to_owned()
    }
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
    let of = |kind: PromotionType| promotions.iter().filter(move |p| p.kind == kind);
    CardPromotions {
        discount_cards: of(PromotionType::CardDiscount)
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
        interest_free_cards: of(PromotionType::CardInterestFree)
            .map(|p| InterestFreeCard {
                company_code: p.company_code.clone(),
                due_date: p.due_date.clone(),
                installment_free_months: p.installment_free_months.clone(),
                minimum_payment_amount: p.minimum_payment_amount,
            })
            .collect(),
        point_cards: of(PromotionType::CardPoint)
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
            .filter(|p| p.kind == PromotionType::BankDiscount)
            .map(discount_bank)
            .collect(),
    }
}

fn discount_bank(p: &Promotion) -> DiscountBank {
    DiscountBank {
        bank_code: p.company_code.clone(),
        currency: "KRW",
        discount_amount: p.discount_amount,
        balance: p.balance,
        discount_code: p.discount_code.clone(),
        due_date: p.due_date.clone(),
        minimum_payment_amount: p.minimum_payment_amount,
        maximum_payment_amount: p.maximum_payment_amount,
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
    #[schema(value_type = String)]
    pub kind: PromotionType,
    pub card_discount: Option<CardDiscount>,
    pub card_interest_free: Option<CardInterestFree>,
    pub card_point: Option<CardPoint>,
    pub bank_discount: Option<DiscountBank>,
}

/// The promotions of a method: for a card the card kinds of its issuer or acquirer, for an account the
/// discounts of its bank.
pub fn promotions_for(promotions: &[Promotion], method: &MethodDetails) -> Vec<MethodPromotion> {
    promotions
        .iter()
        .filter(|p| p.applies_to(method))
        .map(|p| {
            let mut item = MethodPromotion {
                pay_type: "NORMAL",
                kind: p.kind,
                card_discount: None,
                card_interest_free: None,
                card_point: None,
                bank_discount: None,
            };
            match p.kind {
                PromotionType::CardDiscount => {
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
                PromotionType::CardInterestFree => {
                    item.card_interest_free = Some(CardInterestFree {
                        issuer_code: p.company_code.clone(),
                        due_date: p.due_date.clone(),
                        installment_free_months: p.installment_free_months.clone(),
                        currency: "KRW",
                        minimum_payment_amount: p.minimum_payment_amount,
                    })
                }
                PromotionType::CardPoint => {
                    item.card_point = Some(CardPoint {
                        issuer_code: p.company_code.clone(),
                        minimum_payment_amount: p.minimum_payment_amount,
                        currency: "KRW",
                        due_date: p.due_date.clone(),
                    })
                }
                PromotionType::BankDiscount => item.bank_discount = Some(discount_bank(p)),
            }
            item
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::brandpay::{AccountDetails, CardDetails, CardType, OwnerType};

    fn promotion(kind: PromotionType, code: &str) -> Promotion {
        Promotion {
            id: 1,
            kind,
            company_code: code.to_owned(),
            discount_amount: 500,
            balance: 1_000,
            discount_code: "12860".to_owned(),
            due_date: "2099-12-31".to_owned(),
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
        use PromotionType::*;
        let all = [
            promotion(CardDiscount, "61"),
            promotion(CardPoint, "31"),
            promotion(CardInterestFree, "11"),
            promotion(BankDiscount, "61"),
            promotion(BankDiscount, "92"),
        ];
        let card = MethodDetails::Card(CardDetails {
            card_name: "현대카드".to_owned(),
            card_number: "43301234****123*".to_owned(),
            issuer_code: "61".to_owned(),
            acquirer_code: "31".to_owned(),
            owner_type: OwnerType::Personal,
            card_type: CardType::Credit,
            installment_minimum_amount: 50_000,
        });
        let items = promotions_for(&all, &card);
        let kinds: Vec<PromotionType> = items.iter().map(|p| p.kind).collect();
        assert_eq!(kinds, [CardDiscount, CardPoint]);
        assert!(items[0].card_discount.is_some() && items[0].card_point.is_none());
        assert_eq!(
            items[1].card_point.as_ref().map(|p| p.issuer_code.as_str()),
            Some("31")
        );
        let account = MethodDetails::Account(AccountDetails {
            bank_code: "92".to_owned(),
            account_name: "토스뱅크 계좌".to_owned(),
            account_number: "123***7890".to_owned(),
        });
        let items = promotions_for(&all, &account);
        assert_eq!(items.len(), 1);
        assert_eq!(items[0].kind, BankDiscount);
        assert!(items[0].bank_discount.is_some());
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
}
