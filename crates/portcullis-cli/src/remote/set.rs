//! `--set KEY=VALUE` and `--file FILE`: the body of a create or update, as kcadm's `-s`
//! and `-f` build it.

use std::io::Read as _;
use std::path::Path;

use serde_json::{Map, Value};

use super::error::CliError;

/// Reads a JSON object from a file, or from stdin when the path is `-`.
pub fn read_file(path: &Path) -> Result<Value, CliError> {
    let text = if path.as_os_str() == "-" {
        let mut s = String::new();
        std::io::stdin().read_to_string(&mut s)?;
        s
    } else {
        std::fs::read_to_string(path).map_err(|e| CliError::Invalid(format!("cannot read {}: {e}", path.display())))?
    };
    let v: Value = serde_json::from_str(&text)
        .map_err(|e| CliError::Invalid(format!("{}: line {}, column {}: {e}", path.display(), e.line(), e.column())))?;
    if !v.is_object() {
        return Err(CliError::Invalid(format!("{}: expected a JSON object", path.display())));
    }
    Ok(v)
}

/// Applies `KEY=VALUE` assignments to `target`. A dotted key (`attributes.team`) reaches
/// into nested objects, creating them. A value that parses as JSON (`true`, `3`,
/// `["a","b"]`, `"quoted"`) is taken as that JSON; anything else is a string.
pub fn apply(target: &mut Value, assignments: &[String]) -> Result<(), CliError> {
    for a in assignments {
        let (key, raw) = a
            .split_once('=')
            .filter(|(k, _)| !k.is_empty())
            .ok_or_else(|| CliError::Invalid(format!("--set {a}: expected KEY=VALUE")))?;
        let value = serde_json::from_str::<Value>(raw).unwrap_or_else(|_| Value::String(raw.to_owned()));
        let mut node = &mut *target;
        let parts: Vec<&str> = key.split('.').collect();
        let (last, parents) = parts.split_last().ok_or_else(|| CliError::Invalid(format!("--set {a}: empty key")))?;
        for p in parents {
            let obj = as_object(node, key)?;
            node = obj.entry((*p).to_owned()).or_insert_with(|| Value::Object(Map::new()));
        }
        as_object(node, key)?.insert((*last).to_owned(), value);
    }
    Ok(())
}

fn as_object<'a>(v: &'a mut Value, key: &str) -> Result<&'a mut Map<String, Value>, CliError> {
    if v.is_null() {
        *v = Value::Object(Map::new());
    }
    v.as_object_mut().ok_or_else(|| CliError::Invalid(format!("--set {key}: a parent of this key is not an object")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn assignments_build_nested_json() {
        let mut v = json!({"clientId": "a", "attributes": {"x": "1"}});
        apply(
            &mut v,
            &[
                "enabled=false".into(),
                "attributes.team=blue".into(),
                "redirectUris=[\"https://a/*\"]".into(),
                "name=has = sign".into(),
                "description=\"true\"".into(),
            ],
        )
        .unwrap();
        assert_eq!(
            v,
            json!({"clientId": "a", "enabled": false, "attributes": {"x": "1", "team": "blue"},
                   "redirectUris": ["https://a/*"], "name": "has = sign", "description": "true"})
        );
    }

    #[test]
    fn bad_assignments_are_refused() {
        let mut v = json!({"clientId": "a"});
        assert!(apply(&mut v, &["novalue".into()]).is_err());
        assert!(apply(&mut v, &["=x".into()]).is_err());
        assert!(apply(&mut v, &["clientId.x=1".into()]).is_err(), "clientId is a string, not an object");
    }
}
