//! What jq in a scenario may not do: [`check`] refuses a program that reads the environment
//! or input, exits, prints, defines its own (possibly endless) recursion, loops without
//! end, or nests deeper than the parser can take, naming the function and its offset.

use jaq_core::load::lex::{StrPart, Tok, Token};
use jaq_core::load::{Lexer, parse::Def};

use super::JqError;

/// Longest program accepted (scenario jq is a capture or a predicate).
pub const MAX_PROGRAM_LEN: usize = 4 * 1024;

/// Deepest bracket nesting accepted: jaq's lexer and parser recurse per level.
pub const MAX_NESTING: usize = 64;

/// Filters and variables refused, and why.
const DENIED: &[(&str, &str)] = &[
    ("env", "reads the environment"),
    ("$ENV", "reads the environment"),
    ("$__prog_args", "reads the command line"),
    ("input", "reads input"),
    ("inputs", "reads input"),
    ("input_filename", "reads input"),
    ("input_line_number", "reads input"),
    ("get_search_list", "reads the file system"),
    ("halt", "exits the process"),
    ("halt_error", "exits the process"),
    ("stderr", "prints unredacted values"),
    ("stderr_empty", "prints unredacted values"),
    ("debug", "prints unredacted values"),
    ("debug_empty", "prints unredacted values"),
    ("repeat", "never ends"),
    ("while", "can loop without end"),
    ("until", "can loop without end"),
    ("def", "defines filters, which can recurse without end"),
    ("import", "loads modules"),
    ("include", "loads modules"),
];

/// Native filters removed from the library altogether (defense in depth: even a library
/// definition cannot reach them).
const REMOVED_NATIVES: &[&str] = &[
    "env",
    "halt",
    "stderr_empty",
    "debug_empty",
    "input",
    "inputs",
];

/// Library definitions removed with them (they call removed natives).
const REMOVED_DEFS: &[&str] = &["stderr", "debug", "halt", "halt_error"];

/// Whether a native filter stays in the library.
pub fn allowed_native(name: &str) -> bool {
    !REMOVED_NATIVES.contains(&name)
}

/// Whether a library definition stays (those calling removed natives go).
pub fn allowed_def(def: &Def<&str>) -> bool {
    !REMOVED_DEFS.contains(&def.name)
}

/// Refuses programs that are too long, too deep, or use a denied filter.
pub fn check(expr: &str) -> Result<(), JqError> {
    if expr.len() > MAX_PROGRAM_LEN {
        return Err(JqError {
            message: format!("the program is longer than {MAX_PROGRAM_LEN} bytes"),
            offset: None,
        });
    }
    if let Some(offset) = too_deep(expr) {
        return Err(JqError {
            message: format!("the program nests deeper than {MAX_NESTING} levels"),
            offset: Some(offset),
        });
    }
    // Lexing errors are reported by the loader afterwards, with their own messages.
    let Ok(tokens) = Lexer::new(expr).lex() else {
        return Ok(());
    };
    scan(expr, &tokens)
}

/// The offset of the first bracket past [`MAX_NESTING`], counting outside strings roughly
/// (a string's brackets count too, which only errs on the safe side).
fn too_deep(expr: &str) -> Option<usize> {
    let mut depth = 0usize;
    for (i, c) in expr.char_indices() {
        match c {
            '(' | '[' | '{' => {
                depth += 1;
                if depth > MAX_NESTING {
                    return Some(i);
                }
            }
            ')' | ']' | '}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    None
}

fn scan(expr: &str, tokens: &[Token<&str>]) -> Result<(), JqError> {
    for Token(text, tok) in tokens {
        match tok {
            Tok::Word | Tok::Var => {
                // `f::g` names `g` of module `f`.
                let name = text.rsplit("::").next().unwrap_or(text);
                if let Some((denied, why)) = DENIED.iter().find(|(d, _)| *d == name) {
                    return Err(JqError {
                        message: format!("`{denied}` is not allowed in scenario jq: it {why}"),
                        offset: super::offset_in(expr, text),
                    });
                }
            }
            Tok::Block(inner) => scan(expr, inner)?,
            Tok::Str(parts) => {
                for part in parts {
                    if let StrPart::Term(term) = part {
                        scan(expr, std::slice::from_ref(term))?;
                    }
                }
            }
            _ => {}
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn denies_by_name_with_the_offset() {
        let err = check(".a | env.HOME").unwrap_err();
        assert!(err.message.contains("`env`"), "{err:?}");
        assert_eq!(err.offset, Some(5));
        for program in [
            "$ENV.PATH",
            "input",
            "halt_error",
            "halt",
            "stderr",
            "debug",
            "debug(.)",
            "def f: f; f",
            "repeat(1)",
            r#""\(env)""#,
            "[.[] | until(false; .)]",
        ] {
            assert!(check(program).is_err(), "{program}");
        }
    }

    #[test]
    fn allows_ordinary_programs_and_names_in_strings() {
        for program in [
            ".id",
            ".data | length == 1",
            r#""env" + .x"#,
            ".environment",
            "map(.a)",
        ] {
            assert!(check(program).is_ok(), "{program}");
        }
    }

    #[test]
    fn bounds_length_and_nesting() {
        assert!(check(&"(".repeat(100_000)).is_err());
        assert!(check(&".".repeat(MAX_PROGRAM_LEN + 1)).is_err());
    }
}
