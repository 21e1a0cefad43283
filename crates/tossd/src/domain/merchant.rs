//! Toss Payments merchants: the mode a key selects (docs/reference.md §1.6.4) and the payment settings the
//! simulator can change (§6.7). Pure: no HTTP, no SQL.

use crate::domain::wire::wire_enum;

wire_enum! {
    /// The mode of a merchant's keys: test keys see and make test data only, live keys live data.
    pub enum Mode {
        Test = "test",
        Live = "live",
    }
}

impl Mode {
    /// The mode an API key belongs to, from its prefix: `live_…` keys are live, every other key is a
    /// test key.
    pub fn of_key(key: &str) -> Mode {
        if key.starts_with("live_") {
            Mode::Live
        } else {
            Mode::Test
        }
    }
}

wire_enum! {
    /// How a merchant's payments are taxed (`taxType`).
    pub enum TaxType {
        /// Request `taxFreeAmount` values apply.
        Mixed = "MIXED",
        /// Every payment is fully taxable: `taxFreeAmount` is always 0.
        General = "GENERAL",
    }
}

/// A merchant's BrandPay payment settings (§6.7).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PaymentSettings {
    pub auto_pay_enabled: bool,
    /// Accounts registered less than 12 hours ago cannot pay.
    pub restrict_new_accounts: bool,
    pub tax_type: TaxType,
}

/// A change of [`PaymentSettings`]: absent fields keep their value.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PaymentSettingsChange {
    pub auto_pay_enabled: Option<bool>,
    pub restrict_new_accounts: Option<bool>,
    pub tax_type: Option<TaxType>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_select_their_mode_by_prefix() {
        assert_eq!(Mode::of_key("live_sk_abc"), Mode::Live);
        assert_eq!(Mode::of_key("live_ck_abc"), Mode::Live);
        assert_eq!(Mode::of_key("test_sk_abc"), Mode::Test);
        assert_eq!(Mode::of_key("sk_abc"), Mode::Test);
    }

    #[test]
    fn wire_strings_are_the_documented_ones() {
        assert_eq!(Mode::Test.as_str(), "test");
        assert_eq!("live".parse::<Mode>(), Ok(Mode::Live));
        assert!("LIVE".parse::<Mode>().is_err());
        assert_eq!("GENERAL".parse::<TaxType>(), Ok(TaxType::General));
        assert!("general".parse::<TaxType>().is_err());
    }
}
