//! [`bench`]: starts one mock on `127.0.0.1:0` in this process, sets up the how-to's flow
//! through its API, and measures the issuer, the key handling, the gateway's caches, the
//! unknown-`kid` refresh, scenario loading and memory, over real sockets on this
//! multi-thread runtime. Progress goes to stderr; the report to stdout.

use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

use reqwest::header::AUTHORIZATION;
use serde_json::json;

use docflow::mock::journal::CAPACITY as JOURNAL_CAPACITY;
use docflow::mock::{MockConfig, MockServer};
use docflow::secret::Secret;

use super::api::{Api, client};
use super::args::{BenchArgs, Plan};
use super::drive::{MakeRequest, Pass, drive};
use super::journal::{count_listener, issuer_fetches};
use super::memory::{self, Memory, mib};
use super::report::{Kind, Report, Target, duration, ms, round2};
use super::setup::{Flow, KID_PATH, setup, token_request};
use super::signing::{self, ratio};

/// Runs the bench and prints its report.
pub(crate) async fn bench(args: BenchArgs) -> ExitCode {
    let plan = args.plan();
    match measure(&plan).await {
        Ok(report) => {
            print!("{}", report.render());
            if plan.json {
                println!("{}", report.json());
            }
            report.exit_code()
        }
        Err(e) => {
            eprintln!("error: bench failed: {e}");
            ExitCode::from(2)
        }
    }
}

fn progress(text: &str) {
    eprintln!("docflow bench: {text}");
}

fn build() -> &'static str {
    if cfg!(debug_assertions) {
        "debug build (opt-level 3 for the crypto crates only)"
    } else {
        "release build"
    }
}

/// A `GET` of the proxy with the bearer token.
fn gateway(url: String, token: &Secret) -> Arc<MakeRequest> {
    let bearer = format!("Bearer {}", token.expose());
    Arc::new(move |http: &reqwest::Client, _| http.get(&url).header(AUTHORIZATION, &bearer))
}

/// Latency and throughput figures of a pass.
fn pass_figures(report: &mut Report, key: &'static str, label: &str, pass: &Pass) {
    let s = pass.stats();
    report.figure(
        key,
        label,
        format!(
            "{:>8.0} req/s   p50 {:>9}   p99 {:>9}",
            s.per_second,
            duration(s.p50),
            duration(s.p99)
        ),
        json!({
            "requests": s.count,
            "per_second": round2(s.per_second),
            "p50_ms": ms(s.p50),
            "p99_ms": ms(s.p99),
            "unexpected": pass.unexpected,
        }),
    );
}

/// Measures everything and builds the report.
async fn measure(plan: &Plan) -> Result<Report, String> {
    let start_memory = memory::now();
    let mut report = Report::new(format!(
        "docflow bench: {} requests per pass, {} in flight, {}",
        plan.requests,
        plan.concurrency,
        build()
    ));
    report.plan("requests", json!(plan.requests));
    report.plan("concurrency", json!(plan.concurrency));
    report.plan("debug", json!(cfg!(debug_assertions)));

    let loopback = SocketAddr::from(([127, 0, 0, 1], 0));
    let server = MockServer::start(MockConfig::default(), loopback, loopback)
        .await
        .map_err(|e| format!("cannot start the mock on 127.0.0.1: {e}"))?;
    let http = client()?;
    let api = Api::new(http.clone(), &server.api_url);
    let mut unexpected: Vec<(&str, usize, Option<String>)> = Vec::new();

    // 1. Setup, through the public API as the how-to does it.
    progress("setting up the how-to's flow through the API");
    let started = Instant::now();
    let flow = setup(&api, plan.rediscovery).await?;
    let setup_time = started.elapsed();
    report.figure(
        "setup_ms",
        format!("setup ({} API calls, 2 tokens)", flow.calls),
        duration(setup_time),
        json!(ms(setup_time)),
    );

    // 2. The issuer.
    progress(&format!("issuer: {} token requests", plan.requests));
    let issuer_pass = issue_tokens(&http, plan, &flow).await;
    pass_figures(
        &mut report,
        "issuer",
        &format!("issuer: {} token requests", plan.requests),
        &issuer_pass,
    );
    unexpected.push((
        "token",
        issuer_pass.unexpected,
        issuer_pass.first_unexpected,
    ));

    progress(&format!(
        "signing: {} tokens per variant, in-process",
        plan.signatures
    ));
    let signatures = plan.signatures;
    let signing = tokio::task::spawn_blocking(move || signing::measure(signatures))
        .await
        .map_err(|e| format!("the signing bench stopped: {e}"))??;
    report.figure(
        "sign_stored_ms",
        "sign, EncodingKey stored (as the mock)",
        format!("{:>9} per token", duration(signing.stored)),
        json!(ms(signing.stored)),
    );
    report.figure(
        "sign_parse_per_token_ms",
        "sign, EncodingKey from PEM per token",
        format!(
            "{:>9} per token  ({:.2}x the stored key)",
            duration(signing.parse_per_token),
            signing.parse_ratio()
        ),
        json!(ms(signing.parse_per_token)),
    );
    report.figure(
        "sign_parsed_once_ms",
        "sign, RSA key parsed once (rsa crate)",
        format!(
            "{:>9} per token  (stored EncodingKey is {:.2}x this)",
            duration(signing.parsed_once),
            signing.stored_ratio()
        ),
        json!(ms(signing.parsed_once)),
    );
    report.note(
        "jsonwebtoken's rust_crypto backend keeps an RSA EncodingKey as DER and decodes it \
         again in every encode(): a stored EncodingKey saves the PEM step only; the \
         `parsed once` line is a key decoded once into rsa's signer",
    );

    // 3. The gateway: the cold first request, then warm passes.
    let url = format!("{}/anything", server.proxy_url);
    api.reset_journal().await?;
    progress("gateway: the cold first request");
    let cold_pass = drive(&http, 1, 1, 200, gateway(url.clone(), &flow.access_token)).await;
    let cold_done = Instant::now();
    let cold = cold_pass.stats().p50;
    unexpected.push((
        "cold gateway",
        cold_pass.unexpected,
        cold_pass.first_unexpected,
    ));
    let cold_fetches = issuer_fetches(&api.journal().await?, &flow.issuer_path);
    api.reset_journal().await?;

    progress(&format!(
        "gateway: {} warm requests one at a time, then 2 x {} at {} in flight",
        plan.sequential, plan.requests, plan.concurrency
    ));
    let sequential = drive(
        &http,
        plan.sequential,
        1,
        200,
        gateway(url.clone(), &flow.access_token),
    )
    .await;
    let first_round = drive(
        &http,
        plan.requests,
        plan.concurrency,
        200,
        gateway(url.clone(), &flow.access_token),
    )
    .await;
    let before_round2 = memory::now();
    let second_round = drive(
        &http,
        plan.requests,
        plan.concurrency,
        200,
        gateway(url.clone(), &flow.access_token),
    )
    .await;
    let after_round2 = memory::now();
    let warm_journal = api.journal().await?;
    let warm_fetches = issuer_fetches(&warm_journal, &flow.issuer_path);
    let warm_seen = count_listener(&warm_journal, "proxy");
    drop(warm_journal);
    let warm_sent = sequential.latencies.len() + first_round.latencies.len() + second_round.latencies.len();

    report.figure(
        "gateway_cold_ms",
        "gateway: cold first request",
        format!(
            "{:>9}  (discovery {} + JWKS {} fetched)",
            duration(cold),
            cold_fetches.discovery,
            cold_fetches.jwks
        ),
        json!(ms(cold)),
    );
    let warm_sequential = sequential.stats();
    report.figure(
        "gateway_warm_sequential",
        format!("gateway: {} warm, one at a time", plan.sequential),
        format!(
            "{:>8.0} req/s   p50 {:>9}   p99 {:>9}",
            warm_sequential.per_second,
            duration(warm_sequential.p50),
            duration(warm_sequential.p99)
        ),
        json!({
            "requests": warm_sequential.count,
            "per_second": round2(warm_sequential.per_second),
            "p50_ms": ms(warm_sequential.p50),
            "p99_ms": ms(warm_sequential.p99),
        }),
    );
    pass_figures(
        &mut report,
        "gateway_warm",
        &format!("gateway: {} warm requests", plan.requests),
        &first_round,
    );
    pass_figures(
        &mut report,
        "gateway_warm_round2",
        &format!("gateway: {} warm requests, again", plan.requests),
        &second_round,
    );
    for (what, pass) in [
        ("warm gateway (one at a time)", sequential),
        ("warm gateway", first_round),
        ("warm gateway, again", second_round),
    ] {
        unexpected.push((what, pass.unexpected, pass.first_unexpected));
    }

    // 4. Unknown `kid`: wait until the keys fetched by the cold request are older than the
    // plugin's rediscovery window, so the first unknown `kid` may refresh them.
    let window = plan.rediscovery;
    let ready_at = cold_done + window + Duration::from_millis(200);
    if let Some(wait) = ready_at.checked_duration_since(Instant::now()) {
        tokio::time::sleep(wait).await;
    }
    api.reset_journal().await?;
    progress(&format!(
        "gateway: {} requests with a token whose kid the issuer's JWKS lacks",
        plan.unknown_kid
    ));
    let kid_pass = drive(
        &http,
        plan.unknown_kid,
        plan.concurrency,
        401,
        gateway(
            format!("{}{KID_PATH}", server.proxy_url),
            &flow.foreign_token,
        ),
    )
    .await;
    let kid_fetches = issuer_fetches(&api.journal().await?, &flow.issuer_path);
    let windows = 1 + (kid_pass.wall.as_secs_f64() / window.as_secs_f64()).floor() as usize;
    report.figure(
        "unknown_kid",
        format!("gateway: {} unknown-kid requests", plan.unknown_kid),
        format!(
            "{:>9} in all, JWKS refetches {}, discovery refetches {}",
            duration(kid_pass.wall),
            kid_fetches.jwks,
            kid_fetches.discovery
        ),
        json!({
            "requests": plan.unknown_kid,
            "wall_ms": ms(kid_pass.wall),
            "jwks_refetches": kid_fetches.jwks,
            "discovery_refetches": kid_fetches.discovery,
            "rediscovery_window_s": window.as_secs_f64(),
        }),
    );
    unexpected.push((
        "unknown kid",
        kid_pass.unexpected,
        kid_pass.first_unexpected,
    ));

    // 5. Scenario loading.
    progress(&format!(
        "scenarios: loading `{}` {} times",
        plan.scenarios.display(),
        plan.scenario_rounds
    ));
    let (folder, rounds) = (plan.scenarios.clone(), plan.scenario_rounds);
    let loading = tokio::task::spawn_blocking(move || super::scenarios::measure(&folder, rounds))
        .await
        .map_err(|e| format!("the scenario bench stopped: {e}"))??;
    report.figure(
        "scenario_files_per_second",
        format!(
            "scenarios: {} files x {} loads + validations",
            loading.files, loading.rounds
        ),
        format!(
            "{:>8.0} files/s  ({} invalid)",
            loading.per_second(),
            loading.invalid
        ),
        json!(round2(loading.per_second())),
    );

    // 6. Memory.
    let end_memory = memory::now();
    memory_figures(
        &mut report,
        plan,
        start_memory,
        end_memory,
        before_round2,
        after_round2,
    );

    // Targets.
    let warm_p50 = warm_sequential.p50;
    let cold_ratio = ratio(cold, warm_p50);
    report.target(Target {
        text: format!(
            "warm gateway p50 {} vs cold first request {}: cold is {cold_ratio:.1}x warm",
            duration(warm_p50),
            duration(cold)
        ),
        goal: "warm ≤ 1/5 of cold, ≥ 5.0x".into(),
        value: round2(cold_ratio),
        kind: Kind::Timing,
        pass: cold_ratio >= 5.0,
    });
    report.target(Target {
        text: format!(
            "key parsed per token vs stored: {:.2}x slower",
            signing.parse_ratio()
        ),
        goal: "≥ 2.0x".into(),
        value: round2(signing.parse_ratio()),
        kind: Kind::Timing,
        pass: signing.parse_ratio() >= 2.0,
    });
    if let (Some(a), Some(b)) = (before_round2, after_round2) {
        let growth = b.rss_kib as f64 / a.rss_kib.max(1) as f64;
        report.target(Target {
            text: format!(
                "RSS growth across a second round of {} gateway requests: {growth:.3}x",
                plan.requests
            ),
            goal: "< 1.5x".into(),
            value: (growth * 1000.0).round() / 1000.0,
            kind: Kind::Memory,
            pass: growth < 1.5,
        });
    }
    report.target(Target {
        text: format!(
            "cold first request fetched discovery {} and JWKS {}",
            cold_fetches.discovery, cold_fetches.jwks
        ),
        goal: "1 and 1".into(),
        value: cold_fetches.total() as f64,
        kind: Kind::Count,
        pass: cold_fetches.discovery == 1 && cold_fetches.jwks == 1,
    });
    let capped = if warm_seen < warm_sent {
        format!(" (the journal kept {warm_seen} of {warm_sent}: it holds {JOURNAL_CAPACITY})")
    } else {
        String::new()
    };
    report.target(Target {
        text: format!(
            "issuer fetches during {warm_sent} warm gateway requests: {}{capped}",
            warm_fetches.total()
        ),
        goal: "0".into(),
        value: warm_fetches.total() as f64,
        kind: Kind::Count,
        pass: warm_fetches.total() == 0 && warm_seen > 0,
    });
    report.target(Target {
        text: format!(
            "JWKS refetches on {} unknown-kid requests in {}: {}",
            plan.unknown_kid,
            duration(kid_pass.wall),
            kid_fetches.jwks
        ),
        goal: format!(
            "at least 1, at most 1 per {} s rediscovery window = {windows}",
            window.as_secs_f64()
        ),
        value: kid_fetches.jwks as f64,
        kind: Kind::Count,
        pass: (1..=windows).contains(&kid_fetches.jwks),
    });
    let total_unexpected: usize = unexpected.iter().map(|(_, n, _)| n).sum();
    let first = unexpected
        .iter()
        .find_map(|(what, n, why)| {
            (*n > 0).then(|| format!(" (first: {what} {})", why.as_deref().unwrap_or("")))
        })
        .unwrap_or_default();
    report.target(Target {
        text: format!("unexpected statuses or failed requests: {total_unexpected}{first}"),
        goal: "0".into(),
        value: total_unexpected as f64,
        kind: Kind::Count,
        pass: total_unexpected == 0,
    });
    server.stop();
    Ok(report)
}

/// `plan.requests` token requests for the how-to's client.
async fn issue_tokens(http: &reqwest::Client, plan: &Plan, flow: &Flow) -> Pass {
    let issuer = flow.issuer.clone();
    let client_id = flow.client_id.clone();
    let secret = flow.client_secret.clone();
    let make: Arc<MakeRequest> = Arc::new(move |http: &reqwest::Client, _| {
        token_request(http, &issuer, &client_id, &secret, Some("my-scope"))
    });
    drive(http, plan.requests, plan.concurrency, 200, make).await
}

/// Peak RSS before and after, and the growth across the second gateway round.
fn memory_figures(
    report: &mut Report,
    plan: &Plan,
    start: Option<Memory>,
    end: Option<Memory>,
    before: Option<Memory>,
    after: Option<Memory>,
) {
    report.figure(
        "peak_rss_start_kib",
        "peak RSS (VmHWM) before setup",
        mib(start.map(|m| m.peak_kib)),
        json!(start.map(|m| m.peak_kib)),
    );
    report.figure(
        "peak_rss_end_kib",
        "peak RSS (VmHWM) after the benches",
        mib(end.map(|m| m.peak_kib)),
        json!(end.map(|m| m.peak_kib)),
    );
    let (Some(before), Some(after)) = (before, after) else {
        report.figure(
            "rss_growth",
            "RSS across the second gateway round",
            "n/a (no /proc/self/status)",
            json!(null),
        );
        return;
    };
    let grown = after.rss_kib.saturating_sub(before.rss_kib);
    let per_request = grown as f64 * 1024.0 / plan.requests.max(1) as f64;
    report.figure(
        "rss_growth",
        "RSS across the second gateway round",
        format!(
            "{} -> {}  (+{}, ≈ {per_request:.0} bytes per request)",
            mib(Some(before.rss_kib)),
            mib(Some(after.rss_kib)),
            mib(Some(grown)),
        ),
        json!({
            "before_kib": before.rss_kib,
            "after_kib": after.rss_kib,
            "bytes_per_request": per_request.round(),
        }),
    );
    report.note(format!(
        "the request journal keeps every request's method, path, redacted headers and body, \
         up to {JOURNAL_CAPACITY} entries: it dominates memory growth until it is full, then \
         drops its oldest entries"
    ));
}
