//! The wire shapes of BrandPay terms and promotions (docs/reference.md §2.6.3, §2.6.4). The catalogue itself is
//! stored (`store::brandpay`, seeded from `store::brandpay::catalogue`).

use toss_wire::tosspayments::brandpay::promotions::{
    BankPromotions, CardDiscount, CardInterestFree, CardPoint, CardPromotions, DiscountBank,
    DiscountCard, InterestFreeCard, MethodPromotion, PointCard,
};

use crate::domain::brandpay::{MethodDetails, Promotion, PromotionType};

/// A terms URL as sent: relative ones are tossd pages under its public URL.
pub fn terms_url(public_url: &str, url: &str) -> String {
    if url.starts_with('/') {
        format!("{public_url}{url}")
    } else {
        url.to_owned()
    }
}

pub fn card_promotions(promotions: &[Promotion]) -> CardPromotions {
    let of = |kind: PromotionType| promotions.iter().filter(move |p| p.kind == kind);
    let mut lists = CardPromotions::default();
    lists.discount_cards = of(PromotionType::CardDiscount)
        .map(|p| {
            let mut card = DiscountCard::default();
            card.company_code = p.company_code.clone();
            card.discount_amount = p.discount_amount;
            card.balance = p.balance;
            card.discount_code = p.discount_code.clone();
            card.due_date = p.due_date.clone();
            card.minimum_payment_amount = p.minimum_payment_amount;
            card.maximum_payment_amount = p.maximum_payment_amount;
            card
        })
        .collect();
    lists.interest_free_cards = of(PromotionType::CardInterestFree)
        .map(|p| {
            let mut card = InterestFreeCard::default();
            card.company_code = p.company_code.clone();
            card.due_date = p.due_date.clone();
            card.installment_free_months = p.installment_free_months.clone();
            card.minimum_payment_amount = p.minimum_payment_amount;
            card
        })
        .collect();
    lists.point_cards = of(PromotionType::CardPoint)
        .map(|p| {
            let mut card = PointCard::default();
            card.company_code = p.company_code.clone();
            card.due_date = p.due_date.clone();
            card.minimum_payment_amount = p.minimum_payment_amount;
            card
        })
        .collect();
    lists
}

pub fn bank_promotions(promotions: &[Promotion]) -> BankPromotions {
    let mut lists = BankPromotions::default();
    lists.discount_banks = promotions
        .iter()
        .filter(|p| p.kind == PromotionType::BankDiscount)
        .map(discount_bank)
        .collect();
    lists
}

fn discount_bank(p: &Promotion) -> DiscountBank {
    let mut bank = DiscountBank::default();
    bank.bank_code = p.company_code.clone();
    bank.currency = "KRW".to_owned();
    bank.discount_amount = p.discount_amount;
    bank.balance = p.balance;
    bank.discount_code = p.discount_code.clone();
    bank.due_date = p.due_date.clone();
    bank.minimum_payment_amount = p.minimum_payment_amount;
    bank.maximum_payment_amount = p.maximum_payment_amount;
    bank
}

/// The promotions of a method: for a card the card kinds of its issuer or acquirer, for an account the
/// discounts of its bank. The object named by `type` is filled, the others are `null`.
pub fn promotions_for(promotions: &[Promotion], method: &MethodDetails) -> Vec<MethodPromotion> {
    promotions
        .iter()
        .filter(|p| p.applies_to(method))
        .map(|p| {
            let mut item = MethodPromotion::default();
            item.pay_type = "NORMAL".to_owned();
            item.kind = p.kind.into();
            match p.kind {
                PromotionType::CardDiscount => {
                    let mut discount = CardDiscount::default();
                    discount.issuer_code = p.company_code.clone();
                    discount.discount_amount = p.discount_amount;
                    discount.minimum_payment_amount = p.minimum_payment_amount;
                    discount.maximum_payment_amount = p.maximum_payment_amount;
                    discount.currency = "KRW".to_owned();
                    discount.discount_code = p.discount_code.clone();
                    discount.due_date = p.due_date.clone();
                    discount.balance = p.balance;
                    item.card_discount = Some(discount);
                }
                PromotionType::CardInterestFree => {
                    let mut free = CardInterestFree::default();
                    free.issuer_code = p.company_code.clone();
                    free.due_date = p.due_date.clone();
                    free.installment_free_months = p.installment_free_months.clone();
                    free.currency = "KRW".to_owned();
                    free.minimum_payment_amount = p.minimum_payment_amount;
                    item.card_interest_free = Some(free);
                }
                PromotionType::CardPoint => {
                    let mut point = CardPoint::default();
                    point.issuer_code = p.company_code.clone();
                    point.minimum_payment_amount = p.minimum_payment_amount;
                    point.currency = "KRW".to_owned();
                    point.due_date = p.due_date.clone();
                    item.card_point = Some(point);
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
        let kinds: Vec<PromotionType> = items
            .iter()
            .filter_map(|p| p.kind.known().copied())
            .collect();
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
