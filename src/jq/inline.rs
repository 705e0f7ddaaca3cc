//! Which programs are cheap enough to evaluate on the caller's thread: [`is_cheap`].
//!
//! An evaluation thread exists for the programs that can run long (`range(1e9)`, `.[] as $x
//! | .[]`, `[combinations]`): the caller walks away from one at the time limit. Handing every
//! evaluation to that thread and back cost two thread wake-ups, more than evaluating the
//! scenario's snapshot views and predicates (`{name, enabled}`, `.data | length == 1`).
//!
//! A program is cheap when its work is bounded by its length times the input's size: it is
//! built only from `.`, paths with literal keys and indices, at most one iteration `[]` in
//! the whole program (so no term runs more times than the input has elements, and nothing
//! multiplies), array and object construction, `//`, `and`, `or`, `not`, `length`,
//! literals, and comparisons with a literal on one side (comparing two values of the input
//! could cost their size at each of the iteration's elements). Anything else (any other
//! call, arithmetic, interpolation, variables, `reduce`, `if`, `try`, slices) goes to an
//! evaluation thread as before. jaq evaluates both: only the thread differs.

use jaq_core::load::Lexer;
use jaq_core::load::lex::StrPart;
use jaq_core::load::parse::{BinaryOp, Parser, Term};
use jaq_core::path::Part;

/// Whether `expr` (already through the sandbox) may be evaluated on the caller's thread.
pub(super) fn is_cheap(expr: &str) -> bool {
    let Ok(tokens) = Lexer::new(expr).lex() else {
        return false;
    };
    let Ok(term) = Parser::new(&tokens).parse(Parser::term) else {
        return false;
    };
    let mut iterations = 0;
    cheap(&term, &mut iterations) && iterations <= 1
}

/// Whether `term` is built only from cheap parts, counting its iterations into `iterations`.
fn cheap(term: &Term<&str>, iterations: &mut usize) -> bool {
    match term {
        Term::Id | Term::Num(_) => true,
        Term::Str(None, parts) => plain(parts),
        Term::Call(name, args) => {
            args.is_empty() && matches!(*name, "length" | "not" | "null" | "true" | "false")
        }
        Term::Arr(None) => true,
        Term::Arr(Some(inner)) | Term::Neg(inner) => cheap(inner, iterations),
        Term::Obj(entries) => entries.iter().all(|(key, value)| {
            literal_key(key) && value.as_ref().is_none_or(|v| cheap(v, iterations))
        }),
        Term::Path(base, path) => {
            cheap(base, iterations)
                && path.0.iter().all(|(part, _)| match part {
                    Part::Index(index) => literal(index),
                    Part::Range(None, None) => {
                        *iterations += 1;
                        true
                    }
                    Part::Range(..) => false,
                })
        }
        Term::BinOp(left, op, right) => match op {
            // Not `,`: `[{a: (1, 2), b: (1, 2), …}]` doubles its work with each key.
            BinaryOp::Pipe(None) | BinaryOp::Alt | BinaryOp::Or | BinaryOp::And => {
                cheap(left, iterations) && cheap(right, iterations)
            }
            BinaryOp::Cmp(_) => {
                (literal(left) || literal(right))
                    && cheap(left, iterations)
                    && cheap(right, iterations)
            }
            _ => false,
        },
        _ => false,
    }
}

/// A string without interpolation.
fn plain(parts: &[StrPart<&str, Term<&str>>]) -> bool {
    parts
        .iter()
        .all(|p| matches!(p, StrPart::Str(_) | StrPart::Char(_)))
}

/// A number, a plain string, `null`, `true` or `false`.
fn literal(term: &Term<&str>) -> bool {
    match term {
        Term::Num(_) => true,
        Term::Str(None, parts) => plain(parts),
        Term::Call(name, args) => args.is_empty() && matches!(*name, "null" | "true" | "false"),
        _ => false,
    }
}

/// An object key written as a name or a plain string (`{name}`, `{"a b": 1}`).
fn literal_key(term: &Term<&str>) -> bool {
    matches!(term, Term::Str(None, parts) if plain(parts))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_scenarios_views_and_predicates_are_cheap() {
        for expr in [
            ".",
            ".id",
            ".data | length == 1",
            ".data[0].name == \"quickstart\"",
            "{names: [.data[].name], total: .meta.page.total}",
            "{name, enabled, protocols, route, service, consumer, config: (.config | {issuer, auth_methods, audience})}",
            "{method, url, authorization: .headers.Authorization}",
            "[.data[] | .id]",
            ".a // \"none\"",
            ".a and (.b | not)",
            "{\"a b\": .x}",
            ".x?",
        ] {
            assert!(is_cheap(expr), "{expr}");
        }
    }

    #[test]
    fn anything_that_can_run_long_goes_to_a_thread() {
        for expr in [
            "range(1e9)",
            "[range(10)]",
            "last(range(1e10))",
            ".[] as $x | .[]",
            "[.[][]]",
            "{a: .x[], b: .y[]}",
            ".[] == .",
            ".a == .b",
            ".a + .b",
            "[combinations]",
            "map(.id)",
            "reduce .[] as $x (0; . + 1)",
            "\"\\(.a)\"",
            "@base64",
            ".a[1:]",
            ".[.k]",
            "if .a then 1 else 2 end",
            "..",
            "$__loc__",
            "not a program (",
            ".x, .y",
            "[{a: (1, 2), b: (1, 2), c: (1, 2)}]",
        ] {
            assert!(!is_cheap(expr), "{expr}");
        }
    }
}
