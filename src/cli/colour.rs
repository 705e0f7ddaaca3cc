//! Whether output is coloured: `NO_COLOR` (set and not empty) turns colour off, then
//! `CLICOLOR_FORCE` (set and not `0`) turns it on, else colour only on a terminal
//! (<https://no-color.org>, <https://bixense.com/clicolors/>).

use std::io::IsTerminal as _;

/// Whether to colour what goes to stderr (logs, diagnostics).
pub(crate) fn stderr() -> bool {
    decide(
        std::env::var("NO_COLOR").ok().as_deref(),
        std::env::var("CLICOLOR_FORCE").ok().as_deref(),
        std::io::stderr().is_terminal(),
    )
}

/// The rule, from the two variables and whether the stream is a terminal.
fn decide(no_color: Option<&str>, force: Option<&str>, terminal: bool) -> bool {
    if no_color.is_some_and(|v| !v.is_empty()) {
        return false;
    }
    if force.is_some_and(|v| !v.is_empty() && v != "0") {
        return true;
    }
    terminal
}

#[cfg(test)]
mod tests {
    use super::decide;

    #[test]
    fn no_color_wins_then_force_then_the_terminal() {
        assert!(!decide(Some("1"), Some("1"), true));
        assert!(decide(Some(""), None, true));
        assert!(decide(None, Some("1"), false));
        assert!(!decide(None, Some("0"), false));
        assert!(!decide(None, None, false));
        assert!(decide(None, None, true));
    }
}
