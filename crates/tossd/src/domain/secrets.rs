//! Random identifiers and secrets, seed-derived values, hashing and sealing.
//!
//! Secrets are stored as SHA-256 hashes and compared in constant time; values that must be shown again
//! are sealed with the instance key (AES-256-GCM).

use aes_gcm::aead::{Aead, KeyInit};
use aes_gcm::{Aes256Gcm, Nonce};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use hmac::{Hmac, Mac};
use rand::distributions::{Alphanumeric, DistString};
use rand::{Rng, RngCore};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

const ALNUM: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
const LOWER_ALNUM: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";

/// `len` random characters of `[A-Za-z0-9]` from the OS CSPRNG.
pub fn random_alnum(len: usize) -> String {
    Alphanumeric.sample_string(&mut rand::rngs::OsRng, len)
}

/// `len` random bytes from the OS CSPRNG.
pub fn random_bytes(len: usize) -> Vec<u8> {
    let mut bytes = vec![0u8; len];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    bytes
}

/// A random integer in `range` from the OS CSPRNG.
pub fn random_in(range: std::ops::RangeInclusive<i64>) -> i64 {
    rand::rngs::OsRng.gen_range(range)
}

/// Hex SHA-256 of a secret, the form in which secrets are stored and looked up.
pub fn hash(secret: &str) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let digest = Sha256::digest(secret.as_bytes());
    let mut text = String::with_capacity(64);
    for b in digest {
        text.push(char::from(HEX[usize::from(b >> 4)]));
        text.push(char::from(HEX[usize::from(b & 0x0f)]));
    }
    text
}

/// Constant-time equality of two secrets.
pub fn secrets_equal(a: &str, b: &str) -> bool {
    a.len() == b.len() && bool::from(a.as_bytes().ct_eq(b.as_bytes()))
}

/// The instance key: 32 bytes that seal values shown again later.
pub type InstanceKey = [u8; 32];

/// A new random instance key.
pub fn random_instance_key() -> InstanceKey {
    let mut key = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut key);
    key
}

/// Seals `plain` with the instance key: base64 of nonce ‖ ciphertext ‖ tag.
pub fn seal(key: &InstanceKey, plain: &str) -> String {
    let cipher = Aes256Gcm::new(key.into());
    let nonce = random_bytes(12);
    let mut out = nonce.clone();
    // AES-GCM only refuses plaintexts over 64 GiB; sealed values are keys and tokens.
    #[allow(clippy::expect_used)]
    let sealed = cipher
        .encrypt(Nonce::from_slice(&nonce), plain.as_bytes())
        .expect("AES-GCM seals any value shorter than 64 GiB");
    out.extend(sealed);
    STANDARD.encode(out)
}

/// Opens a value made by [`seal`]; `None` when it was not sealed with this key.
pub fn open(key: &InstanceKey, sealed: &str) -> Option<String> {
    let cipher = Aes256Gcm::new(key.into());
    let bytes = STANDARD.decode(sealed).ok()?;
    if bytes.len() < 12 {
        return None;
    }
    let (nonce, body) = bytes.split_at(12);
    String::from_utf8(cipher.decrypt(Nonce::from_slice(nonce), body).ok()?).ok()
}

/// Deterministic values derived from the instance seed (docs/reference.md §1.10 "Seeded values").
pub struct SeedDeriver {
    seed: Option<String>,
}

impl SeedDeriver {
    /// `seed` "random" draws every value from the CSPRNG instead.
    pub fn new(seed: &str) -> SeedDeriver {
        SeedDeriver {
            seed: (seed != "random").then(|| seed.to_owned()),
        }
    }

    /// Whether values are drawn at random (seed "random") rather than derived, so nothing can predict them.
    pub fn is_random(&self) -> bool {
        self.seed.is_none()
    }

    /// 32 pseudo-random bytes for `name`: HMAC-SHA-256(seed, name), extended by counter for more.
    pub fn bytes(&self, name: &str, len: usize) -> Vec<u8> {
        let Some(seed) = &self.seed else {
            return random_bytes(len);
        };
        let mut out = Vec::with_capacity(len);
        let mut counter = 0u32;
        while out.len() < len {
            // HMAC takes keys of any length (RFC 2104), so this cannot fail.
            #[allow(clippy::expect_used)]
            let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(seed.as_bytes())
                .expect("HMAC takes keys of any length");
            mac.update(name.as_bytes());
            mac.update(&counter.to_be_bytes());
            out.extend_from_slice(&mac.finalize().into_bytes());
            counter += 1;
        }
        out.truncate(len);
        out
    }

    fn chars(&self, name: &str, len: usize, alphabet: &[u8]) -> String {
        self.bytes(name, len)
            .iter()
            .map(|b| alphabet[*b as usize % alphabet.len()] as char)
            .collect()
    }

    pub fn alnum(&self, name: &str, len: usize) -> String {
        self.chars(name, len, ALNUM)
    }

    pub fn lower_alnum(&self, name: &str, len: usize) -> String {
        self.chars(name, len, LOWER_ALNUM)
    }

    pub fn base64(&self, name: &str, len: usize) -> String {
        STANDARD.encode(self.bytes(name, len))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn derived_values_are_stable_and_seed_specific() {
        let a = SeedDeriver::new("tossd");
        assert_eq!(a.alnum("x", 28), SeedDeriver::new("tossd").alnum("x", 28));
        assert_ne!(a.alnum("x", 28), SeedDeriver::new("other").alnum("x", 28));
        assert_ne!(a.alnum("x", 28), a.alnum("y", 28));
        assert_eq!(a.bytes("long", 80).len(), 80);
        assert!(a
            .lower_alnum("id", 32)
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit()));
    }

    #[test]
    fn random_seed_is_random() {
        let r = SeedDeriver::new("random");
        assert_ne!(r.alnum("x", 28), r.alnum("x", 28));
    }

    #[test]
    fn sealed_values_open_only_with_their_key() {
        let key = random_instance_key();
        let sealed = seal(&key, "test_sk_secret");
        assert_eq!(open(&key, &sealed).as_deref(), Some("test_sk_secret"));
        assert_eq!(open(&random_instance_key(), &sealed), None);
        assert_eq!(open(&key, "garbage"), None);
    }

    #[test]
    fn hashes_compare_in_constant_time() {
        // Stored hashes are lowercase hex SHA-256 (the FIPS 180-2 "abc" vector).
        assert_eq!(
            hash("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert!(secrets_equal(&hash("abc"), &hash("abc")));
        assert!(!secrets_equal(&hash("abc"), &hash("abd")));
        assert!(!secrets_equal("a", "ab"));
    }
}
