//! Texts stored as a code and its parameters (an order's history notes, a check's result): an
//! enum tagged `code` with its fields under `params`, rendered in the reader's language when
//! read. Rows written before codes existed keep only a sentence.

use serde::Serialize;
use serde::de::DeserializeOwned;

/// The value a stored `code` and `params` (JSON) name; `None` without a code, or for a code this
/// build does not know.
pub(crate) fn read<T: DeserializeOwned>(code: Option<&str>, params: Option<&str>) -> Option<T> {
    let code = code?;
    let params: serde_json::Value = params
        .and_then(|p| serde_json::from_str(p).ok())
        .unwrap_or_else(|| serde_json::json!({}));
    let empty = params.as_object().is_some_and(serde_json::Map::is_empty);
    let value = if empty {
        serde_json::json!({ "code": code })
    } else {
        serde_json::json!({ "code": code, "params": params })
    };
    serde_json::from_value(value).ok()
}

/// The value's code (`note` when it has none).
pub(crate) fn code<T: Serialize>(value: &T) -> String {
    field(value, "code")
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_else(|| "note".to_owned())
}

/// The value's parameters, an object (empty when it has none).
pub(crate) fn params<T: Serialize>(value: &T) -> serde_json::Value {
    field(value, "params").unwrap_or_else(|| serde_json::json!({}))
}

fn field<T: Serialize>(value: &T, name: &str) -> Option<serde_json::Value> {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::Object(mut map)) => map.remove(name),
        _ => None,
    }
}
