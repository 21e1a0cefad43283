//! Owner of the Toss points promotion tables: promotions, grant keys and grants.
