//! [`BenchArgs`]: the options of `docflow bench`, and the [`Plan`] they resolve to.

use std::path::PathBuf;
use std::time::Duration;

use clap::Args;

/// `docflow bench`.
#[derive(Debug, Args)]
pub(crate) struct BenchArgs {
    /// Requests per measured pass (token requests, gateway requests).
    #[arg(long, default_value_t = 2000)]
    pub(crate) requests: usize,
    /// A small run for smoke tests: 100 requests per pass and fewer repetitions elsewhere.
    #[arg(long)]
    pub(crate) quick: bool,
    /// Requests in flight at once during a pass.
    #[arg(long, default_value_t = 4)]
    pub(crate) concurrency: usize,
    /// Also print a machine-readable summary (one JSON object) after the table.
    #[arg(long)]
    pub(crate) json: bool,
    /// Folder of scenario files to load in the scenario-loading bench.
    #[arg(long, default_value = "scenarios")]
    pub(crate) scenarios: PathBuf,
}

/// What one run does, resolved from the arguments.
#[derive(Debug, Clone)]
pub(crate) struct Plan {
    /// Requests per pass.
    pub(crate) requests: usize,
    /// Requests in flight.
    pub(crate) concurrency: usize,
    /// Sequential warm requests, for a warm latency comparable with the (sequential) cold one.
    pub(crate) sequential: usize,
    /// Signatures per variant in the key-parsing bench (each costs an RSA signature).
    pub(crate) signatures: usize,
    /// Requests carrying a token with an unknown `kid`.
    pub(crate) unknown_kid: usize,
    /// The `rediscovery_lifetime` of the plugin the unknown-`kid` requests go through: short,
    /// so that its window elapses within the run (Kong's default is 30 s).
    pub(crate) rediscovery: Duration,
    /// Times every scenario file is loaded.
    pub(crate) scenario_rounds: usize,
    /// The scenario folder.
    pub(crate) scenarios: PathBuf,
    /// `validate`/`run` process pairs for the whole-process figures.
    pub(crate) process_rounds: usize,
    /// Scenarios in the many-scenario `docflow run` (the goal is stated for 100).
    pub(crate) many: usize,
    /// `docflow run`/`hurl` pairs of the Hurl comparison (when `hurl` is on the `PATH`).
    pub(crate) hurl_rounds: usize,
    /// `docflow run`/Tavern pairs of the Tavern comparison (when Tavern is installed): a Tavern
    /// run takes seconds, so fewer than Hurl's.
    pub(crate) tavern_rounds: usize,
    /// Print the JSON summary.
    pub(crate) json: bool,
}

impl BenchArgs {
    /// The plan; `--quick` overrides `--requests`.
    pub(crate) fn plan(&self) -> Plan {
        let requests = if self.quick {
            100
        } else {
            self.requests.max(1)
        };
        Plan {
            requests,
            concurrency: self.concurrency.clamp(1, 256),
            sequential: (requests / 10).clamp(20, 500),
            signatures: (requests / 20).clamp(10, 100),
            unknown_kid: (requests / 20).clamp(10, 100),
            rediscovery: Duration::from_secs(1),
            scenario_rounds: if self.quick { 3 } else { 20 },
            scenarios: self.scenarios.clone(),
            process_rounds: if self.quick { 3 } else { 5 },
            many: if self.quick { 20 } else { 100 },
            hurl_rounds: if self.quick { 3 } else { 10 },
            tavern_rounds: if self.quick { 1 } else { 3 },
            json: self.json,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(requests: usize, quick: bool) -> BenchArgs {
        BenchArgs {
            requests,
            quick,
            concurrency: 0,
            json: false,
            scenarios: PathBuf::from("scenarios"),
        }
    }

    #[test]
    fn quick_overrides_requests_and_everything_stays_positive() {
        let quick = args(5000, true).plan();
        assert_eq!(quick.requests, 100);
        assert_eq!(quick.scenario_rounds, 3);
        let tiny = args(0, false).plan();
        assert_eq!(tiny.requests, 1);
        assert_eq!(tiny.concurrency, 1);
        assert!(tiny.sequential >= 1 && tiny.signatures >= 1 && tiny.unknown_kid >= 1);
        let default = args(2000, false).plan();
        assert_eq!(
            (default.sequential, default.signatures, default.unknown_kid),
            (200, 100, 100)
        );
    }
}
