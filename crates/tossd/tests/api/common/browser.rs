//! Headless Chromium for page tests. Tests fail (never skip) when it is missing; `.ci/run` installs it.

use std::os::unix::process::CommandExt;
use std::process::Command;

/// The Chromium binary: `$CHROMIUM`, else `/usr/bin/chromium`.
pub fn chromium() -> String {
    let path = std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    assert!(
        std::path::Path::new(&path).exists(),
        "Chromium is required for the page tests: install it (apt-get install chromium) or set CHROMIUM"
    );
    path
}

/// The DOM of `url` after its scripts ran, loaded with every host but loopback unresolvable, so a page
/// that needs anything from the internet does not render.
pub fn rendered_dom(url: &str) -> String {
    let profile = tempfile::tempdir().expect("profile dir");
    let output = Command::new(chromium())
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-quic",
            "--no-first-run",
            "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
            "--virtual-time-budget=10000",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg("--dump-dom")
        .arg(url)
        .output()
        .expect("Chromium runs");
    assert!(
        output.status.success(),
        "Chromium failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// A headless Chromium driven over WebDriver (chromedriver), for tests that click like a person.
pub struct Browser {
    driver: std::process::Child,
    client: reqwest::Client,
    session: String,
    _profile: tempfile::TempDir,
}

const ELEMENT_KEY: &str = "element-6066-11e4-a52e-4f735466cecf";

impl Browser {
    pub async fn open() -> Browser {
        let chromedriver =
            std::env::var("CHROMEDRIVER").unwrap_or_else(|_| "/usr/bin/chromedriver".into());
        assert!(
            std::path::Path::new(&chromedriver).exists(),
            "chromedriver is required for the page tests: install it (apt-get install chromium-driver) or set CHROMEDRIVER"
        );
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("free port")
            .port();
        // Its own process group, so Chromium goes with it even when a test fails halfway.
        let driver = Command::new(chromedriver)
            .process_group(0)
            .arg(format!("--port={port}"))
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("chromedriver starts");
        let client = reqwest::Client::new();
        let base = format!("http://127.0.0.1:{port}");
        let mut ready = false;
        for _ in 0..200 {
            if let Ok(r) = client.get(format!("{base}/status")).send().await {
                let status: serde_json::Value = r.json().await.unwrap_or_default();
                if status["value"]["ready"] == true {
                    ready = true;
                    break;
                }
            }
            tokio::time::sleep(std::time::Duration::from_millis(25)).await;
        }
        assert!(ready, "chromedriver did not become ready");
        let profile = tempfile::tempdir().expect("profile dir");
        let capabilities = serde_json::json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": chromium(),
                "args": ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                         "--disable-component-update", "--disable-sync", "--disable-quic", "--no-first-run",
                         "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
                         format!("--user-data-dir={}", profile.path().display())]
            }
        }}});
        let response: serde_json::Value = client
            .post(format!("{base}/session"))
            .json(&capabilities)
            .send()
            .await
            .expect("new session")
            .json()
            .await
            .expect("session JSON");
        let session = response["value"]["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("no WebDriver session: {response}"))
            .to_owned();
        Browser {
            driver,
            client,
            session: format!("{base}/session/{session}"),
            _profile: profile,
        }
    }

    async fn command(
        &self,
        method: reqwest::Method,
        path: &str,
        body: serde_json::Value,
    ) -> serde_json::Value {
        match self.try_command(method, path, body).await {
            Ok(value) => value,
            Err(error) => panic!("WebDriver {path}: {error}"),
        }
    }

    async fn try_command(
        &self,
        method: reqwest::Method,
        path: &str,
        body: serde_json::Value,
    ) -> Result<serde_json::Value, serde_json::Value> {
        let mut request = self
            .client
            .request(method.clone(), format!("{}{path}", self.session));
        if method != reqwest::Method::GET {
            request = request.json(&body);
        }
        let response: serde_json::Value = request
            .send()
            .await
            .expect("WebDriver answers")
            .json()
            .await
            .expect("WebDriver JSON");
        if response["value"]["error"].is_null() {
            Ok(response["value"].clone())
        } else {
            Err(response)
        }
    }

    pub async fn goto(&self, url: &str) {
        self.command(
            reqwest::Method::POST,
            "/url",
            serde_json::json!({"url": url}),
        )
        .await;
    }

    async fn element(&self, css: &str) -> String {
        let found = self
            .command(
                reqwest::Method::POST,
                "/element",
                serde_json::json!({"using": "css selector", "value": css}),
            )
            .await;
        found[ELEMENT_KEY].as_str().expect("element id").to_owned()
    }

    pub async fn click(&self, css: &str) {
        let id = self.element(css).await;
        self.command(
            reqwest::Method::POST,
            &format!("/element/{id}/click"),
            serde_json::json!({}),
        )
        .await;
    }

    pub async fn text(&self, css: &str) -> String {
        let id = self.element(css).await;
        self.command(
            reqwest::Method::GET,
            &format!("/element/{id}/text"),
            serde_json::Value::Null,
        )
        .await
        .as_str()
        .unwrap_or_default()
        .to_owned()
    }

    /// Waits (bounded) until `css`'s text satisfies `ready`, across the page loads a click starts, and
    /// returns it.
    pub async fn wait_for_text(&self, css: &str, ready: impl Fn(&str) -> bool) -> String {
        let mut last = String::new();
        for _ in 0..200 {
            let found = self
                .try_command(
                    reqwest::Method::POST,
                    "/element",
                    serde_json::json!({"using": "css selector", "value": css}),
                )
                .await;
            if let Ok(element) = found {
                let id = element[ELEMENT_KEY].as_str().unwrap_or_default();
                if let Ok(text) = self
                    .try_command(
                        reqwest::Method::GET,
                        &format!("/element/{id}/text"),
                        serde_json::Value::Null,
                    )
                    .await
                {
                    last = text.as_str().unwrap_or_default().to_owned();
                    if ready(&last) {
                        return last;
                    }
                }
            }
            tokio::time::sleep(std::time::Duration::from_millis(25)).await;
        }
        panic!("{css} never became ready; last text: {last}");
    }

    /// Types `text` into the field `css`.
    pub async fn type_into(&self, css: &str, text: &str) {
        let id = self.element(css).await;
        self.command(
            reqwest::Method::POST,
            &format!("/element/{id}/value"),
            serde_json::json!({"text": text}),
        )
        .await;
    }

    /// Waits (bounded) until the address bar satisfies `ready`, and returns it.
    pub async fn wait_for_url(&self, ready: impl Fn(&str) -> bool) -> String {
        let mut last = String::new();
        for _ in 0..200 {
            if let Ok(url) = self
                .try_command(reqwest::Method::GET, "/url", serde_json::Value::Null)
                .await
            {
                last = url.as_str().unwrap_or_default().to_owned();
                if ready(&last) {
                    return last;
                }
            }
            tokio::time::sleep(std::time::Duration::from_millis(25)).await;
        }
        panic!("the page never reached the expected address; last: {last}");
    }

    /// Runs `script` (a function body) in the page and returns what it returns.
    pub async fn execute(&self, script: &str) -> serde_json::Value {
        self.command(
            reqwest::Method::POST,
            "/execute/sync",
            serde_json::json!({"script": script, "args": []}),
        )
        .await
    }

    /// Moves back to the page that holds the current iframe.
    pub async fn leave_frame(&self) {
        self.command(
            reqwest::Method::POST,
            "/frame/parent",
            serde_json::json!({}),
        )
        .await;
    }

    /// Waits (bounded) for the iframe `css` and sends the next commands into it.
    pub async fn enter_frame(&self, css: &str) {
        for _ in 0..200 {
            let found = self
                .try_command(
                    reqwest::Method::POST,
                    "/element",
                    serde_json::json!({"using": "css selector", "value": css}),
                )
                .await;
            if let Ok(element) = found {
                self.command(
                    reqwest::Method::POST,
                    "/frame",
                    serde_json::json!({"id": element}),
                )
                .await;
                return;
            }
            tokio::time::sleep(std::time::Duration::from_millis(25)).await;
        }
        panic!("no frame {css} appeared");
    }

    /// Sends the next commands to the top-level page again.
    pub async fn leave_frames(&self) {
        self.command(
            reqwest::Method::POST,
            "/frame",
            serde_json::json!({"id": null}),
        )
        .await;
    }

    /// Accepts the page's `confirm()` dialog.
    pub async fn accept_dialog(&self) {
        self.command(
            reqwest::Method::POST,
            "/alert/accept",
            serde_json::json!({}),
        )
        .await;
    }

    pub async fn close(self) {
        let _ = self.client.delete(&self.session).send().await;
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let group = format!("-{}", self.driver.id());
        let _ = Command::new("kill").args(["-KILL", "--", &group]).status();
        let _ = self.driver.wait();
    }
}
