//! Names people type, resolved to the ids the Admin API wants.

use serde_json::Value;

use super::api::{seg, Api};
use super::error::CliError;

/// `/{realm}` escaped.
pub fn realm_path(realm: &str) -> String {
    format!("/{}", seg(realm))
}

/// A client by its `clientId`.
pub fn client(api: &Api, realm: &str, client_id: &str) -> Result<Value, CliError> {
    let list = api.get_query(&format!("{}/clients", realm_path(realm)), &[("clientId", client_id)])?;
    list.as_array()
        .and_then(|l| l.iter().find(|c| c.get("clientId").and_then(Value::as_str) == Some(client_id)))
        .cloned()
        .ok_or_else(|| CliError::NotFound(format!("no client '{client_id}' in realm '{realm}'")))
}

/// `/{realm}/clients/{uuid}` of a client by its `clientId`.
pub fn client_path(api: &Api, realm: &str, client_id: &str) -> Result<String, CliError> {
    let c = client(api, realm, client_id)?;
    Ok(format!("{}/clients/{}", realm_path(realm), seg(id(&c)?)))
}

/// A client scope by name.
pub fn scope(api: &Api, realm: &str, name: &str) -> Result<Value, CliError> {
    let list = api.get(&format!("{}/client-scopes", realm_path(realm)))?;
    list.as_array()
        .and_then(|l| l.iter().find(|s| s.get("name").and_then(Value::as_str) == Some(name)))
        .cloned()
        .ok_or_else(|| CliError::NotFound(format!("no client scope '{name}' in realm '{realm}'")))
}

/// A user by username (exact match).
pub fn user(api: &Api, realm: &str, username: &str) -> Result<Value, CliError> {
    let list = api.get_query(&format!("{}/users", realm_path(realm)), &[("username", username), ("exact", "true")])?;
    let lower = username.to_lowercase();
    list.as_array()
        .and_then(|l| l.iter().find(|u| u.get("username").and_then(Value::as_str) == Some(lower.as_str())))
        .cloned()
        .ok_or_else(|| CliError::NotFound(format!("no user '{username}' in realm '{realm}'")))
}

/// The service-account user of a client.
pub fn service_account(api: &Api, realm: &str, client_id: &str) -> Result<Value, CliError> {
    let path = client_path(api, realm, client_id)?;
    api.get(&format!("{path}/service-account-user")).map_err(|e| match e {
        CliError::NotFound(_) | CliError::Invalid(_) => {
            CliError::NotFound(format!("client '{client_id}' has no service account (set serviceAccountsEnabled=true)"))
        }
        other => other,
    })
}

/// Realm roles by name, as the role-mapping endpoints want them.
pub fn realm_roles(api: &Api, realm: &str, names: &[String]) -> Result<Value, CliError> {
    let mut out = Vec::new();
    for n in names {
        let role = api.get(&format!("{}/roles/{}", realm_path(realm), seg(n))).map_err(|e| match e {
            CliError::NotFound(_) => CliError::NotFound(format!("no realm role '{n}' in realm '{realm}'")),
            other => other,
        })?;
        out.push(role);
    }
    Ok(Value::Array(out))
}

/// The `id` of a representation.
pub fn id(v: &Value) -> Result<&str, CliError> {
    v.get("id").and_then(Value::as_str).ok_or_else(|| CliError::Other("the server's answer has no id".into()))
}
