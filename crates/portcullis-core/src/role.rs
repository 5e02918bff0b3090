//! Roles: realm roles and client roles, possibly composite.

use crate::error::{CoreError, CoreResult};

/// A role.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Role {
    /// Internal id.
    pub id: String,
    /// Realm it belongs to.
    pub realm_id: String,
    /// Internal id of the owning client for client roles; `None` for realm roles.
    pub client_id: Option<String>,
    /// Unique within its container.
    pub name: String,
    /// Free text.
    pub description: Option<String>,
    /// Whether it includes other roles.
    pub composite: bool,
}

impl Role {
    /// A new realm role.
    pub fn new_realm_role(realm_id: &str, name: &str, description: Option<String>) -> CoreResult<Self> {
        validate_role_name(name)?;
        Ok(Self {
            id: crate::new_id(),
            realm_id: realm_id.to_owned(),
            client_id: None,
            name: name.to_owned(),
            description,
            composite: false,
        })
    }
}

impl Role {
    /// A new role of the client with internal id `client`.
    pub fn new_client_role(realm_id: &str, client: &str, name: &str, description: Option<String>) -> CoreResult<Self> {
        Ok(Self { client_id: Some(client.to_owned()), ..Self::new_realm_role(realm_id, name, description)? })
    }
}

/// Role names are free text in Keycloak; refuse only what cannot be a claim value.
pub fn validate_role_name(name: &str) -> CoreResult<()> {
    if name.trim().is_empty() || name.len() > 255 || name.chars().any(char::is_control) {
        return Err(CoreError::Invalid("role name must be 1-255 printable characters".into()));
    }
    Ok(())
}

/// Name of the composite role every new user of a realm gets (Keycloak's convention).
pub fn default_roles_name(realm: &str) -> String {
    format!("default-roles-{realm}")
}
