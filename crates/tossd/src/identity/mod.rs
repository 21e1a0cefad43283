//! Partner identities: the local CA and the mTLS client certificates that identify Apps-in-Toss mini-apps,
//! and the creation of further apps and merchants (docs/reference.md §1.6.1, §1.6.4).

pub mod apps;
pub mod merchants;
pub mod tls;
