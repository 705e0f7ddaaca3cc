//! [`convert`]: a how-to, run as written. The page's blocks become a
//! [`Scenario`] in reading order; the result is a
//! [`Conversion`] (the scenario, per-step notes for the YAML printer, warnings).
//!
//! What it produces, in order:
//!
//! 1. **Prerequisites** (only when the frontmatter has `prereqs.entities`): find the
//!    quickstart control plane (`GET /v2/control-planes?filter[name][eq]=$DECK_KONNECT_CONTROL_PLANE_NAME`),
//!    then create each entity example on it through the core-entities API, its name suffixed
//!    with `-$RUN_ID`, references by name (`service: {name: example-service}`) turned into
//!    references by the id just captured, each with a cleanup. The docs apply them with decK;
//!    the API does the same without a decK binary. Their `source` is the example file's line 1.
//! 2. **Doc steps**, each with its `source` (`file:line` of the block), its `status_code` as
//!    the doc's claim:
//!    - `{% konnect_api_request %}` → a Konnect API request (`capture` and `extract_body`
//!      kept as captures);
//!    - `{% validation request-check %}` → a gateway proxy request (`unauthorized-check`
//!      too, 401 unless it says otherwise);
//!    - `curl` in a shell block → an absolute-URL request (a `$KONNECT_PROXY_URL/…` URL goes
//!      to the proxy), form fields from `-d`, with the implied success status.
//!
//! Then the heuristics of [`Inference`] (guesses, documented there; each one shows as an
//! `# inferred:` comment in `docflow doc scenario`):
//!
//! - a manual `export NAME='YOUR-…'` becomes a capture on the earlier request whose response
//!   holds it, chosen by meaning: the variable's noun against each request's resource, the
//!   field by its kind and the response's shape or by the prose naming it;
//! - auth server names get ` $RUN_ID` appended (they are unique per organization and region);
//! - creating an auth server registers `DELETE /v1/auth-servers/$AUTH_SERVER_ID?force=true`
//!   (which removes its scopes, claims and clients too), creating a core entity (a plugin)
//!   registers its `DELETE`, capturing the id when the doc does not;
//! - a trailing "Access the Gateway service…" heading with no request becomes a proxy `GET`
//!   of the example route's first path with `Authorization: Bearer $ACCESS_TOKEN` and the
//!   implied success status, its `source` at the heading;
//! - before the first gateway request after an authentication plugin is enabled, a probe
//!   step (no `source`) waits until an unauthenticated request answers 401.
//!
//! Last, the page's sentences and `tldr` that name a method and an endpoint are checked
//! against its request blocks ([`prose_check`]); a disagreement is one of the
//! [`Conversion::defects`], at the sentence's line.
//!
//! Spans point into [`Scenario::source`](crate::scenario::model::Scenario::source), the
//! page's frontmatter followed by its expanded body; `source` holds the real `file:line`.
//!
//! The parts, in `convert/`: `builder` (state and shared helpers), `prerequisites`, `dispatch`
//! (a block to its part), `requests`, `validations`, `curl`, `exports`, `manual_exports` and
//! `binding` (a manual export's step and field by meaning), `inputs` (what the page leaves to
//! the reader), `gateway` (implied calls
//! and probes), `deck_steps` (`{% entity_examples %}` applied as core-entities requests),
//! `cleanups`, `finish`.

mod binding;
mod builder;
mod cleanups;
mod curl;
mod deck_steps;
mod dispatch;
mod exports;
mod finish;
mod gateway;
mod inputs;
mod manual_exports;
mod prerequisites;
mod requests;
mod validations;

#[cfg(test)]
mod tests;

use std::collections::HashMap;
use std::time::Duration;

use crate::doc::blocks::Extracted;
use crate::doc::diagnostic::{Diagnostic, DocLocation};
use crate::doc::infer::Inference;
use crate::doc::markdown::Page;
use crate::doc::ordered::Ordered;
use crate::doc::prose_check::{self, ClaimCheck};
use crate::scenario::model::{Retry, Scenario};
use builder::Builder;

/// Variables a target provides (the quickstart script's exports, plus `RUN_ID`).
pub use crate::scenario::TARGET_VARS as TARGET_VARIABLES;

/// The variable the prerequisite step captures the quickstart control plane's id into.
pub const QUICKSTART_ID: &str = "QUICKSTART_ID";

/// How long the enforcement probe retries.
pub const PROBE_RETRY: Retry = Retry {
    timeout: Duration::from_secs(30),
    interval: Duration::from_millis(250),
    backoff: 1.5,
};

/// A converted page.
#[derive(Debug, Clone)]
pub struct Conversion {
    /// The runnable scenario.
    pub scenario: Scenario,
    /// One entry per step, for the YAML printer.
    pub notes: Vec<StepNotes>,
    /// Blocks skipped and other things worth knowing.
    pub warnings: Vec<Diagnostic>,
    /// Doc defects found without running anything: blocks that break the docs' own format,
    /// sentences that name another method than the request they describe.
    pub defects: Vec<Diagnostic>,
    /// The page's sentences (and `tldr`) that name a method and an endpoint, each checked
    /// against the page's requests (the disagreements are in `defects` too).
    pub prose: Vec<ClaimCheck>,
    /// The page's `min_version.gateway`.
    pub min_gateway: Option<String>,
    /// Steps that come after something changing the target's state that docflow did not run
    /// (a decK or shell command, an entity it cannot send): step name → what and where. What
    /// such a step finds depends on that, so a disagreement there is not the doc's fault.
    pub after_unrun: HashMap<String, String>,
    /// Variables the page sets with a shell command docflow does not run
    /// (`export X=$(…)`), and where: a step needing one is docflow's gap, not the reader's.
    pub command_exports: HashMap<String, DocLocation>,
    /// Why the page does not run on Konnect at all (`works_on` without `konnect`), if so.
    pub not_for_konnect: Option<String>,
    /// Variables the steps use that nothing on the page defines: values the reader brings.
    /// `docflow doc run` leaves them undefined (a step needing one is out of reach);
    /// `docflow doc scenario` declares each in `vars:` with a placeholder.
    pub reader_inputs: Vec<ReaderInput>,
    /// What the page sends that a scenario file cannot hold (`${salt-token}` in a body): errors
    /// at the doc's lines for `docflow doc scenario`; `docflow doc run` sends it as written.
    pub unwritable: Vec<Diagnostic>,
}

/// A variable the page expects the reader to bring.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReaderInput {
    /// Its name.
    pub name: String,
    /// A value to replace: the doc's own placeholder (`YOUR-CLIENT-ID`), else `YOUR-NAME`.
    pub placeholder: String,
    /// Why the reader brings it and where the page needs it, for a comment.
    pub why: String,
}

/// What the YAML printer needs beyond the model.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct StepNotes {
    /// `# inferred: …` comments: what the step adds to the doc, and why.
    pub comments: Vec<String>,
    /// The JSON body in the doc's key order.
    pub body: Option<Ordered>,
}

/// Converts an extracted page.
pub fn convert(
    page: &Page,
    extracted: &Extracted,
    inference: &Inference,
) -> Result<Conversion, Vec<Diagnostic>> {
    let mut b = Builder::new(page, extracted, inference);
    if let Some((id, position, at)) = &page.frontmatter.series
        && *position > 1
    {
        // What the earlier pages configured is missing when this page runs alone.
        b.unrun_config = Some(format!(
            "the earlier pages of series `{id}` (this is page {position}), which docflow runs one page at a time ({at})"
        ));
    }
    b.prerequisites(&extracted.entities);
    let blocks = &extracted.blocks;
    for (i, block) in blocks.iter().enumerate() {
        b.block(block, &blocks[i + 1..], &extracted.entities);
    }
    b.cleanups();
    let mut conversion = b.finish()?;
    // The page's sentences that name a request, checked against its blocks: a disagreement
    // is a defect of the doc's own consistency, found without running anything.
    let prose = prose_check::check(page, extracted);
    conversion.defects.extend(prose_check::defects(&prose));
    conversion.prose = prose;
    Ok(conversion)
}
