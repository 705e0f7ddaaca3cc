//! `$VAR` and `${VAR}` templates, written as in the Kong docs.
//!
//! A variable name is `[A-Z_][A-Z0-9_]*`, the same pattern the docs site uses to escape
//! environment variables in rendered curl commands (`escape_env_variables`). A `$` that does
//! not start such a name is literal text, so jq-like or shell-like text passes through.

use super::model::{Template, TemplatePart};

/// A problem in a template's syntax.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateError {
    /// Byte offset of the problem inside the template.
    pub offset: usize,
    /// A lowercase fragment describing the problem.
    pub message: String,
}

impl Template {
    /// A template with no variables.
    pub fn literal(text: impl Into<String>) -> Self {
        let text = text.into();
        let parts = if text.is_empty() {
            Vec::new()
        } else {
            vec![TemplatePart::Literal(text.clone())]
        };
        Self { raw: text, parts }
    }

    /// Parses `$VAR` and `${VAR}` references.
    pub fn parse(text: &str) -> Result<Self, TemplateError> {
        let bytes = text.as_bytes();
        let mut parts = Vec::new();
        let mut literal = String::new();
        let mut i = 0;
        while i < bytes.len() {
            if bytes[i] == b'$' {
                if bytes.get(i + 1) == Some(&b'{') {
                    let Some(close) = text[i + 2..].find('}') else {
                        return Err(TemplateError {
                            offset: i,
                            message: "unclosed `${`".to_owned(),
                        });
                    };
                    let name = &text[i + 2..i + 2 + close];
                    if !is_var_name(name) {
                        return Err(TemplateError {
                            offset: i,
                            message: format!(
                                "`${{{name}}}` is not a variable name (expected `[A-Z_][A-Z0-9_]*`)"
                            ),
                        });
                    }
                    flush(&mut literal, &mut parts);
                    parts.push(TemplatePart::Var(name.to_owned()));
                    i += close + 3;
                    continue;
                }
                let len = var_len(&bytes[i + 1..]);
                if len > 0 {
                    flush(&mut literal, &mut parts);
                    parts.push(TemplatePart::Var(text[i + 1..i + 1 + len].to_owned()));
                    i += 1 + len;
                    continue;
                }
            }
            // Push the whole UTF-8 character starting at `i`.
            let ch = text[i..].chars().next().unwrap_or('\u{fffd}');
            literal.push(ch);
            i += ch.len_utf8();
        }
        flush(&mut literal, &mut parts);
        Ok(Self {
            raw: text.to_owned(),
            parts,
        })
    }

    /// Renders the template, asking `lookup` for each variable; the first missing variable
    /// is returned as the error.
    pub fn render<'a>(&self, lookup: impl Fn(&str) -> Option<&'a str>) -> Result<String, String> {
        let mut out = String::with_capacity(self.raw.len());
        for part in &self.parts {
            match part {
                TemplatePart::Literal(text) => out.push_str(text),
                TemplatePart::Var(name) => match lookup(name) {
                    Some(value) => out.push_str(value),
                    None => return Err(name.clone()),
                },
            }
        }
        Ok(out)
    }

    /// If the template is exactly one variable reference, its name.
    pub fn single_var(&self) -> Option<&str> {
        match self.parts.as_slice() {
            [TemplatePart::Var(name)] => Some(name),
            _ => None,
        }
    }
}

/// Whether `name` is a valid variable name.
pub fn is_var_name(name: &str) -> bool {
    !name.is_empty() && var_len(name.as_bytes()) == name.len()
}

fn var_len(bytes: &[u8]) -> usize {
    match bytes.first() {
        Some(b) if b.is_ascii_uppercase() || *b == b'_' => {}
        _ => return 0,
    }
    bytes
        .iter()
        .take_while(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || **b == b'_')
        .count()
}

fn flush(literal: &mut String, parts: &mut Vec<TemplatePart>) {
    if !literal.is_empty() {
        parts.push(TemplatePart::Literal(std::mem::take(literal)));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_both_forms_and_keeps_literals() {
        let t = Template::parse("/v1/auth-servers/$AUTH_SERVER_ID/scopes?x=${RUN_ID}-a").unwrap();
        assert_eq!(t.vars().collect::<Vec<_>>(), ["AUTH_SERVER_ID", "RUN_ID"]);
        let out = t
            .render(|n| match n {
                "AUTH_SERVER_ID" => Some("abc"),
                "RUN_ID" => Some("r1"),
                _ => None,
            })
            .unwrap();
        assert_eq!(out, "/v1/auth-servers/abc/scopes?x=r1-a");
    }

    #[test]
    fn lowercase_dollar_is_literal() {
        let t = Template::parse("price $5 and $lower").unwrap();
        assert_eq!(t.vars().count(), 0);
        assert_eq!(t.render(|_| None).unwrap(), "price $5 and $lower");
    }

    #[test]
    fn missing_variable_is_named() {
        let t = Template::parse("Bearer $ACCESS_TOKEN").unwrap();
        assert_eq!(t.render(|_| None).unwrap_err(), "ACCESS_TOKEN");
    }

    #[test]
    fn bad_braces_are_errors() {
        assert_eq!(Template::parse("${OPEN").unwrap_err().offset, 0);
        assert!(Template::parse("x ${lower}").is_err());
    }

    #[test]
    fn single_var_detects_whole_reference() {
        assert_eq!(
            Template::parse("$SCOPE_ID").unwrap().single_var(),
            Some("SCOPE_ID")
        );
        assert_eq!(Template::parse("a$SCOPE_ID").unwrap().single_var(), None);
    }
}
