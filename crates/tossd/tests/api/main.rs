//! Integration tests: the real server over HTTP, each scenario on SQLite and on PostgreSQL.

mod common;

mod brandpay_customers;
mod brandpay_payments;
mod caches;
mod connection_budget;
mod credentials;
mod foundation;
mod login;
mod messages;
mod outbox_drain;
mod pages;
mod pay;
mod payments;
mod promotions;
mod robustness;
mod tenancy;
mod webhooks;
