//! Route paths, relative to a realm's base `{relative-path}/realms/{realm}`. Shared by the
//! router and the discovery document so the two never disagree.

/// Token endpoint (RFC 6749 §3.2), Keycloak's location.
pub const TOKEN: &str = "/protocol/openid-connect/token";
/// JWKS (RFC 7517), Keycloak's location.
pub const CERTS: &str = "/protocol/openid-connect/certs";
/// OpenID Connect discovery document.
pub const OIDC_DISCOVERY: &str = "/.well-known/openid-configuration";
/// RFC 8414 authorization server metadata, served per realm like Keycloak does.
pub const OAUTH_METADATA: &str = "/.well-known/oauth-authorization-server";
/// Token introspection (RFC 7662), Keycloak's location.
pub const INTROSPECT: &str = "/protocol/openid-connect/token/introspect";
/// Token revocation (RFC 7009), Keycloak's location.
pub const REVOKE: &str = "/protocol/openid-connect/revoke";
/// OpenID Connect UserInfo (OIDC Core §5.3), Keycloak's location.
pub const USERINFO: &str = "/protocol/openid-connect/userinfo";
