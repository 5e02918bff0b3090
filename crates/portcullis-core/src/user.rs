//! Users, including the service-account users that stand for clients.

use std::collections::BTreeMap;

use crate::error::{CoreError, CoreResult};

/// Prefix of service-account usernames (Keycloak's convention).
pub const SERVICE_ACCOUNT_PREFIX: &str = "service-account-";

/// A user of a realm.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct User {
    /// Internal id; the `sub` of its tokens.
    pub id: String,
    /// Realm it belongs to.
    pub realm_id: String,
    /// Unique per realm, stored lower-case as Keycloak does.
    pub username: String,
    /// E-mail address.
    pub email: Option<String>,
    /// Given name.
    pub first_name: Option<String>,
    /// Family name.
    pub last_name: Option<String>,
    /// Disabled users cannot log in; disabled service accounts get no tokens.
    pub enabled: bool,
    /// Whether the e-mail was verified.
    pub email_verified: bool,
    /// Multi-valued attributes, e.g. `applications = [demo-project]`.
    pub attributes: BTreeMap<String, Vec<String>>,
    /// Creation time in epoch milliseconds.
    pub created_timestamp: i64,
    /// Internal id of the client this user is the service account of.
    pub service_account_client_id: Option<String>,
}

impl User {
    /// A new regular user.
    pub fn new(realm_id: &str, username: &str, now_ms: i64) -> CoreResult<Self> {
        let username = normalize_username(username)?;
        Ok(Self {
            id: crate::new_id(),
            realm_id: realm_id.to_owned(),
            username,
            email: None,
            first_name: None,
            last_name: None,
            enabled: true,
            email_verified: false,
            attributes: BTreeMap::new(),
            created_timestamp: now_ms,
            service_account_client_id: None,
        })
    }

    /// The service-account user of a client.
    pub fn service_account(realm_id: &str, client_internal_id: &str, client_id: &str, now_ms: i64) -> Self {
        Self {
            id: crate::new_id(),
            realm_id: realm_id.to_owned(),
            username: format!("{SERVICE_ACCOUNT_PREFIX}{}", client_id.to_lowercase()),
            email: None,
            first_name: None,
            last_name: None,
            enabled: true,
            email_verified: false,
            attributes: BTreeMap::new(),
            created_timestamp: now_ms,
            service_account_client_id: Some(client_internal_id.to_owned()),
        }
    }

    /// Checks what an admin may set.
    pub fn validate(&self) -> CoreResult<()> {
        // Service-account usernames derive from the client id, which may hold spaces.
        if self.service_account_client_id.is_none() {
            normalize_username(&self.username)?;
        }
        // Control characters (NUL above all, which PostgreSQL text cannot hold) have no
        // place in names or addresses.
        for (field, value) in [("email", &self.email), ("firstName", &self.first_name), ("lastName", &self.last_name)] {
            if value.as_deref().is_some_and(|v| v.chars().any(char::is_control) || v.len() > 255) {
                return Err(CoreError::Invalid(format!(
                    "{field} must be at most 255 characters without control characters"
                )));
            }
        }
        if let Some(email) = &self.email {
            if !email.is_empty() && !is_plausible_email(email) {
                return Err(CoreError::Invalid(format!("invalid email address '{email}'")));
            }
        }
        for (key, values) in &self.attributes {
            if key.is_empty() || key.len() > 255 {
                return Err(CoreError::Invalid("attribute names must be 1-255 characters".into()));
            }
            if values.iter().any(|v| v.len() > 2048) {
                return Err(CoreError::Invalid(format!("attribute '{key}' has a value over 2048 characters")));
            }
        }
        Ok(())
    }
}

/// Lower-cases and checks a username (Keycloak stores usernames lower-case).
pub fn normalize_username(username: &str) -> CoreResult<String> {
    let u = username.trim().to_lowercase();
    if u.is_empty() || u.len() > 255 || u.chars().any(|c| c.is_control() || c.is_whitespace()) {
        return Err(CoreError::Invalid("username must be 1-255 characters without spaces".into()));
    }
    Ok(u)
}

fn is_plausible_email(s: &str) -> bool {
    match s.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty() && !domain.is_empty() && !domain.contains('@') && !s.chars().any(char::is_whitespace)
        }
        None => false,
    }
}
