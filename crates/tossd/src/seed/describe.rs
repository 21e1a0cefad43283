//! The seeded data as a Markdown page: what `tossd serve --print-seed` prints, and `docs/seeded-data.md`
//! (a test keeps the page equal to this rendering of the default seed).

use std::fmt::Write;

use crate::config::SeedConfig;
use crate::domain::brandpay::{self, PromotionType};
use crate::domain::iap::DEFAULT_PRODUCTS;
use crate::domain::login::PII_AAD;
use crate::domain::messages::{self, Channel};
use crate::store::brandpay::catalogue;
use crate::web::html::group_digits as amount;

use super::{
    DefaultApp, DEFAULT_APP_NAME, DEFAULT_MERCHANT_NAME, DEFAULT_MID, SEED_PROMOTIONS,
    SEED_TEMPLATES, SEED_USERS,
};

/// What a new or reset database holds with `config`, as Markdown.
pub fn describe(config: &SeedConfig) -> String {
    let mut out = String::new();
    // Writing to a String cannot fail.
    let _ = write_page(&mut out, config);
    out
}

/// A derived value, or where to read it when the seed is random.
fn derived(config: &SeedConfig, value: String, where_to_look: &str) -> String {
    if config.deriver.is_random() {
        format!("drawn at random when the database is created (`{where_to_look}`)")
    } else {
        format!("`{value}`")
    }
}

fn write_page(out: &mut String, config: &SeedConfig) -> std::fmt::Result {
    writeln!(out, "# Seeded data")?;
    writeln!(out)?;
    writeln!(
        out,
        "<!-- Generated: `cargo run -q -- serve --print-seed > docs/seeded-data.md`. A test keeps it equal \
         to src/seed.rs. -->"
    )?;
    writeln!(out)?;
    writeln!(
        out,
        "What a new tossd database holds, and what `POST /sim/v1/reset` writes again. The ids and keys \
         derive from `--seed` (default `tossd`, so they are the same on every machine; `random` draws them), \
         the merchant's keys from `--secret-key` / `--client-key` when given. `tossd serve --print-seed` \
         prints this page for its flags and exits."
    )?;

    writeln!(out)?;
    writeln!(out, "## Toss users")?;
    writeln!(out)?;
    writeln!(
        out,
        "| userKey | name | phone | birthday | gender | email | marketing consent |"
    )?;
    writeln!(out, "|---|---|---|---|---|---|---|")?;
    for user in SEED_USERS {
        writeln!(
            out,
            "| `{}` | {} | +82 {} | {} | {} | {} | {} |",
            user.user_key,
            user.name,
            user.phone,
            user.birthday,
            user.gender.as_str(),
            user.email.unwrap_or("none"),
            if user.marketing_consent { "yes" } else { "no" },
        )?;
    }
    writeln!(out)?;
    writeln!(
        out,
        "Any of them logs in to an app with `POST /sim/v1/login {{\"userKey\": …}}` ([login.md](login.md)); \
         `POST /sim/v1/users` adds users (fields left out are generated). Push notifications are on for all."
    )?;

    let app = DefaultApp::derive(&config.deriver);
    writeln!(out)?;
    writeln!(out, "## The default partner app")?;
    writeln!(out)?;
    writeln!(
        out,
        "Every Apps-in-Toss call over plain HTTP is this app's; `default` names it wherever the simulator \
         takes an `appId` (`GET /sim/v1/apps/default`)."
    )?;
    writeln!(out)?;
    writeln!(out, "| field | value |")?;
    writeln!(out, "|---|---|")?;
    writeln!(out, "| name | {DEFAULT_APP_NAME} |")?;
    let look = "GET /sim/v1/apps/default";
    writeln!(out, "| appId | {} |", derived(config, app.app_id, look))?;
    writeln!(
        out,
        "| clientId (the `aud` of its access tokens) | {} |",
        derived(config, app.client_id, look)
    )?;
    writeln!(
        out,
        "| decryptionKey (login-me, AES-256-GCM) | {} |",
        derived(config, app.pii_key, look)
    )?;
    writeln!(out, "| aad | `{PII_AAD}` |")?;
    writeln!(
        out,
        "| Toss Pay merchant key | a private key: payments are made, executed and refunded |"
    )?;

    writeln!(out)?;
    writeln!(out, "### Toss points promotions")?;
    writeln!(out)?;
    writeln!(
        out,
        "| promotionCode | budget | at most per grant | state | settles |"
    )?;
    writeln!(out, "|---|---|---|---|---|")?;
    for &(code, budget, max) in SEED_PROMOTIONS {
        writeln!(
            out,
            "| `{code}` | {} | {} | RUNNING | at once |",
            amount(budget),
            amount(max)
        )?;
    }

    writeln!(out)?;
    writeln!(out, "### Smart message templates")?;
    writeln!(out)?;
    writeln!(
        out,
        "`context` must give every variable of the text; `userName` falls back to the user's name."
    )?;
    writeln!(out)?;
    writeln!(
        out,
        "| templateSetCode | kind | status | channels | text | variables |"
    )?;
    writeln!(out, "|---|---|---|---|---|---|")?;
    let channels = Channel::ALL
        .iter()
        .map(|c| c.as_str())
        .collect::<Vec<_>>()
        .join(", ");
    for &(code, kind, status, text) in SEED_TEMPLATES {
        let variables = messages::variables(text)
            .iter()
            .map(|v| format!("`{v}`"))
            .collect::<Vec<_>>()
            .join(", ");
        writeln!(
            out,
            "| `{code}` | {} | {} | {channels} | {text} | {variables} |",
            kind.as_str(),
            status.as_str()
        )?;
    }

    writeln!(out)?;
    writeln!(out, "### In-app purchase products")?;
    writeln!(out)?;
    writeln!(out, "| sku | name | kind | price |")?;
    writeln!(out, "|---|---|---|---|")?;
    for product in DEFAULT_PRODUCTS {
        writeln!(
            out,
            "| `{}` | {} | {} | {} |",
            product.sku,
            product.name,
            product.kind.as_str(),
            amount(product.sale_price())
        )?;
    }

    let (client_key, secret_key) = config.default_merchant_keys();
    let look = "GET /sim/v1/merchants/default";
    let key = |given: bool, value: String| {
        if given {
            format!("`{value}`")
        } else {
            derived(config, value, look)
        }
    };
    writeln!(out)?;
    writeln!(out, "## The default merchant")?;
    writeln!(out)?;
    writeln!(
        out,
        "Toss Payments calls with its secret key (Basic auth, the key followed by `:`) are its, in test \
         mode; `default` names it wherever the simulator takes an `mId`."
    )?;
    writeln!(out)?;
    writeln!(out, "| field | value |")?;
    writeln!(out, "|---|---|")?;
    writeln!(out, "| mId | `{DEFAULT_MID}` |")?;
    writeln!(out, "| name | {DEFAULT_MERCHANT_NAME} |")?;
    writeln!(
        out,
        "| client key | {} |",
        key(config.client_key.is_some(), client_key)
    )?;
    writeln!(
        out,
        "| secret key | {} |",
        key(config.secret_key.is_some(), secret_key)
    )?;

    writeln!(out)?;
    writeln!(out, "### BrandPay terms")?;
    writeln!(out)?;
    writeln!(
        out,
        "All required, version {}.",
        catalogue::SEED_TERMS_VERSION
    )?;
    writeln!(out)?;
    writeln!(out, "| termsId | scope | title |")?;
    writeln!(out, "|---|---|---|")?;
    for terms in catalogue::TERMS {
        writeln!(
            out,
            "| {} | {} | {} |",
            terms.id,
            terms.scope.as_str(),
            terms.title
        )?;
    }

    writeln!(out)?;
    writeln!(out, "### BrandPay promotions")?;
    writeln!(out)?;
    writeln!(
        out,
        "Test mode, every one due {}; each discount has a balance of {}.",
        catalogue::SEED_DUE_DATE,
        amount(
            catalogue::PROMOTIONS
                .iter()
                .find_map(|p| p.balance)
                .unwrap_or_default()
        )
    )?;
    writeln!(out)?;
    writeln!(
        out,
        "| type | company | discount | discountCode | payment amount | interest-free months |"
    )?;
    writeln!(out, "|---|---|---|---|---|---|")?;
    for p in catalogue::PROMOTIONS {
        let company = match p.kind {
            PromotionType::BankDiscount => brandpay::bank_by_code(p.company_code).map(|b| b.name),
            PromotionType::CardDiscount
            | PromotionType::CardInterestFree
            | PromotionType::CardPoint => brandpay::card_company(p.company_code).map(|c| c.name),
        };
        let range = match p.maximum_payment_amount {
            Some(max) => format!("{}–{}", amount(p.minimum_payment_amount), amount(max)),
            None => format!("from {}", amount(p.minimum_payment_amount)),
        };
        writeln!(
            out,
            "| {} | {} {} | {} | {} | {range} | {} |",
            p.kind.as_str(),
            p.company_code,
            company.unwrap_or_default(),
            p.discount_amount.map(amount).unwrap_or_default(),
            p.discount_code
                .map(|c| format!("`{c}`"))
                .unwrap_or_default(),
            p.installment_free_months.unwrap_or_default(),
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::secrets::SeedDeriver;

    fn config(seed: &str, secret_key: Option<&str>) -> SeedConfig {
        SeedConfig {
            deriver: SeedDeriver::new(seed),
            secret_key: secret_key.map(str::to_owned),
            client_key: None,
            clock_start: None,
        }
    }

    #[test]
    fn lists_every_seeded_user_template_and_variable() {
        let page = describe(&config("tossd", None));
        for user in SEED_USERS {
            assert!(page.contains(&format!("| `{}` |", user.user_key)));
        }
        assert!(page.contains("| `ALERT_OTP_TEMPLATE` | FUNCTIONAL | APPROVED | PUSH, INBOX |"));
        assert!(page.contains("| `userName`, `otp` |"));
        assert!(page.contains("| `userName`, `eventName` |"));
        let (_, secret) = config("tossd", None).default_merchant_keys();
        assert!(page.contains(&format!("| secret key | `{secret}` |")));
    }

    #[test]
    fn random_seeds_and_given_keys_are_said_as_they_are() {
        let page = describe(&config("random", Some("test_sk_given")));
        assert!(page.contains("| appId | drawn at random when the database is created"));
        assert!(page.contains("| secret key | `test_sk_given` |"));
        assert!(page.contains("| client key | drawn at random"));
    }
}
