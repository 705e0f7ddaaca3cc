//! `docflow mock serve`: Konnect-in-a-box as a standalone server (also the container
//! entrypoint). Prints one `ready` line with both URLs, stops cleanly on SIGTERM or Ctrl-C,
//! or, with `--exit-when-idle`, once no request has arrived for that long.

use std::io::Write as _;
use std::net::SocketAddr;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use docflow::mock::auth::OrgId;
use docflow::mock::config::TokenPolicy;
use docflow::mock::{MockConfig, MockServer};

use super::args::ServeArgs;

/// The line printed once both listeners accept connections; the container target waits for
/// it.
pub(crate) const READY: &str = docflow::mock::server::READY_LINE;

/// Serves until a signal.
pub(crate) async fn serve(args: ServeArgs) -> ExitCode {
    let token_policy = if args.any_token {
        TokenPolicy::Any
    } else {
        TokenPolicy::PatOnly
    };
    let proxy_org = match args
        .proxy_org
        .as_deref()
        .map(|t| OrgId::from_token(t, token_policy))
    {
        None => None,
        Some(Some(org)) => Some(org),
        Some(None) => {
            eprintln!("error: `--proxy-org` is not a token the mock accepts (`kpat_…`/`spat_…`)");
            return ExitCode::from(2);
        }
    };
    let config = MockConfig {
        propagation_delay: args.propagation_delay,
        token_policy,
        public_api_url: args.public_url.clone(),
        proxy_org,
        ..MockConfig::default()
    };
    // Start generating signing keys now, so the first auth server does not wait for one. A
    // mock only this machine can reach may hand out the public bundled test keys first; one
    // listening on another address (a container's `0.0.0.0`) signs only with its own.
    let pool = docflow::mock::identity::key_pool::KeyPool::global();
    if args.host.is_loopback() {
        pool.add_bundled();
    }
    pool.seed(docflow::mock::identity::key_pool::DEFAULT_SIZE);
    let server = match MockServer::start(
        config,
        SocketAddr::new(args.host, args.api_port),
        SocketAddr::new(args.host, args.proxy_port),
    )
    .await
    {
        Ok(s) => s,
        Err(e) => {
            eprintln!(
                "error: cannot bind {}:{} / {}:{}: {e}",
                args.host, args.api_port, args.host, args.proxy_port
            );
            return ExitCode::from(2);
        }
    };
    println!(
        "{READY}: api {} proxy {} (export KONNECT_CONTROL_PLANE_URL={} KONNECT_PROXY_URL={})",
        server.api_url, server.proxy_url, server.api_url, server.proxy_url
    );
    let _ = std::io::stdout().flush();
    match args.exit_when_idle {
        Some(idle) => {
            tokio::select! {
                () = wait_for_signal() => {}
                () = wait_until_idle(&server, idle) => {
                    eprintln!("docflow mock: no request for {}s", idle.as_secs_f64());
                }
            }
        }
        None => wait_for_signal().await,
    }
    eprintln!("docflow mock: stopping");
    server.stop();
    ExitCode::SUCCESS
}

/// Returns once the journal has recorded no new request for `idle`.
async fn wait_until_idle(server: &MockServer, idle: Duration) {
    let tick = (idle / 4).clamp(Duration::from_millis(50), Duration::from_secs(5));
    let mut seen = server.state.journal.recorded();
    let mut since = Instant::now();
    loop {
        tokio::time::sleep(tick).await;
        let now = server.state.journal.recorded();
        if now != seen {
            seen = now;
            since = Instant::now();
        } else if since.elapsed() >= idle {
            return;
        }
    }
}

async fn wait_for_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = term.recv() => {}
                    _ = tokio::signal::ctrl_c() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
