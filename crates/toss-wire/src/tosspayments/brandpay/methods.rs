//! Payment methods: `GET /v1/brandpay/payments/methods` (by the customer's access token),
//! `GET /v1/brandpay/payments/methods/{customerKey}` (by the secret key), and the removal of a card or an
//! account (`POST /v1/brandpay/payments/methods/card/remove`, `…/account/remove`).

use serde::{Deserialize, Serialize};

use super::promotions::MethodPromotion;
use super::{CardType, MethodStatus, OwnerType};
use crate::Open;

/// `color` of a method: the colours the card or account is drawn with.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[non_exhaustive]
pub struct Color {
    /// The background colour, `#RRGGBB`.
    pub background: String,
    /// The text colour, `#RRGGBB`.
    pub text: String,
}

impl Color {
    /// The colours `background` and `text`.
    pub fn new(background: impl Into<String>, text: impl Into<String>) -> Color {
        Color {
            background: background.into(),
            text: text.into(),
        }
    }
}

/// A card the customer registered.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct BrandPayCard {
    /// The method's id (`selectedMethodId` names it).
    pub id: String,
    /// The key the payment calls take; stops working once the method is removed.
    pub method_key: String,
    /// The name the customer gave the card.
    pub alias: String,
    /// The card's product name.
    pub card_name: String,
    /// The masked card number, e.g. `43301234****123*`.
    pub card_number: String,
    /// The issuer's two-character code.
    pub issuer_code: String,
    /// The acquirer's two-character code.
    pub acquirer_code: String,
    /// `개인` or `법인`.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub owner_type: Open<OwnerType>,
    /// `신용`, `체크` or `기프트`.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub card_type: Open<CardType>,
    /// The smallest amount that may be paid in installments with this card.
    pub installment_minimum_amount: i64,
    /// When the card was registered.
    pub registered_at: String,
    /// `ENABLED` or `DISABLED`.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub status: Open<MethodStatus>,
    /// The icon's name.
    pub icon: String,
    /// The icon's address.
    pub icon_url: String,
    /// The card image's address.
    pub card_img_url: String,
    /// The card product's code.
    pub card_product_code: String,
    /// The colours the card is drawn with.
    pub color: Color,
    /// The promotions that apply to the card.
    pub promotions: Vec<MethodPromotion>,
}

/// A bank account the customer registered.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct BrandPayBankAccount {
    /// The method's id (`selectedMethodId` names it).
    pub id: String,
    /// The key the payment calls take; stops working once the method is removed.
    pub method_key: String,
    /// The account's name, e.g. `신한은행 계좌`.
    pub account_name: String,
    /// The masked account number, e.g. `123***7890`.
    pub account_number: String,
    /// The name the customer gave the account.
    pub alias: String,
    /// The bank's two-character code.
    pub bank_code: String,
    /// The icon's name.
    pub icon: String,
    /// The icon's address.
    pub icon_url: String,
    /// When the account was registered.
    pub registered_at: String,
    /// `ENABLED` or `DISABLED`.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub status: Open<MethodStatus>,
    /// The colours the account is drawn with.
    pub color: Color,
    /// The promotions that apply to the account.
    pub promotions: Vec<MethodPromotion>,
}

/// A customer's payment methods.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct BrandPayMethod {
    /// The enabled cards, oldest registration first.
    pub cards: Vec<BrandPayCard>,
    /// The enabled accounts, oldest registration first.
    pub accounts: Vec<BrandPayBankAccount>,
    /// Whether the customer's identity is verified.
    pub is_identified: bool,
    /// The id of the method to preselect: the most recently registered or used; `null` without methods.
    pub selected_method_id: Option<String>,
}

/// `POST /v1/brandpay/payments/methods/card/remove` and `…/account/remove`: the method to remove.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct RemoveMethodRequest {
    /// The `methodKey` of the customer's card or account.
    pub method_key: String,
}

impl RemoveMethodRequest {
    /// Removes the method `method_key`.
    pub fn new(method_key: impl Into<String>) -> RemoveMethodRequest {
        RemoveMethodRequest {
            method_key: method_key.into(),
        }
    }
}
