//! The simulator's pages for people: the Toss login consent sheet, the Toss Pay sheet, the BrandPay
//! window and the receipts payments link to. Each sheet shows what the user would see and, on a click,
//! calls the same `/sim/v1` API the tests use, so a demo and a test drive one code path.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use serde::Deserialize;

use crate::domain::brandpay::MethodDetails;
use crate::sim::{SimPath, SimQuery};
use crate::state::AppState;
use crate::store;
use crate::web::html::{escape, group_digits};

pub mod ait_sdk;
mod brandpay_sdk;
mod receipts;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/sim/login", get(login_sheet))
        .route("/sim/pay/{payToken}", get(pay_sheet))
        .route("/sim/brandpay", get(brandpay_window))
        .route("/sim/brandpay/sdk", get(brandpay_sdk::window))
        .route("/sim/receipts/{paymentKey}", get(receipts::payment_receipt))
        .route(
            "/sim/receipts/tosspay/{transactionId}",
            get(receipts::toss_pay_receipt),
        )
        .merge(ait_sdk::router())
}

/// A whole page: the shared head, a title, the body and its script.
fn page(title: &str, body: &str, script: &str) -> Response {
    Html(format!(
        "{head}<title>{title}</title></head><body><main class=\"sheet\"><h1>{title}</h1>{body}</main>\
         <script>{common}{script}</script></body></html>",
        head = include_str!("head.html"),
        title = escape(title),
        common = include_str!("common.js"),
    ))
    .into_response()
}

fn not_found(what: &str) -> Response {
    (
        StatusCode::NOT_FOUND,
        page(
            "찾을 수 없어요",
            &format!("<p id=\"error\">{}</p>", escape(what)),
            "",
        ),
    )
        .into_response()
}

fn failed(e: sqlx::Error) -> Response {
    tracing::error!(error = %e, "page query failed");
    (
        StatusCode::INTERNAL_SERVER_ERROR,
        page("잠시 후 다시 시도해 주세요", "", ""),
    )
        .into_response()
}

/// Text safe inside a JavaScript string literal in a `<script>` (JSON, with `<` escaped).
fn js(text: &str) -> String {
    serde_json::to_string(text)
        .unwrap_or_else(|_| "\"\"".into())
        .replace('<', "\\u003c")
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LoginQuery {
    user_key: Option<i64>,
    app_id: Option<String>,
}

/// The consent sheet `appLogin()` opens: the user sees the app and what it asks for, and agrees.
async fn login_sheet(
    State(state): State<AppState>,
    SimQuery(query): SimQuery<LoginQuery>,
) -> Response {
    let app = match crate::sim::identities::find_app(&state.db, query.app_id.as_deref()).await {
        Ok(Some(app)) => app,
        Ok(None) => return not_found("그런 앱이 없어요."),
        Err(e) => return failed(e),
    };
    let Some(user_key) = query.user_key else {
        let users = match store::users::active(&state.db, 50).await {
            Ok(users) => users,
            Err(e) => return failed(e),
        };
        let mut list = String::from("<p>로그인할 토스 사용자를 고르세요.</p><ul id=\"users\">");
        for user in users {
            let (key, name) = (user.user_key, user.name);
            list.push_str(&format!(
                "<li><a href=\"/sim/login?userKey={key}&amp;appId={}\">{} ({key})</a></li>",
                escape(&app.app_id),
                escape(&name)
            ));
        }
        list.push_str("</ul>");
        return page("토스로 로그인", &list, "");
    };
    let user = match store::users::user(state.db.reader(), user_key).await {
        Ok(Some(user)) if !user.withdrawn => (user.name, user.phone),
        Ok(_) => return not_found("그런 토스 사용자가 없어요."),
        Err(e) => return failed(e),
    };
    let scopes = match store::apps::login_offer(&state.db, &app.app_id).await {
        Ok(Some(offer)) => offer.scopes,
        Ok(None) => return not_found("그런 앱이 없어요."),
        Err(e) => return failed(e),
    };
    let mut body = format!(
        "<p class=\"who\"><b id=\"app-name\">{}</b>에서 토스 계정으로 로그인해요.</p>\
         <p class=\"user\">{} · {}</p><fieldset><legend>제공할 정보</legend>",
        escape(&app.name),
        escape(&user.0),
        escape(&user.1)
    );
    for scope in scopes
        .split(|c: char| c == ',' || c.is_whitespace())
        .filter(|s| !s.is_empty())
    {
        body.push_str(&format!(
            "<label><input type=\"checkbox\" name=\"scope\" value=\"{0}\" checked> {0}</label>",
            escape(scope)
        ));
    }
    body.push_str(
        "</fieldset><button id=\"agree\" class=\"primary\">동의하고 시작하기</button>\
         <section id=\"result\" hidden><p>인가 코드 <code id=\"authorization-code\"></code></p>\
         <p>referrer <code id=\"referrer\"></code></p>\
         <p class=\"hint\">파트너 서버가 이 코드로 generate-token을 호출해요 (10분, 1회).</p></section>\
         <p id=\"error\" class=\"error\" hidden></p>",
    );
    // Opened by the web-framework drop-in (ait_sdk.rs), the sheet also tells the page that embeds it.
    let script = format!(
        "document.getElementById('agree').addEventListener('click', async () => {{\
           const scopes = [...document.querySelectorAll('input[name=scope]:checked')].map(e => e.value);\
           const r = await simCall('/sim/v1/login', {{userKey: {user_key}, appId: {app_id}, scopes}});\
           if (!r.ok) return showError(r.body);\
           document.getElementById('authorization-code').textContent = r.body.authorizationCode;\
           document.getElementById('referrer').textContent = r.body.referrer;\
           document.getElementById('result').hidden = false;\
           document.getElementById('agree').disabled = true;\
           if (parent !== window) parent.postMessage({{tossd: 'login', authorizationCode: r.body.authorizationCode, referrer: r.body.referrer}}, '*');\
         }});",
        app_id = js(&app.app_id)
    );
    page("토스로 로그인", &body, &script)
}

/// The Toss Pay sheet `checkoutPayment()` opens: the buyer sees the order and authenticates or closes.
async fn pay_sheet(State(state): State<AppState>, SimPath(pay_token): SimPath<String>) -> Response {
    let payment = match store::pay::sheet_view(&state.db, &pay_token).await {
        Ok(Some(payment)) => payment,
        Ok(None) => return not_found("그런 결제가 없어요."),
        Err(e) => return failed(e),
    };
    let (product, amount, status, mode) = (
        payment.product_desc,
        payment.amount,
        payment.status.as_str(),
        payment.mode.as_str(),
    );
    let body = format!(
        "<p class=\"product\" id=\"product\">{}</p><p class=\"amount\"><b id=\"amount\">{}</b>원</p>\
         <p class=\"meta\">{} · 상태 <span id=\"status\">{}</span></p>\
         <div class=\"buttons\"><button id=\"pay-money\" class=\"primary\">토스머니로 결제</button>\
         <button id=\"pay-card\">카드로 결제</button><button id=\"close\">닫기</button></div>\
         <p id=\"done\" hidden>결제 인증이 끝났어요. 가맹점 서버가 execute-payment를 호출하면 결제가 완료돼요.</p>\
         <p id=\"error\" class=\"error\" hidden></p>",
        escape(&product),
        group_digits(amount),
        escape(mode),
        escape(status)
    );
    // Opened by the web-framework drop-in (ait_sdk.rs), the sheet also tells the page that embeds it.
    let script = format!(
        "const token = {token};\
         async function act(path, body) {{\
           const r = await simCall('/sim/v1/pay/' + encodeURIComponent(token) + path, body);\
           if (!r.ok) return showError(r.body);\
           document.getElementById('status').textContent = r.body.payStatus;\
           document.querySelectorAll('.buttons button').forEach(b => b.disabled = true);\
           if (r.body.payStatus === 'PAY_APPROVED') document.getElementById('done').hidden = false;\
           if (parent !== window) parent.postMessage({{tossd: 'pay', payStatus: r.body.payStatus}}, '*');\
         }}\
         document.getElementById('pay-money').addEventListener('click', () => act('/approve', {{payMethod: 'TOSS_MONEY'}}));\
         document.getElementById('pay-card').addEventListener('click', () => act('/approve', {{payMethod: 'CARD'}}));\
         document.getElementById('close').addEventListener('click', () => act('/cancel', {{}}));",
        token = js(&pay_token)
    );
    page("토스페이", &body, &script)
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WindowQuery {
    customer_key: Option<String>,
    amount: Option<String>,
    order_id: Option<String>,
    order_name: Option<String>,
    success_url: Option<String>,
    fail_url: Option<String>,
}

/// The BrandPay window `requestPayment()` opens: the customer picks a registered method, types the
/// payment password, and is sent to the merchant's successUrl or failUrl as the SDK does.
async fn brandpay_window(
    State(state): State<AppState>,
    SimQuery(query): SimQuery<WindowQuery>,
) -> Response {
    let (Some(customer_key), Some(amount), Some(order_id), Some(order_name)) = (
        &query.customer_key,
        &query.amount,
        &query.order_id,
        &query.order_name,
    ) else {
        return (
            StatusCode::BAD_REQUEST,
            page(
                "브랜드페이",
                "<p id=\"error\">customerKey, amount, orderId, orderName이 필요해요.</p>",
                "",
            ),
        )
            .into_response();
    };
    let methods = match store::brandpay::window_methods(&state.db, customer_key).await {
        Ok(methods) => methods,
        Err(e) => return failed(e),
    };
    let mut body = format!(
        "<p class=\"product\">{}</p><p class=\"amount\"><b>{}</b>원</p><fieldset id=\"methods\"><legend>결제수단</legend>",
        escape(order_name),
        escape(amount)
    );
    if methods.is_empty() {
        body.push_str("<p class=\"empty\">등록된 결제수단이 없어요.</p>");
    }
    for (i, method) in methods.iter().enumerate() {
        let id = &method.id;
        let label = match &method.details {
            MethodDetails::Card(card) => format!("{} {}", card.card_name, card.card_number),
            MethodDetails::Account(account) => {
                format!("{} {}", account.account_name, account.account_number)
            }
        };
        body.push_str(&format!(
            "<label><input type=\"radio\" name=\"method\" value=\"{id}\"{}> {}</label>",
            if i == 0 { " checked" } else { "" },
            escape(&label),
            id = escape(id)
        ));
    }
    body.push_str(
        "</fieldset><label>결제 비밀번호 <input id=\"password\" type=\"password\" inputmode=\"numeric\" maxlength=\"6\"></label>\
         <div class=\"buttons\"><button id=\"pay\" class=\"primary\">결제하기</button><button id=\"close\">닫기</button></div>\
         <section id=\"result\" hidden><p>paymentKey <code id=\"payment-key\"></code></p>\
         <p class=\"hint\">가맹점 서버가 confirm을 호출하면 결제가 완료돼요.</p></section>\
         <p id=\"error\" class=\"error\" hidden></p>",
    );
    let script = format!(
        "const order = {{customerKey: {customer_key}, amount: {amount}, orderId: {order_id}, orderName: {order_name}}};\
         const successUrl = {success}, failUrl = {fail};\
         function toFail(code, message) {{\
           if (!failUrl) return showError({{error: {{code, message}}}});\
           const u = new URL(failUrl, location.href); u.searchParams.set('code', code); u.searchParams.set('message', message);\
           u.searchParams.set('orderId', order.orderId); location.href = u.toString();\
         }}\
         document.getElementById('pay').addEventListener('click', async () => {{\
           const picked = document.querySelector('input[name=method]:checked');\
           if (!picked) return showError({{error: {{code: 'NOT_FOUND_METHOD', message: '결제수단을 골라 주세요.'}}}});\
           const amount = Number(order.amount);\
           const r = await simCall('/sim/v1/brandpay/payments', {{...order, amount, methodId: picked.value,\
             password: document.getElementById('password').value}});\
           if (!r.ok) {{\
             if (r.body && r.body.error && r.body.error.code === 'INVALID_PASSWORD') return showError(r.body);\
             return toFail(r.body.error.code, r.body.error.message);\
           }}\
           if (successUrl) {{\
             const u = new URL(successUrl, location.href);\
             for (const k of ['paymentKey', 'orderId', 'amount']) u.searchParams.set(k, r.body[k]);\
             location.href = u.toString(); return;\
           }}\
           document.getElementById('payment-key').textContent = r.body.paymentKey;\
           document.getElementById('result').hidden = false;\
           document.getElementById('pay').disabled = true;\
         }});\
         document.getElementById('close').addEventListener('click', () => toFail('PAY_PROCESS_CANCELED', '사용자에 의해 결제가 취소되었습니다.'));",
        customer_key = js(customer_key),
        amount = js(amount),
        order_id = js(order_id),
        order_name = js(order_name),
        success = query.success_url.as_deref().map(js).unwrap_or_else(|| "null".into()),
        fail = query.fail_url.as_deref().map(js).unwrap_or_else(|| "null".into()),
    );
    page("브랜드페이", &body, &script)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn script_strings_cannot_close_the_script() {
        assert_eq!(js("</script>"), "\"\\u003c/script>\"");
        assert_eq!(js("a\"b"), "\"a\\\"b\"");
    }
}
