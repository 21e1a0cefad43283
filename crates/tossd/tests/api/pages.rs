//! Pages for people, rendered in headless Chromium.

use crate::common::browser::rendered_dom;
use crate::common::TestEnv;
use crate::on_both_backends;

on_both_backends!(swagger_ui_renders_every_operation_offline);

async fn swagger_ui_renders_every_operation_offline(env: TestEnv) {
    let url = env.url("/docs");
    let dom = tokio::task::spawn_blocking(move || rendered_dom(&url))
        .await
        .expect("browser task");
    for path in [
        "/v1/payments/{paymentKey}",
        "/v1/payments/orders/{orderId}",
        "/sim/v1/clock/advance",
    ] {
        assert!(
            dom.contains(&format!("data-path=\"{path}\"")),
            "Swagger UI did not render {path}"
        );
    }
}
