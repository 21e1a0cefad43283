//! Owner of `iap_products` and `iap_orders`: in-app purchase products and orders.

use sqlx::any::AnyRow;
use sqlx::Row;

use crate::domain::iap::{self, OrderStatus, Product};
use crate::domain::time::Instant;
use crate::store::{decode_error, Db, Tx};

/// Adds an app's in-app products.
pub async fn insert_products(
    tx: &mut Tx,
    app_id: &str,
    products: &[Product],
) -> Result<(), sqlx::Error> {
    for product in products {
        sqlx::query(
            "INSERT INTO iap_products (sku, app_id, name, kind, supply_price, sale_price) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(product.sku)
        .bind(app_id)
        .bind(product.name)
        .bind(product.kind.as_str())
        .bind(product.supply_price)
        .bind(product.sale_price())
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

/// The app whose product `sku` is, if there is one.
pub async fn product_app(db: &Db, sku: &str) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar("SELECT app_id FROM iap_products WHERE sku = $1")
        .bind(sku)
        .fetch_optional(db.reader())
        .await
}

/// An order of an in-app product.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Order {
    pub order_id: String,
    pub app_id: String,
    pub user_key: i64,
    pub sku: String,
    pub status: OrderStatus,
    pub status_determined_at: Option<Instant>,
}

const ORDER_COLUMNS: &str = "order_id, app_id, user_key, sku, status, status_determined_at";

fn order(row: &AnyRow) -> Result<Order, sqlx::Error> {
    Ok(Order {
        order_id: row.try_get("order_id")?,
        app_id: row.try_get("app_id")?,
        user_key: row.try_get("user_key")?,
        sku: row.try_get("sku")?,
        status: iap::stored_status(&row.try_get::<String, _>("status")?).map_err(decode_error)?,
        status_determined_at: row
            .try_get::<Option<i64>, _>("status_determined_at")?
            .map(Instant),
    })
}

/// Stores a new order placed at `created_at`.
pub async fn insert_order(db: &Db, o: &Order, created_at: Instant) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO iap_orders (order_id, app_id, user_key, sku, status, status_determined_at, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(&o.order_id)
    .bind(&o.app_id)
    .bind(o.user_key)
    .bind(&o.sku)
    .bind(o.status.as_str())
    .bind(o.status_determined_at.map(Instant::micros))
    .bind(created_at.micros())
    .execute(db.writer())
    .await?;
    Ok(())
}

pub async fn find_order(db: &Db, order_id: &str) -> Result<Option<Order>, sqlx::Error> {
    let row = sqlx::query(&format!(
        "SELECT {ORDER_COLUMNS} FROM iap_orders WHERE order_id = $1"
    ))
    .bind(order_id)
    .fetch_optional(db.reader())
    .await?;
    row.as_ref().map(order).transpose()
}

/// The order, locked for the rest of `tx`.
pub async fn lock_order(
    db: &Db,
    tx: &mut Tx,
    order_id: &str,
) -> Result<Option<Order>, sqlx::Error> {
    let row = sqlx::query(&format!(
        "SELECT {ORDER_COLUMNS} FROM iap_orders WHERE order_id = $1{}",
        db.for_update()
    ))
    .bind(order_id)
    .fetch_optional(&mut **tx)
    .await?;
    row.as_ref().map(order).transpose()
}

/// The user's orders in `app_id` that are paid and wait for the partner's grant, oldest first.
pub async fn pending(db: &Db, app_id: &str, user_key: i64) -> Result<Vec<Order>, sqlx::Error> {
    let rows = sqlx::query(&format!(
        "SELECT {ORDER_COLUMNS} FROM iap_orders WHERE app_id = $1 AND user_key = $2 AND status = $3 \
         ORDER BY created_at, order_id"
    ))
    .bind(app_id)
    .bind(user_key)
    .bind(OrderStatus::PaymentCompleted.as_str())
    .fetch_all(db.reader())
    .await?;
    rows.iter().map(order).collect()
}

/// Moves the order to `moved`'s status and determined time if it is still in `from`; `false` when it
/// moved meanwhile.
pub async fn record_move(
    tx: &mut Tx,
    moved: &Order,
    from: OrderStatus,
) -> Result<bool, sqlx::Error> {
    let updated = sqlx::query(
        "UPDATE iap_orders SET status = $1, status_determined_at = $2 WHERE order_id = $3 AND status = $4",
    )
    .bind(moved.status.as_str())
    .bind(moved.status_determined_at.map(Instant::micros))
    .bind(&moved.order_id)
    .bind(from.as_str())
    .execute(&mut **tx)
    .await?
    .rows_affected();
    Ok(updated == 1)
}

/// An in-app purchase order as the dashboard lists it.
pub struct OrderSummary {
    pub created_at: Instant,
    pub order_id: String,
    pub user_key: i64,
    pub sku: String,
    pub status: String,
}

/// The newest orders, newest first.
pub async fn recent(db: &Db, limit: i64) -> Result<Vec<OrderSummary>, sqlx::Error> {
    crate::store::listing(db, "SELECT created_at, order_id, user_key, sku, status FROM iap_orders ORDER BY created_at DESC LIMIT $1", limit, |row| {
    Ok(OrderSummary {
        created_at: Instant(row.try_get(0)?),
        order_id: row.try_get(1)?,
        user_key: row.try_get(2)?,
        sku: row.try_get(3)?,
        status: row.try_get(4)?,
    })
    })
    .await
}
