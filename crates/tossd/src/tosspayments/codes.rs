//! The Toss Payments error catalogue (REFERENCE.md §5.2): every code tossd produces, with its HTTP
//! status and its Korean and English messages. `TossPayments-Test-Code` accepts any code listed here.

/// One documented error code.
#[derive(Debug, PartialEq, Eq)]
pub struct TpCode {
    pub code: &'static str,
    pub status: u16,
    pub ko: &'static str,
    pub en: &'static str,
}

pub const ALREADY_CANCELED_PAYMENT: TpCode = TpCode {
    code: "ALREADY_CANCELED_PAYMENT",
    status: 400,
    ko: "이미 취소된 결제 입니다.",
    en: "The payment has already been canceled.",
};
pub const ALREADY_PROCESSED_PAYMENT: TpCode = TpCode {
    code: "ALREADY_PROCESSED_PAYMENT",
    status: 400,
    ko: "이미 처리된 결제 입니다.",
    en: "This is a payment that has already been processed.",
};
pub const ALREADY_REFUND_PAYMENT: TpCode = TpCode {
    code: "ALREADY_REFUND_PAYMENT",
    status: 400,
    ko: "이미 환불된 결제입니다.",
    en: "The payment has already been refunded.",
};
pub const BELOW_MINIMUM_AMOUNT: TpCode = TpCode {
    code: "BELOW_MINIMUM_AMOUNT",
    status: 400,
    ko: "신용카드는 결제금액이 100원 이상, 계좌는 200원이상부터 결제가 가능합니다.",
    en: "Payment can be made from 100 won or more by credit card, and 200 won or more for account.",
};
pub const BELOW_ZERO_AMOUNT: TpCode = TpCode {
    code: "BELOW_ZERO_AMOUNT",
    status: 400,
    ko: "금액은 0보다 커야 합니다.",
    en: "The amount must be greater than 0.",
};
pub const CARD_PROCESSING_ERROR: TpCode = TpCode {
    code: "CARD_PROCESSING_ERROR",
    status: 400,
    ko: "카드사에서 오류가 발생했습니다.",
    en: "An error occurred at the card company.",
};
pub const COMMON_ERROR: TpCode = TpCode {
    code: "COMMON_ERROR",
    status: 500,
    ko: "일시적인 오류가 발생했습니다. 잠시 후 다시 시도해주세요.",
    en: "A temporary error has occurred. Please try again in a few minutes.",
};
pub const DUPLICATED_ORDER_ID: TpCode = TpCode { code: "DUPLICATED_ORDER_ID", status: 400, ko: "이미 승인 및 취소가 진행된 중복된 주문번호 입니다. 다른 주문번호로 진행해주세요.", en: "This is a duplicate order id that has already been approved or canceled. Please proceed with a different order id." };
pub const EXCEED_CANCEL_AMOUNT_DISCOUNT_AMOUNT: TpCode = TpCode {
    code: "EXCEED_CANCEL_AMOUNT_DISCOUNT_AMOUNT",
    status: 400,
    ko: "즉시할인금액보다 적은 금액은 부분취소가 불가능합니다.",
    en: "The cancelPayment amount cannot exceed discount amount.",
};
pub const EXCEED_MAX_AMOUNT: TpCode = TpCode {
    code: "EXCEED_MAX_AMOUNT",
    status: 400,
    ko: "거래금액 한도를 초과했습니다.",
    en: "The transaction amount limit has been exceeded.",
};
pub const EXCEED_MAX_AUTH_COUNT: TpCode = TpCode { code: "EXCEED_MAX_AUTH_COUNT", status: 403, ko: "최대 인증 횟수를 초과했습니다. 카드사로 문의해주세요.", en: "The maximum number of authentications has been exceeded. Please contact your credit card company." };
pub const EXCEED_MAX_CARD_INSTALLMENT_PLAN: TpCode = TpCode {
    code: "EXCEED_MAX_CARD_INSTALLMENT_PLAN",
    status: 400,
    ko: "설정 가능한 최대 할부 개월 수를 초과했습니다.",
    en: "You have exceeded the maximum number of installment months that can be set.",
};
pub const EXCEED_MAX_DAILY_PAYMENT_COUNT: TpCode = TpCode {
    code: "EXCEED_MAX_DAILY_PAYMENT_COUNT",
    status: 400,
    ko: "하루 결제 가능 횟수를 초과했습니다.",
    en: "You have exceeded the number of daily payments.",
};
pub const EXCEED_MAX_MONTHLY_PAYMENT_AMOUNT: TpCode = TpCode {
    code: "EXCEED_MAX_MONTHLY_PAYMENT_AMOUNT",
    status: 400,
    ko: "당월 결제 가능금액인 1,000,000원을 초과 하셨습니다.",
    en: "You have exceeded the monthly payable amount of 1,000,000 won.",
};
pub const EXCEED_MAX_ONE_DAY_AMOUNT: TpCode = TpCode {
    code: "EXCEED_MAX_ONE_DAY_AMOUNT",
    status: 403,
    ko: "일일 한도를 초과했습니다.",
    en: "The daily limit has been exceeded.",
};
pub const EXCEED_MAX_ONE_DAY_WITHDRAW_AMOUNT: TpCode = TpCode {
    code: "EXCEED_MAX_ONE_DAY_WITHDRAW_AMOUNT",
    status: 400,
    ko: "1일 출금 한도를 초과했습니다.",
    en: "You have exceeded the one-day withdrawal limit.",
};
pub const EXCEED_MAX_ONE_TIME_WITHDRAW_AMOUNT: TpCode = TpCode {
    code: "EXCEED_MAX_ONE_TIME_WITHDRAW_AMOUNT",
    status: 400,
    ko: "1회 출금 한도를 초과했습니다.",
    en: "You have exceeded the one-time withdrawal limit.",
};
pub const EXCEED_MAX_PAYMENT_AMOUNT: TpCode = TpCode {
    code: "EXCEED_MAX_PAYMENT_AMOUNT",
    status: 400,
    ko: "하루 결제 가능 금액을 초과했습니다.",
    en: "You have exceeded the amount you can pay per day.",
};
pub const EXCEED_MAX_REFUND_DUE: TpCode = TpCode {
    code: "EXCEED_MAX_REFUND_DUE",
    status: 403,
    ko: "환불 가능한 기간이 초과했습니다.",
    en: "The refundable period has been exceeded.",
};
pub const FAILED_INTERNAL_SYSTEM_PROCESSING: TpCode = TpCode {
    code: "FAILED_INTERNAL_SYSTEM_PROCESSING",
    status: 500,
    ko: "내부 시스템 처리 작업이 실패했습니다. 잠시 후 다시 시도해주세요.",
    en: "Internal system processing operation has failed. Please try again in a few minutes.",
};
pub const FAILED_METHOD_HANDLING_CANCEL: TpCode = TpCode {
    code: "FAILED_METHOD_HANDLING_CANCEL",
    status: 500,
    ko: "취소 중 결제 시 사용한 결제수단 처리과정에서 일시적인 오류가 발생했습니다.",
    en: "A temporary error occurred while processing cancellation.",
};
pub const FAILED_PARTIAL_REFUND: TpCode = TpCode {
    code: "FAILED_PARTIAL_REFUND",
    status: 500,
    ko: "은행 점검, 해약 계좌 등의 사유로 부분 환불이 실패했습니다.",
    en: "Partial refund failed due to bank check, account canceled, etc.",
};
pub const FAILED_PAYMENT_INTERNAL_SYSTEM_PROCESSING: TpCode = TpCode {
    code: "FAILED_PAYMENT_INTERNAL_SYSTEM_PROCESSING",
    status: 500,
    ko: "결제가 완료되지 않았어요. 다시 시도해주세요.",
    en: "Payment has not been completed. please try again.",
};
pub const FAILED_REFUND_PROCESS: TpCode = TpCode {
    code: "FAILED_REFUND_PROCESS",
    status: 500,
    ko: "은행 응답시간 지연이나 일시적인 오류로 환불요청에 실패했습니다.",
    en: "The refund request failed due to a delay in the bank response time or a temporary error.",
};
pub const FDS_ERROR: TpCode = TpCode { code: "FDS_ERROR", status: 403, ko: "[토스페이먼츠] 위험거래가 감지되어 결제가 제한됩니다. 발송된 문자에 포함된 링크를 통해 본인인증 후 결제가 가능합니다. (고객센터: 1644-8051)", en: "[Toss Payments] A risky transaction was detected and the payment is restricted. Verify your identity through the link in the text message to pay." };
pub const FORBIDDEN_CONSECUTIVE_REQUEST: TpCode = TpCode {
    code: "FORBIDDEN_CONSECUTIVE_REQUEST",
    status: 403,
    ko: "반복적인 요청은 허용되지 않습니다. 잠시 후 다시 시도해주세요.",
    en: "Repetitive requests are not allowed. Please try again in a few minutes.",
};
pub const FORBIDDEN_DORMANT_OR_WITHDRAWAL_CUSTOMER: TpCode = TpCode {
    code: "FORBIDDEN_DORMANT_OR_WITHDRAWAL_CUSTOMER",
    status: 403,
    ko: "휴면고객이거나 탈퇴한 고객입니다.",
    en: "You are a dormant customer or a member who has been withdrawn.",
};
pub const FORBIDDEN_REQUEST: TpCode = TpCode {
    code: "FORBIDDEN_REQUEST",
    status: 403,
    ko: "허용되지 않은 요청입니다.",
    en: "This request is not allowed.",
};
pub const IDEMPOTENT_REQUEST_PROCESSING: TpCode = TpCode {
    code: "IDEMPOTENT_REQUEST_PROCESSING",
    status: 409,
    ko: "이전 멱등 요청이 처리중입니다.",
    en: "The previous idempotent request is still being processed.",
};
pub const INCORRECT_BASIC_AUTH_FORMAT: TpCode = TpCode {
    code: "INCORRECT_BASIC_AUTH_FORMAT",
    status: 403,
    ko: "잘못된 요청입니다. ':' 를 포함해 인코딩해주세요.",
    en: "Invalid request. Please encode including the ':' character.",
};
pub const INVALID_ACCESS_TOKEN: TpCode = TpCode {
    code: "INVALID_ACCESS_TOKEN",
    status: 401,
    ko: "유효하지 않은 Access Token입니다.",
    en: "The access token is invalid.",
};
pub const INVALID_API_KEY: TpCode = TpCode {
    code: "INVALID_API_KEY",
    status: 400,
    ko: "잘못된 시크릿키 연동 정보 입니다.",
    en: "Incorrect secret key.",
};
pub const INVALID_AUTHORIZE_AUTH: TpCode = TpCode {
    code: "INVALID_AUTHORIZE_AUTH",
    status: 400,
    ko: "잘못된 인증 방식입니다.",
    en: "Incorrect authentication.",
};
pub const INVALID_CARD_EXPIRATION: TpCode = TpCode {
    code: "INVALID_CARD_EXPIRATION",
    status: 400,
    ko: "카드 정보를 다시 확인해주세요. (유효기간)",
    en: "Please check the card expiration date information again.",
};
pub const INVALID_CARD_INSTALLMENT_PLAN: TpCode = TpCode {
    code: "INVALID_CARD_INSTALLMENT_PLAN",
    status: 400,
    ko: "할부 개월 정보가 잘못되었습니다.",
    en: "The installment plan is invalid.",
};
pub const INVALID_CARD_LOST_OR_STOLEN: TpCode = TpCode {
    code: "INVALID_CARD_LOST_OR_STOLEN",
    status: 400,
    ko: "분실 혹은 도난 카드입니다.",
    en: "This is a lost or stolen card",
};
pub const INVALID_CARD_NUMBER: TpCode = TpCode {
    code: "INVALID_CARD_NUMBER",
    status: 400,
    ko: "카드번호를 다시 확인해주세요.",
    en: "Please check your card number again.",
};
pub const INVALID_CURRENCY: TpCode = TpCode {
    code: "INVALID_CURRENCY",
    status: 400,
    ko: "잘못된 통화 값입니다.",
    en: "Invalid currency value.",
};
pub const INVALID_CUSTOMER_KEY: TpCode = TpCode { code: "INVALID_CUSTOMER_KEY", status: 400, ko: "고객키는 영문 대소문자, 숫자, 특수문자 -, _, =, ., @로 2자 이상 50자 이하여야 합니다.", en: "customerKey must be at least 2 and maximum 50 upper and lower case alphabets, numbers, special characters (-, _, =, ., @)." };
pub const INVALID_EMAIL: TpCode = TpCode {
    code: "INVALID_EMAIL",
    status: 400,
    ko: "이메일 주소 형식에 맞지 않습니다.",
    en: "It doesn't match the email address format.",
};
pub const INVALID_IDEMPOTENCY_KEY: TpCode = TpCode {
    code: "INVALID_IDEMPOTENCY_KEY",
    status: 400,
    ko: "멱등키는 300자 이하여야 합니다.",
    en: "The idempotency key must be 300 characters or less.",
};
pub const INVALID_MAXIMUM_DISCOUNT_AMOUNT: TpCode = TpCode {
    code: "INVALID_MAXIMUM_DISCOUNT_AMOUNT",
    status: 400,
    ko: "할인 적용 시 최대 금액을 넘으면 안 됩니다.",
    en: "The maximum amount must not exceeded to apply the discount.",
};
pub const INVALID_ORDER_ID: TpCode = TpCode { code: "INVALID_ORDER_ID", status: 400, ko: "orderId는 영문 대소문자, 숫자, 특수문자(-, _) 만 허용합니다. 6자 이상 64자 이하여야 합니다.", en: "The order id must be at least 6 and maximum 64 upper and lower case alphabets, numbers, special characters (-, _, =)." };
pub const INVALID_ORDER_NAME: TpCode = TpCode {
    code: "INVALID_ORDER_NAME",
    status: 400,
    ko: "주문 이름은 100자 이하여야 합니다.",
    en: "The order name must be 100 characters or less.",
};
pub const INVALID_PASSWORD: TpCode = TpCode {
    code: "INVALID_PASSWORD",
    status: 403,
    ko: "결제 비밀번호가 일치하지 않습니다.",
    en: "Payment password does not match.",
};
pub const INVALID_PAYMENT_KEY: TpCode = TpCode {
    code: "INVALID_PAYMENT_KEY",
    status: 400,
    ko: "잘못된 결제 키 입니다.",
    en: "Invalid payment key.",
};
pub const INVALID_REFRESH_TOKEN: TpCode = TpCode {
    code: "INVALID_REFRESH_TOKEN",
    status: 403,
    ko: "유효하지 않은 Refresh Token입니다.",
    en: "The refresh token is invalid.",
};
pub const INVALID_REJECT_CARD: TpCode = TpCode {
    code: "INVALID_REJECT_CARD",
    status: 400,
    ko: "카드 사용이 거절되었습니다. 카드사 문의가 필요합니다.",
    en: "Refer to card issuer/decline.",
};
pub const INVALID_REQUEST: TpCode = TpCode {
    code: "INVALID_REQUEST",
    status: 400,
    ko: "잘못된 요청입니다.",
    en: "The bad request.",
};
pub const INVALID_STOPPED_CARD: TpCode = TpCode {
    code: "INVALID_STOPPED_CARD",
    status: 400,
    ko: "정지된 카드 입니다.",
    en: "This is a suspended card.",
};
pub const INVALID_TEST_CODE: TpCode = TpCode {
    code: "INVALID_TEST_CODE",
    status: 400,
    ko: "유효하지 않은 테스트 코드입니다.",
    en: "Invalid test code",
};
pub const NEED_AGREEMENT_WITH_TERMS: TpCode = TpCode {
    code: "NEED_AGREEMENT_WITH_TERMS",
    status: 400,
    ko: "이용약관 동의가 필요합니다.",
    en: "Agreement to the terms is required.",
};
pub const NOT_ALLOWED_BRANDPAY_METHOD: TpCode = TpCode {
    code: "NOT_ALLOWED_BRANDPAY_METHOD",
    status: 400,
    ko: "삭제된 결제 수단이거나 가맹점에서 사용이 불가능한 결제 수단입니다.",
    en: "The payment method has been deleted or cannot be used by the merchant.",
};
pub const NOT_ALLOWED_PARTIAL_REFUND: TpCode = TpCode { code: "NOT_ALLOWED_PARTIAL_REFUND", status: 403, ko: "에스크로 주문, 현금 카드 결제일 때는 부분 환불이 불가합니다. 이외 다른 결제 수단에서 부분 취소가 되지 않을 때는 토스페이먼츠에 문의해 주세요.", en: "Escrow orders or debit card payments cannot be partially canceled. If you are unable to partially cancelPayment your order with any other payment method, please contact Tosspayments." };
pub const NOT_ALLOWED_POINT_USE: TpCode = TpCode {
    code: "NOT_ALLOWED_POINT_USE",
    status: 400,
    ko: "포인트 사용이 불가한 카드로 카드 포인트 결제에 실패했습니다.",
    en: "Card point payment failed because the card cannot be used points.",
};
pub const NOT_AVAILABLE_BANK: TpCode = TpCode {
    code: "NOT_AVAILABLE_BANK",
    status: 403,
    ko: "은행 서비스 시간이 아닙니다.",
    en: "Not bank service time.",
};
pub const NOT_AVAILABLE_PAYMENT: TpCode = TpCode {
    code: "NOT_AVAILABLE_PAYMENT",
    status: 400,
    ko: "결제가 불가능한 시간대입니다",
    en: "Payment is not available at this time.",
};
pub const NOT_CANCELABLE_AMOUNT: TpCode = TpCode {
    code: "NOT_CANCELABLE_AMOUNT",
    status: 403,
    ko: "취소 할 수 없는 금액 입니다.",
    en: "This is a non-cancelable amount.",
};
pub const NOT_CANCELABLE_PAYMENT: TpCode = TpCode {
    code: "NOT_CANCELABLE_PAYMENT",
    status: 403,
    ko: "취소 할 수 없는 결제 입니다.",
    en: "This is a non-cancelable payment.",
};
pub const NOT_CANCELABLE_PAYMENT_FOR_DORMANT_USER: TpCode = TpCode {
    code: "NOT_CANCELABLE_PAYMENT_FOR_DORMANT_USER",
    status: 403,
    ko: "휴면 처리된 회원의 결제는 취소할 수 없습니다.",
    en: "This is a non-cancelable payment. It is a dormant user account.",
};
pub const NOT_ENOUGH_DISCOUNT_BALANCE: TpCode = TpCode {
    code: "NOT_ENOUGH_DISCOUNT_BALANCE",
    status: 400,
    ko: "즉시 할인 프로모션 예산이 소진되었습니다.",
    en: "The instant discount promotion budget has been exhausted.",
};
pub const NOT_FOUND: TpCode = TpCode {
    code: "NOT_FOUND",
    status: 404,
    ko: "존재하지 않는 정보 입니다.",
    en: "This information does not exist.",
};
pub const NOT_FOUND_AUTHORIZATION_CODE: TpCode = TpCode {
    code: "NOT_FOUND_AUTHORIZATION_CODE",
    status: 404,
    ko: "인증 코드가 존재하지 않거나 만료되었습니다.",
    en: "The authorization code does not exist or has expired.",
};
pub const NOT_FOUND_CUSTOMER: TpCode = TpCode {
    code: "NOT_FOUND_CUSTOMER",
    status: 404,
    ko: "유효한 고객 정보가 없습니다.",
    en: "There is no valid customer information.",
};
pub const NOT_FOUND_HTTP_METHOD: TpCode = TpCode {
    code: "NOT_FOUND_HTTP_METHOD",
    status: 404,
    ko: "존재하지 않는 HTTP 메소드 접근입니다.",
    en: "This HTTP method does not allowed.",
};
pub const NOT_FOUND_METHOD: TpCode = TpCode {
    code: "NOT_FOUND_METHOD",
    status: 404,
    ko: "존재하지 않는 결제수단 입니다.",
    en: "This payment method does not exist.",
};
pub const NOT_FOUND_METHOD_OWNERSHIP: TpCode = TpCode {
    code: "NOT_FOUND_METHOD_OWNERSHIP",
    status: 404,
    ko: "결제수단의 소유자가 아닙니다.",
    en: "This method ownership is not correct.",
};
pub const NOT_FOUND_PAYMENT: TpCode = TpCode {
    code: "NOT_FOUND_PAYMENT",
    status: 404,
    ko: "존재하지 않는 결제 정보 입니다.",
    en: "The payment does not exist.",
};
pub const NOT_FOUND_PAYMENT_SESSION: TpCode = TpCode {
    code: "NOT_FOUND_PAYMENT_SESSION",
    status: 404,
    ko: "결제 시간이 만료되어 결제 진행 데이터가 존재하지 않습니다.",
    en: "Payment session does not exist because the session time has expired.",
};
pub const NOT_MATCHES_CUSTOMER_KEY: TpCode = TpCode {
    code: "NOT_MATCHES_CUSTOMER_KEY",
    status: 400,
    ko: "빌링 인증 고객키와 결제 요청 고객키가 일치하지 않습니다.",
    en:
        "The billing authentication customer key and the payment request customer key do not match.",
};
pub const NOT_MATCHES_REFUNDABLE_AMOUNT: TpCode = TpCode {
    code: "NOT_MATCHES_REFUNDABLE_AMOUNT",
    status: 400,
    ko: "잔액 결과가 일치하지 않습니다.",
    en: "Balance results do not match.",
};
pub const NOT_SUPPORTED_INSTALLMENT_PLAN_CARD_OR_MERCHANT: TpCode = TpCode {
    code: "NOT_SUPPORTED_INSTALLMENT_PLAN_CARD_OR_MERCHANT",
    status: 400,
    ko: "할부가 지원되지 않는 카드 또는 가맹점 입니다.",
    en: "Installment is not supported for this card or merchant.",
};
pub const NOT_SUPPORTED_MONTHLY_INSTALLMENT_PLAN: TpCode = TpCode {
    code: "NOT_SUPPORTED_MONTHLY_INSTALLMENT_PLAN",
    status: 400,
    ko: "할부 또는 무이자 할부가 지원되지 않는 카드입니다.",
    en: "This card does not support installment or interest-free installment.",
};
pub const PROVIDER_ERROR: TpCode = TpCode {
    code: "PROVIDER_ERROR",
    status: 400,
    ko: "일시적인 오류가 발생했습니다. 잠시 후 다시 시도해주세요.",
    en: "This is temporary error. Please try again in a few minutes.",
};
pub const REFUND_REJECTED: TpCode = TpCode {
    code: "REFUND_REJECTED",
    status: 400,
    ko: "환불이 거절됐습니다. 결제사에 문의 부탁드립니다.",
    en: "The refund has been rejected. Please contact the respective payment provider.",
};
pub const REJECT_ACCOUNT_PAYMENT: TpCode = TpCode {
    code: "REJECT_ACCOUNT_PAYMENT",
    status: 403,
    ko: "잔액부족으로 결제에 실패했습니다.",
    en: "Payment failed due to insufficient balance",
};
pub const REJECT_CARD_COMPANY: TpCode = TpCode {
    code: "REJECT_CARD_COMPANY",
    status: 403,
    ko: "결제 승인이 거절되었습니다.",
    en: "Payment confirm is rejected",
};
pub const REJECT_CARD_PAYMENT: TpCode = TpCode {
    code: "REJECT_CARD_PAYMENT",
    status: 403,
    ko: "한도초과 혹은 잔액부족으로 결제에 실패했습니다.",
    en: "Payment failed due to exceeding the limit or insufficient balance.",
};
pub const REJECT_TOSSPAY_INVALID_ACCOUNT: TpCode = TpCode { code: "REJECT_TOSSPAY_INVALID_ACCOUNT", status: 403, ko: "선택하신 출금 계좌가 출금이체 등록이 되어 있지 않아요. 계좌를 다시 등록해 주세요.", en: "The selected withdrawal account is not registered for direct debit. Please register the account again." };
pub const RESTRICTED_TRANSFER_ACCOUNT: TpCode = TpCode { code: "RESTRICTED_TRANSFER_ACCOUNT", status: 400, ko: "계좌는 등록 후 12시간 뒤부터 결제할 수 있습니다. 관련 정책은 해당 은행으로 문의해주세요.", en: "You can withdraw from this bank account after 12 hours from initial register. For related policies, please contact your bank." };
pub const UNAPPROVED_ORDER_ID: TpCode = TpCode {
    code: "UNAPPROVED_ORDER_ID",
    status: 400,
    ko: "아직 승인되지 않은 주문번호입니다.",
    en: "This order id has not been approved yet.",
};
pub const UNAUTHORIZED_KEY: TpCode = TpCode {
    code: "UNAUTHORIZED_KEY",
    status: 401,
    ko: "인증되지 않은 시크릿 키 혹은 클라이언트 키 입니다.",
    en: "This is an unauthenticated secret key or client key.",
};
pub const UNKNOWN_PAYMENT_ERROR: TpCode = TpCode { code: "UNKNOWN_PAYMENT_ERROR", status: 500, ko: "결제에 실패했어요. 같은 문제가 반복된다면 은행이나 카드사로 문의해주세요.", en: "Payment failed. If the same problem occurs, please contact your bank or credit card company." };

/// Every code, sorted by name, for lookups by name (test codes).
pub static ALL: &[&TpCode] = &[
    &ALREADY_CANCELED_PAYMENT,
    &ALREADY_PROCESSED_PAYMENT,
    &ALREADY_REFUND_PAYMENT,
    &BELOW_MINIMUM_AMOUNT,
    &BELOW_ZERO_AMOUNT,
    &CARD_PROCESSING_ERROR,
    &COMMON_ERROR,
    &DUPLICATED_ORDER_ID,
    &EXCEED_CANCEL_AMOUNT_DISCOUNT_AMOUNT,
    &EXCEED_MAX_AMOUNT,
    &EXCEED_MAX_AUTH_COUNT,
    &EXCEED_MAX_CARD_INSTALLMENT_PLAN,
    &EXCEED_MAX_DAILY_PAYMENT_COUNT,
    &EXCEED_MAX_MONTHLY_PAYMENT_AMOUNT,
    &EXCEED_MAX_ONE_DAY_AMOUNT,
    &EXCEED_MAX_ONE_DAY_WITHDRAW_AMOUNT,
    &EXCEED_MAX_ONE_TIME_WITHDRAW_AMOUNT,
    &EXCEED_MAX_PAYMENT_AMOUNT,
    &EXCEED_MAX_REFUND_DUE,
    &FAILED_INTERNAL_SYSTEM_PROCESSING,
    &FAILED_METHOD_HANDLING_CANCEL,
    &FAILED_PARTIAL_REFUND,
    &FAILED_PAYMENT_INTERNAL_SYSTEM_PROCESSING,
    &FAILED_REFUND_PROCESS,
    &FDS_ERROR,
    &FORBIDDEN_CONSECUTIVE_REQUEST,
    &FORBIDDEN_DORMANT_OR_WITHDRAWAL_CUSTOMER,
    &FORBIDDEN_REQUEST,
    &IDEMPOTENT_REQUEST_PROCESSING,
    &INCORRECT_BASIC_AUTH_FORMAT,
    &INVALID_ACCESS_TOKEN,
    &INVALID_API_KEY,
    &INVALID_AUTHORIZE_AUTH,
    &INVALID_CARD_EXPIRATION,
    &INVALID_CARD_INSTALLMENT_PLAN,
    &INVALID_CARD_LOST_OR_STOLEN,
    &INVALID_CARD_NUMBER,
    &INVALID_CURRENCY,
    &INVALID_CUSTOMER_KEY,
    &INVALID_EMAIL,
    &INVALID_IDEMPOTENCY_KEY,
    &INVALID_MAXIMUM_DISCOUNT_AMOUNT,
    &INVALID_ORDER_ID,
    &INVALID_ORDER_NAME,
    &INVALID_PASSWORD,
    &INVALID_PAYMENT_KEY,
    &INVALID_REFRESH_TOKEN,
    &INVALID_REJECT_CARD,
    &INVALID_REQUEST,
    &INVALID_STOPPED_CARD,
    &INVALID_TEST_CODE,
    &NEED_AGREEMENT_WITH_TERMS,
    &NOT_ALLOWED_BRANDPAY_METHOD,
    &NOT_ALLOWED_PARTIAL_REFUND,
    &NOT_ALLOWED_POINT_USE,
    &NOT_AVAILABLE_BANK,
    &NOT_AVAILABLE_PAYMENT,
    &NOT_CANCELABLE_AMOUNT,
    &NOT_CANCELABLE_PAYMENT,
    &NOT_CANCELABLE_PAYMENT_FOR_DORMANT_USER,
    &NOT_ENOUGH_DISCOUNT_BALANCE,
    &NOT_FOUND,
    &NOT_FOUND_AUTHORIZATION_CODE,
    &NOT_FOUND_CUSTOMER,
    &NOT_FOUND_HTTP_METHOD,
    &NOT_FOUND_METHOD,
    &NOT_FOUND_METHOD_OWNERSHIP,
    &NOT_FOUND_PAYMENT,
    &NOT_FOUND_PAYMENT_SESSION,
    &NOT_MATCHES_CUSTOMER_KEY,
    &NOT_MATCHES_REFUNDABLE_AMOUNT,
    &NOT_SUPPORTED_INSTALLMENT_PLAN_CARD_OR_MERCHANT,
    &NOT_SUPPORTED_MONTHLY_INSTALLMENT_PLAN,
    &PROVIDER_ERROR,
    &REFUND_REJECTED,
    &REJECT_ACCOUNT_PAYMENT,
    &REJECT_CARD_COMPANY,
    &REJECT_CARD_PAYMENT,
    &REJECT_TOSSPAY_INVALID_ACCOUNT,
    &RESTRICTED_TRANSFER_ACCOUNT,
    &UNAPPROVED_ORDER_ID,
    &UNAUTHORIZED_KEY,
    &UNKNOWN_PAYMENT_ERROR,
];

/// The catalogue entry named `code`, if tossd knows it.
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
