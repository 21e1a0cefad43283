//! Owner of the smart-message tables: templates, sent messages and their deliveries, user preferences.
