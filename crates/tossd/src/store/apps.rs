//! Owner of `apps`, `app_certificates` and the apps' settings (callbacks, keys): partner mini-apps.
