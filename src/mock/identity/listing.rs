//! [`ListQuery`]: pagination (`page[size]`, `page[number]`), filtering
//! (`filter[field][eq|contains]`, deepObject style) and sorting (`sort=name desc,created_at`)
//! of Kong Identity list endpoints, and the `{data, meta: {page: {number, size, total}}}`
//! envelope.
//!
//! Items keep creation order unless `sort` says otherwise; the real default order is
//! UNVERIFIED. Unknown filter fields or sort attributes are refused with a 400 (`source:
//! query`), which catches typos in scenarios; whether Konnect ignores them instead is
//! UNVERIFIED.

use serde_json::{Value, json};

use super::validate::InvalidParam;

/// Default `page[size]`, as in the spec's examples and the real list responses.
pub const DEFAULT_PAGE_SIZE: usize = 10;

/// Which filter operators a field supports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FilterKind {
    /// `LegacyStringFieldFilter`: `eq` or `contains`.
    EqOrContains,
    /// `StringFieldEqualsFilter`: `eq` only.
    Eq,
    /// Labels: `eq` with `key:value` (or just `key`, any value). The real syntax is
    /// UNVERIFIED.
    Labels,
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
enum Op {
    Eq,
    Contains,
}

#[derive(Debug, Clone, PartialEq)]
struct Filter {
    field: String,
    kind: FilterKind,
    op: Op,
    value: String,
}

/// A parsed list query.
#[derive(Debug, Clone, PartialEq)]
pub struct ListQuery {
    /// Items per page.
    pub page_size: usize,
    /// 1-based page number.
    pub page_number: usize,
    filters: Vec<Filter>,
    sort: Vec<(String, bool)>,
}

impl ListQuery {
    /// Parses a raw query string against what `listing` allows; every problem is reported.
    pub fn parse(query: Option<&str>, listing: Listing) -> Result<Self, Vec<InvalidParam>> {
        let pairs: Vec<(String, String)> = match serde_urlencoded::from_str(query.unwrap_or("")) {
            Ok(pairs) => pairs,
            Err(_) => {
                return Err(vec![
                    InvalidParam::new("query", "invalid", "query string is malformed")
                        .in_source("query"),
                ]);
            }
        };
        let mut problems = Vec::new();
        let mut parsed = Self {
            page_size: DEFAULT_PAGE_SIZE,
            page_number: 1,
            filters: Vec::new(),
            sort: Vec::new(),
        };
        for (key, value) in pairs {
            match key.as_str() {
                "page[size]" => {
                    if let Some(n) = page_param(&key, &value, &mut problems) {
                        parsed.page_size = n;
                    }
                }
                "page[number]" => {
                    if let Some(n) = page_param(&key, &value, &mut problems) {
                        parsed.page_number = n;
                    }
                }
                "sort" => match parse_sort(&value, listing.sorts) {
                    Ok(sort) => parsed.sort = sort,
                    Err(p) => problems.push(p),
                },
                _ if key.starts_with("filter[") => match parse_filter(&key, value, listing) {
                    Ok(filter) => parsed.filters.push(filter),
                    Err(p) => problems.push(p),
                },
                // Other parameters are not the list's business (Konnect ignores unknown
                // query parameters elsewhere; UNVERIFIED here).
                _ => {}
            }
        }
        if problems.is_empty() {
            Ok(parsed)
        } else {
            Err(problems)
        }
    }

    /// Filters, sorts and pages `items` (API representations), and wraps them in the list
    /// envelope.
    pub fn apply(&self, items: Vec<Value>) -> Value {
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
                    .find(|ord| ord.is_ne())
                    .unwrap_or(std::cmp::Ordering::Equal)
            });
        }
        let total = items.len();
        let start = self
            .page_size
            .saturating_mul(self.page_number.saturating_sub(1));
        let data: Vec<Value> = items.into_iter().skip(start).take(self.page_size).collect();
        json!({
            "data": data,
            "meta": {"page": {"number": self.page_number, "size": self.page_size, "total": total}},
        })
    }
}

fn page_param(key: &str, value: &str, problems: &mut Vec<InvalidParam>) -> Option<usize> {
    // `allowEmptyValue: true` in the spec: an empty value means the default.
    if value.is_empty() {
        return None;
    }
    match value.parse::<i64>() {
        Err(_) => {
            problems.push(
                InvalidParam::new(key, "is_integer", "must be an integer").in_source("query"),
            );
            None
        }
        Ok(n) if n < 1 => {
            problems.push(InvalidParam::below_minimum(key, 1).in_source("query"));
            None
        }
        Ok(n) => usize::try_from(n).ok(),
    }
}

fn parse_sort(value: &str, allowed: &[&str]) -> Result<Vec<(String, bool)>, InvalidParam> {
    value
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|item| {
            let mut words = item.split_whitespace();
            let field = words.next().unwrap_or_default();
            let desc = match words.next() {
                None | Some("asc") => false,
                Some("desc") => true,
                Some(_) => return Err(sort_problem(allowed)),
            };
            if words.next().is_some() || !allowed.contains(&field) {
                return Err(sort_problem(allowed));
            }
            Ok((field.to_owned(), desc))
        })
        .collect()
}

fn sort_problem(allowed: &[&str]) -> InvalidParam {
    InvalidParam::new(
        "sort",
        "invalid",
        format!(
            "must be a comma-separated list of {} with an optional asc or desc",
            allowed.join(", ")
        ),
    )
    .in_source("query")
}

fn parse_filter(key: &str, value: String, listing: Listing) -> Result<Filter, InvalidParam> {
    let inner = key
        .strip_prefix("filter[")
        .unwrap_or_default()
        .trim_end_matches(']');
    let (field, op) = match inner.split_once("][") {
        Some((field, op)) => (field, Some(op)),
        None => (inner, None),
    };
    let problem = |reason: String| InvalidParam::new(key, "invalid", reason).in_source("query");
    let Some((_, kind)) = listing.filters.iter().find(|(name, _)| *name == field) else {
        let names: Vec<&str> = listing.filters.iter().map(|(n, _)| *n).collect();
        return Err(problem(format!(
            "unknown filter field; expected one of {}",
            names.join(", ")
        )));
    };
    let op = match (op, kind) {
        (None | Some("eq"), _) => Op::Eq,
        (Some("contains"), FilterKind::EqOrContains) => Op::Contains,
        (Some(other), _) => {
            return Err(problem(format!("unsupported filter operator `{other}`")));
        }
    };
    Ok(Filter {
        field: field.to_owned(),
        kind: *kind,
        op,
        value,
    })
}

impl Filter {
    fn matches(&self, item: &Value) -> bool {
        let field = &item[self.field.as_str()];
        match self.kind {
            FilterKind::Labels => {
                let (key, value) = match self.value.split_once(':') {
                    Some((k, v)) => (k, Some(v)),
                    None => (self.value.as_str(), None),
                };
                match (field.get(key).and_then(Value::as_str), value) {
                    (Some(actual), Some(wanted)) => actual == wanted,
                    (Some(_), None) => true,
                    (None, _) => false,
                }
            }
            FilterKind::Eq | FilterKind::EqOrContains => {
                let Some(actual) = field.as_str() else {
                    return false;
                };
                match self.op {
                    Op::Eq => actual == self.value,
                    Op::Contains => actual.contains(self.value.as_str()),
                }
            }
        }
    }
}

fn compare(a: &Value, b: &Value) -> std::cmp::Ordering {
    match (a, b) {
        (Value::String(a), Value::String(b)) => a.cmp(b),
        (Value::Number(a), Value::Number(b)) => a
            .as_f64()
            .partial_cmp(&b.as_f64())
            .unwrap_or(std::cmp::Ordering::Equal),
        _ => a.to_string().cmp(&b.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LISTING: Listing = Listing {
        filters: &[
            ("name", FilterKind::EqOrContains),
            ("id", FilterKind::Eq),
            ("labels", FilterKind::Labels),
        ],
        sorts: &["name", "created_at"],
    };

    fn items() -> Vec<Value> {
        vec![
            json!({"id": "1", "name": "beta", "created_at": "2", "labels": {"env": "prod"}}),
            json!({"id": "2", "name": "alpha", "created_at": "1", "labels": {}}),
            json!({"id": "3", "name": "alphabet", "created_at": "3", "labels": {"env": "dev"}}),
        ]
    }

    fn names(list: &Value) -> Vec<&str> {
        list["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v["name"].as_str().unwrap())
            .collect()
    }

    fn run(query: &str) -> Value {
        ListQuery::parse(Some(query), LISTING)
            .unwrap()
            .apply(items())
    }

    #[test]
    fn defaults_and_envelope() {
        let list = ListQuery::parse(None, LISTING).unwrap().apply(items());
        assert_eq!(names(&list), ["beta", "alpha", "alphabet"]);
        assert_eq!(
            list["meta"],
            json!({"page": {"number": 1, "size": 10, "total": 3}})
        );
    }

    #[test]
    fn filters_eq_contains_id_and_labels() {
        assert_eq!(names(&run("filter%5Bname%5D%5Beq%5D=alpha")), ["alpha"]);
        assert_eq!(
            names(&run("filter[name][contains]=alpha")),
            ["alpha", "alphabet"]
        );
        assert_eq!(names(&run("filter[name]=beta")), ["beta"]);
        assert_eq!(names(&run("filter[id][eq]=3")), ["alphabet"]);
        assert_eq!(names(&run("filter[labels][eq]=env:prod")), ["beta"]);
        assert_eq!(names(&run("filter[labels][eq]=env")), ["beta", "alphabet"]);
        let filtered = run("filter[name][contains]=alpha&page[size]=1");
        assert_eq!(filtered["meta"]["page"]["total"], 2);
    }

    #[test]
    fn pages_and_sorts() {
        let list = run("page[size]=2&page[number]=2");
        assert_eq!(names(&list), ["alphabet"]);
        assert_eq!(
            list["meta"],
            json!({"page": {"number": 2, "size": 2, "total": 3}})
        );
        assert!(names(&run("page[number]=9")).is_empty());
        assert_eq!(names(&run("sort=name")), ["alpha", "alphabet", "beta"]);
        assert_eq!(
            names(&run("sort=created_at%20desc")),
            ["alphabet", "beta", "alpha"]
        );
        assert_eq!(names(&run("page[size]=&page[number]=")).len(), 3);
    }

    #[test]
    fn refuses_bad_parameters_all_at_once() {
        let problems = ListQuery::parse(
            Some("page[size]=0&page[number]=x&sort=nope&filter[audience][eq]=a&filter[id][contains]=1"),
            LISTING,
        )
        .unwrap_err();
        let got: Vec<(&str, &str, &str)> = problems
            .iter()
            .map(|p| (p.field.as_str(), p.rule, p.source))
            .collect();
        assert_eq!(
            got,
            [
                ("page[size]", "min", "query"),
                ("page[number]", "is_integer", "query"),
                ("sort", "invalid", "query"),
                ("filter[audience][eq]", "invalid", "query"),
                ("filter[id][contains]", "invalid", "query"),
            ]
        );
    }
}
