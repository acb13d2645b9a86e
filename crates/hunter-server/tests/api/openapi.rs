//! The OpenAPI document tells the truth (`team.md` §8): a standard validator accepts it, and
//! schemathesis, sending requests generated from it to the running server, finds no answer the
//! document does not describe and no server error. Both tools are Python programs, found in
//! the venv that `HUNTER_TEST_OPENAPI_TOOLS` names (`.ci/run` makes it).

use std::path::{Path, PathBuf};
use std::process::Output;

use hunter_fixtures::{DnsServer, catalogue, zones};
use serde_json::json;
use tokio::process::Command;

use crate::support::{Server, config, json, on_each_backend};

const TOOLS_VAR: &str = "HUNTER_TEST_OPENAPI_TOOLS";

/// Test cases per operation and phase: more than it took to find what the tools found while
/// this test was written, few enough for both backends to take well under two minutes (about
/// 35 s here). `HUNTER_TEST_OPENAPI_SEED` picks other cases than the default, repeatable ones.
const EXAMPLES: &str = "100";

/// What schemathesis checks, and why some expectations differ from its defaults. Every check is
/// on, except where a line below says otherwise.
const SCHEMATHESIS_CONFIG: &str = r#"
[checks]
enabled = true

# The server runs in local mode (a loopback bind, no Entra settings): nobody signs in, so a
# request without or with a wrong credential is rightly answered. Checked where sign-in exists.
[checks.ignored_auth]
enabled = false

[generation]
# Credentials are not inputs in local mode (see above), so they are not fuzzed either.
with-security-parameters = false
database = "none"

# A domain must be usable (`hunter.md` §2: a registrable name under a public suffix, no
# placeholder, ...), which a JSON Schema cannot state; such a value is answered 422.
[[operations]]
include-path-regex = "^/api/(leads/\\{domain\\}|ingest/(domain|webhook)$|scan/)"
checks.positive_data_acceptance.expected-statuses = ["2xx", "404", "422"]

# `sort_order` needs `sort_by` (400 `invalid_query`, documented); OpenAPI cannot say that one
# parameter requires another.
[[operations]]
include-path-regex = "^/api/leads(/export)?$"
checks.positive_data_acceptance.expected-statuses = ["2xx", "400"]

# Partner Center is off in this server, so every sync is 400 `partner_center_disabled`.
[[operations]]
include-path = "/api/referrals/sync"
checks.positive_data_acceptance.expected-statuses = ["2xx", "400"]

# The form is read up to its `file` field, so a part after it with a name the document forbids
# (a control character) is never looked at; JSON Schema cannot state the order of parts.
[[operations]]
include-path = "/api/ingest/file"
checks.negative_data_rejection.enabled = false
"#;

/// The venv's `bin/`, or a failure saying how to make one (never a silent skip).
fn tools() -> PathBuf {
    match std::env::var_os(TOOLS_VAR) {
        Some(dir) if !dir.is_empty() => PathBuf::from(dir),
        _ => panic!(
            "{TOOLS_VAR} is not set. It names the bin/ directory of a Python venv holding \
             openapi-spec-validator and schemathesis. `bash .ci/run` makes one; by hand, as \
             .ci/run does: `python3 -m venv target/openapi-tools`, then \
             `target/openapi-tools/bin/pip install` both at the versions pinned in .ci/run, \
             then `export {TOOLS_VAR}=$PWD/target/openapi-tools/bin`."
        ),
    }
}

async fn run(tool: &Path, args: &[&str], cwd: &Path) -> Output {
    Command::new(tool)
        .args(args)
        .current_dir(cwd)
        .kill_on_drop(true)
        .output()
        .await
        .unwrap_or_else(|e| panic!("{} could not be started: {e}", tool.display()))
}

fn assert_success(what: &str, output: &Output) {
    assert!(
        output.status.success(),
        "{what} failed ({}):\n{}\n{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr),
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_document_is_valid_openapi_and_the_server_keeps_to_it() {
    let tools = tools();
    let dns = DnsServer::start(&zones(&catalogue())).await;
    let dns_addr = dns.addr();
    on_each_backend(move |db| {
        let tools = tools.clone();
        async move {
            let settings = [
                ("HUNTER_DNS_TIMEOUT_MS", "500"),
                ("HUNTER_SCAN_DEADLINE_MS", "2000"),
            ];
            let server = Server::start(config(&db.url, dns_addr, &settings)).await;
            // A few scanned leads, so the lead routes answer with real rows, not only 404s.
            for fixture in catalogue().iter().take(4) {
                let body = json!({ "domain": fixture.domain });
                json(server.post_json("/api/scan/domain", &body).await, 200).await;
            }
            let work = tempfile::tempdir().expect("a temporary directory");
            let doc_path = work.path().join("openapi.json");
            let doc = server
                .get("/api/openapi.json")
                .await
                .bytes()
                .await
                .expect("the document");
            std::fs::write(&doc_path, &doc).expect("write the document");

            let validator = tools.join("openapi-spec-validator");
            let doc_arg = doc_path.to_str().expect("a UTF-8 path");
            let validated = run(&validator, &[doc_arg], work.path()).await;
            assert_success("openapi-spec-validator", &validated);

            let config_path = work.path().join("schemathesis.toml");
            std::fs::write(&config_path, SCHEMATHESIS_CONFIG).expect("write the configuration");
            let seed = std::env::var("HUNTER_TEST_OPENAPI_SEED").unwrap_or_else(|_| "1".into());
            let url = server.url("/api/openapi.json");
            let args = [
                "--no-color",
                "--config-file",
                config_path.to_str().expect("a UTF-8 path"),
                "run",
                &url,
                "--max-examples",
                EXAMPLES,
                "--seed",
                &seed,
            ];
            let tested = run(&tools.join("st"), &args, work.path()).await;
            assert_success("schemathesis", &tested);
            // Shown with --nocapture: how much was tested.
            let report = String::from_utf8_lossy(&tested.stdout);
            let summary = report.lines().rev().take(6).collect::<Vec<_>>();
            eprintln!("schemathesis on {}: {summary:?}", db.url);
            server.stop().await;
        }
    })
    .await;
}
