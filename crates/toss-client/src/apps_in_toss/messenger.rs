//! Smart messages: a reviewed template sent to one user ([`Messenger::send_message`]), as a test against
//! an uploaded bundle ([`Messenger::send_test_message`]), or to many users
//! ([`Messenger::send_bulk_message`]). Nothing is idempotent, so nothing is retried.

use toss_wire::apps_in_toss::messenger::{BulkRequest, SendRequest, SendResult, SendTestRequest};

use crate::call::{Call, Family, Retry};
use crate::Client;

/// The smart message endpoints; [`Client::messenger`] returns it.
#[derive(Debug, Clone, Copy)]
pub struct Messenger<'c> {
    pub(crate) client: &'c Client,
}

impl<'c> Messenger<'c> {
    /// `POST /messenger/send-message`: sends the template to the user; opt-outs are per channel in
    /// `fail`, not errors.
    pub fn send_message(&self, user_key: i64, request: SendRequest) -> Call<'c, SendResult> {
        super::post(
            self.client,
            Family::AppsInToss,
            "/messenger/send-message",
            &request,
        )
        .user_key(user_key)
        .retry(Retry::Never)
    }

    /// `POST /messenger/send-test-message`: sends the template to the user as a test of a bundle.
    pub fn send_test_message(
        &self,
        user_key: i64,
        request: SendTestRequest,
    ) -> Call<'c, SendResult> {
        super::post(
            self.client,
            Family::AppsInToss,
            "/messenger/send-test-message",
            &request,
        )
        .user_key(user_key)
        .retry(Retry::Never)
    }

    /// `POST /messenger/send-bulk-message`: sends the template to 1–2,500 users, each with their
    /// variables; unknown users fail per item.
    pub fn send_bulk_message(&self, request: BulkRequest) -> Call<'c, SendResult> {
        super::post(
            self.client,
            Family::AppsInToss,
            "/messenger/send-bulk-message",
            &request,
        )
        .retry(Retry::Never)
    }
}
