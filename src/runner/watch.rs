//! [`Watcher`]: live progress out of a running scenario — each step as it finishes, and a
//! step that starts polling (`retry:`) with how long it may wait — so a 30 s retry does not
//! look hung. Everything it is given is already redacted, except an [`Exchange`], which
//! comes with the redactor that must be applied to it (`docflow run --record` stores it).

use std::sync::Arc;
use std::time::Duration;

use crate::http::{Prepared, Received};
use crate::outcome::StepReport;
use crate::redact::Redactor;
use crate::scenario::model::{Capture, Retry};

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
    /// A request of the scenario was answered for good: a step's settled answer (its last
    /// attempt) or a cleanup's. Raw: the watcher must redact it with its `redactor`.
    Exchange(&'a Exchange<'a>),
}

/// One request and its final answer, as [`Event::Exchange`] tells it.
#[derive(Debug)]
pub struct Exchange<'a> {
    /// The step, or the step a cleanup undoes.
    pub step: &'a str,
    /// Whether this is the step's cleanup (sent at the end, in reverse order).
    pub cleanup: bool,
    /// The request as rendered (secrets in clear: redact before storing).
    pub request: &'a Prepared,
    /// The answer (secrets in clear).
    pub received: &'a Received,
    /// The step's captures, so a replay can capture the same variables from its own answer.
    pub captures: &'a [Capture],
    /// The step's `retry:`, so a replay can poll as the run did.
    pub retry: Option<Retry>,
    /// Hides every secret and captured value known once the step's captures are kept.
    pub redactor: &'a Redactor,
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
