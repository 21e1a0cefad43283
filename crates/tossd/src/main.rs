use clap::Parser;
use tracing_subscriber::EnvFilter;

use tossd::config::{Cli, Command, LogFormat, ServeArgs};
use tossd::server::Server;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let Cli { command } = Cli::parse();
    match command {
        Command::Serve(args) => serve(args).await,
    }
}

fn init_logging(format: LogFormat) {
    let filter = EnvFilter::try_from_env("TOSSD_LOG").unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    match format {
        LogFormat::Text => builder.init(),
        LogFormat::Json => builder.json().init(),
    }
}

async fn serve(args: ServeArgs) -> anyhow::Result<()> {
    init_logging(args.log_format);
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
    shutdown_signal().await;
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

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = terminate => {},
    }
}
