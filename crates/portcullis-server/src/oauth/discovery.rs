//! OpenID Connect discovery and RFC 8414 metadata. Only what is implemented is listed.

use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::Json;
use portcullis_core::client::AuthMethod;
use portcullis_core::client_assertion::{PRIVATE_KEY_ALGORITHMS, SECRET_ALGORITHMS};
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

async fn metadata(state: &AppState, realm: &str, headers: &HeaderMap) -> Result<ProviderMetadata, ApiError> {
    let entry = state.cache.realm(state.store.as_ref(), realm).await?.ok_or_else(|| ApiError::not_found("realm"))?;
    let base = base_url(state, headers).ok_or_else(|| ApiError::BadRequest("missing or invalid Host header".into()))?;
    let issuer = realm_issuer(&base, realm);
    let mut scopes: Vec<String> = vec!["openid".into()];
    scopes.extend(state.store.list_scopes(&entry.realm.id).await?.into_iter().map(|s| s.name));
    let strings = |v: &[&str]| v.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
    // Client authentication at the token, introspection and revocation endpoints.
    let methods: Vec<String> = AuthMethod::CONFIDENTIAL.iter().map(|m| m.as_str().to_owned()).collect();
    let assertion_algs: Vec<String> =
        PRIVATE_KEY_ALGORITHMS.iter().chain(SECRET_ALGORITHMS.iter()).map(|a| (*a).to_owned()).collect();
    Ok(ProviderMetadata {
        token_endpoint: format!("{issuer}{}", paths::TOKEN),
        jwks_uri: format!("{issuer}{}", paths::CERTS),
        userinfo_endpoint: format!("{issuer}{}", paths::USERINFO),
        introspection_endpoint: format!("{issuer}{}", paths::INTROSPECT),
        introspection_endpoint_auth_methods_supported: methods.clone(),
        introspection_endpoint_auth_signing_alg_values_supported: assertion_algs.clone(),
        revocation_endpoint: format!("{issuer}{}", paths::REVOKE),
        revocation_endpoint_auth_methods_supported: methods.clone(),
        revocation_endpoint_auth_signing_alg_values_supported: assertion_algs.clone(),
        issuer,
        grant_types_supported: strings(&[
            "client_credentials",
            "password",
            "refresh_token",
            portcullis_core::grant::token_exchange::GRANT_TYPE,
        ]),
        token_endpoint_auth_methods_supported: methods,
        token_endpoint_auth_signing_alg_values_supported: assertion_algs,
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
