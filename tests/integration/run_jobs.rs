//! `docflow run -j N`: scenarios run at once, yet the report reads as a sequential run's —
//! each scenario's output whole and in the input order — with the same summary, JUnit and
//! exit code.

use std::process::{Command, Output};
use std::time::{Duration, Instant};

/// The how-to's scenario: with a propagation delay it polls the gateway for that long.
const SLOW: &str = "scenarios/konnect-identity-oidc.yaml";
/// One quick step.
const QUICK: &str = "tests/fixtures/valid/minimal.yaml";
/// Several polls.
const AUDIENCE: &str = "scenarios/konnect-identity-oidc-audience.yaml";
/// Fails on purpose: its second step expects 201 from a read.
const FAILING: &str = "tests/fixtures/runner/wrong-status.yaml";

/// `docflow run -j jobs files…` on the embedded mock with a propagation delay of `delay`
/// seconds (so the gateway steps poll and the slow scenarios finish well after the quick
/// ones); its output and wall time.
fn run(jobs: usize, delay: u32, files: &[&str], extra: &[&str]) -> (Output, Duration) {
    let started = Instant::now();
    let out = Command::new(env!("CARGO_BIN_EXE_docflow"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env_remove("DOCFLOW_TARGET")
        .env("NO_COLOR", "1")
        .env("DOCFLOW_MOCK_PROPAGATION_DELAY", format!("{delay}s"))
        .args(["run", "-j", &jobs.to_string()])
        .args(files)
        .args(extra)
        .output()
        .unwrap();
    (out, started.elapsed())
}

/// What varies between runs of the same scenarios: `12ms` → `Nms`, `(4 attempts)` → `(N
/// attempts)` (how many polls a propagation delay takes depends on the timing).
fn without_timings(text: &str) -> String {
    text.lines()
        .map(|line| {
            let words: Vec<&str> = line.split(' ').collect();
            words
                .iter()
                .enumerate()
                .map(|(i, word)| {
                    let number = |n: &str| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit());
                    match word.strip_suffix("ms") {
                        Some(n) if number(n) => "Nms",
                        _ if words.get(i + 1) == Some(&"attempts)") => "(N",
                        _ => word,
                    }
                })
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Each scenario's block of output: from its header (`── name (file) on mock`) to the next.
fn blocks(stdout: &str) -> Vec<&str> {
    let first = stdout.strip_prefix("── ").unwrap_or(stdout);
    first.split("\n── ").collect()
}

/// The scenario headers (`── name (file) on mock`) in the order printed.
fn headers(stdout: &str) -> Vec<&str> {
    stdout.lines().filter(|l| l.starts_with("── ")).collect()
}

#[test]
fn run_at_once_prints_what_one_at_a_time_prints_in_the_input_order() {
    // Each slow one polls the gateway for the 2 s delay; the quick ones take milliseconds.
    let files = [SLOW, QUICK, SLOW, SLOW, QUICK, SLOW];
    let (sequential, one_by_one) = run(1, 2, &files, &[]);
    let (parallel, at_once) = run(4, 2, &files, &[]);
    let seq = String::from_utf8_lossy(&sequential.stdout);
    let par = String::from_utf8_lossy(&parallel.stdout);
    assert_eq!(sequential.status.code(), Some(0), "{seq}");
    assert_eq!(parallel.status.code(), Some(0), "{par}");
    // The quick scenarios end long before the slow ones, yet come out after them.
    let expected: Vec<String> = files
        .iter()
        .map(|f| {
            let name = f.rsplit('/').next().unwrap().trim_end_matches(".yaml");
            format!("── {name} ({f}) on mock")
        })
        .collect();
    assert_eq!(headers(&par), expected, "{par}");
    assert_eq!(without_timings(&par), without_timings(&seq));
    assert!(
        par.contains("scenarios: 6 passed, 0 failed, 0 not applicable"),
        "{par}"
    );
    // They did run at once: one by one the four delays add up (8 s at least); at once they
    // overlap, saving about 6 s. Half of that leaves room for a loaded machine.
    assert!(
        at_once + Duration::from_secs(3) < one_by_one,
        "-j 4 took {at_once:?}, -j 1 took {one_by_one:?}"
    );
}

#[test]
fn a_failing_scenario_among_passing_ones_is_reported_as_it_is_alone() {
    let dir = std::env::temp_dir().join(format!("docflow-jobs-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let junit = dir.join("junit.xml");
    let files = [SLOW, FAILING, QUICK, AUDIENCE];
    let (out, _) = run(4, 1, &files, &["--junit", junit.to_str().unwrap()]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(
        stdout.contains(
            "failed scenarios:\n  wrong-status: step `read-auth-server` (check::status)\n\
             scenarios: 3 passed, 1 failed, 0 not applicable"
        ),
        "{stdout}"
    );
    // The failure's diagnostics sit inside the failing scenario's own block.
    let block = blocks(&stdout)
        .into_iter()
        .find(|b| b.starts_with("wrong-status "))
        .unwrap_or_else(|| panic!("no wrong-status block in:\n{stdout}"));
    assert!(
        block.contains("tests/fixtures/runner/wrong-status.yaml:23:5: error[check::status]"),
        "{block}"
    );
    assert!(block.contains("expected: 201"), "{block}");
    assert!(
        block.contains("wrong-status on mock: FAILED; 2 steps: 1 passed, 1 failed"),
        "{block}"
    );
    for other in [
        "konnect-identity-oidc ",
        "minimal ",
        "konnect-identity-oidc-audience ",
    ] {
        let other_block = blocks(&stdout)
            .into_iter()
            .find(|b| b.starts_with(other))
            .unwrap();
        assert!(!other_block.contains("error["), "{other_block}");
        assert!(other_block.contains(": passed;"), "{other_block}");
    }
    let xml = std::fs::read_to_string(&junit).unwrap();
    assert!(xml.contains("failures=\"1\" errors=\"0\">"), "{xml}");
    let suites: Vec<&str> = xml
        .lines()
        .filter_map(|l| l.trim().strip_prefix("<testsuite name=\""))
        .map(|l| l.split('"').next().unwrap())
        .collect();
    assert_eq!(
        suites,
        [
            "konnect-identity-oidc (mock)",
            "wrong-status (mock)",
            "minimal (mock)",
            "konnect-identity-oidc-audience (mock)"
        ],
        "{xml}"
    );
    std::fs::remove_dir_all(&dir).ok();
}

/// SIGTERM reaches every scenario running at once, not only the one printing: each one stops
/// polling, runs its cleanups and says so, and the run exits 143 without starting the rest.
#[cfg(unix)]
#[test]
fn sigterm_cancels_every_running_scenario_and_each_cleans_up() {
    use std::io::{BufRead as _, BufReader};
    use std::process::Stdio;

    let mut child = Command::new(env!("CARGO_BIN_EXE_docflow"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env_remove("DOCFLOW_TARGET")
        .env("NO_COLOR", "1")
        // Longer than the test: only the signal ends the polls.
        .env("DOCFLOW_MOCK_PROPAGATION_DELAY", "25s")
        .args(["run", "-j", "3", SLOW, SLOW, SLOW, QUICK])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let (lines_tx, lines) = std::sync::mpsc::channel::<String>();
    let reader = std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let _ = lines_tx.send(line);
        }
    });
    // The first scenario streams: once it polls, the other two (started with it) are well on.
    let mut seen = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(60);
    while !seen.iter().any(|l: &String| l.starts_with("  wait   ")) {
        let left = deadline.saturating_duration_since(Instant::now());
        match lines.recv_timeout(left) {
            Ok(line) => seen.push(line),
            Err(_) => panic!("no polling line in time:\n{}", seen.join("\n")),
        }
    }
    std::thread::sleep(Duration::from_secs(2));
    let signalled = Instant::now();
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let output = child.wait_with_output().unwrap();
    let ended_after = signalled.elapsed();
    reader.join().unwrap();
    seen.extend(lines.try_iter());
    let stdout = seen.join("\n");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(143), "{stdout}\n{stderr}");
    // The polls would have lasted 25 s more.
    assert!(ended_after < Duration::from_secs(15), "{ended_after:?}");
    let blocks = blocks(&stdout);
    assert_eq!(
        blocks.len(),
        3,
        "the fourth started after the signal:\n{stdout}"
    );
    for block in blocks {
        assert!(block.contains("the run was interrupted"), "{block}");
        assert!(block.contains("ok     cleanup "), "{block}");
        assert!(!block.contains("FAIL   cleanup"), "{block}");
    }
    assert!(
        stdout.contains("interrupted by signal 15: the remaining scenarios did not run"),
        "{stdout}"
    );
}
