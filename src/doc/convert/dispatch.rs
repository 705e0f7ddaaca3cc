//! One block of the page, sent to the part that converts its kind.

use super::builder::Builder;
use crate::doc::blocks::{Block, BlockKind, NotRun};
use crate::doc::code::DocCode;
use crate::doc::diagnostic::Diagnostic;
use crate::doc::entities::Entity;
use crate::doc::shell_eval::{self, Evaluated};

impl Builder<'_> {
    /// Converts one block; `rest` is what follows it on the page.
    pub(super) fn block(&mut self, block: &Block, rest: &[Block], entities: &[Entity]) {
        let at = &block.location;
        self.track_paragraph(block);
        match &block.kind {
            BlockKind::ApiRequest(r) => self.api_request(r, at),
            BlockKind::Validation(v) => self.validation(v, at),
            BlockKind::Curl(c) => self.curl(c, at),
            BlockKind::EntityExamples(e) => self.entity_examples(e, at),
            BlockKind::Export(e) if e.placeholder => self.manual_export(&e.name, &e.value, at),
            BlockKind::Export(e) => self.plain_export(&e.name, &e.value, at),
            BlockKind::Shell(s) => {
                if let Some(Evaluated::Base64Of(text)) = shell_eval::evaluate(&s.text) {
                    // The reader runs it and exports what it prints next (`ENCODED_CREDENTIALS`).
                    self.pending_base64 = Some(text);
                }
                if shell_changes_state(&s.text) {
                    let what = format!(
                        "shell command `{}`, which docflow does not run",
                        first_words(&s.text)
                    );
                    self.note_unrun_config(at, &what);
                }
                self.warnings.push(Diagnostic::warning(
                    DocCode::ShellSkipped,
                    at.clone(),
                    format!(
                        "shell command `{}` is not a request; docflow does not run it",
                        first_words(&s.text)
                    ),
                ));
            }
            BlockKind::Heading(h) if self.inference.implies_gateway_call(&h.text) => {
                let answered = rest
                    .iter()
                    .take_while(|b| !matches!(&b.kind, BlockKind::Heading(n) if n.level <= h.level))
                    .any(|b| b.kind.is_request());
                if !answered {
                    self.implied_gateway_call(&h.text, at, entities);
                }
            }
            BlockKind::NotRun(n) => {
                let message = format!("not run: `{}`: {}", n.construct, n.reason);
                if not_run_changes_state(n) {
                    self.note_unrun_config(at, &message);
                }
                self.warnings
                    .push(Diagnostic::warning(DocCode::NotRun, at.clone(), message));
            }
            BlockKind::Malformed(m) => self.defects.push(Diagnostic::error(
                DocCode::MalformedBlock,
                at.clone(),
                m.problem.clone(),
            )),
            BlockKind::Heading(_) | BlockKind::Prose(_) => {}
        }
    }
}

impl Builder<'_> {
    /// Keeps [`Builder::paragraph`]: a prose line continues it when it is the next line of the
    /// same file, else starts it; exports keep it; anything else ends it.
    fn track_paragraph(&mut self, block: &Block) {
        match &block.kind {
            BlockKind::Prose(text) => {
                let follows = self.paragraph.last().is_some_and(|(at, _)| {
                    at.file == block.location.file && at.line + 1 == block.location.line
                });
                if !follows {
                    self.paragraph.clear();
                }
                self.paragraph.push((block.location.clone(), text.clone()));
            }
            BlockKind::Export(_) => {}
            _ => self.paragraph.clear(),
        }
    }
}

/// Shell commands that only print, wait or set a variable (a variable set by a command is
/// caught where it is used: the step needing it is reported). Anything else (`deck`,
/// `kubectl`, `docker`, a file written for a later command) may change what the target does.
const READ_ONLY_COMMANDS: &[&str] = &[
    "echo", "printf", "sleep", "export", "jq", "cat", "open", "xdg-open",
    "#", // prints, waits
    "base64", "grep", "head", "tail", "tr", "cut", "sort", "uniq",
    "wc", // filters in a pipeline
];

/// Whether a shell command docflow does not run may change the target's state: it writes a
/// file, or a stage of its pipeline runs something other than a read-only command
/// (`cat <<EOF | kubectl apply -f -`).
fn shell_changes_state(text: &str) -> bool {
    let writes_file = text.contains(" > ") || text.contains(" >> ") || text.contains("| tee");
    let quickstart = text.contains("get.konghq.com/quickstart");
    let runs_other = text.split(" | ").any(|stage| {
        let first = stage.split_whitespace().next().unwrap_or("");
        !READ_ONLY_COMMANDS.contains(&first)
    });
    writes_file || (runs_other && !quickstart)
}

/// Whether a construct docflow lists as not run may change the target's state: HTTP checks
/// it cannot run and the quickstart script (which every target provides) do not. An
/// `{% entity_example %}` does: on Kubernetes pages it is the resource the reader applies.
fn not_run_changes_state(n: &NotRun) -> bool {
    let construct = n.construct.as_str();
    let read_only = construct.starts_with("{% validation")
        || construct.starts_with("{% env_variables")
        || construct.contains("get.konghq.com/quickstart");
    !read_only
}

/// The first four words of a shell command, for a message.
pub(super) fn first_words(text: &str) -> String {
    let words: Vec<&str> = text.split_whitespace().take(4).collect();
    let mut out = words.join(" ");
    if text.split_whitespace().count() > 4 {
        out.push_str(" …");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pipeline_into_a_tool_or_a_written_file_changes_state() {
        assert!(!shell_changes_state("echo $ACCESS_TOKEN"));
        assert!(!shell_changes_state("cat config.yaml | jq .services"));
        assert!(!shell_changes_state(
            "echo -n $CLIENT_ID:$CLIENT_SECRET | base64"
        ));
        assert!(shell_changes_state("cat <<EOF | kumactl apply -f -"));
        assert!(shell_changes_state("cat <<EOF > app.py"));
        assert!(shell_changes_state("deck gateway sync kong.yaml"));
        assert!(!shell_changes_state(
            "curl -Ls https://get.konghq.com/quickstart | bash -s"
        ));
    }
}
