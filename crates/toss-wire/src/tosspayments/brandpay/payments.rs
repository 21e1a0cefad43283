//! BrandPay payments: `POST /v1/brandpay/payments/confirm` (approves a payment the customer authenticated
//! in the BrandPay window) and `POST /v1/brandpay/payments` (auto-pay with a registered method). Both answer
//! the [`Payment`](crate::tosspayments::payments::Payment).

use serde::{Deserialize, Serialize};

/// `POST /v1/brandpay/payments/confirm`: every field must match the payment the window created.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ConfirmRequest {
    /// The `paymentKey` the window's success redirect carried.
    pub payment_key: String,
    /// The amount to approve: the payment's amount.
    pub amount: i64,
    /// The customer who authenticated.
    pub customer_key: String,
    /// The merchant's order id (6–64 of `A–Z a–z 0–9 - _`).
    pub order_id: String,
}

impl ConfirmRequest {
    /// Confirms `payment_key` of `customer_key` for `order_id` and `amount`.
    pub fn new(
        payment_key: impl Into<String>,
        amount: i64,
        customer_key: impl Into<String>,
        order_id: impl Into<String>,
    ) -> ConfirmRequest {
        ConfirmRequest {
            payment_key: payment_key.into(),
            amount,
            customer_key: customer_key.into(),
            order_id: order_id.into(),
        }
    }
}

/// `POST /v1/brandpay/payments`: charges a registered method now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct AutoPayRequest {
    /// The customer who owns the method.
    pub customer_key: String,
    /// The `methodKey` of the card or account to charge.
    pub method_key: String,
    /// The amount to charge.
    pub amount: i64,
    /// The merchant's order id (6–64 of `A–Z a–z 0–9 - _`).
    pub order_id: String,
    /// The order's name (up to 100 characters).
    pub order_name: String,
    /// The installment months: 0 (lump sum) or 2–12.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub card_installment_plan: Option<i64>,
    /// Whether the payment counts as a culture expense (accounts only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub culture_expense: Option<bool>,
    /// The customer's email, for the payment receipt.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer_email: Option<String>,
    /// The `discountCode` of an instant discount to apply.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub discount_code: Option<String>,
    /// The tax-free part of the amount.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tax_free_amount: Option<i64>,
    /// Whether card points are used.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub use_card_point: Option<bool>,
}

impl AutoPayRequest {
    /// Charges `amount` to `method_key` of `customer_key` for the order `order_id` named `order_name`.
    pub fn new(
        customer_key: impl Into<String>,
        method_key: impl Into<String>,
        amount: i64,
        order_id: impl Into<String>,
        order_name: impl Into<String>,
    ) -> AutoPayRequest {
        AutoPayRequest {
            customer_key: customer_key.into(),
            method_key: method_key.into(),
            amount,
            order_id: order_id.into(),
            order_name: order_name.into(),
            card_installment_plan: None,
            culture_expense: None,
            customer_email: None,
            discount_code: None,
            tax_free_amount: None,
            use_card_point: None,
        }
    }

    /// Pays in `months` installments (2–12; 0 is a lump sum).
    pub fn card_installment_plan(mut self, months: i64) -> AutoPayRequest {
        self.card_installment_plan = Some(months);
        self
    }

    /// Marks the payment as a culture expense.
    pub fn culture_expense(mut self, culture_expense: bool) -> AutoPayRequest {
        self.culture_expense = Some(culture_expense);
        self
    }

    /// The customer's email.
    pub fn customer_email(mut self, email: impl Into<String>) -> AutoPayRequest {
        self.customer_email = Some(email.into());
        self
    }

    /// Applies the instant discount `code`.
    pub fn discount_code(mut self, code: impl Into<String>) -> AutoPayRequest {
        self.discount_code = Some(code.into());
        self
    }

    /// The tax-free part of the amount.
    pub fn tax_free_amount(mut self, amount: i64) -> AutoPayRequest {
        self.tax_free_amount = Some(amount);
        self
    }

    /// Uses card points.
    pub fn use_card_point(mut self, use_card_point: bool) -> AutoPayRequest {
        self.use_card_point = Some(use_card_point);
        self
    }
}
