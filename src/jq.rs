//! jq programs, compiled once and run over JSON: [`Program`] is the main type.
//!
//! Scenario files use jq for captures (`.id`), predicates (`.data | length == 1`) and
//! snapshot views. docflow runs them with the jaq crates (jaq-core, the jaq-std standard
//! library and jaq-json values), so the language is real jq, not a hand-written subset.
//!
//! Scenario jq is sandboxed ([`sandbox`]): no environment, input, exit, printing or
//! user-defined recursion, and each evaluation that could run long runs on an evaluation
//! thread ([`workers`], reused between evaluations) with a bounded stack, a time budget and
//! caps on its outputs, so a hostile program is an error, never a hang, an abort or a leak.
//! Programs whose work is bounded by their input ([`inline`]) run on the caller's thread.
//! Programs are compiled once per process (a bounded cache keyed by text) and the library's
//! definitions are parsed once.

mod inline;
mod path;
pub mod sandbox;
mod workers;

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use jaq_core::load::{Arena, File, Loader};
use jaq_core::{Compiler, Ctx, ValX, Vars, data};
use jaq_json::Val;
use serde::Deserialize;
use serde_json::Value;

use workers::Unfinished;

/// The compiled filter type: native functions over jaq-json values.
type Filter = jaq_core::Filter<data::JustLut<Val>>;

/// Programs that produce more values than this are cut off with an error, so a runaway
/// `range(1e9)` cannot exhaust memory.
const MAX_OUTPUTS: usize = 10_000;

/// Most bytes of output (as JSON) one evaluation may produce.
const MAX_OUTPUT_BYTES: usize = 16 * 1024 * 1024;

/// Deepest output value converted (deeper is an error, not a stack overflow).
const MAX_OUTPUT_DEPTH: usize = 512;

/// Longest one evaluation may run.
pub const TIME_LIMIT: Duration = Duration::from_secs(2);

/// Most compiled programs kept (the cache is emptied past it).
const CACHE_CAPACITY: usize = 4_096;

/// A jq program that compiled.
#[derive(Clone)]
pub struct Program {
    expr: String,
    /// Shared so a program can be cloned into every step that uses it.
    filter: Arc<Filter>,
    /// The program as a plain path (`.data[0].id`), followed without jaq when it can be.
    path: Option<Arc<path::Path>>,
    /// Whether jaq may evaluate it on the caller's thread ([`inline::is_cheap`]).
    inline: bool,
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
    /// Parses and compiles `expr` with the sandboxed jq standard library; a program already
    /// compiled in this process is reused.
    pub fn compile(expr: &str) -> Result<Self, JqError> {
        if let Some((filter, inline)) = cache().lock().ok().and_then(|c| c.get(expr).cloned()) {
            return Ok(Self::new(expr, filter, inline));
        }
        sandbox::check(expr)?;
        // A plain path calls no library definition: compiling it without them costs a
        // fraction (jaq compiles every definition it is given).
        let defs: &[_] = if path::Path::parse(expr).is_some() {
            &[]
        } else {
            std_defs()
        };
        let filter = compile_with(expr, defs)?;
        let filter = Arc::new(filter);
        let inline = inline::is_cheap(expr);
        if let Ok(mut cache) = cache().lock() {
            if cache.len() >= CACHE_CAPACITY {
                cache.clear();
            }
            cache.insert(expr.to_owned(), (filter.clone(), inline));
        }
        Ok(Self::new(expr, filter, inline))
    }

    fn new(expr: &str, filter: Arc<Filter>, inline: bool) -> Self {
        Self {
            expr: expr.to_owned(),
            filter,
            path: path::Path::parse(expr).map(Arc::new),
            inline,
        }
    }

    /// The program's text.
    pub fn expr(&self) -> &str {
        &self.expr
    }

    /// Runs the program over `input` and collects every output; the first run-time error
    /// (`.a` on a number, `error("x")`) ends the run, and so does passing [`TIME_LIMIT`],
    /// [`MAX_OUTPUTS`] values or [`MAX_OUTPUT_BYTES`] bytes.
    ///
    /// The evaluation runs on an evaluation thread: a time-out returns an error at once and
    /// the thread is abandoned (it ends when the job does; the sandbox leaves no endless loop
    /// in the language, only long ones). A plain path, and a program whose work is bounded by
    /// its input ([`inline`]), run on the caller's thread.
    pub fn run(&self, input: &Value) -> Result<Vec<Value>, String> {
        self.run_within(input, TIME_LIMIT)
    }

    fn run_within(&self, input: &Value, limit: Duration) -> Result<Vec<Value>, String> {
        // A plain path needs no evaluation thread; anything it cannot answer goes to jaq.
        if let Some(found) = self.path.as_ref().and_then(|p| p.follow(input))
            && path::within_caps(found)
        {
            return Ok(vec![found.clone()]);
        }
        if self.inline {
            return evaluate(&self.filter, input.clone(), &self.expr);
        }
        self.run_on_jaq(input, limit)
    }

    fn run_on_jaq(&self, input: &Value, limit: Duration) -> Result<Vec<Value>, String> {
        // jaq values are not `Send`: the evaluation thread converts its own copy.
        let input = input.clone();
        let filter = self.filter.clone();
        let expr = self.expr.clone();
        match workers::run_bounded(move || evaluate(&filter, input, &expr), limit) {
            Ok(result) => result,
            Err(Unfinished::TimedOut) => {
                Err(format!("jq `{}` ran longer than {:?}", self.expr, limit))
            }
            Err(Unfinished::NoThread(e)) => Err(format!("jq `{}` could not start: {e}", self.expr)),
            Err(Unfinished::Failed) => Err(format!("jq `{}` failed unexpectedly", self.expr)),
        }
    }
}

/// Compiles `expr` (already sandbox-checked) against the library definitions `defs` and the
/// allowed native functions.
fn compile_with(
    expr: &str,
    defs: &[jaq_core::load::parse::Def<&'static str>],
) -> Result<Filter, JqError> {
    let funs = jaq_core::funs()
        .chain(jaq_std::funs())
        .chain(jaq_json::funs())
        .filter(|(name, _, _)| sandbox::allowed_native(name));
    let arena = Arena::default();
    let program = File {
        code: expr,
        path: (),
    };
    let modules = Loader::new(defs.iter().cloned())
        .load(&arena, program)
        .map_err(|errs| load_error(expr, errs))?;
    Compiler::default()
        .with_funs(funs)
        .compile(modules)
        .map_err(|errs| compile_error(expr, errs))
}

/// A compiled program and whether it may run on the caller's thread.
type Compiled = (Arc<Filter>, bool);

/// The process-wide cache of compiled programs.
fn cache() -> &'static Mutex<HashMap<String, Compiled>> {
    static CACHE: OnceLock<Mutex<HashMap<String, Compiled>>> = OnceLock::new();
    CACHE.get_or_init(Mutex::default)
}

/// One evaluation, on the evaluation thread or, for a cheap program, the caller's.
fn evaluate(filter: &Filter, input: Value, expr: &str) -> Result<Vec<Value>, String> {
    let input = Val::deserialize(&input)
        .map_err(|e| format!("cannot convert the input to a jq value: {e}"))?;
    let ctx = Ctx::<data::JustLut<Val>>::new(&filter.lut, Vars::new([]));
    let mut out = Vec::new();
    let mut bytes = 0usize;
    for result in filter.id.run((ctx, input)) {
        let val = value_or_error(result).map_err(|err| format!("jq `{expr}` failed: {err}"))?;
        let json =
            to_json(&val, 0, &mut bytes).map_err(|why| format!("jq `{expr}` produced {why}"))?;
        out.push(json);
        if out.len() > MAX_OUTPUTS {
            return Err(format!(
                "jq `{expr}` produced more than {MAX_OUTPUTS} values"
            ));
        }
    }
    Ok(out)
}

/// A value, or the error as text. `halt` (unreachable through the sandbox) is an error too:
/// jaq's own `unwrap_valr` would exit the process.
fn value_or_error(result: ValX<Val>) -> Result<Val, String> {
    result.map_err(|exn| match exn.get_err() {
        Ok(err) => err.to_string(),
        Err(_) => "the program tried to halt".to_owned(),
    })
}

/// The jq definitions of the standard library (`map`, `select`, `test`, …), parsed once:
/// parsing them is most of the cost of compiling a short program.
fn std_defs() -> &'static [jaq_core::load::parse::Def<&'static str>] {
    static DEFS: OnceLock<Vec<jaq_core::load::parse::Def<&'static str>>> = OnceLock::new();
    DEFS.get_or_init(|| {
        jaq_core::defs()
            .chain(jaq_std::defs())
            .chain(jaq_json::defs())
            .filter(sandbox::allowed_def)
            .collect()
    })
}

/// jq truthiness: everything except `null` and `false` is true.
pub fn is_truthy(value: &Value) -> bool {
    !matches!(value, Value::Null | Value::Bool(false))
}

/// Converts a jaq value to JSON, counting its bytes into `bytes`. Byte strings become
/// (lossy) text, non-finite numbers become `null` as in jq's output, and non-string object
/// keys are written as JSON text. Too deep or too large a value is an error.
fn to_json(val: &Val, depth: usize, bytes: &mut usize) -> Result<Value, String> {
    if depth > MAX_OUTPUT_DEPTH {
        return Err(format!(
            "a value nested deeper than {MAX_OUTPUT_DEPTH} levels"
        ));
    }
    *bytes += 8;
    if *bytes > MAX_OUTPUT_BYTES {
        return Err(format!("more than {MAX_OUTPUT_BYTES} bytes"));
    }
    let text = |b: &[u8], bytes: &mut usize| {
        *bytes += b.len();
        if *bytes > MAX_OUTPUT_BYTES {
            return Err(format!("more than {MAX_OUTPUT_BYTES} bytes"));
        }
        Ok(String::from_utf8_lossy(b).into_owned())
    };
    Ok(match val {
        Val::Null => Value::Null,
        Val::Bool(b) => Value::Bool(*b),
        Val::Num(n) => {
            let text = n.to_string();
            serde_json::from_str::<serde_json::Number>(&text)
                .map(Value::Number)
                .or_else(|_| text.parse::<f64>().map(Value::from))
                .unwrap_or(Value::Null)
        }
        Val::TStr(b) | Val::BStr(b) => Value::String(text(b, bytes)?),
        Val::Arr(items) => Value::Array(
            items
                .iter()
                .map(|v| to_json(v, depth + 1, bytes))
                .collect::<Result<_, _>>()?,
        ),
        Val::Obj(map) => {
            let mut object = serde_json::Map::new();
            for (k, v) in map.iter() {
                let key = match k {
                    Val::TStr(b) | Val::BStr(b) => text(b, bytes)?,
                    other => other.to_string(),
                };
                object.insert(key, to_json(v, depth + 1, bytes)?);
            }
            Value::Object(object)
        }
    })
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
    fn plain_paths_answer_as_jaq_does() {
        let inputs = [
            json!({"id": "a1", "data": [{"id": 7, "name": "n"}], "meta": {"page": {"total": 1}}}),
            json!({"data": []}),
            json!({"data": "text", "id": null}),
            json!([{"id": 1}, 2]),
            json!(null),
            json!(3),
        ];
        let exprs = [
            ".",
            ".id",
            ".data[0].id",
            ".data[3]",
            ".meta.page.total",
            ".[0]",
            ".[0].id",
            ".data.id",
            ".id.deeper",
        ];
        for expr in exprs {
            let program = Program::compile(expr).unwrap();
            assert!(program.path.is_some(), "{expr}");
            // What jaq answers with the whole library, as every other program is compiled.
            let full = Program {
                expr: expr.to_owned(),
                filter: Arc::new(compile_with(expr, std_defs()).unwrap()),
                path: None,
                inline: false,
            };
            for input in &inputs {
                let reference = full.run(input);
                assert_eq!(program.run(input), reference, "{expr} on {input}");
                let without_library = program.run_on_jaq(input, TIME_LIMIT);
                assert_eq!(without_library, reference, "{expr} on {input}");
            }
        }
    }

    /// A cheap program gives on the caller's thread exactly what it gives on an evaluation
    /// thread: values, errors and all.
    #[test]
    fn cheap_programs_answer_alike_on_either_thread() {
        let inputs = [
            json!({"data": [{"id": "a", "name": "quickstart"}, {"id": "b"}], "meta": {"page": {"total": 2}}}),
            json!({"data": []}),
            json!({"data": "text"}),
            json!(42),
            json!(null),
            json!([1, 2, 3]),
        ];
        for expr in [
            ".data | length == 1",
            ".data[0].name == \"quickstart\"",
            "{names: [.data[].name], total: .meta.page.total}",
            "{id: .data[0].id, none: .nothing}",
            ".data // \"none\"",
            "[.[]]",
            "length",
        ] {
            let program = Program::compile(expr).unwrap();
            assert!(program.inline, "{expr}");
            for input in &inputs {
                assert_eq!(
                    program.run(input),
                    program.run_on_jaq(input, TIME_LIMIT),
                    "{expr} on {input}"
                );
            }
        }
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
    fn sandboxed_filters_are_load_errors_naming_them() {
        for (program, name) in [
            ("env", "env"),
            ("$ENV", "$ENV"),
            (".a | halt_error", "halt_error"),
            ("halt", "halt"),
            ("input", "input"),
            ("stderr", "stderr"),
            ("debug", "debug"),
            ("def f: f; f", "def"),
            ("repeat(1)", "repeat"),
        ] {
            let err = Program::compile(program).unwrap_err();
            assert!(
                err.message.contains(&format!("`{name}`")),
                "{program}: {err:?}"
            );
        }
    }

    #[test]
    fn runaway_programs_are_errors_not_hangs_or_aborts() {
        let input = json!({});
        // Too many values.
        let err = Program::compile("range(100000)")
            .unwrap()
            .run(&input)
            .unwrap_err();
        assert!(err.contains("more than"), "{err}");
        // Too long: a loop that yields nothing.
        let started = std::time::Instant::now();
        let err = Program::compile("last(range(1e6))")
            .unwrap()
            .run_within(&input, Duration::from_millis(5))
            .unwrap_err();
        assert!(err.contains("ran longer than"), "{err}");
        assert!(started.elapsed() < Duration::from_secs(1));
        // Too deep an output.
        let err = Program::compile("reduce range(2000) as $i (null; [.])")
            .unwrap()
            .run(&input)
            .unwrap_err();
        assert!(err.contains("nested deeper"), "{err}");
        // Too large an output.
        let err = Program::compile(r#""x" * 20000000"#)
            .unwrap()
            .run(&input)
            .unwrap_err();
        assert!(err.contains("bytes"), "{err}");
    }

    #[test]
    fn compiled_once_per_process() {
        let a = Program::compile(".compiled_once").unwrap();
        let b = Program::compile(".compiled_once").unwrap();
        assert!(Arc::ptr_eq(&a.filter, &b.filter));
    }

    #[test]
    fn program_is_send_and_sync() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<Program>();
    }
}
