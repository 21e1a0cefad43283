//! Toss points promotions: a one-time key per grant ([`Promotions::get_key`]), the grant
//! ([`Promotions::execute`]) and its result ([`Promotions::execution_result`]). Every call is about one
//! user, whose `userKey` is sent as `x-toss-user-key`.

use reqwest::Method;
use toss_wire::apps_in_toss::promotions::{
    ExecuteRequest, GrantStatus, KeyResponse, ResultRequest,
};
use toss_wire::apps_in_toss::PREFIX;
use toss_wire::Open;

use crate::call::{Call, Family, Retry};
use crate::Client;

/// The promotion endpoints; [`Client::promotions`] returns it.
#[derive(Debug, Clone, Copy)]
pub struct Promotions<'c> {
    pub(crate) client: &'c Client,
}

impl<'c> Promotions<'c> {
    /// `POST /promotion/execute-promotion/get-key`: a new key (valid one hour) for one grant to the user.
    pub fn get_key(&self, user_key: i64) -> Call<'c, KeyResponse> {
        self.client
            .call(
                Family::AppsInToss,
                Method::POST,
                format!("{PREFIX}/promotion/execute-promotion/get-key"),
            )
            .user_key(user_key)
            .retry(Retry::Never)
    }

    /// `POST /promotion/execute-promotion`: grants points with a key, debiting the promotion's budget.
    /// Never retried: after a lost answer, a repeat with the same key is `4113`
    /// ([`ErrorCode::KeyAlreadyUsed`](toss_wire::apps_in_toss::ErrorCode::KeyAlreadyUsed)); poll
    /// [`Promotions::execution_result`] instead.
    pub fn execute(&self, user_key: i64, request: ExecuteRequest) -> Call<'c, KeyResponse> {
        super::post(
            self.client,
            Family::AppsInToss,
            "/promotion/execute-promotion",
            &request,
        )
        .user_key(user_key)
        .retry(Retry::Never)
    }

    /// `POST /promotion/execution-result`: where the grant made with the key is (`PENDING`, `SUCCESS`,
    /// `FAILED`). A lookup, retried when safe.
    pub fn execution_result(
        &self,
        user_key: i64,
        request: ResultRequest,
    ) -> Call<'c, Open<GrantStatus>> {
        super::post(
            self.client,
            Family::AppsInToss,
            "/promotion/execution-result",
            &request,
        )
        .user_key(user_key)
        .retry(Retry::Read)
    }
}
