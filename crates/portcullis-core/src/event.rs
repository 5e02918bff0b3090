//! Audit events in Keycloak's model: login events (`CLIENT_LOGIN`, `LOGIN_ERROR`, …) and
//! admin events (operation, resource path, representation without secrets), with the
//! realm's event settings and the filters of the query API.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Keycloak's event types that Portcullis emits (a subset of Keycloak's `EventType`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum EventType {
    /// Client credentials grant succeeded.
    ClientLogin,
    /// Client authentication failed, or the client is locked out.
    ClientLoginError,
    /// Password grant succeeded.
    Login,
    /// Password grant failed.
    LoginError,
    /// A token was exchanged.
    TokenExchange,
    /// Token exchange failed.
    TokenExchangeError,
    /// A token was introspected.
    IntrospectToken,
    /// Introspection failed.
    IntrospectTokenError,
    /// A token was revoked.
    RevokeGrant,
    /// Revocation failed.
    RevokeGrantError,
    /// A refresh token was exchanged for new tokens.
    RefreshToken,
    /// A refresh failed.
    RefreshTokenError,
}

impl EventType {
    /// Every type, for the `enabledEventTypes` check and the event config endpoint.
    pub const ALL: [EventType; 12] = [
        Self::ClientLogin,
        Self::ClientLoginError,
        Self::Login,
        Self::LoginError,
        Self::TokenExchange,
        Self::TokenExchangeError,
        Self::IntrospectToken,
        Self::IntrospectTokenError,
        Self::RevokeGrant,
        Self::RevokeGrantError,
        Self::RefreshToken,
        Self::RefreshTokenError,
    ];

    /// The wire name, e.g. `CLIENT_LOGIN`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::ClientLogin => "CLIENT_LOGIN",
            Self::ClientLoginError => "CLIENT_LOGIN_ERROR",
            Self::Login => "LOGIN",
            Self::LoginError => "LOGIN_ERROR",
            Self::TokenExchange => "TOKEN_EXCHANGE",
            Self::TokenExchangeError => "TOKEN_EXCHANGE_ERROR",
            Self::IntrospectToken => "INTROSPECT_TOKEN",
            Self::IntrospectTokenError => "INTROSPECT_TOKEN_ERROR",
            Self::RevokeGrant => "REVOKE_GRANT",
            Self::RevokeGrantError => "REVOKE_GRANT_ERROR",
            Self::RefreshToken => "REFRESH_TOKEN",
            Self::RefreshTokenError => "REFRESH_TOKEN_ERROR",
        }
    }

    /// Whether this is an `_ERROR` type.
    pub fn is_error(self) -> bool {
        self.as_str().ends_with("_ERROR")
    }
}

/// One login event (Keycloak's `EventRepresentation`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Event {
    /// Unique id.
    pub id: String,
    /// Epoch milliseconds.
    pub time: i64,
    /// What happened.
    #[serde(rename = "type")]
    pub event_type: EventType,
    /// Realm id.
    pub realm_id: String,
    /// `clientId` of the client, when known.
    pub client_id: Option<String>,
    /// User id, when known.
    pub user_id: Option<String>,
    /// Source address.
    pub ip_address: Option<String>,
    /// Error code of `_ERROR` events (Keycloak's names, e.g. `invalid_client_credentials`).
    pub error: Option<String>,
    /// Grant type, scope, username and the like; never a secret.
    pub details: BTreeMap<String, String>,
}

/// Keycloak's admin operation types.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum OperationType {
    /// POST that creates.
    Create,
    /// PUT.
    Update,
    /// DELETE.
    Delete,
    /// POST that acts (regenerate a secret, clear lockouts).
    Action,
}

impl OperationType {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Create => "CREATE",
            Self::Update => "UPDATE",
            Self::Delete => "DELETE",
            Self::Action => "ACTION",
        }
    }

    /// Parses a wire name.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "CREATE" => Some(Self::Create),
            "UPDATE" => Some(Self::Update),
            "DELETE" => Some(Self::Delete),
            "ACTION" => Some(Self::Action),
            _ => None,
        }
    }
}

/// Who made an admin change (Keycloak's `AuthDetailsRepresentation`).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AuthDetails {
    /// Realm id of the administrator.
    pub realm_id: String,
    /// Client the administrator's token was issued to.
    pub client_id: String,
    /// The administrator's user id.
    pub user_id: String,
    /// Source address.
    pub ip_address: String,
}

/// One admin event (Keycloak's `AdminEventRepresentation`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AdminEvent {
    /// Unique id.
    pub id: String,
    /// Epoch milliseconds.
    pub time: i64,
    /// Realm id of the changed resource.
    pub realm_id: String,
    /// Who did it.
    pub auth_details: AuthDetails,
    /// What kind of change.
    pub operation_type: OperationType,
    /// Keycloak's resource type, e.g. `CLIENT`, `USER`, `REALM_ROLE_MAPPING`.
    pub resource_type: String,
    /// Path below the realm, e.g. `clients/3f2a…`.
    pub resource_path: String,
    /// The request body without secrets, when the realm keeps details.
    pub representation: Option<String>,
    /// Error, for failed operations.
    pub error: Option<String>,
}

/// The keys whose values never reach an event: client secrets, passwords, credential
/// values, private keys.
const SECRET_KEYS: [&str; 6] = ["secret", "password", "value", "privateKey", "client_secret", "clientSecret"];

/// A representation with every secret-bearing value replaced by `**********`.
pub fn redact(mut v: Value) -> Value {
    fn walk(v: &mut Value) {
        match v {
            Value::Object(map) => {
                for (k, val) in map.iter_mut() {
                    if SECRET_KEYS.iter().any(|s| s.eq_ignore_ascii_case(k)) && !val.is_null() {
                        *val = Value::String(crate::secret::MASKED.to_owned());
                    } else if k == "attributes" {
                        redact_attributes(val);
                    } else {
                        walk(val);
                    }
                }
            }
            Value::Array(items) => items.iter_mut().for_each(walk),
            _ => {}
        }
    }
    // Client attributes may carry secrets by name (`client.secret.*`, rotated secrets).
    fn redact_attributes(v: &mut Value) {
        if let Value::Object(map) = v {
            for (k, val) in map.iter_mut() {
                if k.to_ascii_lowercase().contains("secret") {
                    *val = Value::String(crate::secret::MASKED.to_owned());
                }
            }
        }
    }
    walk(&mut v);
    v
}

/// Keycloak's resource type for an admin path below `/admin/realms/{realm}` (`""` for
/// the realm itself).
pub fn resource_type(path: &str) -> &'static str {
    let segs: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    match segs.as_slice() {
        [] => "REALM",
        ["clients", _, "client-secret", ..] => "CLIENT",
        ["clients", _, "protocol-mappers", ..] | ["client-scopes", _, "protocol-mappers", ..] => "PROTOCOL_MAPPER",
        ["clients", _, "default-client-scopes" | "optional-client-scopes", ..] => "CLIENT_SCOPE_CLIENT_MAPPING",
        ["clients", ..] => "CLIENT",
        ["client-scopes", ..] => "CLIENT_SCOPE",
        ["roles", ..] => "REALM_ROLE",
        ["users", _, "role-mappings", ..] => "REALM_ROLE_MAPPING",
        ["users", ..] => "USER",
        ["attack-detection", ..] => "USER_LOGIN_FAILURE",
        ["events", ..] | ["admin-events", ..] => "REALM",
        _ => "REALM",
    }
}

/// Filters of `GET /admin/realms/{realm}/events` (Keycloak's query parameters).
#[derive(Debug, Clone, Default)]
pub struct EventQuery {
    /// Any of these types.
    pub types: Vec<String>,
    /// `clientId`.
    pub client: Option<String>,
    /// User id.
    pub user: Option<String>,
    /// Source address.
    pub ip_address: Option<String>,
    /// From this time (epoch ms, inclusive).
    pub from_ms: Option<i64>,
    /// Before this time (epoch ms, exclusive).
    pub to_ms: Option<i64>,
    /// Offset.
    pub first: i64,
    /// Page size.
    pub max: i64,
}

/// Filters of `GET /admin/realms/{realm}/admin-events`.
#[derive(Debug, Clone, Default)]
pub struct AdminEventQuery {
    /// Any of these operations.
    pub operation_types: Vec<String>,
    /// Any of these resource types.
    pub resource_types: Vec<String>,
    /// Resource path; `*` matches any run of characters (Keycloak's wildcard).
    pub resource_path: Option<String>,
    /// Administrator's realm id.
    pub auth_realm: Option<String>,
    /// Administrator's client.
    pub auth_client: Option<String>,
    /// Administrator's user id.
    pub auth_user: Option<String>,
    /// Administrator's address.
    pub auth_ip_address: Option<String>,
    /// From this time (epoch ms, inclusive).
    pub from_ms: Option<i64>,
    /// Before this time (epoch ms, exclusive).
    pub to_ms: Option<i64>,
    /// Offset.
    pub first: i64,
    /// Page size.
    pub max: i64,
}

/// A realm's event settings (Keycloak's `RealmEventsConfigRepresentation` fields that
/// live on the realm).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct EventSettings {
    /// Store login events (off by default, as in Keycloak).
    pub events_enabled: bool,
    /// Seconds a stored login event is kept; 0 or absent: forever.
    pub events_expiration: Option<i64>,
    /// Types stored; empty: all.
    pub enabled_event_types: Vec<String>,
    /// Store admin events.
    pub admin_events_enabled: bool,
    /// Keep the (redacted) representation with admin events.
    pub admin_events_details_enabled: bool,
    /// Seconds a stored admin event is kept (Keycloak's `adminEventsExpiration` realm
    /// attribute); 0 or absent: forever.
    pub admin_events_expiration: Option<i64>,
}

impl EventSettings {
    /// Whether events of this type are stored.
    pub fn stores(&self, t: EventType) -> bool {
        self.events_enabled
            && (self.enabled_event_types.is_empty() || self.enabled_event_types.iter().any(|e| e == t.as_str()))
    }

    /// Checks values an admin may set.
    pub fn validate(&self) -> crate::error::CoreResult<()> {
        if let Some(bad) = self.enabled_event_types.iter().find(|t| !EventType::ALL.iter().any(|e| e.as_str() == *t)) {
            return Err(crate::CoreError::Invalid(format!("unknown event type '{bad}'")));
        }
        if self.events_expiration.is_some_and(|s| s < 0) || self.admin_events_expiration.is_some_and(|s| s < 0) {
            return Err(crate::CoreError::Invalid("event expiration must not be negative".into()));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn redaction_hides_every_secret_shape() {
        let rep = json!({
            "clientId": "app", "secret": "s3cr3t", "attributes": {"client.secret.rotated": "old", "x": "y"},
            "credentials": [{"type": "password", "value": "pw", "temporary": false}],
            "nested": {"password": "pw2"}, "enabled": true
        });
        let out = redact(rep).to_string();
        for leaked in ["s3cr3t", "\"old\"", "\"pw\"", "pw2"] {
            assert!(!out.contains(leaked), "{leaked} in {out}");
        }
        assert!(out.contains("\"clientId\":\"app\"") && out.contains("\"x\":\"y\""), "{out}");
    }

    #[test]
    fn resource_types_follow_keycloak() {
        assert_eq!(resource_type(""), "REALM");
        assert_eq!(resource_type("clients/abc"), "CLIENT");
        assert_eq!(resource_type("clients/abc/client-secret"), "CLIENT");
        assert_eq!(resource_type("clients/abc/protocol-mappers/models"), "PROTOCOL_MAPPER");
        assert_eq!(resource_type("users/u/role-mappings/realm"), "REALM_ROLE_MAPPING");
        assert_eq!(resource_type("roles/Developer"), "REALM_ROLE");
        assert_eq!(resource_type("client-scopes/s"), "CLIENT_SCOPE");
    }

    #[test]
    fn stored_types() {
        let mut s = EventSettings { events_enabled: true, ..Default::default() };
        assert!(s.stores(EventType::ClientLogin));
        s.enabled_event_types = vec!["CLIENT_LOGIN_ERROR".into()];
        assert!(!s.stores(EventType::ClientLogin) && s.stores(EventType::ClientLoginError));
        s.enabled_event_types.push("NOPE".into());
        assert!(s.validate().is_err());
        assert!(!EventSettings::default().stores(EventType::ClientLogin));
    }
}
