//! jq programs, compiled once and run over JSON: [`Program`] is the main type.
//!
//! Scenario files use jq for captures (`.id`), predicates (`.data | length == 1`) and
//! snapshot views. docflow runs them with the jaq crates (jaq-core, the jaq-std standard
//! library and jaq-json values), so the language is real jq, not a hand-written subset.

use std::fmt;
use std::sync::{Arc, OnceLock};

use jaq_core::load::{Arena, File, Loader};
use jaq_core::{Compiler, Ctx, Vars, data, unwrap_valr};
use jaq_json::Val;
use serde::Deserialize;
use serde_json::Value;

/// The compiled filter type: native functions over jaq-json values.
type Filter = jaq_core::Filter<data::JustLut<Val>>;

/// Programs that produce more values than this are cut off with an error, so a runaway
/// `range(1e9)` cannot exhaust memory.
const MAX_OUTPUTS: usize = 10_000;

/// A jq program that compiled.
#[derive(Clone)]
pub struct Program {
    expr: String,
    /// Shared so a program can be cloned into every step that uses it.
    filter: Arc<Filter>,
}

impl fmt::Debug for Program {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Program").field(&self.expr).finish()
    }
}

/// Why a jq program did not compile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JqError {
    /// A lowercase fragment describing the first problem.
    pub message: String,
    /// Byte offset of the problem inside the program, when jaq points at one.
    pub offset: Option<usize>,
}

impl fmt::Display for JqError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for JqError {}

impl Program {
    /// Parses and compiles `expr` with the jq standard library.
    pub fn compile(expr: &str) -> Result<Self, JqError> {
        let defs = std_defs().iter().cloned();
        let funs = jaq_core::funs()
            .chain(jaq_std::funs())
            .chain(jaq_json::funs());
        let arena = Arena::default();
        let program = File {
            code: expr,
            path: (),
        };
        let modules = Loader::new(defs)
            .load(&arena, program)
            .map_err(|errs| load_error(expr, errs))?;
        let filter = Compiler::default()
            .with_funs(funs)
            .compile(modules)
            .map_err(|errs| compile_error(expr, errs))?;
        Ok(Self {
            expr: expr.to_owned(),
            filter: Arc::new(filter),
        })
    }

    /// The program's text.
    pub fn expr(&self) -> &str {
        &self.expr
    }

    /// Runs the program over `input` and collects every output; the first run-time error
    /// (`.a` on a number, `error("x")`) ends the run.
    pub fn run(&self, input: &Value) -> Result<Vec<Value>, String> {
        let input = Val::deserialize(input)
            .map_err(|e| format!("cannot convert the input to a jq value: {e}"))?;
        let ctx = Ctx::<data::JustLut<Val>>::new(&self.filter.lut, Vars::new([]));
        let mut out = Vec::new();
        for result in self.filter.id.run((ctx, input)).map(unwrap_valr) {
            match result {
                Ok(val) => out.push(to_json(&val)),
                Err(err) => return Err(format!("jq `{}` failed: {err}", self.expr)),
            }
            if out.len() > MAX_OUTPUTS {
                return Err(format!(
                    "jq `{}` produced more than {MAX_OUTPUTS} values",
                    self.expr
                ));
            }
        }
        Ok(out)
    }
}

/// The jq definitions of the standard library (`map`, `select`, `test`, …), parsed once:
/// parsing them is most of the cost of compiling a short program.
fn std_defs() -> &'static [jaq_core::load::parse::Def<&'static str>] {
    static DEFS: OnceLock<Vec<jaq_core::load::parse::Def<&'static str>>> = OnceLock::new();
    DEFS.get_or_init(|| {
        jaq_core::defs()
            .chain(jaq_std::defs())
            .chain(jaq_json::defs())
            .collect()
    })
}

/// jq truthiness: everything except `null` and `false` is true.
pub fn is_truthy(value: &Value) -> bool {
    !matches!(value, Value::Null | Value::Bool(false))
}

/// Converts a jaq value to JSON. Byte strings become (lossy) text, non-finite numbers
/// become `null` as in jq's output, and non-string object keys are written as JSON text.
fn to_json(val: &Val) -> Value {
    match val {
        Val::Null => Value::Null,
        Val::Bool(b) => Value::Bool(*b),
        Val::Num(n) => {
            let text = n.to_string();
            serde_json::from_str::<serde_json::Number>(&text)
                .map(Value::Number)
                .or_else(|_| text.parse::<f64>().map(Value::from))
                .unwrap_or(Value::Null)
        }
        Val::TStr(bytes) | Val::BStr(bytes) => {
            Value::String(String::from_utf8_lossy(bytes).into_owned())
        }
        Val::Arr(items) => Value::Array(items.iter().map(to_json).collect()),
        Val::Obj(map) => Value::Object(
            map.iter()
                .map(|(k, v)| {
                    let key = match k {
                        Val::TStr(bytes) | Val::BStr(bytes) => {
                            String::from_utf8_lossy(bytes).into_owned()
                        }
                        other => other.to_string(),
                    };
                    (key, to_json(v))
                })
                .collect(),
        ),
    }
}

/// Byte offset of `part` inside `whole`, when `part` is a slice of it.
fn offset_in(whole: &str, part: &str) -> Option<usize> {
    let start = (part.as_ptr() as usize).checked_sub(whole.as_ptr() as usize)?;
    (start <= whole.len()).then_some(start)
}

fn load_error(expr: &str, errs: jaq_core::load::Errors<&str, ()>) -> JqError {
    use jaq_core::load::Error;
    let first = errs.into_iter().next().map(|(_, e)| e);
    match first {
        Some(Error::Lex(errs)) => match errs.first() {
            Some((expect, found)) => JqError {
                message: format!("expected {}", lex_expect(expect)),
                offset: offset_in(expr, found),
            },
            None => unknown(),
        },
        Some(Error::Parse(errs)) => match errs.first() {
            Some((expect, found)) => {
                let message = if found.is_empty() {
                    format!("expected {}, found the end of the program", expect.as_str())
                } else {
                    format!("expected {}, found `{found}`", expect.as_str())
                };
                JqError {
                    message,
                    offset: offset_in(expr, found),
                }
            }
            None => unknown(),
        },
        Some(Error::Io(errs)) => match errs.first() {
            Some((path, why)) => JqError {
                message: format!("cannot load module `{path}`: {why}"),
                offset: offset_in(expr, path),
            },
            None => unknown(),
        },
        None => unknown(),
    }
}

fn compile_error(expr: &str, errs: jaq_core::compile::Errors<&str, ()>) -> JqError {
    let first = errs
        .into_iter()
        .flat_map(|(_, errs)| errs.into_iter())
        .next();
    match first {
        Some((name, undefined)) => {
            let what = undefined.as_str();
            let message = match undefined {
                jaq_core::compile::Undefined::Filter(arity) => {
                    format!("undefined {what} `{name}/{arity}`")
                }
                _ => format!("undefined {what} `{name}`"),
            };
            JqError {
                message,
                offset: offset_in(expr, name),
            }
        }
        None => unknown(),
    }
}

/// Describes a lexer expectation without `Expect::as_str`, which panics on delimiters
/// it does not know.
fn lex_expect(expect: &jaq_core::load::lex::Expect<&str>) -> String {
    use jaq_core::load::lex::Expect;
    match expect {
        Expect::Digit => "a digit".to_owned(),
        Expect::Ident => "an identifier".to_owned(),
        Expect::Delim("(") => "a closing parenthesis".to_owned(),
        Expect::Delim("[") => "a closing bracket".to_owned(),
        Expect::Delim("{") => "a closing brace".to_owned(),
        Expect::Delim("\"") => "a closing quote".to_owned(),
        Expect::Delim(other) => format!("a match for `{other}`"),
        Expect::Escape => "a string escape sequence".to_owned(),
        Expect::Unicode => "a 4-digit hexadecimal code point".to_owned(),
        Expect::Token => "a token".to_owned(),
        _ => "something else".to_owned(),
    }
}

fn unknown() -> JqError {
    JqError {
        message: "invalid jq program".to_owned(),
        offset: None,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn run(expr: &str, input: Value) -> Vec<Value> {
        Program::compile(expr).unwrap().run(&input).unwrap()
    }

    #[test]
    fn field_and_index_paths() {
        assert_eq!(run(".id", json!({"id": "a1"})), [json!("a1")]);
        assert_eq!(
            run(".data[0].id", json!({"data": [{"id": 7}, {"id": 8}]})),
            [json!(7)]
        );
        assert_eq!(run(".missing", json!({})), [Value::Null]);
    }

    #[test]
    fn comparisons_and_length() {
        assert_eq!(
            run(".data | length == 1", json!({"data": [1]})),
            [json!(true)]
        );
        assert_eq!(
            run(".data | length == 1", json!({"data": [1, 2]})),
            [json!(false)]
        );
    }

    #[test]
    fn select_filters_values() {
        let input = json!({"data": [{"name": "a", "id": 1}, {"name": "b", "id": 2}]});
        assert_eq!(
            run(r#".data[] | select(.name == "b") | .id"#, input),
            [json!(2)]
        );
    }

    #[test]
    fn regex_test_from_the_standard_library() {
        let uuid = "0b5c6c1e-7a8d-4f4e-9c55-1d2f0a3b4c5d";
        assert_eq!(
            run(r#".id | test("^[0-9a-f-]{36}$")"#, json!({"id": uuid})),
            [json!(true)]
        );
        assert_eq!(
            run(r#".id | test("^[0-9a-f-]{36}$")"#, json!({"id": "nope"})),
            [json!(false)]
        );
    }

    #[test]
    fn string_interpolation() {
        assert_eq!(
            run(r#""\(.a)-\(.b)""#, json!({"a": "x", "b": 2})),
            [json!("x-2")]
        );
    }

    #[test]
    fn objects_keep_their_shape() {
        assert_eq!(
            run(
                "{method, url}",
                json!({"method": "GET", "url": "/a", "x": 1})
            ),
            [json!({"method": "GET", "url": "/a"})]
        );
        assert_eq!(run(".[] | . * 2", json!([1.5, 2])), [json!(3.0), json!(4)]);
    }

    #[test]
    fn compile_errors_have_messages_and_offsets() {
        let err = Program::compile(".a |").unwrap_err();
        assert!(err.message.contains("expected"), "{err:?}");

        let err = Program::compile(".a | nosuchfilter").unwrap_err();
        assert_eq!(err.message, "undefined filter `nosuchfilter/0`");
        assert_eq!(err.offset, Some(5));

        let err = Program::compile(r#"test("x"#).unwrap_err();
        assert!(err.message.contains("quote"), "{err:?}");

        assert!(Program::compile("$undefined").is_err());
        assert!(Program::compile("").is_err());
    }

    #[test]
    fn run_time_errors_are_reported() {
        let program = Program::compile(".a.b").unwrap();
        let err = program.run(&json!({"a": 5})).unwrap_err();
        assert!(err.contains(".a.b"), "{err}");
    }

    #[test]
    fn truthiness_follows_jq() {
        assert!(!is_truthy(&Value::Null));
        assert!(!is_truthy(&json!(false)));
        assert!(is_truthy(&json!(0)));
        assert!(is_truthy(&json!("")));
        assert!(is_truthy(&json!([])));
        assert!(is_truthy(&json!(true)));
    }

    #[test]
    fn program_is_send_and_sync() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<Program>();
    }
}
