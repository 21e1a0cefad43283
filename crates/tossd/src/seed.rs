//! Reference data written on first start and again by `POST /sim/v1/reset` (docs/reference.md §6).

use chrono::Utc;

use crate::clock::Clock;
use crate::config::SeedConfig;
use crate::domain::login::{Gender, Nationality, PII_AAD};
use crate::domain::messages::{Channel, TemplateKind, TemplateStatus};
use crate::domain::promotions::PromotionState;
use crate::domain::secrets::{self, SeedDeriver};
use crate::domain::time::Instant;
use crate::state::AppState;
use crate::store::apps::NewApp;
use crate::store::messages::Template;
use crate::store::promotions::NewPromotion;
use crate::store::users::NewUser;
use crate::store::{self, Db, Tx};

mod describe;

pub use describe::describe;

pub const DEFAULT_MID: &str = "tosspayments";
const DEFAULT_MERCHANT_NAME: &str = "토스페이먼츠";
const DEFAULT_APP_NAME: &str = "default";

/// The default app's identifiers, derived from the seed.
struct DefaultApp {
    app_id: String,
    client_id: String,
    pii_key: String,
}

impl DefaultApp {
    fn derive(d: &SeedDeriver) -> DefaultApp {
        DefaultApp {
            app_id: format!("ait_{}", d.lower_alnum("app.default.id", 16)),
            client_id: d.lower_alnum("app.default.client_id", 32),
            pii_key: d.base64("app.default.pii_key", 32),
        }
    }
}

/// A seeded Toss user (docs/reference.md §6.2).
struct SeedUser {
    user_key: i64,
    name: &'static str,
    phone: &'static str,
    birthday: &'static str,
    gender: Gender,
    email: Option<&'static str>,
    ci_prefix: &'static str,
    marketing_consent: bool,
}

const SEED_USERS: &[SeedUser] = &[
    SeedUser {
        user_key: 123456789,
        name: "홍길동",
        phone: "1012345678",
        birthday: "19900101",
        gender: Gender::Male,
        email: Some("user@example.com"),
        ci_prefix: "aaf7cb53",
        marketing_consent: true,
    },
    SeedUser {
        user_key: 87654321,
        name: "김철수",
        phone: "1098765432",
        birthday: "19850315",
        gender: Gender::Male,
        email: Some("chulsoo@example.com"),
        ci_prefix: "",
        marketing_consent: true,
    },
    SeedUser {
        user_key: 443731103,
        name: "이영희",
        phone: "1055551234",
        birthday: "19951120",
        gender: Gender::Female,
        email: None,
        ci_prefix: "",
        marketing_consent: false,
    },
];

/// Seeds a new database once, even when several processes start together, and makes the default
/// merchant's keys match the configuration on every start.
pub async fn ensure_seeded(db: &Db, config: &SeedConfig) -> anyhow::Result<()> {
    let mut tx = db.begin().await?;
    let created = store::identity::create_instance(
        &mut tx,
        &secrets::random_instance_key(),
        Utc::now().timestamp_micros(),
    )
    .await?;
    if created {
        write_defaults(&mut tx, config).await?;
    } else {
        sync_default_merchant_keys(&mut tx, config).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Reset as the simulator and the dashboard do it: queued journal entries are written first (so they
/// are wiped too), then every object is wiped and the defaults written again, and this process stops
/// applying the wiped fault rules at once (other processes within their refresh bound).
pub async fn reset_serving(state: &AppState) -> anyhow::Result<()> {
    state.journal.flush().await;
    reset(&state.db, &state.seed).await?;
    state.faults.reload(&state.db).await?;
    Ok(())
}

/// Wipes every object and writes the defaults again.
async fn reset(db: &Db, config: &SeedConfig) -> anyhow::Result<()> {
    let mut tx = db.begin().await?;
    db.wipe(&mut tx).await?;
    write_defaults(&mut tx, config).await?;
    tx.commit().await?;
    Ok(())
}

async fn write_defaults(tx: &mut Tx, config: &SeedConfig) -> anyhow::Result<()> {
    let start = config
        .clock_start
        .unwrap_or_else(|| Instant(Utc::now().timestamp_micros() / 1_000_000 * 1_000_000));
    Clock::reset(tx, start).await?;
    let app = DefaultApp::derive(&config.deriver);

    store::apps::insert_app(
        tx,
        &NewApp {
            app_id: &app.app_id,
            name: DEFAULT_APP_NAME,
            client_id: &app.client_id,
            pii_key: &app.pii_key,
            aad: PII_AAD,
            is_default: true,
            created_at: start,
        },
    )
    .await?;

    for user in SEED_USERS {
        let inserted = store::users::insert_user(
            &mut **tx,
            &NewUser {
                user_key: user.user_key,
                name: user.name,
                calling_code: "82",
                phone: user.phone,
                birthday: user.birthday,
                gender: user.gender,
                nationality: Nationality::Local,
                email: user.email,
                ci: &config.ci(&user.user_key.to_string(), user.ci_prefix),
                push_enabled: true,
                marketing_consent: user.marketing_consent,
                created_at: start,
            },
        )
        .await?;
        anyhow::ensure!(inserted, "seed user {} is listed twice", user.user_key);
    }

    let merchant_id =
        store::merchants::insert(tx, DEFAULT_MID, DEFAULT_MERCHANT_NAME, true, start).await?;
    let (client_key, secret_key) = config.default_merchant_keys();
    store::merchants::insert_keys(tx, merchant_id, &client_key, &secret_key).await?;
    seed_promotions_and_templates(tx, start).await?;
    let default_app = store::apps::default_app_id(&mut **tx)
        .await?
        .ok_or_else(|| anyhow::anyhow!("the default app was not written"))?;
    store::pay::set_private_merchant_key(tx, &default_app).await?;
    store::iap::insert_products(tx, &default_app, crate::domain::iap::DEFAULT_PRODUCTS).await?;
    store::brandpay::seed_catalogue(tx, merchant_id, start).await?;
    Ok(())
}

/// The default app's promotions (docs/reference.md §6.3): code, budget, largest single grant.
const SEED_PROMOTIONS: &[(&str, i64, i64)] = &[
    ("DEFAULT_PROMOTION", 1_000_000, 10_000),
    ("01JPPJ6SB66BQXXDAKRQZ6SZD7", 100_000, 1_000),
];

/// The default app's message templates (docs/reference.md §6.4), each on push and inbox.
const SEED_TEMPLATES: &[(&str, TemplateKind, TemplateStatus, &str)] = &[
    (
        "ALERT_OTP_TEMPLATE",
        TemplateKind::Functional,
        TemplateStatus::Approved,
        "[{{userName}}님] 인증번호는 {{otp}}예요. 타인에게 알려주지 마세요.",
    ),
    (
        "EVENT_MARKETING_TEMPLATE",
        TemplateKind::Marketing,
        TemplateStatus::Approved,
        "{{userName}}님, {{eventName}} 이벤트가 시작됐어요.",
    ),
    (
        "REVIEW_PENDING_TEMPLATE",
        TemplateKind::Functional,
        TemplateStatus::InReview,
        "{{userName}}님, 주문이 접수됐어요.",
    ),
];

/// Running promotions that settle at once, and the templates, of the default app.
async fn seed_promotions_and_templates(tx: &mut Tx, start: Instant) -> Result<(), sqlx::Error> {
    let Some(app_id) = store::apps::default_app_id(&mut **tx).await? else {
        return Ok(());
    };
    for &(promotion_code, budget, max) in SEED_PROMOTIONS {
        let promotion = NewPromotion {
            promotion_code,
            budget,
            max_amount_per_grant: Some(max),
            state: PromotionState::Running,
            settle_delay_seconds: 0,
        };
        store::promotions::put(&mut **tx, &app_id, &promotion, start).await?;
    }
    for &(code, kind, status, text) in SEED_TEMPLATES {
        let template = Template {
            template_set_code: code.to_owned(),
            text: text.to_owned(),
            kind,
            status,
            channels: Channel::ALL.to_vec(),
        };
        store::messages::put_template(&mut **tx, &app_id, &template, start).await?;
    }
    Ok(())
}

/// The default merchant's keys follow the configuration (`--secret-key`, `--client-key`) on every start.
async fn sync_default_merchant_keys(tx: &mut Tx, config: &SeedConfig) -> anyhow::Result<()> {
    let Some(merchant) = store::merchants::default_merchant(&mut **tx).await? else {
        return Ok(());
    };
    let (client_key, secret_key) = config.default_merchant_keys();
    store::merchants::replace_keys(tx, merchant.id, &client_key, &secret_key).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config() -> SeedConfig {
        SeedConfig {
            deriver: SeedDeriver::new("tossd"),
            secret_key: None,
            client_key: None,
            clock_start: None,
        }
    }

    #[test]
    fn seeded_keys_have_the_documented_shape() {
        let (ck, sk) = config().default_merchant_keys();
        assert!(ck.starts_with("test_ck_") && ck.len() == 36, "{ck}");
        assert!(sk.starts_with("test_sk_") && sk.len() == 36, "{sk}");
        assert_eq!(config().default_merchant_keys(), (ck, sk));
    }

    #[test]
    fn ci_is_88_characters_with_the_documented_prefix() {
        let ci = config().ci("123456789", "aaf7cb53");
        assert_eq!(ci.len(), 88);
        assert!(ci.starts_with("aaf7cb53"));
    }
}
