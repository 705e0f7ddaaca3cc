//! Liquid as the docs site evaluates it in how-tos and includes, line by line so that every
//! line the reader sees keeps its own `file:line`: whole-line `if`/`elsif`/`else`/`unless`/
//! `case`/`when`, `assign`, `capture`, `comment` and `raw` tags, include parameters
//! (`include.X`), and `{{ x }}` outputs of known variables (with the `indent` filter for
//! captured text). Anything else (loops, site data, inline tags) is left as written; a block
//! that still holds Liquid is listed as not run, never guessed at.

use std::collections::HashMap;

/// A Liquid value as the docs use them: text, a boolean, or nil.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    /// `nil`, or a variable nobody set.
    Nil,
    /// `true` / `false`.
    Bool(bool),
    /// Text (numbers too, as written).
    Text(String),
}

impl Value {
    /// Liquid truthiness: everything but `nil` and `false`.
    pub fn truthy(&self) -> bool {
        !matches!(self, Self::Nil | Self::Bool(false))
    }

    /// The value as output text.
    pub fn render(&self) -> String {
        match self {
            Self::Nil => String::new(),
            Self::Bool(b) => b.to_string(),
            Self::Text(t) => t.clone(),
        }
    }
}

/// The variables in scope: `include.X` parameters, `assign`ed names, `capture`d text.
#[derive(Debug, Clone, Default)]
pub struct Scope {
    vars: HashMap<String, Value>,
}

impl Scope {
    /// Sets `name` (`include.provider`, `insecure`).
    pub fn set(&mut self, name: impl Into<String>, value: Value) {
        self.vars.insert(name.into(), value);
    }

    /// Whether `name` is set.
    pub fn has(&self, name: &str) -> bool {
        self.vars.contains_key(name)
    }

    /// Evaluates an expression: a literal (`"x"`, `'x'`, `true`, `nil`, `3`) or a variable,
    /// then its filters (`| default: "x"`, `| downcase`, …; unknown filters keep the value).
    pub fn eval(&self, expr: &str) -> Value {
        let mut parts = expr.split('|');
        let mut value = self.term(parts.next().unwrap_or("").trim());
        for filter in parts {
            let (name, arg) = filter.split_once(':').unwrap_or((filter, ""));
            let arg = self.term(arg.trim());
            value = match name.trim() {
                "default" if !value.truthy() || value == Value::Text(String::new()) => arg,
                "downcase" => Value::Text(value.render().to_lowercase()),
                "upcase" => Value::Text(value.render().to_uppercase()),
                "strip" | "lstrip" | "rstrip" => Value::Text(value.render().trim().to_owned()),
                "append" => Value::Text(value.render() + &arg.render()),
                "prepend" => Value::Text(arg.render() + &value.render()),
                _ => value,
            };
        }
        value
    }

    fn term(&self, term: &str) -> Value {
        if let Some(inner) = unquote(term) {
            return Value::Text(inner.to_owned());
        }
        match term {
            "" | "nil" | "null" => Value::Nil,
            "true" => Value::Bool(true),
            "false" => Value::Bool(false),
            t if t.parse::<f64>().is_ok() => Value::Text(t.to_owned()),
            name => self.vars.get(name).cloned().unwrap_or(Value::Nil),
        }
    }

    /// Evaluates a condition: comparisons (`==`, `!=`, `contains`, `>`, `<`, …) joined by
    /// `and` / `or` (right to left, as Liquid does).
    pub fn condition(&self, cond: &str) -> bool {
        if let Some((left, right)) = split_word(cond, "or") {
            return self.condition(left) || self.condition(right);
        }
        if let Some((left, right)) = split_word(cond, "and") {
            return self.condition(left) && self.condition(right);
        }
        for op in ["==", "!=", "<>", ">=", "<=", ">", "<"] {
            if let Some((l, r)) = cond.split_once(op) {
                let (l, r) = (self.eval(l.trim()), self.eval(r.trim()));
                return compare(&l, &r, op);
            }
        }
        if let Some((l, r)) = split_word(cond, "contains") {
            return self.eval(l).render().contains(&self.eval(r).render());
        }
        self.eval(cond.trim()).truthy()
    }
}

fn compare(l: &Value, r: &Value, op: &str) -> bool {
    let numbers = l
        .render()
        .parse::<f64>()
        .ok()
        .zip(r.render().parse::<f64>().ok());
    match (op, numbers) {
        ("==", _) => l == r || (numbers.is_some_and(|(a, b)| a == b)),
        ("!=" | "<>", _) => !(l == r || numbers.is_some_and(|(a, b)| a == b)),
        (">=", Some((a, b))) => a >= b,
        ("<=", Some((a, b))) => a <= b,
        (">", Some((a, b))) => a > b,
        ("<", Some((a, b))) => a < b,
        _ => false,
    }
}

/// Splits at the first ` word ` outside quotes.
fn split_word<'a>(text: &'a str, word: &str) -> Option<(&'a str, &'a str)> {
    let needle = format!(" {word} ");
    let mut quote = None;
    for (i, c) in text.char_indices() {
        match (quote, c) {
            (None, '"' | '\'') => quote = Some(c),
            (Some(q), c) if c == q => quote = None,
            (None, _) if text[i..].starts_with(&needle) => {
                return Some((&text[..i], &text[i + needle.len()..]));
            }
            _ => {}
        }
    }
    None
}

fn unquote(term: &str) -> Option<&str> {
    ['"', '\'']
        .into_iter()
        .find_map(|q| term.strip_prefix(q)?.strip_suffix(q))
}

/// The parameters of an include tag (`provider="eks" service=include.service`), evaluated in
/// the including file's scope, as the included file's `include.X` variables.
pub fn include_scope(params: &str, caller: &Scope) -> Scope {
    let mut scope = Scope::default();
    for (key, value) in include_params(params) {
        scope.set(format!("include.{key}"), caller.eval(value));
    }
    scope
}

/// `key=value` pairs, values quoted or bare.
fn include_params(params: &str) -> Vec<(&str, &str)> {
    let mut out = Vec::new();
    let mut rest = params.trim();
    while let Some(eq) = rest.find('=') {
        let key = rest[..eq].trim();
        let after = rest[eq + 1..].trim_start();
        let end = match after.chars().next() {
            Some(q @ ('"' | '\'')) => after[1..].find(q).map_or(after.len(), |i| i + 2),
            _ => after.find(char::is_whitespace).unwrap_or(after.len()),
        };
        out.push((key, &after[..end]));
        rest = after[end..].trim_start();
    }
    out
}

/// Replaces every `{{ expr }}` whose variable is set in `scope`; others stay as written
/// (`{{site.x}}` is [`super::site`]'s).
pub fn substitute(text: &str, scope: &Scope) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(start) = rest.find("{{") {
        let Some(len) = rest[start..].find("}}") else {
            break;
        };
        let inner = &rest[start + 2..start + len];
        let var = inner
            .trim()
            .trim_start_matches('-')
            .split('|')
            .next()
            .unwrap_or("")
            .trim();
        out.push_str(&rest[..start]);
        if scope.has(var) {
            out.push_str(&scope.eval(inner.trim().trim_matches('-')).render());
        } else {
            out.push_str(&rest[start..start + len + 2]);
        }
        rest = &rest[start + len + 2..];
    }
    out.push_str(rest);
    out
}

/// The `indent: N` of a whole-line `{{ name | indent: N }}`, with `name`.
pub fn indent_output<'a>(line: &'a str, scope: &Scope) -> Option<(&'a str, usize)> {
    let inner = line.trim().strip_prefix("{{")?.strip_suffix("}}")?;
    let mut parts = inner.split('|').map(str::trim);
    let name = parts.next()?;
    let mut indent = 0;
    for filter in parts {
        if let Some(n) = filter.strip_prefix("indent:") {
            indent = scope.eval(n.trim()).render().parse().ok()?;
        }
    }
    Some((name, indent))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scope(pairs: &[(&str, Value)]) -> Scope {
        let mut s = Scope::default();
        for (k, v) in pairs {
            s.set(*k, v.clone());
        }
        s
    }

    #[test]
    fn conditions_compare_literals_and_variables() {
        let s = scope(&[
            ("include.type", Value::Text("private".into())),
            ("insecure", Value::Bool(true)),
        ]);
        assert!(s.condition("include.type == \"private\""));
        assert!(!s.condition("include.type == 'public'"));
        assert!(s.condition("insecure == true"));
        assert!(s.condition("insecure"));
        assert!(!s.condition("missing"));
        assert!(s.condition("missing or insecure"));
        assert!(!s.condition("missing and insecure"));
        assert!(s.condition("include.type contains \"priv\""));
        assert!(s.condition("3 > 2"));
    }

    #[test]
    fn include_parameters_are_evaluated_in_the_callers_scope() {
        let caller = scope(&[("include.service", Value::Text("svc".into()))]);
        let s = include_scope(
            r#"provider="eks" service=include.service flag=true"#,
            &caller,
        );
        assert_eq!(s.eval("include.provider"), Value::Text("eks".into()));
        assert_eq!(s.eval("include.service"), Value::Text("svc".into()));
        assert_eq!(s.eval("include.flag"), Value::Bool(true));
        assert_eq!(
            s.eval("include.none | default: 'x'"),
            Value::Text("x".into())
        );
    }

    #[test]
    fn outputs_of_known_variables_are_substituted() {
        let s = scope(&[("cluster", Value::Text("c1".into()))]);
        assert_eq!(
            substitute("name: {{cluster}}_vc {{ site.x }}", &s),
            "name: c1_vc {{ site.x }}"
        );
        assert_eq!(indent_output("{{ x | indent: 4 }}", &s), Some(("x", 4)));
    }
}
