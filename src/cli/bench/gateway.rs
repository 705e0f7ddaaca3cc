//! The gateway's caches: [`measure`] sends the cold first request (a plugin and an issuer
//! the gateway has not seen: discovery and JWKS are fetched), then warm requests one at a
//! time and two identical rounds at the planned concurrency, reading the process's memory
//! around the second round and the journal after all of them. [`GatewayFigures`] holds the
//! outcome, its table lines and its targets.

use std::time::{Duration, Instant};

use serde_json::json;

use docflow::mock::journal::CAPACITY as JOURNAL_CAPACITY;

use super::drive::{Pass, drive};
use super::journal::{IssuerFetches, count_listener, issuer_fetches};
use super::memory::{self, Memory};
use super::report::{Kind, Report, Target, duration, ms, round2};
use super::run::{Ctx, pass_figures};
use super::signing::ratio;

/// What the gateway phase measured.
#[derive(Debug)]
pub(crate) struct GatewayFigures {
    /// The cold first request.
    pub(crate) cold: Pass,
    /// When it completed: the keys it fetched are from then.
    pub(crate) cold_done: Instant,
    /// What the cold request fetched from the issuer.
    pub(crate) cold_fetches: IssuerFetches,
    /// Warm requests one at a time (comparable with the cold one).
    pub(crate) sequential: Pass,
    /// The first warm round at the planned concurrency.
    pub(crate) first: Pass,
    /// The identical second round.
    pub(crate) second: Pass,
    /// The same requests to the same route on a control plane without the plugin.
    pub(crate) plain: Pass,
    /// Memory before and after the second round.
    pub(crate) around_second: (Option<Memory>, Option<Memory>),
    /// Issuer fetches during all warm requests.
    pub(crate) warm_fetches: IssuerFetches,
    /// Proxy requests the journal holds (fewer than sent once past its capacity).
    pub(crate) warm_seen: usize,
}

/// Runs the gateway phase against the how-to's route.
pub(crate) async fn measure(ctx: &Ctx<'_>) -> Result<GatewayFigures, String> {
    let plan = ctx.plan;
    let make = || ctx.gateway("/anything", &ctx.flow.access_token);
    ctx.api.reset_journal().await?;
    ctx.progress("gateway: the cold first request");
    let cold = drive(&ctx.http, 1, 1, 200, make()).await;
    let cold_done = Instant::now();
    let cold_fetches = issuer_fetches(&ctx.api.journal().await?, &ctx.flow.issuer_path);
    ctx.api.reset_journal().await?;

    ctx.progress(&format!(
        "gateway: {} warm requests one at a time, then 2 x {} at {} in flight",
        plan.sequential, plan.requests, plan.concurrency
    ));
    let sequential = drive(&ctx.http, plan.sequential, 1, 200, make()).await;
    let first = drive(&ctx.http, plan.requests, plan.concurrency, 200, make()).await;
    let before = memory::now();
    let second = drive(&ctx.http, plan.requests, plan.concurrency, 200, make()).await;
    let after = memory::now();
    ctx.progress(&format!(
        "gateway: {} requests to the same route without the plugin",
        plan.requests
    ));
    let plain = drive(
        &ctx.http,
        plan.requests,
        plan.concurrency,
        200,
        ctx.gateway(&ctx.flow.plain_path, &ctx.flow.access_token),
    )
    .await;
    let journal = ctx.api.journal().await?;
    Ok(GatewayFigures {
        cold,
        cold_done,
        cold_fetches,
        sequential,
        first,
        second,
        plain,
        around_second: (before, after),
        warm_fetches: issuer_fetches(&journal, &ctx.flow.issuer_path),
        warm_seen: count_listener(&journal, "proxy"),
    })
}

impl GatewayFigures {
    /// The cold request's latency.
    fn cold_latency(&self) -> Duration {
        self.cold.stats().p50
    }

    /// Warm requests sent.
    fn warm_sent(&self) -> usize {
        self.sequential.latencies.len() + self.first.latencies.len() + self.second.latencies.len()
    }

    /// The passes, named, for the unexpected-status count.
    pub(crate) fn passes(&self) -> [(&'static str, &Pass); 5] {
        [
            ("cold gateway request", &self.cold),
            ("warm gateway (one at a time)", &self.sequential),
            ("warm gateway", &self.first),
            ("warm gateway, again", &self.second),
            ("gateway request without the plugin", &self.plain),
        ]
    }

    /// The table lines.
    pub(crate) fn figures(&self, report: &mut Report, requests: usize) {
        let cold = self.cold_latency();
        report.figure(
            "gateway_cold_ms",
            "gateway: cold first request",
            format!(
                "{:>9}  (discovery {} + JWKS {} fetched)",
                duration(cold),
                self.cold_fetches.discovery,
                self.cold_fetches.jwks
            ),
            json!(ms(cold)),
        );
        pass_figures(
            report,
            "gateway_warm_sequential",
            &format!(
                "gateway: {} warm, one at a time",
                self.sequential.latencies.len()
            ),
            &self.sequential,
        );
        pass_figures(
            report,
            "gateway_warm",
            &format!("gateway: {requests} warm requests"),
            &self.first,
        );
        pass_figures(
            report,
            "gateway_warm_round2",
            &format!("gateway: {requests} warm requests, again"),
            &self.second,
        );
        pass_figures(
            report,
            "gateway_plain",
            &format!("gateway: {requests} requests, no plugin"),
            &self.plain,
        );
    }

    /// The OIDC plugin's throughput against the same route without it (timing): the better
    /// of the two warm rounds, so one noisy moment does not decide it.
    fn plugin_target(&self, report: &mut Report) {
        let with = self
            .first
            .stats()
            .per_second
            .max(self.second.stats().per_second);
        let without = self.plain.stats().per_second;
        let times = if without > 0.0 { with / without } else { 0.0 };
        report.target(Target {
            text: format!(
                "gateway with the OIDC plugin and a valid token vs the same route without it: \
                 {times:.2}x the requests/s"
            ),
            goal: "≥ 0.8x".into(),
            value: round2(times),
            kind: Kind::Timing,
            pass: times >= 0.8,
        });
    }

    /// Cold vs warm (timing), what the cold request fetched and the warm ones did not
    /// (counts).
    pub(crate) fn targets(&self, report: &mut Report) {
        self.plugin_target(report);
        let cold = self.cold_latency();
        let warm = self.sequential.stats().p50;
        let times = ratio(cold, warm);
        report.target(Target {
            text: format!(
                "warm gateway p50 {} vs cold first request {}: cold is {times:.1}x warm",
                duration(warm),
                duration(cold)
            ),
            goal: "warm ≤ 1/5 of cold, ≥ 5.0x".into(),
            value: round2(times),
            kind: Kind::Timing,
            pass: times >= 5.0,
        });
        let fetched = self.cold_fetches;
        report.target(Target {
            text: format!(
                "cold first request fetched discovery {} and JWKS {}",
                fetched.discovery, fetched.jwks
            ),
            goal: "1 and 1".into(),
            value: fetched.total() as f64,
            kind: Kind::Count,
            pass: fetched.discovery == 1 && fetched.jwks == 1,
        });
        let sent = self.warm_sent();
        let capped = if self.warm_seen < sent {
            format!(
                " (the journal kept {} of {sent}: it holds {JOURNAL_CAPACITY})",
                self.warm_seen
            )
        } else {
            String::new()
        };
        report.target(Target {
            text: format!(
                "issuer fetches during {sent} warm gateway requests: {}{capped}",
                self.warm_fetches.total()
            ),
            goal: "0".into(),
            value: self.warm_fetches.total() as f64,
            kind: Kind::Count,
            // An empty journal would make the zero meaningless.
            pass: self.warm_fetches.total() == 0 && self.warm_seen > 0,
        });
    }
}
