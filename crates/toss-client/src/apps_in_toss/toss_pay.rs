//! Toss Pay on the pay host (`pay-apps-in-toss-api.toss.im`): make a payment, let the buyer authenticate
//! it in the pay sheet with its `payToken`, execute it (money moves), refund it, look it up. Every call is
//! about one buyer, whose `userKey` is sent as `x-toss-user-key`.

use toss_wire::apps_in_toss::pay::{
    ExecutePaymentRequest, ExecutePaymentResponse, MakePaymentRequest, MakePaymentResponse,
    PaymentStatusRequest, PaymentStatusView, RefundPaymentRequest, RefundPaymentResponse,
};

use crate::call::{Call, Family, Retry};
use crate::Client;

/// Toss Pay's endpoints; [`Client::toss_pay`] returns it.
#[derive(Debug, Clone, Copy)]
pub struct TossPay<'c> {
    pub(crate) client: &'c Client,
}

impl<'c> TossPay<'c> {
    /// `POST /pay/make-payment`: a payment in `PAY_STANDBY` and its `payToken`. Never retried: a repeat
    /// with the same `orderNo` is `PAYMENT_EXISTING_PAYMENT`; recover a lost answer with
    /// [`TossPay::payment_status`] by `orderNo`.
    pub fn make_payment(
        &self,
        user_key: i64,
        request: MakePaymentRequest,
    ) -> Call<'c, MakePaymentResponse> {
        super::post(
            self.client,
            Family::AppsInTossPay,
            "/pay/make-payment",
            &request,
        )
        .user_key(user_key)
        .retry(Retry::Never)
    }

    /// `POST /pay/execute-payment`: approves a payment the buyer authenticated (`PAY_APPROVED` →
    /// `PAY_COMPLETE`); money moves, so it is never retried (a repeat is `PAYMENT_ALREADY_COMPLETED`).
    pub fn execute_payment(
        &self,
        user_key: i64,
        request: ExecutePaymentRequest,
    ) -> Call<'c, ExecutePaymentResponse> {
        super::post(
            self.client,
            Family::AppsInTossPay,
            "/pay/execute-payment",
            &request,
        )
        .user_key(user_key)
        .retry(Retry::Never)
    }

    /// `POST /pay/refund-payment`: refunds the remainder (or, with tossd's `amount`, part) of an executed
    /// payment. Toss takes no idempotency key here, so it is never retried; check
    /// [`TossPay::payment_status`] before refunding again.
    pub fn refund_payment(
        &self,
        user_key: i64,
        request: RefundPaymentRequest,
    ) -> Call<'c, RefundPaymentResponse> {
        super::post(
            self.client,
            Family::AppsInTossPay,
            "/pay/refund-payment",
            &request,
        )
        .user_key(user_key)
        .retry(Retry::Never)
    }

    /// `POST /pay/get-payment-status`: the payment with its transactions. A lookup, retried when safe;
    /// no match is `PAYMENT_NOT_FOUND` (HTTP 404).
    pub fn payment_status(
        &self,
        user_key: i64,
        request: PaymentStatusRequest,
    ) -> Call<'c, PaymentStatusView> {
        super::post(
            self.client,
            Family::AppsInTossPay,
            "/pay/get-payment-status",
            &request,
        )
        .user_key(user_key)
        .retry(Retry::Read)
    }
}
