//! Every example of README.md and docs/*.md runs here, in page order, against a fresh tossd on each
//! backend, and its documented answer is checked. How pages mark their examples is in
//! docs/CONTRIBUTING-docs.md; in short:
//!
//! - ```` ```sh tested ```` runs with bash (`set -euo pipefail`), ```` ```js tested ```` with node (an ES
//!   module, so top-level `await` works), ```` ```python tested ```` with python3; `127.0.0.1:8700` and
//!   `localhost:8700` become the test server's address (in answers too). Each page runs in its own empty directory with
//!   `tossd` on `PATH` (the binary under test, `TOSSD_DATABASE_URL` set to the server's database).
//! - Every `curl` call of a sh block is recorded (status and body). The ```` ```json answer [STATUS] ````
//!   blocks after a block are the answers of its last calls, in order (of its output for a block that
//!   makes no curl call); without STATUS the call must answer 2xx. Calls without an answer must answer
//!   below 400. A ```` ```text answer ```` holds lines the block's output shows.
//! - Answers bind placeholders (`"<payToken>"`), which later blocks read as `$payToken`
//!   (`process.env.payToken`, `os.environ["payToken"]`); shell variables a block sets carry over too.
//! - ```` ```LANG save FILE ```` is written to FILE in the page's directory (a module later blocks import).
//! - ```` ```LANG untested REASON ```` is shown and never run; an unmarked sh/json/js/python/rust block
//!   fails the page.

mod markdown;
mod matching;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::Value;

use crate::common::{run, Backend, TestEnv};
use markdown::{Block, Mark, Page, Runner};
use matching::Bindings;

/// The page no example of is run: the API contract, whose samples are Toss's own wire examples.
const NOT_RUN: &[&str] = &["docs/reference.md"];

/// A block that runs longer than this has hung (a server started in the foreground, a prompt).
const BLOCK_LIMIT: Duration = Duration::from_secs(60);

macro_rules! pages {
    ($($name:ident => $path:literal),* $(,)?) => {
        /// Every page whose examples run, as `pages!` lists them.
        const PAGES: &[&str] = &[$($path),*];
        $(
            mod $name {
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn sqlite() {
                    super::run_page($path, crate::common::Backend::Sqlite).await;
                }

                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn postgres() {
                    super::run_page($path, crate::common::Backend::Postgres).await;
                }
            }
        )*
    };
}

pages!(
    readme => "README.md",
    quickstart => "docs/quickstart.md",
    seeded_data => "docs/seeded-data.md",
    login => "docs/login.md",
    toss_pay => "docs/toss-pay.md",
    promotions_and_messages => "docs/promotions-and-messages.md",
    brandpay => "docs/brandpay.md",
    front_end => "docs/front-end.md",
    payments => "docs/payments.md",
    webhooks => "docs/webhooks.md",
    faults => "docs/faults.md",
    tls => "docs/tls.md",
    compat => "docs/compat.md",
    architecture => "docs/architecture.md",
    benchmarks => "docs/benchmarks.md",
    security => "docs/security.md",
    testing_with_tossd => "docs/testing-with-tossd.md",
    fixtures => "docs/fixtures.md",
    journal => "docs/journal.md",
    contributing_docs => "docs/CONTRIBUTING-docs.md",
);

fn repository() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

#[test]
fn every_page_is_run() {
    let mut found = vec!["README.md".to_owned()];
    for entry in std::fs::read_dir(repository().join("docs")).expect("docs/") {
        let name = entry.expect("a docs/ entry").file_name();
        let name = name.to_string_lossy();
        if name.ends_with(".md") {
            found.push(format!("docs/{name}"));
        }
    }
    let missing: Vec<&String> = found
        .iter()
        .filter(|page| !PAGES.contains(&page.as_str()) && !NOT_RUN.contains(&page.as_str()))
        .collect();
    assert!(
        missing.is_empty(),
        "pages whose examples no test runs: {missing:?}; add `name => \"docs/….md\"` to `pages!` in \
         crates/tossd/tests/api/doc_examples/mod.rs"
    );
    for page in PAGES {
        assert!(
            found.iter().any(|f| f == page),
            "{page} is listed but missing"
        );
    }
}

/// Parses the page, then runs its examples against a fresh server on `backend`.
async fn run_page(path: &'static str, backend: Backend) {
    let text =
        std::fs::read_to_string(repository().join(path)).unwrap_or_else(|e| panic!("{path}: {e}"));
    let page = markdown::parse(path, &text).unwrap_or_else(|problems| {
        panic!(
            "{path} marks its examples wrongly (docs/CONTRIBUTING-docs.md):\n{}",
            problems.join("\n")
        )
    });
    // A page without runnable examples needs no server: reading its marks is its test.
    if !page
        .blocks
        .iter()
        .any(|b| matches!(b.mark, Mark::Run(_) | Mark::Save(_)))
    {
        return;
    }
    let owned = page.serve_flags.clone();
    let flags: Vec<&str> = owned.iter().map(String::as_str).collect();
    run(backend, &flags, move |env| run_examples(env, path, page)).await;
}

/// What running one block produced.
struct Outcome {
    stdout: String,
    stderr: String,
    /// The curl calls a sh block made, in order: (status, body).
    calls: Vec<(u16, String)>,
    /// Environment variables the block set or changed (carried to the next blocks).
    exported: BTreeMap<String, String>,
}

/// The state a page's blocks share.
struct Session {
    env: TestEnv,
    path: &'static str,
    dir: tempfile::TempDir,
    bin: PathBuf,
    bindings: Bindings,
    carried: BTreeMap<String, String>,
}

async fn run_examples(env: TestEnv, path: &'static str, page: Page) {
    let dir = tempfile::tempdir().expect("a working directory");
    let bin = dir.path().join(".bin");
    std::fs::create_dir(&bin).expect("bin directory");
    std::os::unix::fs::symlink(env!("CARGO_BIN_EXE_tossd"), bin.join("tossd"))
        .expect("tossd on PATH");
    let mut session = Session {
        env,
        path,
        dir,
        bin,
        bindings: Bindings::new(),
        carried: BTreeMap::new(),
    };
    let mut blocks = page.blocks.iter().enumerate().peekable();
    while let Some((index, block)) = blocks.next() {
        let mut answers = Vec::new();
        while let Some((_, next)) =
            blocks.next_if(|(_, b)| matches!(b.mark, Mark::JsonAnswer(_) | Mark::TextAnswer))
        {
            answers.push(next);
        }
        let runner = match &block.mark {
            Mark::Run(runner) => *runner,
            Mark::Save(file) => {
                let text = session.substituted(&block.body);
                std::fs::write(session.dir.path().join(file), text).expect("a saved block");
                continue;
            }
            _ => continue,
        };
        let outcome = session.execute(index, block, runner).await;
        session.check(block, &answers, &outcome);
        session.carried.extend(outcome.exported);
    }
}

const BASH_PRELUDE: &str = r#"set -euo pipefail
set -a
curl() {
  local call
  call=$(mktemp -d "$DOC_CALLS/call.XXXXXX")
  echo "$call" >> "$DOC_CALLS/index"
  command curl -sS -D "$call/head" "$@" | tee "$call/body"
}
trap 'env -0 > "$DOC_CALLS/env"' EXIT
"#;

/// Variables of the shell itself, never carried from one block to the next.
const SHELL_OWN: &[&str] = &[
    "_",
    "SHLVL",
    "PWD",
    "OLDPWD",
    "SHELLOPTS",
    "BASHOPTS",
    "DOC_CALLS",
];

impl Session {
    fn location(&self, block: &Block) -> String {
        format!("{}:{} (```{})", self.path, block.line, block.info)
    }

    /// The block's text with the documented address replaced by the test server's.
    fn substituted(&self, body: &str) -> String {
        let address = self
            .env
            .base()
            .split_once("://")
            .map_or(self.env.base(), |(_, address)| address);
        body.replace("127.0.0.1:8700", address)
            .replace("localhost:8700", address)
    }

    async fn execute(&self, index: usize, block: &Block, runner: Runner) -> Outcome {
        let calls = self.dir.path().join(format!(".calls-{index}"));
        std::fs::create_dir(&calls).expect("calls directory");
        let body = self.substituted(&block.body);
        let (program, file, text) = match runner {
            Runner::Bash => (
                "bash",
                format!(".block-{index}.sh"),
                format!("{BASH_PRELUDE}{body}"),
            ),
            Runner::Node => ("node", format!(".block-{index}.mjs"), body.clone()),
            Runner::Python => ("python3", format!(".block-{index}.py"), body.clone()),
        };
        let script = self.dir.path().join(file);
        std::fs::write(&script, text).expect("the block's script");
        let path = format!(
            "{}:{}",
            self.bin.display(),
            std::env::var("PATH").unwrap_or_default()
        );
        let mut command = tokio::process::Command::new(program);
        command
            .arg(&script)
            .current_dir(self.dir.path())
            .envs(&self.carried)
            .envs(&self.bindings)
            .env("PATH", &path)
            .env("TOSSD_DATABASE_URL", self.env.database_url())
            .env("DOC_CALLS", &calls)
            .stdin(std::process::Stdio::null())
            .kill_on_drop(true);
        let output = match tokio::time::timeout(BLOCK_LIMIT, command.output()).await {
            Ok(output) => output.unwrap_or_else(|e| panic!("{}: {program}: {e}", self.location(block))),
            Err(_) => panic!(
                "{}: still running after {BLOCK_LIMIT:?}; a block must finish (start servers in the \
                 background, or mark it `untested REASON`)",
                self.location(block)
            ),
        };
        let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
        let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
        assert!(
            output.status.success(),
            "{}: exited with {}\n--- script\n{body}--- stdout\n{}\n--- stderr\n{}",
            self.location(block),
            output.status,
            clip(&stdout),
            clip(&stderr)
        );
        Outcome {
            calls: recorded_calls(&calls),
            exported: self.exported(&calls),
            stdout,
            stderr,
        }
    }

    /// The variables a sh block left in its environment that differ from what it was given.
    fn exported(&self, calls: &Path) -> BTreeMap<String, String> {
        let Ok(raw) = std::fs::read(calls.join("env")) else {
            return BTreeMap::new();
        };
        String::from_utf8_lossy(&raw)
            .split('\0')
            .filter_map(|pair| pair.split_once('='))
            .filter(|(name, value)| {
                !SHELL_OWN.contains(name)
                    && !name.starts_with("BASH_FUNC_")
                    && std::env::var(name).ok().as_deref() != Some(*value)
                    && *name != "PATH"
                    && *name != "TOSSD_DATABASE_URL"
            })
            .map(|(name, value)| (name.to_owned(), value.to_owned()))
            .collect()
    }

    fn check(&mut self, block: &Block, answers: &[&Block], outcome: &Outcome) {
        let location = self.location(block);
        let fail = |problem: String| -> ! {
            panic!(
                "{location}: {problem}\n--- stdout\n{}\n--- stderr\n{}",
                clip(&outcome.stdout),
                clip(&outcome.stderr)
            )
        };
        let json_answers: Vec<(&Block, Option<u16>)> = answers
            .iter()
            .filter_map(|a| match a.mark {
                Mark::JsonAnswer(status) => Some((*a, status)),
                _ => None,
            })
            .collect();
        let mut responses: Vec<(Option<u16>, String, String)> = outcome
            .calls
            .iter()
            .enumerate()
            .map(|(i, (status, body))| {
                (Some(*status), body.clone(), format!("curl call {}", i + 1))
            })
            .collect();
        if responses.is_empty() {
            responses.push((None, outcome.stdout.clone(), "the output".to_owned()));
        }
        if json_answers.len() > responses.len() {
            fail(format!(
                "{} JSON answers follow, but the block made {} curl calls",
                json_answers.len(),
                outcome.calls.len()
            ));
        }
        let answered_from = responses.len() - json_answers.len();
        for (i, (status, body, what)) in responses.iter().enumerate() {
            let answer = i.checked_sub(answered_from).map(|k| json_answers[k]);
            match (status, answer) {
                (Some(status), Some((_, Some(expected)))) if *status != expected => fail(format!(
                    "{what} answered {status}, its answer says {expected}\n{body}"
                )),
                (Some(status), Some((_, None))) if !(200..300).contains(status) => fail(format!(
                    "{what} answered {status}, its answer says 2xx\n{body}"
                )),
                (Some(status), None) if *status >= 400 => fail(format!(
                    "{what} answered {status} and no answer block says so\n{body}"
                )),
                _ => {}
            }
            if let Some((answer, _)) = answer {
                let expected: Value = serde_json::from_str(&self.substituted(&answer.body))
                    .unwrap_or_else(|e| {
                        panic!("{}:{}: the answer is not JSON: {e}", self.path, answer.line)
                    });
                let actual: Value = serde_json::from_str(body)
                    .or_else(|_| serde_json::from_str(body.lines().last().unwrap_or_default()))
                    .unwrap_or_else(|_| fail(format!("{what} is not JSON:\n{body}")));
                if let Err(problem) = matching::json(&expected, &actual, "$", &mut self.bindings) {
                    fail(format!(
                        "{what} differs from the answer at line {}: {problem}\n{actual:#}",
                        answer.line
                    ));
                }
            }
        }
        for answer in answers.iter().filter(|a| a.mark == Mark::TextAnswer) {
            let expected = self.substituted(&answer.body);
            if let Err(problem) = matching::text(&expected, &outcome.stdout, &mut self.bindings) {
                fail(format!(
                    "the text answer at line {}: {problem}",
                    answer.line
                ));
            }
        }
    }
}

/// The end of a long output, enough to see what went wrong.
fn clip(text: &str) -> &str {
    const KEEP: usize = 4000;
    let mut start = text.len().saturating_sub(KEEP);
    while !text.is_char_boundary(start) {
        start += 1;
    }
    &text[start..]
}

/// The curl calls recorded by the prelude's wrapper, in the order they started.
fn recorded_calls(calls: &Path) -> Vec<(u16, String)> {
    let Ok(index) = std::fs::read_to_string(calls.join("index")) else {
        return Vec::new();
    };
    index
        .lines()
        .map(|call| {
            let call = Path::new(call);
            let head = std::fs::read_to_string(call.join("head")).unwrap_or_default();
            let status = head
                .lines()
                .rfind(|l| l.starts_with("HTTP/"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|s| s.parse().ok())
                .unwrap_or(0);
            let body = std::fs::read_to_string(call.join("body")).unwrap_or_default();
            (status, body)
        })
        .collect()
}
