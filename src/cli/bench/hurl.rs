//! docflow against Hurl on the same requests: [`measure`] starts one standalone mock (`docflow
//! mock serve`, a child process), gives it a quickstart control plane as the docs' quickstart
//! would, then runs, in interleaved pairs, `docflow run --target konnect` of the OIDC scenario
//! and `hurl --test` of the same 16 requests ([`FLOW`]: its 12 steps and 4 cleanups) against
//! it. Whole-process wall time (median) and CPU time (mean, user + system) of each; only when
//! `hurl` is on the `PATH` (CI does not need it).

use std::io::{BufRead as _, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::json;

use super::report::{Kind, Report, Target, duration, ms, round2};
use super::signing::ratio;

/// The OIDC scenario's requests as a Hurl file, checks included (variables `api`, `proxy`,
/// `run`; the secret `token`).
pub(crate) const FLOW: &str = include_str!("oidc-flow.hurl");

/// What the comparison measured.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct HurlFigures {
    /// `hurl 8.0.1`: the first two words of `hurl --version`.
    pub(crate) version: String,
    /// Pairs run (after one warm-up pair).
    pub(crate) rounds: usize,
    /// Median whole-process wall time of `docflow run --target konnect`.
    pub(crate) docflow_wall: Duration,
    /// Mean CPU time (user + system) of that process.
    pub(crate) docflow_cpu: Duration,
    /// Median whole-process wall time of `hurl --test`.
    pub(crate) hurl_wall: Duration,
    /// Mean CPU time of that process.
    pub(crate) hurl_cpu: Duration,
}

/// `hurl` on the `PATH`, if there is one.
pub(crate) fn on_path() -> Option<PathBuf> {
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|dir| dir.join("hurl"))
        .find(|file| file.is_file())
}

/// The standalone mock, stopped when dropped.
struct Mock {
    child: Child,
    api: String,
    proxy: String,
}

impl Drop for Mock {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `docflow mock serve` on free loopback ports and reads its `ready` line. Blocking.
fn start_mock() -> Result<Mock, String> {
    let exe = std::env::current_exe().map_err(|e| format!("cannot find this binary: {e}"))?;
    let mut child = Command::new(exe)
        .args(["mock", "serve", "--host", "127.0.0.1"])
        .args(["--api-port", "0", "--proxy-port", "0"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("cannot start `docflow mock serve`: {e}"))?;
    let mut line = String::new();
    if let Some(stdout) = child.stdout.take() {
        let _ = BufReader::new(stdout).read_line(&mut line);
    }
    // `docflow mock ready: api URL proxy URL (export …)`
    let words: Vec<&str> = line.split_whitespace().collect();
    let (api, proxy) = match words.as_slice() {
        [_, _, _, "api", api, "proxy", proxy, ..] => ((*api).to_owned(), (*proxy).to_owned()),
        _ => {
            let _ = child.kill();
            let _ = child.wait();
            return Err(format!(
                "`docflow mock serve` did not say it was ready: `{}`",
                line.trim()
            ));
        }
    };
    Ok(Mock { child, api, proxy })
}

/// User + system time of this process's waited-for children so far (`cutime` + `cstime` of
/// `/proc/self/stat`, in clock ticks of 10 ms: Linux's `USER_HZ` is 100).
fn children_cpu() -> Result<Duration, String> {
    let stat = std::fs::read_to_string("/proc/self/stat")
        .map_err(|e| format!("cannot read `/proc/self/stat`: {e}"))?;
    children_ticks(&stat)
        .map(|ticks| Duration::from_millis(ticks * 10))
        .ok_or_else(|| "`/proc/self/stat` has no `cutime`/`cstime`".to_owned())
}

/// `cutime` + `cstime` (fields 16 and 17) of a `/proc/PID/stat` line; the command name in
/// parentheses may contain spaces, so fields are counted after its closing parenthesis.
fn children_ticks(stat: &str) -> Option<u64> {
    let rest = &stat[stat.rfind(')')? + 1..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // `rest` starts at field 3 (`state`).
    let user: u64 = fields.get(16 - 3)?.parse().ok()?;
    let system: u64 = fields.get(17 - 3)?.parse().ok()?;
    Some(user + system)
}

/// Runs `command` to completion, silently; its wall and CPU time. Blocking.
fn timed(mut command: Command, what: &str) -> Result<(Duration, Duration), String> {
    command
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    let cpu_before = children_cpu()?;
    let started = Instant::now();
    let status = command
        .status()
        .map_err(|e| format!("cannot start {what}: {e}"))?;
    let wall = started.elapsed();
    let cpu = children_cpu()?.saturating_sub(cpu_before);
    if status.success() {
        Ok((wall, cpu))
    } else {
        Err(format!(
            "{what} failed ({status}) against the standalone mock"
        ))
    }
}

/// The two commands of one pair.
struct Pair<'a> {
    mock: &'a Mock,
    token: String,
    scenario: &'a Path,
    hurl: &'a Path,
    flow: &'a Path,
}

impl Pair<'_> {
    fn docflow(&self) -> Result<Command, String> {
        let exe = std::env::current_exe().map_err(|e| format!("cannot find this binary: {e}"))?;
        let mut command = Command::new(exe);
        command
            .args(["run", "--target", "konnect"])
            .arg(self.scenario)
            .env_remove("DOCFLOW_TARGET")
            .env("KONNECT_TOKEN", &self.token)
            .env("KONNECT_CONTROL_PLANE_URL", &self.mock.api)
            .env("KONNECT_PROXY_URL", &self.mock.proxy);
        Ok(command)
    }

    fn hurl(&self, round: usize) -> Command {
        let mut command = Command::new(self.hurl);
        command
            .arg("--test")
            .arg(self.flow)
            // Through the environment, so the token is not in the process list.
            .env("HURL_SECRET_token", &self.token)
            .env("HURL_VARIABLE_api", &self.mock.api)
            .env("HURL_VARIABLE_proxy", &self.mock.proxy)
            .env("HURL_VARIABLE_run", format!("hurl{round}"));
        command
    }
}

/// Creates the quickstart control plane on the mock for `token`'s organization, as the docs'
/// quickstart script does before the how-to.
async fn quickstart(http: &reqwest::Client, api: &str, token: &str) -> Result<(), String> {
    let response = http
        .post(format!("{api}/v2/control-planes"))
        .bearer_auth(token)
        .json(&json!({"name": "quickstart"}))
        .send()
        .await
        .map_err(|e| format!("cannot create the quickstart control plane: {e}"))?;
    match response.status().as_u16() {
        201 => Ok(()),
        status => Err(format!(
            "creating the quickstart control plane answered {status}"
        )),
    }
}

/// One warm-up pair, then `rounds` pairs of `docflow run --target konnect` and `hurl --test`
/// of the OIDC flow against one standalone mock.
pub(crate) async fn measure(
    http: &reqwest::Client,
    hurl: PathBuf,
    scenario: PathBuf,
    rounds: usize,
) -> Result<HurlFigures, String> {
    let version = Command::new(&hurl)
        .arg("--version")
        .output()
        .map_err(|e| format!("cannot run `{} --version`: {e}", hurl.display()))?;
    let version = String::from_utf8_lossy(&version.stdout)
        .split_whitespace()
        .take(2)
        .collect::<Vec<_>>()
        .join(" ");
    let mock = tokio::task::spawn_blocking(start_mock)
        .await
        .map_err(|e| format!("the mock did not start: {e}"))??;
    let token = format!(
        "kpat_docflowbench{}",
        docflow::targets::session::random_alnum(32)
    );
    quickstart(http, &mock.api, &token).await?;
    let flow = std::env::temp_dir().join(format!("docflow-bench-{}.hurl", std::process::id()));
    std::fs::write(&flow, FLOW).map_err(|e| format!("cannot write `{}`: {e}", flow.display()))?;
    let measured = tokio::task::spawn_blocking(move || {
        let pair = Pair {
            mock: &mock,
            token,
            scenario: &scenario,
            hurl: &hurl,
            flow: &flow,
        };
        let result = pairs(&pair, rounds);
        let _ = std::fs::remove_file(&flow);
        result
    })
    .await
    .map_err(|e| format!("the Hurl bench stopped: {e}"))??;
    Ok(HurlFigures {
        version,
        ..measured
    })
}

/// The timed pairs. Blocking.
fn pairs(pair: &Pair<'_>, rounds: usize) -> Result<HurlFigures, String> {
    let rounds = rounds.max(1);
    let (mut docflow, mut hurl) = (Vec::new(), Vec::new());
    for round in 0..=rounds {
        let d = timed(pair.docflow()?, "`docflow run --target konnect`")?;
        let h = timed(pair.hurl(round), "`hurl --test`")?;
        // Round 0 warms the page cache and the mock.
        if round > 0 {
            docflow.push(d);
            hurl.push(h);
        }
    }
    let mean = |times: &[(Duration, Duration)]| {
        times.iter().map(|t| t.1).sum::<Duration>() / u32::try_from(rounds).unwrap_or(u32::MAX)
    };
    let median = |times: &[(Duration, Duration)]| {
        let mut walls: Vec<Duration> = times.iter().map(|t| t.0).collect();
        walls.sort_unstable();
        walls[walls.len() / 2]
    };
    Ok(HurlFigures {
        version: String::new(),
        rounds,
        docflow_wall: median(&docflow),
        docflow_cpu: mean(&docflow),
        hurl_wall: median(&hurl),
        hurl_cpu: mean(&hurl),
    })
}

impl HurlFigures {
    /// The table lines.
    pub(crate) fn figures(&self, report: &mut Report) {
        let line = |wall, cpu| {
            format!(
                "{:>9} wall  {:>9} CPU  (median, mean of {})",
                duration(wall),
                duration(cpu),
                self.rounds
            )
        };
        report.figure(
            "hurl_docflow",
            "same mock: `docflow run --target konnect`, OIDC",
            line(self.docflow_wall, self.docflow_cpu),
            json!({"wall_ms": ms(self.docflow_wall), "cpu_ms": ms(self.docflow_cpu)}),
        );
        report.figure(
            "hurl_hurl",
            format!("same mock: {}, the same 16 requests", self.version),
            line(self.hurl_wall, self.hurl_cpu),
            json!({"wall_ms": ms(self.hurl_wall), "cpu_ms": ms(self.hurl_cpu), "version": self.version}),
        );
    }

    /// docflow's wall and CPU time against Hurl's.
    pub(crate) fn targets(&self, report: &mut Report) {
        for (what, docflow, hurl) in [
            ("wall", self.docflow_wall, self.hurl_wall),
            ("CPU", self.docflow_cpu, self.hurl_cpu),
        ] {
            let r = ratio(docflow, hurl);
            report.target(Target {
                text: format!(
                    "`docflow run` of the OIDC flow vs Hurl on the same mock, whole-process \
                     {what} time: {r:.2}x"
                ),
                goal: "≤ 1x".into(),
                value: round2(r),
                kind: Kind::Timing,
                pass: r <= 1.0,
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_childrens_ticks_after_the_command_name() {
        // A command name with spaces and a parenthesis; utime 5, stime 6, cutime 7, cstime 8.
        let stat = "42 (doc flow) (x)) S 1 42 42 0 -1 4194304 100 0 0 0 5 6 7 8 20 0 1 0";
        assert_eq!(children_ticks(stat), Some(15));
        assert_eq!(children_ticks("42 (docflow) S 1"), None);
        assert!(children_cpu().is_ok());
    }

    #[test]
    fn the_hurl_flow_has_the_scenarios_steps_and_cleanups_in_order() {
        let scenario = docflow::load_file(
            &Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("scenarios")
                .join(super::super::process::SCENARIO),
        )
        .unwrap();
        let mut expected: Vec<String> = scenario.steps.iter().map(|s| s.name.clone()).collect();
        expected.extend(
            scenario
                .steps
                .iter()
                .rev()
                .filter(|s| s.cleanup.is_some())
                .map(|s| format!("cleanup {}", s.name)),
        );
        // Each request of the file follows a `# name` comment.
        let named: Vec<String> = FLOW
            .split("\n\n")
            .filter_map(|block| {
                let mut lines = block.lines();
                let name = lines.next()?.strip_prefix("# ")?;
                let request = lines.next()?;
                let method = request.split(' ').next()?;
                ["GET", "POST", "DELETE"]
                    .contains(&method)
                    .then(|| name.split(" (").next().unwrap_or(name).to_owned())
            })
            .collect();
        assert_eq!(named, expected);
        assert_eq!(named.len(), 16);
    }
}
