//! Command line and environment configuration. Every `serve` flag has a `TOSSD_*` variable.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::parser::ValueSource;
use clap::{ArgMatches, Args, CommandFactory, FromArgMatches, Parser, Subcommand, ValueEnum};

use crate::domain::secrets::SeedDeriver;
use crate::domain::time::Instant;

#[derive(Debug, Parser)]
#[command(
    name = "tossd",
    version,
    about = "A local, stateful Toss: the Apps-in-Toss partner API and the Toss Payments BrandPay API",
    long_about = "tossd serves the Apps-in-Toss partner API (Toss login, Toss Pay, in-app purchases, \
Toss points promotions, smart messages) and the Toss Payments BrandPay API on one port, backed by SQLite \
or PostgreSQL, with a simulator that plays the user's side. Point your server's Toss base URLs at it."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

// Parsed once at start; boxing the serve arguments would buy nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Start the server (migrates and seeds the database on first start)
    Serve(ServeArgs),
    /// Manage Apps-in-Toss partner apps
    #[command(subcommand)]
    Apps(AppsCommand),
    /// Manage Toss Payments merchants
    #[command(subcommand)]
    Merchants(MerchantsCommand),
    /// Run a command (a test suite) against a fresh tossd: a temporary database and a free port, passed in
    /// TOSSD_URL, TOSSD_SECRET_KEY, …; exits with the command's status
    #[command(
        mut_arg("listen", |a| a.default_value(EXEC_LISTEN)),
        mut_arg("database_url", |a| a.hide_default_value(true).help(
            "Database: sqlite://FILE or postgres://USER@HOST/DB; by default a temporary SQLite database, deleted afterwards"
        )),
    )]
    Exec(ExecArgs),
    /// Drive a running tossd's simulator: log in, approve, register cards, move time, fire webhooks
    ///
    /// Calls the simulator API (/sim/v1) of the tossd at --url as its user or operator. Prints a few
    /// `key: value` lines, or the API's JSON answer with --json; a failure prints its code and message to
    /// stderr and exits with 1 (2 for options that do not fit).
    Sim(crate::cli::sim::SimArgs),
    /// Print the newest partner API calls of a running tossd's request journal; --follow prints new ones as they come
    Requests(crate::cli::requests::RequestsArgs),
    /// Fixture files: named steps that make apps, users, payments… (docs/fixtures.md)
    #[command(subcommand)]
    Fixtures(FixturesCommand),
}

#[derive(Debug, Subcommand)]
pub enum FixturesCommand {
    /// Check a fixture file without a server or database; prints FILE:LINE: message for each problem
    Check {
        /// The fixture file (YAML, or JSON if its name ends in .json)
        file: PathBuf,
    },
}

#[derive(Debug, Subcommand)]
pub enum AppsCommand {
    /// Create a partner app and issue its mTLS client certificate and key (PEM files)
    Create {
        /// The app's name
        name: String,
        /// Folder the certificate, key and CA certificate are written to (a subfolder per app)
        #[arg(long, default_value = "tossd-apps")]
        out: PathBuf,
        #[command(flatten)]
        database: DatabaseArgs,
    },
}

#[derive(Debug, Subcommand)]
pub enum MerchantsCommand {
    /// Create a merchant with its own test client and secret keys
    Create {
        /// The merchant's name
        name: String,
        #[command(flatten)]
        database: DatabaseArgs,
    },
}

#[derive(Debug, Clone, Args)]
pub struct DatabaseArgs {
    /// Database: sqlite://FILE or postgres://USER@HOST/DB (the one `tossd serve` uses)
    #[arg(long, env = "TOSSD_DATABASE_URL", default_value = "sqlite://tossd.db")]
    pub database_url: String,

    /// Seed of the deterministic seeded values, used if this call creates the database
    #[arg(
        long,
        env = "TOSSD_SEED",
        default_value = "tossd",
        hide_env_values = true
    )]
    pub seed: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ClockMode {
    /// Wall-clock time plus an offset that `POST /sim/v1/clock/advance` moves forward
    System,
    /// Time stands still and moves only by `POST /sim/v1/clock/advance`
    Manual,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum JournalMode {
    On,
    Off,
}

/// `--journal-retention`: the most entries kept, the oldest kept; either or both.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Retention {
    pub entries: Option<u64>,
    pub age_seconds: Option<u64>,
}

/// `10000`, `24h`, `10000,24h` (a count, an age with s, m, h or d, or one of each).
fn parse_retention(text: &str) -> Result<Retention, String> {
    let mut retention = Retention {
        entries: None,
        age_seconds: None,
    };
    for part in text.split(',').map(str::trim) {
        let bad = || format!("{part:?} is neither a number of entries (10000) nor an age (24h)");
        let (digits, unit) = part.split_at(
            part.find(|c: char| !c.is_ascii_digit())
                .unwrap_or(part.len()),
        );
        let number: u64 = digits.parse().map_err(|_| bad())?;
        if number == 0 {
            return Err(format!(
                "{part:?}: the journal keeps at least one entry and one second"
            ));
        }
        let (slot, value) = match unit {
            "" => (&mut retention.entries, number),
            "s" => (&mut retention.age_seconds, number),
            "m" => (&mut retention.age_seconds, number.saturating_mul(60)),
            "h" => (&mut retention.age_seconds, number.saturating_mul(3600)),
            "d" => (&mut retention.age_seconds, number.saturating_mul(86_400)),
            _ => return Err(bad()),
        };
        if slot.replace(value).is_some() {
            return Err(format!("{text:?} gives two limits of one kind"));
        }
    }
    Ok(retention)
}

#[derive(Debug, Clone, Args)]
pub struct ServeArgs {
    /// Address to listen on
    #[arg(long, env = "TOSSD_LISTEN", default_value = "127.0.0.1:8700")]
    pub listen: SocketAddr,

    /// Database: sqlite://FILE (created if missing) or postgres://USER@HOST/DB
    #[arg(long, env = "TOSSD_DATABASE_URL", default_value = "sqlite://tossd.db")]
    pub database_url: String,

    /// Most database connections this process opens: PostgreSQL's pool size; on SQLite one writer plus
    /// up to N-1 readers (at most 4)
    #[arg(long, env = "TOSSD_DATABASE_MAX_CONNECTIONS", default_value_t = 16,
          value_parser = clap::value_parser!(u32).range(2..=1000))]
    pub database_max_connections: u32,

    /// Seconds a request waits for a free database connection before it fails with its family's 5xx
    #[arg(long, env = "TOSSD_DATABASE_ACQUIRE_TIMEOUT", default_value_t = 10,
          value_parser = clap::value_parser!(u64).range(1..=600))]
    pub database_acquire_timeout: u64,

    /// Log format: text or json (logs go to stderr; TOSSD_LOG sets the filter)
    #[arg(long, env = "TOSSD_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,

    /// Bearer token required for /sim, /dashboard and /metrics (always required when listening beyond loopback); browsers sign in at /dashboard/login
    #[arg(long, env = "TOSSD_ADMIN_TOKEN", hide_env_values = true)]
    pub admin_token: Option<String>,

    /// More Host names the operator endpoints answer besides loopback names, IP addresses and --public-url's host (comma-separated; .example.com also allows its subdomains)
    #[arg(long, env = "TOSSD_ALLOWED_HOSTS", value_delimiter = ',', value_parser = parse_allowed_host)]
    pub allowed_hosts: Vec<String>,

    /// Secret key of the default merchant (test_sk_…); derived from the seed when absent
    #[arg(long, env = "TOSSD_SECRET_KEY", hide_env_values = true)]
    pub secret_key: Option<String>,

    /// Client key of the default merchant (test_ck_…); derived from the seed when absent
    #[arg(long, env = "TOSSD_CLIENT_KEY")]
    pub client_key: Option<String>,

    /// Seed of the seeded ids and keys (docs/seeded-data.md); random draws them at random
    #[arg(
        long,
        env = "TOSSD_SEED",
        default_value = "tossd",
        hide_env_values = true
    )]
    pub seed: String,

    /// Print the seeded users, app, merchant, templates and their variables for these flags (Markdown, as docs/seeded-data.md) and exit
    #[arg(long)]
    pub print_seed: bool,

    /// Clock: system (the wall clock plus an offset that advancing moves) or manual (moves only when advanced)
    #[arg(long, env = "TOSSD_CLOCK", value_enum, default_value_t = ClockMode::System)]
    pub clock: ClockMode,

    /// Start of the manual clock (RFC 3339); defaults to the wall-clock time when the database is created or reset
    #[arg(long, env = "TOSSD_CLOCK_START")]
    pub clock_start: Option<String>,

    /// Base URL written into responses (receipt links, terms URLs); defaults to http(s)://LISTEN
    #[arg(long, env = "TOSSD_PUBLIC_URL")]
    pub public_url: Option<String>,

    /// `iss` of the Toss login access tokens
    #[arg(long, env = "TOSSD_JWT_ISSUER", default_value = "https://cert.toss.im")]
    pub jwt_issuer: String,

    /// Serve HTTPS; Apps-in-Toss calls are attributed to the app of the client certificate presented
    #[arg(long, env = "TOSSD_TLS")]
    pub tls: bool,

    /// Refuse, at the TLS handshake, connections without a client certificate from tossd's CA (implies --tls)
    #[arg(long, env = "TOSSD_REQUIRE_MTLS")]
    pub require_mtls: bool,

    /// Server certificate chain (PEM) instead of one issued by tossd's CA
    #[arg(long, env = "TOSSD_TLS_CERT", requires = "tls_key")]
    pub tls_cert: Option<PathBuf>,

    /// Private key (PEM) of --tls-cert
    #[arg(long, env = "TOSSD_TLS_KEY", requires = "tls_cert")]
    pub tls_key: Option<PathBuf>,

    /// Seconds a client has to send a request head, counted from connecting (after a TLS handshake, which has as long) and from each response
    #[arg(long, env = "TOSSD_HEADER_TIMEOUT", default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..))]
    pub header_timeout: u64,

    /// Seconds a request body has to arrive once tossd starts reading it; a late one is answered 408 and the connection closed
    #[arg(long, env = "TOSSD_BODY_TIMEOUT", default_value_t = 60, value_parser = clap::value_parser!(u64).range(1..))]
    pub body_timeout: u64,

    /// Seconds an idle kept-alive connection stays open after a response (at most --header-timeout)
    #[arg(long, env = "TOSSD_KEEP_ALIVE_TIMEOUT", default_value_t = 5, value_parser = clap::value_parser!(u64).range(1..))]
    pub keep_alive_timeout: u64,

    /// Connections served at once; further ones wait in the listen queue until one closes
    #[arg(long, env = "TOSSD_MAX_CONNECTIONS", default_value_t = 1024, value_parser = clap::value_parser!(u32).range(1..))]
    pub max_connections: u32,

    /// CA certificates (PEM file) trusted for https:// webhook and callback URLs, besides the system's roots
    #[arg(long, env = "TOSSD_WEBHOOK_CA")]
    pub webhook_ca: Option<PathBuf>,

    /// Multiplies every webhook retry wait (1, 4, 16, 64, 256, 1024, 4096 minutes); e.g. 0.001 locally
    #[arg(long, env = "TOSSD_WEBHOOK_RETRY_SCALE", default_value_t = 1.0, value_parser = parse_retry_scale)]
    pub webhook_retry_scale: f64,

    /// Once tossd answers, write its URL, keys, appId and pid as JSON to this file (mode 0600, replaced atomically); removed on a clean shutdown
    #[arg(long, env = "TOSSD_READY_FILE")]
    pub ready_file: Option<PathBuf>,
    /// Fixture file loaded after start-up, before tossd reports ready (YAML, or JSON if its name ends in .json; docs/fixtures.md)
    #[arg(long, env = "TOSSD_FIXTURES")]
    pub fixtures: Option<PathBuf>,

    /// Request journal of partner API calls (GET /sim/v1/requests): on or off
    #[arg(long, env = "TOSSD_JOURNAL", value_enum, default_value_t = JournalMode::On)]
    pub journal: JournalMode,

    /// What the request journal keeps: a number of entries (10000), an age (24h; s, m, h or d), or both comma-separated (10000,24h), whichever keeps fewer
    #[arg(long, env = "TOSSD_JOURNAL_RETENTION", default_value = "10000,24h", value_parser = parse_retention)]
    pub journal_retention: Retention,

    /// Response timeout of webhook and callback deliveries in milliseconds (tests shorten the 10 s)
    #[arg(long, env = "TOSSD_WEBHOOK_TIMEOUT_MS", default_value_t = 10_000, hide = true,
          value_parser = clap::value_parser!(u64).range(1..))]
    pub webhook_timeout_ms: u64,
}

impl ServeArgs {
    /// The base URL that responses mention, without a trailing slash.
    pub fn public_url(&self, bound: SocketAddr) -> String {
        match &self.public_url {
            Some(url) => url.trim_end_matches('/').to_owned(),
            None if self.tls_enabled() => format!("https://{bound}"),
            None => format!("http://{bound}"),
        }
    }

    pub fn tls_enabled(&self) -> bool {
        self.tls || self.require_mtls
    }

    /// Operator endpoints need the admin token when one is set or when reachable beyond loopback.
    pub fn operator_token_required(&self) -> bool {
        self.admin_token.is_some() || !self.listen.ip().is_loopback()
    }
}

/// `tossd exec`: every serve flag, then `--` and the command to run.
#[derive(Debug, Clone, Args)]
pub struct ExecArgs {
    #[command(flatten)]
    pub serve: ServeArgs,

    /// The command and its arguments, after `--`
    #[arg(last = true, required = true, value_name = "COMMAND")]
    pub command: Vec<std::ffi::OsString>,

    /// Whether neither the command line nor the environment named a database: then `exec` makes a
    /// temporary one.
    #[arg(skip)]
    pub fresh_database: bool,
}

/// The address `exec` listens on unless told: loopback, a port the system picks.
pub const EXEC_LISTEN: &str = "127.0.0.1:0";

impl Cli {
    /// Parses the process's arguments (exiting on an error, like [`Parser::parse`]).
    pub fn parse_args() -> Cli {
        Cli::resolve(&Cli::command().get_matches()).unwrap_or_else(|e| e.exit())
    }

    /// Parses `argv` (the program name first), reporting errors.
    pub fn try_parse_args<I, T>(argv: I) -> Result<Cli, clap::Error>
    where
        I: IntoIterator<Item = T>,
        T: Into<std::ffi::OsString> + Clone,
    {
        Cli::resolve(&Cli::command().try_get_matches_from(argv)?)
    }

    /// The parsed command; for `exec`, whether the database is its own.
    fn resolve(matches: &ArgMatches) -> Result<Cli, clap::Error> {
        let mut cli = Cli::from_arg_matches(matches)?;
        if let (Command::Exec(exec), Some(("exec", matches))) =
            (&mut cli.command, matches.subcommand())
        {
            exec.fresh_database =
                matches.value_source("database_url") == Some(ValueSource::DefaultValue);
        }
        Ok(cli)
    }
}

/// An `--allowed-hosts` entry: a host name, or `.domain` for the domain and its subdomains; lower case.
fn parse_allowed_host(text: &str) -> Result<String, String> {
    let name = text.trim().trim_end_matches('.').to_ascii_lowercase();
    let bare = name.strip_prefix('.').unwrap_or(&name);
    let valid = !bare.is_empty()
        && bare.split('.').all(|label| {
            !label.is_empty()
                && label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-')
        });
    if valid {
        Ok(name)
    } else {
        Err(format!(
            "{text:?} is not a host name (example.com or .example.com)"
        ))
    }
}

/// A webhook retry scale: a finite, positive number.
fn parse_retry_scale(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(scale) if crate::domain::webhooks::valid_scale(scale) => Ok(scale),
        _ => Err(format!("{text:?} is not a positive number")),
    }
}

/// What seeding needs from the configuration.
pub struct SeedConfig {
    pub deriver: SeedDeriver,
    pub secret_key: Option<String>,
    pub client_key: Option<String>,
    pub clock_start: Option<Instant>,
}

impl SeedConfig {
    /// The default merchant's test keys: the configured ones, else derived from the seed.
    pub fn default_merchant_keys(&self) -> (String, String) {
        let client = self.client_key.clone().unwrap_or_else(|| {
            format!(
                "test_ck_{}",
                self.deriver.alnum("merchant.default.client_key", 28)
            )
        });
        let secret = self.secret_key.clone().unwrap_or_else(|| {
            format!(
                "test_sk_{}",
                self.deriver.alnum("merchant.default.secret_key", 28)
            )
        });
        (client, secret)
    }

    /// A user's `ci`: 88 characters derived from the seed, after the user's documented prefix.
    pub fn ci(&self, name: &str, prefix: &str) -> String {
        let body = self.deriver.base64(&format!("user.{name}.ci"), 66);
        format!("{prefix}{}", &body[..88 - prefix.len()])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn retention_takes_a_count_an_age_or_both() {
        let both = parse_retention("10000,24h").unwrap();
        assert_eq!(both.entries, Some(10_000));
        assert_eq!(both.age_seconds, Some(86_400));
        assert_eq!(parse_retention("90m").unwrap().age_seconds, Some(5_400));
        assert_eq!(parse_retention("5").unwrap().entries, Some(5));
        assert!(parse_retention("5,6").is_err());
        assert!(parse_retention("0").is_err());
        assert!(parse_retention("1w").is_err());
        assert!(parse_retention("").is_err());
    }

    #[test]
    fn cli_is_well_formed() {
        Cli::command().debug_assert();
    }

    #[test]
    fn defaults_are_local() {
        let Command::Serve(args) = Cli::parse_from(["tossd", "serve"]).command else {
            panic!("serve arguments")
        };
        assert_eq!(args.listen.to_string(), "127.0.0.1:8700");
        assert_eq!(args.database_url, "sqlite://tossd.db");
        assert!(!args.operator_token_required());
        assert_eq!(args.public_url(args.listen), "http://127.0.0.1:8700");
        assert!(!args.tls_enabled());
        let Command::Serve(args) = Cli::parse_from(["tossd", "serve", "--require-mtls"]).command
        else {
            panic!()
        };
        assert_eq!(args.public_url(args.listen), "https://127.0.0.1:8700");
        assert_eq!(args.webhook_retry_scale, 1.0);
        assert_eq!(args.webhook_timeout_ms, 10_000);
        assert_eq!(
            (
                args.header_timeout,
                args.body_timeout,
                args.keep_alive_timeout,
                args.max_connections
            ),
            (30, 60, 5, 1024)
        );
        assert_eq!(args.webhook_ca, None);
        assert!(Cli::try_parse_from(["tossd", "serve", "--header-timeout", "0"]).is_err());
        assert!(Cli::try_parse_from(["tossd", "serve", "--max-connections", "0"]).is_err());
        assert!(Cli::try_parse_from(["tossd", "serve", "--webhook-retry-scale", "0"]).is_err());
        assert!(Cli::try_parse_from(["tossd", "serve", "--webhook-retry-scale", "x"]).is_err());
        assert!(args.allowed_hosts.is_empty());
    }

    #[test]
    fn exec_takes_serve_flags_then_the_command() {
        let exec = |argv: &[&str]| match Cli::try_parse_args(argv.iter().copied()) {
            Ok(Cli {
                command: Command::Exec(exec),
            }) => Ok(exec),
            Ok(other) => panic!("{other:?}"),
            Err(e) => Err(e),
        };
        let args = exec(&["tossd", "exec", "--", "npm", "test", "--", "-x"]).unwrap();
        assert_eq!(args.command, ["npm", "test", "--", "-x"]);
        assert_eq!(args.serve.listen.to_string(), EXEC_LISTEN);
        assert!(args.fresh_database);
        let args = exec(&[
            "tossd",
            "exec",
            "--database-url",
            "postgres://u@h/db",
            "--listen",
            "127.0.0.1:9000",
            "--tls",
            "--",
            "true",
        ])
        .unwrap();
        assert!(!args.fresh_database);
        assert_eq!(args.serve.database_url, "postgres://u@h/db");
        assert_eq!(args.serve.listen.to_string(), "127.0.0.1:9000");
        assert!(args.serve.tls_enabled());
        assert!(exec(&["tossd", "exec"]).is_err(), "a command is required");
        assert!(exec(&["tossd", "exec", "true"]).is_err(), "after --");
        let Command::Serve(serve) = Cli::try_parse_args(["tossd", "serve"]).unwrap().command else {
            panic!("serve arguments")
        };
        assert_eq!(
            serve.listen.to_string(),
            "127.0.0.1:8700",
            "serve keeps its default"
        );
    }

    #[test]
    fn allowed_hosts_are_names() {
        let Command::Serve(args) = Cli::parse_from([
            "tossd",
            "serve",
            "--allowed-hosts",
            "Tossd.Internal,.dev.example.",
        ])
        .command
        else {
            panic!("serve arguments")
        };
        assert_eq!(args.allowed_hosts, ["tossd.internal", ".dev.example"]);
        for bad in ["", ".", "a..b", "evil.example:80", "*", "a/b"] {
            assert!(
                Cli::try_parse_from(["tossd", "serve", "--allowed-hosts", bad]).is_err(),
                "{bad:?}"
            );
        }
    }
}
