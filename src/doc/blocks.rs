//! [`Block`]s: what a how-to asks the reader to do or check, in reading order, each located at
//! the `file:line` of its opening tag (or, in a ```sh block, of its command line):
//!
//! - `{% konnect_api_request %}` → [`ApiRequest`] (the YAML body: `url`, `method`,
//!   `status_code`, `headers`, `body`, `capture` in its list and old single forms,
//!   `extract_body`, `region`, …);
//! - `{% validation <kind> %}` → [`Validation`] (`request-check` is a gateway proxy request);
//! - ```sh / ```bash commands: `curl …` → [`Curl`], `export NAME='YOUR-…'` → [`Export`],
//!   anything else → [`Shell`] (docflow does not run it);
//! - headings and prose lines, for the steps a doc only describes in words.
//!
//! [`extract`] also reads the frontmatter's `prereqs.entities` examples and `automated_tests`.

use super::code::DocCode;
use super::curl_command::{self, CurlRequest};
use super::diagnostic::{Diagnostic, DocLocation};
use super::entities::{self, Entity};
use super::markdown::{Line, Page, fence_marker, liquid_tag};
use super::ordered::{Ordered, OrderedExt as _, parse_yaml};
use super::shell_words::{Command, split_commands};
use super::site;

/// Keys of `{% konnect_api_request %}` (see `shared/facts/konnect.md` §4.1).
pub const API_REQUEST_KEYS: &[&str] = &[
    "url",
    "method",
    "status_code",
    "headers",
    "body",
    "body_cmd",
    "capture",
    "jq",
    "extract_body",
    "region",
    "indent",
];

/// A located block.
#[derive(Debug, Clone, PartialEq)]
pub struct Block {
    /// `file:line` of the opening tag, or of the command in a shell block.
    pub location: DocLocation,
    /// What it is.
    pub kind: BlockKind,
}

/// The kinds of block.
#[derive(Debug, Clone, PartialEq)]
pub enum BlockKind {
    /// `{% konnect_api_request %}`.
    ApiRequest(ApiRequest),
    /// `{% validation <kind> %}`.
    Validation(Validation),
    /// A `curl` command in a shell block.
    Curl(Curl),
    /// `export NAME=value` in a shell block.
    Export(Export),
    /// Another shell command.
    Shell(Shell),
    /// `{% entity_examples %}`: entities the page applies with decK.
    EntityExamples(EntityExamples),
    /// A markdown heading.
    Heading(Heading),
    /// A prose line (site variables substituted).
    Prose(String),
    /// A construct docflow reads but does not run (a non-HTTP validation, a shell command
    /// it cannot read, Liquid it does not evaluate, a missing entity example).
    NotRun(NotRun),
    /// A block that breaks the docs' own format (`status_code: 2010`, a `capture` entry
    /// without `jq`): a doc defect at its line, as a docs linter would report it.
    Malformed(Malformed),
}

impl BlockKind {
    /// Whether the block sends a request (and is a step of the doc).
    pub fn is_request(&self) -> bool {
        matches!(
            self,
            Self::ApiRequest(_) | Self::Validation(_) | Self::Curl(_) | Self::EntityExamples(_)
        )
    }

    /// A short name of the kind.
    pub fn label(&self) -> &'static str {
        match self {
            Self::ApiRequest(_) => "konnect_api_request",
            Self::Validation(_) => "validation",
            Self::Curl(_) => "curl",
            Self::Export(_) => "export",
            Self::Shell(_) => "shell",
            Self::EntityExamples(_) => "entity_examples",
            Self::Heading(_) => "heading",
            Self::Prose(_) => "prose",
            Self::NotRun(_) => "not run",
            Self::Malformed(_) => "doc defect",
        }
    }
}

/// A `{% konnect_api_request %}` block.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiRequest {
    /// `url`, a path under `https://{region}.api.konghq.com` (YAML drops trailing spaces).
    pub url: String,
    /// `method`, upper case (`GET` when absent).
    pub method: String,
    /// `status_code`: what the doc claims the API answers (only Kong's test runner reads it).
    pub status_code: Option<u16>,
    /// `headers`, as `'Name: value'` strings.
    pub headers: Vec<String>,
    /// `body`, in written order.
    pub body: Option<Ordered>,
    /// `body_cmd`: a raw body string.
    pub body_cmd: Option<String>,
    /// `capture` (both forms) and `extract_body`, in that order.
    pub captures: Vec<DocCapture>,
    /// `region` (`us` when absent on the site).
    pub region: Option<String>,
}

/// A value the doc's block captures into a variable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocCapture {
    /// Variable name.
    pub variable: String,
    /// jq program (`extract_body`'s dotted `name` turned into jq: `data[0].id` → `.data[0].id`).
    pub jq: String,
    /// Which key wrote it.
    pub form: CaptureForm,
}

/// How a block writes a capture.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CaptureForm {
    /// `capture: [{variable, jq}]`.
    List,
    /// The older `capture: VAR` with a block-level `jq:`.
    Single,
    /// `extract_body: [{name, variable}]` (read by Kong's test runner only).
    ExtractBody,
}

/// A `{% validation <kind> %}` block.
#[derive(Debug, Clone, PartialEq)]
pub struct Validation {
    /// The kind (`request-check`, `unauthorized-check`, …).
    pub kind: String,
    /// `url`: a path under `$KONNECT_PROXY_URL`.
    pub url: String,
    /// `method` (`GET` when absent).
    pub method: String,
    /// `status_code`.
    pub status_code: Option<u16>,
    /// `headers`, as `'Name: value'` strings.
    pub headers: Vec<String>,
    /// `body`.
    pub body: Option<Ordered>,
    /// The whole YAML, for kinds with their own keys.
    pub raw: Ordered,
}

/// A `curl` command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Curl {
    /// The parsed request.
    pub request: CurlRequest,
    /// Whether its output is piped into another command (`| jq -r .id`).
    pub piped: bool,
}

/// `export NAME=value`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Export {
    /// Variable name.
    pub name: String,
    /// Value as written, quotes removed.
    pub value: String,
    /// Whether it is a placeholder for the reader to fill in (`'YOUR-AUTH-SERVER-ID'`): a
    /// manual step after the previous request.
    pub placeholder: bool,
}

/// A shell command docflow does not run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shell {
    /// Its words, joined by spaces (quotes removed), pipeline stages joined by ` | `.
    pub text: String,
}

/// Something docflow does not run, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotRun {
    /// The construct, as the doc writes it (`{% validation custom-command %}`).
    pub construct: String,
    /// Why docflow does not run it.
    pub reason: String,
}

/// An `{% entity_examples %}` block: what `deck gateway apply` receives.
#[derive(Debug, Clone, PartialEq)]
pub struct EntityExamples {
    /// `entities:`, `${…}` placeholders already replaced by the block's `variables:`.
    pub entities: Ordered,
    /// `${…}` placeholders the block's `variables:` does not define (left as written).
    pub undefined: Vec<String>,
}

/// A block that breaks the docs' format.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Malformed {
    /// The construct (`{% konnect_api_request %}`).
    pub construct: String,
    /// What is wrong with it (`bad `status_code`: …`).
    pub problem: String,
}

/// Validation kinds that are one HTTP request to the gateway proxy, which docflow runs.
pub const HTTP_VALIDATIONS: &[&str] = &["request-check", "unauthorized-check"];

/// Validation kinds docflow reads but does not run, with the reason.
pub fn validation_not_run_reason(kind: &str) -> &'static str {
    match kind {
        "custom-command" => "runs a shell command",
        "kubernetes-resource" | "kubernetes-resource-property" | "kubernetes-wait-for" => {
            "checks Kubernetes resources (kubectl)"
        }
        "vault-secret" => "reads a secret from a vault backend",
        "grpc-check" => "sends a gRPC request",
        "rate-limit-check" => "sends a burst of requests until the rate limit answers 429",
        "traffic-generator" => "generates background traffic",
        _ => "a validation kind docflow does not know",
    }
}

/// A markdown heading.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Heading {
    /// 1 for `#`, 2 for `##`, …
    pub level: usize,
    /// The text, trimmed, site variables substituted.
    pub text: String,
}

/// Everything read from a page.
#[derive(Debug, Clone)]
pub struct Extracted {
    /// The blocks, in reading order.
    pub blocks: Vec<Block>,
    /// The `prereqs.entities` examples, in frontmatter order.
    pub entities: Vec<Entity>,
    /// `automated_tests` and where it is written.
    pub automated_tests: Option<(bool, DocLocation)>,
    /// Things skipped or not understood.
    pub warnings: Vec<Diagnostic>,
}

impl Extracted {
    /// The block at `location`, if one starts there.
    pub fn at(&self, location: &DocLocation) -> Option<&Block> {
        self.blocks.iter().find(|b| &b.location == location)
    }
}

/// Whether an export's value is a placeholder the reader replaces (`YOUR-…`, `YOUR_…`).
pub fn is_placeholder(value: &str) -> bool {
    value.starts_with("YOUR-") || value.starts_with("YOUR_")
}

/// `extract_body`'s dotted path as jq: `id` → `.id`, `data[0].id` → `.data[0].id`,
/// `a-b.c` → `.["a-b"].c`.
pub fn dotted_to_jq(path: &str) -> String {
    let mut out = String::new();
    for segment in path.split('.').filter(|s| !s.is_empty()) {
        let (name, index) = match segment.find('[') {
            Some(i) => (&segment[..i], &segment[i..]),
            None => (segment, ""),
        };
        if !name.is_empty() {
            if name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
                && !name.starts_with(|c: char| c.is_ascii_digit())
            {
                out.push('.');
                out.push_str(name);
            } else {
                out.push_str(&format!(
                    ".[{}]",
                    serde_json::Value::String(name.to_owned())
                ));
            }
        } else {
            out.push('.');
        }
        out.push_str(index);
    }
    if out.is_empty() { ".".to_owned() } else { out }
}

/// Extracts every block of `page`, and its entity examples. Every problem is reported at
/// once.
pub fn extract(page: &Page) -> Result<Extracted, Vec<Diagnostic>> {
    let mut errors = Vec::new();
    let mut warnings = Vec::new();
    let mut blocks = Vec::new();
    let lines = &page.lines;
    let mut i = 0;
    let mut skipped_includes = page.not_run.iter().peekable();
    while i < lines.len() {
        while let Some((_, at, reason)) = skipped_includes.next_if(|(index, ..)| *index <= i) {
            blocks.push(skipped_include(at, reason));
        }
        match next_block(lines, i, &mut blocks, &mut warnings) {
            Ok(next) => i = next,
            Err(e) => {
                errors.push(e);
                break;
            }
        }
    }
    blocks.extend(skipped_includes.map(|(_, at, reason)| skipped_include(at, reason)));
    let (entities, missing) = prereq_entities(page, &mut errors);
    blocks.splice(0..0, missing);
    if errors.is_empty() {
        Ok(Extracted {
            blocks,
            entities,
            automated_tests: page.frontmatter.automated_tests.clone(),
            warnings,
        })
    } else {
        Err(errors)
    }
}

/// An `{% include %}` the reader did not expand, as a block listed as not run.
fn skipped_include(at: &DocLocation, reason: &str) -> Block {
    Block {
        location: at.clone(),
        kind: BlockKind::NotRun(NotRun {
            construct: "{% include %}".to_owned(),
            reason: reason.to_owned(),
        }),
    }
}

/// Reads what starts at line `i` (a fenced code block, a Liquid block, a heading, prose)
/// into `blocks`. Returns the index of the line after it, or the error of a block that is
/// never closed.
fn next_block(
    lines: &[Line],
    i: usize,
    blocks: &mut Vec<Block>,
    warnings: &mut Vec<Diagnostic>,
) -> Result<usize, Diagnostic> {
    let line = &lines[i];
    let trimmed = line.text.trim();
    if let Some(marker) = fence_marker(line.text.trim_start()) {
        let lang = line.text.trim_start()[marker.len()..]
            .trim()
            .to_ascii_lowercase();
        let Some(end) = find_fence_end(lines, i, &marker) else {
            return Err(Diagnostic::error(
                DocCode::UnterminatedBlock,
                line.location(),
                format!("code block opened with `{marker}` is never closed"),
            )
            .with_help(format!("close it with a line holding `{marker}`")));
        };
        // The docs mark sample output with `{:.no-copy-code}` after the fence: it shows what
        // a command prints, so its lines are not commands to run.
        let sample_output = lines.get(end + 1).is_some_and(|l| is_no_copy_code(&l.text));
        if matches!(lang.as_str(), "sh" | "bash" | "shell" | "console") && !sample_output {
            shell_blocks(&lines[i + 1..end], line, blocks, warnings);
        }
        return Ok(end + 1);
    }
    if let Some(tag) = liquid_tag(&line.text) {
        return liquid_block(lines, i, tag, blocks, warnings);
    }
    if let Some(heading) = heading(trimmed) {
        blocks.push(Block {
            location: line.location(),
            kind: BlockKind::Heading(heading),
        });
    } else if !trimmed.is_empty() && !trimmed.starts_with("<!--") && !trimmed.starts_with("{:") {
        blocks.push(Block {
            location: line.location(),
            kind: BlockKind::Prose(site::substitute(trimmed)),
        });
    }
    Ok(i + 1)
}

/// The Liquid tag `tag` at line `i`: a `{% konnect_api_request %}`, `{% validation %}`,
/// `{% entity_examples %}` or `{% control_plane_request %}` block up to its end tag; any other
/// tag goes to [`other_tag`].
fn liquid_block(
    lines: &[Line],
    i: usize,
    tag: &str,
    blocks: &mut Vec<Block>,
    warnings: &mut Vec<Diagnostic>,
) -> Result<usize, Diagnostic> {
    let line = &lines[i];
    let mut words = tag.split_whitespace();
    let name = words.next().unwrap_or("");
    let end_tag = match name {
        "konnect_api_request" => "endkonnect_api_request",
        "validation" => "endvalidation",
        "entity_examples" => "endentity_examples",
        "control_plane_request" => "endcontrol_plane_request",
        _ => return Ok(other_tag(name, lines, i, blocks)),
    };
    let Some(end) = (i + 1..lines.len()).find(|&j| liquid_tag(&lines[j].text) == Some(end_tag))
    else {
        return Err(Diagnostic::error(
            DocCode::UnterminatedBlock,
            line.location(),
            format!("`{{% {tag} %}}` is never closed"),
        )
        .with_help(format!("close it with `{{% {end_tag} %}}`")));
    };
    let body = &lines[i + 1..end];
    blocks.push(tagged_block(name, words.next(), body, line, warnings));
    Ok(end + 1)
}

/// The page's `prereqs.entities` examples. One the docs site builds elsewhere (no example
/// file) is a block listed as not run; any other problem is an error.
fn prereq_entities(page: &Page, errors: &mut Vec<Diagnostic>) -> (Vec<Entity>, Vec<Block>) {
    let mut entities = Vec::new();
    let mut missing = Vec::new();
    for named in &page.frontmatter.entities {
        match entities::load(&page.root, named) {
            Ok(e) => entities.push(e),
            Err(e) if e.code == DocCode::MissingEntity => missing.push(Block {
                location: e.location.clone(),
                kind: BlockKind::NotRun(NotRun {
                    construct: format!("prereqs.entities.{}: {}", named.kind, named.name),
                    reason: format!("{} (the docs site builds it elsewhere)", e.message),
                }),
            }),
            Err(e) => errors.push(e),
        }
    }
    (entities, missing)
}

/// Liquid tags that only lay the page out (tabs, captures, tables); their content is read.
const LAYOUT_TAGS: &[&str] = &[
    "navtabs",
    "navtab",
    "tab",
    "tabs",
    "capture",
    "raw",
    "table",
    "mermaid",
    "new_in",
    "assign",
    "konnect",
    "if",
    "elsif",
    "else",
    "unless",
    "case",
    "when",
    "for",
    "comment",
    "highlight",
];

/// Liquid blocks for another deployment or tool than the Konnect API a reader of the
/// Konnect tab uses, with why docflow does not run them (their content is skipped).
const OTHER_DEPLOYMENT_TAGS: &[(&str, &str)] = &[
    (
        "on_prem",
        "content for self-managed Gateway; docflow runs the Konnect flavour of the page",
    ),
    (
        "konnect_crd",
        "a Kubernetes resource for Kong's operator; docflow does not run Kubernetes",
    ),
    (
        "httproute",
        "a Kubernetes Gateway API resource; docflow does not run Kubernetes",
    ),
    (
        "operator_podtemplatespec_example",
        "a Kubernetes resource; docflow does not run Kubernetes",
    ),
    (
        "entity_example",
        "an entity in one format (Admin API, KIC resource), which docflow does not apply",
    ),
];

/// Any other Liquid tag at `lines[i]`: layout is read through, a tag for another deployment
/// is skipped to its end tag (listed as not run unless it is self-managed content, which is
/// not part of the Konnect page), an unknown one is listed as not run. Returns the next line.
fn other_tag(name: &str, lines: &[Line], i: usize, blocks: &mut Vec<Block>) -> usize {
    let base = name
        .strip_prefix("end")
        .filter(|b| LAYOUT_TAGS.contains(b) || OTHER_DEPLOYMENT_TAGS.iter().any(|(t, _)| t == b));
    if base.is_some() || LAYOUT_TAGS.contains(&name) || matches!(name, "include" | "include_cached")
    {
        return i + 1;
    }
    let end_tag = format!("end{name}");
    let end = (i + 1..lines.len()).find(|&j| liquid_tag(&lines[j].text) == Some(end_tag.as_str()));
    if name == "env_variables"
        && let Some(end) = end
    {
        env_variables(&lines[i + 1..end], blocks);
        return end + 1;
    }
    let reason = match OTHER_DEPLOYMENT_TAGS.iter().find(|(t, _)| *t == name) {
        Some(("on_prem", _)) => return end.map_or(i + 1, |e| e + 1),
        Some((_, reason)) => (*reason).to_owned(),
        None => "a Liquid tag docflow does not know; what it renders is not checked".to_owned(),
    };
    blocks.push(Block {
        location: lines[i].location(),
        kind: BlockKind::NotRun(NotRun {
            construct: format!("{{% {name} %}}"),
            reason,
        }),
    });
    end.map_or(i + 1, |e| e + 1)
}

/// Keys of `{% env_variables %}` that are the tag's own options (where it renders, how far
/// indented), not variables.
const ENV_VARIABLES_OPTIONS: &[&str] = &["section", "indent"];

/// An `{% env_variables %}` block (`NAME: value` lines): the exports the site renders, each at
/// its line. The Konnect API tab reads a `DECK_X` variable as `$X`, so both are defined.
fn env_variables(body: &[Line], blocks: &mut Vec<Block>) {
    for line in body {
        let Some((name, value)) = line.text.trim().split_once(':') else {
            continue;
        };
        let name = name.trim();
        if name.is_empty()
            || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
            || ENV_VARIABLES_OPTIONS.contains(&name)
        {
            continue;
        }
        let value = value.trim();
        let value = value
            .strip_prefix('\'')
            .and_then(|v| v.strip_suffix('\''))
            .or_else(|| value.strip_prefix('"').and_then(|v| v.strip_suffix('"')))
            .unwrap_or(value);
        let mut export = |name: &str, value: String| {
            blocks.push(Block {
                location: line.location(),
                kind: BlockKind::Export(Export {
                    name: name.to_owned(),
                    placeholder: is_placeholder(&value),
                    value,
                }),
            });
        };
        export(name, value.to_owned());
        if let Some(short) = name.strip_prefix("DECK_") {
            export(short, format!("${name}"));
        }
    }
}

/// An `{% entity_examples %}` block: its `entities`, with the block's `variables` substituted.
fn entity_examples(body: &[Line], open: &Line) -> Result<EntityExamples, Diagnostic> {
    let what = "`{% entity_examples %}`";
    let block = block_value(body, open, what)?;
    let Some(mut entities) = block.get("entities").cloned() else {
        return Err(bad_field(
            open,
            what,
            "entities",
            "the block needs an `entities:` mapping",
        ));
    };
    let undefined =
        super::deck_apply::substitute(&mut entities, &super::deck_apply::variables(&block));
    Ok(EntityExamples {
        entities,
        undefined,
    })
}

/// A `{% konnect_api_request %}` or `{% validation %}` block: parsed, or listed as not run
/// (a kind docflow does not run, Liquid it does not evaluate), or a doc defect (the block
/// breaks the docs' own format).
fn tagged_block(
    name: &str,
    kind: Option<&str>,
    body: &[Line],
    open: &Line,
    warnings: &mut Vec<Diagnostic>,
) -> Block {
    let construct = match kind {
        Some(kind) if name == "validation" => format!("{{% validation {kind} %}}"),
        _ => format!("{{% {name} %}}"),
    };
    let not_run = |reason: String| {
        BlockKind::NotRun(NotRun {
            construct: construct.clone(),
            reason,
        })
    };
    let parsed = match kind {
        Some(kind) if name == "validation" && !HTTP_VALIDATIONS.contains(&kind) => {
            Ok(not_run(validation_not_run_reason(kind).to_owned()))
        }
        Some(kind) if name == "validation" => {
            validation(kind.to_owned(), body, open).map(BlockKind::Validation)
        }
        None if name == "validation" => Ok(not_run("a validation without a kind".to_owned())),
        _ if name == "entity_examples" => {
            entity_examples(body, open).map(BlockKind::EntityExamples)
        }
        _ if name == "control_plane_request" => {
            control_plane_request(body, open, warnings).map(|r| {
                let path = r.url.split('?').next().unwrap_or_default();
                if crate::mock::konnect_paths::is_konnect_path(path) {
                    BlockKind::ApiRequest(r)
                } else {
                    not_run(format!(
                        "an Admin API request (`{} {}`) with no Konnect API equivalent",
                        r.method,
                        r.url
                            .trim_start_matches("/v2/control-planes/$QUICKSTART_ID/core-entities")
                    ))
                }
            })
        }
        _ => api_request(body, open, warnings).map(BlockKind::ApiRequest),
    };
    let mut location = open.location();
    let kind = match parsed {
        Ok(kind) => kind,
        Err(e)
            if body
                .iter()
                .any(|l| l.text.contains("{%") || l.text.contains("{{")) =>
        {
            not_run(format!(
                "holds Liquid docflow does not evaluate ({})",
                e.message
            ))
        }
        Err(e) => {
            // `bad `status_code`: …` names the key: point at its line in the block.
            let key = e
                .message
                .split_once("bad `")
                .and_then(|(_, rest)| rest.split_once('`'))
                .map(|(key, _)| format!("{key}:"));
            location = key
                .and_then(|key| body.iter().find(|l| l.text.trim_start().starts_with(&key)))
                .map_or(e.location, Line::location);
            BlockKind::Malformed(Malformed {
                construct: construct.clone(),
                problem: e.message,
            })
        }
    };
    Block { location, kind }
}

/// Whether a line is a kramdown attribute list holding `no-copy-code` (`{:.no-copy-code}`,
/// `{:.no-copy-code .collapsible}`).
fn is_no_copy_code(text: &str) -> bool {
    let t = text.trim();
    t.starts_with("{:") && t.ends_with('}') && t.contains("no-copy-code")
}

fn find_fence_end(lines: &[Line], open: usize, marker: &str) -> Option<usize> {
    (open + 1..lines.len()).find(|&j| {
        let t = lines[j].text.trim();
        t.starts_with(marker) && t.chars().all(|c| marker.starts_with(c))
    })
}

fn heading(trimmed: &str) -> Option<Heading> {
    let level = trimmed.chars().take_while(|c| *c == '#').count();
    if !(1..=6).contains(&level) {
        return None;
    }
    let rest = &trimmed[level..];
    if !rest.is_empty() && !rest.starts_with(' ') {
        return None;
    }
    Some(Heading {
        level,
        text: site::substitute(rest.trim()),
    })
}

/// The commands of a shell block: curls, exports, others.
fn shell_blocks(
    content: &[Line],
    fence: &Line,
    blocks: &mut Vec<Block>,
    warnings: &mut Vec<Diagnostic>,
) {
    let text: String = content.iter().map(|l| format!("{}\n", l.text)).collect();
    let at = |line: usize| {
        content
            .get(line.saturating_sub(1))
            .map_or_else(|| fence.location(), Line::location)
    };
    let commands = match split_commands(&text) {
        Ok(c) => c,
        Err(e) => {
            blocks.push(Block {
                location: at(e.line),
                kind: BlockKind::NotRun(NotRun {
                    construct: "shell block".to_owned(),
                    reason: format!("docflow cannot read the shell command: {}", e.message),
                }),
            });
            return;
        }
    };
    for cmd in commands {
        let location = at(cmd.line);
        let first = cmd.words.first().map(String::as_str).unwrap_or("");
        if first == "export" && cmd.words.len() > 1 {
            for word in &cmd.words[1..] {
                match word.split_once('=') {
                    Some((name, value)) => blocks.push(Block {
                        location: location.clone(),
                        kind: BlockKind::Export(Export {
                            name: name.to_owned(),
                            value: value.to_owned(),
                            placeholder: is_placeholder(value),
                        }),
                    }),
                    None => warnings.push(Diagnostic::warning(
                        DocCode::BareExport,
                        location.clone(),
                        format!("`export {word}` sets no value; ignored"),
                    )),
                }
            }
        } else if let Some((opener, kind)) = compound_kind(&cmd) {
            blocks.push(Block {
                location,
                kind: BlockKind::NotRun(NotRun {
                    construct: format!("shell `{opener}` {kind}"),
                    reason: format!(
                        "docflow does not run shell {kind}s: the commands inside (requests \
                         included) are not sent"
                    ),
                }),
            });
        } else if let Some(request) = curl_command::parse(&cmd.words) {
            if !request.unknown.is_empty() {
                warnings.push(Diagnostic::warning(
                    DocCode::CurlOption,
                    location.clone(),
                    format!(
                        "curl options docflow does not understand were ignored: `{}`",
                        request.unknown.join(" ")
                    ),
                ));
            }
            blocks.push(Block {
                location,
                kind: BlockKind::Curl(Curl {
                    request,
                    piped: !cmd.pipeline.is_empty(),
                }),
            });
        } else {
            blocks.push(Block {
                location,
                kind: BlockKind::Shell(Shell {
                    text: std::iter::once(&cmd.words)
                        .chain(&cmd.pipeline)
                        .map(|stage| stage.join(" "))
                        .collect::<Vec<_>>()
                        .join(" | "),
                }),
            });
        }
    }
}

/// The word that opens a compound command and `loop` or `conditional`, when a command is
/// (or pipes into) one.
fn compound_kind(cmd: &Command) -> Option<(&str, &'static str)> {
    let opener = cmd.compound_opener()?;
    let kind = match opener {
        "if" | "case" => "conditional",
        _ => "loop",
    };
    Some((opener, kind))
}

/// The YAML between a tag and its end tag, dedented.
fn block_yaml(body: &[Line]) -> String {
    let indent = body
        .iter()
        .filter(|l| !l.text.trim().is_empty())
        .map(|l| l.text.len() - l.text.trim_start().len())
        .min()
        .unwrap_or(0);
    body.iter()
        .map(|l| {
            format!(
                "{}\n",
                l.text.get(indent..).unwrap_or("").trim_end_matches('\r')
            )
        })
        .collect()
}

/// The YAML of a block, parsed; errors at the doc line.
fn block_value(body: &[Line], open: &Line, what: &str) -> Result<Ordered, Diagnostic> {
    let first = body.first().map_or(open.line + 1, |l| l.line);
    let value = parse_yaml(&block_yaml(body), &open.file, first, what)?;
    match value {
        Ordered::Object(_) => Ok(value),
        other => Err(Diagnostic::error(
            DocCode::BadBlock,
            open.location(),
            format!("{what} must hold a YAML mapping, not {}", other.kind()),
        )),
    }
}

/// A `{% konnect_api_request %}` block's fields; keys docflow does not know are warnings.
/// A `{% control_plane_request %}`: an Admin API path (`/vaults`), which the Konnect tab sends
/// to the control plane's core entities. UNVERIFIED: the docs site computes the Konnect URL in
/// Ruby that the corpus does not hold; docflow sends it to the quickstart control plane the
/// page's prerequisites use (`$QUICKSTART_ID`), the one a reader of the Konnect tab has.
fn control_plane_request(
    body: &[Line],
    open: &Line,
    warnings: &mut Vec<Diagnostic>,
) -> Result<ApiRequest, Diagnostic> {
    let mut request = api_request(body, open, warnings)?;
    request.url = format!(
        "/v2/control-planes/$QUICKSTART_ID/core-entities/{}",
        request.url.trim_start_matches('/')
    );
    Ok(request)
}

fn api_request(
    body: &[Line],
    open: &Line,
    warnings: &mut Vec<Diagnostic>,
) -> Result<ApiRequest, Diagnostic> {
    let what = "`{% konnect_api_request %}`";
    let value = block_value(body, open, what)?;
    warn_unknown_keys(&value, open, what, warnings);
    let common = common_fields(&value, open, what)?;
    let mut captures = captures_of(&value, open, what)?;
    captures.extend(extract_body_of(&value, open, what)?);
    Ok(ApiRequest {
        url: common.url,
        method: common.method,
        status_code: common.status_code,
        headers: common.headers,
        body: common.body,
        body_cmd: value.get("body_cmd").and_then(Ordered::scalar_text),
        captures,
        region: value.get("region").and_then(Ordered::scalar_text),
    })
}

/// A warning for each key of a `{% konnect_api_request %}` docflow does not know.
fn warn_unknown_keys(value: &Ordered, open: &Line, what: &str, warnings: &mut Vec<Diagnostic>) {
    if let Ordered::Object(entries) = &value {
        for (key, _) in entries {
            if !API_REQUEST_KEYS.contains(&key.as_str()) {
                warnings.push(Diagnostic::warning(
                    DocCode::UnknownKey,
                    open.location(),
                    format!("{what} has key `{key}`, which docflow does not know; ignored"),
                ));
            }
        }
    }
}

/// The block's `capture:` (`capture: VAR` with `jq:`, or a list of `{variable, jq}`).
fn captures_of(value: &Ordered, open: &Line, what: &str) -> Result<Vec<DocCapture>, Diagnostic> {
    let mut captures = Vec::new();
    match value.get("capture") {
        None | Some(Ordered::Null) => {}
        Some(Ordered::String(variable)) => match value.get("jq").and_then(Ordered::as_str) {
            Some(jq) => captures.push(DocCapture {
                variable: variable.clone(),
                jq: jq.to_owned(),
                form: CaptureForm::Single,
            }),
            None => {
                return Err(bad_field(
                    open,
                    what,
                    "capture",
                    "the single form `capture: VAR` needs a `jq:` key",
                ));
            }
        },
        Some(Ordered::Array(items)) => {
            for item in items {
                let variable = item.get("variable").and_then(Ordered::as_str);
                let jq = item.get("jq").and_then(Ordered::as_str);
                match (variable, jq) {
                    (Some(v), Some(j)) => captures.push(DocCapture {
                        variable: v.to_owned(),
                        jq: j.to_owned(),
                        form: CaptureForm::List,
                    }),
                    _ => {
                        return Err(bad_field(
                            open,
                            what,
                            "capture",
                            "each entry needs `variable` and `jq`",
                        ));
                    }
                }
            }
        }
        Some(other) => {
            return Err(bad_field(
                open,
                what,
                "capture",
                &format!("expected a variable name or a list, not {}", other.kind()),
            ));
        }
    }
    Ok(captures)
}

/// The block's `extract_body:` (a list of `{name, variable}`, `name` a dotted path).
fn extract_body_of(
    value: &Ordered,
    open: &Line,
    what: &str,
) -> Result<Vec<DocCapture>, Diagnostic> {
    let mut captures = Vec::new();
    match value.get("extract_body") {
        None | Some(Ordered::Null) => {}
        Some(Ordered::Array(items)) => {
            for item in items {
                let name = item.get("name").and_then(Ordered::scalar_text);
                let variable = item.get("variable").and_then(Ordered::as_str);
                match (name, variable) {
                    (Some(n), Some(v)) => captures.push(DocCapture {
                        variable: v.to_owned(),
                        jq: dotted_to_jq(&n),
                        form: CaptureForm::ExtractBody,
                    }),
                    _ => {
                        return Err(bad_field(
                            open,
                            what,
                            "extract_body",
                            "each entry needs `name` and `variable`",
                        ));
                    }
                }
            }
        }
        Some(other) => {
            return Err(bad_field(
                open,
                what,
                "extract_body",
                &format!("expected a list, not {}", other.kind()),
            ));
        }
    }
    Ok(captures)
}

fn validation(kind: String, body: &[Line], open: &Line) -> Result<Validation, Diagnostic> {
    let what = format!("`{{% validation {kind} %}}`");
    let value = block_value(body, open, &what)?;
    let common = common_fields(&value, open, &what)?;
    Ok(Validation {
        kind,
        url: common.url,
        method: common.method,
        status_code: common.status_code,
        headers: common.headers,
        body: common.body,
        raw: value,
    })
}

struct Common {
    url: String,
    method: String,
    status_code: Option<u16>,
    headers: Vec<String>,
    body: Option<Ordered>,
}

fn common_fields(value: &Ordered, open: &Line, what: &str) -> Result<Common, Diagnostic> {
    let url = match value.get("url") {
        Some(v) => v
            .scalar_text()
            .ok_or_else(|| bad_field(open, what, "url", "expected text"))?,
        None => {
            return Err(Diagnostic::error(
                DocCode::MissingUrl,
                open.location(),
                format!("{what} has no `url`"),
            ));
        }
    };
    let method = match value.get("method") {
        None | Some(Ordered::Null) => "GET".to_owned(),
        Some(v) => v
            .as_str()
            .filter(|m| !m.is_empty() && m.chars().all(|c| c.is_ascii_alphabetic()))
            .ok_or_else(|| bad_field(open, what, "method", "expected an HTTP method"))?
            .to_ascii_uppercase(),
    };
    let status_code = match value.get("status_code") {
        None | Some(Ordered::Null) => None,
        Some(v) => Some(
            v.scalar_text()
                .and_then(|t| t.trim().parse::<u16>().ok())
                .filter(|s| (100..=599).contains(s))
                .ok_or_else(|| {
                    bad_field(
                        open,
                        what,
                        "status_code",
                        "expected a status between 100 and 599",
                    )
                })?,
        ),
    };
    let headers = match value.get("headers") {
        None | Some(Ordered::Null) => Vec::new(),
        Some(Ordered::Array(items)) => items
            .iter()
            .map(|h| {
                h.scalar_text().filter(|t| t.contains(':')).ok_or_else(|| {
                    bad_field(
                        open,
                        what,
                        "headers",
                        "each header is a `'Name: value'` string",
                    )
                })
            })
            .collect::<Result<_, _>>()?,
        Some(_) => {
            return Err(bad_field(
                open,
                what,
                "headers",
                "expected a list of `'Name: value'` strings",
            ));
        }
    };
    Ok(Common {
        url,
        method,
        status_code,
        headers,
        body: value.get("body").filter(|b| **b != Ordered::Null).cloned(),
    })
}

fn bad_field(open: &Line, what: &str, key: &str, problem: &str) -> Diagnostic {
    Diagnostic::error(
        DocCode::BadBlock,
        open.location(),
        format!("{what}: bad `{key}`: {problem}"),
    )
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::doc::markdown::load_page;
    use crate::doc::test_support::TempRoot;

    const STEPS: &str = "## Create an auth server in {{site.konnect_short_name}} Identity\n\n<!--vale off-->\n{% konnect_api_request %}\nurl: /v1/auth-servers/$AUTH_SERVER_ID/scopes \nstatus_code: 200\nmethod: post\nheaders:\n  - 'Content-Type: application/json'\nbody:\n  name: \"Scope\"\n  enabled: true\nextract_body:\n  - name: 'data[0].id'\n    variable: SCOPE_ID\ncapture:\n  - variable: X\n    jq: \".x\"\n{% endkonnect_api_request %} \n\nExport:\n```sh\nexport SCOPE_ID='YOUR-SCOPE-ID'\nexport B=literal\n```\n";

    fn load(body: &str) -> (TempRoot, Page) {
        let tmp = TempRoot::new(&[
            (
                "app/p.md",
                &format!("---\ntitle: t\n---\n{{% include /s.md %}}\n{body}"),
            ),
            ("app/_includes/s.md", STEPS),
        ]);
        let page = load_page(&tmp.root(), "app/p.md").unwrap();
        (tmp, page)
    }

    #[test]
    fn sample_output_marked_no_copy_code_is_not_read_as_commands() {
        let (_tmp, page) = load(
            "```sh\nResource attributes:\n     -> service.name: Str(kong-dev)\n```\n{:.no-copy-code .collapsible}\n\n```sh\nkubectl get pods\n```\n",
        );
        let x = extract(&page).unwrap();
        let shells: Vec<_> = x
            .blocks
            .iter()
            .filter(|b| matches!(b.kind, BlockKind::Shell(_)))
            .map(|b| b.location.to_string())
            .collect();
        assert_eq!(shells, ["app/p.md:12"]);
    }

    #[test]
    fn blocks_are_located_in_their_original_files() {
        let (_tmp, page) = load(
            "```sh\ncurl -X POST \"$ISSUER_URL/oauth/token\" \\\n  -d \"a=b\"\n```\n## Access the Gateway service using the token \n{% validation request-check %}\nurl: /anything\nstatus_code: 200\nheaders:\n  - \"Authorization: Bearer $T\"\n{% endvalidation %}\n",
        );
        let x = extract(&page).unwrap();
        let located: Vec<_> = x
            .blocks
            .iter()
            .filter(|b| !matches!(b.kind, BlockKind::Prose(_)))
            .map(|b| format!("{} {}", b.location, b.kind.label()))
            .collect();
        assert_eq!(
            located,
            [
                "app/_includes/s.md:1 heading",
                "app/_includes/s.md:4 konnect_api_request",
                "app/_includes/s.md:23 export",
                "app/_includes/s.md:24 export",
                "app/p.md:6 curl",
                "app/p.md:9 heading",
                "app/p.md:10 validation",
            ]
        );
        let BlockKind::Heading(h) = &x.blocks[0].kind else {
            panic!()
        };
        assert_eq!(h.text, "Create an auth server in Konnect Identity");
        let BlockKind::Heading(h) = &x.at(&DocLocation::new("app/p.md", 9)).unwrap().kind else {
            panic!()
        };
        assert_eq!(h.text, "Access the Gateway service using the token");
    }

    #[test]
    fn api_request_fields_and_trailing_spaces() {
        let (_tmp, page) = load("");
        let x = extract(&page).unwrap();
        let BlockKind::ApiRequest(r) = &x.blocks[1].kind else {
            panic!()
        };
        assert_eq!(r.url, "/v1/auth-servers/$AUTH_SERVER_ID/scopes");
        assert_eq!(r.method, "POST");
        assert_eq!(r.status_code, Some(200));
        assert_eq!(r.headers, ["Content-Type: application/json"]);
        assert_eq!(
            r.body.as_ref().unwrap().to_json(),
            json!({"name": "Scope", "enabled": true})
        );
        let caps: Vec<_> = r
            .captures
            .iter()
            .map(|c| (c.variable.as_str(), c.jq.as_str(), c.form))
            .collect();
        assert_eq!(
            caps,
            [
                ("X", ".x", CaptureForm::List),
                ("SCOPE_ID", ".data[0].id", CaptureForm::ExtractBody)
            ]
        );
        let BlockKind::Export(e) = &x.blocks[3].kind else {
            panic!()
        };
        assert!(e.placeholder);
        let BlockKind::Export(e) = &x.blocks[4].kind else {
            panic!()
        };
        assert_eq!(
            (e.name.as_str(), e.value.as_str(), e.placeholder),
            ("B", "literal", false)
        );
    }

    #[test]
    fn the_old_single_capture_form() {
        let (_tmp, page) = load(
            "{% konnect_api_request %}\nurl: /x\ncapture: CP_ID\njq: .data[0].id\n{% endkonnect_api_request %}\n",
        );
        let x = extract(&page).unwrap();
        let r = x
            .blocks
            .iter()
            .find_map(|b| match &b.kind {
                BlockKind::ApiRequest(r) if r.url == "/x" => Some(r),
                _ => None,
            })
            .unwrap();
        assert_eq!(r.method, "GET");
        assert_eq!(
            r.captures,
            [DocCapture {
                variable: "CP_ID".into(),
                jq: ".data[0].id".into(),
                form: CaptureForm::Single
            }]
        );
    }

    #[test]
    fn malformed_blocks_are_doc_defects_at_their_line_and_the_rest_is_read() {
        let (_tmp, page) = load(
            "{% konnect_api_request %}\nurl: /x\nbody: [oops\n{% endkonnect_api_request %}\n{% konnect_api_request %}\nstatus_code: 2010\nurl: /z\n{% endkonnect_api_request %}\n{% validation request-check %}\nstatus_code: 200\n{% endvalidation %}\n{% validation custom-command %}\ncommand: ls\n{% endvalidation %}\n```sh\ncurl 'x\n```\n",
        );
        let x = extract(&page).unwrap();
        let got: Vec<_> = x
            .blocks
            .iter()
            .filter(|b| b.location.file == "app/p.md")
            .map(|b| (b.kind.label(), b.location.line))
            .collect();
        assert_eq!(got[0].0, "doc defect");
        assert!((6..=7).contains(&got[0].1), "{got:?}");
        assert_eq!(
            &got[1..],
            [
                ("doc defect", 10),
                ("doc defect", 13),
                ("not run", 16),
                ("not run", 20)
            ]
        );
        let BlockKind::Malformed(m) = &x
            .blocks
            .iter()
            .find(|b| b.location.line == 10)
            .unwrap()
            .kind
        else {
            panic!("{x:?}")
        };
        assert!(m.problem.contains("bad `status_code`"), "{m:?}");
        let BlockKind::NotRun(n) = &x
            .blocks
            .iter()
            .find(|b| b.location.line == 16)
            .unwrap()
            .kind
        else {
            panic!("{x:?}")
        };
        assert_eq!(n.reason, "runs a shell command");
    }

    #[test]
    fn unterminated_blocks_are_errors() {
        let (_tmp, page) = load("{% validation request-check %}\nurl: /y\n");
        let errors = extract(&page).unwrap_err();
        assert_eq!(errors[0].code, DocCode::UnterminatedBlock);
        let (_tmp, page) = load("```sh\ncurl x\n");
        let errors = extract(&page).unwrap_err();
        assert_eq!(errors[0].code, DocCode::UnterminatedBlock);
        assert_eq!(errors[0].location, DocLocation::new("app/p.md", 5));
    }

    #[test]
    fn dotted_paths_become_jq() {
        assert_eq!(dotted_to_jq("id"), ".id");
        assert_eq!(dotted_to_jq("data[0].id"), ".data[0].id");
        assert_eq!(dotted_to_jq("a-b.c"), ".[\"a-b\"].c");
        assert_eq!(dotted_to_jq(""), ".");
    }
}
