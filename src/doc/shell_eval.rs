//! [`evaluate`]: the few shell idioms the docs use to make a value, done without a shell.
//!
//! - generators: `openssl rand -base64 N`, `openssl rand -hex N`, `uuidgen` (a salt, a
//!   provision key): a fresh random value, the same for the whole run;
//! - encoders: `echo -n "$A:$B" | base64` and `printf '%s' "$A:$B" | base64` (Basic
//!   credentials): the template whose base64 the value is, computed at run time by the
//!   converter from the responses that hold `$A` and `$B`.
//!
//! Anything else is not evaluated; the caller reports it.

use base64::Engine as _;
use rand::RngExt as _;

/// What a command makes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Evaluated {
    /// A value known now (a random salt).
    Literal(String),
    /// The base64 of this text, whose `$VARS` are known only at run time.
    Base64Of(String),
}

/// The command of a value that is one command substitution: `$(openssl rand -base64 16)` →
/// `openssl rand -base64 16`.
pub fn command_substitution(value: &str) -> Option<&str> {
    let inner = value.trim().strip_prefix("$(")?.strip_suffix(')')?;
    (!inner.contains("$(")).then(|| inner.trim())
}

/// Evaluates `command`, if it is one of the idioms above.
pub fn evaluate(command: &str) -> Option<Evaluated> {
    let words: Vec<&str> = command.split_whitespace().collect();
    match words.as_slice() {
        ["openssl", "rand", "-base64", n] => {
            let bytes = random_bytes(n.parse().ok().filter(|n| *n <= 1024)?);
            Some(Evaluated::Literal(
                base64::engine::general_purpose::STANDARD.encode(bytes),
            ))
        }
        ["openssl", "rand", "-hex", n] => {
            let bytes = random_bytes(n.parse().ok().filter(|n| *n <= 1024)?);
            Some(Evaluated::Literal(
                bytes.iter().map(|b| format!("{b:02x}")).collect(),
            ))
        }
        ["uuidgen"] => Some(Evaluated::Literal(uuid::Uuid::new_v4().to_string())),
        _ => base64_of(command).map(Evaluated::Base64Of),
    }
}

fn random_bytes(n: usize) -> Vec<u8> {
    let mut rng = rand::rng();
    (0..n).map(|_| rng.random::<u8>()).collect()
}

/// `echo -n "TEXT" | base64` or `printf '%s' "TEXT" | base64` (quotes single or double): TEXT.
fn base64_of(command: &str) -> Option<String> {
    let (producer, consumer) = command.split_once('|')?;
    if consumer.trim() != "base64" {
        return None;
    }
    let producer = producer.trim();
    let rest = producer
        .strip_prefix("echo -n ")
        .or_else(|| producer.strip_prefix("printf '%s' "))
        .or_else(|| producer.strip_prefix("printf \"%s\" "))
        // The doc reader's shell words have their quotes removed already.
        .or_else(|| producer.strip_prefix("printf %s "))?
        .trim();
    let unquoted = rest
        .strip_prefix('"')
        .and_then(|r| r.strip_suffix('"'))
        .or_else(|| rest.strip_prefix('\'').and_then(|r| r.strip_suffix('\'')))
        .unwrap_or(rest);
    (!unquoted.is_empty() && !unquoted.contains(['`', '"', '\''])).then(|| unquoted.to_owned())
}

/// The parts of a template: literal text and `$VAR` / `${VAR}` names, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Part {
    /// Text as written.
    Text(String),
    /// A variable's name.
    Var(String),
}

/// Splits `text` into [`Part`]s.
pub fn parts(text: &str) -> Vec<Part> {
    let mut out = Vec::new();
    let mut literal = String::new();
    let mut chars = text.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        if c != '$' {
            literal.push(c);
            continue;
        }
        let braced = text[i + 1..].starts_with('{');
        let start = i + 1 + usize::from(braced);
        let len = text[start..]
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(text.len() - start);
        if len == 0 {
            literal.push(c);
            continue;
        }
        if !literal.is_empty() {
            out.push(Part::Text(std::mem::take(&mut literal)));
        }
        out.push(Part::Var(text[start..start + len].to_owned()));
        let end = start + len + usize::from(braced);
        while chars.peek().is_some_and(|(j, _)| *j < end) {
            chars.next();
        }
    }
    if !literal.is_empty() {
        out.push(Part::Text(literal));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generators_make_fresh_values_of_the_asked_size() {
        let Some(Evaluated::Literal(salt)) = evaluate("openssl rand -base64 16") else {
            panic!("not evaluated")
        };
        assert_eq!(
            base64::engine::general_purpose::STANDARD
                .decode(&salt)
                .unwrap()
                .len(),
            16
        );
        let Some(Evaluated::Literal(hex)) = evaluate("openssl rand -hex 8") else {
            panic!("not evaluated")
        };
        assert_eq!(hex.len(), 16);
        let Some(Evaluated::Literal(id)) = evaluate("uuidgen") else {
            panic!("not evaluated")
        };
        assert!(uuid::Uuid::parse_str(&id).is_ok());
        assert_eq!(evaluate("openssl rand -base64 999999"), None);
        assert_eq!(evaluate("curl https://x"), None);
    }

    #[test]
    fn basic_credential_idioms_are_recognised() {
        for command in [
            "echo -n \"$CLIENT_ID:$CLIENT_SECRET\" | base64",
            "printf '%s' \"$CLIENT_ID:$CLIENT_SECRET\" | base64",
            "echo -n '$CLIENT_ID:$CLIENT_SECRET' | base64",
            "printf %s $CLIENT_ID:$CLIENT_SECRET | base64",
            "echo -n $CLIENT_ID:$CLIENT_SECRET | base64",
        ] {
            assert_eq!(
                evaluate(command),
                Some(Evaluated::Base64Of("$CLIENT_ID:$CLIENT_SECRET".to_owned())),
                "{command}"
            );
        }
        assert_eq!(
            evaluate("echo \"$A\" | base64"),
            None,
            "echo adds a newline"
        );
        assert_eq!(evaluate("echo -n \"$A\" | base64 -d"), None);
        assert_eq!(
            command_substitution("$(echo -n \"$A:$B\" | base64)"),
            Some("echo -n \"$A:$B\" | base64")
        );
        assert_eq!(command_substitution("x$(y)"), None);
    }

    #[test]
    fn templates_split_into_text_and_variables() {
        assert_eq!(
            parts("$A:${B}x"),
            [
                Part::Var("A".into()),
                Part::Text(":".into()),
                Part::Var("B".into()),
                Part::Text("x".into())
            ]
        );
        assert_eq!(parts("a$ b"), [Part::Text("a$ b".into())]);
    }
}
