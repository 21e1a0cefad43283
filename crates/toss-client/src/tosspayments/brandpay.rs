//! [`BrandPay`]: every `/v1/brandpay/…` endpoint.

use reqwest::Method;
use serde::Serialize;
use toss_wire::tosspayments::brandpay::customers::RemoveCustomerResponse;
use toss_wire::tosspayments::brandpay::methods::{
    BrandPayBankAccount, BrandPayCard, BrandPayMethod, RemoveMethodRequest,
};
use toss_wire::tosspayments::brandpay::payments::{AutoPayRequest, ConfirmRequest};
use toss_wire::tosspayments::brandpay::promotions::{BankPromotions, CardPromotions};
use toss_wire::tosspayments::brandpay::terms::{AgreeRequest, AgreeResponse, Terms};
use toss_wire::tosspayments::brandpay::tokens::{AccessToken, AccessTokenRequest};
use toss_wire::tosspayments::brandpay::Scope;
use toss_wire::tosspayments::payments::Payment;

use super::encoded;
use crate::call::{Family, Retry};
use crate::{Call, Client};

/// The BrandPay API. [`Client::brandpay`] returns it. Calls that act for a customer take the customer's
/// access token (from [`BrandPay::access_token`]); the others use the secret key.
#[derive(Debug, Clone, Copy)]
pub struct BrandPay<'c> {
    client: &'c Client,
}

impl<'c> BrandPay<'c> {
    pub(crate) fn new(client: &'c Client) -> BrandPay<'c> {
        BrandPay { client }
    }

    fn get<T>(&self, path: String) -> Call<'c, T> {
        self.client
            .with_secret_key(self.client.call(Family::TossPayments, Method::GET, path))
    }

    fn post<T, B: Serialize>(&self, path: &str, body: &B) -> Call<'c, T> {
        let call = self
            .client
            .call_json(Family::TossPayments, Method::POST, path.to_owned(), body);
        self.client
            .with_secret_key(call)
            .retry(Retry::WithIdempotencyKey)
    }

    fn post_as<T, B: Serialize>(&self, access_token: &str, path: &str, body: &B) -> Call<'c, T> {
        self.client
            .call_json(Family::TossPayments, Method::POST, path.to_owned(), body)
            .bearer(access_token)
            .retry(Retry::WithIdempotencyKey)
    }

    /// `GET /v1/brandpay/terms`: the terms of `scope` (one sign-up item and/or one method item) and whether
    /// `customer_key` agreed to each.
    pub fn terms(&self, customer_key: &str, scope: &[Scope]) -> Call<'c, Vec<Terms>> {
        let mut path = format!("/v1/brandpay/terms?customerKey={}", encoded(customer_key));
        for scope in scope {
            path.push_str("&scope=");
            path.push_str(scope.as_str());
        }
        self.get(path)
    }

    /// `POST /v1/brandpay/terms/agree`: records the customer's agreement; the answer's `code` is exchanged
    /// for an access token within 10 minutes.
    pub fn agree(&self, request: AgreeRequest) -> Call<'c, AgreeResponse> {
        self.post("/v1/brandpay/terms/agree", &request)
    }

    /// `POST /v1/brandpay/authorizations/access-token`: the customer's token pair, for an authorization
    /// code or a refresh token.
    pub fn access_token(&self, request: AccessTokenRequest) -> Call<'c, AccessToken> {
        self.post("/v1/brandpay/authorizations/access-token", &request)
    }

    /// `GET /v1/brandpay/payments/methods`: the methods of the customer `access_token` identifies.
    pub fn methods(&self, access_token: &str) -> Call<'c, BrandPayMethod> {
        self.client
            .call(
                Family::TossPayments,
                Method::GET,
                "/v1/brandpay/payments/methods".to_owned(),
            )
            .bearer(access_token)
    }

    /// `GET /v1/brandpay/payments/methods/{customerKey}`: the methods of `customer_key`, with the secret
    /// key.
    pub fn methods_of(&self, customer_key: &str) -> Call<'c, BrandPayMethod> {
        self.get(format!(
            "/v1/brandpay/payments/methods/{}",
            encoded(customer_key)
        ))
    }

    /// `POST /v1/brandpay/payments/methods/card/remove`: removes one of the customer's cards; the answer
    /// is the card with `status` `DISABLED`.
    pub fn remove_card(
        &self,
        access_token: &str,
        request: RemoveMethodRequest,
    ) -> Call<'c, BrandPayCard> {
        self.post_as(
            access_token,
            "/v1/brandpay/payments/methods/card/remove",
            &request,
        )
    }

    /// `POST /v1/brandpay/payments/methods/account/remove`: removes one of the customer's accounts; the
    /// answer is the account with `status` `DISABLED`.
    pub fn remove_account(
        &self,
        access_token: &str,
        request: RemoveMethodRequest,
    ) -> Call<'c, BrandPayBankAccount> {
        self.post_as(
            access_token,
            "/v1/brandpay/payments/methods/account/remove",
            &request,
        )
    }

    /// `POST /v1/brandpay/payments/confirm`: approves a payment the customer authenticated in the
    /// BrandPay window (within 10 minutes of authentication); the answer is the `DONE` Payment.
    pub fn confirm(&self, request: ConfirmRequest) -> Call<'c, Payment> {
        self.post("/v1/brandpay/payments/confirm", &request)
    }

    /// `POST /v1/brandpay/payments`: auto-pay, charging a registered method now; the answer is the `DONE`
    /// Payment.
    pub fn auto_pay(&self, request: AutoPayRequest) -> Call<'c, Payment> {
        self.post("/v1/brandpay/payments", &request)
    }

    /// `POST /v1/brandpay/customers/remove`: the customer `access_token` identifies withdraws from
    /// BrandPay (every method and token stops working).
    pub fn remove_customer(&self, access_token: &str) -> Call<'c, RemoveCustomerResponse> {
        self.client
            .call(
                Family::TossPayments,
                Method::POST,
                "/v1/brandpay/customers/remove".to_owned(),
            )
            .bearer(access_token)
            .retry(Retry::WithIdempotencyKey)
    }

    /// `GET /v1/brandpay/promotions/card`: the merchant's running card promotions.
    pub fn card_promotions(&self) -> Call<'c, CardPromotions> {
        self.get("/v1/brandpay/promotions/card".to_owned())
    }

    /// `GET /v1/brandpay/promotions/bank`: the merchant's running account promotions.
    pub fn bank_promotions(&self) -> Call<'c, BankPromotions> {
        self.get("/v1/brandpay/promotions/bank".to_owned())
    }
}
