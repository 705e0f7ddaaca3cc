//! Dynamic claim templates ([`Template`]): the subset of Kong Identity's Go-template syntax
//! (`${ … }` delimiters, sprig functions) that the mock understands, parsed when a claim is
//! written and rendered when a token is minted.
//!
//! Supported inside `${ … }` (anything else is refused at claim creation or update with a 400
//! naming the unsupported part):
//!
//! - context fields: `.Client.{ID, Name, CreatedAt, UpdatedAt, LoginURI, GrantTypes,
//!   RedirectURIs, ResponseTypes, AllowAllScopes, Labels.<key>}` and
//!   `.AuthServer.{ID, Name, Description, Audience, SigningAlgorithm, CreatedAt, UpdatedAt,
//!   Labels.<key>}`;
//! - literals: `"double-quoted"` and `` `raw` `` strings, integers, `true`, `false`;
//! - functions: `uuidv4`, `upper X`, `lower X`, `trim X`, `default D X`, `randAlphaNum N`,
//!   `now`, `date LAYOUT T` (Go reference-time layouts such as `"2006-01-02T15:04:05Z07:00"`);
//! - pipelines: `X | f a` calls `f a X`, as in Go templates (`X | default "v"`, `X | upper`);
//! - plain text around and between the expressions.
//!
//! Rendering follows Go's printing: lists print as `[a b]`, times as
//! `2025-09-23 13:04:47.789958 +0000 UTC`, a missing label as `<no value>` and a null
//! `LoginURI` as `<nil>` (Go's defaults; which missing-key option Kong uses is UNVERIFIED).
//! [`infer_type`] then turns the rendered text into the claim's JSON value.

use std::fmt;

use rand::RngExt as _;
use serde_json::Value;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::model::{AuthServer, Client};

/// A parsed claim value. The default is the empty static value.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Template {
    parts: Vec<Part>,
}

/// Why a claim value is not a supported template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateError(String);

impl fmt::Display for TemplateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for TemplateError {}

/// What a template is rendered against.
#[derive(Debug, Clone, Copy)]
pub struct TemplateContext<'a> {
    /// The auth server minting the token.
    pub server: &'a AuthServer,
    /// The client the token is for.
    pub client: &'a Client,
    /// The time of minting (for `now`).
    pub now: OffsetDateTime,
}

#[derive(Debug, Clone, PartialEq)]
enum Part {
    Text(String),
    Expr(Vec<Command>),
}

#[derive(Debug, Clone, PartialEq)]
enum Command {
    Operand(Operand),
    Call(Func, Vec<Operand>),
}

#[derive(Debug, Clone, PartialEq)]
enum Operand {
    Var(Var),
    Str(String),
    Int(i64),
    Bool(bool),
    /// A function without arguments used as an argument (`upper uuidv4`).
    Call0(Func),
}

#[derive(Debug, Clone, PartialEq)]
enum Var {
    ClientId,
    ClientName,
    ClientCreatedAt,
    ClientUpdatedAt,
    ClientLoginUri,
    ClientGrantTypes,
    ClientRedirectUris,
    ClientResponseTypes,
    ClientAllowAllScopes,
    ClientLabel(String),
    ServerId,
    ServerName,
    ServerDescription,
    ServerAudience,
    ServerSigningAlgorithm,
    ServerCreatedAt,
    ServerUpdatedAt,
    ServerLabel(String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Func {
    Uuidv4,
    Upper,
    Lower,
    Trim,
    Default,
    RandAlphaNum,
    Now,
    Date,
}

impl Func {
    fn from_name(name: &str) -> Option<Self> {
        Some(match name {
            "uuidv4" => Self::Uuidv4,
            "upper" => Self::Upper,
            "lower" => Self::Lower,
            "trim" => Self::Trim,
            "default" => Self::Default,
            "randAlphaNum" => Self::RandAlphaNum,
            "now" => Self::Now,
            "date" => Self::Date,
            _ => return None,
        })
    }

    fn name(self) -> &'static str {
        match self {
            Self::Uuidv4 => "uuidv4",
            Self::Upper => "upper",
            Self::Lower => "lower",
            Self::Trim => "trim",
            Self::Default => "default",
            Self::RandAlphaNum => "randAlphaNum",
            Self::Now => "now",
            Self::Date => "date",
        }
    }

    fn arity(self) -> usize {
        match self {
            Self::Uuidv4 | Self::Now => 0,
            Self::Upper | Self::Lower | Self::Trim | Self::RandAlphaNum => 1,
            Self::Default | Self::Date => 2,
        }
    }
}

/// A runtime value, printed as Go prints it.
#[derive(Debug, Clone)]
enum Val {
    Str(String),
    Int(i64),
    Bool(bool),
    Time(OffsetDateTime),
    List(Vec<String>),
    /// Go's nil-ish values, with how Go prints them.
    Nil(&'static str),
}

impl Val {
    fn print(&self) -> String {
        match self {
            Self::Str(s) => s.clone(),
            Self::Int(n) => n.to_string(),
            Self::Bool(b) => b.to_string(),
            Self::Time(t) => go_format("2006-01-02 15:04:05.999999999 -0700 MST", *t),
            Self::List(items) => format!("[{}]", items.join(" ")),
            Self::Nil(text) => (*text).to_owned(),
        }
    }

    /// sprig's `empty`.
    fn is_empty(&self) -> bool {
        match self {
            Self::Str(s) => s.is_empty(),
            Self::Int(n) => *n == 0,
            Self::Bool(b) => !b,
            Self::Time(_) => false,
            Self::List(items) => items.is_empty(),
            Self::Nil(_) => true,
        }
    }
}

impl Template {
    /// Parses `value`; text without `${` is a static value.
    pub fn parse(value: &str) -> Result<Self, TemplateError> {
        let mut parts = Vec::new();
        let mut rest = value;
        while let Some(start) = rest.find("${") {
            if start > 0 {
                parts.push(Part::Text(rest[..start].to_owned()));
            }
            let body_start = start + 2;
            let end = closing_brace(&rest[body_start..]).ok_or_else(|| {
                TemplateError(format!(
                    "unterminated template expression `{}`",
                    &rest[start..]
                ))
            })?;
            let body = &rest[body_start..body_start + end];
            let expr =
                parse_pipeline(body).map_err(|e| TemplateError(format!("{e} in `${{{body}}}`")))?;
            parts.push(Part::Expr(expr));
            rest = &rest[body_start + end + 1..];
        }
        if !rest.is_empty() {
            parts.push(Part::Text(rest.to_owned()));
        }
        Ok(Self { parts })
    }

    /// Whether the value has any `${ … }` expression.
    pub fn is_dynamic(&self) -> bool {
        self.parts.iter().any(|p| matches!(p, Part::Expr(_)))
    }

    /// The rendered text.
    pub fn render(&self, ctx: &TemplateContext<'_>) -> String {
        let mut out = String::new();
        for part in &self.parts {
            match part {
                Part::Text(text) => out.push_str(text),
                Part::Expr(commands) => out.push_str(&eval_pipeline(commands, ctx).print()),
            }
        }
        out
    }

    /// The claim's value in a token: rendered, then typed by [`infer_type`].
    pub fn render_value(&self, ctx: &TemplateContext<'_>) -> Value {
        infer_type(&self.render(ctx))
    }
}

/// The claim type inferred from rendered text (facts §2.2: string, int, float, bool or JSON):
/// integers and finite floats become numbers, `true`/`false` booleans, JSON objects and arrays
/// JSON; anything else stays a string. Exactly which spellings Kong accepts as numbers and
/// booleans is UNVERIFIED.
pub fn infer_type(text: &str) -> Value {
    if let Ok(n) = text.parse::<i64>() {
        return Value::from(n);
    }
    let looks_numeric = text
        .bytes()
        .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'-' | b'+' | b'e' | b'E'))
        && text.bytes().any(|b| b.is_ascii_digit());
    if looks_numeric
        && let Ok(f) = text.parse::<f64>()
        && let Some(n) = serde_json::Number::from_f64(f)
    {
        return Value::Number(n);
    }
    match text {
        "true" => return Value::Bool(true),
        "false" => return Value::Bool(false),
        _ => {}
    }
    let trimmed = text.trim();
    if (trimmed.starts_with('{') || trimmed.starts_with('['))
        && let Ok(json) = serde_json::from_str::<Value>(trimmed)
    {
        return json;
    }
    Value::String(text.to_owned())
}

/// The byte offset of the `}` closing an expression body, skipping string literals.
fn closing_brace(body: &str) -> Option<usize> {
    let mut chars = body.char_indices();
    while let Some((i, c)) = chars.next() {
        match c {
            '}' => return Some(i),
            '"' => loop {
                match chars.next()?.1 {
                    '\\' => {
                        chars.next()?;
                    }
                    '"' => break,
                    _ => {}
                }
            },
            '`' => while chars.next()?.1 != '`' {},
            _ => {}
        }
    }
    None
}

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Pipe,
    Str(String),
    Int(i64),
    Ident(String),
    Field(String),
}

fn lex(body: &str) -> Result<Vec<Token>, String> {
    let mut tokens = Vec::new();
    let mut chars = body.chars().peekable();
    while let Some(&c) = chars.peek() {
        match c {
            c if c.is_whitespace() => {
                chars.next();
            }
            '|' => {
                chars.next();
                tokens.push(Token::Pipe);
            }
            '"' => {
                chars.next();
                let mut s = String::new();
                loop {
                    match chars.next() {
                        None => return Err("unterminated string".to_owned()),
                        Some('"') => break,
                        Some('\\') => match chars.next() {
                            Some('n') => s.push('\n'),
                            Some('t') => s.push('\t'),
                            Some(e @ ('\\' | '"')) => s.push(e),
                            _ => return Err("unsupported escape in string".to_owned()),
                        },
                        Some(other) => s.push(other),
                    }
                }
                tokens.push(Token::Str(s));
            }
            '`' => {
                chars.next();
                let s: String = chars.by_ref().take_while(|&c| c != '`').collect();
                tokens.push(Token::Str(s));
            }
            '.' | '$' | '_' | 'a'..='z' | 'A'..='Z' | '0'..='9' | '-' => {
                let mut word = String::new();
                while let Some(&c) = chars.peek() {
                    if c.is_alphanumeric() || matches!(c, '.' | '_' | '-' | '$') {
                        word.push(c);
                        chars.next();
                    } else {
                        break;
                    }
                }
                tokens.push(word_token(&word)?);
            }
            other => return Err(format!("unsupported syntax `{other}`")),
        }
    }
    Ok(tokens)
}

fn word_token(word: &str) -> Result<Token, String> {
    if word.starts_with('.') {
        return Ok(Token::Field(word.to_owned()));
    }
    if word.starts_with(|c: char| c.is_ascii_digit() || c == '-') {
        return word
            .parse()
            .map(Token::Int)
            .map_err(|_| format!("unsupported number `{word}`"));
    }
    if word.starts_with('$') {
        return Err(format!("unsupported variable `{word}`"));
    }
    Ok(Token::Ident(word.to_owned()))
}

fn parse_pipeline(body: &str) -> Result<Vec<Command>, String> {
    let tokens = lex(body)?;
    if tokens.is_empty() {
        return Err("empty expression".to_owned());
    }
    let mut commands = Vec::new();
    for (index, segment) in tokens.split(|t| *t == Token::Pipe).enumerate() {
        let piped = usize::from(index > 0);
        let command = parse_command(segment)?;
        match &command {
            Command::Operand(_) if piped == 1 => {
                return Err("a value cannot follow `|`; use a function".to_owned());
            }
            Command::Call(func, args) if args.len() + piped != func.arity() => {
                return Err(format!(
                    "`{}` expects {} argument(s), got {}",
                    func.name(),
                    func.arity(),
                    args.len() + piped
                ));
            }
            _ => {}
        }
        commands.push(command);
    }
    check_types(&commands)?;
    Ok(commands)
}

fn parse_command(tokens: &[Token]) -> Result<Command, String> {
    let Some((first, args)) = tokens.split_first() else {
        return Err("empty command around `|`".to_owned());
    };
    if let Token::Ident(name) = first
        && let Some(func) = Func::from_name(name)
    {
        let args = args.iter().map(operand).collect::<Result<Vec<_>, _>>()?;
        return Ok(Command::Call(func, args));
    }
    let value = operand(first)?;
    if !args.is_empty() {
        return Err("arguments given to a value that is not a function".to_owned());
    }
    Ok(Command::Operand(value))
}

fn operand(token: &Token) -> Result<Operand, String> {
    Ok(match token {
        Token::Str(s) => Operand::Str(s.clone()),
        Token::Int(n) => Operand::Int(*n),
        Token::Field(path) => Operand::Var(parse_var(path)?),
        Token::Ident(name) if name == "true" => Operand::Bool(true),
        Token::Ident(name) if name == "false" => Operand::Bool(false),
        Token::Ident(name) => match Func::from_name(name) {
            Some(func) if func.arity() == 0 => Operand::Call0(func),
            Some(func) => {
                return Err(format!(
                    "`{}` needs arguments; nested calls need parentheses, which are unsupported",
                    func.name()
                ));
            }
            None => return Err(format!("unsupported function `{name}`")),
        },
        Token::Pipe => return Err("unexpected `|`".to_owned()),
    })
}

fn parse_var(path: &str) -> Result<Var, String> {
    let segments: Vec<&str> = path.trim_start_matches('.').split('.').collect();
    let var = match segments.as_slice() {
        ["Client", "ID"] => Var::ClientId,
        ["Client", "Name"] => Var::ClientName,
        ["Client", "CreatedAt"] => Var::ClientCreatedAt,
        ["Client", "UpdatedAt"] => Var::ClientUpdatedAt,
        ["Client", "LoginURI"] => Var::ClientLoginUri,
        ["Client", "GrantTypes"] => Var::ClientGrantTypes,
        ["Client", "RedirectURIs"] => Var::ClientRedirectUris,
        ["Client", "ResponseTypes"] => Var::ClientResponseTypes,
        ["Client", "AllowAllScopes"] => Var::ClientAllowAllScopes,
        ["Client", "Labels", key] if !key.is_empty() => Var::ClientLabel((*key).to_owned()),
        ["AuthServer", "ID"] => Var::ServerId,
        ["AuthServer", "Name"] => Var::ServerName,
        ["AuthServer", "Description"] => Var::ServerDescription,
        ["AuthServer", "Audience"] => Var::ServerAudience,
        ["AuthServer", "SigningAlgorithm"] => Var::ServerSigningAlgorithm,
        ["AuthServer", "CreatedAt"] => Var::ServerCreatedAt,
        ["AuthServer", "UpdatedAt"] => Var::ServerUpdatedAt,
        ["AuthServer", "Labels", key] if !key.is_empty() => Var::ServerLabel((*key).to_owned()),
        _ => return Err(format!("unsupported field `{path}`")),
    };
    Ok(var)
}

/// Static checks Go would only fail at render time: `randAlphaNum` wants a literal count,
/// `date` a string layout and a time.
fn check_types(commands: &[Command]) -> Result<(), String> {
    let is_time = |op: &Operand| {
        matches!(
            op,
            Operand::Call0(Func::Now)
                | Operand::Var(
                    Var::ClientCreatedAt
                        | Var::ClientUpdatedAt
                        | Var::ServerCreatedAt
                        | Var::ServerUpdatedAt
                )
        )
    };
    let mut previous_is_time = false;
    for (index, command) in commands.iter().enumerate() {
        match command {
            Command::Call(Func::RandAlphaNum, args) => match args.first() {
                Some(Operand::Int(n)) if (0..=1024).contains(n) => {}
                _ => return Err("`randAlphaNum` expects a count from 0 to 1024".to_owned()),
            },
            Command::Call(Func::Date, args) => {
                let layout_ok = matches!(args.first(), Some(Operand::Str(_)));
                let time_ok = match args.get(1) {
                    Some(op) => is_time(op),
                    None => index > 0 && previous_is_time,
                };
                if !layout_ok || !time_ok {
                    return Err(
                        "`date` expects a string layout and a time (`now`, `.Client.CreatedAt`, …)"
                            .to_owned(),
                    );
                }
            }
            _ => {}
        }
        previous_is_time = match command {
            Command::Operand(op) => is_time(op),
            Command::Call(Func::Now, _) => true,
            Command::Call(..) => false,
        };
    }
    Ok(())
}

fn eval_pipeline(commands: &[Command], ctx: &TemplateContext<'_>) -> Val {
    let mut piped: Option<Val> = None;
    for command in commands {
        let value = match command {
            Command::Operand(op) => eval_operand(op, ctx),
            Command::Call(func, args) => {
                let mut values: Vec<Val> = args.iter().map(|a| eval_operand(a, ctx)).collect();
                values.extend(piped.take());
                call(*func, &values, ctx)
            }
        };
        piped = Some(value);
    }
    piped.unwrap_or(Val::Nil("<no value>"))
}

fn eval_operand(op: &Operand, ctx: &TemplateContext<'_>) -> Val {
    match op {
        Operand::Str(s) => Val::Str(s.clone()),
        Operand::Int(n) => Val::Int(*n),
        Operand::Bool(b) => Val::Bool(*b),
        Operand::Call0(func) => call(*func, &[], ctx),
        Operand::Var(var) => eval_var(var, ctx),
    }
}

fn time_of(timestamp: &str) -> Val {
    OffsetDateTime::parse(timestamp, &Rfc3339).map_or(Val::Nil("<nil>"), Val::Time)
}

fn eval_var(var: &Var, ctx: &TemplateContext<'_>) -> Val {
    let client = ctx.client;
    let server = ctx.server;
    let label = |labels: &std::collections::BTreeMap<String, String>, key: &str| {
        labels
            .get(key)
            .map_or(Val::Nil("<no value>"), |v| Val::Str(v.clone()))
    };
    match var {
        Var::ClientId => Val::Str(client.id.clone()),
        Var::ClientName => Val::Str(client.name.clone()),
        Var::ClientCreatedAt => time_of(&client.created_at),
        Var::ClientUpdatedAt => time_of(&client.updated_at),
        Var::ClientLoginUri => client.login_uri.clone().map_or(Val::Nil("<nil>"), Val::Str),
        Var::ClientGrantTypes => Val::List(client.grant_types.clone()),
        Var::ClientRedirectUris => Val::List(client.redirect_uris.clone()),
        Var::ClientResponseTypes => Val::List(client.response_types.clone()),
        Var::ClientAllowAllScopes => Val::Bool(client.allow_all_scopes),
        Var::ClientLabel(key) => label(&client.labels, key),
        Var::ServerId => Val::Str(server.id.clone()),
        Var::ServerName => Val::Str(server.name.clone()),
        Var::ServerDescription => Val::Str(server.description.clone()),
        Var::ServerAudience => Val::Str(server.audience.clone()),
        Var::ServerSigningAlgorithm => Val::Str(server.signing_algorithm.clone()),
        Var::ServerCreatedAt => time_of(&server.created_at),
        Var::ServerUpdatedAt => time_of(&server.updated_at),
        Var::ServerLabel(key) => label(&server.labels, key),
    }
}

fn call(func: Func, args: &[Val], ctx: &TemplateContext<'_>) -> Val {
    let arg = |i: usize| args.get(i).cloned().unwrap_or(Val::Nil("<no value>"));
    match func {
        Func::Uuidv4 => Val::Str(uuid::Uuid::new_v4().to_string()),
        Func::Upper => Val::Str(arg(0).print().to_uppercase()),
        Func::Lower => Val::Str(arg(0).print().to_lowercase()),
        Func::Trim => Val::Str(arg(0).print().trim().to_owned()),
        Func::Default => {
            let value = arg(1);
            if value.is_empty() { arg(0) } else { value }
        }
        Func::RandAlphaNum => {
            let n = match arg(0) {
                Val::Int(n) => usize::try_from(n).unwrap_or(0).min(1024),
                _ => 0,
            };
            Val::Str(rand_alpha_num(n))
        }
        Func::Now => Val::Time(ctx.now),
        Func::Date => match (arg(0), arg(1)) {
            (Val::Str(layout), Val::Time(t)) => Val::Str(go_format(&layout, t)),
            (_, other) => other,
        },
    }
}

fn rand_alpha_num(n: usize) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    let mut rng = rand::rng();
    (0..n)
        .map(|_| char::from(ALPHABET[rng.random_range(0..ALPHABET.len())]))
        .collect()
}

/// Formats `t` (shown in UTC) with a Go reference-time layout (`Mon Jan 2 15:04:05 MST 2006`).
fn go_format(layout: &str, t: OffsetDateTime) -> String {
    let t = t.to_offset(time::UtcOffset::UTC);
    let chunks = go_chunks(t);
    let mut out = String::new();
    let mut rest = layout;
    'outer: while !rest.is_empty() {
        if let Some(fraction) = fraction_chunk(rest) {
            out.push_str(&go_fraction(fraction, t));
            rest = &rest[fraction.len()..];
            continue;
        }
        for (chunk, value) in &chunks {
            if rest.starts_with(chunk) {
                out.push_str(value);
                rest = &rest[chunk.len()..];
                continue 'outer;
            }
        }
        let mut chars = rest.chars();
        if let Some(c) = chars.next() {
            out.push(c);
        }
        rest = chars.as_str();
    }
    out
}

/// Go's layout chunks and what each stands for at `t` (in UTC), longest first, as Go's
/// `nextStdChunk` prefers them.
fn go_chunks(t: OffsetDateTime) -> [(&'static str, String); 32] {
    const MONTHS: [&str; 12] = [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ];
    const DAYS: [&str; 7] = [
        "Monday",
        "Tuesday",
        "Wednesday",
        "Thursday",
        "Friday",
        "Saturday",
        "Sunday",
    ];
    let month_name = MONTHS[usize::from(u8::from(t.month())) - 1];
    let day_name = DAYS[usize::from(t.weekday().number_days_from_monday())];
    let hour12 = match t.hour() % 12 {
        0 => 12,
        h => h,
    };
    [
        ("January", month_name.to_owned()),
        ("Jan", month_name[..3].to_owned()),
        ("Monday", day_name.to_owned()),
        ("Mon", day_name[..3].to_owned()),
        ("MST", "UTC".to_owned()),
        ("2006", format!("{:04}", t.year())),
        ("Z07:00:00", "Z".to_owned()),
        ("Z070000", "Z".to_owned()),
        ("Z07:00", "Z".to_owned()),
        ("Z0700", "Z".to_owned()),
        ("Z07", "Z".to_owned()),
        ("-07:00:00", "+00:00:00".to_owned()),
        ("-070000", "+000000".to_owned()),
        ("-07:00", "+00:00".to_owned()),
        ("-0700", "+0000".to_owned()),
        ("-07", "+00".to_owned()),
        ("002", format!("{:03}", t.ordinal())),
        ("01", format!("{:02}", u8::from(t.month()))),
        ("02", format!("{:02}", t.day())),
        ("03", format!("{hour12:02}")),
        ("04", format!("{:02}", t.minute())),
        ("05", format!("{:02}", t.second())),
        ("06", format!("{:02}", t.year() % 100)),
        ("_2", format!("{:>2}", t.day())),
        ("15", format!("{:02}", t.hour())),
        ("PM", if t.hour() >= 12 { "PM" } else { "AM" }.to_owned()),
        ("pm", if t.hour() >= 12 { "pm" } else { "am" }.to_owned()),
        ("1", u8::from(t.month()).to_string()),
        ("2", t.day().to_string()),
        ("3", hour12.to_string()),
        ("4", t.minute().to_string()),
        ("5", t.second().to_string()),
    ]
}

/// A fractional-seconds chunk (`.000` keeps its zeros, `.999` trims them) at `t`.
fn go_fraction(fraction: &str, t: OffsetDateTime) -> String {
    let digits = fraction.len() - 1;
    let nanos = format!("{:09}", t.nanosecond());
    let kept = &nanos[..digits.min(9)];
    if fraction[1..].starts_with('9') {
        let trimmed = kept.trim_end_matches('0');
        if trimmed.is_empty() {
            String::new()
        } else {
            format!("{}{trimmed}", &fraction[..1])
        }
    } else {
        format!("{}{kept}", &fraction[..1])
    }
}

/// A fractional-seconds chunk (`.000`, `,999999`) at the start of `s`: a separator, a run
/// of one repeated `0` or `9`, and no digit right after it.
fn fraction_chunk(s: &str) -> Option<&str> {
    let bytes = s.as_bytes();
    if !matches!(bytes.first(), Some(b'.' | b',')) {
        return None;
    }
    let digit = *bytes.get(1)?;
    if digit != b'0' && digit != b'9' {
        return None;
    }
    let run = bytes[1..].iter().take_while(|&&b| b == digit).count();
    if bytes.get(1 + run).is_some_and(u8::is_ascii_digit) {
        return None;
    }
    Some(&s[..1 + run])
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use serde_json::json;

    use super::*;
    use crate::secret::Secret;

    fn fixtures() -> (AuthServer, Client) {
        let server = AuthServer {
            id: "836fda4d-612c-4faf-9c45-284a0ecd637a".into(),
            issuer_id: "wt3fgfqb8r7fktwe".into(),
            name: "Appointments Dev".into(),
            description: "desc".into(),
            audience: "http://myhttpbin.dev".into(),
            signing_algorithm: "RS256".into(),
            issuer: "http://h/identity/wt3fgfqb8r7fktwe/auth".into(),
            labels: BTreeMap::from([("team".into(), "core".into())]),
            trusted_origins: None,
            created_at: "2025-09-23T13:04:47.789958Z".into(),
            updated_at: "2025-09-23T13:04:47.789958Z".into(),
        };
        let client = Client {
            id: "fxsn74prsnrcyskm".into(),
            secret: Secret::new("$CLIENT_SECRET", "x"),
            name: "Client".into(),
            grant_types: vec!["client_credentials".into()],
            redirect_uris: vec![],
            login_uri: None,
            access_token_duration: 3600,
            id_token_duration: 3600,
            allow_all_scopes: false,
            allow_scopes: vec![],
            labels: BTreeMap::from([("environment".into(), "staging".into())]),
            response_types: vec!["id_token".into(), "token".into()],
            token_endpoint_auth_method: "client_secret_post".into(),
            created_at: "2025-09-23T13:07:23.691662Z".into(),
            updated_at: "2025-09-23T13:07:23.691662Z".into(),
        };
        (server, client)
    }

    fn render(template: &str) -> String {
        let (server, client) = fixtures();
        let ctx = TemplateContext {
            server: &server,
            client: &client,
            now: time::macros::datetime!(2026-08-01 09:05:03.5 UTC),
        };
        Template::parse(template).unwrap().render(&ctx)
    }

    fn error(template: &str) -> String {
        Template::parse(template).unwrap_err().to_string()
    }

    #[test]
    fn static_values_are_not_dynamic() {
        assert!(!Template::parse("test").unwrap().is_dynamic());
        assert_eq!(render("test"), "test");
        assert_eq!(render("a $ b {c}"), "a $ b {c}");
    }

    #[test]
    fn renders_the_documented_examples() {
        assert_eq!(render("${ .Client.Name }"), "Client");
        assert_eq!(render("${ .Client.ID }"), "fxsn74prsnrcyskm");
        assert_eq!(
            render("${ .AuthServer.Audience }-${ .Client.ID }"),
            "http://myhttpbin.dev-fxsn74prsnrcyskm"
        );
        assert_eq!(
            render(r#"${ .Client.Labels.environment | default "production" }"#),
            "staging"
        );
        assert_eq!(
            render(r#"${ .Client.Labels.missing | default "production" }"#),
            "production"
        );
        assert_eq!(render("${ upper .Client.Name }"), "CLIENT");
        assert_eq!(render("${ .Client.Name | lower }"), "client");
        assert_eq!(render("${.AuthServer.Name|upper}"), "APPOINTMENTS DEV");
        assert_eq!(
            render("${ .AuthServer.ID }"),
            "836fda4d-612c-4faf-9c45-284a0ecd637a"
        );
        assert_eq!(render("${ .AuthServer.Labels.team }"), "core");
        assert_eq!(
            render(r#"${ now | date "2006-01-02T15:04:05Z07:00" }"#),
            "2026-08-01T09:05:03Z"
        );
        assert_eq!(render("${ randAlphaNum 16 }").len(), 16);
        let id = render("${ uuidv4 }");
        assert!(uuid::Uuid::parse_str(&id).is_ok(), "{id}");
        assert_ne!(render("${ uuidv4 }"), id);
    }

    #[test]
    fn prints_as_go_does() {
        assert_eq!(render("${ .Client.GrantTypes }"), "[client_credentials]");
        assert_eq!(render("${ .Client.AllowAllScopes }"), "false");
        assert_eq!(render("${ .Client.LoginURI }"), "<nil>");
        assert_eq!(render("${ .Client.Labels.missing }"), "<no value>");
        assert_eq!(
            render("${ .AuthServer.CreatedAt }"),
            "2025-09-23 13:04:47.789958 +0000 UTC"
        );
        assert_eq!(
            render(r#"${ date "Mon Jan _2 03:04:05.000 PM 2006 -0700" .Client.CreatedAt }"#),
            "Tue Sep 23 01:07:23.691 PM 2025 +0000"
        );
        assert_eq!(render(r#"${ "x" | upper }-${ `raw` }-${ 42 }"#), "X-raw-42");
    }

    #[test]
    fn refuses_what_it_does_not_support_and_names_it() {
        assert!(
            error("${ env \"HOME\" }").contains("`env`"),
            "{}",
            error("${ env \"HOME\" }")
        );
        assert!(error("${ .Client.Secret }").contains("`.Client.Secret`"));
        assert!(error("${ .Client.Name").contains("unterminated"));
        assert!(error("${ upper }").contains("`upper` expects 1"));
        assert!(error("${ upper .Client.Name .Client.ID }").contains("got 2"));
        assert!(error("${ .Client.Name | \"x\" }").contains("cannot follow"));
        assert!(error("${ (upper .Client.Name) }").contains("unsupported syntax"));
        assert!(error("${ }").contains("empty expression"));
        assert!(error("${ $x }").contains("unsupported variable"));
        assert!(error("${ randAlphaNum .Client.ID }").contains("randAlphaNum"));
        assert!(error("${ date \"2006\" .Client.Name }").contains("`date` expects"));
        assert!(error("${ .Client.ID \"x\" }").contains("not a function"));
    }

    #[test]
    fn braces_inside_strings_do_not_close_the_expression() {
        assert_eq!(render(r#"${ "a}b" | upper }"#), "A}B");
    }

    #[test]
    fn infers_claim_types() {
        assert_eq!(infer_type("test"), json!("test"));
        assert_eq!(infer_type("42"), json!(42));
        assert_eq!(infer_type("-7"), json!(-7));
        assert_eq!(infer_type("1.5"), json!(1.5));
        assert_eq!(infer_type("true"), json!(true));
        assert_eq!(infer_type("false"), json!(false));
        assert_eq!(infer_type(r#"{"a":[1,"b"]}"#), json!({"a":[1,"b"]}));
        assert_eq!(infer_type("[1,2]"), json!([1, 2]));
        assert_eq!(infer_type("{not json"), json!("{not json"));
        assert_eq!(infer_type("inf"), json!("inf"));
        assert_eq!(infer_type("NaN"), json!("NaN"));
        assert_eq!(infer_type("True"), json!("True"));
        assert_eq!(infer_type(""), json!(""));
    }

    #[test]
    fn go_layouts() {
        let t = time::macros::datetime!(2026-01-05 17:04:09.120 UTC);
        assert_eq!(
            go_format("2006-01-02 15:04:05.999999999 -0700 MST", t),
            "2026-01-05 17:04:09.12 +0000 UTC"
        );
        assert_eq!(
            go_format("Jan 2, 2006 at 3:04pm (MST)", t),
            "Jan 5, 2026 at 5:04pm (UTC)"
        );
        assert_eq!(
            go_format("Monday 002 06 .000000", t),
            "Monday 005 26 .120000"
        );
        let whole = time::macros::datetime!(2026-01-05 17:04:09 UTC);
        assert_eq!(go_format("05.999", whole), "09");
    }
}
