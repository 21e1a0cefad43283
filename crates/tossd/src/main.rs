use tracing_subscriber::EnvFilter;

use tossd::config::SeedConfig;
use tossd::config::{
    AppsCommand, Cli, Command, DatabaseArgs, FixturesCommand, LogFormat, MerchantsCommand,
    ServeArgs,
};
use tossd::domain::secrets::SeedDeriver;
use tossd::domain::time::Instant;
use tossd::identity::{apps, merchants, tls::Authority};
use tossd::ready::{write_private, Connection, ReadyFile};
use tossd::seed;
use tossd::server::Server;
use tossd::store::Db;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let Cli { command } = Cli::parse_args();
    match command {
        Command::Serve(args) => serve(args).await,
        Command::Exec(args) => {
            // The command's output comes first: tossd's request logs only on TOSSD_LOG's request.
            init_logging(args.serve.log_format, "warn");
            let code = tossd::exec::run(args).await?;
            std::process::exit(code)
        }
        Command::Apps(AppsCommand::Create {
            name,
            out,
            database,
        }) => create_app(&name, &out, &database).await,
        Command::Merchants(MerchantsCommand::Create { name, database }) => {
            create_merchant(&name, &database).await
        }
        Command::Sim(args) => std::process::exit(tossd::cli::sim::run(args).await),
        Command::Requests(args) => std::process::exit(tossd::cli::requests::run(args).await),
        Command::Fixtures(FixturesCommand::Check { file }) => check_fixtures(&file),
    }
}

/// `tossd fixtures check FILE`: exit 0 when the file is valid, 1 with `FILE:LINE: message` lines otherwise.
fn check_fixtures(file: &std::path::Path) -> anyhow::Result<()> {
    use tossd::fixtures::{parse, Format};
    let text = std::fs::read_to_string(file)
        .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", file.display()))?;
    match parse(&text, Format::of_path(file)) {
        Ok(document) => {
            println!("{}: {} steps, valid", file.display(), document.steps.len());
            Ok(())
        }
        Err(problems) => {
            for problem in problems {
                println!("{}:{}: {}", file.display(), problem.line, problem.message);
            }
            std::process::exit(1);
        }
    }
}

/// The database `tossd serve` uses, migrated and seeded like at its first start.
async fn open_database(database: &DatabaseArgs) -> anyhow::Result<Db> {
    let db = Db::open(&database.database_url).await?;
    let config = SeedConfig {
        deriver: SeedDeriver::new(&database.seed),
        secret_key: None,
        client_key: None,
        clock_start: None,
    };
    seed::ensure_seeded(&db, &config).await?;
    Ok(db)
}

fn wall_clock() -> Instant {
    Instant::from_datetime(chrono::Utc::now())
}

async fn create_app(
    name: &str,
    out: &std::path::Path,
    database: &DatabaseArgs,
) -> anyhow::Result<()> {
    anyhow::ensure!(apps::valid_name(name), "the name must be 1–50 characters");
    let db = open_database(database).await?;
    let authority = Authority::load_or_create(&db).await?;
    let app = apps::create_app(&db, &authority, name, wall_clock()).await?;
    let folder = out.join(&app.app_id);
    std::fs::create_dir_all(&folder)?;
    write_private(&folder.join("client.crt"), &app.certificate_pem)?;
    write_private(&folder.join("client.key"), &app.private_key_pem)?;
    write_private(&folder.join("ca.crt"), &app.ca_certificate_pem)?;
    println!("created app {} ({})", app.app_id, app.name);
    println!(
        "  client certificate  {}",
        folder.join("client.crt").display()
    );
    println!(
        "  client key          {}",
        folder.join("client.key").display()
    );
    println!("  CA certificate      {}", folder.join("ca.crt").display());
    println!("  clientId            {}", app.client_id);
    println!(
        "  decryption key      {}  (AAD {})",
        app.decryption_key, app.aad
    );
    db.close().await;
    Ok(())
}

async fn create_merchant(name: &str, database: &DatabaseArgs) -> anyhow::Result<()> {
    anyhow::ensure!(apps::valid_name(name), "the name must be 1–50 characters");
    let db = open_database(database).await?;
    let merchant = merchants::create_merchant(&db, name, wall_clock()).await?;
    println!("created merchant {} ({})", merchant.m_id, merchant.name);
    println!("  client key  {}", merchant.client_key);
    println!("  secret key  {}", merchant.secret_key);
    db.close().await;
    Ok(())
}

fn init_logging(format: LogFormat, default_filter: &str) {
    let filter =
        EnvFilter::try_from_env("TOSSD_LOG").unwrap_or_else(|_| EnvFilter::new(default_filter));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    match format {
        LogFormat::Text => builder.init(),
        LogFormat::Json => builder.json().init(),
    }
}

async fn serve(args: ServeArgs) -> anyhow::Result<()> {
    if args.print_seed {
        print!(
            "{}",
            seed::describe(&SeedConfig {
                deriver: SeedDeriver::new(&args.seed),
                secret_key: args.secret_key.clone(),
                client_key: args.client_key.clone(),
                clock_start: None,
            })
        );
        return Ok(());
    }
    init_logging(args.log_format, "info");
    let shutdown = shutdown_signal()?;
    let server = Server::start(&args).await?;
    let base = server.base_url();
    let merchant = tossd::sim::identities::default_merchant(&server.state).await?;
    println!("tossd {} listening on {base}", env!("CARGO_PKG_VERSION"));
    println!("  database      {}", redact_url(&args.database_url));
    println!("  merchant      {} (test mode)", merchant.m_id);
    println!("  client key    {}", merchant.client_key);
    println!("  secret key    {}", merchant.secret_key);
    println!("  API docs      {base}/docs");
    println!("  simulator     {base}/sim/v1   dashboard {base}/dashboard");
    let ready = match &args.ready_file {
        Some(path) => {
            let tls_dir = ReadyFile::tls_dir_of(path);
            let connection = Connection::describe(&server, &tls_dir).await?;
            Some(ReadyFile::write(path, &connection, Some(tls_dir))?)
        }
        None => None,
    };
    shutdown.await;
    // Gone first: whoever polls for it must not find a server that is stopping.
    if let Some(ready) = ready {
        ready.remove();
    }
    tracing::info!("shutting down: finishing in-flight requests");
    server.stop().await
}

/// A database URL without its password.
fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let credentials = &url[scheme + 3..at];
            match credentials.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme + 3], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

/// Registers the SIGTERM and Ctrl-C handlers now and returns what waits for either, so a signal that
/// arrives at any moment after start (even before the banner is printed) shuts down gracefully.
#[cfg(unix)]
fn shutdown_signal() -> anyhow::Result<impl std::future::Future<Output = ()>> {
    use tokio::signal::unix::{signal, SignalKind};
    let mut terminate = signal(SignalKind::terminate())?;
    let mut interrupt = signal(SignalKind::interrupt())?;
    Ok(async move {
        tokio::select! {
            _ = terminate.recv() => {},
            _ = interrupt.recv() => {},
        }
    })
}

#[cfg(not(unix))]
fn shutdown_signal() -> anyhow::Result<impl std::future::Future<Output = ()>> {
    Ok(async {
        let _ = tokio::signal::ctrl_c().await;
    })
}
