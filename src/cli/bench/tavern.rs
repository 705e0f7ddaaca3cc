//! docflow against Tavern on the same requests: [`measure`] starts one [`Standalone`] mock with
//! the quickstart control plane, then runs, in interleaved pairs, `docflow run --target konnect`
//! of the OIDC scenario and `python3 -m pytest` of the same 16 requests as one Tavern test
//! ([`FLOW`]: its 12 steps as stages, its 4 cleanups as `finally` stages) against it.
//! Whole-process wall time (median) and CPU time (mean, user + system) of each; the target is
//! the issue's "≤ 1/40 of Tavern" on wall time. The gateway poll's `delay_after` is short
//! (10 ms): Tavern sleeps it after the try that passes too, and that sleep is not Tavern's work.
//!
//! Tavern is a pytest plugin, so it is found through the interpreter that runs it: the
//! comparison runs when `python3` on the `PATH` imports `pytest` and `tavern` and Tavern's
//! pytest plugin loads (see [`detect`]), and is skipped with the reason otherwise (CI does not
//! need it).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use super::report::{Kind, Report, Target};
use super::signing::ratio;
use super::standalone::{Side, Standalone, pairs};

/// The OIDC scenario's requests as a Tavern test, checks included (environment variables
/// `DOCFLOW_BENCH_API`, `DOCFLOW_BENCH_PROXY`, `DOCFLOW_BENCH_RUN`, `DOCFLOW_BENCH_TOKEN`).
pub(crate) const FLOW: &str = include_str!("oidc-flow.tavern.yaml");

/// The interpreter Tavern runs under.
const PYTHON: &str = "python3";

/// The goal: docflow's whole process takes at most this fraction of Tavern's wall time.
const GOAL: f64 = 1.0 / 40.0;

/// What the comparison measured.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct TavernFigures {
    /// `tavern 3.7.1 (pytest 9.2.0)`.
    pub(crate) version: String,
    /// Pairs run (after one warm-up pair).
    pub(crate) rounds: usize,
    /// `docflow run --target konnect`.
    pub(crate) docflow: Side,
    /// `python3 -m pytest` of the Tavern file.
    pub(crate) tavern: Side,
}

/// Loads Tavern's pytest plugin as pytest does (through its `pytest11` entry point) and
/// prints `ok TAVERN PYTEST`, or `broken TAVERN PYTEST ERROR` when the plugin does not load
/// (Tavern imports pytest internals, which change between pytest releases); exits 3 when
/// `pytest` or `tavern` cannot be imported at all.
const DETECT: &str = r#"
import sys
try:
    import pytest, tavern
except ImportError:
    sys.exit(3)
from importlib.metadata import entry_points
try:
    found = [p.load() for p in entry_points(group="pytest11") if p.value.startswith("tavern")]
    error = "" if found else "no `pytest11` entry point"
except Exception as e:
    error = f"{type(e).__name__}: {' '.join(str(e).split())}"
print("broken" if error else "ok", tavern.__version__, pytest.__version__, error)
"#;

/// Tavern's and pytest's versions (`tavern 3.7.1 (pytest 9.2.0)`) when `python3` on the `PATH`
/// imports both and Tavern's pytest plugin loads (see [`DETECT`]); otherwise why the
/// comparison cannot run. Blocking.
pub(crate) fn detect() -> Result<String, String> {
    let output = Command::new(PYTHON)
        .args(["-c", DETECT])
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .output()
        .map_err(|e| format!("no `{PYTHON}` ({e})"))?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    if !output.status.success() {
        return Err(format!("`{PYTHON}` cannot import `pytest` or `tavern`"));
    }
    parse_detect(&stdout)
}

/// The versions from [`DETECT`]'s line, or why Tavern cannot run.
fn parse_detect(line: &str) -> Result<String, String> {
    let mut words = line.trim().splitn(4, ' ');
    match (words.next(), words.next(), words.next(), words.next()) {
        (Some("ok"), Some(tavern), Some(pytest), _) => {
            Ok(format!("tavern {tavern} (pytest {pytest})"))
        }
        (Some("broken"), Some(tavern), Some(pytest), error) => Err(format!(
            "Tavern {tavern}'s pytest plugin does not load under pytest {pytest}: {}",
            error.unwrap_or("").trim()
        )),
        _ => Err(format!(
            "unexpected answer from the Tavern check: `{}`",
            line.trim()
        )),
    }
}

/// `python3 -m pytest` of `flow` against `mock`, the URLs, a run suffix and the token through
/// the environment (so the token is not in the process list). `flow` sits in a folder of its
/// own with an empty `pytest.ini`, so pytest takes no configuration or `conftest.py` from
/// around it; `-p no:cacheprovider` keeps it from writing `.pytest_cache` there.
fn pytest(flow: &Path, mock: &Standalone, round: usize) -> Command {
    let mut command = Command::new(PYTHON);
    command
        .args(["-m", "pytest", "-q", "-p", "no:cacheprovider"])
        .arg(flow)
        .env("DOCFLOW_BENCH_API", &mock.api)
        .env("DOCFLOW_BENCH_PROXY", &mock.proxy)
        .env("DOCFLOW_BENCH_RUN", format!("tavern{round}"))
        .env("DOCFLOW_BENCH_TOKEN", &mock.token);
    command
}

/// A folder of its own for the Tavern file, removed when dropped.
struct Folder(PathBuf);

impl Folder {
    fn create() -> Result<Self, String> {
        let dir = std::env::temp_dir().join(format!("docflow-bench-tavern-{}", std::process::id()));
        let folder = Self(dir);
        std::fs::create_dir_all(&folder.0)
            .and_then(|()| std::fs::write(folder.0.join("pytest.ini"), "[pytest]\n"))
            .map_err(|e| format!("cannot prepare `{}`: {e}", folder.0.display()))?;
        Ok(folder)
    }
}

impl Drop for Folder {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// One warm-up pair, then `rounds` pairs of `docflow run --target konnect` and Tavern of the
/// OIDC flow against one standalone mock.
pub(crate) async fn measure(
    http: &reqwest::Client,
    version: String,
    scenario: PathBuf,
    rounds: usize,
) -> Result<TavernFigures, String> {
    let mock = Standalone::start(http).await?;
    let folder = Folder::create()?;
    // Tavern collects files named `*.tavern.yaml`.
    let flow = folder.0.join("oidc-flow.tavern.yaml");
    std::fs::write(&flow, FLOW).map_err(|e| format!("cannot write `{}`: {e}", flow.display()))?;
    let (docflow, tavern) = tokio::task::spawn_blocking(move || {
        let _folder = folder;
        pairs(
            rounds,
            [
                "`docflow run --target konnect`",
                "Tavern (`python3 -m pytest`)",
            ],
            |round| Ok((mock.docflow(&scenario)?, pytest(&flow, &mock, round))),
        )
    })
    .await
    .map_err(|e| format!("the Tavern bench stopped: {e}"))??;
    Ok(TavernFigures {
        version,
        rounds: rounds.max(1),
        docflow,
        tavern,
    })
}

/// `1/85 (0.0118x)`: a ratio below one as the fraction it is of the whole.
fn fraction(r: f64) -> String {
    if r > 0.0 && r < 1.0 {
        format!("1/{:.0} ({r:.4}x)", 1.0 / r)
    } else {
        format!("{r:.2}x")
    }
}

impl TavernFigures {
    /// The table lines.
    pub(crate) fn figures(&self, report: &mut Report) {
        Side::figure_pair(
            report,
            ["tavern_docflow", "tavern_tavern"],
            [
                "same mock, Tavern pairs: `docflow run --target konnect`".to_owned(),
                format!("same mock, Tavern pairs: {}, 16 requests", self.version),
            ],
            [&self.docflow, &self.tavern],
            &self.version,
            self.rounds,
        );
    }

    /// docflow's wall time against Tavern's.
    pub(crate) fn targets(&self, report: &mut Report) {
        let r = ratio(self.docflow.wall, self.tavern.wall);
        report.target(Target {
            text: format!(
                "`docflow run` of the OIDC flow vs Tavern on the same mock, whole-process wall \
                 time: {}",
                fraction(r)
            ),
            goal: "≤ 1/40".into(),
            value: (r * 1e4).round() / 1e4,
            kind: Kind::Timing,
            pass: r <= GOAL,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::super::standalone::scenario_requests;
    use super::*;

    #[test]
    fn the_tavern_flow_has_the_scenarios_steps_and_cleanups_in_order() {
        let test: serde_json::Value = serde_saphyr::from_str(FLOW).unwrap();
        let names = |block: &str| -> Vec<String> {
            test[block]
                .as_array()
                .unwrap_or_else(|| panic!("no `{block}` list"))
                .iter()
                .map(|stage| stage["name"].as_str().unwrap().to_owned())
                .collect()
        };
        let mut named = names("stages");
        assert_eq!(named.len(), 12);
        named.extend(names("finally"));
        assert_eq!(named, scenario_requests());
    }

    #[test]
    fn every_stage_checks_a_status_and_the_poll_retries() {
        let test: serde_json::Value = serde_saphyr::from_str(FLOW).unwrap();
        let stages = test["stages"].as_array().unwrap();
        for stage in stages.iter().chain(test["finally"].as_array().unwrap()) {
            assert!(
                stage["response"]["status_code"].is_u64(),
                "{}",
                stage["name"]
            );
        }
        let poll = stages
            .iter()
            .find(|s| s["name"] == "gateway-refuses-no-token")
            .unwrap();
        // 30 s of polling, as Hurl's; a short `delay_after`, which Tavern also sleeps after
        // the try that passes.
        assert_eq!(poll["max_retries"], 3000);
        assert_eq!(poll["delay_after"], 0.01);
    }

    #[test]
    fn reads_the_tavern_check() {
        assert_eq!(
            parse_detect("ok 3.7.1 8.4.2 \n"),
            Ok("tavern 3.7.1 (pytest 8.4.2)".to_owned())
        );
        let broken = parse_detect(
            "broken 3.7.1 9.2.0 ModuleNotFoundError: No module named '_pytest.python_api'\n",
        )
        .unwrap_err();
        assert_eq!(
            broken,
            "Tavern 3.7.1's pytest plugin does not load under pytest 9.2.0: \
             ModuleNotFoundError: No module named '_pytest.python_api'"
        );
        assert!(parse_detect("").is_err());
    }

    #[test]
    fn ratios_below_one_read_as_fractions() {
        assert_eq!(fraction(0.0125), "1/80 (0.0125x)");
        assert_eq!(fraction(1.5), "1.50x");
        assert_eq!(fraction(0.0), "0.00x");
    }
}
