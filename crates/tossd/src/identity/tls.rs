//! tossd's own certificate authority, the server certificate and the client certificates of partner apps.
//!
//! Certificate validity uses the wall clock (not the injectable clock): TLS stacks on both sides check it
//! against system time (docs/reference.md §1.6.1).

use std::sync::Arc;

use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose,
};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use rustls::server::WebPkiClientVerifier;
use rustls::{RootCertStore, ServerConfig};
use sha2::{Digest, Sha256};

use crate::domain::secrets;
use crate::store::{self, Db};

/// The request extension that says which client certificate the connection presented, if any.
#[derive(Debug, Clone)]
pub struct PeerCertificate(pub Option<String>);

/// Hex SHA-256 of a DER certificate: how an issued certificate is recognised.
pub fn fingerprint(der: &[u8]) -> String {
    Sha256::digest(der)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn validity(params: &mut CertificateParams) {
    let now = time::OffsetDateTime::now_utc();
    params.not_before = now - time::Duration::hours(1);
    params.not_after = now + time::Duration::days(3650);
}

/// The CA's identity; signing only needs its name, key usages and key, so it is rebuilt from these.
fn authority_params() -> CertificateParams {
    let mut params = CertificateParams::default();
    params.distinguished_name.remove(DnType::CommonName);
    params
        .distinguished_name
        .push(DnType::CommonName, "tossd local CA");
    params
        .distinguished_name
        .push(DnType::OrganizationName, "tossd");
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    params
}

/// A certificate and its PKCS#8 key, in PEM.
pub struct IssuedCertificate {
    pub certificate_pem: String,
    pub private_key_pem: String,
    pub fingerprint: String,
}

/// The local CA, created once per database and kept across resets.
pub struct Authority {
    certificate_pem: String,
    certificate_der: CertificateDer<'static>,
    key: KeyPair,
}

impl Authority {
    pub async fn load_or_create(db: &Db) -> anyhow::Result<Authority> {
        let instance_key = store::identity::instance_key(db.reader()).await?;
        if store::identity::authority(db).await?.is_none() {
            let key = KeyPair::generate()?;
            let mut params = authority_params();
            validity(&mut params);
            let certificate = params.self_signed(&key)?;
            let new = store::identity::StoredAuthority {
                certificate_pem: certificate.pem(),
                key_sealed: secrets::seal(&instance_key, &key.serialize_pem()),
            };
            store::identity::create_authority_once(db, &new).await?;
        }
        let stored = store::identity::authority(db)
            .await?
            .ok_or_else(|| anyhow::anyhow!("the CA was not stored"))?;
        let certificate_pem = stored.certificate_pem;
        let key_pem = secrets::open(&instance_key, &stored.key_sealed).ok_or_else(|| {
            anyhow::anyhow!("the CA key does not open with this database's instance key")
        })?;
        let certificate_der = CertificateDer::pem_slice_iter(certificate_pem.as_bytes())
            .next()
            .ok_or_else(|| anyhow::anyhow!("the stored CA certificate is not PEM"))??;
        Ok(Authority {
            certificate_pem,
            certificate_der,
            key: KeyPair::from_pem(&key_pem)?,
        })
    }

    pub fn certificate_pem(&self) -> &str {
        &self.certificate_pem
    }

    fn issuer(&self) -> Issuer<'static, &KeyPair> {
        Issuer::new(authority_params(), &self.key)
    }

    /// A client certificate for a partner app (CN = the appId).
    pub fn issue_client(&self, app_id: &str, app_name: &str) -> anyhow::Result<IssuedCertificate> {
        let key = KeyPair::generate()?;
        let mut params = CertificateParams::default();
        params.distinguished_name.remove(DnType::CommonName);
        params.distinguished_name.push(DnType::CommonName, app_id);
        params
            .distinguished_name
            .push(DnType::OrganizationalUnitName, app_name);
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
        params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        params.use_authority_key_identifier_extension = true;
        validity(&mut params);
        let certificate = params.signed_by(&key, &self.issuer())?;
        Ok(IssuedCertificate {
            fingerprint: fingerprint(certificate.der()),
            certificate_pem: certificate.pem(),
            private_key_pem: key.serialize_pem(),
        })
    }

    /// The rustls configuration of `tossd serve --tls`: a server certificate (given, or issued by this CA
    /// for `names`) and client certificates verified against this CA, required with `--require-mtls`.
    pub fn server_config(
        &self,
        names: Vec<String>,
        given: Option<(Vec<CertificateDer<'static>>, PrivateKeyDer<'static>)>,
        require_client_certificate: bool,
    ) -> anyhow::Result<ServerConfig> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let (chain, key) = match given {
            Some(pair) => pair,
            None => {
                let key = KeyPair::generate()?;
                let mut params = CertificateParams::new(names)?;
                params.distinguished_name.remove(DnType::CommonName);
                params.distinguished_name.push(DnType::CommonName, "tossd");
                params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
                params.use_authority_key_identifier_extension = true;
                validity(&mut params);
                let certificate = params.signed_by(&key, &self.issuer())?;
                let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der()));
                (
                    vec![certificate.der().clone(), self.certificate_der.clone()],
                    key,
                )
            }
        };
        let mut roots = RootCertStore::empty();
        roots.add(self.certificate_der.clone())?;
        let verifier =
            WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider.clone());
        let verifier = if require_client_certificate {
            verifier.build()?
        } else {
            verifier.allow_unauthenticated().build()?
        };
        let mut config = ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()?
            .with_client_cert_verifier(verifier)
            .with_single_cert(chain, key)?;
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        Ok(config)
    }
}

/// Reads a PEM certificate chain and private key given with `--tls-cert` / `--tls-key`.
pub fn read_pem_pair(
    cert_path: &std::path::Path,
    key_path: &std::path::Path,
) -> anyhow::Result<(Vec<CertificateDer<'static>>, PrivateKeyDer<'static>)> {
    let chain = CertificateDer::pem_file_iter(cert_path)?.collect::<Result<Vec<_>, _>>()?;
    let key = PrivateKeyDer::from_pem_file(key_path)?;
    Ok((chain, key))
}
