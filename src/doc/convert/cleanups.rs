//! What undoes a step (`CleanupRule`) and the cleanups registered at the end.

use super::builder::{Builder, bare_request};
use crate::doc::diagnostic::DocLocation;
use crate::scenario::model::Destination;

/// What undoes a step.
#[derive(Debug, Clone)]
pub(super) enum CleanupRule {
    /// `DELETE /v1/auth-servers/$ID?force=true`.
    AuthServer,
    /// `DELETE <collection>/$ID` for a core entity (`plugin`).
    CoreEntity {
        collection: String,
        singular: String,
    },
}

impl CleanupRule {
    /// The variable name for the id, when the doc captures none.
    fn id_variable(&self) -> String {
        match self {
            Self::AuthServer => "AUTH_SERVER_ID".to_owned(),
            Self::CoreEntity { singular, .. } => {
                format!("{}_ID", singular.to_ascii_uppercase().replace('-', "_"))
            }
        }
    }

    /// The cleanup URL, given the id's variable.
    fn url(&self, var: &str) -> String {
        match self {
            Self::AuthServer => format!("/v1/auth-servers/${var}?force=true"),
            Self::CoreEntity { collection, .. } => format!("{collection}/${var}"),
        }
    }
}

impl Builder<'_> {
    /// Registers the cleanups, capturing ids the doc does not.
    pub(super) fn cleanups(&mut self) {
        for index in 0..self.steps.len() {
            let Some(rule) = self.rules[index].clone() else {
                continue;
            };
            let base = rule.id_variable();
            let existing = self.steps[index]
                .captures
                .iter()
                .find(|c| c.jq.trim() == ".id")
                .map(|c| c.variable.clone());
            let var = match existing {
                Some(v) => v,
                None => {
                    let var = self.fresh_var(&base);
                    let span = self.steps[index].span;
                    let capture = self.capture(&var, ".id", span);
                    self.steps[index].captures.push(capture);
                    self.defined.insert(var.clone());
                    self.notes[index].comments.push(format!(
                        "inferred: `{var}` (`.id`) is captured for the cleanup"
                    ));
                    var
                }
            };
            let span = self.steps[index].span;
            let url = rule.url(&var);
            let at = self.steps[index]
                .source
                .as_ref()
                .map(|s| DocLocation::new(&s.file, s.line))
                .unwrap_or_else(|| DocLocation::new(&self.page.path, 0));
            let url = self.template(&url, &at);
            let cleanup = bare_request(Destination::Api, "DELETE", url, span);
            self.notes[index].comments.push(match rule {
                CleanupRule::AuthServer => "inferred: cleanup deletes the auth server with its scopes, claims and clients (`force=true`)".to_owned(),
                CleanupRule::CoreEntity { .. } => "inferred: cleanup deletes what this step creates".to_owned(),
            });
            self.steps[index].cleanup = Some(cleanup);
        }
    }
}

/// For a `POST` to a core-entities collection (`…/core-entities/plugins/`,
/// `…/core-entities/services/$ID/plugins`): the collection URL without a trailing slash, and
/// the entity kind in the singular.
pub(super) fn core_entity_collection(method: &str, url: &str) -> Option<(String, String)> {
    if method != "POST" {
        return None;
    }
    let path = url
        .trim()
        .split('?')
        .next()
        .unwrap_or("")
        .trim_end_matches('/');
    if !path.contains("/core-entities/") {
        return None;
    }
    let last = path.rsplit('/').next()?;
    if last.is_empty() || last.contains('$') {
        return None;
    }
    Some((
        path.to_owned(),
        last.strip_suffix('s').unwrap_or(last).to_owned(),
    ))
}
