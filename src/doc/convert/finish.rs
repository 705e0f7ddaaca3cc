//! The end of a conversion: undefined variables, then the [`Conversion`](super::Conversion).

use std::collections::HashSet;
use std::path::PathBuf;
use std::sync::Arc;

use super::builder::Builder;
use super::{Conversion, TARGET_VARIABLES};
use crate::doc::code::DocCode;
use crate::doc::diagnostic::{Diagnostic, DocLocation};
use crate::scenario::model::{DocRef, Request, Scenario, Span};

impl Builder<'_> {
    /// Warns about variables a step uses before anything defines them: the run would stop
    /// there with `run::undefined_variable`.
    pub(super) fn undefined_variables(&mut self) {
        let mut defined: HashSet<String> =
            TARGET_VARIABLES.iter().map(|s| (*s).to_owned()).collect();
        defined.extend(self.vars.iter().map(|v| v.name.clone()));
        for step in &self.steps {
            let mut used: Vec<String> = Request::used_vars(&step.request);
            used.dedup();
            for var in used {
                if !defined.contains(&var) {
                    let at = step.source.as_ref().map_or_else(
                        || DocLocation::new(&self.page.path, 0),
                        |s| DocLocation::new(&s.file, s.line),
                    );
                    self.warnings.push(
                        Diagnostic::warning(
                            DocCode::UndefinedVariable,
                            at,
                            format!("step `{}` uses `${var}`, which nothing before it defines", step.name),
                        )
                        .with_help(format!(
                            "if the doc exports it by hand, add a capture rule: `--capture {var}=<jq>`"
                        )),
                    );
                    defined.insert(var);
                }
            }
            defined.extend(step.captures.iter().map(|c| c.variable.clone()));
        }
    }

    /// The conversion, or its errors.
    pub(super) fn finish(mut self) -> Result<Conversion, Vec<Diagnostic>> {
        if !self.errors.is_empty() {
            return Err(self.errors);
        }
        self.undefined_variables();
        let reader_inputs = self.reader_inputs();
        let unwritable = self.unwritable();
        let page = self.page;
        let name = std::path::Path::new(&page.path)
            .file_stem()
            .map_or_else(|| page.path.clone(), |s| s.to_string_lossy().into_owned());
        let title = page
            .frontmatter
            .title
            .clone()
            .unwrap_or_else(|| name.clone());
        let scenario = Scenario {
            name,
            path: PathBuf::from(&page.path),
            source: Arc::from(page.expanded_text()),
            description: Some(format!(
                "\"{title}\", run as written: every block of the doc in order, with the doc's own status codes (converted by `docflow doc scenario`)."
            )),
            doc: Some(DocRef {
                file: page.path.clone(),
                root: Some(page.root.path().display().to_string()),
                span: Span::default(),
            }),
            targets: vec![],
            vars: self.vars,
            steps: self.steps,
        };
        Ok(Conversion {
            scenario,
            notes: self.notes,
            warnings: self.warnings,
            defects: self.defects,
            // Filled in by `convert` ([`crate::doc::prose_check`] reads the blocks, not the steps).
            prose: Vec::new(),
            min_gateway: page.frontmatter.min_gateway.clone(),
            after_unrun: self.after_unrun,
            command_exports: self.command_exports,
            not_for_konnect: not_for_konnect(&page.frontmatter.works_on),
            reader_inputs,
            unwritable,
        })
    }
}

/// A page whose `works_on` does not list `konnect` shows only self-managed steps, which
/// docflow (a Konnect reader) does not run.
fn not_for_konnect(works_on: &[String]) -> Option<String> {
    (!works_on.is_empty() && !works_on.iter().any(|w| w == "konnect")).then(|| {
        format!(
            "the page is for `works_on: [{}]`; docflow runs a page's Konnect flavour",
            works_on.join(", ")
        )
    })
}
