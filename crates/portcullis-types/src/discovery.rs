//! OpenID Connect discovery / RFC 8414 metadata. Lists only what Portcullis really does.

use serde::{Deserialize, Serialize};

/// The metadata document of one realm.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ProviderMetadata {
    /// The realm's issuer; equals `iss` in its tokens.
    pub issuer: String,
    /// Token endpoint URL.
    pub token_endpoint: String,
    /// JWKS URL.
    pub jwks_uri: String,
    /// OIDC UserInfo URL.
    pub userinfo_endpoint: String,
    /// RFC 7662 introspection URL.
    pub introspection_endpoint: String,
    /// Client authentication methods at the introspection endpoint.
    pub introspection_endpoint_auth_methods_supported: Vec<String>,
    /// RFC 7009 revocation URL.
    pub revocation_endpoint: String,
    /// Client authentication methods at the revocation endpoint.
    pub revocation_endpoint_auth_methods_supported: Vec<String>,
    /// Grants the token endpoint accepts.
    pub grant_types_supported: Vec<String>,
    /// Client authentication methods at the token endpoint.
    pub token_endpoint_auth_methods_supported: Vec<String>,
    /// JWS algorithms of client assertions (`private_key_jwt`, `client_secret_jwt`).
    pub token_endpoint_auth_signing_alg_values_supported: Vec<String>,
    /// The same for the introspection endpoint.
    pub introspection_endpoint_auth_signing_alg_values_supported: Vec<String>,
    /// The same for the revocation endpoint.
    pub revocation_endpoint_auth_signing_alg_values_supported: Vec<String>,
    /// Scopes a client may be given in this realm.
    pub scopes_supported: Vec<String>,
    /// Response types; empty as no authorization endpoint exists yet.
    pub response_types_supported: Vec<String>,
    /// Subject identifier types (OIDC Discovery §3).
    pub subject_types_supported: Vec<String>,
    /// Access/ID token signing algorithms.
    pub id_token_signing_alg_values_supported: Vec<String>,
    /// Claims that can appear in tokens.
    pub claims_supported: Vec<String>,
}
