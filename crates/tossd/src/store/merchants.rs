//! Owner of `merchants`, `merchant_keys` and merchant settings (webhook URLs, payment settings).
