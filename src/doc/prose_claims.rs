//! [`ProseClaim`]s: sentences that name an HTTP method and an endpoint ("send a `POST`
//! request to the `/v1/auth-servers` endpoint", "a POST request to `$ISSUER_URL/oauth/token`",
//! "`GET /v2/control-planes`"), read from a page's prose lines and its frontmatter `tldr`,
//! each at its own `file:line`. [`super::prose_check`] compares them with the page's requests.
//!
//! Only the tight forms are read — a method, optionally `request`/`call`, then `to`/`at`/`on`
//! and the endpoint — so a sentence that mentions a method in passing ("cache all `GET`
//! requests that…") is not a claim. Link targets (`[label](/api/…)`) are dropped first: they
//! point at the API reference, not at the endpoint.

use super::blocks::{BlockKind, Extracted};
use super::diagnostic::DocLocation;
use super::markdown::{Line, Page};
use super::site;

/// HTTP methods a sentence can name (upper case only: "a get request" is not a claim).
const METHODS: &[&str] = &["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"];

/// Words between the method and the endpoint in the forms read.
const NOUNS: &[&str] = &["request", "requests", "call", "calls"];
const PREPOSITIONS: &[&str] = &["to", "at", "on", "against"];
const ARTICLES: &[&str] = &["the", "a", "an", "your", "this"];
/// How many words may name the API before `using the <endpoint>`.
const USING_REACH: usize = 8;

/// Words that make a sentence something other than a statement of what the page does.
const NEGATIONS: &[&str] = &[
    "not", "never", "cannot", "can't", "don't", "won't", "instead",
];

/// Where a claim is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClaimPlace {
    /// A prose line of the body (or of an include).
    Body,
    /// The frontmatter's `tldr`.
    Tldr,
}

/// A sentence naming a method and an endpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProseClaim {
    /// The line it is written on.
    pub location: DocLocation,
    /// The method(s) named, upper case (`GET, POST, and PUT requests to …` names three).
    pub methods: Vec<String>,
    /// The endpoint(s) named, as written (`/v1/auth-servers`, `$ISSUER_URL/oauth/token`);
    /// more than one when the sentence lists alternatives (`/a` or `/b`).
    pub endpoints: Vec<String>,
    /// The sentence, as written (links reduced to their label).
    pub sentence: String,
    /// Body or `tldr`.
    pub place: ClaimPlace,
    /// Whether the sentence is hedged — conditional, optional or about something done
    /// earlier ("if you…", "you can also…", "the server you created…"): it need not describe
    /// the request next to it, so it can agree but never disagree.
    pub hedged: bool,
    /// Index of the prose block in [`Extracted::blocks`] (body claims only).
    pub block: Option<usize>,
}

impl ProseClaim {
    /// `GET /x` (the first method and endpoint), for messages.
    pub fn said(&self) -> String {
        format!("{} {}", self.methods.join("/"), self.endpoints.join(" or "))
    }
}

/// Every claim of the page: the `tldr`'s first, then the body's in reading order.
pub fn page_claims(page: &Page, extracted: &Extracted) -> Vec<ProseClaim> {
    let tldr: Vec<ProseLine> = tldr_lines(&page.head)
        .into_iter()
        .map(|line| ProseLine {
            text: site::substitute(strip_yaml_key(line.text.trim())),
            location: line.location(),
            block: None,
        })
        .collect();
    let body: Vec<ProseLine> = extracted
        .blocks
        .iter()
        .enumerate()
        .filter_map(|(i, block)| match &block.kind {
            BlockKind::Prose(text) => Some(ProseLine {
                text: text.clone(),
                location: block.location.clone(),
                block: Some(i),
            }),
            _ => None,
        })
        .collect();
    let mut out = claims_of(&tldr, ClaimPlace::Tldr);
    out.extend(claims_of(&body, ClaimPlace::Body));
    out
}

/// A line of prose, where it is and (in the body) its block.
struct ProseLine {
    text: String,
    location: DocLocation,
    block: Option<usize>,
}

/// The claims of consecutive prose lines; a sentence that runs on to the next line of the
/// same paragraph is read whole, at the line it starts on.
fn claims_of(lines: &[ProseLine], place: ClaimPlace) -> Vec<ProseClaim> {
    let mut out = Vec::new();
    for (k, line) in lines.iter().enumerate() {
        let next = lines.get(k + 1).filter(|n| {
            n.location.file == line.location.file && n.location.line == line.location.line + 1
        });
        let text = match next {
            Some(next) => run_on(&line.text, &next.text),
            None => line.text.clone(),
        };
        for mut claim in line_claims(&text, line.location.clone()) {
            claim.place = place;
            claim.block = line.block;
            out.push(claim);
        }
    }
    out
}

/// `line`, continued with the start of `next` up to its first sentence end when `line` stops
/// mid-sentence ("…issuing a `GET` request to" / "`/private-dns`:"). A start of `next` that
/// names a method itself is left to `next`'s own claims, so no sentence is read twice.
fn run_on(line: &str, next: &str) -> String {
    let (line, next) = (line.trim_end(), next.trim());
    let list_item = next.starts_with(['*', '-', '>', '|', '#'])
        || next
            .split_once(". ")
            .is_some_and(|(n, _)| n.chars().all(|c| c.is_ascii_digit()));
    if line.is_empty() || line.ends_with(['.', ':', '!', '?']) || list_item {
        return line.to_owned();
    }
    let fragment = sentences(next).first().copied().unwrap_or_default();
    // A method word, or a code span that starts with one (`POST /vault-auth`).
    let names_method = |t: &Token| METHODS.contains(&t.text.split(' ').next().unwrap_or_default());
    if tokens(fragment).iter().any(names_method) {
        return line.to_owned();
    }
    format!("{line} {fragment}")
}

/// The lines of the frontmatter's `tldr:` mapping (`q:`, `a:` and a block scalar's lines).
fn tldr_lines(head: &[Line]) -> Vec<&Line> {
    let indent = |t: &str| t.len() - t.trim_start().len();
    let Some(start) = head
        .iter()
        .position(|l| l.text.trim_start().starts_with("tldr:"))
    else {
        return Vec::new();
    };
    let base = indent(&head[start].text);
    head[start + 1..]
        .iter()
        .take_while(|l| l.text.trim().is_empty() || indent(&l.text) > base)
        .filter(|l| l.text.trim() != "---")
        .collect()
}

/// `a: text` → `text`; `a: |` → ``; a quoted scalar loses its quotes.
fn strip_yaml_key(text: &str) -> &str {
    let rest = ["q:", "a:", "- q:", "- a:"]
        .iter()
        .find_map(|k| text.strip_prefix(k))
        .unwrap_or(text)
        .trim();
    let rest = if matches!(rest, "|" | ">" | "|-" | ">-") {
        ""
    } else {
        rest
    };
    rest.trim_matches(|c| c == '"' || c == '\'')
}

/// The claims of one line of prose.
pub fn line_claims(text: &str, location: DocLocation) -> Vec<ProseClaim> {
    let text = drop_link_targets(text);
    let mut out = Vec::new();
    for sentence in sentences(&text) {
        let tokens = tokens(sentence);
        if tokens.iter().any(|t| !t.code && is_negation(&t.text)) {
            continue;
        }
        let hedged = is_hedged(sentence);
        let mut i = 0;
        while i < tokens.len() {
            let Some((methods, after)) = method_list(&tokens, i) else {
                i += 1;
                continue;
            };
            let endpoints = endpoints_after(&tokens, after);
            if !endpoints.is_empty() {
                out.push(ProseClaim {
                    location: location.clone(),
                    methods,
                    endpoints,
                    sentence: sentence.trim().to_owned(),
                    place: ClaimPlace::Body,
                    hedged,
                    block: None,
                });
            }
            i = after.max(i + 1);
        }
    }
    out
}

/// `[label](target)` → `label`, so an API reference link is not read as the endpoint.
fn drop_link_targets(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(open) = rest.find("](") {
        let Some(close) = rest[open..].find(')') else {
            break;
        };
        out.push_str(&rest[..open + 1]);
        rest = &rest[open + close + 1..];
    }
    out.push_str(rest);
    out.replace(['[', ']'], "")
}

/// Sentences: split at `.`, `!` or `?` followed by a space, outside code spans.
fn sentences(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let (mut start, mut in_code) = (0, false);
    let bytes = text.as_bytes();
    for (i, &b) in bytes.iter().enumerate() {
        match b {
            b'`' => in_code = !in_code,
            b'.' | b'!' | b'?' if !in_code && bytes.get(i + 1) == Some(&b' ') => {
                out.push(&text[start..=i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(&text[start..]);
    out
}

/// A word of a sentence, or a code span.
#[derive(Debug)]
struct Token {
    text: String,
    code: bool,
    /// Punctuation that ended the word (`,`, `:`), which separates list items.
    trailing: Option<char>,
}

fn tokens(sentence: &str) -> Vec<Token> {
    let mut out = Vec::new();
    for (i, part) in sentence.split('`').enumerate() {
        if i % 2 == 1 {
            out.push(Token {
                text: part.trim().to_owned(),
                code: true,
                trailing: None,
            });
            continue;
        }
        for word in part.split_whitespace() {
            let trimmed = word.trim_end_matches([',', ':', ';', '.', ')', '!', '?']);
            let trailing = word[trimmed.len()..].chars().next();
            let trimmed = trimmed.trim_start_matches(['(', '*', '_']);
            if trimmed.is_empty() {
                // A bare comma after a code span separates list items too.
                if let (Some(last), Some(c)) = (out.last_mut(), trailing) {
                    let last: &mut Token = last;
                    last.trailing = Some(c);
                }
                continue;
            }
            out.push(Token {
                text: trimmed.to_owned(),
                code: false,
                trailing,
            });
        }
    }
    out
}

fn is_negation(word: &str) -> bool {
    let lower = word.to_ascii_lowercase();
    NEGATIONS.contains(&lower.as_str()) || lower.ends_with("n't")
}

/// Whether the sentence is conditional, optional or about something done earlier.
fn is_hedged(sentence: &str) -> bool {
    let lower = format!(" {} ", sentence.to_ascii_lowercase());
    [
        " if ",
        " alternatively",
        " also ",
        " optionally",
        " could ",
        " would ",
        " might ",
        " for example",
        " e.g.",
        " note:",
        " previous",
        " earlier",
        " already",
        " above",
        " you created",
    ]
    .iter()
    .any(|w| lower.contains(w))
}

/// A method at `i`, and any more listed after it (`GET`, `POST`, and `PUT`): the methods
/// and the index after the list. A code span `GET /path` is a method followed by its path;
/// the index then points at the span itself, read again as the endpoint.
fn method_list(tokens: &[Token], i: usize) -> Option<(Vec<String>, usize)> {
    let method = |t: &Token| METHODS.contains(&t.text.as_str()).then(|| t.text.clone());
    let first = &tokens[i];
    if first.code
        && let Some((m, path)) = first.text.split_once(' ')
        && METHODS.contains(&m)
        && is_endpoint(path.trim())
    {
        return Some((vec![m.to_owned()], i));
    }
    let mut methods = vec![method(first)?];
    let mut j = i + 1;
    while j < tokens.len() {
        let t = &tokens[j];
        if matches!(t.text.as_str(), "and" | "or") && !t.code {
            j += 1;
            continue;
        }
        match method(t) {
            Some(m) if tokens[j - 1].trailing == Some(',') || !tokens[j - 1].code => {
                methods.push(m);
                j += 1;
            }
            _ => break,
        }
    }
    Some((methods, j))
}

/// The endpoints named right after the method: `GET /x`, `GET request to the /x endpoint`,
/// `POST call at /x`, then alternatives (`/x or /y`, `/x, /y`).
fn endpoints_after(tokens: &[Token], mut j: usize) -> Vec<String> {
    let word = |j: usize| tokens.get(j).filter(|t| !t.code).map(|t| t.text.as_str());
    // A combined code span (`GET /x`) is its own endpoint.
    if let Some(t) = tokens.get(j)
        && t.code
        && let Some((_, path)) = t.text.split_once(' ')
        && is_endpoint(path.trim())
    {
        return vec![path.trim().to_owned()];
    }
    let mut introduced = false;
    if word(j).is_some_and(|w| NOUNS.contains(&w)) {
        j += 1;
        if !word(j).is_some_and(|w| PREPOSITIONS.contains(&w)) {
            return Vec::new();
        }
        j += 1;
        introduced = true;
    } else if word(j).is_some_and(|w| PREPOSITIONS.contains(&w)) {
        j += 1;
    }
    if word(j).is_some_and(|w| ARTICLES.contains(&w.to_ascii_lowercase().as_str())) {
        j += 1;
    }
    // `a GET request to the Cloud Gateways API using the `/provider-accounts` endpoint`.
    if introduced
        && !tokens.get(j).is_some_and(|t| is_endpoint(&t.text))
        && let Some(using) =
            (j..tokens.len().min(j + USING_REACH)).find(|&k| word(k) == Some("using"))
        && tokens[j..using]
            .iter()
            .all(|t| !t.code && t.trailing.is_none())
    {
        j = using + 1;
        if word(j) == Some("the") {
            j += 1;
        }
    }
    let mut out = Vec::new();
    while let Some(t) = tokens.get(j) {
        let text = t.text.trim_end_matches([',', '.', ':']);
        if !is_endpoint(text) {
            break;
        }
        out.push(text.to_owned());
        j += 1;
        if word(j).is_some_and(|w| w == "or") {
            j += 1;
        } else if t.trailing != Some(',') {
            break;
        }
    }
    out
}

/// Whether `text` reads as an endpoint: a path (`/v1/x`), a URL, or `$VAR/path`.
pub fn is_endpoint(text: &str) -> bool {
    if text.contains(char::is_whitespace) || text.len() < 2 {
        return false;
    }
    let with_host = text.starts_with("http://")
        || text.starts_with("https://")
        || (text.starts_with('$') && text.contains('/'));
    let path = text.starts_with('/')
        && text[1..]
            .starts_with(|c: char| c.is_ascii_alphanumeric() || c == '{' || c == '$' || c == ':');
    with_host || path
}

#[cfg(test)]
mod tests {
    use super::*;

    fn said(text: &str) -> Vec<String> {
        line_claims(text, DocLocation::new("p.md", 1))
            .iter()
            .map(ProseClaim::said)
            .collect()
    }

    #[test]
    fn the_forms_the_docs_use_are_read() {
        assert_eq!(
            said(
                "Generate a client token by sending a POST request to `$ISSUER_URL/oauth/token` and use it."
            ),
            ["POST $ISSUER_URL/oauth/token"]
        );
        assert_eq!(
            said(
                "Create a user by sending a `POST` request to the [`/rbac/users`](/api/gateway/admin-ee/#/operations/post-rbac-users) endpoint:"
            ),
            ["POST /rbac/users"]
        );
        assert_eq!(
            said(
                "You can find it by sending a [GET request to `/organizations/me`](/api/konnect/identity/#/x)."
            ),
            ["GET /organizations/me"]
        );
        assert_eq!(
            said("List them with `GET /v2/control-planes`."),
            ["GET /v2/control-planes"]
        );
        assert_eq!(
            said(
                "First, make a GET request to the Konnect Cloud Gateways API using the `/provider-accounts` endpoint:"
            ),
            ["GET /provider-accounts"]
        );
        assert_eq!(
            said(
                "* Send a `GET` request to `/v1/messages/` or `/v1/messages/legacy/`, with a name:"
            ),
            ["GET /v1/messages/ or /v1/messages/legacy/"]
        );
        assert_eq!(
            said(
                "we can send `GET`, `POST`, `PUT`, and `DELETE` requests to the `/anything` endpoint:"
            ),
            ["GET/POST/PUT/DELETE /anything"]
        );
    }

    #[test]
    fn passing_mentions_and_negations_are_not_claims() {
        assert!(said("Kong will cache all `GET` requests that result in `200`.").is_empty());
        assert!(said("Send a `POST` request to generate traffic:").is_empty());
        assert!(said("This turns the POST request into a GET request.").is_empty());
        assert!(
            said("With the key `dana`, we can't send `DELETE` requests to `/anything`:").is_empty()
        );
        assert!(said("Send a get request to `/x`.").is_empty());
        // The link target is the API reference, not an endpoint.
        assert!(said("Send a [GET request](/api/konnect/x/) now.").is_empty());
    }

    #[test]
    fn hedged_sentences_are_marked() {
        let claims = line_claims(
            "> **Note:** If you used the UI, you can find it by sending a GET request to the `/config-stores` endpoint.",
            DocLocation::new("p.md", 3),
        );
        assert_eq!(claims.len(), 1);
        assert!(claims[0].hedged);
        let earlier = line_claims(
            "You created it with a `POST` request to `/v1/auth-servers`; now list them:",
            DocLocation::new("p.md", 4),
        );
        assert!(earlier[0].hedged);
        assert_eq!(claims[0].location.line, 3);
    }

    #[test]
    fn a_sentence_running_on_to_the_next_line_is_read_whole() {
        assert_eq!(
            run_on(
                "you can validate it by issuing a `GET` request to",
                "[`/private-dns`](/api/x):"
            ),
            "you can validate it by issuing a `GET` request to [`/private-dns`](/api/x):"
        );
        assert_eq!(run_on("Send it:", "`/x` then"), "Send it:");
        assert_eq!(run_on("a `GET` request to", "* `/x`"), "a `GET` request to");
        assert_eq!(
            run_on("a `GET` request to", "`/x`. Then a `POST` request to `/y`."),
            "a `GET` request to `/x`."
        );
        assert_eq!(run_on("and then", "a `POST` request to `/y`."), "and then");
        assert_eq!(
            run_on("Create a vault,", "then use `POST /vault-auth`."),
            "Create a vault,"
        );
        assert_eq!(run_on("", "use `/vault-auth`."), "");
    }

    #[test]
    fn tldr_lines_are_the_q_and_a_with_their_lines() {
        let head: Vec<Line> = [
            "---",
            "title: t",
            "tldr:",
            "  q: How?",
            "  a: |",
            "    Send a POST request to `/x`.",
            "tools: []",
            "---",
        ]
        .iter()
        .enumerate()
        .map(|(i, t)| Line {
            file: "p.md".into(),
            line: i + 1,
            text: (*t).to_owned(),
        })
        .collect();
        let lines: Vec<usize> = tldr_lines(&head).iter().map(|l| l.line).collect();
        assert_eq!(lines, [4, 5, 6]);
        assert_eq!(strip_yaml_key("a: |"), "");
        assert_eq!(strip_yaml_key("a: \"Send it\""), "Send it");
    }
}
