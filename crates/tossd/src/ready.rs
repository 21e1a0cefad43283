//! What a test suite needs to reach a running tossd: the JSON of `--ready-file` and the environment
//! `tossd exec` gives its command (docs/testing-with-tossd.md).

use std::ffi::OsString;
use std::io::Write;
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::domain::secrets;
use crate::server::Server;
use crate::store;

/// A running tossd as a client sees it.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Connection {
    pub url: String,
    pub secret_key: String,
    pub client_key: String,
    pub m_id: String,
    pub app_id: String,
    pub pid: u32,
    pub version: &'static str,
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    pub tls: Option<ClientFiles>,
}

/// Under `--tls`: the default app's client certificate and key, and tossd's CA, as PEM files.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ClientFiles {
    pub certificate_file: PathBuf,
    pub private_key_file: PathBuf,
    pub ca_certificate_file: PathBuf,
}

impl Connection {
    /// Describes `server` once it answers (its database does, as `/healthz` checks). Under TLS it also
    /// issues the default app a client certificate and writes it, its key and tossd's CA into `tls_dir`
    /// (tossd keeps no app's private key, so each start issues a new one).
    pub async fn describe(server: &Server, tls_dir: &Path) -> anyhow::Result<Connection> {
        let state = &server.state;
        state.db.ping().await?;
        let merchant = crate::sim::identities::default_merchant(state).await?;
        let app = store::apps::default_app(state.db.reader())
            .await?
            .ok_or_else(|| anyhow::anyhow!("no default app"))?;
        let tls = if server.tls {
            let issued = state.authority.issue_client(&app.app_id, &app.name)?;
            let now = state.clock.now(&state.db).await?;
            let mut tx = state.db.begin().await?;
            store::apps::insert_certificate(&mut tx, &app.app_id, &issued.fingerprint, now).await?;
            tx.commit().await?;
            create_private_dir(tls_dir)?;
            let files = ClientFiles {
                certificate_file: tls_dir.join("client.crt"),
                private_key_file: tls_dir.join("client.key"),
                ca_certificate_file: tls_dir.join("ca.crt"),
            };
            write_private(&files.certificate_file, &issued.certificate_pem)?;
            write_private(&files.private_key_file, &issued.private_key_pem)?;
            write_private(
                &files.ca_certificate_file,
                state.authority.certificate_pem(),
            )?;
            Some(files)
        } else {
            None
        };
        // A wildcard address is not one to connect to: loopback reaches it from this machine.
        let mut reachable = server.addr;
        if reachable.ip().is_unspecified() {
            reachable.set_ip(match reachable {
                std::net::SocketAddr::V4(_) => std::net::Ipv4Addr::LOCALHOST.into(),
                std::net::SocketAddr::V6(_) => std::net::Ipv6Addr::LOCALHOST.into(),
            });
        }
        let scheme = if server.tls { "https" } else { "http" };
        Ok(Connection {
            url: format!("{scheme}://{reachable}"),
            secret_key: merchant.secret_key,
            client_key: merchant.client_key,
            m_id: merchant.m_id,
            app_id: app.app_id,
            pid: std::process::id(),
            version: env!("CARGO_PKG_VERSION"),
            tls,
        })
    }

    /// The variables `tossd exec` sets for its command.
    pub fn environment(&self) -> Vec<(&'static str, OsString)> {
        let mut vars: Vec<(&'static str, OsString)> = vec![
            ("TOSSD_URL", self.url.clone().into()),
            ("TOSSD_SECRET_KEY", self.secret_key.clone().into()),
            ("TOSSD_CLIENT_KEY", self.client_key.clone().into()),
            ("TOSSD_MID", self.m_id.clone().into()),
            ("TOSSD_APP_ID", self.app_id.clone().into()),
        ];
        if let Some(files) = &self.tls {
            vars.push((
                "TOSSD_MTLS_CERT_FILE",
                files.certificate_file.clone().into(),
            ));
            vars.push(("TOSSD_MTLS_KEY_FILE", files.private_key_file.clone().into()));
            vars.push((
                "TOSSD_CA_CERT_FILE",
                files.ca_certificate_file.clone().into(),
            ));
        }
        vars
    }
}

/// `--ready-file`: written once tossd answers, removed (with its TLS files) on a clean shutdown.
pub struct ReadyFile {
    path: PathBuf,
    tls_dir: Option<PathBuf>,
}

impl ReadyFile {
    /// Where `serve --ready-file PATH` writes the client files under TLS: the folder `PATH.tls`.
    pub fn tls_dir_of(path: &Path) -> PathBuf {
        let mut dir = path.as_os_str().to_owned();
        dir.push(".tls");
        PathBuf::from(dir)
    }

    /// Writes `connection` as JSON to `path`, so that a reader sees either no file or all of it. Client
    /// files under `owned_tls_dir` are removed with it.
    pub fn write(
        path: &Path,
        connection: &Connection,
        owned_tls_dir: Option<PathBuf>,
    ) -> anyhow::Result<ReadyFile> {
        let json = serde_json::to_string_pretty(connection)?;
        write_private_atomically(path, &format!("{json}\n"))
            .map_err(|e| anyhow::anyhow!("writing --ready-file {}: {e}", path.display()))?;
        Ok(ReadyFile {
            path: path.to_owned(),
            tls_dir: owned_tls_dir.filter(|_| connection.tls.is_some()),
        })
    }

    pub fn remove(self) {
        if let Err(e) = std::fs::remove_file(&self.path) {
            tracing::warn!(path = %self.path.display(), error = %e, "could not remove the ready file");
        }
        if let Some(dir) = self.tls_dir {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}

/// Writes `contents` to `path` readable by its owner only (0600, whatever the umask or an earlier mode).
pub fn write_private(path: &Path, contents: &str) -> std::io::Result<()> {
    let mut open = std::fs::OpenOptions::new();
    open.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut open, 0o600);
    let mut file = open.open(path)?;
    #[cfg(unix)]
    file.set_permissions(std::os::unix::fs::PermissionsExt::from_mode(0o600))?;
    file.write_all(contents.as_bytes())
}

/// [`write_private`] through a temporary file in the same folder renamed over `path`: readers polling
/// for the file never see it half-written.
fn write_private_atomically(path: &Path, contents: &str) -> std::io::Result<()> {
    let name = path
        .file_name()
        .ok_or_else(|| std::io::Error::other("the path names no file"))?;
    let mut temporary = OsString::from(".");
    temporary.push(name);
    temporary.push(format!(".{}.tmp", secrets::random_alnum(8)));
    let temporary = path.with_file_name(temporary);
    let written = write_private(&temporary, contents)
        .and_then(|()| std::fs::File::open(&temporary)?.sync_all())
        .and_then(|()| std::fs::rename(&temporary, path));
    if written.is_err() {
        let _ = std::fs::remove_file(&temporary);
    }
    written
}

/// A folder only its owner can enter (0700), created if missing.
pub fn create_private_dir(path: &Path) -> std::io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_ready_file_appears_whole_and_private() {
        let dir = std::env::temp_dir().join(format!("tossd-ready-{}", secrets::random_alnum(8)));
        create_private_dir(&dir).unwrap();
        let path = dir.join("ready.json");
        write_private_atomically(&path, "{}\n").unwrap();
        write_private_atomically(&path, "{\"a\":1}\n").unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "{\"a\":1}\n");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let names: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, ["ready.json"], "no temporary file is left behind");
        assert_eq!(ReadyFile::tls_dir_of(&path), dir.join("ready.json.tls"),);
        std::fs::remove_dir_all(dir).unwrap();
    }
}
