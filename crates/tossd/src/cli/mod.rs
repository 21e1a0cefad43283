//! Client commands of the `tossd` binary that talk to a running tossd over HTTP.

pub mod requests;
pub mod sim;
