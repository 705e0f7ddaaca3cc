//! [`Report`]: the figures table, the targets block with PASS/FAIL, the JSON summary and the
//! exit code. Only [`Kind::Count`] targets decide the exit code: timings and memory on a
//! shared machine are informational.

use std::fmt::Write as _;
use std::process::ExitCode;

use serde_json::{Map, Value, json};

/// What a target compares, which decides whether its failure fails the run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// A count (fetches, unexpected statuses): deterministic, so a FAIL fails the run.
    Count,
    /// A ratio of two timings measured in the same run: informational.
    Timing,
    /// A ratio of memory figures: informational.
    Memory,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Self::Count => "count",
            Self::Timing => "timing",
            Self::Memory => "memory",
        }
    }
}

/// One target and how the run did against it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Target {
    /// What is measured and the result, e.g. `issuer fetches during 4200 warm gateway
    /// requests: 0`.
    pub(crate) text: String,
    /// The goal, e.g. `0` or `≥ 5x`.
    pub(crate) goal: String,
    /// The measured value, for the JSON summary.
    pub(crate) value: f64,
    /// Count, timing or memory.
    pub(crate) kind: Kind,
    /// Whether the goal was met.
    pub(crate) pass: bool,
}

/// One line of the figures table.
#[derive(Debug, Clone, PartialEq)]
struct Figure {
    key: &'static str,
    label: String,
    display: String,
    value: Value,
}

/// Everything a run prints.
#[derive(Debug, Default)]
pub(crate) struct Report {
    /// The first line: what was run, on which build.
    pub(crate) title: String,
    figures: Vec<Figure>,
    notes: Vec<String>,
    targets: Vec<Target>,
    plan: Map<String, Value>,
}

impl Report {
    /// An empty report under `title`.
    pub(crate) fn new(title: String) -> Self {
        Self {
            title,
            ..Self::default()
        }
    }

    /// Adds a figure: `key` names it in the JSON summary, `label` and `display` in the table.
    pub(crate) fn figure(
        &mut self,
        key: &'static str,
        label: impl Into<String>,
        display: impl Into<String>,
        value: Value,
    ) {
        self.figures.push(Figure {
            key,
            label: label.into(),
            display: display.into(),
            value,
        });
    }

    /// Adds a note printed under the table.
    pub(crate) fn note(&mut self, note: impl Into<String>) {
        self.notes.push(note.into());
    }

    /// Adds a target.
    pub(crate) fn target(&mut self, target: Target) {
        self.targets.push(target);
    }

    /// Records a plan setting for the JSON summary.
    pub(crate) fn plan(&mut self, key: &str, value: Value) {
        self.plan.insert(key.to_owned(), value);
    }

    /// The table, the notes and the targets block.
    pub(crate) fn render(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(out, "{}", self.title);
        let width = self
            .figures
            .iter()
            .map(|f| f.label.chars().count())
            .max()
            .unwrap_or(0);
        let _ = writeln!(out);
        for figure in &self.figures {
            let pad = width - figure.label.chars().count();
            let _ = writeln!(
                out,
                "  {}{}  {}",
                figure.label,
                " ".repeat(pad),
                figure.display
            );
        }
        if !self.notes.is_empty() {
            let _ = writeln!(out);
            for note in &self.notes {
                let _ = writeln!(out, "  note: {note}");
            }
        }
        let _ = writeln!(out);
        let _ = writeln!(
            out,
            "targets (a FAIL of a count fails the run; timing and memory ratios are informational: \
             these machines are shared and noisy)"
        );
        for t in &self.targets {
            let _ = writeln!(
                out,
                "  {}  {:<6}  {} (target: {})",
                if t.pass { "PASS" } else { "FAIL" },
                t.kind.name(),
                t.text,
                t.goal
            );
        }
        let counts_failed = self
            .targets
            .iter()
            .filter(|t| t.kind == Kind::Count && !t.pass)
            .count();
        let info_failed = self
            .targets
            .iter()
            .filter(|t| t.kind != Kind::Count && !t.pass)
            .count();
        let _ = writeln!(
            out,
            "{} targets: {} count FAIL, {} informational FAIL",
            self.targets.len(),
            counts_failed,
            info_failed
        );
        out
    }

    /// The machine-readable summary: one JSON object.
    pub(crate) fn json(&self) -> Value {
        let figures: Map<String, Value> = self
            .figures
            .iter()
            .map(|f| (f.key.to_owned(), f.value.clone()))
            .collect();
        let targets: Vec<Value> = self
            .targets
            .iter()
            .map(|t| {
                json!({
                    "text": t.text,
                    "goal": t.goal,
                    "value": t.value,
                    "kind": t.kind.name(),
                    "pass": t.pass,
                })
            })
            .collect();
        json!({
            "title": self.title,
            "plan": self.plan,
            "figures": figures,
            "targets": targets,
            "pass": self.passed(),
        })
    }

    /// Whether every count target passed.
    pub(crate) fn passed(&self) -> bool {
        self.targets.iter().all(|t| t.kind != Kind::Count || t.pass)
    }

    /// 0 when every count target passed, 1 otherwise.
    pub(crate) fn exit_code(&self) -> ExitCode {
        if self.passed() {
            ExitCode::SUCCESS
        } else {
            ExitCode::from(1)
        }
    }
}

/// `1.23 ms` / `456 µs` / `2.10 s`.
pub(crate) fn duration(d: std::time::Duration) -> String {
    let secs = d.as_secs_f64();
    if secs >= 1.0 {
        format!("{secs:.2} s")
    } else if secs >= 1e-3 {
        format!("{:.2} ms", secs * 1e3)
    } else {
        format!("{:.0} µs", secs * 1e6)
    }
}

/// Milliseconds with microsecond precision, for the JSON summary.
pub(crate) fn ms(d: std::time::Duration) -> f64 {
    (d.as_secs_f64() * 1e6).round() / 1e3
}

/// Two decimals, for the JSON summary.
pub(crate) fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn target(kind: Kind, pass: bool) -> Target {
        Target {
            text: format!("{} thing", kind.name()),
            goal: "0".into(),
            value: 0.0,
            kind,
            pass,
        }
    }

    #[test]
    fn only_failed_counts_fail_the_run() {
        let mut report = Report::default();
        report.target(target(Kind::Timing, false));
        report.target(target(Kind::Memory, false));
        report.target(target(Kind::Count, true));
        assert!(report.passed());
        let text = report.render();
        assert!(
            text.contains("FAIL  timing  timing thing (target: 0)"),
            "{text}"
        );
        assert!(
            text.contains("PASS  count   count thing (target: 0)"),
            "{text}"
        );
        assert!(
            text.contains("0 count FAIL, 2 informational FAIL"),
            "{text}"
        );
        report.target(target(Kind::Count, false));
        assert!(!report.passed());
        assert_eq!(report.json()["pass"], false);
    }

    #[test]
    fn table_aligns_and_json_keys_figures() {
        let mut report = Report::new("bench".into());
        report.figure("a", "short", "1", json!(1));
        report.figure("b", "a longer label", "2", json!(2));
        let text = report.render();
        assert!(text.contains("  short           1\n"), "{text}");
        assert!(text.contains("  a longer label  2\n"), "{text}");
        assert_eq!(report.json()["figures"], json!({"a": 1, "b": 2}));
    }

    #[test]
    fn formats_durations() {
        assert_eq!(duration(Duration::from_micros(456)), "456 µs");
        assert_eq!(duration(Duration::from_micros(1234)), "1.23 ms");
        assert_eq!(duration(Duration::from_millis(2100)), "2.10 s");
        assert_eq!(ms(Duration::from_micros(1234)), 1.234);
        assert_eq!(round2(1.2345), 1.23);
    }
}
