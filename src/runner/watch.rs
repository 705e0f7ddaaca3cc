//! [`Watcher`]: live progress out of a running scenario — each step as it finishes, and a
//! step that starts polling (`retry:`) with how long it may wait — so a 30 s retry does not
//! look hung. Everything it is given is already redacted.

use std::sync::Arc;
use std::time::Duration;

use crate::outcome::StepReport;

/// What happened in a running scenario.
#[derive(Debug)]
pub enum Event<'a> {
    /// A step finished (passed, failed, skipped, a defect).
    StepDone(&'a StepReport),
    /// A step's check failed and it polls again, for at most `left`.
    Waiting {
        /// The step.
        step: &'a str,
        /// The status of the answer that did not match yet.
        status: u16,
        /// How long it may still poll.
        left: Duration,
    },
}

/// The callback a [`Watcher`] holds.
type Callback = Arc<dyn Fn(&Event<'_>) + Send + Sync>;

/// Called with every [`Event`], from the runner's task.
#[derive(Clone, Default)]
pub struct Watcher(Option<Callback>);

impl Watcher {
    /// A watcher calling `f`.
    pub fn new(f: impl Fn(&Event<'_>) + Send + Sync + 'static) -> Self {
        Self(Some(Arc::new(f)))
    }

    /// Tells the watcher, if any.
    pub fn tell(&self, event: &Event<'_>) {
        if let Some(f) = &self.0 {
            f(event);
        }
    }
}

impl std::fmt::Debug for Watcher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.0.is_some() {
            "Watcher(..)"
        } else {
            "Watcher(none)"
        })
    }
}
