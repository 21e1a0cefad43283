//! `tossd exec` and `tossd serve --ready-file` as a test suite uses them: the real binary, its exit
//! status, the environment it gives the command, the ready file's life (docs/testing-with-tossd.md).

use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use reqwest::Method;
use serde_json::{json, Value};
use tokio::io::{AsyncBufReadExt, BufReader};

use crate::common::{send, tls_client, Backend, TestEnv};
use crate::on_both_backends;

on_both_backends!(
    healthz_answers_the_command,
    the_exit_status_is_the_commands,
    the_environment_reaches_the_command,
    tls_gives_the_command_a_client_certificate,
    signals_reach_the_command_and_the_ready_file_goes,
    serve_on_port_zero_writes_a_ready_file_that_answers,
    serve_with_tls_writes_the_client_files_beside_the_ready_file,
);

const LIMIT: Duration = Duration::from_secs(60);

/// What `tossd exec` did.
struct Ran {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

/// `tossd exec` on the test's backend: on SQLite with no database flag (exec's own fresh database), on
/// PostgreSQL with `--database-url` of the test's database. `tmp` is its TMPDIR.
fn exec_command(
    env: &TestEnv,
    tmp: &Path,
    flags: &[&str],
    command: &[&str],
) -> tokio::process::Command {
    let mut process = tokio::process::Command::new(env!("CARGO_BIN_EXE_tossd"));
    process.arg("exec");
    if env.backend() == Backend::Postgres {
        process.args(["--database-url", env.database_url()]);
    }
    process
        .args(["--database-max-connections", crate::common::TEST_POOL_SIZE])
        .args(flags)
        .arg("--")
        .args(command)
        .env_remove("TOSSD_DATABASE_URL")
        .env_remove("TOSSD_LISTEN")
        .env("TMPDIR", tmp)
        .current_dir(tmp)
        .kill_on_drop(true);
    process
}

async fn exec(env: &TestEnv, flags: &[&str], command: &[&str]) -> Ran {
    let tmp = tempfile::tempdir().expect("a temporary folder");
    let output = tokio::time::timeout(
        LIMIT,
        exec_command(env, tmp.path(), flags, command).output(),
    )
    .await
    .expect("tossd exec ends")
    .expect("tossd exec runs");
    let left: Vec<_> = std::fs::read_dir(tmp.path())
        .expect("the temporary folder")
        .map(|e| e.expect("an entry").file_name())
        .collect();
    assert!(
        left.is_empty(),
        "tossd exec left {left:?} behind (stderr: {})",
        String::from_utf8_lossy(&output.stderr)
    );
    Ran {
        code: output.status.code(),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// `tossd exec -- sh -c 'curl -sf "$TOSSD_URL/healthz"'` exits 0, with the health answer on its stdout.
async fn healthz_answers_the_command(env: TestEnv) {
    let ran = exec(&env, &[], &["sh", "-c", r#"curl -sf "$TOSSD_URL/healthz""#]).await;
    assert_eq!(ran.code, Some(0), "stderr: {}", ran.stderr);
    assert_eq!(ran.stdout, r#"{"status":"ok"}"#);
    assert!(
        ran.stderr.starts_with(&format!(
            "tossd exec: tossd {} listening on http://127.0.0.1:",
            env!("CARGO_PKG_VERSION")
        )),
        "{}",
        ran.stderr
    );
}

/// The command's exit status is tossd exec's: its code, 128 + a signal that killed it, 127 for a
/// command that does not exist.
async fn the_exit_status_is_the_commands(env: TestEnv) {
    let ran = exec(&env, &[], &["sh", "-c", "exit 7"]).await;
    assert_eq!(ran.code, Some(7), "stderr: {}", ran.stderr);
    let ran = exec(&env, &[], &["sh", "-c", "kill -TERM $$"]).await;
    assert_eq!(ran.code, Some(128 + 15), "stderr: {}", ran.stderr);
    let ran = exec(&env, &[], &["tossd-no-such-command-here"]).await;
    assert_eq!(ran.code, Some(127), "stderr: {}", ran.stderr);
    assert!(
        ran.stderr
            .contains("tossd exec: tossd-no-such-command-here: "),
        "{}",
        ran.stderr
    );
    let ran = exec(&env, &["--print-seed"], &["true"]).await;
    assert_eq!(ran.code, Some(1), "stderr: {}", ran.stderr);
}

/// The command reaches tossd with TOSSD_URL and the default merchant's and app's credentials: an
/// authenticated Toss Payments call gets the documented 404, a wrong key the documented 401. What it
/// creates lands in exec's own temporary database on SQLite, in the test's database given on PostgreSQL.
async fn the_environment_reaches_the_command(env: TestEnv) {
    let script = r#"
        echo "$TOSSD_CLIENT_KEY $TOSSD_MID $TOSSD_APP_ID"
        curl -s -u "$TOSSD_SECRET_KEY:" "$TOSSD_URL/v1/payments/abc"; echo
        curl -s -u "test_sk_wrong:" "$TOSSD_URL/v1/payments/abc"; echo
        curl -s "$TOSSD_URL/sim/v1/apps/$TOSSD_APP_ID"; echo
        curl -s "$TOSSD_URL/sim/v1/merchants" -d '{"name": "made under exec"}'
    "#;
    let ran = exec(&env, &[], &["sh", "-c", script]).await;
    assert_eq!(ran.code, Some(0), "stderr: {}", ran.stderr);
    // The same seed gives the same keys and ids as the test's own server (on PostgreSQL: the same rows).
    let merchant = env
        .sim(Method::GET, "/sim/v1/merchants/default", Value::Null)
        .await;
    let app = env
        .sim(Method::GET, "/sim/v1/apps/default", Value::Null)
        .await;
    let lines: Vec<&str> = ran.stdout.lines().collect();
    assert_eq!(lines.len(), 5, "{}", ran.stdout);
    assert_eq!(
        lines[0],
        format!(
            "{} {} {}",
            merchant["clientKey"].as_str().unwrap(),
            merchant["mId"].as_str().unwrap(),
            app["appId"].as_str().unwrap()
        )
    );
    let parsed = |line: &str| serde_json::from_str::<Value>(line).expect(line);
    assert_eq!(
        parsed(lines[1]),
        json!({"code": "NOT_FOUND_PAYMENT", "message": "존재하지 않는 결제 정보 입니다."})
    );
    assert_eq!(parsed(lines[2])["code"], "UNAUTHORIZED_KEY");
    assert_eq!(parsed(lines[3]), app);
    let made = parsed(lines[4]);
    let seen = env
        .request(
            Method::GET,
            &format!(
                "/sim/v1/merchants/{}",
                made["mId"].as_str().expect(lines[4])
            ),
            &[],
            None,
        )
        .await;
    match env.backend() {
        Backend::Sqlite => assert_eq!(seen.status, 404, "{}", seen.text),
        Backend::Postgres => assert_eq!(
            (seen.status, &seen.body["name"]),
            (200, &json!("made under exec"))
        ),
    }
}

/// With `--require-mtls` the command gets the default app's client certificate, its key and tossd's
/// CA; they open the port, and are removed with the rest afterwards.
async fn tls_gives_the_command_a_client_certificate(env: TestEnv) {
    let script = r#"
        curl -sf --cacert "$TOSSD_CA_CERT_FILE" --cert "$TOSSD_MTLS_CERT_FILE" \
            --key "$TOSSD_MTLS_KEY_FILE" "$TOSSD_URL/healthz"; echo
        curl -s --cacert "$TOSSD_CA_CERT_FILE" "$TOSSD_URL/healthz" || echo "refused without"
        stat -c %a "$TOSSD_MTLS_KEY_FILE"
        echo "$TOSSD_URL"
    "#;
    let ran = exec(&env, &["--require-mtls"], &["sh", "-c", script]).await;
    assert_eq!(ran.code, Some(0), "stderr: {}", ran.stderr);
    let lines: Vec<&str> = ran.stdout.lines().collect();
    assert_eq!(lines[..3], [r#"{"status":"ok"}"#, "refused without", "600"]);
    assert!(lines[3].starts_with("https://127.0.0.1:"), "{}", ran.stdout);
}

/// SIGTERM to tossd exec reaches the command, whose exit status tossd exec returns; the ready file it
/// wrote is gone afterwards.
async fn signals_reach_the_command_and_the_ready_file_goes(env: TestEnv) {
    let tmp = tempfile::tempdir().expect("a temporary folder");
    let ready = tmp.path().join("ready.json");
    let ready_flag = ready.to_str().unwrap();
    let script = r#"trap 'exit 3' TERM; cat "$1"; echo; echo started; while :; do sleep 0.1; done"#;
    let mut child = exec_command(
        &env,
        tmp.path(),
        &["--ready-file", ready_flag],
        &["sh", "-c", script, "sh", ready_flag],
    )
    .stdout(Stdio::piped())
    .stderr(Stdio::null())
    .spawn()
    .expect("tossd exec starts");
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut json = String::new();
    loop {
        let line = tokio::time::timeout(LIMIT, lines.next_line())
            .await
            .expect("the command starts")
            .unwrap()
            .expect("the command prints the ready file");
        if line == "started" {
            break;
        }
        json.push_str(&line);
    }
    let described: Value = serde_json::from_str(&json).expect(&json);
    let r = send(
        env.client(),
        Method::GET,
        &format!("{}/healthz", described["url"].as_str().unwrap()),
        &[],
        None,
    )
    .await;
    assert_eq!(r.status, 200);
    terminate(child.id().expect("running"));
    let status = tokio::time::timeout(LIMIT, child.wait())
        .await
        .expect("tossd exec ends after SIGTERM")
        .unwrap();
    assert_eq!(status.code(), Some(3));
    assert!(!ready.exists(), "the ready file is removed");
    let left: Vec<_> = std::fs::read_dir(tmp.path()).unwrap().collect();
    assert!(left.is_empty(), "{left:?}");
}

/// The ready file's JSON, once it appears (within a minute).
async fn ready_file(path: &Path) -> Value {
    let deadline = tokio::time::Instant::now() + LIMIT;
    while !path.exists() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "no ready file within a minute"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).expect("JSON")
}

fn terminate(pid: u32) {
    let signalled = std::process::Command::new("kill")
        .args(["-TERM", &pid.to_string()])
        .status()
        .unwrap();
    assert!(signalled.success());
}

/// `tossd serve --listen 127.0.0.1:0 --ready-file PATH`: the banner and the ready file name the port the
/// system picked, the file (mode 0600) holds what a test needs and answers; SIGTERM removes it.
async fn serve_on_port_zero_writes_a_ready_file_that_answers(env: TestEnv) {
    let tmp = tempfile::tempdir().expect("a temporary folder");
    let ready = tmp.path().join("tossd.json");
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_tossd"))
        .args(["serve", "--listen", "127.0.0.1:0"])
        .args(["--database-url", env.database_url()])
        .args(["--database-max-connections", crate::common::TEST_POOL_SIZE])
        .arg("--ready-file")
        .arg(&ready)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("tossd serve starts");
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let first = tokio::time::timeout(LIMIT, lines.next_line())
        .await
        .expect("the banner")
        .unwrap()
        .expect("a first line");
    let described = ready_file(&ready).await;
    let url = described["url"].as_str().expect("a url").to_owned();
    assert!(url.starts_with("http://127.0.0.1:"), "{url}");
    assert!(!url.ends_with(":0"), "{url}");
    assert_eq!(
        first,
        format!("tossd {} listening on {url}", env!("CARGO_PKG_VERSION"))
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&ready).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let merchant = env
        .sim(Method::GET, "/sim/v1/merchants/default", Value::Null)
        .await;
    let app = env
        .sim(Method::GET, "/sim/v1/apps/default", Value::Null)
        .await;
    assert_eq!(
        described,
        json!({
            "url": url,
            "secretKey": merchant["secretKey"],
            "clientKey": merchant["clientKey"],
            "mId": merchant["mId"],
            "appId": app["appId"],
            "pid": child.id().unwrap(),
            "version": env!("CARGO_PKG_VERSION"),
        })
    );
    let r = send(
        env.client(),
        Method::GET,
        &format!("{url}/v1/payments/abc"),
        &[(
            "Authorization",
            &format!(
                "Basic {}",
                base64::Engine::encode(
                    &base64::engine::general_purpose::STANDARD,
                    format!("{}:", described["secretKey"].as_str().unwrap())
                )
            ),
        )],
        None,
    )
    .await;
    assert_eq!(r.status, 404);
    assert_eq!(r.body["code"], "NOT_FOUND_PAYMENT");

    terminate(child.id().unwrap());
    let status = tokio::time::timeout(LIMIT, child.wait())
        .await
        .expect("tossd stops after SIGTERM")
        .unwrap();
    assert!(status.success(), "{status}");
    assert!(
        !ready.exists(),
        "the ready file is removed on a clean shutdown"
    );
    let left: Vec<_> = std::fs::read_dir(tmp.path()).unwrap().collect();
    assert!(left.is_empty(), "{left:?}");
}

/// `tossd serve --require-mtls --ready-file PATH`: the file names the default app's client certificate,
/// its key and tossd's CA, written in `PATH.tls`; they open the port; SIGTERM removes all of it.
async fn serve_with_tls_writes_the_client_files_beside_the_ready_file(env: TestEnv) {
    let tmp = tempfile::tempdir().expect("a temporary folder");
    let ready = tmp.path().join("tossd.json");
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_tossd"))
        .args(["serve", "--listen", "127.0.0.1:0", "--require-mtls"])
        .args(["--database-url", env.database_url()])
        .args(["--database-max-connections", crate::common::TEST_POOL_SIZE])
        .arg("--ready-file")
        .arg(&ready)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("tossd serve starts");
    let described = ready_file(&ready).await;
    let files = tmp.path().join("tossd.json.tls");
    let path = |name: &str| files.join(name).to_str().unwrap().to_owned();
    assert_eq!(
        (
            &described["certificateFile"],
            &described["privateKeyFile"],
            &described["caCertificateFile"]
        ),
        (
            &json!(path("client.crt")),
            &json!(path("client.key")),
            &json!(path("ca.crt"))
        )
    );
    let url = described["url"].as_str().unwrap();
    assert!(url.starts_with("https://127.0.0.1:"), "{url}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(files.join("client.key"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let read = |name: &str| std::fs::read_to_string(files.join(name)).unwrap();
    let ca = read("ca.crt");
    let with_certificate = tls_client(
        &ca,
        Some(format!("{}{}", read("client.crt"), read("client.key"))),
    );
    let r = send(
        &with_certificate,
        Method::GET,
        &format!("{url}/healthz"),
        &[],
        None,
    )
    .await;
    assert_eq!((r.status, r.body), (200, json!({"status": "ok"})));
    let without = tls_client(&ca, None)
        .get(format!("{url}/healthz"))
        .send()
        .await;
    assert!(
        without.is_err(),
        "--require-mtls refuses a client without a certificate"
    );

    terminate(child.id().unwrap());
    let status = tokio::time::timeout(LIMIT, child.wait())
        .await
        .expect("tossd stops after SIGTERM")
        .unwrap();
    assert!(status.success(), "{status}");
    let left: Vec<_> = std::fs::read_dir(tmp.path()).unwrap().collect();
    assert!(
        left.is_empty(),
        "the ready file and its client files are removed: {left:?}"
    );
}
