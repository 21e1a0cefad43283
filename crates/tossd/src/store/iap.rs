//! Owner of `iap_products` and `iap_orders`: in-app purchase products and orders.
