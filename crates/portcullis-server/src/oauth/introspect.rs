//! RFC 7662 introspection and RFC 7009 revocation, at Keycloak's locations
//! (`…/token/introspect`, `…/revoke`). Both authenticate the calling client like the token
//! endpoint does. The revocation list lives in the database, so every instance sees it.

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use portcullis_core::event::EventType;
use portcullis_core::introspection::{active_claims, Validity};
use portcullis_core::keys;
use portcullis_core::{OAuthError, OAuthErrorCode};
use serde_json::{json, Map, Value};

use super::audit::{Audit, Who};
use super::client_auth::authenticate_client;
use super::cors::Cors;
use crate::cache::RealmEntry;
use crate::error::OAuthResponseError;
use crate::extract::address::ClientAddress;
use crate::extract::form::TokenForm;
use crate::state::AppState;

/// `POST …/token/introspect`.
pub async fn introspect(
    State(state): State<AppState>,
    Path(realm): Path<String>,
    ClientAddress(address): ClientAddress,
    headers: HeaderMap,
    form: TokenForm,
) -> Response {
    let mut cors = Cors::default();
    let answer = introspect_inner(&state, &realm, &address, &headers, &form, &mut cors).await;
    cors.finish(answer)
}

async fn introspect_inner(
    state: &AppState,
    realm: &str,
    address: &str,
    headers: &HeaderMap,
    form: &TokenForm,
    cors: &mut Cors,
) -> Result<Response, OAuthResponseError> {
    let entry = enabled_realm(state, realm).await?;
    let audit = Audit { state, realm: &entry.realm, address, grant_type: "" };
    let ctx = match authenticate_client(&audit, &entry, headers, form, cors, EventType::IntrospectTokenError).await {
        Ok(ctx) => ctx,
        Err(refused) => return Ok(refused),
    };
    let token = form.get("token").ok_or_else(|| OAuthError::invalid_request("Missing form parameter: token"))?;
    let active = match verified(&entry, token) {
        Some(claims) => {
            let validity = validity(state, &entry, &claims).await?;
            match active_claims(claims, &validity) {
                Some(claims) => Some(without_hidden_claims(state, &entry, claims).await?),
                None => None,
            }
        }
        None => super::refresh::introspect(state, &entry.realm, token, super::now()).await?,
    };
    let who = Who { client_id: &ctx.client.client_id, ..Who::default() };
    audit.event(EventType::IntrospectToken, &who, None);
    let body = active.map_or_else(|| json!({"active": false}), Value::Object);
    Ok(Json(body).into_response())
}

/// `POST …/revoke`. Unknown, invalid or expired tokens are answered 200, as RFC 7009 §2.2
/// asks; a valid token of another client is refused.
pub async fn revoke(
    State(state): State<AppState>,
    Path(realm): Path<String>,
    ClientAddress(address): ClientAddress,
    headers: HeaderMap,
    form: TokenForm,
) -> Response {
    let mut cors = Cors::default();
    let answer = revoke_inner(&state, &realm, &address, &headers, &form, &mut cors).await;
    cors.finish(answer)
}

async fn revoke_inner(
    state: &AppState,
    realm: &str,
    address: &str,
    headers: &HeaderMap,
    form: &TokenForm,
    cors: &mut Cors,
) -> Result<Response, OAuthResponseError> {
    let entry = enabled_realm(state, realm).await?;
    let audit = Audit { state, realm: &entry.realm, address, grant_type: "" };
    let ctx = match authenticate_client(&audit, &entry, headers, form, cors, EventType::RevokeGrantError).await {
        Ok(ctx) => ctx,
        Err(refused) => return Ok(refused),
    };
    let token = form.get("token").ok_or_else(|| OAuthError::invalid_request("Missing form parameter: token"))?;
    let who = Who { client_id: &ctx.client.client_id, ..Who::default() };
    let Some(claims) = verified(&entry, token) else {
        // A refresh token: revoking it ends its session (every refresh token of the login).
        match super::refresh::revoke(state, &entry.realm, &ctx.client.id, token, super::now()).await {
            Ok(true) => audit.event(EventType::RevokeGrant, &who, None),
            Ok(false) => {}
            Err(e) => {
                audit.event(EventType::RevokeGrantError, &who, Some("invalid_client"));
                return Err(e);
            }
        }
        return Ok(StatusCode::OK.into_response());
    };
    let str_claim = |name: &str| claims.get(name).and_then(Value::as_str);
    if str_claim("azp") != Some(ctx.client.client_id.as_str()) {
        audit.event(EventType::RevokeGrantError, &who, Some("invalid_client"));
        return Err(OAuthError::new(
            OAuthErrorCode::UnauthorizedClient,
            "the token was issued to another client: a client may revoke only its own tokens",
        )
        .into());
    }
    let exp = claims.get("exp").and_then(Value::as_i64).unwrap_or(0);
    if let (Some(jti), true) = (str_claim("jti"), exp > super::now()) {
        state.store.revoke_token(&entry.realm.id, jti, exp).await?;
        audit.event(EventType::RevokeGrant, &who, None);
    }
    Ok(StatusCode::OK.into_response())
}

pub(super) async fn enabled_realm(
    state: &AppState,
    realm: &str,
) -> Result<std::sync::Arc<RealmEntry>, OAuthResponseError> {
    Ok(state
        .cache
        .realm(state.store.as_ref(), realm)
        .await?
        .filter(|e| e.realm.enabled)
        .ok_or_else(|| OAuthError::invalid_request("Realm does not exist or is disabled"))?)
}

/// The claims of a token signed by one of the realm's keys and issued by this realm.
pub(super) fn verified(entry: &RealmEntry, token: &str) -> Option<Map<String, Value>> {
    let claims: Map<String, Value> = keys::verify(token, &entry.verify_keys()).ok()?;
    let iss = claims.get("iss").and_then(Value::as_str)?;
    iss.ends_with(&format!("/realms/{}", entry.realm.name)).then_some(claims)
}

/// The claims of the issuing client's mappers switched off for introspection
/// (`introspection.token.claim` = `false`) are not answered.
async fn without_hidden_claims(
    state: &AppState,
    entry: &RealmEntry,
    mut claims: Map<String, Value>,
) -> Result<Map<String, Value>, OAuthResponseError> {
    let Some(azp) = claims.get("azp").and_then(Value::as_str).map(str::to_owned) else { return Ok(claims) };
    if let Some(ctx) = state.cache.client(state.store.as_ref(), entry, &azp).await? {
        let scopes = ctx.default_scopes.iter().chain(&ctx.optional_scopes);
        let mappers = ctx.client.protocol_mappers.iter().chain(scopes.flat_map(|s| &s.protocol_mappers));
        portcullis_core::mappers::hide_from_introspection(mappers, &mut claims);
    }
    Ok(claims)
}

/// Revocation and `notBefore` (the realm's, or the issuing client's if later).
pub(super) async fn validity(
    state: &AppState,
    entry: &RealmEntry,
    claims: &Map<String, Value>,
) -> Result<Validity, OAuthResponseError> {
    let jti = claims.get("jti").and_then(Value::as_str).unwrap_or_default();
    let revoked = !jti.is_empty() && state.store.is_revoked(&entry.realm.id, jti).await?;
    let client_not_before = match claims.get("azp").and_then(Value::as_str) {
        Some(azp) => state.cache.client(state.store.as_ref(), entry, azp).await?.map_or(0, |c| c.client.not_before),
        None => 0,
    };
    Ok(Validity { now: super::now(), not_before: entry.realm.not_before.max(client_not_before), revoked })
}
