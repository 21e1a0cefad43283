//! Integration tests: the real server over HTTP, each scenario on SQLite and on PostgreSQL.

mod common;

mod foundation;
mod pages;
mod payments;
