//! OpenID Connect discovery and RFC 8414 metadata. Only what is implemented is listed.

use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::Json;
use portcullis_types::discovery::ProviderMetadata;
use portcullis_types::paths;

use crate::cache::RealmEntry;
use crate::error::ApiError;
use crate::issuer::{base_url, realm_issuer};
use crate::state::AppState;

/// `GET /realms/{realm}/.well-known/openid-configuration`.
pub async fn openid_configuration(
    State(state): State<AppState>,
    Path(realm): Path<String>,
    headers: HeaderMap,
) -> Result<Json<ProviderMetadata>, ApiError> {
    metadata(&state, &realm, &headers).await.map(Json)
}

/// `GET /realms/{realm}/.well-known/oauth-authorization-server` (Keycloak's location).
pub async fn oauth_metadata(
    State(state): State<AppState>,
    Path(realm): Path<String>,
    headers: HeaderMap,
) -> Result<Json<ProviderMetadata>, ApiError> {
    metadata(&state, &realm, &headers).await.map(Json)
}

/// RFC 8414 §3 location: the well-known segment goes between host and issuer path,
/// `/.well-known/oauth-authorization-server{relative-path}/realms/{realm}`.
pub fn rfc8414_route(relative_path: &str) -> String {
    format!("/.well-known/oauth-authorization-server{relative_path}/realms/{{realm}}")
}

/// Client authentication methods of the token, introspection and revocation endpoints.
const AUTH_METHODS: &[&str] = &["client_secret_basic", "client_secret_post"];

async fn metadata(state: &AppState, realm: &str, headers: &HeaderMap) -> Result<ProviderMetadata, ApiError> {
    let entry = state.cache.realm(state.store.as_ref(), realm).await?.ok_or_else(|| ApiError::not_found("realm"))?;
    let base = base_url(state, headers).ok_or_else(|| ApiError::BadRequest("missing or invalid Host header".into()))?;
    let issuer = realm_issuer(&base, realm);
    let mut scopes: Vec<String> = vec!["openid".into()];
    scopes.extend(state.store.list_scopes(&entry.realm.id).await?.into_iter().map(|s| s.name));
    let strings = |v: &[&str]| v.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
    Ok(ProviderMetadata {
        token_endpoint: format!("{issuer}{}", paths::TOKEN),
        jwks_uri: format!("{issuer}{}", paths::CERTS),
        introspection_endpoint: format!("{issuer}{}", paths::INTROSPECT),
        introspection_endpoint_auth_methods_supported: strings(AUTH_METHODS),
        revocation_endpoint: format!("{issuer}{}", paths::REVOKE),
        revocation_endpoint_auth_methods_supported: strings(AUTH_METHODS),
        issuer,
        grant_types_supported: strings(&["client_credentials", "password"]),
        token_endpoint_auth_methods_supported: strings(AUTH_METHODS),
        scopes_supported: scopes,
        // No authorization endpoint exists yet, so no response type is supported.
        response_types_supported: Vec::new(),
        subject_types_supported: strings(&["public"]),
        id_token_signing_alg_values_supported: key_algorithms(&entry),
        claims_supported: strings(&[
            "iss",
            "sub",
            "aud",
            "exp",
            "iat",
            "jti",
            "azp",
            "client_id",
            "scope",
            "typ",
            "acr",
            "realm_access",
            "resource_access",
            "allowed-origins",
            "preferred_username",
            "email",
            "email_verified",
            "name",
            "given_name",
            "family_name",
        ]),
    })
}

/// The algorithms of the realm's keys, the one it signs with first.
fn key_algorithms(entry: &RealmEntry) -> Vec<String> {
    let mut algs = vec![entry.signer.algorithm().as_str().to_owned()];
    for s in &entry.verifiers {
        let alg = s.algorithm().as_str();
        if !algs.iter().any(|a| a == alg) {
            algs.push(alg.to_owned());
        }
    }
    algs
}
