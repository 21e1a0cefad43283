//! Integration tests: the real server over HTTP, each scenario on SQLite and on PostgreSQL.

mod common;

mod ait_sdk;
mod bad_input;
mod brandpay_customers;
mod brandpay_payments;
mod brandpay_sdk;
mod caches;
mod client_tosspayments;
mod connection_budget;
mod connections;
mod credentials;
mod dashboard;
mod default_ids;
mod doc_examples;
mod doc_sources;
mod exec;
mod faults;
mod fixtures;
mod foundation;
mod journal;
mod login;
mod messages;
mod openapi;
mod operator_guard;
mod outbox_drain;
mod pages;
mod pay;
mod payments;
mod promotions;
mod receipts;
mod robustness;
mod sim_cli;
mod tenancy;
mod webhooks;
mod webhooks_https;
