//! BrandPay (`/v1/brandpay/…`): terms and agreements ([`terms`]), customer access tokens ([`tokens`]),
//! payment methods ([`methods`]), payments by confirm or auto-pay ([`payments`]), customer withdrawal
//! ([`customers`]) and promotions ([`promotions`]).

pub mod customers;
pub mod methods;
pub mod payments;
pub mod promotions;
pub mod terms;
pub mod tokens;

crate::wire_enum! {
    /// A terms scope (`scope` of the terms lookup and agreement): which terms are asked for.
    #[derive(PartialOrd, Ord)]
    pub enum Scope {
        /// BrandPay sign-up terms.
        Register = "REGISTER",
        /// Card payment terms.
        Card = "CARD",
        /// Account payment terms.
        Account = "ACCOUNT",
        /// Auto-pay terms.
        Billing = "BILLING",
    }
}

crate::wire_enum! {
    /// `status` of a BrandPay method.
    #[derive(Default)]
    pub enum MethodStatus {
        /// The method can pay.
        #[default]
        Enabled = "ENABLED",
        /// The method was removed.
        Disabled = "DISABLED",
    }
}

crate::wire_enum! {
    /// `cardType` of a card.
    #[derive(Default)]
    pub enum CardType {
        /// `신용`: a credit card.
        #[default]
        Credit = "신용",
        /// `체크`: a check (debit) card.
        Check = "체크",
        /// `기프트`: a gift card.
        Gift = "기프트",
    }
}

crate::wire_enum! {
    /// `ownerType` of a card.
    #[derive(Default)]
    pub enum OwnerType {
        /// `개인`: a personal card.
        #[default]
        Personal = "개인",
        /// `법인`: a corporate card.
        Corporate = "법인",
    }
}

crate::wire_enum! {
    /// A card or bank promotion's type (`type` of a method promotion).
    #[derive(Default)]
    pub enum PromotionType {
        /// An instant card discount (with a discount code and a budget).
        #[default]
        CardDiscount = "CARD_DISCOUNT",
        /// Interest-free card installments.
        CardInterestFree = "CARD_INTEREST_FREE",
        /// Card points.
        CardPoint = "CARD_POINT",
        /// An instant account discount (with a discount code and a budget).
        BankDiscount = "BANK_DISCOUNT",
    }
}

impl PromotionType {
    /// Whether the promotion is an instant discount with a code and a budget.
    pub fn is_discount(self) -> bool {
        match self {
            PromotionType::CardDiscount | PromotionType::BankDiscount => true,
            PromotionType::CardInterestFree | PromotionType::CardPoint => false,
        }
    }
}
