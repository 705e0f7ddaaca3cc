//! [`Frontmatter`]: the parts of a how-to's YAML frontmatter that decide what runs — the
//! title, `works_on`, `products`, `prereqs.entities` and `automated_tests` — with the line
//! each entity name and flag is written on.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_saphyr::Spanned;

use super::code::DocCode;
use super::diagnostic::{Diagnostic, DocLocation};
use super::site;

/// The frontmatter of a page.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Frontmatter {
    /// `title`, with `{{site.*}}` substituted.
    pub title: Option<String>,
    /// `works_on` (`konnect`, `on-prem`).
    pub works_on: Vec<String>,
    /// `products` (`gateway`, `identity`).
    pub products: Vec<String>,
    /// `prereqs.entities`, as `(kind, name, line)` in the order written (kinds as written:
    /// `services`, `routes`, …).
    pub entities: Vec<EntityName>,
    /// `automated_tests` and where it is written (Kong's runner skips pages with `false`).
    pub automated_tests: Option<(bool, DocLocation)>,
    /// `min_version.gateway` (`3.13`): the Kong Gateway version the page needs.
    pub min_gateway: Option<String>,
    /// `series`: the series' id and this page's position in it, where written. A page after
    /// the first builds on what the earlier pages configured.
    pub series: Option<(String, u32, DocLocation)>,
    /// `prereqs.inline`: the prerequisites the page shows before its body, in order.
    pub inline_prereqs: Vec<InlinePrereq>,
}

/// One `prereqs.inline` item: an include (`include_content: prereqs/openai`) or markdown
/// written in the frontmatter (`content: |`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InlinePrereq {
    /// `include_content`: a file under `app/_includes/`, without `.md`, and where it is named.
    Include(String, DocLocation),
    /// `content`: the markdown, and the line of the frontmatter where it starts.
    Content(String, DocLocation),
}

/// An entity the page's prerequisites create (`prereqs.entities.services: [example-service]`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntityName {
    /// The kind, as written (`services`).
    pub kind: String,
    /// The entity example's name (`example-service`).
    pub name: String,
    /// Where the name is written in the frontmatter.
    pub location: DocLocation,
}

#[derive(Debug, Deserialize)]
struct Raw {
    title: Option<String>,
    works_on: Option<Vec<String>>,
    products: Option<Vec<String>>,
    prereqs: Option<RawPrereqs>,
    automated_tests: Option<Spanned<AutomatedTests>>,
    min_version: Option<BTreeMap<String, Scalar>>,
    series: Option<Spanned<RawSeries>>,
}

#[derive(Debug, Deserialize)]
struct RawSeries {
    id: Option<String>,
    position: Option<u32>,
}

/// A version as written: `'3.4'` or a bare `3.4`.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum Scalar {
    Text(String),
    Number(f64),
}

/// `automated_tests: false`, or the per-target form (`standalone_gateway: true`) some pages
/// use, which docflow does not read.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum AutomatedTests {
    Flag(bool),
    PerTarget(serde::de::IgnoredAny),
}

#[derive(Debug, Deserialize)]
struct RawPrereqs {
    entities: Option<BTreeMap<String, Option<Vec<Spanned<String>>>>>,
    inline: Option<Vec<RawInline>>,
}

#[derive(Debug, Deserialize)]
struct RawInline {
    include_content: Option<Spanned<String>>,
    content: Option<Spanned<String>>,
}

/// Parses frontmatter YAML that starts at line `first_line` of `file`.
pub fn parse(yaml: &str, file: &str, first_line: usize) -> Result<Frontmatter, Diagnostic> {
    if yaml.trim().is_empty() {
        return Ok(Frontmatter::default());
    }
    let raw: Raw = serde_saphyr::from_str(yaml).map_err(|e| {
        let line = e.location().map_or(first_line, |l| {
            first_line + l.line().saturating_sub(1) as usize
        });
        let message = e.without_snippet().to_string();
        let message = message.lines().next().unwrap_or("").trim();
        Diagnostic::error(
            DocCode::BadFrontmatter,
            DocLocation::new(file, line),
            format!("invalid frontmatter: {message}"),
        )
    })?;
    let at = |line: u64| DocLocation::new(file, first_line + line.saturating_sub(1) as usize);
    let (raw_entities, raw_inline) = raw.prereqs.map_or((None, None), |p| (p.entities, p.inline));
    let inline_prereqs = raw_inline
        .unwrap_or_default()
        .into_iter()
        .filter_map(|item| match (item.include_content, item.content) {
            (Some(include), _) => Some(InlinePrereq::Include(
                include.value,
                at(include.referenced.line()),
            )),
            // A block scalar (`content: |`) starts on the line after its key.
            (None, Some(content)) => Some(InlinePrereq::Content(
                content.value,
                at(content.referenced.line() + 1),
            )),
            (None, None) => None,
        })
        .collect();
    let mut entities: Vec<EntityName> = raw_entities
        .unwrap_or_default()
        .into_iter()
        .flat_map(|(kind, names)| {
            names
                .unwrap_or_default()
                .into_iter()
                .map(move |n| EntityName {
                    kind: kind.clone(),
                    name: n.value,
                    location: at(n.referenced.line()),
                })
        })
        .collect();
    entities.sort_by(|a, b| a.location.cmp(&b.location));
    Ok(Frontmatter {
        title: raw.title.map(|t| site::substitute(&t)),
        works_on: raw.works_on.unwrap_or_default(),
        products: raw.products.unwrap_or_default(),
        entities,
        automated_tests: match raw.automated_tests {
            Some(Spanned {
                value: AutomatedTests::Flag(flag),
                referenced,
                ..
            }) => Some((flag, at(referenced.line()))),
            Some(_) | None => None,
        },
        inline_prereqs,
        series: raw.series.and_then(|s| {
            let at = at(s.referenced.line());
            Some((s.value.id?, s.value.position?, at))
        }),
        min_gateway: raw
            .min_version
            .and_then(|mut m| m.remove("gateway"))
            .map(|v| match v {
                Scalar::Text(t) => t,
                Scalar::Number(n) => n.to_string(),
            }),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const YAML: &str = "title: Configure {{site.konnect_short_name}} Identity\nworks_on:\n  - konnect\ntldr: \n  q: x\nprereqs:\n  inline: \n    - title: t\n  entities:\n    services:\n      - example-service\n    routes:\n      - example-route\nautomated_tests: false\n";

    #[test]
    fn entities_and_flags_keep_their_lines() {
        let fm = parse(YAML, "p.md", 2).unwrap();
        assert_eq!(fm.title.as_deref(), Some("Configure Konnect Identity"));
        assert_eq!(fm.works_on, ["konnect"]);
        let names: Vec<_> = fm
            .entities
            .iter()
            .map(|e| (e.kind.as_str(), e.name.as_str(), e.location.line))
            .collect();
        assert_eq!(
            names,
            [
                ("services", "example-service", 12),
                ("routes", "example-route", 14)
            ]
        );
        assert_eq!(
            fm.automated_tests,
            Some((false, DocLocation::new("p.md", 15)))
        );
    }

    #[test]
    fn bad_frontmatter_is_located() {
        let err = parse("title: x\nworks_on: [unclosed\n", "p.md", 2).unwrap_err();
        assert_eq!(err.code, DocCode::BadFrontmatter);
        assert!(err.location.line >= 3, "{err}");
        let err = parse("works_on: 3\n", "p.md", 2).unwrap_err();
        assert_eq!(err.location.line, 2, "{err}");
    }
}
