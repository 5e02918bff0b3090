//! Protocol mappers turn the subject (user, roles) and client into claims. The types and
//! config keys are Keycloak's, so scopes created by Keycloak tooling behave the same.
//! Unknown mapper types are skipped: they may belong to features not built yet.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use crate::client::Client;
use crate::scope::ProtocolMapper;
use crate::user::User;

/// The subject of a token with its effective roles.
#[derive(Debug, Clone)]
pub struct Subject {
    /// The user (a service-account user for client credentials).
    pub user: User,
    /// Effective realm role names, composites expanded.
    pub realm_roles: Vec<String>,
    /// Effective client role names by `clientId`.
    pub client_roles: BTreeMap<String, Vec<String>>,
}

/// Claims a set of mappers produce, plus audiences they ask for.
#[derive(Debug, Default)]
pub struct MappedClaims {
    /// Claims to merge into the token.
    pub claims: Map<String, Value>,
    /// Audiences to add to `aud`.
    pub audiences: Vec<String>,
}

/// Applies the mappers that are enabled for access tokens.
pub fn apply<'a>(
    mappers: impl IntoIterator<Item = &'a ProtocolMapper>,
    subject: &Subject,
    client: &Client,
    out: &mut MappedClaims,
) {
    for m in mappers {
        if m.config.get("access.token.claim").is_some_and(|v| v == "false") {
            continue;
        }
        let claim = m.config.get("claim.name").map(String::as_str).unwrap_or_default();
        match m.mapper_type.as_str() {
            "oidc-usermodel-property-mapper" => {
                let attr = m.config.get("user.attribute").map(String::as_str).unwrap_or_default();
                if let Some(v) = user_property(&subject.user, attr) {
                    set_claim(&mut out.claims, claim, typed(v, m.config.get("jsonType.label")));
                }
            }
            "oidc-usermodel-attribute-mapper" => {
                let attr = m.config.get("user.attribute").map(String::as_str).unwrap_or_default();
                if let Some(values) = subject.user.attributes.get(attr).filter(|v| !v.is_empty()) {
                    let label = m.config.get("jsonType.label");
                    let value = if m.config.get("multivalued").is_some_and(|v| v == "true") {
                        Value::Array(values.iter().map(|v| typed(v.clone(), label)).collect())
                    } else {
                        typed(values[0].clone(), label)
                    };
                    set_claim(&mut out.claims, claim, value);
                }
            }
            "oidc-full-name-mapper" => {
                let parts: Vec<&str> = [&subject.user.first_name, &subject.user.last_name]
                    .into_iter()
                    .flatten()
                    .map(String::as_str)
                    .collect();
                if !parts.is_empty() {
                    out.claims.insert("name".into(), Value::String(parts.join(" ")));
                }
            }
            "oidc-usermodel-realm-role-mapper" if !subject.realm_roles.is_empty() => {
                let name = if claim.is_empty() { "realm_access.roles" } else { claim };
                set_claim(&mut out.claims, name, strings(&subject.realm_roles));
            }
            "oidc-usermodel-client-role-mapper" => {
                let pattern = if claim.is_empty() { "resource_access.${client_id}.roles" } else { claim };
                for (client_id, roles) in subject.client_roles.iter().filter(|(_, r)| !r.is_empty()) {
                    set_claim_path(&mut out.claims, &role_claim_path(pattern, client_id), strings(roles));
                }
            }
            "oidc-audience-resolve-mapper" => {
                out.audiences.extend(
                    subject
                        .client_roles
                        .iter()
                        .filter(|(c, r)| !r.is_empty() && **c != client.client_id)
                        .map(|(c, _)| c.clone()),
                );
            }
            "oidc-audience-mapper" => {
                for key in ["included.client.audience", "included.custom.audience"] {
                    if let Some(a) = m.config.get(key).filter(|a| !a.is_empty()) {
                        out.audiences.push(a.clone());
                    }
                }
            }
            "oidc-allowed-origins-mapper" if !client.web_origins.is_empty() => {
                out.claims.insert("allowed-origins".into(), strings(&client.web_origins));
            }
            "oidc-acr-mapper" => {
                // No interactive authentication exists for these grants: level 1, as Keycloak.
                out.claims.insert("acr".into(), Value::String("1".into()));
            }
            "oidc-hardcoded-claim-mapper" => {
                if let Some(v) = m.config.get("claim.value") {
                    set_claim(&mut out.claims, claim, typed(v.clone(), m.config.get("jsonType.label")));
                }
            }
            _ => {}
        }
    }
}

fn user_property(user: &User, attr: &str) -> Option<String> {
    match attr {
        "username" => Some(user.username.clone()),
        "email" => user.email.clone().filter(|e| !e.is_empty()),
        "firstName" => user.first_name.clone().filter(|e| !e.is_empty()),
        "lastName" => user.last_name.clone().filter(|e| !e.is_empty()),
        "emailVerified" => Some(user.email_verified.to_string()),
        "id" => Some(user.id.clone()),
        _ => None,
    }
}

fn typed(v: String, label: Option<&String>) -> Value {
    match label.map(String::as_str) {
        Some("boolean") => Value::Bool(v == "true"),
        Some("long" | "int") => v.parse::<i64>().map(Value::from).unwrap_or(Value::String(v)),
        Some("JSON") => serde_json::from_str(&v).unwrap_or(Value::String(v)),
        _ => Value::String(v),
    }
}

fn strings(v: &[String]) -> Value {
    Value::Array(v.iter().cloned().map(Value::String).collect())
}

/// Keycloak claim names use `.` for nesting and `\.` for a literal dot.
fn split_claim(name: &str) -> Vec<String> {
    let mut parts = vec![String::new()];
    let mut chars = name.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' if chars.peek() == Some(&'.') => {
                chars.next();
                if let Some(last) = parts.last_mut() {
                    last.push('.');
                }
            }
            '.' => parts.push(String::new()),
            c => {
                if let Some(last) = parts.last_mut() {
                    last.push(c);
                }
            }
        }
    }
    parts
}

fn role_claim_path(pattern: &str, client_id: &str) -> Vec<String> {
    // The client id is substituted after splitting so that dots inside it never nest.
    split_claim(pattern).into_iter().map(|p| p.replace("${client_id}", client_id)).collect()
}

fn set_claim(claims: &mut Map<String, Value>, name: &str, value: Value) {
    if !name.is_empty() {
        set_claim_path(claims, &split_claim(name), value);
    }
}

fn set_claim_path(claims: &mut Map<String, Value>, path: &[String], value: Value) {
    let Some((last, parents)) = path.split_last() else { return };
    let mut node = claims;
    for p in parents {
        let entry = node.entry(p.clone()).or_insert_with(|| Value::Object(Map::new()));
        if !entry.is_object() {
            *entry = Value::Object(Map::new());
        }
        let Value::Object(next) = entry else { return };
        node = next;
    }
    node.insert(last.clone(), value);
}

/// Removes from introspection answers the claims of mappers whose
/// `introspection.token.claim` is `false` (Keycloak's switch; absent means included).
/// Role mappers with a `${client_id}` pattern hide the whole top-level claim.
pub fn hide_from_introspection<'a>(
    mappers: impl IntoIterator<Item = &'a ProtocolMapper>,
    claims: &mut Map<String, Value>,
) {
    for m in mappers {
        if m.config.get("introspection.token.claim").is_none_or(|v| v != "false") {
            continue;
        }
        let claim = m.config.get("claim.name").map(String::as_str).unwrap_or_default();
        let name = match (m.mapper_type.as_str(), claim) {
            ("oidc-usermodel-realm-role-mapper", "") => "realm_access.roles",
            ("oidc-usermodel-client-role-mapper", "") => "resource_access",
            ("oidc-full-name-mapper", _) => "name",
            (_, c) => c,
        };
        let path = split_claim(name);
        let path: Vec<String> = path.into_iter().take_while(|p| !p.contains("${")).collect();
        remove_claim_path(claims, &path);
    }
}

fn remove_claim_path(claims: &mut Map<String, Value>, path: &[String]) {
    let Some((last, parents)) = path.split_last() else { return };
    let mut node = claims;
    for p in parents {
        let Some(Value::Object(next)) = node.get_mut(p) else { return };
        node = next;
    }
    node.remove(last);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn claims_switched_off_for_introspection_are_removed() {
        let mapper = |t: &str, claim: &str, introspection: &str| ProtocolMapper {
            id: String::new(),
            name: claim.to_owned(),
            protocol: "openid-connect".into(),
            mapper_type: t.into(),
            config: [
                ("claim.name".to_owned(), claim.to_owned()),
                ("introspection.token.claim".to_owned(), introspection.to_owned()),
            ]
            .into_iter()
            .collect(),
        };
        let mut claims = serde_json::json!({"applications": "x", "a": {"b": 1, "c": 2}, "realm_access": {"roles": ["r"]}, "kept": 1})
            .as_object()
            .cloned()
            .unwrap_or_default();
        let mappers = [
            mapper("oidc-usermodel-attribute-mapper", "applications", "false"),
            mapper("oidc-hardcoded-claim-mapper", "a.b", "false"),
            mapper("oidc-usermodel-realm-role-mapper", "", "false"),
            mapper("oidc-hardcoded-claim-mapper", "kept", "true"),
        ];
        hide_from_introspection(&mappers, &mut claims);
        assert_eq!(Value::Object(claims), serde_json::json!({"a": {"c": 2}, "realm_access": {}, "kept": 1}));
    }

    #[test]
    fn nested_and_escaped_claim_names() {
        let mut m = Map::new();
        set_claim(&mut m, "a.b", Value::from(1));
        set_claim(&mut m, r"x\.y", Value::from(2));
        assert_eq!(Value::Object(m), serde_json::json!({"a": {"b": 1}, "x.y": 2}));
        assert_eq!(
            role_claim_path("resource_access.${client_id}.roles", "my.app"),
            vec!["resource_access", "my.app", "roles"]
        );
    }
}
