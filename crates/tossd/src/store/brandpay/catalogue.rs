//! The seeded BrandPay reference data: the terms catalogue (docs/reference.md §6.8) and the default merchant's
//! card and bank promotions (§6.12).

use crate::domain::brandpay::{NewPromotion, PromotionType, Scope};

/// Seeded promotions are valid for any clock before 2100 so the seed is the same on every run.
pub const SEED_DUE_DATE: &str = "2099-12-31";

/// Every seeded terms entry is version 1.0 and required.
pub const SEED_TERMS_VERSION: &str = "1.0";

/// A seeded terms entry: (id, scope, title, url).
pub struct SeedTerms {
    pub id: i64,
    pub scope: Scope,
    pub title: &'static str,
    pub url: &'static str,
}

pub const TERMS: &[SeedTerms] = &[
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

const fn discount(
    kind: PromotionType,
    company_code: &'static str,
    discount_amount: i64,
    discount_code: &'static str,
    minimum_payment_amount: i64,
    maximum_payment_amount: i64,
) -> NewPromotion<'static> {
    NewPromotion {
        kind,
        company_code,
        discount_amount: Some(discount_amount),
        balance: Some(1_000_000),
        discount_code: Some(discount_code),
        due_date: SEED_DUE_DATE,
        minimum_payment_amount,
        maximum_payment_amount: Some(maximum_payment_amount),
        installment_free_months: None,
    }
}

const fn interest_free(
    company_code: &'static str,
    minimum_payment_amount: i64,
    months: &'static str,
) -> NewPromotion<'static> {
    NewPromotion {
        kind: PromotionType::CardInterestFree,
        company_code,
        discount_amount: None,
        balance: None,
        discount_code: None,
        due_date: SEED_DUE_DATE,
        minimum_payment_amount,
        maximum_payment_amount: None,
        installment_free_months: Some(months),
    }
}

const fn point(company_code: &'static str, minimum_payment_amount: i64) -> NewPromotion<'static> {
    NewPromotion {
        kind: PromotionType::CardPoint,
        company_code,
        discount_amount: None,
        balance: None,
        discount_code: None,
        due_date: SEED_DUE_DATE,
        minimum_payment_amount,
        maximum_payment_amount: None,
        installment_free_months: None,
    }
}

use PromotionType::{BankDiscount, CardDiscount};

/// The default merchant's test-mode promotions.
pub const PROMOTIONS: &[NewPromotion<'static>] = &[
    discount(CardDiscount, "71", 500, "12860", 1_000, 99_999_999),
    discount(CardDiscount, "31", 600, "12861", 2_000, 99_999_999),
    discount(CardDiscount, "51", 1_000, "12862", 5_000, 500_000),
    discount(CardDiscount, "61", 5_000, "12863", 10_000, 888_888_888),
    interest_free("11", 50_000, "2,3,4,5,6,7"),
    interest_free("31", 50_000, "2,3,4,5,6,7"),
    interest_free("35", 50_000, "2,3,4,5"),
    interest_free("41", 50_000, "2,3,4,5,6,7"),
    interest_free("46", 50_000, "2,3,4,5,6,7"),
    interest_free("71", 50_000, "2,3,4"),
    interest_free("21", 50_000, "2,3,4,5,6,7,8"),
    interest_free("91", 50_000, "2,3,4,5,6,7,8"),
    interest_free("61", 10_000, "2,3,4,5,6,7"),
    interest_free("51", 50_000, "2,3,4,5,6"),
    interest_free("33", 50_000, "2,3,4,5,6,7"),
    point("33", 1_000),
    point("91", 2_000),
    point("51", 3_000),
    point("61", 4_000),
    point("71", 5_000),
    discount(BankDiscount, "20", 500, "12860", 1_000, 99_999_999),
    discount(BankDiscount, "92", 600, "12861", 2_000, 99_999_999),
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::brandpay::parse_months;

    #[test]
    fn seeds_follow_the_reference() {
        assert_eq!(TERMS.len(), 7);
        assert!(TERMS.windows(2).all(|w| w[0].id < w[1].id));
        assert_eq!(PROMOTIONS.len(), 4 + 11 + 5 + 2);
        assert!(PROMOTIONS.iter().all(|p| p
            .installment_free_months
            .is_none_or(|m| parse_months(m).is_some())));
        assert!(PROMOTIONS
            .iter()
            .all(|p| p.kind.is_discount() == p.discount_code.is_some()));
    }
}
