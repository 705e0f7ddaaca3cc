//! [`CursorQuery`]: the cursor-paged lists of the principals API: `page[size]`,
//! `page[after]`, `page[before]`, `sort` and deepObject filters (`filter[display_name]=x`,
//! `filter[display_name][contains]=x`, `filter[labels.env]=prod`, `filter[type][oeq]=a,b`),
//! and the `{data, meta: {page: {size, next, previous}}}` envelope (`CursorMeta`).
//!
//! A cursor is the base64url of `{"offset":N}`, in the style of the spec's example cursor
//! (base64 of a small JSON object); the real cursor format is opaque and UNVERIFIED, as are
//! the default page size (10, as in the other Konnect lists), the default order (creation
//! order) and refusing an unknown filter or sort attribute with a 400 (`source: query`).

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Value, json};

use crate::mock::identity::validate::InvalidParam;

/// Default `page[size]`.
pub const DEFAULT_PAGE_SIZE: usize = 10;

/// Which filter operators a field supports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FilterKind {
    /// `LegacyStringFieldFilter`: `eq` (also bare) or `contains`.
    EqOrContains,
    /// `StringFieldEqualsFilter`: `eq` (also bare).
    Eq,
    /// `filter[labels.<key>]`: `eq` on one label.
    Labels,
    /// `StringFieldOEQFilter`: `oeq`, any of comma-separated values (also bare).
    AnyOf,
}

/// What a list endpoint allows.
#[derive(Debug, Clone, Copy)]
pub struct Listing {
    /// Filterable fields.
    pub filters: &'static [(&'static str, FilterKind)],
    /// Sortable attributes.
    pub sorts: &'static [&'static str],
}

#[derive(Debug, Clone, PartialEq)]
enum Test {
    Eq(String),
    Contains(String),
    AnyOf(Vec<String>),
}

#[derive(Debug, Clone, PartialEq)]
struct Filter {
    /// JSON pointer into an item (`/display_name`, `/labels/env`).
    pointer: String,
    test: Test,
}

impl Filter {
    fn matches(&self, item: &Value) -> bool {
        let Some(value) = item.pointer(&self.pointer).and_then(Value::as_str) else {
            return false;
        };
        match &self.test {
            Test::Eq(v) => value == v,
            Test::Contains(v) => value.contains(v.as_str()),
            Test::AnyOf(vs) => vs.iter().any(|v| v == value),
        }
    }
}

/// A parsed list query.
#[derive(Debug, Clone, PartialEq)]
pub struct CursorQuery {
    size: usize,
    after: Option<usize>,
    before: Option<usize>,
    filters: Vec<Filter>,
    sort: Vec<(String, bool)>,
}

/// The cursor of `offset`.
pub fn cursor(offset: usize) -> String {
    URL_SAFE_NO_PAD.encode(json!({ "offset": offset }).to_string())
}

fn offset_of(cursor: &str) -> Option<usize> {
    let bytes = URL_SAFE_NO_PAD.decode(cursor.trim_end_matches('=')).ok()?;
    let value: Value = serde_json::from_slice(&bytes).ok()?;
    usize::try_from(value.get("offset")?.as_u64()?).ok()
}

impl CursorQuery {
    /// Parses a raw query string against what `listing` allows; every problem is reported.
    pub fn parse(raw: Option<&str>, listing: Listing) -> Result<Self, Vec<InvalidParam>> {
        let Ok(pairs) = serde_urlencoded::from_str::<Vec<(String, String)>>(raw.unwrap_or(""))
        else {
            return Err(vec![query_problem("query", "query string is malformed")]);
        };
        let mut problems = Vec::new();
        let mut query = Self {
            size: DEFAULT_PAGE_SIZE,
            after: None,
            before: None,
            filters: Vec::new(),
            sort: Vec::new(),
        };
        for (key, value) in pairs {
            match key.as_str() {
                "page[size]" => match value.parse::<usize>() {
                    Ok(n) if n >= 1 => query.size = n,
                    _ => problems
                        .push(InvalidParam::below_minimum("page[size]", 1).in_source("query")),
                },
                "page[after]" | "page[before]" => match offset_of(&value) {
                    Some(o) if key == "page[after]" => query.after = Some(o),
                    Some(o) => query.before = Some(o),
                    None => problems.push(query_problem(&key, "is not a valid cursor")),
                },
                "sort" => match parse_sort(&value, listing.sorts) {
                    Some(sort) => query.sort = sort,
                    None => problems.push(query_problem(
                        "sort",
                        &format!(
                            "must be a comma-separated list of {} with an optional asc or desc",
                            listing.sorts.join(", ")
                        ),
                    )),
                },
                _ if key.starts_with("filter[") => match parse_filter(&key, value, listing) {
                    Some(filter) => query.filters.push(filter),
                    None => problems.push(query_problem(&key, "is not a supported filter")),
                },
                // Other parameters are not the list's business.
                _ => {}
            }
        }
        if problems.is_empty() {
            Ok(query)
        } else {
            Err(problems)
        }
    }

    /// Filters, sorts and pages `items` (API representations) and wraps them in the list
    /// envelope; `path` is the list's own path, for the `next` and `previous` links.
    pub fn apply(&self, items: Vec<Value>, path: &str) -> Value {
        let mut items: Vec<Value> = items
            .into_iter()
            .filter(|item| self.filters.iter().all(|f| f.matches(item)))
            .collect();
        if !self.sort.is_empty() {
            items.sort_by(|a, b| {
                self.sort
                    .iter()
                    .map(|(field, desc)| {
                        let ord = compare(&a[field.as_str()], &b[field.as_str()]);
                        if *desc { ord.reverse() } else { ord }
                    })
                    .find(|o| o.is_ne())
                    .unwrap_or(std::cmp::Ordering::Equal)
            });
        }
        let start = match (self.after, self.before) {
            (Some(after), _) => after,
            (None, Some(before)) => before.saturating_sub(self.size),
            (None, None) => 0,
        }
        .min(items.len());
        let end = match (self.after, self.before) {
            (None, Some(before)) => before.min(items.len()),
            _ => start.saturating_add(self.size).min(items.len()),
        };
        let link = |param: &str, offset: usize| {
            format!(
                "{path}?page%5B{param}%5D={}&page%5Bsize%5D={}",
                cursor(offset),
                self.size
            )
        };
        let next = (end < items.len()).then(|| link("after", end));
        let previous = (start > 0).then(|| link("before", start));
        let data: Vec<Value> = items.drain(start..end).collect();
        json!({
            "data": data,
            "meta": {"page": {"size": self.size, "next": next, "previous": previous}},
        })
    }
}

fn query_problem(field: &str, reason: &str) -> InvalidParam {
    InvalidParam::new(field, "invalid", reason).in_source("query")
}

fn compare(a: &Value, b: &Value) -> std::cmp::Ordering {
    match (a, b) {
        (Value::String(x), Value::String(y)) => x.cmp(y),
        _ => a.to_string().cmp(&b.to_string()),
    }
}

fn parse_sort(value: &str, allowed: &[&str]) -> Option<Vec<(String, bool)>> {
    value
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|item| {
            let mut words = item.split_whitespace();
            let field = words.next()?;
            let desc = match words.next() {
                None | Some("asc") => false,
                Some("desc") => true,
                Some(_) => return None,
            };
            (words.next().is_none() && allowed.contains(&field)).then(|| (field.to_owned(), desc))
        })
        .collect()
}

/// `filter[field]` or `filter[field][op]` against what `listing` allows.
fn parse_filter(key: &str, value: String, listing: Listing) -> Option<Filter> {
    let inner = key.strip_prefix("filter[")?;
    let (field, rest) = inner.split_once(']')?;
    let op = match rest {
        "" => None,
        _ => Some(rest.strip_prefix('[')?.strip_suffix(']')?),
    };
    let (name, label) = match field.split_once('.') {
        Some((name, label)) if !label.is_empty() => (name, Some(label)),
        Some(_) => return None,
        None => (field, None),
    };
    let (_, kind) = listing.filters.iter().find(|(f, _)| *f == name)?;
    let test = match (kind, op, label) {
        (FilterKind::Labels, None | Some("eq"), Some(_))
        | (FilterKind::Eq | FilterKind::EqOrContains, None | Some("eq"), None) => Test::Eq(value),
        (FilterKind::EqOrContains, Some("contains"), None) => Test::Contains(value),
        (FilterKind::AnyOf, None | Some("oeq"), None) => {
            Test::AnyOf(value.split(',').map(|s| s.trim().to_owned()).collect())
        }
        _ => return None,
    };
    let pointer = match label {
        Some(label) => format!("/{name}/{}", label.replace('~', "~0").replace('/', "~1")),
        None => format!("/{name}"),
    };
    Some(Filter { pointer, test })
}

#[cfg(test)]
mod tests {
    use super::*;

    const LISTING: Listing = Listing {
        filters: &[
            ("display_name", FilterKind::EqOrContains),
            ("labels", FilterKind::Labels),
            ("type", FilterKind::AnyOf),
        ],
        sorts: &["display_name", "created_at"],
    };

    fn items() -> Vec<Value> {
        (0..5)
            .map(|i| json!({"display_name": format!("p{i}"), "labels": {"env": if i % 2 == 0 {"prod"} else {"dev"}}, "type": if i < 2 {"oidc"} else {"custom"}}))
            .collect()
    }

    fn names(page: &Value) -> Vec<&str> {
        page["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["display_name"].as_str().unwrap())
            .collect()
    }

    #[test]
    fn pages_follow_their_cursors_both_ways() {
        let q = CursorQuery::parse(Some("page[size]=2"), LISTING).unwrap();
        let first = q.apply(items(), "/v2/x");
        assert_eq!(names(&first), ["p0", "p1"]);
        assert_eq!(first["meta"]["page"]["previous"], Value::Null);
        let next = first["meta"]["page"]["next"].as_str().unwrap().to_owned();
        let raw = next.split_once('?').unwrap().1;
        let second = CursorQuery::parse(Some(raw), LISTING)
            .unwrap()
            .apply(items(), "/v2/x");
        assert_eq!(names(&second), ["p2", "p3"]);
        let prev = second["meta"]["page"]["previous"]
            .as_str()
            .unwrap()
            .to_owned();
        let back = CursorQuery::parse(Some(prev.split_once('?').unwrap().1), LISTING)
            .unwrap()
            .apply(items(), "/v2/x");
        assert_eq!(names(&back), ["p0", "p1"]);
    }

    #[test]
    fn filters_and_sorts() {
        let apply = |raw: &str| {
            let page = CursorQuery::parse(Some(raw), LISTING)
                .unwrap()
                .apply(items(), "/x");
            names(&page)
                .iter()
                .map(|s| (*s).to_owned())
                .collect::<Vec<_>>()
        };
        assert_eq!(apply("filter[display_name]=p3"), ["p3"]);
        assert_eq!(
            apply("filter[labels.env]=prod&sort=display_name desc"),
            ["p4", "p2", "p0"]
        );
        assert_eq!(apply("filter[type][oeq]=oidc"), ["p0", "p1"]);
        assert_eq!(
            apply("filter[display_name][contains]=p"),
            ["p0", "p1", "p2", "p3", "p4"]
        );
        let bad =
            CursorQuery::parse(Some("filter[nope]=1&sort=nope&page[size]=0"), LISTING).unwrap_err();
        assert_eq!(bad.len(), 3);
        assert!(bad.iter().all(|p| p.source == "query"));
    }
}
