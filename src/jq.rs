//! jq programs (temporary stub; replaced by the jaq-based implementation).

use serde_json::Value;

/// A compiled jq program.
#[derive(Debug, Clone)]
pub struct Program {
    expr: String,
}

/// A jq compile error.
#[derive(Debug, Clone)]
pub struct JqError {
    /// Message.
    pub message: String,
}

impl Program {
    /// Compiles `expr`.
    pub fn compile(expr: &str) -> Result<Self, JqError> {
        Ok(Self {
            expr: expr.to_owned(),
        })
    }

    /// Runs the program.
    pub fn run(&self, input: &Value) -> Result<Vec<Value>, String> {
        let path = self.expr.trim().trim_start_matches('.');
        let mut v = input.clone();
        for seg in path.split('.').filter(|s| !s.is_empty()) {
            v = v.get(seg).cloned().unwrap_or(Value::Null);
        }
        Ok(vec![v])
    }
}

/// jq truthiness.
pub fn is_truthy(v: &Value) -> bool {
    !matches!(v, Value::Null | Value::Bool(false))
}
