//! What differs between a realm file and the server: compared field by field, only over
//! the fields the file names, so a file can describe as little as it wants.

use serde_json::{Map, Value};

/// Fields of `desired` whose value differs from `current`; `attributes` are compared key
/// by key, and mappers by name, type and config (their ids are the server's business).
pub fn changed_fields(desired: &Value, current: &Value, skip: &[&str]) -> Vec<String> {
    let mut out = Vec::new();
    let Some(d) = desired.as_object() else { return out };
    for (k, v) in d {
        if skip.contains(&k.as_str()) {
            continue;
        }
        let cur = current.get(k).unwrap_or(&Value::Null);
        match (k.as_str(), v) {
            ("attributes", Value::Object(attrs)) => {
                for (ak, av) in attrs {
                    if cur.get(ak) != Some(av) {
                        out.push(format!("attributes.{ak}"));
                    }
                }
            }
            ("protocolMappers", _) if mappers(v) != mappers(cur) => out.push(k.clone()),
            ("protocolMappers", _) => {}
            _ if !same(v, cur) => out.push(k.clone()),
            _ => {}
        }
    }
    out
}

/// Equal, counting an absent value as equal to an empty string, list or object (Keycloak
/// representations leave empty things out, or not).
fn same(a: &Value, b: &Value) -> bool {
    let empty = |v: &Value| match v {
        Value::Null => true,
        Value::String(s) => s.is_empty(),
        Value::Array(x) => x.is_empty(),
        Value::Object(x) => x.is_empty(),
        _ => false,
    };
    a == b || (empty(a) && empty(b))
}

fn mappers(v: &Value) -> Vec<(String, String, String)> {
    let mut out: Vec<(String, String, String)> = v
        .as_array()
        .into_iter()
        .flatten()
        .map(|m| {
            let s = |k: &str| m.get(k).and_then(Value::as_str).unwrap_or_default().to_owned();
            (s("name"), s("protocolMapper"), m.get("config").map(Value::to_string).unwrap_or_default())
        })
        .collect();
    out.sort();
    out
}

/// `current` with the fields of `desired` laid over it (`attributes` merged key by key).
pub fn overlay(current: &Value, desired: &Value, skip: &[&str]) -> Value {
    let mut merged = current.clone();
    let (Some(m), Some(d)) = (merged.as_object_mut(), desired.as_object()) else { return merged };
    for (k, v) in d {
        if skip.contains(&k.as_str()) {
            continue;
        }
        match (m.get_mut(k), v) {
            (Some(Value::Object(have)), Value::Object(add)) if k == "attributes" => {
                have.extend(add.iter().map(|(a, b)| (a.clone(), b.clone())));
            }
            _ => {
                m.insert(k.clone(), v.clone());
            }
        }
    }
    merged
}

/// The names in a list of representations.
pub fn names<'a>(list: &'a Value, field: &str) -> Vec<&'a str> {
    list.as_array().into_iter().flatten().filter_map(|x| x.get(field).and_then(Value::as_str)).collect()
}

/// The representation named `name` in `list`.
pub fn find<'a>(list: &'a Value, field: &str, name: &str) -> Option<&'a Value> {
    list.as_array()?.iter().find(|x| x.get(field).and_then(Value::as_str) == Some(name))
}

/// An object without the given keys.
pub fn without(v: &Value, keys: &[&str]) -> Value {
    match v {
        Value::Object(m) => Value::Object(
            m.iter()
                .filter(|(k, _)| !keys.contains(&k.as_str()))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect::<Map<_, _>>(),
        ),
        other => other.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn only_named_fields_count() {
        let current = json!({"id": "1", "clientId": "a", "enabled": true, "description": "",
            "attributes": {"x": "1", "y": "2"}, "redirectUris": []});
        assert!(changed_fields(&json!({"clientId": "a", "enabled": true, "attributes": {"x": "1"}}), &current, &[])
            .is_empty());
        assert!(changed_fields(&json!({"redirectUris": null, "description": null}), &current, &[]).is_empty());
        assert_eq!(
            changed_fields(&json!({"enabled": false, "attributes": {"y": "3", "z": "4"}}), &current, &[]),
            vec!["attributes.y", "attributes.z", "enabled"]
        );
        let merged = overlay(&current, &json!({"attributes": {"z": "4"}, "enabled": false}), &[]);
        assert_eq!(merged["attributes"], json!({"x": "1", "y": "2", "z": "4"}));
        assert_eq!(merged["enabled"], false);
    }

    #[test]
    fn mappers_compare_without_ids() {
        let a = json!({"protocolMappers": [{"id": "1", "name": "m", "protocolMapper": "t", "config": {"k": "v"}}]});
        let b = json!({"protocolMappers": [{"name": "m", "protocolMapper": "t", "config": {"k": "v"}}]});
        assert!(changed_fields(&b, &a, &[]).is_empty());
        let c = json!({"protocolMappers": [{"name": "m", "protocolMapper": "t", "config": {"k": "w"}}]});
        assert_eq!(changed_fields(&c, &a, &[]), vec!["protocolMappers"]);
    }
}
