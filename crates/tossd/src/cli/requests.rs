//! `tossd requests`: a running tossd's request journal (`GET /sim/v1/requests`, docs/journal.md) one line
//! per call, oldest first, like `stripe logs tail`; `--follow` keeps polling and prints new calls as they
//! are journaled until interrupted.

use std::time::Duration;

use clap::Args;
use serde_json::Value;

use crate::cli::sim::{Client, Failure};

/// How often `--follow` asks for new entries.
const POLL: Duration = Duration::from_millis(500);

#[derive(Debug, Args)]
pub struct RequestsArgs {
    /// Base URL of the running tossd
    #[arg(long, env = "TOSSD_URL", default_value = "http://127.0.0.1:8700")]
    pub url: String,

    /// Admin token of that tossd (its --admin-token), sent as `Authorization: Bearer`
    #[arg(long, env = "TOSSD_ADMIN_TOKEN", hide_env_values = true)]
    pub admin_token: Option<String>,

    /// Print each entry as the API's JSON, one per line
    #[arg(long)]
    pub json: bool,

    /// Keep printing new calls as they come, until interrupted
    #[arg(long, short)]
    pub follow: bool,

    /// How many of the newest calls to print first (at most 500)
    #[arg(long, default_value_t = 20, value_parser = clap::value_parser!(u16).range(1..=500))]
    pub limit: u16,

    /// Only calls whose path starts with this, or matches it as a glob (`/v1/payments/*/cancel`)
    #[arg(long)]
    pub path: Option<String>,

    /// Only calls of this HTTP method
    #[arg(long)]
    pub method: Option<String>,

    /// Only calls answered with this status (404) or class (4xx)
    #[arg(long)]
    pub status: Option<String>,

    /// Only calls that touched this id (paymentKey, payToken, orderId, orderNo, customerKey, userKey, methodKey)
    #[arg(long)]
    pub object: Option<String>,
}

/// Runs `tossd requests …`; returns the exit code (0, 1 when a call failed, 2 for a bad `--url`).
pub async fn run(args: RequestsArgs) -> i32 {
    let code = match execute(&args).await {
        Ok(()) => 0,
        Err(failure) => {
            eprintln!("error: {failure}");
            failure.exit_code()
        }
    };
    let _ = std::io::Write::flush(&mut std::io::stdout());
    code
}

async fn execute(args: &RequestsArgs) -> Result<(), Failure> {
    let client = Client::connect(&args.url, args.admin_token.clone())?;
    let first = page(&client, args, usize::from(args.limit), None).await?;
    let mut last = first.first().map_or(0, id);
    print_oldest_first(args.json, &first);
    if !args.follow {
        return Ok(());
    }
    loop {
        tokio::time::sleep(POLL).await;
        // Pages back from the newest until the last entry printed.
        let mut fresh: Vec<Value> = Vec::new();
        let mut cursor = None;
        loop {
            let entries = page(&client, args, 500, cursor.clone()).await?;
            let done = entries.len() < 500;
            let before = fresh.len();
            fresh.extend(entries.into_iter().take_while(|e| id(e) > last));
            if done || fresh.len() - before < 500 {
                break;
            }
            cursor = fresh.last().map(|e| id(e).to_string());
        }
        if let Some(newest) = fresh.first() {
            last = id(newest);
        }
        print_oldest_first(args.json, &fresh);
    }
}

fn id(entry: &Value) -> i64 {
    entry["id"].as_i64().unwrap_or(0)
}

/// One page of entries, newest first.
async fn page(
    client: &Client,
    args: &RequestsArgs,
    limit: usize,
    cursor: Option<String>,
) -> Result<Vec<Value>, Failure> {
    let mut query = vec![("limit", limit.to_string())];
    let filters = [
        ("path", &args.path),
        ("method", &args.method),
        ("status", &args.status),
        ("object", &args.object),
        ("cursor", &cursor),
    ];
    for (name, value) in filters {
        if let Some(value) = value {
            query.push((name, value.clone()));
        }
    }
    let answer = client.get_query(&["requests"], &query).await?;
    Ok(answer.json["requests"]
        .as_array()
        .cloned()
        .unwrap_or_default())
}

fn print_oldest_first(json: bool, newest_first: &[Value]) {
    for entry in newest_first.iter().rev() {
        if json {
            println!("{entry}");
        } else {
            println!("{}", line(entry));
        }
    }
    let _ = std::io::Write::flush(&mut std::io::stdout());
}

/// `AT  METHOD PATH  STATUS  DURATION  kind=id …`, and the near miss of a call that matched no route.
pub fn line(entry: &Value) -> String {
    let text = |key: &str| entry[key].as_str().unwrap_or("").to_owned();
    let mut out = format!(
        "{}  {} {}  {}  {:.1}ms",
        text("at"),
        text("method"),
        text("path"),
        entry["status"],
        entry["durationMs"].as_f64().unwrap_or(0.0),
    );
    if let Some(objects) = entry["objects"].as_object() {
        for (kind, id) in objects {
            out.push_str(&format!("  {kind}={}", id.as_str().unwrap_or("")));
        }
    }
    if let Some(route) = entry["nearMiss"]["route"].as_str() {
        out.push_str(&format!(
            "  (near miss: {route}: {})",
            entry["nearMiss"]["reason"].as_str().unwrap_or("")
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_shows_time_call_status_duration_and_objects() {
        let entry = serde_json::json!({
            "id": 3, "at": "2026-12-01T00:00:00.000000Z", "method": "POST",
            "path": "/v1/payments/pk_1/cancel", "status": 200, "durationMs": 2.345,
            "objects": {"orderId": "o-1", "paymentKey": "pk_1"}, "nearMiss": null,
        });
        assert_eq!(
            line(&entry),
            "2026-12-01T00:00:00.000000Z  POST /v1/payments/pk_1/cancel  200  2.3ms  orderId=o-1  paymentKey=pk_1"
        );
    }
}
