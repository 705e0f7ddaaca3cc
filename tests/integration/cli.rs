//! The `docflow` binary as a user runs it: `validate`, `run`, `schema`, `mock serve`.

use std::io::{BufRead as _, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn docflow() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_docflow"));
    cmd.current_dir(env!("CARGO_MANIFEST_DIR"))
        .env_remove("DOCFLOW_TARGET")
        .env("NO_COLOR", "1");
    cmd
}

#[test]
fn validate_reports_three_located_errors() {
    let out = docflow()
        .args(["validate", "tests/fixtures/invalid/three-mistakes.yaml"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    let located: Vec<&str> = stderr
        .lines()
        .filter(|l| l.starts_with("tests/fixtures/invalid/three-mistakes.yaml:"))
        .collect();
    assert_eq!(located.len(), 3, "{stderr}");
    assert!(
        located[0].contains(":7:5: error[scenario::unknown_field]"),
        "{stderr}"
    );
    assert!(located[0].contains("did you mean `headers`?"), "{stderr}");
    assert!(
        located[1].contains(":11:13: error[scenario::bad_jq]"),
        "{stderr}"
    );
    assert!(
        located[2].contains(":13:27: error[scenario::undefined_variable]"),
        "{stderr}"
    );
    assert!(located[2].contains("AUTH_SERVR_ID"), "{stderr}");
}

#[test]
fn run_prints_the_drafts_defects_with_doc_lines() {
    let out = docflow()
        .args(["run", "scenarios/konnect-identity-oidc-draft.yaml"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for line in [
        "app/_includes/how-tos/steps/konnect-identity-server-scope-claim-client.md:8  step `create-auth-server`: the doc says `status_code: 200`, the target answered 201",
        "app/_how-tos/configure-konnect-identity-oidc.md:74  step `get-control-plane`: the doc says `status_code: 201`, the target answered 200",
        "app/_how-tos/configure-konnect-identity-oidc.md:120  step `call-gateway`: the doc says `status_code: 200`, the target answered 401",
    ] {
        assert!(stdout.contains(line), "missing `{line}` in:\n{stdout}");
    }
    assert!(stdout.contains("5 doc defects (5 known)"), "{stdout}");
    assert!(
        stdout.contains("scenarios: 1 passed, 0 failed, 0 not applicable"),
        "{stdout}"
    );
}

#[test]
fn a_wrong_status_fails_naming_the_line_and_the_actual_status() {
    let dir = std::env::temp_dir().join(format!("docflow-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("wrong-status.yaml");
    std::fs::write(
        &file,
        "steps:\n  - name: list-auth-servers\n    url: /v1/auth-servers\n    status_code: 201\n",
    )
    .unwrap();
    let out = docflow().arg("run").arg(&file).output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    let expected = format!("{}:2:5: error[check::status]", file.display());
    assert!(
        stdout.contains(&expected),
        "missing `{expected}` in:\n{stdout}"
    );
    assert!(stdout.contains("expected: 201"), "{stdout}");
    assert!(stdout.contains("actual:   200"), "{stdout}");
    assert!(
        stdout.contains("curl -i -X GET \"$KONNECT_CONTROL_PLANE_URL/v1/auth-servers\""),
        "{stdout}"
    );
    assert!(!stdout.contains("kpat_"), "the token leaked:\n{stdout}");
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn schema_prints_the_checked_in_schema() {
    let out = docflow().arg("schema").output().unwrap();
    assert!(out.status.success());
    let checked_in = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/docflow.schema.json"),
    )
    .unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stdout), checked_in);
}

#[cfg(unix)]
#[test]
fn mock_serve_prints_ready_serves_and_stops_on_sigterm() {
    let mut child = docflow()
        .args(["mock", "serve", "--api-port", "0", "--proxy-port", "0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let mut line = String::new();
    BufReader::new(stdout).read_line(&mut line).unwrap();
    assert!(
        line.starts_with("docflow mock ready: api http://127.0.0.1:"),
        "{line}"
    );
    let api = line.split_whitespace().nth(4).unwrap().to_owned();
    // A reader's first request: no token → problem+json 401; a PAT → an empty list.
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let client = reqwest::Client::new();
        let denied = client
            .get(format!("{api}/v1/auth-servers"))
            .send()
            .await
            .unwrap();
        assert_eq!(denied.status(), 401);
        assert_eq!(denied.headers()["content-type"], "application/problem+json");
        let listed = client
            .get(format!("{api}/v1/auth-servers"))
            .bearer_auth("kpat_readerreaderreader")
            .send()
            .await
            .unwrap();
        assert_eq!(listed.status(), 200);
        let body: serde_json::Value = listed.json().await.unwrap();
        assert_eq!(body["data"], serde_json::json!([]));
    });
    let pid = child.id().to_string();
    assert!(
        Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap()
            .success()
    );
    let started = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            assert!(status.success(), "exit status after SIGTERM: {status}");
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "mock did not stop on SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn run_writes_a_junit_report_with_failures_at_their_lines() {
    let dir = std::env::temp_dir().join(format!("docflow-junit-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let wrong = dir.join("wrong-status.yaml");
    std::fs::write(
        &wrong,
        "steps:\n  - name: list-auth-servers\n    url: /v1/auth-servers\n    status_code: 201\n",
    )
    .unwrap();
    let junit = dir.join("junit.xml");
    let out = docflow()
        .args(["run", "scenarios/konnect-identity-oidc-draft.yaml"])
        .arg(&wrong)
        .arg("--junit")
        .arg(&junit)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let xml = std::fs::read_to_string(&junit).unwrap();
    assert!(
        xml.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>"),
        "{xml}"
    );
    assert_eq!(xml.matches("<testsuite ").count(), 2, "{xml}");
    assert_eq!(xml.matches("</testsuite>").count(), 2, "{xml}");
    // 11 draft steps + 1 wrong-status step, and one run-level case per scenario.
    assert_eq!(xml.matches("<testcase ").count(), 14, "{xml}");
    assert!(
        xml.contains("name=\"list-auth-servers\"")
            && xml.contains("line=\"2\"")
            && xml.contains("type=\"check::status\">"),
        "{xml}"
    );
    // The draft passes: its known defects are listed, not failed.
    assert!(
        xml.contains("known: createAuthServer answers 201 Created"),
        "{xml}"
    );
    assert_eq!(xml.matches("<failure ").count(), 1, "{xml}");
    assert!(
        !xml.contains("kpat_") && !xml.contains("eyJ"),
        "a secret leaked:\n{xml}"
    );
    std::fs::remove_dir_all(&dir).ok();
}

/// Every failed check of a step is in the report, the terminal's and JUnit's, not only the
/// first: here a status and two places of the body.
#[test]
fn every_mismatch_of_a_check_is_shown() {
    let dir = std::env::temp_dir().join(format!("docflow-mismatches-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let wrong = dir.join("three-wrongs.yaml");
    std::fs::write(
        &wrong,
        "steps:\n  - name: list-auth-servers\n    url: /v1/auth-servers\n    status_code: 201\n    \
         expect:\n      body: {data: [1], meta: {page: {size: 99, number: 1}}}\n",
    )
    .unwrap();
    let junit = dir.join("junit.xml");
    let out = docflow()
        .arg("run")
        .arg(&wrong)
        .arg("--junit")
        .arg(&junit)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    for shown in [
        "status [check::status]",
        "body at `.data` [check::body]",
        "body at `.meta.page.size` [check::body]",
    ] {
        assert!(stdout.contains(shown), "`{shown}` missing:\n{stdout}");
    }
    assert!(!stdout.contains("body at `.meta.page.number`"), "{stdout}");
    let xml = std::fs::read_to_string(&junit).unwrap();
    assert!(
        xml.contains(
            "message=\"step `list-auth-servers`: status [check::status]: expected 201, actual 200; \
             body at `.data` [check::body]: expected [1], actual []; \
             body at `.meta.page.size` [check::body]: expected 99, actual 10\""
        ),
        "{xml}"
    );
    std::fs::remove_dir_all(&dir).ok();
}

/// `docflow run` checks a passing scenario's snapshots as `cargo test` does (same names and
/// files): recorded with `--snapshots update`, matched on the next run, and a changed one fails
/// the run, in the summary and in JUnit. `CI=true` never writes; `skip` leaves them alone.
#[test]
fn a_changed_snapshot_fails_docflow_run() {
    let dir = std::env::temp_dir().join(format!("docflow-snapshots-{}", std::process::id()));
    let snapshots = dir.join("snapshots");
    std::fs::create_dir_all(&snapshots).unwrap();
    let scenario = dir.join("listing.yaml");
    let write = |jq: &str| {
        std::fs::write(
            &scenario,
            format!(
                "steps:\n  - name: list-auth-servers\n    url: /v1/auth-servers\n    \
                 status_code: 200\n    snapshot: {{jq: '{jq}'}}\n"
            ),
        )
        .unwrap();
    };
    let run = |mode: &str, ci: bool| {
        let mut command = docflow();
        command
            .arg("run")
            .arg(&scenario)
            .args(["--snapshots", mode, "--junit"])
            .arg(dir.join("junit.xml"))
            .env("DOCFLOW_SNAPSHOTS", &snapshots)
            .env_remove("INSTA_UPDATE")
            .env_remove("TF_BUILD");
        if ci {
            command.env("CI", "true");
        } else {
            command.env_remove("CI");
        }
        let out = command.output().unwrap();
        let text = format!(
            "{}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        (out.status.code(), text)
    };
    let snap = snapshots.join("listing@list-auth-servers.snap");

    write("{total: .meta.page.total}");
    let (code, text) = run("check", true);
    assert_eq!(code, Some(0), "{text}");
    assert!(
        text.contains("snapshots: none recorded for `listing`"),
        "{text}"
    );
    let (code, text) = run("update", true);
    assert_eq!(code, Some(2), "CI never writes:\n{text}");
    assert!(!snap.exists());

    let (code, text) = run("update", false);
    assert_eq!(code, Some(0), "{text}");
    assert!(
        text.contains("snapshots: wrote listing@list-auth-servers"),
        "{text}"
    );
    let recorded = std::fs::read_to_string(&snap).unwrap();
    assert!(recorded.contains("total: 0"), "{recorded}");
    let (code, text) = run("check", true);
    assert_eq!(code, Some(0), "{text}");
    assert!(text.contains("snapshots: all match"), "{text}");

    write("{size: .meta.page.size}");
    let (code, text) = run("check", true);
    assert_eq!(code, Some(1), "{text}");
    assert!(
        text.contains("listing: snapshot `listing@list-auth-servers` is missing or differs"),
        "{text}"
    );
    let xml = std::fs::read_to_string(dir.join("junit.xml")).unwrap();
    assert!(xml.contains("type=\"check::snapshot\""), "{xml}");
    assert_eq!(std::fs::read_to_string(&snap).unwrap(), recorded);
    assert!(
        !snapshots
            .join("listing@list-auth-servers.snap.new")
            .exists()
    );
    let (code, text) = run("skip", true);
    assert_eq!(code, Some(0), "{text}");
    std::fs::remove_dir_all(&dir).ok();
}
