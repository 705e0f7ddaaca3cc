//! SIGTERM to `cargo nextest run` mid-scenario (issue 10: "also under nextest"): nextest
//! forwards the signal to the scenario's test process, whose harness runs the scenario's
//! cleanups in reverse and exits 143 within nextest's grace period, so nothing is left on the
//! organization. Against the mock served over HTTP with a propagation delay, as CI's delayed
//! pass runs it.

use std::io::{BufRead as _, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{Receiver, channel};
use std::time::{Duration, Instant};

use crate::ci_trust::{DelayedOrg, kill};

/// The scenario to interrupt, as nextest names its test: rstest numbers the files in order, so
/// match the end of the name (the other OIDC scenarios end in `_audience_yaml` and the like).
const FILTER: &str = "test(/_konnect_identity_oidc_yaml$/)";

/// How long building the `scenarios` binary may take: nothing when `cargo test` built every
/// target first, one link when only the integration binary was built.
const BUILD_LIMIT: Duration = Duration::from_secs(600);

/// How long the run may take from nextest's `Starting` line to the end of the cleanups.
const RUN_LIMIT: Duration = Duration::from_secs(55);

/// `cargo-nextest nextest run` on the one scenario against `org` as the `konnect` target. Run
/// directly rather than through `cargo nextest`, so the signal goes to nextest itself.
fn nextest(org: &DelayedOrg) -> Command {
    let mut command = Command::new("cargo-nextest");
    command
        .args(["nextest", "run", "--profile", "default", "--color", "never"])
        .args(["--test", "scenarios", "--no-fail-fast", "-E", FILTER])
        .current_dir(env!("CARGO_MANIFEST_DIR"));
    for (name, _) in std::env::vars_os() {
        let name = name.to_string_lossy();
        if set_for_this_test(&name) {
            command.env_remove(name.as_ref());
        }
    }
    if let Some(shared) = std::env::var_os("DOCFLOW_SHARED") {
        command.env("DOCFLOW_SHARED", shared);
    }
    command
        .env("NO_COLOR", "1")
        .env("DOCFLOW_TARGET", "konnect")
        .env("KONNECT_TOKEN", &org.token)
        .env("KONNECT_CONTROL_PLANE_URL", &org.api)
        .env("KONNECT_PROXY_URL", org.proxy_url())
        // Nextest reports on stderr, test output included.
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    command
}

/// Whether `name` was set for this test process rather than by the user, so the inner run
/// must not see it: what cargo sets for a test (`CARGO_MANIFEST_DIR` and the like: a build
/// script that watches one, as ring's does, would rebuild the crypto stack and everything
/// above it, and the outer build again afterwards), what nextest sets when it runs this test,
/// and the target the scenario tests would otherwise run on.
fn set_for_this_test(name: &str) -> bool {
    const PREFIXES: [&str; 7] = [
        "CARGO_PKG_",
        "CARGO_MANIFEST_",
        "NEXTEST",
        "__NEXTEST",
        "KONNECT_",
        "DOCFLOW_",
        "DECK_",
    ];
    const NAMES: [&str; 6] = [
        "CARGO_CRATE_NAME",
        "CARGO_BIN_NAME",
        "CARGO_PRIMARY_PACKAGE",
        "CARGO_TARGET_TMPDIR",
        "CARGO_RUSTC_CURRENT_DIR",
        "OUT_DIR",
    ];
    PREFIXES.iter().any(|p| name.starts_with(p)) || NAMES.contains(&name)
}

/// Nextest's stderr, line by line, as it comes.
fn stderr_lines(child: &mut Child) -> Receiver<String> {
    let stderr = child.stderr.take().expect("piped stderr");
    let (tx, rx) = channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    rx
}

/// Waits for nextest to start the test (after building, if it must).
fn wait_for_start(lines: &Receiver<String>, seen: &mut Vec<String>) {
    let deadline = Instant::now() + BUILD_LIMIT;
    while !seen.iter().any(|l| l.contains("Starting 1 test")) {
        let left = deadline.saturating_duration_since(Instant::now());
        match lines.recv_timeout(left) {
            Ok(line) => seen.push(line),
            Err(_) => panic!("nextest did not start the test:\n{}", seen.join("\n")),
        }
    }
}

/// Waits until the scenario's gateway call polls the data plane: every step before it
/// answered, so its cleanup is registered, and the 20 s propagation delay keeps it polling.
async fn wait_for_polling(org: &DelayedOrg, deadline: Instant, child: &mut Child) {
    let journal = &org.server.state.journal;
    while !journal.entries().iter().any(|e| e.listener == "proxy") {
        if let Ok(Some(status)) = child.try_wait() {
            panic!("nextest ended ({status}) before the gateway call");
        }
        assert!(
            Instant::now() < deadline,
            "the scenario never reached its gateway call"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Waits for `child` to exit, killing it past `deadline`.
async fn wait_for_exit(child: &mut Child, deadline: Instant) -> std::process::ExitStatus {
    loop {
        if let Some(status) = child.try_wait().expect("wait for nextest") {
            return status;
        }
        if Instant::now() >= deadline {
            let _ = child.kill();
            panic!("nextest did not exit in time after SIGTERM");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_to_nextest_mid_scenario_cleans_up_everything() {
    let org = DelayedOrg::start().await;
    let mut child = nextest(&org)
        .spawn()
        .expect("`cargo-nextest` runs (install it: `cargo install cargo-nextest`)");
    let lines = stderr_lines(&mut child);
    let mut seen = Vec::new();
    wait_for_start(&lines, &mut seen);
    let deadline = Instant::now() + RUN_LIMIT;
    wait_for_polling(&org, deadline, &mut child).await;
    kill("-TERM", child.id());
    let status = wait_for_exit(&mut child, deadline).await;
    // The reader thread ends with nextest's stderr; collect what is left.
    while let Ok(line) = lines.recv_timeout(Duration::from_secs(5)) {
        seen.push(line);
    }
    let report = seen.join("\n");

    // Nextest cancels the run, forwards the signal, and reports the test's own exit.
    assert_eq!(status.code(), Some(100), "{report}");
    for expected in [
        "Cancelling due to signal: 1 test still running",
        "interrupted by signal 15: cleanups done, exiting with 143",
        "(test failed with exit code 143)",
        "ok     cleanup create-auth-server",
        "1 test run: 0 passed, 1 failed",
    ] {
        assert!(report.contains(expected), "no `{expected}` in:\n{report}");
    }
    org.assert_empty(&report).await;
}
