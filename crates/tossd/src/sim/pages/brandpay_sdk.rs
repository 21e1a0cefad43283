//! The BrandPay SDK window (docs/front-end.md#brandpay-sdk): the page `/js/v1/brandpay` and
//! `/js/v2/standard` open in an iframe over the merchant's page. It walks the customer through what the
//! state asks for — terms agreement (whose code the SDK hands to the merchant's redirectUrl), method
//! registration, payment — and reports to the SDK with `postMessage` to the merchant page's origin.

use axum::extract::State;
use axum::response::Response;
use serde::Deserialize;
use serde_json::json;

use super::{failed, js, page};
use crate::domain::brandpay::{self, CustomerStatus, Scope};
use crate::sim::SimQuery;
use crate::state::AppState;
use crate::store;
use crate::tosspayments::brandpay::methods::MethodView;
use crate::tosspayments::codes::{self, TpCode};
use crate::web::html::escape;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SdkQuery {
    client_key: Option<String>,
    customer_key: Option<String>,
    redirect_url: Option<String>,
    /// The merchant page's origin, the only one the window talks to.
    origin: Option<String>,
    /// `payment`, `addMethod`, `settings` or `agreement`
    action: Option<String>,
    amount: Option<String>,
    order_id: Option<String>,
    order_name: Option<String>,
    /// `requestPayment`'s `methodId`: the method the window offers first.
    method_id: Option<String>,
    method_type: Option<String>,
    scope: Option<String>,
}

/// The SDK's error for an unknown client key (Toss documents none for the BrandPay SDK).
const INVALID_CLIENT_KEY: (&str, &str) =
    ("INVALID_CLIENT_KEY", "클라이언트 키가 올바르지 않습니다.");
/// The documented SDK error for a redirectUrl not registered for the merchant.
const NOT_REGISTERED_REDIRECT_URL: (&str, &str) = (
    "NOT_REGISTERED_REDIRECT_URL",
    "등록되지 않은 리다이렉트 URL입니다.",
);

/// A window that only reports `code`/`message` to the SDK, which rejects with them.
fn report_error(origin: &str, code: &str, message: &str) -> Response {
    let script = format!(
        "parent.postMessage({{source: 'tossd-brandpay', type: 'error', code: {}, message: {}}}, {});",
        js(code),
        js(message),
        js(origin)
    );
    page(
        "브랜드페이",
        &format!(
            "<p id=\"error\" class=\"error\">{}: {}</p>",
            escape(code),
            escape(message)
        ),
        &script,
    )
}

fn tp(code: &TpCode) -> (&'static str, &'static str) {
    (code.code, code.ko)
}

/// Whether `text` is a bare origin (`scheme://host[:port]`), what `location.origin` gives.
fn is_origin(text: &str) -> bool {
    reqwest::Url::parse(text).is_ok_and(|u| {
        matches!(u.scheme(), "http" | "https") && u.origin().ascii_serialization() == text
    })
}

pub async fn window(
    State(state): State<AppState>,
    SimQuery(query): SimQuery<SdkQuery>,
) -> Response {
    let Some(origin) = query.origin.as_deref().filter(|o| is_origin(o)) else {
        return report_error("*", "INVALID_REQUEST", "origin이 필요해요.");
    };
    let customer_key = query.customer_key.as_deref().unwrap_or_default();
    if !brandpay::is_valid_customer_key(customer_key) {
        let (code, message) = tp(&codes::INVALID_CUSTOMER_KEY);
        return report_error(origin, code, message);
    }
    let client_key = query.client_key.as_deref().unwrap_or_default();
    let (merchant, mode) =
        match store::brandpay_sdk::merchant_by_client_key(&state.db, client_key).await {
            Ok(Some(found)) => found,
            Ok(None) => return report_error(origin, INVALID_CLIENT_KEY.0, INVALID_CLIENT_KEY.1),
            Err(e) => return failed(e),
        };
    if mode != crate::sim::brandpay::MODE {
        return report_error(
            origin,
            INVALID_CLIENT_KEY.0,
            "tossd의 브랜드페이 창은 테스트 클라이언트 키만 받아요.",
        );
    }
    let redirect_url = query.redirect_url.as_deref().unwrap_or_default();
    match store::brandpay_sdk::is_registered(&state.db, merchant.id, redirect_url).await {
        Ok(true) => {}
        Ok(false) => {
            return report_error(
                origin,
                NOT_REGISTERED_REDIRECT_URL.0,
                NOT_REGISTERED_REDIRECT_URL.1,
            )
        }
        Err(e) => return failed(e),
    }
    let action = query.action.as_deref().unwrap_or("payment");
    if !matches!(action, "payment" | "addMethod" | "settings" | "agreement") {
        return report_error(origin, "INVALID_REQUEST", "알 수 없는 요청이에요.");
    }
    let account = matches!(
        query.method_type.as_deref(),
        Some("계좌" | "ACCOUNT" | "TRANSFER")
    );
    let method_scope = match query.scope.as_deref() {
        Some(text) => match text.parse::<Scope>() {
            Ok(scope) => scope,
            Err(_) => return report_error(origin, "INVALID_REQUEST", "scope가 올바르지 않아요."),
        },
        None if account => Scope::Account,
        None => Scope::Card,
    };
    let mut conn = match state.db.reader().acquire().await {
        Ok(conn) => conn,
        Err(e) => return failed(e),
    };
    let customer = match store::brandpay::current_customer(
        &mut conn,
        merchant.id,
        crate::sim::brandpay::MODE,
        customer_key,
    )
    .await
    {
        Ok(customer) => customer,
        Err(e) => return failed(e),
    };
    let methods = match &customer {
        Some(customer) => match store::brandpay::enabled_methods(&mut conn, customer.id).await {
            Ok(methods) => methods,
            Err(e) => return failed(e),
        },
        None => Vec::new(),
    };
    let active = customer
        .as_ref()
        .is_some_and(|c| c.status == CustomerStatus::Active);
    let views: Vec<MethodView> = methods.iter().map(|m| MethodView::of(m, &[])).collect();
    let step = if !active || action == "agreement" {
        "terms"
    } else if action == "settings" {
        "settings"
    } else if action == "addMethod" || methods.is_empty() {
        "register"
    } else {
        "pay"
    };

    let mut body = String::new();
    match step {
        "terms" => {
            let mut scopes = vec![Scope::Register];
            if method_scope != Scope::Register {
                scopes.push(method_scope);
            }
            let terms = match store::brandpay::terms_of(&mut conn, &scopes).await {
                Ok(terms) => terms,
                Err(e) => return failed(e),
            };
            body.push_str(
                "<p>브랜드페이 이용을 위해 약관에 동의해 주세요.</p><fieldset id=\"terms\">",
            );
            for t in &terms {
                body.push_str(&format!(
                    "<label><input type=\"checkbox\" name=\"terms\" value=\"{}\" checked> {}{}</label>",
                    t.id,
                    escape(&t.title),
                    if t.required { " (필수)" } else { " (선택)" }
                ));
            }
            body.push_str("</fieldset><div class=\"buttons\"><button id=\"agree\" class=\"primary\">동의하고 계속하기</button>");
            let scope_names: Vec<&str> = scopes.iter().map(|s| s.as_str()).collect();
            body.push_str(&format!(
                "<button id=\"close\">닫기</button></div><script>const scopes = {};</script>",
                json!(scope_names)
            ));
        }
        "register" => {
            let (what, field) = if account {
                ("계좌", "<label>계좌번호 <input id=\"account-number\" inputmode=\"numeric\" maxlength=\"14\"></label>")
            } else {
                ("카드", "<label>카드번호 <input id=\"card-number\" inputmode=\"numeric\" maxlength=\"19\"></label>")
            };
            body.push_str(&format!(
                "<p>결제에 쓸 {what}를 등록해요.</p>{field}\
                 <label>결제 비밀번호 (숫자 6자리) <input id=\"password\" type=\"password\" inputmode=\"numeric\" maxlength=\"6\"></label>\
                 <div class=\"buttons\"><button id=\"register\" class=\"primary\">등록하기</button><button id=\"close\">닫기</button></div>"
            ));
        }
        "settings" => {
            body.push_str("<p>등록된 결제수단</p><ul id=\"methods\">");
            for view in &views {
                body.push_str(&format!("<li>{}</li>", escape(&label(view))));
            }
            body.push_str("</ul><div class=\"buttons\"><button id=\"close\">닫기</button></div>");
        }
        _ => {
            let amount = query.amount.as_deref().unwrap_or_default();
            let order_name = query.order_name.as_deref().unwrap_or_default();
            body.push_str(&format!(
                "<p class=\"product\">{}</p><p class=\"amount\"><b id=\"amount\">{}</b>원</p>\
                 <fieldset id=\"methods\"><legend>결제수단</legend>",
                escape(order_name),
                escape(amount)
            ));
            let chosen = query
                .method_id
                .as_deref()
                .filter(|id| methods.iter().any(|m| m.id == *id))
                .or_else(|| methods.first().map(|m| m.id.as_str()))
                .unwrap_or_default();
            for (method, view) in methods.iter().zip(&views) {
                body.push_str(&format!(
                    "<label><input type=\"radio\" name=\"method\" value=\"{}\"{}> {}</label>",
                    escape(&method.id),
                    if method.id == chosen { " checked" } else { "" },
                    escape(&label(view))
                ));
            }
            body.push_str(
                "</fieldset><label>결제 비밀번호 <input id=\"password\" type=\"password\" inputmode=\"numeric\" maxlength=\"6\"></label>\
                 <div class=\"buttons\"><button id=\"pay\" class=\"primary\">결제하기</button><button id=\"close\">닫기</button></div>",
            );
        }
    }
    body.push_str("<p id=\"error\" class=\"error\" hidden></p>");

    let script = format!(
        "const ORIGIN = {origin}, ctx = {ctx};\
         {script}",
        origin = js(origin),
        ctx = json!({
            "mId": merchant.mid,
            "customerKey": customer_key,
            "action": action,
            "step": step,
            "account": account,
            "amount": query.amount,
            "orderId": query.order_id,
            "orderName": query.order_name,
            "methods": views,
        })
        .to_string()
        .replace('<', "\\u003c"),
        script = include_str!("brandpay_sdk.js"),
    );
    page("브랜드페이", &body, &script)
}

fn label(view: &MethodView) -> String {
    match view {
        MethodView::Card(card) => format!("{} {}", card.card_name, card.card_number),
        MethodView::Account(account) => {
            format!("{} {}", account.account_name, account.account_number)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_bare_origins_are_talked_to() {
        assert!(is_origin("http://127.0.0.1:3000"));
        assert!(is_origin("https://shop.example"));
        for bad in [
            "*",
            "https://shop.example/",
            "https://shop.example/path",
            "null",
            "file:///x",
        ] {
            assert!(!is_origin(bad), "{bad}");
        }
    }
}
