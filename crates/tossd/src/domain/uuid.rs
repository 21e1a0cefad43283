//! UUIDs for Toss Pay transactions and refunds (v4) and in-app purchase orders (v7), drawn from the CSPRNG.
//! v7 takes its timestamp from business time, so orders sort by the simulated clock.

use crate::domain::secrets::random_bytes;
use crate::domain::time::Instant;

fn format(bytes: &[u8]) -> String {
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

/// A random (version 4) UUID.
pub fn v4() -> String {
    let mut bytes = random_bytes(16);
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    format(&bytes)
}

/// A time-ordered (version 7) UUID: 48 bits of Unix milliseconds at `now`, then random bits.
pub fn v7(now: Instant) -> String {
    let mut bytes = random_bytes(16);
    let millis = now.micros().div_euclid(1_000).max(0).to_be_bytes();
    bytes[..6].copy_from_slice(&millis[2..]);
    bytes[6] = (bytes[6] & 0x0f) | 0x70;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    format(&bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn is_uuid(text: &str, version: char) -> bool {
        let parts: Vec<&str> = text.split('-').collect();
        parts.iter().map(|p| p.len()).collect::<Vec<_>>() == [8, 4, 4, 4, 12]
            && text.chars().all(|c| c == '-' || c.is_ascii_hexdigit())
            && parts[2].starts_with(version)
            && "89ab".contains(&parts[3][..1])
    }

    #[test]
    fn versions_and_shape() {
        assert!(is_uuid(&v4(), '4'));
        assert_ne!(v4(), v4());
        let t = Instant::parse_rfc3339("2025-09-12T07:57:12.345Z").unwrap();
        let id = v7(t);
        assert!(is_uuid(&id, '7'));
        // 0x019941... is 2025-09-12 in Unix milliseconds.
        assert_eq!(
            &id[..13],
            &format!(
                "{:08x}-{:04x}",
                1757663832345u64 >> 16,
                1757663832345u64 & 0xffff
            )
        );
        assert!(v7(t.plus_seconds(1)) > id);
    }
}
