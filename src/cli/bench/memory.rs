//! The process's memory from `/proc/self/status`: [`Memory`] (current and peak resident set).
//! `None` where there is no procfs (the figures then print as `n/a`).

/// Resident set sizes, in KiB.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Memory {
    /// `VmRSS`: resident now.
    pub(crate) rss_kib: u64,
    /// `VmHWM`: the peak resident set so far.
    pub(crate) peak_kib: u64,
}

/// The current figures, if the platform has `/proc/self/status`.
pub(crate) fn now() -> Option<Memory> {
    parse(&std::fs::read_to_string("/proc/self/status").ok()?)
}

/// Reads `VmRSS` and `VmHWM` from the text of a `/proc/<pid>/status` file.
pub(crate) fn parse(status: &str) -> Option<Memory> {
    let field = |name: &str| -> Option<u64> {
        status.lines().find_map(|line| {
            let rest = line.strip_prefix(name)?.strip_prefix(':')?;
            rest.trim().strip_suffix("kB")?.trim().parse().ok()
        })
    };
    Some(Memory {
        rss_kib: field("VmRSS")?,
        peak_kib: field("VmHWM")?,
    })
}

/// `12.3 MiB`, or `n/a`.
pub(crate) fn mib(kib: Option<u64>) -> String {
    kib.map_or_else(
        || "n/a".to_owned(),
        |k| format!("{:.1} MiB", k as f64 / 1024.0),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_proc_status() {
        let text = "Name:\tdocflow\nVmPeak:\t  999 kB\nVmHWM:\t   20480 kB\nVmRSS:\t   10240 kB\n";
        assert_eq!(
            parse(text),
            Some(Memory {
                rss_kib: 10240,
                peak_kib: 20480
            })
        );
        assert_eq!(parse("Name:\tx\n"), None);
        assert_eq!(mib(Some(10240)), "10.0 MiB");
        assert_eq!(mib(None), "n/a");
    }

    #[test]
    fn reads_this_process_on_linux() {
        if cfg!(target_os = "linux") {
            let m = now().unwrap();
            assert!(m.rss_kib > 0 && m.peak_kib >= m.rss_kib, "{m:?}");
        }
    }
}
