//! [`bench`]: starts one mock on `127.0.0.1:0` in this process, sets up the how-to's flow
//! through its API, and runs the phases (issuer, key handling, gateway caches, unknown `kid`,
//! scenario loading, memory) over real sockets on this multi-thread runtime. Progress goes to
//! stderr, the report to stdout. [`Ctx`] is what the phases share.

use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Instant;

use reqwest::header::AUTHORIZATION;
use serde_json::json;

use docflow::mock::{MockConfig, MockServer};
use docflow::secret::Secret;

use super::api::{Api, client};
use super::args::{BenchArgs, Plan};
use super::drive::{MakeRequest, Pass, drive};
use super::memory::{self, MemoryFigures};
use super::report::{Kind, Report, Target, duration, ms, round2};
use super::setup::{Flow, setup, token_request};
use super::{gateway, hurl, process, scenarios, signing, tavern, unknown_kid};

/// Runs the bench and prints its report; exits 1 when a count target fails, 2 when the bench
/// could not run.
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

/// What every phase uses.
#[derive(Debug)]
pub(crate) struct Ctx<'a> {
    /// The plan.
    pub(crate) plan: &'a Plan,
    /// The client every request goes through.
    pub(crate) http: reqwest::Client,
    /// The management API and the journal.
    pub(crate) api: Api,
    /// Base URL of the proxy listener.
    pub(crate) proxy_url: String,
    /// The how-to's flow.
    pub(crate) flow: Flow,
}

impl Ctx<'_> {
    /// A progress line on stderr.
    pub(crate) fn progress(&self, text: &str) {
        eprintln!("docflow bench: {text}");
    }

    /// `GET {proxy}{path}` with `token` as the bearer.
    pub(crate) fn gateway(&self, path: &str, token: &Secret) -> Arc<MakeRequest> {
        let url = format!("{}{path}", self.proxy_url);
        let bearer = format!("Bearer {}", token.expose());
        Arc::new(move |http: &reqwest::Client, _| http.get(&url).header(AUTHORIZATION, &bearer))
    }
}

fn build() -> &'static str {
    if cfg!(debug_assertions) {
        "debug build (opt-level 3 for the crypto crates only)"
    } else {
        "release build"
    }
}

/// The table line of a pass: throughput and latency.
pub(crate) fn pass_figures(report: &mut Report, key: &'static str, label: &str, pass: &Pass) {
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

/// Runs every phase and builds the report.
async fn measure(plan: &Plan) -> Result<Report, String> {
    let start = memory::now();
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
    // As the embedded target does: no RSA key generation during the measured passes.
    docflow::mock::identity::key_pool::KeyPool::global().add_bundled();
    let server = MockServer::start(MockConfig::default(), loopback, loopback)
        .await
        .map_err(|e| format!("cannot start the mock on 127.0.0.1: {e}"))?;
    let http = client()?;
    let api = Api::new(http.clone(), &server.api_url);

    eprintln!("docflow bench: setting up the how-to's flow through the API");
    let started = Instant::now();
    let flow = setup(&api, plan.rediscovery).await?;
    let setup_time = started.elapsed();
    report.figure(
        "setup_ms",
        format!("setup ({} API calls, 2 tokens)", flow.calls),
        duration(setup_time),
        json!(ms(setup_time)),
    );
    let ctx = Ctx {
        plan,
        http,
        api,
        proxy_url: server.proxy_url.clone(),
        flow,
    };

    ctx.progress(&format!("issuer: {} token requests", plan.requests));
    let tokens = issue_tokens(&ctx).await;
    pass_figures(
        &mut report,
        "issuer",
        &format!("issuer: {} token requests", plan.requests),
        &tokens,
    );

    ctx.progress(&format!(
        "signing: {} tokens per variant, in-process",
        plan.signatures
    ));
    let count = plan.signatures;
    let signing = tokio::task::spawn_blocking(move || signing::measure(count))
        .await
        .map_err(|e| format!("the signing bench stopped: {e}"))??;
    signing.figures(&mut report);

    let gateway = gateway::measure(&ctx).await?;
    gateway.figures(&mut report, plan.requests);
    let kid = unknown_kid::measure(&ctx, gateway.cold_done).await?;
    kid.figures(&mut report);

    ctx.progress(&format!(
        "scenarios: loading `{}` {} times",
        plan.scenarios.display(),
        plan.scenario_rounds
    ));
    let (folder, rounds) = (plan.scenarios.clone(), plan.scenario_rounds);
    let loading = tokio::task::spawn_blocking(move || scenarios::measure(&folder, rounds))
        .await
        .map_err(|e| format!("the scenario bench stopped: {e}"))??;
    loading.figures(&mut report);

    let processes = match process::scenario(&plan.scenarios) {
        Some(file) => {
            ctx.progress(&format!(
                "processes: `docflow validate` and `run` of `{}` {} times each, then {} scenarios \
                 in one run",
                file.display(),
                plan.process_rounds,
                plan.many
            ));
            let (rounds, many) = (plan.process_rounds, plan.many);
            let figures =
                tokio::task::spawn_blocking(move || process::measure(&file, rounds, many))
                    .await
                    .map_err(|e| format!("the process bench stopped: {e}"))??;
            figures.figures(&mut report);
            Some(figures)
        }
        None => {
            report.note(format!(
                "no `{}` in `{}`: the whole-process figures were skipped",
                process::SCENARIO,
                plan.scenarios.display()
            ));
            None
        }
    };

    let hurl = compare_with_hurl(&ctx).await?;
    if let Some(hurl) = &hurl {
        hurl.figures(&mut report);
    }
    let tavern = compare_with_tavern(&ctx).await?;
    if let Ok(tavern) = &tavern {
        tavern.figures(&mut report);
    }

    let memory = MemoryFigures {
        start,
        end: memory::now(),
        before_round: gateway.around_second.0,
        after_round: gateway.around_second.1,
        round: plan.requests,
    };
    memory.figures(&mut report);

    gateway.targets(&mut report);
    signing.targets(&mut report, tokens.stats().per_second);
    if let Some(processes) = &processes {
        processes.targets(&mut report);
    }
    match &hurl {
        Some(hurl) => hurl.targets(&mut report),
        None => report.note(
            "no `hurl` on the PATH (or no OIDC scenario): the comparison with Hurl was skipped",
        ),
    }
    match &tavern {
        Ok(tavern) => tavern.targets(&mut report),
        Err(why) => report.note(format!("the comparison with Tavern was skipped: {why}")),
    }
    memory.targets(&mut report);
    kid.targets(&mut report);
    let mut passes = vec![("token request", &tokens)];
    passes.extend(gateway.passes());
    passes.push(("unknown-kid request", &kid.pass));
    unexpected_target(&mut report, &passes);
    server.stop();
    Ok(report)
}

/// docflow against Hurl on the OIDC flow, when `hurl` is on the `PATH` and the scenario is
/// in the folder.
async fn compare_with_hurl(ctx: &Ctx<'_>) -> Result<Option<hurl::HurlFigures>, String> {
    let (Some(exe), Some(file)) = (hurl::on_path(), process::scenario(&ctx.plan.scenarios)) else {
        return Ok(None);
    };
    ctx.progress(&format!(
        "hurl: `docflow run --target konnect` and `{}` of `{}` on one standalone mock, {} pairs",
        exe.display(),
        file.display(),
        ctx.plan.hurl_rounds
    ));
    hurl::measure(&ctx.http, exe, file, ctx.plan.hurl_rounds)
        .await
        .map(Some)
}

/// docflow against Tavern on the OIDC flow, when Tavern runs (see [`tavern::detect`]) and the
/// scenario is in the folder; otherwise why it was skipped.
async fn compare_with_tavern(
    ctx: &Ctx<'_>,
) -> Result<Result<tavern::TavernFigures, String>, String> {
    let Some(file) = process::scenario(&ctx.plan.scenarios) else {
        return Ok(Err(format!(
            "no `{}` in `{}`",
            process::SCENARIO,
            ctx.plan.scenarios.display()
        )));
    };
    let version = match tokio::task::spawn_blocking(tavern::detect)
        .await
        .map_err(|e| format!("the Tavern check stopped: {e}"))?
    {
        Ok(version) => version,
        Err(why) => return Ok(Err(why)),
    };
    ctx.progress(&format!(
        "tavern: `docflow run --target konnect` and {version} of `{}` on one standalone mock, {} \
         pairs",
        file.display(),
        ctx.plan.tavern_rounds
    ));
    tavern::measure(&ctx.http, version, file, ctx.plan.tavern_rounds)
        .await
        .map(Ok)
}

/// `plan.requests` token requests for the how-to's client.
async fn issue_tokens(ctx: &Ctx<'_>) -> Pass {
    let issuer = ctx.flow.issuer.clone();
    let client_id = ctx.flow.client_id.clone();
    let secret = ctx.flow.client_secret.clone();
    let make: Arc<MakeRequest> = Arc::new(move |http: &reqwest::Client, _| {
        token_request(http, &issuer, &client_id, &secret, Some("my-scope"))
    });
    drive(
        &ctx.http,
        ctx.plan.requests,
        ctx.plan.concurrency,
        200,
        make,
    )
    .await
}

/// Every request of every pass answered as expected (count).
fn unexpected_target(report: &mut Report, passes: &[(&str, &Pass)]) {
    let total: usize = passes.iter().map(|(_, p)| p.unexpected).sum();
    let first = passes
        .iter()
        .find_map(|(what, p)| {
            let why = p.first_unexpected.as_deref()?;
            Some(format!(" (first: a {what} {why})"))
        })
        .unwrap_or_default();
    report.target(Target {
        text: format!("unexpected statuses or failed requests: {total}{first}"),
        goal: "0".into(),
        value: total as f64,
        kind: Kind::Count,
        pass: total == 0,
    });
}
