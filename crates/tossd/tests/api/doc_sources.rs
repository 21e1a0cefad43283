//! Docs that restate the code are checked against it: README's flag table against `tossd serve --help`
//! (clap's definitions), docs/seeded-data.md against the seed (`tossd serve --print-seed`) and a fresh
//! server.

use clap::CommandFactory;
use reqwest::Method;
use serde_json::{json, Map, Value};
use tossd::config::{Cli, SeedConfig};
use tossd::domain::secrets::SeedDeriver;

use crate::common::{link_user, post_as, TestEnv};
use crate::on_both_backends;

fn read(path: &str) -> String {
    let file = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(path);
    std::fs::read_to_string(&file).unwrap_or_else(|e| panic!("{}: {e}", file.display()))
}

/// Text without backticks, case or repeated spaces, for comparing README's Markdown with clap's help.
fn unticked(text: &str) -> String {
    text.replace('`', "")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

/// Whether README's `meaning` says what `help` says, or its start (up to a clause boundary): README may
/// be shorter, never different.
fn says_no_more(meaning: &str, help: &str) -> bool {
    let (meaning, help) = (unticked(meaning), unticked(help));
    help.strip_prefix(&meaning)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with([';', ',', '.', ' ']))
}

/// A row of README's flag table: the cells between the pipes, trimmed.
fn cells(row: &str) -> Vec<String> {
    row.trim()
        .trim_matches('|')
        .split(" | ")
        .map(|c| c.trim().to_owned())
        .collect()
}

/// What README's row for a flag must say, from clap's definition.
struct Expected {
    flag: String,
    env: String,
    default: Option<String>,
    help: String,
    row: String,
}

fn serve_flags() -> Vec<Expected> {
    let cli = Cli::command();
    let serve = cli.find_subcommand("serve").expect("the serve command");
    serve
        .get_arguments()
        .filter(|arg| !arg.is_hide_set())
        .filter_map(|arg| {
            let flag = format!("--{}", arg.get_long()?);
            let env = arg
                .get_env()
                .map_or("—".to_owned(), |e| format!("`{}`", e.to_string_lossy()));
            let defaults = arg.get_default_values();
            let default = match (defaults.first(), arg.get_action()) {
                (Some(value), _) => Some(format!("`{}`", value.to_string_lossy())),
                (None, clap::ArgAction::SetTrue) => Some("off".to_owned()),
                _ => None,
            };
            let help = arg
                .get_long_help()
                .or(arg.get_help())
                .map(ToString::to_string)
                .unwrap_or_default();
            let row = format!(
                "| `{flag}` | {env} | {} | {help} |",
                default.as_deref().unwrap_or("none")
            );
            Some(Expected {
                flag,
                env,
                default,
                help,
                row,
            })
        })
        .collect()
}

#[test]
fn readme_flag_table_matches_serve_help() {
    let readme = read("README.md");
    let rows: Vec<Vec<String>> = readme
        .lines()
        .filter(|line| line.starts_with("| `--"))
        .map(cells)
        .collect();
    let flags = serve_flags();
    let mut problems = Vec::new();
    for expected in &flags {
        let Some(row) = rows.iter().find(|r| r[0] == format!("`{}`", expected.flag)) else {
            problems.push(format!(
                "README.md has no row for {}; add to the table under \"## Configuration\":\n{}",
                expected.flag, expected.row
            ));
            continue;
        };
        let replace = |what: &str| {
            format!(
                "README.md's row for {}: {what}; the row `tossd serve --help` gives is\n{}",
                expected.flag, expected.row
            )
        };
        if row.len() != 4 {
            problems.push(replace("it needs four cells (flag, env, default, meaning)"));
            continue;
        }
        if row[1] != expected.env {
            problems.push(replace(&format!(
                "the variable is {}, not {}",
                expected.env, row[1]
            )));
        }
        match &expected.default {
            Some(default) if row[2] != *default => problems.push(replace(&format!(
                "the default is {default}, not {}",
                row[2]
            ))),
            None if row[2] != "none" && !unticked(&expected.help).contains(&unticked(&row[2])) => {
                problems.push(replace(&format!(
                    "the default {:?} is neither `none` nor what the help says",
                    row[2]
                )))
            }
            _ => {}
        }
        if !says_no_more(&row[3], &expected.help) {
            problems.push(replace(&format!(
                "the meaning must read as the help does, or as its start (backticks aside): {:?}",
                expected.help
            )));
        }
    }
    for row in &rows {
        if !flags.iter().any(|f| row[0] == format!("`{}`", f.flag)) {
            problems.push(format!(
                "README.md's row for {} names no flag of `tossd serve`; remove it",
                row[0]
            ));
        }
    }
    assert!(problems.is_empty(), "\n{}", problems.join("\n\n"));
}

fn default_seed() -> SeedConfig {
    SeedConfig {
        deriver: SeedDeriver::new("tossd"),
        secret_key: None,
        client_key: None,
        clock_start: None,
    }
}

#[test]
fn seeded_data_page_is_what_print_seed_prints() {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_tossd"))
        .args(["serve", "--print-seed"])
        .env_remove("TOSSD_SEED")
        .env_remove("TOSSD_SECRET_KEY")
        .env_remove("TOSSD_CLIENT_KEY")
        .output()
        .expect("tossd runs");
    assert!(output.status.success());
    let printed = String::from_utf8(output.stdout).expect("UTF-8");
    assert_eq!(printed, tossd::seed::describe(&default_seed()));
    assert!(
        read("docs/seeded-data.md") == printed,
        "docs/seeded-data.md differs from the seed; regenerate it: \
         cargo run -q -- serve --print-seed > docs/seeded-data.md"
    );
}

on_both_backends!(seeded_data_page_describes_a_fresh_server);

/// The value of a `| field | value |` row of the page.
fn field<'a>(page: &'a str, name: &str) -> &'a str {
    page.lines()
        .find_map(|l| l.strip_prefix(&format!("| {name} | ")))
        .and_then(|rest| rest.strip_suffix(" |"))
        .unwrap_or_else(|| panic!("docs/seeded-data.md lists no {name}"))
        .trim_matches('`')
}

async fn seeded_data_page_describes_a_fresh_server(env: TestEnv) {
    let page = tossd::seed::describe(&default_seed());
    let app = env
        .sim(Method::GET, "/sim/v1/apps/default", Value::Null)
        .await;
    let (app_part, merchant_part) = page
        .split_once("## The default merchant")
        .expect("a merchant section");
    assert_eq!(app["name"], field(app_part, "name"));
    assert_eq!(app["appId"], field(app_part, "appId"));
    assert_eq!(
        app["clientId"],
        field(app_part, "clientId (the `aud` of its access tokens)")
    );
    assert_eq!(
        app["decryptionKey"],
        field(app_part, "decryptionKey (login-me, AES-256-GCM)")
    );
    assert_eq!(app["aad"], field(app_part, "aad"));
    let merchant = env
        .sim(Method::GET, "/sim/v1/merchants/default", Value::Null)
        .await;
    assert_eq!(merchant["mId"], field(merchant_part, "mId"));
    assert_eq!(merchant["name"], field(merchant_part, "name"));
    assert_eq!(merchant["clientKey"], field(merchant_part, "client key"));
    assert_eq!(merchant["secretKey"], field(merchant_part, "secret key"));

    let section = |title: &str| -> Vec<Vec<String>> {
        let start = page.find(title).unwrap_or_else(|| panic!("{title}"));
        page[start..]
            .lines()
            .skip_while(|l| !l.starts_with('|'))
            .skip(2)
            .take_while(|l| l.starts_with('|'))
            .map(cells)
            .collect()
    };
    for user in section("## Toss users") {
        let key = user[0].trim_matches('`');
        let shown = env
            .sim(Method::GET, &format!("/sim/v1/users/{key}"), Value::Null)
            .await;
        assert_eq!(shown["name"], user[1], "{key}");
        assert_eq!(
            format!(
                "+{} {}",
                shown["callingCode"].as_str().unwrap(),
                shown["phone"].as_str().unwrap()
            ),
            user[2]
        );
        // Every seeded user can log in.
        link_user(&env, key.parse().expect("a userKey")).await;
    }
    // Each template sends with exactly the variables the page lists (userName from the profile).
    for template in section("### Smart message templates") {
        let code = template[0].trim_matches('`');
        let mut context = Map::new();
        for variable in template[5].split(", ").map(|v| v.trim_matches('`')) {
            if variable != "userName" {
                context.insert(variable.to_owned(), json!("x"));
            }
        }
        let r = post_as(
            &env,
            "/api-partner/v1/apps-in-toss/messenger/send-message",
            123456789,
            &json!({"templateSetCode": code, "context": context}),
        )
        .await;
        let status = if template[2] == "APPROVED" { 200 } else { 403 };
        assert_eq!(r.status, status, "{code}: {}", r.text);
        if let Some(variable) = context.keys().next().cloned() {
            context.remove(&variable);
            let r = post_as(
                &env,
                "/api-partner/v1/apps-in-toss/messenger/send-message",
                123456789,
                &json!({"templateSetCode": code, "context": context}),
            )
            .await;
            assert_eq!(r.status, 400, "{code} without {variable}: {}", r.text);
        }
    }
    for promotion in section("### Toss points promotions") {
        let code = promotion[0].trim_matches('`');
        let shown = env
            .sim(
                Method::GET,
                &format!("/sim/v1/promotions/{code}"),
                Value::Null,
            )
            .await;
        assert_eq!(shown["budget"].to_string(), promotion[1].replace(',', ""));
        assert_eq!(
            shown["maxAmountPerGrant"].to_string(),
            promotion[2].replace(',', "")
        );
        assert_eq!(shown["state"], promotion[3]);
    }
}
