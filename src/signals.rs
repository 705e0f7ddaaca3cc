//! [`interrupted`]: the signals that end a run — SIGINT (Ctrl-C), SIGTERM (CI cancellation,
//! nextest's `terminate-after`) and SIGHUP (a closed terminal) — all handled alike, so a run
//! cleans up whatever stopped it.

/// Waits for SIGINT, SIGTERM or SIGHUP and returns its number (2, 15, 1). Listeners are
/// installed on the first poll; from then on these signals no longer end the process by
/// themselves, so the caller must exit (with 128 + the number) after cleaning up.
pub async fn interrupted() -> i32 {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let (Ok(mut int), Ok(mut term), Ok(mut hup)) = (
            signal(SignalKind::interrupt()),
            signal(SignalKind::terminate()),
            signal(SignalKind::hangup()),
        ) else {
            // Without listeners the default actions stay: the process just ends.
            return std::future::pending().await;
        };
        tokio::select! {
            _ = int.recv() => 2,
            _ = term.recv() => 15,
            _ = hup.recv() => 1,
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
        2
    }
}

/// The exit code of a run ended by `signal`: 128 + its number, as shells report it.
pub fn exit_code(signal: i32) -> u8 {
    u8::try_from(128 + signal).unwrap_or(255)
}
