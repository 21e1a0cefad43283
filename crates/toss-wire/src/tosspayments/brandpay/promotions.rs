//! `GET /v1/brandpay/promotions/card` and `GET /v1/brandpay/promotions/bank`: the merchant's running
//! promotions, and the promotion items a method lists.

use serde::{Deserialize, Serialize};

use super::PromotionType;
use crate::Open;

/// A card instant discount of the card promotion list.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct DiscountCard {
    /// The card company's code (the acquirer's).
    pub company_code: String,
    /// The discounted amount.
    pub discount_amount: i64,
    /// The budget left; 0 means the discount can no longer be applied.
    pub balance: i64,
    /// The code auto-pay's `discountCode` takes.
    pub discount_code: String,
    /// The last day of the promotion (`yyyy-MM-dd`).
    pub due_date: String,
    /// The smallest payment the discount applies to.
    pub minimum_payment_amount: i64,
    /// The largest payment the discount applies to.
    pub maximum_payment_amount: i64,
}

/// Interest-free installments of the card promotion list.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct InterestFreeCard {
    /// The card company's code.
    pub company_code: String,
    /// The last day of the promotion (`yyyy-MM-dd`).
    pub due_date: String,
    /// The installment months that are interest-free.
    pub installment_free_months: Vec<i64>,
    /// The smallest payment the promotion applies to.
    pub minimum_payment_amount: i64,
}

/// Card points of the card promotion list.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct PointCard {
    /// The card company's code.
    pub company_code: String,
    /// The last day of the promotion (`yyyy-MM-dd`).
    pub due_date: String,
    /// The smallest payment the promotion applies to.
    pub minimum_payment_amount: i64,
}

/// The answer of `GET /v1/brandpay/promotions/card`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct CardPromotions {
    /// Instant card discounts.
    pub discount_cards: Vec<DiscountCard>,
    /// Interest-free installments.
    pub interest_free_cards: Vec<InterestFreeCard>,
    /// Card points.
    pub point_cards: Vec<PointCard>,
}

/// An instant account discount: in the bank promotion list, and as `bankDiscount` of a method's item.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct DiscountBank {
    /// The bank's code.
    pub bank_code: String,
    /// The currency, `KRW`.
    pub currency: String,
    /// The discounted amount.
    pub discount_amount: i64,
    /// The budget left; 0 means the discount can no longer be applied.
    pub balance: i64,
    /// The code auto-pay's `discountCode` takes.
    pub discount_code: String,
    /// The last day of the promotion (`yyyy-MM-dd`).
    pub due_date: String,
    /// The smallest payment the discount applies to.
    pub minimum_payment_amount: i64,
    /// The largest payment the discount applies to.
    pub maximum_payment_amount: i64,
}

/// The answer of `GET /v1/brandpay/promotions/bank`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct BankPromotions {
    /// Instant account discounts.
    pub discount_banks: Vec<DiscountBank>,
}

/// `cardDiscount` of a method's promotion item.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct CardDiscount {
    /// The card company's code.
    pub issuer_code: String,
    /// The discounted amount.
    pub discount_amount: i64,
    /// The smallest payment the discount applies to.
    pub minimum_payment_amount: i64,
    /// The largest payment the discount applies to.
    pub maximum_payment_amount: i64,
    /// The currency, `KRW`.
    pub currency: String,
    /// The code auto-pay's `discountCode` takes.
    pub discount_code: String,
    /// The last day of the promotion (`yyyy-MM-dd`).
    pub due_date: String,
    /// The budget left.
    pub balance: i64,
}

/// `cardInterestFree` of a method's promotion item.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct CardInterestFree {
    /// The card company's code.
    pub issuer_code: String,
    /// The last day of the promotion (`yyyy-MM-dd`).
    pub due_date: String,
    /// The installment months that are interest-free.
    pub installment_free_months: Vec<i64>,
    /// The currency, `KRW`.
    pub currency: String,
    /// The smallest payment the promotion applies to.
    pub minimum_payment_amount: i64,
}

/// `cardPoint` of a method's promotion item.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct CardPoint {
    /// The card company's code.
    pub issuer_code: String,
    /// The smallest payment the promotion applies to.
    pub minimum_payment_amount: i64,
    /// The currency, `KRW`.
    pub currency: String,
    /// The last day of the promotion (`yyyy-MM-dd`).
    pub due_date: String,
}

/// A promotion item of a method: the object `type` names is filled, the other three are `null`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct MethodPromotion {
    /// The payment type the promotion is for, `NORMAL`.
    pub pay_type: String,
    /// Which kind of promotion this is, and so which of the four objects is filled.
    #[serde(rename = "type")]
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub kind: Open<PromotionType>,
    /// An instant card discount.
    pub card_discount: Option<CardDiscount>,
    /// Interest-free installments.
    pub card_interest_free: Option<CardInterestFree>,
    /// Card points.
    pub card_point: Option<CardPoint>,
    /// An instant account discount.
    pub bank_discount: Option<DiscountBank>,
}
