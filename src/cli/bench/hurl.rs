//! docflow against Hurl on the same requests: [`measure`] starts one [`Standalone`] mock with
//! the quickstart control plane, then runs, in interleaved pairs, `docflow run --target konnect`
//! of the OIDC scenario and `hurl --test` of the same 16 requests ([`FLOW`]: its 12 steps and 4
//! cleanups) against it. Whole-process wall time (median) and CPU time (mean, user + system) of
//! each; only when `hurl` is on the `PATH` (CI does not need it).

use std::path::{Path, PathBuf};
use std::process::Command;

use super::report::{Kind, Report, Target, round2};
use super::signing::ratio;
use super::standalone::{Side, Standalone, pairs};

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
    /// `docflow run --target konnect`.
    pub(crate) docflow: Side,
    /// `hurl --test`.
    pub(crate) hurl: Side,
}

/// `hurl` on the `PATH`, if there is one.
pub(crate) fn on_path() -> Option<PathBuf> {
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|dir| dir.join("hurl"))
        .find(|file| file.is_file())
}

/// `hurl --test` of `flow` against `mock`, variables and token through the environment (so the
/// token is not in the process list).
fn hurl_command(exe: &Path, flow: &Path, mock: &Standalone, round: usize) -> Command {
    let mut command = Command::new(exe);
    command
        .arg("--test")
        .arg(flow)
        .env("HURL_SECRET_token", &mock.token)
        .env("HURL_VARIABLE_api", &mock.api)
        .env("HURL_VARIABLE_proxy", &mock.proxy)
        .env("HURL_VARIABLE_run", format!("hurl{round}"));
    command
}

/// One warm-up pair, then `rounds` pairs of `docflow run --target konnect` and `hurl --test`
/// of the OIDC flow against one standalone mock.
pub(crate) async fn measure(
    http: &reqwest::Client,
    exe: PathBuf,
    scenario: PathBuf,
    rounds: usize,
) -> Result<HurlFigures, String> {
    let version = Command::new(&exe)
        .arg("--version")
        .output()
        .map_err(|e| format!("cannot run `{} --version`: {e}", exe.display()))?;
    let version = String::from_utf8_lossy(&version.stdout)
        .split_whitespace()
        .take(2)
        .collect::<Vec<_>>()
        .join(" ");
    let mock = Standalone::start(http).await?;
    let flow = std::env::temp_dir().join(format!("docflow-bench-{}.hurl", std::process::id()));
    std::fs::write(&flow, FLOW).map_err(|e| format!("cannot write `{}`: {e}", flow.display()))?;
    let (docflow, hurl) = tokio::task::spawn_blocking(move || {
        let result = pairs(
            rounds,
            ["`docflow run --target konnect`", "`hurl --test`"],
            |round| {
                Ok((
                    mock.docflow(&scenario)?,
                    hurl_command(&exe, &flow, &mock, round),
                ))
            },
        );
        let _ = std::fs::remove_file(&flow);
        result
    })
    .await
    .map_err(|e| format!("the Hurl bench stopped: {e}"))??;
    Ok(HurlFigures {
        version,
        rounds: rounds.max(1),
        docflow,
        hurl,
    })
}

impl HurlFigures {
    /// The table lines.
    pub(crate) fn figures(&self, report: &mut Report) {
        Side::figure_pair(
            report,
            ["hurl_docflow", "hurl_hurl"],
            [
                "same mock: `docflow run --target konnect`, OIDC".to_owned(),
                format!("same mock: {}, the same 16 requests", self.version),
            ],
            [&self.docflow, &self.hurl],
            &self.version,
            self.rounds,
        );
    }

    /// docflow's wall and CPU time against Hurl's.
    pub(crate) fn targets(&self, report: &mut Report) {
        for (what, docflow, hurl) in [
            ("wall", self.docflow.wall, self.hurl.wall),
            ("CPU", self.docflow.cpu, self.hurl.cpu),
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
    use super::super::standalone::scenario_requests;
    use super::*;

    #[test]
    fn the_hurl_flow_has_the_scenarios_steps_and_cleanups_in_order() {
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
        assert_eq!(named, scenario_requests());
        assert_eq!(named.len(), 16);
    }
}
