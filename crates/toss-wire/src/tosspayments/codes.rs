//! The Toss Payments error catalogue: every documented code of the endpoints this crate covers, with its
//! HTTP status and its Korean and English messages. tossd answers with these entries (and its
//! `TossPayments-Test-Code` header accepts any of them); clients compare against them.

/// One documented error code.
#[derive(Debug, PartialEq, Eq)]
pub struct TpCode {
    /// The code, e.g. `NOT_FOUND_PAYMENT`.
    pub code: &'static str,
    /// The HTTP status it is sent with.
    pub status: u16,
    /// The Korean message (the default).
    pub ko: &'static str,
    /// The English message (`Accept-Language: en-US`).
    pub en: &'static str,
}

/// Declares each code once: a constant named by the code (so the name and `code` cannot differ) and its
/// place in [`ALL`] (so no code can be left out of the lookup).
macro_rules! catalogue {
    ($($code:ident: $status:literal, $ko:literal, $en:literal;)+) => {
        $(
            #[doc = concat!("HTTP ", stringify!($status), ": ", $en)]
            pub const $code: TpCode = TpCode {
                code: stringify!($code),
                status: $status,
                ko: $ko,
                en: $en,
            };
        )+

        /// Every code, sorted by name, for lookups by name (test codes).
        pub static ALL: &[&TpCode] = &[$(&$code),+];
    };
}

catalogue! {
    ALREADY_CANCELED_PAYMENT: 400,
        "이미 취소된 결제 입니다.",
        "The payment has already been canceled.";
    ALREADY_PROCESSED_PAYMENT: 400,
        "이미 처리된 결제 입니다.",
        "This is a payment that has already been processed.";
    ALREADY_REFUND_PAYMENT: 400,
        "이미 환불된 결제입니다.",
        "The payment has already been refunded.";
    BELOW_MINIMUM_AMOUNT: 400,
        "신용카드는 결제금액이 100원 이상, 계좌는 200원이상부터 결제가 가능합니다.",
        "Payment can be made from 100 won or more by credit card, and 200 won or more for account.";
    BELOW_ZERO_AMOUNT: 400,
        "금액은 0보다 커야 합니다.",
        "The amount must be greater than 0.";
    CARD_PROCESSING_ERROR: 400,
        "카드사에서 오류가 발생했습니다.",
        "An error occurred at the card company.";
    COMMON_ERROR: 500,
        "일시적인 오류가 발생했습니다. 잠시 후 다시 시도해주세요.",
        "A temporary error has occurred. Please try again in a few minutes.";
    DUPLICATED_ORDER_ID: 400,
        "이미 승인 및 취소가 진행된 중복된 주문번호 입니다. 다른 주문번호로 진행해주세요.",
        "This is a duplicate order id that has already been approved or canceled. Please proceed with a different order id.";
    EXCEED_CANCEL_AMOUNT_DISCOUNT_AMOUNT: 400,
        "즉시할인금액보다 적은 금액은 부분취소가 불가능합니다.",
        "The cancelPayment amount cannot exceed discount amount.";
    EXCEED_MAX_AMOUNT: 400,
        "거래금액 한도를 초과했습니다.",
        "The transaction amount limit has been exceeded.";
    EXCEED_MAX_AUTH_COUNT: 403,
        "최대 인증 횟수를 초과했습니다. 카드사로 문의해주세요.",
        "The maximum number of authentications has been exceeded. Please contact your credit card company.";
    EXCEED_MAX_CARD_INSTALLMENT_PLAN: 400,
        "설정 가능한 최대 할부 개월 수를 초과했습니다.",
        "You have exceeded the maximum number of installment months that can be set.";
    EXCEED_MAX_DAILY_PAYMENT_COUNT: 400,
        "하루 결제 가능 횟수를 초과했습니다.",
        "You have exceeded the number of daily payments.";
    EXCEED_MAX_MONTHLY_PAYMENT_AMOUNT: 400,
        "당월 결제 가능금액인 1,000,000원을 초과 하셨습니다.",
        "You have exceeded the monthly payable amount of 1,000,000 won.";
    EXCEED_MAX_ONE_DAY_AMOUNT: 403,
        "일일 한도를 초과했습니다.",
        "The daily limit has been exceeded.";
    EXCEED_MAX_ONE_DAY_WITHDRAW_AMOUNT: 400,
        "1일 출금 한도를 초과했습니다.",
        "You have exceeded the one-day withdrawal limit.";
    EXCEED_MAX_ONE_TIME_WITHDRAW_AMOUNT: 400,
        "1회 출금 한도를 초과했습니다.",
        "You have exceeded the one-time withdrawal limit.";
    EXCEED_MAX_PAYMENT_AMOUNT: 400,
        "하루 결제 가능 금액을 초과했습니다.",
        "You have exceeded the amount you can pay per day.";
    EXCEED_MAX_REFUND_DUE: 403,
        "환불 가능한 기간이 초과했습니다.",
        "The refundable period has been exceeded.";
    FAILED_INTERNAL_SYSTEM_PROCESSING: 500,
        "내부 시스템 처리 작업이 실패했습니다. 잠시 후 다시 시도해주세요.",
        "Internal system processing operation has failed. Please try again in a few minutes.";
    FAILED_METHOD_HANDLING_CANCEL: 500,
        "취소 중 결제 시 사용한 결제수단 처리과정에서 일시적인 오류가 발생했습니다.",
        "A temporary error occurred while processing cancellation.";
    FAILED_PARTIAL_REFUND: 500,
        "은행 점검, 해약 계좌 등의 사유로 부분 환불이 실패했습니다.",
        "Partial refund failed due to bank check, account canceled, etc.";
    FAILED_PAYMENT_INTERNAL_SYSTEM_PROCESSING: 500,
        "결제가 완료되지 않았어요. 다시 시도해주세요.",
        "Payment has not been completed. please try again.";
    FAILED_REFUND_PROCESS: 500,
        "은행 응답시간 지연이나 일시적인 오류로 환불요청에 실패했습니다.",
        "The refund request failed due to a delay in the bank response time or a temporary error.";
    FDS_ERROR: 403,
        "[토스페이먼츠] 위험거래가 감지되어 결제가 제한됩니다. 발송된 문자에 포함된 링크를 통해 본인인증 후 결제가 가능합니다. (고객센터: 1644-8051)",
        "[Toss Payments] A risky transaction was detected and the payment is restricted. Verify your identity through the link in the text message to pay.";
    FORBIDDEN_CONSECUTIVE_REQUEST: 403,
        "반복적인 요청은 허용되지 않습니다. 잠시 후 다시 시도해주세요.",
        "Repetitive requests are not allowed. Please try again in a few minutes.";
    FORBIDDEN_DORMANT_OR_WITHDRAWAL_CUSTOMER: 403,
        "휴면고객이거나 탈퇴한 고객입니다.",
        "You are a dormant customer or a member who has been withdrawn.";
    FORBIDDEN_REQUEST: 403,
        "허용되지 않은 요청입니다.",
        "This request is not allowed.";
    IDEMPOTENT_REQUEST_PROCESSING: 409,
        "이전 멱등 요청이 처리중입니다.",
        "The previous idempotent request is still being processed.";
    INCORRECT_BASIC_AUTH_FORMAT: 403,
        "잘못된 요청입니다. ':' 를 포함해 인코딩해주세요.",
        "Invalid request. Please encode including the ':' character.";
    INVALID_ACCESS_TOKEN: 401,
        "유효하지 않은 Access Token입니다.",
        "The access token is invalid.";
    INVALID_API_KEY: 400,
        "잘못된 시크릿키 연동 정보 입니다.",
        "Incorrect secret key.";
    INVALID_AUTHORIZE_AUTH: 400,
        "잘못된 인증 방식입니다.",
        "Incorrect authentication.";
    INVALID_CARD_EXPIRATION: 400,
        "카드 정보를 다시 확인해주세요. (유효기간)",
        "Please check the card expiration date information again.";
    INVALID_CARD_INSTALLMENT_PLAN: 400,
        "할부 개월 정보가 잘못되었습니다.",
        "The installment plan is invalid.";
    INVALID_CARD_LOST_OR_STOLEN: 400,
        "분실 혹은 도난 카드입니다.",
        "This is a lost or stolen card";
    INVALID_CARD_NUMBER: 400,
        "카드번호를 다시 확인해주세요.",
        "Please check your card number again.";
    INVALID_CURRENCY: 400,
        "잘못된 통화 값입니다.",
        "Invalid currency value.";
    INVALID_CUSTOMER_KEY: 400,
        "고객키는 영문 대소문자, 숫자, 특수문자 -, _, =, ., @로 2자 이상 50자 이하여야 합니다.",
        "customerKey must be at least 2 and maximum 50 upper and lower case alphabets, numbers, special characters (-, _, =, ., @).";
    INVALID_EMAIL: 400,
        "이메일 주소 형식에 맞지 않습니다.",
        "It doesn't match the email address format.";
    INVALID_IDEMPOTENCY_KEY: 400,
        "멱등키는 300자 이하여야 합니다.",
        "The idempotency key must be 300 characters or less.";
    INVALID_MAXIMUM_DISCOUNT_AMOUNT: 400,
        "할인 적용 시 최대 금액을 넘으면 안 됩니다.",
        "The maximum amount must not exceeded to apply the discount.";
    INVALID_ORDER_ID: 400,
        "orderId는 영문 대소문자, 숫자, 특수문자(-, _) 만 허용합니다. 6자 이상 64자 이하여야 합니다.",
        "The order id must be at least 6 and maximum 64 upper and lower case alphabets, numbers, special characters (-, _, =).";
    INVALID_ORDER_NAME: 400,
        "주문 이름은 100자 이하여야 합니다.",
        "The order name must be 100 characters or less.";
    INVALID_PASSWORD: 403,
        "결제 비밀번호가 일치하지 않습니다.",
        "Payment password does not match.";
    INVALID_PAYMENT_KEY: 400,
        "잘못된 결제 키 입니다.",
        "Invalid payment key.";
    INVALID_REFRESH_TOKEN: 403,
        "유효하지 않은 Refresh Token입니다.",
        "The refresh token is invalid.";
    INVALID_REJECT_CARD: 400,
        "카드 사용이 거절되었습니다. 카드사 문의가 필요합니다.",
        "Refer to card issuer/decline.";
    INVALID_REQUEST: 400,
        "잘못된 요청입니다.",
        "The bad request.";
    INVALID_STOPPED_CARD: 400,
        "정지된 카드 입니다.",
        "This is a suspended card.";
    INVALID_TEST_CODE: 400,
        "유효하지 않은 테스트 코드입니다.",
        "Invalid test code";
    NEED_AGREEMENT_WITH_TERMS: 400,
        "이용약관 동의가 필요합니다.",
        "Agreement to the terms is required.";
    NOT_ALLOWED_BRANDPAY_METHOD: 400,
        "삭제된 결제 수단이거나 가맹점에서 사용이 불가능한 결제 수단입니다.",
        "The payment method has been deleted or cannot be used by the merchant.";
    NOT_ALLOWED_PARTIAL_REFUND: 403,
        "에스크로 주문, 현금 카드 결제일 때는 부분 환불이 불가합니다. 이외 다른 결제 수단에서 부분 취소가 되지 않을 때는 토스페이먼츠에 문의해 주세요.",
        "Escrow orders or debit card payments cannot be partially canceled. If you are unable to partially cancelPayment your order with any other payment method, please contact Tosspayments.";
    NOT_ALLOWED_POINT_USE: 400,
        "포인트 사용이 불가한 카드로 카드 포인트 결제에 실패했습니다.",
        "Card point payment failed because the card cannot be used points.";
    NOT_AVAILABLE_BANK: 403,
        "은행 서비스 시간이 아닙니다.",
        "Not bank service time.";
    NOT_AVAILABLE_PAYMENT: 400,
        "결제가 불가능한 시간대입니다",
        "Payment is not available at this time.";
    NOT_CANCELABLE_AMOUNT: 403,
        "취소 할 수 없는 금액 입니다.",
        "This is a non-cancelable amount.";
    NOT_CANCELABLE_PAYMENT: 403,
        "취소 할 수 없는 결제 입니다.",
        "This is a non-cancelable payment.";
    NOT_CANCELABLE_PAYMENT_FOR_DORMANT_USER: 403,
        "휴면 처리된 회원의 결제는 취소할 수 없습니다.",
        "This is a non-cancelable payment. It is a dormant user account.";
    NOT_ENOUGH_DISCOUNT_BALANCE: 400,
        "즉시 할인 프로모션 예산이 소진되었습니다.",
        "The instant discount promotion budget has been exhausted.";
    NOT_FOUND: 404,
        "존재하지 않는 정보 입니다.",
        "This information does not exist.";
    NOT_FOUND_AUTHORIZATION_CODE: 404,
        "인증 코드가 존재하지 않거나 만료되었습니다.",
        "The authorization code does not exist or has expired.";
    NOT_FOUND_CUSTOMER: 404,
        "유효한 고객 정보가 없습니다.",
        "There is no valid customer information.";
    NOT_FOUND_HTTP_METHOD: 404,
        "존재하지 않는 HTTP 메소드 접근입니다.",
        "This HTTP method does not allowed.";
    NOT_FOUND_METHOD: 404,
        "존재하지 않는 결제수단 입니다.",
        "This payment method does not exist.";
    NOT_FOUND_METHOD_OWNERSHIP: 404,
        "결제수단의 소유자가 아닙니다.",
        "This method ownership is not correct.";
    NOT_FOUND_PAYMENT: 404,
        "존재하지 않는 결제 정보 입니다.",
        "The payment does not exist.";
    NOT_FOUND_PAYMENT_SESSION: 404,
        "결제 시간이 만료되어 결제 진행 데이터가 존재하지 않습니다.",
        "Payment session does not exist because the session time has expired.";
    NOT_MATCHES_CUSTOMER_KEY: 400,
        "빌링 인증 고객키와 결제 요청 고객키가 일치하지 않습니다.",
        "The billing authentication customer key and the payment request customer key do not match.";
    NOT_MATCHES_REFUNDABLE_AMOUNT: 400,
        "잔액 결과가 일치하지 않습니다.",
        "Balance results do not match.";
    NOT_SUPPORTED_INSTALLMENT_PLAN_CARD_OR_MERCHANT: 400,
        "할부가 지원되지 않는 카드 또는 가맹점 입니다.",
        "Installment is not supported for this card or merchant.";
    NOT_SUPPORTED_MONTHLY_INSTALLMENT_PLAN: 400,
        "할부 또는 무이자 할부가 지원되지 않는 카드입니다.",
        "This card does not support installment or interest-free installment.";
    PROVIDER_ERROR: 400,
        "일시적인 오류가 발생했습니다. 잠시 후 다시 시도해주세요.",
        "This is temporary error. Please try again in a few minutes.";
    REFUND_REJECTED: 400,
        "환불이 거절됐습니다. 결제사에 문의 부탁드립니다.",
        "The refund has been rejected. Please contact the respective payment provider.";
    REJECT_ACCOUNT_PAYMENT: 403,
        "잔액부족으로 결제에 실패했습니다.",
        "Payment failed due to insufficient balance";
    REJECT_CARD_COMPANY: 403,
        "결제 승인이 거절되었습니다.",
        "Payment confirm is rejected";
    REJECT_CARD_PAYMENT: 403,
        "한도초과 혹은 잔액부족으로 결제에 실패했습니다.",
        "Payment failed due to exceeding the limit or insufficient balance.";
    REJECT_TOSSPAY_INVALID_ACCOUNT: 403,
        "선택하신 출금 계좌가 출금이체 등록이 되어 있지 않아요. 계좌를 다시 등록해 주세요.",
        "The selected withdrawal account is not registered for direct debit. Please register the account again.";
    REQUEST_TIMEOUT: 408,
        "요청 시간이 초과되었습니다. 다시 시도해주세요.",
        "The request timed out. Please try again.";
    RESTRICTED_TRANSFER_ACCOUNT: 400,
        "계좌는 등록 후 12시간 뒤부터 결제할 수 있습니다. 관련 정책은 해당 은행으로 문의해주세요.",
        "You can withdraw from this bank account after 12 hours from initial register. For related policies, please contact your bank.";
    UNAPPROVED_ORDER_ID: 400,
        "아직 승인되지 않은 주문번호입니다.",
        "This order id has not been approved yet.";
    UNAUTHORIZED_KEY: 401,
        "인증되지 않은 시크릿 키 혹은 클라이언트 키 입니다.",
        "This is an unauthenticated secret key or client key.";
    UNKNOWN_PAYMENT_ERROR: 500,
        "결제에 실패했어요. 같은 문제가 반복된다면 은행이나 카드사로 문의해주세요.",
        "Payment failed. If the same problem occurs, please contact your bank or credit card company.";
}

/// The catalogue entry named `code`, if the catalogue has it.
pub fn by_name(code: &str) -> Option<&'static TpCode> {
    ALL.binary_search_by(|c| c.code.cmp(code))
        .ok()
        .map(|i| ALL[i])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catalogue_is_sorted_and_unique_so_lookup_works() {
        assert!(ALL.windows(2).all(|w| w[0].code < w[1].code));
        assert_eq!(by_name("NOT_FOUND_PAYMENT"), Some(&NOT_FOUND_PAYMENT));
        assert_eq!(by_name("NO_SUCH_CODE"), None);
    }

    #[test]
    fn every_message_fits_the_documented_length() {
        for c in ALL {
            assert!(
                c.ko.chars().count() <= 510 && c.en.chars().count() <= 510,
                "{}",
                c.code
            );
            assert!((400..600).contains(&c.status), "{}", c.code);
        }
    }
}
