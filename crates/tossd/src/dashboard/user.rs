//! `/dashboard/users/{userKey}`: a Toss user — profile, consent and points, the apps it is linked to, its
//! login consents, its Toss Pay payments, the callbacks that mention it and the requests that touched it.

use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::Response;

use super::{
    fields, journal_entries, object_link, section, webhooks, won, yes_no, Lang, Page, View,
};
use crate::state::AppState;
use crate::store::{self, Db};
use crate::web::html::{escape, group_digits};

pub async fn page(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(user_key): Path<String>,
    Query(view): Query<View>,
) -> Response {
    let lang = Lang::of(&headers);
    let content = match user_key.parse::<i64>() {
        Ok(key) => content(&state.db, lang, key).await,
        Err(_) => Ok(None),
    };
    Page {
        lang,
        title: format!("{} {user_key}", lang.t("토스 사용자", "Toss user")),
        before: String::new(),
        after: journal_entries(&user_key, lang),
        polls: true,
        view: &view,
    }
    .respond(&state, content)
    .await
}

async fn content(db: &Db, lang: Lang, user_key: i64) -> Result<Option<String>, sqlx::Error> {
    let Some(u) = store::users::user(db.reader(), user_key).await? else {
        return Ok(None);
    };
    let links = store::users::links_of_user(db, user_key).await?;
    let consents = store::users::consents_of_user(db, user_key, 50).await?;
    let payments = store::pay::of_user(db, user_key, 50).await?;
    // Callbacks carry the userKey as a JSON number.
    let deliveries =
        store::outbox::deliveries_mentioning(db, &format!("\"userKey\":{user_key}"), 50).await?;
    let t = |ko, en| lang.t(ko, en);
    let mut out = fields(
        "state",
        t("상태", "State"),
        &[
            ("user-key", "userKey", u.user_key.to_string()),
            ("name", t("이름", "Name"), escape(&u.name)),
            ("phone", t("전화", "Phone"), escape(&u.phone)),
            (
                "email",
                t("이메일", "Email"),
                escape(u.email.as_deref().unwrap_or("-")),
            ),
            (
                "points",
                t("포인트", "Points"),
                group_digits(u.points_balance),
            ),
            ("push", t("푸시", "Push"), yes_no(lang, u.push_enabled)),
            (
                "marketing-consent",
                t("마케팅 동의", "Marketing consent"),
                yes_no(lang, u.marketing_consent),
            ),
            (
                "withdrawn",
                t("탈퇴", "Withdrawn"),
                yes_no(lang, u.withdrawn),
            ),
        ],
    );
    out.push_str(&section(
        "links",
        t("연결된 앱", "Linked apps"),
        &["appId", t("연결", "Linked"), "sub"],
        &links
            .iter()
            .map(|l| {
                vec![
                    escape(&l.app_id),
                    yes_no(lang, l.linked),
                    escape(l.sub.as_deref().unwrap_or_default()),
                ]
            })
            .collect::<Vec<_>>(),
        lang,
    ));
    out.push_str(&section(
        "consents",
        t("로그인 동의", "Login consents"),
        &[
            "appId",
            t("동의 항목", "Scopes"),
            t("동의 시각", "Granted"),
            t("철회", "Revoked"),
        ],
        &consents
            .iter()
            .map(|c| {
                vec![
                    escape(&c.app_id),
                    escape(&c.scopes),
                    c.issued_at.tp(),
                    yes_no(lang, c.revoked),
                ]
            })
            .collect::<Vec<_>>(),
        lang,
    ));
    out.push_str(&section(
        "user-payments",
        t("토스페이 결제", "Toss Pay payments"),
        &[
            t("생성", "Created"),
            "payToken",
            "orderNo",
            t("상태", "Status"),
            t("금액", "Amount"),
        ],
        &payments
            .iter()
            .map(|p| {
                vec![
                    p.created_at.tp(),
                    object_link("pay", &p.pay_token),
                    escape(&p.order_no),
                    escape(&p.status),
                    won(p.amount),
                ]
            })
            .collect::<Vec<_>>(),
        lang,
    ));
    out.push_str(&webhooks(&deliveries, lang));
    Ok(Some(out))
}
