//! Which fields of an imported file Portcullis did not take: the file as parsed, compared
//! with the typed document serialized back. A key present in the file and absent from the
//! document was not understood.

use std::collections::BTreeMap;

use serde_json::Value;

/// Paths of skipped keys with array indices folded to `[*]`, each with its count.
pub fn skipped(raw: &Value, kept: &Value) -> Vec<String> {
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    walk(raw, kept, "", &mut counts);
    counts.into_iter().map(|(path, n)| if n > 1 { format!("{path} ({n})") } else { path }).collect()
}

fn walk(raw: &Value, kept: &Value, path: &str, counts: &mut BTreeMap<String, usize>) {
    match (raw, kept) {
        (Value::Object(r), Value::Object(k)) => {
            for (key, value) in r {
                let here = if path.is_empty() { key.clone() } else { format!("{path}.{key}") };
                match k.get(key) {
                    Some(kv) => walk(value, kv, &here, counts),
                    // `null` and empty lists and objects carry nothing worth reporting.
                    None if is_empty(value) => {}
                    None => *counts.entry(here).or_default() += 1,
                }
            }
        }
        (Value::Array(r), Value::Array(k)) => {
            for (value, kv) in r.iter().zip(k) {
                walk(value, kv, &format!("{path}[*]"), counts);
            }
        }
        _ => {}
    }
}

fn is_empty(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::Array(a) => a.is_empty(),
        Value::Object(o) => o.is_empty(),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn unknown_keys_are_listed_once_per_path() {
        let raw = json!({"realm": "r", "smtpServer": {"host": "x"}, "groups": [],
            "clients": [{"clientId": "a", "authorizationSettings": {}, "nodeReRegistrationTimeout": 0},
                        {"clientId": "b", "nodeReRegistrationTimeout": -1}]});
        let kept = json!({"realm": "r", "clients": [{"clientId": "a"}, {"clientId": "b"}]});
        assert_eq!(skipped(&raw, &kept), vec!["clients[*].nodeReRegistrationTimeout (2)", "smtpServer"]);
    }
}
