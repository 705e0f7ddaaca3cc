//! [`Query`]: a raw query string, percent-decoded pair by pair, so deepObject parameters
//! arrive the same whether the client encoded the brackets (`filter%5Bname%5D%5Bcontains%5D`,
//! as the docs do) or not (`filter[name][contains]`).

use percent_encoding::percent_decode_str;

/// Decoded `key=value` pairs in request order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Query {
    pairs: Vec<(String, String)>,
}

/// Percent-decodes one component; `+` is a space, as in form encoding.
fn decode(component: &str) -> String {
    percent_decode_str(&component.replace('+', " "))
        .decode_utf8_lossy()
        .into_owned()
}

impl Query {
    /// Parses a raw query string (without `?`).
    pub fn parse(raw: Option<&str>) -> Self {
        let pairs = raw
            .unwrap_or("")
            .split('&')
            .filter(|p| !p.is_empty())
            .map(|pair| match pair.split_once('=') {
                Some((k, v)) => (decode(k), decode(v)),
                None => (decode(pair), String::new()),
            })
            .collect();
        Self { pairs }
    }

    /// The first value of `key`.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.pairs
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// Every pair, decoded.
    pub fn pairs(&self) -> &[(String, String)] {
        &self.pairs
    }

    /// `filter[field][op]=value` (and `filter[field]=value`, read as `eq`) pairs, as
    /// `(field, op, value)`.
    pub fn filters(&self) -> Vec<(String, String, String)> {
        self.pairs
            .iter()
            .filter_map(|(k, v)| {
                let rest = k.strip_prefix("filter[")?;
                let (field, rest) = rest.split_once(']')?;
                let op = match rest {
                    "" => "eq",
                    _ => rest.strip_prefix('[')?.strip_suffix(']')?,
                };
                Some((field.to_owned(), op.to_owned(), v.clone()))
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_the_docs_encoded_filter() {
        let q = Query::parse(Some(
            "filter%5Bname%5D%5Bcontains%5D=quickstart&page%5Bsize%5D=5",
        ));
        assert_eq!(
            q.filters(),
            vec![("name".into(), "contains".into(), "quickstart".into())]
        );
        assert_eq!(q.get("page[size]"), Some("5"));
    }

    #[test]
    fn plain_brackets_shorthand_eq_and_spaces() {
        let q = Query::parse(Some(
            "filter[name]=Appointments%20Dev&filter[id][eq]=x&a=b+c",
        ));
        assert_eq!(
            q.filters(),
            vec![
                ("name".into(), "eq".into(), "Appointments Dev".into()),
                ("id".into(), "eq".into(), "x".into())
            ]
        );
        assert_eq!(q.get("a"), Some("b c"));
        assert_eq!(Query::parse(None).pairs().len(), 0);
    }
}
