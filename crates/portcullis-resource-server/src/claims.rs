//! The claims of a Portcullis (or Keycloak) access token.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::Value;

use crate::Error;

/// Role names, as in `realm_access` and each entry of `resource_access`.
#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
pub struct Roles {
    #[serde(default)]
    pub roles: Vec<String>,
}

/// A verified token's claims.
///
/// ```
/// use portcullis_resource_server::{Claims, Error};
///
/// let claims: Claims = serde_json::from_value(serde_json::json!({
///     "iss": "http://127.0.0.1:8080/realms/sivalabs", "exp": 1, "azp": "archival-service",
///     "scope": "email profile", "realm_access": {"roles": ["ADMIN"]},
///     "resource_access": {"messages": {"roles": ["archive"]}}, "applications": ["demo-project"],
/// })).unwrap();
/// assert_eq!(claims.client(), Some("archival-service"));
/// assert!(claims.require_scope("email").is_ok());
/// assert!(claims.require_realm_role("ADMIN").is_ok());
/// assert!(claims.require_client_role("messages", "archive").is_ok());
/// assert!(matches!(claims.require_scope("messages:write"), Err(Error::Insufficient(_))));
/// assert_eq!(claims.other["applications"][0], "demo-project");
/// ```
#[derive(Debug, Clone, Deserialize)]
pub struct Claims {
    pub iss: String,
    #[serde(default)]
    pub sub: String,
    /// One audience or several.
    #[serde(default)]
    pub aud: Value,
    pub exp: i64,
    #[serde(default)]
    pub iat: Option<i64>,
    #[serde(default)]
    pub nbf: Option<i64>,
    /// Space-separated scopes.
    #[serde(default)]
    pub scope: String,
    /// RFC 9068's client id (Keycloak: `azp`).
    #[serde(default)]
    pub client_id: Option<String>,
    #[serde(default)]
    pub azp: Option<String>,
    #[serde(default)]
    pub realm_access: Roles,
    #[serde(default)]
    pub resource_access: BTreeMap<String, Roles>,
    /// Everything else (mapper claims such as `applications`).
    #[serde(flatten)]
    pub other: BTreeMap<String, Value>,
}

impl Claims {
    /// The scopes granted.
    pub fn scopes(&self) -> impl Iterator<Item = &str> {
        self.scope.split(' ').filter(|s| !s.is_empty())
    }

    /// True when `aud` names `audience`.
    pub fn has_audience(&self, audience: &str) -> bool {
        match &self.aud {
            Value::String(a) => a == audience,
            Value::Array(list) => list.iter().any(|a| a.as_str() == Some(audience)),
            _ => false,
        }
    }

    /// The client the token was issued to.
    pub fn client(&self) -> Option<&str> {
        self.client_id.as_deref().or(self.azp.as_deref())
    }

    /// Refuses (403, `insufficient_scope`) a token without `scope`.
    pub fn require_scope(&self, scope: &str) -> Result<(), Error> {
        if self.scopes().any(|s| s == scope) {
            Ok(())
        } else {
            Err(Error::Insufficient(format!("scope {scope} required")))
        }
    }

    /// Refuses a token whose subject lacks the realm role `role`.
    pub fn require_realm_role(&self, role: &str) -> Result<(), Error> {
        if self.realm_access.roles.iter().any(|r| r == role) {
            Ok(())
        } else {
            Err(Error::Insufficient(format!("realm role {role} required")))
        }
    }

    /// Refuses a token whose subject lacks `role` of client `client`.
    pub fn require_client_role(&self, client: &str, role: &str) -> Result<(), Error> {
        if self.resource_access.get(client).is_some_and(|r| r.roles.iter().any(|x| x == role)) {
            Ok(())
        } else {
            Err(Error::Insufficient(format!("role {role} of {client} required")))
        }
    }
}
