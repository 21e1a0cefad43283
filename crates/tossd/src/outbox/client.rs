//! The HTTP client of webhook and callback deliveries: HTTPS through rustls (the ring provider the server
//! side uses too), trusting the system's root certificates plus those of `--webhook-ca`. A receiver whose
//! certificate none of them vouches for fails its attempt like a refused connection, and is retried.

use std::path::Path;
use std::time::Duration;

use anyhow::Context;
use reqwest::{Certificate, Client};

/// The CA certificates of a `--webhook-ca` PEM file (one or more).
pub fn read_webhook_ca(path: &Path) -> anyhow::Result<Vec<Certificate>> {
    let pem =
        std::fs::read(path).with_context(|| format!("reading --webhook-ca {}", path.display()))?;
    let certificates = Certificate::from_pem_bundle(&pem)
        .with_context(|| format!("--webhook-ca {} is not PEM", path.display()))?;
    anyhow::ensure!(
        !certificates.is_empty(),
        "--webhook-ca {} holds no PEM certificate",
        path.display()
    );
    Ok(certificates)
}

/// The delivery client: `timeout` per attempt, redirects not followed, `extra_roots` trusted besides the
/// system's roots.
pub fn delivery_client(timeout: Duration, extra_roots: &[Certificate]) -> anyhow::Result<Client> {
    extra_roots
        .iter()
        .fold(
            Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .timeout(timeout),
            |builder, root| builder.add_root_certificate(root.clone()),
        )
        .build()
        .context("building the webhook delivery client (are the --webhook-ca certificates valid?)")
}
