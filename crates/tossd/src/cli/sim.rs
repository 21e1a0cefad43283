//! `tossd sim`: a running tossd's simulator API (`/sim/v1`, DESIGN.md) from the command line, the way
//! Stripe CLI's `stripe trigger` drives Stripe's test mode. Each verb is one call (`trigger` reads the
//! clock and the default merchant first, to write a realistic payload); the output is a few `key: value`
//! lines, or the API's JSON answer as it came with `--json`.

use std::fmt;
use std::time::Duration;

use clap::{Args, Subcommand, ValueEnum};
use reqwest::header::CONTENT_TYPE;
use reqwest::{Method, Url};
use serde_json::{json, Map, Value};

use crate::domain::secrets;

/// `tossd sim`: calls to a running tossd's simulator API (`/sim/v1`), as its user or operator.
#[derive(Debug, Args)]
pub struct SimArgs {
    /// Base URL of the running tossd
    #[arg(
        long,
        env = "TOSSD_URL",
        default_value = "http://127.0.0.1:8700",
        global = true,
        help_heading = "Global options"
    )]
    pub url: String,

    /// Admin token of that tossd (its --admin-token), sent as `Authorization: Bearer`
    #[arg(
        long,
        env = "TOSSD_ADMIN_TOKEN",
        hide_env_values = true,
        global = true,
        help_heading = "Global options"
    )]
    pub admin_token: Option<String>,

    /// Print the API's JSON answer as it came, for scripts
    #[arg(long, global = true, help_heading = "Global options")]
    pub json: bool,

    #[command(subcommand)]
    pub command: SimCommand,
}

#[derive(Debug, Subcommand)]
pub enum SimCommand {
    /// The user logs in to a mini-app and agrees (what appLogin() does); prints the authorization code
    /// and referrer a partner server exchanges for tokens
    Login {
        /// The Toss user (a seeded one such as 123456789, or one made with POST /sim/v1/users)
        user_key: i64,
        /// The mini-app's appId; the default app when absent
        #[arg(long)]
        app: Option<String>,
        /// Scopes the user consents to (comma-separated, e.g. USER_NAME,USER_PHONE); all of the app's when absent
        #[arg(long, value_delimiter = ',')]
        scopes: Option<Vec<String>>,
        /// Tags of the app's login terms the user agrees to (comma-separated); all of them when absent
        #[arg(long, value_delimiter = ',')]
        terms: Option<Vec<String>>,
        /// DEFAULT (the Toss app) or SANDBOX
        #[arg(long)]
        referrer: Option<String>,
    },
    /// The buyer authenticates a Toss Pay payment in the pay sheet (checkoutPayment()): PAY_APPROVED
    Approve {
        /// The payToken make-payment answered
        pay_token: String,
        /// CARD or TOSS_MONEY; TOSS_MONEY when the payment allows it
        #[arg(long)]
        method: Option<String>,
        /// Card company code 1–10 (not 9); 2 (현대카드) when absent
        #[arg(long)]
        card_company: Option<i64>,
        /// Installment months (2–36) for card payments of at least 50,000 made with installment USE
        #[arg(long)]
        installment: Option<i64>,
        /// Toss points used
        #[arg(long)]
        points: Option<i64>,
        /// Instant discount
        #[arg(long)]
        discount: Option<i64>,
        /// Bank code of the Toss Money account; 092 (토스뱅크) when absent
        #[arg(long)]
        bank: Option<String>,
    },
    /// The BrandPay customer registers a card in the BrandPay window (signing up if needed)
    RegisterCard {
        /// The customer's customerKey
        customer_key: String,
        /// Issuer code (docs/reference.md §6.9); 61 (현대카드) when absent
        #[arg(long)]
        issuer: Option<String>,
        /// Acquirer code; the issuer code when absent
        #[arg(long)]
        acquirer: Option<String>,
        /// Card number, 14–19 digits; generated when absent
        #[arg(long)]
        number: Option<String>,
        /// credit (신용, the default), check (체크) or gift (기프트)
        #[arg(long = "type", value_parser = parse_card_type)]
        card_type: Option<String>,
        /// personal (개인, the default) or corporate (법인)
        #[arg(long, value_parser = parse_owner_type)]
        owner: Option<String>,
        /// Card name; the issuer's name when absent
        #[arg(long)]
        name: Option<String>,
        /// The customer's alias for the card
        #[arg(long)]
        alias: Option<String>,
        /// Smallest amount paid in installments; 50000 when absent
        #[arg(long)]
        installment_minimum: Option<i64>,
        /// The merchant's mId; the default merchant when absent
        #[arg(long)]
        merchant: Option<String>,
    },
    /// Move the server's clock forward: 30s, 10m, 2h, 3d, 1h30m or plain seconds
    Advance {
        /// How far: a number with s, m, h or d (combined as in 1d12h), or plain seconds
        #[arg(value_parser = parse_duration)]
        duration: i64,
    },
    /// Show the server's business time and clock mode
    Clock,
    /// Record a webhook or callback event with a realistic payload; it is delivered like real ones
    #[command(after_help = "Examples:
  tossd sim trigger PAYMENT_STATUS_CHANGED --status PARTIAL_CANCELED --amount 30000
  tossd sim trigger METHOD_UPDATED --customer-key customer-1 --status DISABLED
  tossd sim trigger UNLINK_CALLBACK --user-key 123456789 --referrer WITHDRAWAL_TERMS")]
    Trigger(TriggerArgs),
    /// Wipe all state and reseed the defaults
    Reset,
}

#[derive(Debug, Args)]
pub struct TriggerArgs {
    /// The event type
    #[arg(value_enum, ignore_case = true)]
    pub event: TriggerEvent,
    /// The status the event reports (the first one listed for the event type when absent)
    #[arg(long)]
    pub status: Option<String>,
    /// PAYMENT_STATUS_CHANGED: the paymentKey; generated when absent
    #[arg(long)]
    pub payment_key: Option<String>,
    /// PAYMENT_STATUS_CHANGED: the orderId; generated when absent
    #[arg(long)]
    pub order_id: Option<String>,
    /// PAYMENT_STATUS_CHANGED: the orderName; 토스 티셔츠 외 2건 when absent
    #[arg(long)]
    pub order_name: Option<String>,
    /// PAYMENT_STATUS_CHANGED: the totalAmount; 10000 when absent
    #[arg(long, value_parser = clap::value_parser!(i64).range(1..))]
    pub amount: Option<i64>,
    /// METHOD_UPDATED, CUSTOMER_STATUS_CHANGED: the customerKey; generated when absent
    #[arg(long)]
    pub customer_key: Option<String>,
    /// METHOD_UPDATED: the methodKey; generated when absent
    #[arg(long)]
    pub method_key: Option<String>,
    /// UNLINK_CALLBACK: the userKey; 123456789 when absent
    #[arg(long)]
    pub user_key: Option<i64>,
    /// UNLINK_CALLBACK: UNLINK (the default), WITHDRAWAL_TERMS or WITHDRAWAL_TOSS
    #[arg(long)]
    pub referrer: Option<String>,
    /// Toss Payments events: this JSON object as the event's `data` instead of a generated one
    #[arg(long)]
    pub data: Option<String>,
}

/// What `tossd sim trigger` can record (docs/reference.md §4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TriggerEvent {
    /// A Toss Payments payment changed: data is the full Payment (--status DONE, CANCELED, PARTIAL_CANCELED, ABORTED or EXPIRED)
    #[value(name = "PAYMENT_STATUS_CHANGED")]
    PaymentStatusChanged,
    /// A BrandPay payment method changed (--status ENABLED, DISABLED or ALIAS_UPDATED)
    #[value(name = "METHOD_UPDATED")]
    MethodUpdated,
    /// A BrandPay customer's status changed (--status CREATED, REMOVED, PASSWORD_CHANGED, ONE_TOUCH_ACTIVATED or ONE_TOUCH_DEACTIVATED)
    #[value(name = "CUSTOMER_STATUS_CHANGED")]
    CustomerStatusChanged,
    /// The default app's unlink callback (--referrer UNLINK, WITHDRAWAL_TERMS or WITHDRAWAL_TOSS)
    #[value(name = "UNLINK_CALLBACK")]
    UnlinkCallback,
}

impl TriggerEvent {
    fn wire(self) -> &'static str {
        match self {
            TriggerEvent::PaymentStatusChanged => "PAYMENT_STATUS_CHANGED",
            TriggerEvent::MethodUpdated => "METHOD_UPDATED",
            TriggerEvent::CustomerStatusChanged => "CUSTOMER_STATUS_CHANGED",
            TriggerEvent::UnlinkCallback => "UNLINK_CALLBACK",
        }
    }

    /// The `data.status` values the event reports, the default first (docs/reference.md §4.3–4.5).
    fn statuses(self) -> &'static [&'static str] {
        match self {
            TriggerEvent::PaymentStatusChanged => {
                &["DONE", "CANCELED", "PARTIAL_CANCELED", "ABORTED", "EXPIRED"]
            }
            TriggerEvent::MethodUpdated => &["ENABLED", "DISABLED", "ALIAS_UPDATED"],
            TriggerEvent::CustomerStatusChanged => &[
                "CREATED",
                "REMOVED",
                "PASSWORD_CHANGED",
                "ONE_TOUCH_ACTIVATED",
                "ONE_TOUCH_DEACTIVATED",
            ],
            TriggerEvent::UnlinkCallback => &[],
        }
    }
}

/// A `--type` of `sim register-card`: the wire value (신용, 체크, 기프트) or its English name.
fn parse_card_type(text: &str) -> Result<String, String> {
    match text.to_lowercase().as_str() {
        "credit" | "신용" => Ok("신용".into()),
        "check" | "체크" => Ok("체크".into()),
        "gift" | "기프트" => Ok("기프트".into()),
        _ => Err("expected credit (신용), check (체크) or gift (기프트)".into()),
    }
}

/// An `--owner` of `sim register-card`: the wire value (개인, 법인) or its English name.
fn parse_owner_type(text: &str) -> Result<String, String> {
    match text.to_lowercase().as_str() {
        "personal" | "개인" => Ok("개인".into()),
        "corporate" | "법인" => Ok("법인".into()),
        _ => Err("expected personal (개인) or corporate (법인)".into()),
    }
}

/// A duration for `sim advance`, in seconds: `30s`, `10m`, `2h`, `3d`, combinations such as `1h30m`,
/// or a plain number of seconds.
pub fn parse_duration(text: &str) -> Result<i64, String> {
    let invalid = || format!("{text:?} is not a duration (30s, 10m, 2h, 3d, 1h30m or seconds)");
    let trimmed = text.trim();
    if !trimmed.is_empty() && trimmed.bytes().all(|b| b.is_ascii_digit()) {
        return trimmed.parse().map_err(|_| invalid());
    }
    let (mut total, mut number) = (0i64, None::<i64>);
    for c in trimmed.chars() {
        if let Some(digit) = c.to_digit(10) {
            let value = number
                .unwrap_or(0)
                .checked_mul(10)
                .and_then(|n| n.checked_add(i64::from(digit)))
                .ok_or_else(invalid)?;
            number = Some(value);
            continue;
        }
        let unit = match c {
            's' => 1,
            'm' => 60,
            'h' => 3600,
            'd' => 86_400,
            _ => return Err(invalid()),
        };
        total = number
            .take()
            .and_then(|n| n.checked_mul(unit))
            .and_then(|seconds| total.checked_add(seconds))
            .ok_or_else(invalid)?;
    }
    // Empty, or digits after the last unit ("1h30"): which unit was meant is a guess.
    if trimmed.is_empty() || number.is_some() {
        return Err(invalid());
    }
    Ok(total)
}

/// Why a command failed; printed to stderr after `error: `.
#[derive(Debug)]
pub(crate) enum Failure {
    /// The simulator (or the operator guard) answered an error.
    Api {
        status: u16,
        code: String,
        message: String,
    },
    /// Nothing answered at the URL.
    Unreachable { url: String, reason: String },
    /// An option the parser cannot check alone (one that does not apply to the event, bad `--data`).
    Usage(String),
}

impl Failure {
    pub(crate) fn exit_code(&self) -> i32 {
        match self {
            Failure::Api { .. } | Failure::Unreachable { .. } => 1,
            // As clap exits on a malformed command line.
            Failure::Usage(_) => 2,
        }
    }

    fn unreachable(base: &Url, error: &reqwest::Error) -> Failure {
        // reqwest's own text names the full URL; the innermost cause says what went wrong.
        let mut cause: &dyn std::error::Error = error;
        while let Some(next) = cause.source() {
            cause = next;
        }
        let reason = if error.is_timeout() {
            "no answer in time".to_owned()
        } else {
            cause.to_string()
        };
        Failure::Unreachable {
            url: base.as_str().trim_end_matches('/').to_owned(),
            reason,
        }
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Failure::Api {
                status,
                code,
                message,
            } => write!(f, "{code}: {message} (HTTP {status})"),
            Failure::Unreachable { url, reason } => {
                write!(f, "could not reach tossd at {url}: {reason}")
            }
            Failure::Usage(message) => f.write_str(message),
        }
    }
}

/// Runs `tossd sim …` and returns the process's exit code: 0, 1 when the call failed, 2 for an option
/// that does not fit.
pub async fn run(args: SimArgs) -> i32 {
    let code = match execute(&args).await {
        Ok(()) => 0,
        Err(failure) => {
            eprintln!("error: {failure}");
            failure.exit_code()
        }
    };
    // The caller exits the process at once, which flushes nothing.
    let _ = std::io::Write::flush(&mut std::io::stdout());
    code
}

/// A successful answer: its text as it came and its JSON.
pub(crate) struct Answer {
    pub(crate) text: String,
    pub(crate) json: Value,
}

pub(crate) struct Client {
    http: reqwest::Client,
    base: Url,
    admin_token: Option<String>,
}

impl Client {
    fn new(args: &SimArgs) -> Result<Client, Failure> {
        Client::connect(&args.url, args.admin_token.clone())
    }

    /// A client of the simulator API at `url`, sending `admin_token` if given (`tossd requests` too).
    pub(crate) fn connect(url: &str, admin_token: Option<String>) -> Result<Client, Failure> {
        let base = Url::parse(url)
            .ok()
            .filter(|url| matches!(url.scheme(), "http" | "https") && url.has_host())
            .ok_or_else(|| {
                Failure::Usage(format!("--url {url:?} is not an http:// or https:// URL"))
            })?;
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(10))
            .timeout(Duration::from_secs(60))
            .build()
            .map_err(|e| Failure::unreachable(&base, &e))?;
        Ok(Client {
            http,
            base,
            admin_token,
        })
    }

    /// `{base}/sim/v1/{segments}`, each segment percent-encoded (a payToken or customerKey is one).
    fn url(&self, segments: &[&str]) -> Url {
        let mut url = self.base.clone();
        url.set_query(None);
        url.set_fragment(None);
        // An http(s) URL with a host always has path segments.
        if let Ok(mut path) = url.path_segments_mut() {
            path.pop_if_empty().extend(["sim", "v1"]).extend(segments);
        }
        url
    }

    async fn call(
        &self,
        method: Method,
        url: Url,
        body: Option<&Value>,
    ) -> Result<Answer, Failure> {
        let mut request = self.http.request(method, url);
        if let Some(token) = &self.admin_token {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request
                .header(CONTENT_TYPE, "application/json")
                .body(body.to_string());
        }
        let response = request
            .send()
            .await
            .map_err(|e| Failure::unreachable(&self.base, &e))?;
        let status = response.status();
        let text = response
            .text()
            .await
            .map_err(|e| Failure::unreachable(&self.base, &e))?;
        let json = serde_json::from_str::<Value>(&text).ok();
        if !status.is_success() {
            let error = json.as_ref().map(|body| &body["error"]);
            let (code, message) = match error.map(|e| (&e["code"], &e["message"])) {
                Some((Value::String(code), Value::String(message))) => {
                    (code.clone(), message.clone())
                }
                _ => (
                    format!("HTTP_{}", status.as_u16()),
                    status.canonical_reason().unwrap_or("error").to_owned(),
                ),
            };
            return Err(Failure::Api {
                status: status.as_u16(),
                code,
                message,
            });
        }
        let json = json.ok_or_else(|| Failure::Api {
            status: status.as_u16(),
            code: "NOT_TOSSD".into(),
            message: format!("the answer is not JSON: is {} a tossd?", self.base),
        })?;
        Ok(Answer { text, json })
    }

    async fn get(&self, segments: &[&str]) -> Result<Answer, Failure> {
        self.call(Method::GET, self.url(segments), None).await
    }

    /// `GET` with a query string.
    pub(crate) async fn get_query(
        &self,
        segments: &[&str],
        query: &[(&str, String)],
    ) -> Result<Answer, Failure> {
        let mut url = self.url(segments);
        url.query_pairs_mut()
            .extend_pairs(query.iter().map(|(k, v)| (*k, v.as_str())));
        self.call(Method::GET, url, None).await
    }

    async fn post(&self, segments: &[&str], body: &Value) -> Result<Answer, Failure> {
        self.call(Method::POST, self.url(segments), Some(body))
            .await
    }
}

/// An object of the fields that are set.
fn object(fields: Vec<(&str, Option<Value>)>) -> Value {
    let map: Map<String, Value> = fields
        .into_iter()
        .filter_map(|(name, value)| value.map(|v| (name.to_owned(), v)))
        .collect();
    Value::Object(map)
}

/// A JSON value as a `key: value` line shows it: text without quotes.
fn shown(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        other => other.to_string(),
    }
}

/// Prints the answer: verbatim with `--json`, else `key: value` for each of `keys` present in `from`.
fn print(json: bool, answer: &Answer, from: &Value, keys: &[&str]) {
    if json {
        println!("{}", answer.text.trim_end());
        return;
    }
    for key in keys {
        match from.get(*key) {
            None | Some(Value::Null) => {}
            Some(value) => println!("{key}: {}", shown(value)),
        }
    }
}

async fn execute(args: &SimArgs) -> Result<(), Failure> {
    let client = Client::new(args)?;
    let json = args.json;
    match &args.command {
        SimCommand::Login {
            user_key,
            app,
            scopes,
            terms,
            referrer,
        } => {
            let body = object(vec![
                ("userKey", Some(json!(user_key))),
                ("appId", app.as_ref().map(|a| json!(a))),
                ("scopes", scopes.as_ref().map(|s| json!(s))),
                ("agreedTerms", terms.as_ref().map(|t| json!(t))),
                ("referrer", referrer.as_ref().map(|r| json!(r))),
            ]);
            let answer = client.post(&["login"], &body).await?;
            print(
                json,
                &answer,
                &answer.json,
                &["authorizationCode", "referrer"],
            );
        }
        SimCommand::Approve {
            pay_token,
            method,
            card_company,
            installment,
            points,
            discount,
            bank,
        } => {
            let body = object(vec![
                (
                    "payMethod",
                    method.as_ref().map(|m| json!(m.to_uppercase())),
                ),
                ("cardCompanyCode", card_company.map(|c| json!(c))),
                ("spreadOut", installment.map(|m| json!(m))),
                ("pointAmount", points.map(|p| json!(p))),
                ("discountAmount", discount.map(|d| json!(d))),
                ("accountBankCode", bank.as_ref().map(|b| json!(b))),
            ]);
            let answer = client.post(&["pay", pay_token, "approve"], &body).await?;
            let keys = ["payToken", "orderNo", "payStatus", "payMethod", "amount"];
            print(json, &answer, &answer.json, &keys);
        }
        SimCommand::RegisterCard {
            customer_key,
            issuer,
            acquirer,
            number,
            card_type,
            owner,
            name,
            alias,
            installment_minimum,
            merchant,
        } => {
            let body = object(vec![
                ("issuerCode", issuer.as_ref().map(|v| json!(v))),
                ("acquirerCode", acquirer.as_ref().map(|v| json!(v))),
                ("cardNumber", number.as_ref().map(|v| json!(v))),
                ("cardType", card_type.as_ref().map(|v| json!(v))),
                ("ownerType", owner.as_ref().map(|v| json!(v))),
                ("cardName", name.as_ref().map(|v| json!(v))),
                ("alias", alias.as_ref().map(|v| json!(v))),
                (
                    "installmentMinimumAmount",
                    installment_minimum.map(|v| json!(v)),
                ),
            ]);
            let mut url = client.url(&["brandpay", "customers", customer_key, "cards"]);
            if let Some(m_id) = merchant {
                url.query_pairs_mut().append_pair("mId", m_id);
            }
            let answer = client.call(Method::POST, url, Some(&body)).await?;
            if !json {
                println!("customerKey: {customer_key}");
            }
            let keys = [
                "id",
                "methodKey",
                "cardName",
                "cardNumber",
                "cardType",
                "status",
            ];
            print(json, &answer, &answer.json, &keys);
        }
        SimCommand::Advance { duration } => {
            let answer = client
                .post(&["clock", "advance"], &json!({"seconds": duration}))
                .await?;
            print(json, &answer, &answer.json, &["now", "nowKst"]);
        }
        SimCommand::Clock => {
            let answer = client.get(&["clock"]).await?;
            print(json, &answer, &answer.json, &["now", "nowKst", "mode"]);
        }
        SimCommand::Trigger(trigger) => {
            let body = test_event(&client, trigger).await?;
            let answer = client.post(&["webhooks", "test-events"], &body).await?;
            let keys = ["id", "transmissionId", "eventType", "state", "targetUrl"];
            print(json, &answer, &answer.json, &keys);
            if !json {
                let payload = &answer.json["payload"];
                let (from, keys): (&Value, &[&str]) = match trigger.event {
                    TriggerEvent::UnlinkCallback => (payload, &["userKey", "referrer"]),
                    _ => (
                        &payload["data"],
                        &[
                            "paymentKey",
                            "orderId",
                            "customerKey",
                            "methodKey",
                            "status",
                        ],
                    ),
                };
                print(false, &answer, from, keys);
            }
        }
        SimCommand::Reset => {
            let answer = client.post(&["reset"], &json!({})).await?;
            if json {
                print(json, &answer, &answer.json, &[]);
            } else {
                println!("reset: tossd holds its seeded data again");
            }
        }
    }
    Ok(())
}

/// The body of `POST /sim/v1/webhooks/test-events` for `trigger`, after checking that its options fit
/// the event.
async fn test_event(client: &Client, trigger: &TriggerArgs) -> Result<Value, Failure> {
    use TriggerEvent::*;
    let event = trigger.event;
    let options: [(&str, bool, &[TriggerEvent]); 10] = [
        (
            "--status",
            trigger.status.is_some(),
            &[PaymentStatusChanged, MethodUpdated, CustomerStatusChanged],
        ),
        (
            "--data",
            trigger.data.is_some(),
            &[PaymentStatusChanged, MethodUpdated, CustomerStatusChanged],
        ),
        (
            "--payment-key",
            trigger.payment_key.is_some(),
            &[PaymentStatusChanged],
        ),
        (
            "--order-id",
            trigger.order_id.is_some(),
            &[PaymentStatusChanged],
        ),
        (
            "--order-name",
            trigger.order_name.is_some(),
            &[PaymentStatusChanged],
        ),
        (
            "--amount",
            trigger.amount.is_some(),
            &[PaymentStatusChanged],
        ),
        (
            "--customer-key",
            trigger.customer_key.is_some(),
            &[MethodUpdated, CustomerStatusChanged],
        ),
        (
            "--method-key",
            trigger.method_key.is_some(),
            &[MethodUpdated],
        ),
        ("--user-key", trigger.user_key.is_some(), &[UnlinkCallback]),
        ("--referrer", trigger.referrer.is_some(), &[UnlinkCallback]),
    ];
    for (flag, given, events) in options {
        if given && !events.contains(&event) {
            return Err(Failure::Usage(format!(
                "{flag} does not apply to {}",
                event.wire()
            )));
        }
    }
    if event == UnlinkCallback {
        return Ok(object(vec![
            ("target", Some(json!("unlink"))),
            ("userKey", trigger.user_key.map(|k| json!(k))),
            (
                "referrer",
                trigger.referrer.as_ref().map(|r| json!(r.to_uppercase())),
            ),
        ]));
    }
    let data = match &trigger.data {
        Some(text) => {
            let shaped = trigger.status.is_some()
                || trigger.payment_key.is_some()
                || trigger.order_id.is_some()
                || trigger.order_name.is_some()
                || trigger.amount.is_some()
                || trigger.customer_key.is_some()
                || trigger.method_key.is_some();
            if shaped {
                return Err(Failure::Usage(
                    "--data is the whole data object: leave out the options that make one".into(),
                ));
            }
            match serde_json::from_str::<Value>(text) {
                Ok(data @ Value::Object(_)) => data,
                _ => return Err(Failure::Usage("--data must be a JSON object".into())),
            }
        }
        None => generated_data(client, trigger).await?,
    };
    Ok(json!({"target": "merchant", "eventType": event.wire(), "data": data}))
}

/// A realistic `data` for a Toss Payments event, dated by the server's clock (docs/reference.md §4.3–4.5).
async fn generated_data(client: &Client, trigger: &TriggerArgs) -> Result<Value, Failure> {
    let event = trigger.event;
    let status = match &trigger.status {
        None => event.statuses()[0].to_owned(),
        Some(text) => {
            let status = text.to_uppercase();
            if !event.statuses().contains(&status.as_str()) {
                return Err(Failure::Usage(format!(
                    "--status of {} must be one of {}",
                    event.wire(),
                    event.statuses().join(", ")
                )));
            }
            status
        }
    };
    let now = client.get(&["clock"]).await?.json["nowKst"].clone();
    let customer_key = || {
        trigger
            .customer_key
            .clone()
            .unwrap_or_else(|| secrets::random_alnum(20))
    };
    Ok(match event {
        TriggerEvent::PaymentStatusChanged => {
            let merchant = client.get(&["merchants", "default"]).await?.json;
            let amount = trigger.amount.unwrap_or(10_000);
            if status == "PARTIAL_CANCELED" && amount < 2 {
                return Err(Failure::Usage(
                    "a PARTIAL_CANCELED payment needs an --amount of at least 2".into(),
                ));
            }
            let payment_key = trigger
                .payment_key
                .clone()
                .unwrap_or_else(|| secrets::random_alnum(48));
            let receipt = format!(
                "{}/sim/receipts/{payment_key}",
                client.base.as_str().trim_end_matches('/')
            );
            payment(&PaymentFacts {
                m_id: shown(&merchant["mId"]),
                order_id: trigger
                    .order_id
                    .clone()
                    .unwrap_or_else(|| format!("order-{}", secrets::random_alnum(16))),
                order_name: trigger
                    .order_name
                    .clone()
                    .unwrap_or_else(|| "토스 티셔츠 외 2건".to_owned()),
                payment_key,
                amount,
                status: &status,
                now: &now,
                receipt_url: receipt,
            })
        }
        TriggerEvent::MethodUpdated => json!({
            "customerKey": customer_key(),
            "methodKey": trigger.method_key.clone().unwrap_or_else(|| secrets::random_alnum(48)),
            "status": status,
        }),
        TriggerEvent::CustomerStatusChanged => {
            json!({"customerKey": customer_key(), "status": status, "changedAt": now})
        }
        TriggerEvent::UnlinkCallback => Value::Null,
    })
}

/// What a generated Payment is made of.
struct PaymentFacts<'a> {
    m_id: String,
    payment_key: String,
    order_id: String,
    order_name: String,
    amount: i64,
    /// One of `TriggerEvent::PaymentStatusChanged.statuses()`.
    status: &'a str,
    /// The server's time, `+09:00` form, used for every time in the Payment.
    now: &'a Value,
    receipt_url: String,
}

/// 32 upper-case hex digits, as Toss's transaction keys.
fn transaction_key() -> String {
    secrets::random_bytes(16)
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect()
}

/// A card BrandPay Payment (docs/reference.md §2.6.1) in `facts.status`, every field present: `DONE`
/// approved, `CANCELED` wholly and `PARTIAL_CANCELED` half refunded, `ABORTED` declined by the card
/// company, `EXPIRED` never authenticated.
fn payment(facts: &PaymentFacts<'_>) -> Value {
    let status = facts.status;
    let approved = matches!(status, "DONE" | "CANCELED" | "PARTIAL_CANCELED");
    let cancelled = match status {
        "CANCELED" => facts.amount,
        "PARTIAL_CANCELED" => facts.amount / 2,
        _ => 0,
    };
    let balance = facts.amount - cancelled;
    // round_half_up(balance / 11), as tossd computes the VAT.
    let vat = (2 * balance + 11) / 22;
    let approval_key = transaction_key();
    let cancels = (cancelled > 0).then(|| {
        json!([{
            "cancelAmount": cancelled, "cancelReason": "고객 변심", "taxFreeAmount": 0,
            "taxExemptionAmount": 0, "refundableAmount": balance, "cardDiscountAmount": 0,
            "transferDiscountAmount": 0, "easyPayDiscountAmount": 0, "canceledAt": facts.now,
            "transactionKey": transaction_key(), "receiptKey": null, "cancelStatus": "DONE",
            "cancelRequestId": null,
        }])
    });
    let last_key = match (&cancels, status) {
        (Some(cancels), _) => cancels[0]["transactionKey"].clone(),
        (None, "EXPIRED") => Value::Null,
        (None, _) => json!(approval_key),
    };
    let card = approved.then(|| {
        json!({
            "issuerCode": "61", "acquirerCode": "31", "number": "43301234****123*",
            "installmentPlanMonths": 0, "isInterestFree": false, "interestPayer": null,
            "approveNo": "00000000", "useCardPoint": false, "cardType": "신용", "ownerType": "개인",
            "acquireStatus": if status == "CANCELED" { "CANCELED" } else { "READY" },
            "amount": facts.amount,
        })
    });
    let failure = (status == "ABORTED")
        .then(|| json!({"code": "REJECT_CARD_COMPANY", "message": "결제 승인이 거절되었습니다."}));
    json!({
        "mId": facts.m_id, "version": "2024-06-01", "paymentKey": facts.payment_key,
        "status": status, "transactionKey": last_key, "lastTransactionKey": last_key,
        "orderId": facts.order_id, "orderName": facts.order_name, "requestedAt": facts.now,
        "approvedAt": if approved { facts.now.clone() } else { Value::Null },
        "useEscrow": false, "cultureExpense": false, "card": card, "virtualAccount": null,
        "transfer": null, "mobilePhone": null, "giftCertificate": null, "cashReceipt": null,
        "cashReceipts": null, "discount": null, "cancels": cancels,
        "secret": format!("ps_{}", secrets::random_alnum(28)), "type": "BRANDPAY", "easyPay": null,
        "easyPayAmount": null, "easyPayDiscountAmount": null, "country": "KR", "failure": failure,
        "isPartialCancelable": true,
        "receipt": if approved { json!({"url": facts.receipt_url}) } else { Value::Null },
        "checkout": null, "currency": "KRW", "totalAmount": facts.amount, "balanceAmount": balance,
        "suppliedAmount": balance - vat, "vat": vat, "taxFreeAmount": 0, "taxExemptionAmount": 0,
        "metadata": null, "method": if status == "EXPIRED" { Value::Null } else { json!("카드") },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_units_and_plain_seconds() {
        for (text, seconds) in [
            ("0", 0),
            ("90", 90),
            ("30s", 30),
            ("10m", 600),
            ("2h", 7200),
            ("3d", 259_200),
            ("1h30m", 5400),
            ("1d12h", 129_600),
            (" 45s ", 45),
            ("0m", 0),
        ] {
            assert_eq!(parse_duration(text), Ok(seconds), "{text:?}");
        }
    }

    #[test]
    fn durations_refuse_what_is_not_one() {
        for text in [
            "",
            " ",
            "-5",
            "-5m",
            "1.5h",
            "10x",
            "m",
            "1h30",
            "10 m",
            "1w",
            "10M",
            "+5",
            "99999999999999999999",
            "9999999999999999d",
        ] {
            let error = parse_duration(text).expect_err(text);
            assert!(error.contains("is not a duration"), "{text:?}: {error}");
        }
    }

    #[test]
    fn card_fields_take_english_or_the_wire_value() {
        assert_eq!(parse_card_type("CHECK").as_deref(), Ok("체크"));
        assert_eq!(parse_card_type("기프트").as_deref(), Ok("기프트"));
        assert!(parse_card_type("debit").is_err());
        assert_eq!(parse_owner_type("corporate").as_deref(), Ok("법인"));
        assert!(parse_owner_type("company").is_err());
    }

    fn facts<'a>(status: &'a str, now: &'a Value) -> PaymentFacts<'a> {
        PaymentFacts {
            m_id: "tosspayments".into(),
            payment_key: "k".repeat(48),
            order_id: "order-1".into(),
            order_name: "토스 티셔츠".into(),
            amount: 15_000,
            status,
            now,
            receipt_url: "http://127.0.0.1:8700/sim/receipts/k".into(),
        }
    }

    #[test]
    fn generated_payments_are_consistent_with_their_status() {
        let now = json!("2026-01-02T03:04:05+09:00");
        let done = payment(&facts("DONE", &now));
        assert_eq!(done["approvedAt"], now);
        assert_eq!(
            (
                &done["balanceAmount"],
                &done["vat"],
                &done["suppliedAmount"]
            ),
            (&json!(15_000), &json!(1364), &json!(13_636))
        );
        assert_eq!(done["card"]["acquireStatus"], "READY");
        assert_eq!(done["transactionKey"], done["lastTransactionKey"]);
        assert!(done["cancels"].is_null() && done["failure"].is_null());

        let partial = payment(&facts("PARTIAL_CANCELED", &now));
        assert_eq!(partial["balanceAmount"], 7500);
        assert_eq!(partial["cancels"][0]["cancelAmount"], 7500);
        assert_eq!(partial["cancels"][0]["refundableAmount"], 7500);
        assert_eq!(
            partial["lastTransactionKey"],
            partial["cancels"][0]["transactionKey"]
        );

        let canceled = payment(&facts("CANCELED", &now));
        assert_eq!(
            (&canceled["balanceAmount"], &canceled["vat"]),
            (&json!(0), &json!(0))
        );
        assert_eq!(canceled["card"]["acquireStatus"], "CANCELED");

        let aborted = payment(&facts("ABORTED", &now));
        assert_eq!(aborted["failure"]["code"], "REJECT_CARD_COMPANY");
        assert!(aborted["card"].is_null() && aborted["approvedAt"].is_null());

        let expired = payment(&facts("EXPIRED", &now));
        assert!(expired["method"].is_null() && expired["lastTransactionKey"].is_null());
        assert!(expired["receipt"].is_null());
    }
}
