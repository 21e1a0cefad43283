//! Where the BrandPay code imports the Payment object from. The object, its statuses and its rules live
//! in `domain::payment` (so storage can hold it without depending on this API area).

pub use crate::domain::payment::{
    Approval, Card, NewPayment, Payment, METHOD_CARD, METHOD_TRANSFER,
};
