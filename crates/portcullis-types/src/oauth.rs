//! OAuth 2.0 token endpoint messages.

use serde::{Deserialize, Serialize};

/// Successful token response (RFC 6749 §5.1) with Keycloak's extra fields.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TokenResponse {
    /// The signed JWT.
    pub access_token: String,
    /// Seconds until `exp`.
    pub expires_in: i64,
    /// Keycloak always sends it; 0 when no refresh token is issued.
    pub refresh_expires_in: i64,
    /// Present only for grants that issue a refresh token.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<String>,
    /// Always `Bearer`.
    pub token_type: String,
    /// Keycloak's realm "not before" policy, in seconds since the epoch.
    #[serde(rename = "not-before-policy")]
    pub not_before_policy: i64,
    /// Space-separated granted scopes.
    pub scope: String,
    /// RFC 8693 §2.2.1: the type of the token a token exchange issued.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub issued_token_type: Option<String>,
}

/// Error response (RFC 6749 §5.2).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ErrorResponse {
    /// One of the RFC codes, e.g. `invalid_client`.
    pub error: String,
    /// Human-readable explanation.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_description: Option<String>,
}
