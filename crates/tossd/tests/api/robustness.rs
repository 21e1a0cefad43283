//! Robustness: a panic inside a handler and a stored row that no longer decodes are answered in the
//! family's 500 envelope, and the server keeps serving.

use axum::routing::get;
use axum::Router;
use reqwest::Method;
use serde_json::{json, Value};
use tossd::state::AppState;

use crate::common::{assert_resp, exec_sql, link_user, run_serving, Backend, TestEnv};
use crate::on_both_backends;

on_both_backends!(
    a_stored_row_that_does_not_decode_answers_the_family_500,
    clock_advances_beyond_100_years_are_refused,
    unique_constraint_names_match_the_schema,
);

fn internal_ait() -> Value {
    json!({"resultType": "FAIL", "success": null, "error": {
        "errorType": 0, "errorCode": "INTERNAL_ERROR", "reason": "요청을 처리하는 도중에 문제가 발생했습니다.",
        "data": {}, "title": null}})
}

fn internal_tp() -> Value {
    json!({"code": "COMMON_ERROR", "message": "일시적인 오류가 발생했습니다. 잠시 후 다시 시도해주세요."})
}

/// Routes that panic, one under each family's prefix.
fn panicking_routes() -> Router<AppState> {
    async fn boom() -> &'static str {
        panic!("a test route panics on purpose")
    }
    Router::new()
        .route("/api-partner/v1/apps-in-toss/test/panic", get(boom))
        .route("/v1/test/panic", get(boom))
        .route("/sim/v1/test/panic", get(boom))
}

async fn a_panicking_handler_answers_the_family_500(env: TestEnv) {
    for _ in 0..2 {
        let r = env
            .get("/api-partner/v1/apps-in-toss/test/panic", &[])
            .await;
        assert_eq!((r.status, &r.body), (500, &internal_ait()), "{}", r.text);
        assert_eq!(r.headers["content-type"], "application/json;charset=UTF-8");

        let r = env.get("/v1/test/panic", &[]).await;
        assert_eq!((r.status, &r.body), (500, &internal_tp()), "{}", r.text);

        let r = env.get("/sim/v1/test/panic", &[]).await;
        assert_eq!(
            (r.status, &r.body),
            (
                500,
                &json!({"error": {"code": "INTERNAL", "message": "internal error"}})
            ),
            "{}",
            r.text
        );
    }
    // The connection pool and the server survive: ordinary calls still answer.
    let r = env.get("/healthz", &[]).await;
    assert_eq!((r.status, &r.body), (200, &json!({"status": "ok"})));
    let auth = env.merchant_basic().await;
    let r = env
        .get("/v1/payments/abc", &[("authorization", &auth)])
        .await;
    assert_eq!(r.status, 404);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_panicking_handler_answers_the_family_500_on_sqlite() {
    run_serving(
        Backend::Sqlite,
        &[],
        panicking_routes(),
        a_panicking_handler_answers_the_family_500,
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_panicking_handler_answers_the_family_500_on_postgres() {
    run_serving(
        Backend::Postgres,
        &[],
        panicking_routes(),
        a_panicking_handler_answers_the_family_500,
    )
    .await;
}

async fn a_stored_row_that_does_not_decode_answers_the_family_500(env: TestEnv) {
    // Toss Payments: a payment whose stored document is no longer JSON.
    let auth = env.merchant_basic().await;
    let payment = env.approved_payment("order-robust-1", 1000, 0).await;
    let key = payment["paymentKey"]
        .as_str()
        .expect("paymentKey")
        .to_owned();
    exec_sql(
        &env,
        &format!("UPDATE tp_payments SET payment = 'not json' WHERE payment_key = '{key}'"),
    )
    .await;
    let r = env
        .get(&format!("/v1/payments/{key}"), &[("authorization", &auth)])
        .await;
    assert_eq!((r.status, &r.body), (500, &internal_tp()), "{}", r.text);

    // Apps-in-Toss: a Toss Pay payment whose stored status is not one Toss has.
    link_user(&env, 123456789).await;
    let pay = "/api-partner/v1/apps-in-toss/pay";
    let user = [("x-toss-user-key", "123456789")];
    let r = env
        .post(
            &format!("{pay}/make-payment"),
            &user,
            &json!({"orderNo": "robust-1", "productDesc": "p", "amount": 1000, "amountTaxFree": 0,
                    "isTestPayment": true}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let token = r.body["success"]["payToken"]
        .as_str()
        .expect("payToken")
        .to_owned();
    exec_sql(
        &env,
        &format!("UPDATE ait_payments SET status = 'NOT_A_STATUS' WHERE pay_token = '{token}'"),
    )
    .await;
    let r = env
        .post(
            &format!("{pay}/get-payment-status"),
            &user,
            &json!({"payToken": token, "isTestPayment": true}),
        )
        .await;
    assert_eq!((r.status, &r.body), (500, &internal_ait()), "{}", r.text);

    // Nothing else is affected.
    let r = env.get("/healthz", &[]).await;
    assert_eq!(r.status, 200);
    let r = env.request(Method::GET, "/sim/v1/clock", &[], None).await;
    assert_eq!(r.status, 200);
}

async fn clock_advances_beyond_100_years_are_refused(env: TestEnv) {
    let before = env.get("/sim/v1/clock", &[]).await;
    assert_eq!(before.status, 200);
    let refused = json!({"error": {"code": "INVALID_REQUEST",
        "message": "seconds must be a whole number from 0 to 3153600000 (100 years)"}});
    for seconds in [
        json!(4611686018427387904_i64),
        json!(9000000000000_i64),
        json!(3153600001_i64),
        json!(-1),
    ] {
        let r = env
            .post("/sim/v1/clock/advance", &[], &json!({ "seconds": seconds }))
            .await;
        assert_resp(&r, 400, &refused);
    }
    // Nothing moved, and the largest allowed advance still works.
    let after = env.get("/sim/v1/clock", &[]).await;
    let year = |r: &crate::common::Resp| r.body["now"].as_str().map(|now| now[..4].to_owned());
    assert_eq!(year(&after), year(&before), "{}", after.text);
    let r = env
        .post(
            "/sim/v1/clock/advance",
            &[],
            &json!({"seconds": 3153600000_i64}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert!(
        r.body["now"].as_str().is_some_and(|now| now.len() == 27),
        "{}",
        r.text
    );
}

/// Owners recognise a unique violation by the constraint's name (`store::UNIQUE_CONSTRAINTS`): every name
/// there must be a unique index of the migrated schema, on exactly its table and columns.
async fn unique_constraint_names_match_the_schema(env: TestEnv) {
    let pool = env.db().await;
    for unique in tossd::store::UNIQUE_CONSTRAINTS {
        let columns: Vec<String> = match env.backend() {
            Backend::Postgres => sqlx::query_scalar(
                "SELECT a.attname::TEXT FROM pg_index i \
                 JOIN pg_class ix ON ix.oid = i.indexrelid JOIN pg_class t ON t.oid = i.indrelid \
                 JOIN pg_namespace n ON n.oid = t.relnamespace \
                 JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, position) ON TRUE \
                 JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum \
                 WHERE i.indisunique AND n.nspname = current_schema() AND t.relname = $1 AND ix.relname = $2 \
                 ORDER BY k.position",
            )
            .bind(unique.table)
            .bind(unique.name)
            .fetch_all(&pool)
            .await
            .expect("the PostgreSQL catalogue answers"),
            Backend::Sqlite => {
                // SQLite reports violations by table and columns: some unique index must have exactly them.
                let indexes: Vec<String> = sqlx::query_scalar(
                    "SELECT name FROM pragma_index_list($1) WHERE \"unique\" = 1",
                )
                .bind(unique.table)
                .fetch_all(&pool)
                .await
                .expect("SQLite lists the indexes");
                let mut found = Vec::new();
                for index in indexes {
                    let cols: Vec<String> =
                        sqlx::query_scalar("SELECT name FROM pragma_index_info($1) ORDER BY seqno")
                            .bind(&index)
                            .fetch_all(&pool)
                            .await
                            .expect("SQLite describes the index");
                    if cols == unique.columns {
                        found = cols;
                    }
                }
                found
            }
        };
        assert_eq!(columns, unique.columns, "unique constraint {}", unique.name);
    }
    pool.close().await;
}
