//! Where a manual `export X='YOUR-…'` takes its value from, by meaning rather than position:
//!
//! - **the step**: the variable names a thing (`CLIENT_SECRET` → a client, `PORTAL_ID` → a
//!   portal, `DATADOG_INTEGRATION_ID` → an integration) and each request's URL says what its
//!   response is (`/v1/auth-servers/$ID/clients` → a client, `/v3/portals` → portals); the
//!   latest request about that thing holds the value ([`Resource::score`]);
//! - **the field**: by the variable's last word and the response's shape ([`field`]): `_ID` is
//!   `.id` of one object (a create, a get by id) or `.data[0].id` of a list (a `GET` on a
//!   collection); `_SECRET` of a client is `.client_secret`;
//! - **the prose**: the paragraph before the export often names the field in backticks
//!   ("Export the control plane `id`"); a name that shares a word with the variable is
//!   preferred ([`prose_field`]).
//!
//! These are guesses about docs written for people; every binding they make is shown as an
//! `# inferred:` comment, and `--capture NAME=JQ` overrides them.

/// What a request's response is about: the last fixed segment of its URL path, in words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Resource {
    /// The segment's words, singular and lowercase (`auth-servers` → `auth`, `server`).
    pub(super) words: Vec<String>,
    /// Whether the response is a list (`GET` on a collection): its items are under `.data`.
    pub(super) list: bool,
}

impl Resource {
    /// What `method url` answers, or `None` for a URL without a fixed path segment.
    pub(super) fn of(method: &str, url: &str) -> Option<Self> {
        let segments = path_segments(url);
        let item = segments.last().is_some_and(|s| is_variable_or_id(s));
        let resource = segments.iter().rev().find(|s| !is_variable_or_id(s))?;
        Some(Self {
            words: words(resource),
            list: method.eq_ignore_ascii_case("GET") && !item,
        })
    }

    /// How well `noun` (the variable's words for the thing, head last) names this resource:
    /// 0 when the head is not one of its words, else one point per noun word it has.
    pub(super) fn score(&self, noun: &[String]) -> usize {
        let Some(head) = noun.last() else { return 0 };
        if !self.words.contains(head) {
            return 0;
        }
        noun.iter().filter(|w| self.words.contains(w)).count()
    }
}

/// A variable's meaning: the thing it names and the kind of value it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Meaning {
    /// The thing, in singular lowercase words, head last (`CONTROL_PLANE_ID` → `control`, `plane`).
    pub(super) noun: Vec<String>,
    /// The variable's last word when it names a field kind (`id`, `secret`, `name`), else `None`.
    pub(super) kind: Option<&'static str>,
    /// Every word of the variable, for matching prose.
    pub(super) words: Vec<String>,
    /// The variable, as written.
    pub(super) name: String,
}

/// Last words of a variable that say which kind of value it is, not what thing it belongs to.
const FIELD_KINDS: &[&str] = &["id", "secret", "name", "token", "url"];

impl Meaning {
    /// The meaning of `variable` (`CLIENT_SECRET`).
    pub(super) fn of(variable: &str) -> Self {
        let words = words(variable);
        let kind = words
            .last()
            .and_then(|w| FIELD_KINDS.iter().copied().find(|k| k == w));
        let noun = match kind {
            Some(_) => words[..words.len() - 1].to_vec(),
            None => words.clone(),
        };
        Self {
            noun,
            kind,
            words,
            name: variable.to_owned(),
        }
    }
}

/// The jq of the value a variable of `meaning` is in `resource`'s response, by meaning alone;
/// `None` when its kind says nothing docflow knows how to find.
pub(super) fn field(meaning: &Meaning, resource: &Resource) -> Option<String> {
    let name = match meaning.kind? {
        "id" => "id",
        "name" => "name",
        "secret" if resource.words.last().is_some_and(|w| w == "client") => "client_secret",
        "secret" => "secret",
        // An OAuth token endpoint's answer.
        "token" if resource.words.last().is_some_and(|w| w == "token") => "access_token",
        _ => return None,
    };
    Some(jq_of(name, resource))
}

/// `.name` of one object, `.data[0].name` of a list (unless `name` already starts at `data`).
pub(super) fn jq_of(name: &str, resource: &Resource) -> String {
    if resource.list && name != "data" && !name.starts_with("data.") {
        format!(".data[0].{name}")
    } else {
        format!(".{name}")
    }
}

/// Whether field `name` spells every word of `noun` (`output_file_id` for `output`, `file`).
pub(super) fn spells(name: &str, noun: &[String]) -> bool {
    let field = words(name);
    !noun.is_empty() && noun.iter().all(|w| field.contains(w))
}

/// What the prose before an export says about the field, in backticks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum ProseField {
    /// No backticked name shares a word with the variable.
    None,
    /// One does, better than any other (`client_secret` for `CLIENT_SECRET`).
    Named(String),
    /// Two or more do equally well (`id` and `key` for… an `ID_KEY`).
    Ambiguous(Vec<String>),
}

/// The field the prose names for `meaning`: among its backticked identifiers (`id`,
/// `client_secret`, `data.access_token`), the one sharing the most words with the variable.
pub(super) fn prose_field(prose: &[String], meaning: &Meaning) -> ProseField {
    let mut best: Vec<(usize, String)> = Vec::new();
    for name in prose.iter().flat_map(|line| backticked(line)) {
        let shared = words(&name)
            .iter()
            .filter(|w| meaning.words.contains(w))
            .count();
        if shared == 0 || best.iter().any(|(_, n)| *n == name) {
            continue;
        }
        match best.first().map(|(s, _)| *s) {
            Some(top) if shared < top => {}
            Some(top) if shared > top => best = vec![(shared, name)],
            _ => best.push((shared, name)),
        }
    }
    match best.len() {
        0 => ProseField::None,
        1 => ProseField::Named(best.remove(0).1),
        _ => ProseField::Ambiguous(best.into_iter().map(|(_, n)| n).collect()),
    }
}

/// The `` `identifiers` `` of a line that could be response fields: lowercase snake case,
/// dots for nesting (`id`, `client_secret`, `data.access_token`); not values or paths.
fn backticked(line: &str) -> Vec<String> {
    line.split('`')
        .skip(1)
        .step_by(2)
        .filter(|s| {
            !s.is_empty()
                && s.starts_with(|c: char| c.is_ascii_lowercase())
                && s.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '.')
        })
        .map(str::to_owned)
        .collect()
}

/// A URL's path segments: no scheme, host or query; a leading `$BASE_URL` and API version
/// segments (`v2`, `api`) dropped.
fn path_segments(url: &str) -> Vec<&str> {
    let url = url.split(['?', '#']).next().unwrap_or("");
    let path = match url.split_once("://") {
        Some((_, rest)) => rest.split_once('/').map_or("", |(_, p)| p),
        None => url,
    };
    let mut segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    if segments.first().is_some_and(|s| s.starts_with('$')) && !url.starts_with('/') {
        segments.remove(0);
    }
    segments.retain(|s| !is_version(s));
    segments
}

/// `v1`, `v2`, `api`: the prefix of a versioned API, not a resource.
fn is_version(segment: &str) -> bool {
    segment == "api"
        || (segment.len() >= 2
            && segment.starts_with('v')
            && segment[1..].bytes().all(|b| b.is_ascii_digit()))
}

/// A segment that is a variable (`$ID`, `${id}`, `{id}`) or looks like an id (digits, a UUID).
fn is_variable_or_id(segment: &str) -> bool {
    segment.contains('$')
        || segment.starts_with('{')
        || segment.starts_with(':')
        || (segment.bytes().any(|b| b.is_ascii_digit())
            && segment.bytes().all(|b| b.is_ascii_hexdigit() || b == b'-'))
}

/// `text` split at `-`, `_` and `.` into singular lowercase words.
fn words(text: &str) -> Vec<String> {
    text.split(['-', '_', '.'])
        .filter(|w| !w.is_empty())
        .map(|w| singular(&w.to_ascii_lowercase()))
        .collect()
}

/// The English singular of a plural the Konnect APIs use (`strategies`, `services`, `apis`).
fn singular(word: &str) -> String {
    if let Some(stem) = word.strip_suffix("ies") {
        format!("{stem}y")
    } else if ["ches", "shes", "xes", "sses"]
        .iter()
        .any(|e| word.ends_with(e))
    {
        word[..word.len() - 2].to_owned()
    } else if word.ends_with("ss") || word.ends_with("us") || word.len() <= 3 {
        word.to_owned()
    } else if let Some(stem) = word.strip_suffix('s') {
        stem.to_owned()
    } else {
        word.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words_of(r: &Option<Resource>) -> Option<(String, bool)> {
        r.as_ref().map(|r| (r.words.join(" "), r.list))
    }

    #[test]
    fn a_request_is_about_the_last_fixed_segment_of_its_path() {
        let of = |m, u| words_of(&Resource::of(m, u));
        let r = |w: &str, list| Some((w.to_owned(), list));
        assert_eq!(of("POST", "/v1/auth-servers"), r("auth server", false));
        assert_eq!(
            of("POST", "/v1/auth-servers/$AUTH_SERVER_ID/clients"),
            r("client", false)
        );
        assert_eq!(
            of(
                "GET",
                "/v2/control-planes?filter%5Bname%5D%5Bcontains%5D=quickstart"
            ),
            r("control plane", true)
        );
        assert_eq!(of("GET", "/v3/portals/$PORTAL_ID"), r("portal", false));
        assert_eq!(of("GET", "/v3/portals"), r("portal", true));
        assert_eq!(
            of("POST", "/v2/application-auth-strategies"),
            r("application auth strategy", false)
        );
        assert_eq!(of("POST", "$ISSUER_URL/oauth/token"), r("token", false));
        assert_eq!(
            of("GET", "https://us.api.konghq.com/v3/apis"),
            r("api", true)
        );
        assert_eq!(
            of("GET", "/v1/x/0a1b2c3d-0000-4000-8000-000000000001"),
            r("x", false)
        );
        assert_eq!(of("GET", "$BASE"), None);
    }

    #[test]
    fn a_variable_names_a_thing_and_a_kind_of_value() {
        let m = Meaning::of("DATADOG_INTEGRATION_ID");
        assert_eq!(m.noun, ["datadog", "integration"]);
        assert_eq!(m.kind, Some("id"));
        let m = Meaning::of("CLIENT_SECRET");
        assert_eq!(
            (m.noun.as_slice(), m.kind),
            (&["client".to_owned()][..], Some("secret"))
        );
        assert_eq!(Meaning::of("AUDIENCE").kind, None);
    }

    #[test]
    fn the_head_noun_must_match_and_qualifiers_rank() {
        let score =
            |var: &str, m, url| Resource::of(m, url).map_or(0, |r| r.score(&Meaning::of(var).noun));
        assert_eq!(score("AUTH_SERVER_ID", "POST", "/v1/auth-servers"), 2);
        assert_eq!(
            score("CLIENT_SECRET", "POST", "/v1/auth-servers/$A/clients"),
            1
        );
        assert_eq!(
            score("AUTH_SERVER_ID", "POST", "/v1/auth-servers/$A/clients"),
            0
        );
        // `auth` alone is no match: the head (`strategy`) is not an auth server.
        assert_eq!(score("AUTH_STRATEGY_ID", "POST", "/v1/auth-servers"), 0);
        assert_eq!(
            score("DATADOG_SERVICE_ID", "POST", "/v1/catalog-services"),
            1
        );
        assert_eq!(score("CONTROL_PLANE_ID", "GET", "/v2/control-planes"), 2);
        assert_eq!(
            score("CONTROL_PLANE_GROUP_ID", "GET", "/v2/control-planes"),
            0
        );
    }

    #[test]
    fn the_field_follows_the_kind_and_the_shape() {
        let f = |var: &str, m, url| Resource::of(m, url).and_then(|r| field(&Meaning::of(var), &r));
        assert_eq!(
            f("PORTAL_ID", "POST", "/v3/portals").as_deref(),
            Some(".id")
        );
        assert_eq!(
            f("CONTROL_PLANE_ID", "GET", "/v2/control-planes?x=1").as_deref(),
            Some(".data[0].id")
        );
        assert_eq!(
            f("CLIENT_SECRET", "POST", "/v1/auth-servers/$A/clients").as_deref(),
            Some(".client_secret")
        );
        assert_eq!(
            f("KEY_SECRET", "POST", "/v1/keys").as_deref(),
            Some(".secret")
        );
        assert_eq!(
            f("ACCESS_TOKEN", "POST", "$ISSUER_URL/oauth/token").as_deref(),
            Some(".access_token")
        );
        assert_eq!(f("PORTAL_URL", "GET", "/v3/portals/$P"), None);
    }

    #[test]
    fn prose_names_the_field_sharing_most_words_with_the_variable() {
        let prose = |lines: &[&str], var: &str| {
            let lines: Vec<String> = lines.iter().map(|l| (*l).to_owned()).collect();
            prose_field(&lines, &Meaning::of(var))
        };
        assert_eq!(
            prose(
                &["Export the control plane `id` so you can use it:"],
                "CONTROL_PLANE_ID"
            ),
            ProseField::Named("id".to_owned())
        );
        assert_eq!(
            prose(
                &["This request returns an `access_token` and `secret_token`."],
                "SECRET_TOKEN"
            ),
            ProseField::Named("secret_token".to_owned())
        );
        // A value in backticks (`quickstart`) or a path is not a field of the variable.
        assert_eq!(
            prose(
                &["Get the ID of the `quickstart` control plane from `/v2/control-planes`:"],
                "CONTROL_PLANE_ID"
            ),
            ProseField::None
        );
        assert_eq!(
            prose(
                &["Copy the `client_id` or the `client_secret`."],
                "CLIENT_KEY"
            ),
            ProseField::Ambiguous(vec!["client_id".to_owned(), "client_secret".to_owned()])
        );
    }
}
