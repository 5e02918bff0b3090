use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// `RealmRepresentation` (subset Portcullis acts on; the rest is accepted and ignored).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RealmRepresentation {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub realm: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub access_token_lifespan: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub not_before: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sso_session_idle_timeout: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sso_session_max_lifespan: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub revoke_refresh_token: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub default_signature_algorithm: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ssl_required: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub default_default_client_scopes: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub default_optional_client_scopes: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attributes: Option<BTreeMap<String, String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub brute_force_protected: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub permanent_lockout: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_temporary_lockouts: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_failure_wait_seconds: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub minimum_quick_login_wait_seconds: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub wait_increment_seconds: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub quick_login_check_milli_seconds: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_delta_time_seconds: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub failure_factor: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub events_enabled: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub events_expiration: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub events_listeners: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub enabled_event_types: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub admin_events_enabled: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub admin_events_details_enabled: Option<bool>,
}
