//! Unknown `kid`: [`measure`] sends tokens of another auth server (a `kid` the issuer's JWKS
//! lacks, as after a key rotation) through a route whose plugin may refresh the keys once per
//! short rediscovery window, and counts the JWKS refetches in the journal.
//! [`KidFigures`] holds the outcome.

use std::time::{Duration, Instant};

use serde_json::json;

use super::drive::{Pass, drive};
use super::journal::{IssuerFetches, issuer_fetches};
use super::report::{Kind, Report, Target, duration, ms};
use super::run::Ctx;
use super::setup::KID_PATH;

/// What the unknown-`kid` phase measured.
#[derive(Debug)]
pub(crate) struct KidFigures {
    /// The requests (each must answer 401).
    pub(crate) pass: Pass,
    /// Fetches of the issuer during them.
    pub(crate) fetches: IssuerFetches,
    /// The plugin's rediscovery window.
    pub(crate) window: Duration,
}

/// Waits until the keys fetched at `keys_fetched` are older than the window (so the first
/// unknown `kid` may refresh them), then sends the requests.
pub(crate) async fn measure(ctx: &Ctx<'_>, keys_fetched: Instant) -> Result<KidFigures, String> {
    let window = ctx.plan.rediscovery;
    let ready_at = keys_fetched + window + Duration::from_millis(200);
    if let Some(wait) = ready_at.checked_duration_since(Instant::now()) {
        tokio::time::sleep(wait).await;
    }
    ctx.api.reset_journal().await?;
    ctx.progress(&format!(
        "gateway: {} requests with a token whose kid the issuer's JWKS lacks",
        ctx.plan.unknown_kid
    ));
    let make = ctx.gateway(KID_PATH, &ctx.flow.foreign_token);
    let pass = drive(
        &ctx.http,
        ctx.plan.unknown_kid,
        ctx.plan.concurrency,
        401,
        make,
    )
    .await;
    let fetches = issuer_fetches(&ctx.api.journal().await?, &ctx.flow.issuer_path);
    Ok(KidFigures {
        pass,
        fetches,
        window,
    })
}

/// Refetches allowed in `wall`: one per started window.
pub(crate) fn allowed(wall: Duration, window: Duration) -> usize {
    if window.is_zero() {
        return usize::MAX;
    }
    1 + (wall.as_secs_f64() / window.as_secs_f64()).floor() as usize
}

impl KidFigures {
    /// The table line.
    pub(crate) fn figures(&self, report: &mut Report) {
        report.figure(
            "unknown_kid",
            format!(
                "gateway: {} unknown-kid requests",
                self.pass.latencies.len()
            ),
            format!(
                "{:>9} in all, JWKS refetches {}, discovery refetches {}",
                duration(self.pass.wall),
                self.fetches.jwks,
                self.fetches.discovery
            ),
            json!({
                "requests": self.pass.latencies.len(),
                "wall_ms": ms(self.pass.wall),
                "jwks_refetches": self.fetches.jwks,
                "discovery_refetches": self.fetches.discovery,
                "rediscovery_window_s": self.window.as_secs_f64(),
            }),
        );
        report.note(format!(
            "the unknown-kid route's plugin has rediscovery_lifetime {} s (Kong's default is \
             30 s) so that its window elapses within the run",
            self.window.as_secs_f64()
        ));
    }

    /// At least one refetch (the gateway does refresh on an unknown `kid`), at most one per
    /// window (not one per request).
    pub(crate) fn targets(&self, report: &mut Report) {
        let most = allowed(self.pass.wall, self.window);
        report.target(Target {
            text: format!(
                "JWKS refetches on {} unknown-kid requests in {}: {}",
                self.pass.latencies.len(),
                duration(self.pass.wall),
                self.fetches.jwks
            ),
            goal: format!(
                "at least 1, at most 1 per {} s rediscovery window = {most}",
                self.window.as_secs_f64()
            ),
            value: self.fetches.jwks as f64,
            kind: Kind::Count,
            pass: (1..=most).contains(&self.fetches.jwks),
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_refetch_per_started_window() {
        let s = Duration::from_secs;
        assert_eq!(allowed(Duration::from_millis(40), s(1)), 1);
        assert_eq!(allowed(Duration::from_millis(1500), s(1)), 2);
        assert_eq!(allowed(s(3), s(1)), 4);
        assert_eq!(allowed(s(3), Duration::ZERO), usize::MAX);
    }
}
