//! What the comparisons with other tools (Hurl, Tavern) share: a [`Standalone`] mock (`docflow
//! mock serve`, a child process) with the quickstart control plane, the `docflow run --target
//! konnect` command against it, and [`pairs`], which times interleaved pairs of docflow and the
//! other tool: whole-process wall time (median) and CPU time (mean, user + system, from the
//! kernel's accounting of waited-for children).

use std::io::{BufRead as _, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use super::report::{Report, duration, ms};

/// The standalone mock, stopped when dropped, with a token of its organization that owns the
/// quickstart control plane.
pub(crate) struct Standalone {
    child: Child,
    /// Base URL of its management API.
    pub(crate) api: String,
    /// Base URL of its proxy.
    pub(crate) proxy: String,
    /// A `kpat_` token of the organization.
    pub(crate) token: String,
}

impl Drop for Standalone {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Standalone {
    /// Starts `docflow mock serve` on free loopback ports and creates the quickstart control
    /// plane for a new token's organization, as the docs' quickstart script does before the
    /// how-to.
    pub(crate) async fn start(http: &reqwest::Client) -> Result<Self, String> {
        let (child, api, proxy) = tokio::task::spawn_blocking(serve)
            .await
            .map_err(|e| format!("the mock did not start: {e}"))??;
        let mock = Self {
            child,
            api,
            proxy,
            token: format!(
                "kpat_docflowbench{}",
                docflow::targets::session::random_alnum(32)
            ),
        };
        quickstart(http, &mock.api, &mock.token).await?;
        Ok(mock)
    }

    /// `docflow run --target konnect <scenario>` against this mock (this same binary).
    pub(crate) fn docflow(&self, scenario: &Path) -> Result<Command, String> {
        let exe = std::env::current_exe().map_err(|e| format!("cannot find this binary: {e}"))?;
        let mut command = Command::new(exe);
        command
            .args(["run", "--target", "konnect"])
            .arg(scenario)
            .env_remove("DOCFLOW_TARGET")
            .env("KONNECT_TOKEN", &self.token)
            .env("KONNECT_CONTROL_PLANE_URL", &self.api)
            .env("KONNECT_PROXY_URL", &self.proxy);
        Ok(command)
    }
}

/// Starts `docflow mock serve` on free loopback ports and reads its `ready` line: the child,
/// the API URL, the proxy URL. Blocking.
fn serve() -> Result<(Child, String, String), String> {
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
    match words.as_slice() {
        [_, _, _, "api", api, "proxy", proxy, ..] => {
            Ok((child, (*api).to_owned(), (*proxy).to_owned()))
        }
        _ => {
            let _ = child.kill();
            let _ = child.wait();
            Err(format!(
                "`docflow mock serve` did not say it was ready: `{}`",
                line.trim()
            ))
        }
    }
}

/// Creates the quickstart control plane on the mock for `token`'s organization.
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

/// One side of the comparison: median whole-process wall time and mean CPU time (user +
/// system) over the measured runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Side {
    /// Median wall time.
    pub(crate) wall: Duration,
    /// Mean CPU time.
    pub(crate) cpu: Duration,
}

impl Side {
    /// The figure's display: `24.97 ms wall   23.00 ms CPU  (median, mean of 10)`.
    pub(crate) fn display(&self, rounds: usize) -> String {
        format!(
            "{:>9} wall  {:>9} CPU  (median, mean of {rounds})",
            duration(self.wall),
            duration(self.cpu)
        )
    }

    /// The figure's JSON value.
    pub(crate) fn json(&self) -> Value {
        json!({"wall_ms": ms(self.wall), "cpu_ms": ms(self.cpu)})
    }

    /// The two table lines of a comparison: docflow's side, then the other tool's (its JSON
    /// with the tool's `version`); `keys` name them in the JSON summary.
    pub(crate) fn figure_pair(
        report: &mut Report,
        keys: [&'static str; 2],
        labels: [String; 2],
        sides: [&Side; 2],
        version: &str,
        rounds: usize,
    ) {
        let [docflow_label, other_label] = labels;
        let [docflow, other] = sides;
        let [docflow_key, other_key] = keys;
        report.figure(
            docflow_key,
            docflow_label,
            docflow.display(rounds),
            docflow.json(),
        );
        let mut json = other.json();
        json["version"] = json!(version);
        report.figure(other_key, other_label, other.display(rounds), json);
    }

    fn of(times: &[(Duration, Duration)]) -> Self {
        let mut walls: Vec<Duration> = times.iter().map(|t| t.0).collect();
        walls.sort_unstable();
        let cpu = times.iter().map(|t| t.1).sum::<Duration>()
            / u32::try_from(times.len().max(1)).unwrap_or(u32::MAX);
        Self {
            wall: walls.get(walls.len() / 2).copied().unwrap_or_default(),
            cpu,
        }
    }
}

/// One warm-up pair (it warms the page cache and the mock, and is not counted), then `rounds`
/// (at least 1) pairs: `pair(round)` gives docflow's command and the other tool's, named
/// `names` in errors; each runs to completion, silently, and must succeed. docflow's side,
/// then the other's. Blocking.
pub(crate) fn pairs(
    rounds: usize,
    names: [&str; 2],
    mut pair: impl FnMut(usize) -> Result<(Command, Command), String>,
) -> Result<(Side, Side), String> {
    let rounds = rounds.max(1);
    let (mut first, mut second) = (Vec::new(), Vec::new());
    for round in 0..=rounds {
        let (a, b) = pair(round)?;
        let a = timed(a, names[0])?;
        let b = timed(b, names[1])?;
        if round > 0 {
            first.push(a);
            second.push(b);
        }
    }
    Ok((Side::of(&first), Side::of(&second)))
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

/// User + system time of this process's waited-for children so far, from
/// `getrusage(RUSAGE_CHILDREN)`: microseconds, where `/proc/self/stat`'s `cutime` counts
/// 10 ms ticks, too coarse for runs of 15–25 ms.
pub(super) fn children_cpu() -> Result<Duration, String> {
    use nix::sys::resource::{UsageWho, getrusage};
    let usage = getrusage(UsageWho::RUSAGE_CHILDREN)
        .map_err(|e| format!("cannot read the children's CPU time: {e}"))?;
    let micros = |t: nix::sys::time::TimeVal| {
        let us = i128::from(t.tv_sec()) * 1_000_000 + i128::from(t.tv_usec());
        Duration::from_micros(u64::try_from(us).unwrap_or(0))
    };
    Ok(micros(usage.user_time()) + micros(usage.system_time()))
}

/// The OIDC scenario's steps in order, then its cleanups in reverse as `cleanup <step>`: the
/// names the other tools' files give their requests, for the tests that check them.
#[cfg(test)]
pub(crate) fn scenario_requests() -> Vec<String> {
    let scenario = docflow::load_file(
        &Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("scenarios")
            .join(super::process::SCENARIO),
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
    expected
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_waited_for_child_adds_its_cpu_time_finer_than_ticks() {
        let before = children_cpu().unwrap();
        // About 30 ms of CPU in a child: more than zero, and not a multiple of 10 ms ticks.
        let status = Command::new("sh")
            .args(["-c", "i=0; while [ $i -lt 20000 ]; do i=$((i+1)); done"])
            .status()
            .unwrap();
        assert!(status.success());
        let spent = children_cpu().unwrap() - before;
        assert!(spent > Duration::ZERO, "{spent:?}");
        assert_ne!(
            spent.as_micros() % 10_000,
            0,
            "{spent:?} looks like whole ticks"
        );
    }

    #[test]
    fn a_side_is_the_median_wall_and_the_mean_cpu() {
        let ms = Duration::from_millis;
        let side = Side::of(&[(ms(30), ms(10)), (ms(10), ms(20)), (ms(20), ms(30))]);
        assert_eq!(
            side,
            Side {
                wall: ms(20),
                cpu: ms(20)
            }
        );
        assert_eq!(
            Side::of(&[]),
            Side {
                wall: ms(0),
                cpu: ms(0)
            }
        );
    }
}
