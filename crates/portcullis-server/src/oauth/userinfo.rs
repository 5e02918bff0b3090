//! The OpenID Connect UserInfo endpoint (OIDC Core §5.3) at Keycloak's location: the
//! claims of the user an access token was issued for, as far as its scopes allow. Errors
//! are RFC 6750 §3: 401 `invalid_token`, or 403 `insufficient_scope` without `openid`
//! (as Keycloak answers).

use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use portcullis_core::introspection::active_claims;
use serde_json::{json, Map, Value};

use super::introspect::{enabled_realm, validity, verified};
use crate::state::AppState;

/// `GET` or `POST …/protocol/openid-connect/userinfo` with `Authorization: Bearer`.
pub async fn userinfo(State(state): State<AppState>, Path(realm): Path<String>, headers: HeaderMap) -> Response {
    match answer(&state, &realm, &headers).await {
        Ok(claims) => Json(Value::Object(claims)).into_response(),
        Err(refusal) => refusal,
    }
}

fn refuse(status: StatusCode, error: &str, description: &str) -> Response {
    let challenge = format!(r#"Bearer error="{error}", error_description="{description}""#);
    let mut r = (status, Json(json!({"error": error, "error_description": description}))).into_response();
    if let Ok(v) = HeaderValue::from_str(&challenge) {
        r.headers_mut().insert(header::WWW_AUTHENTICATE, v);
    }
    r
}

async fn answer(state: &AppState, realm: &str, headers: &HeaderMap) -> Result<Map<String, Value>, Response> {
    let invalid = |d: &str| refuse(StatusCode::UNAUTHORIZED, "invalid_token", d);
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer ").or_else(|| v.strip_prefix("bearer ")))
        .map(str::trim)
        .ok_or_else(|| invalid("Missing bearer token"))?;
    let entry = enabled_realm(state, realm).await.map_err(IntoResponse::into_response)?;
    let claims = verified(&entry, token).ok_or_else(|| invalid("Token verification failed"))?;
    let validity = validity(state, &entry, &claims).await.map_err(IntoResponse::into_response)?;
    let claims = active_claims(claims, &validity).ok_or_else(|| invalid("Token is not active"))?;
    let scopes: Vec<&str> = claims.get("scope").and_then(Value::as_str).unwrap_or_default().split(' ').collect();
    if !scopes.contains(&"openid") {
        return Err(refuse(StatusCode::FORBIDDEN, "insufficient_scope", "Missing openid scope"));
    }
    let sub = claims.get("sub").and_then(Value::as_str).ok_or_else(|| invalid("Token has no subject"))?;
    let user = state
        .store
        .get_user(&entry.realm.id, sub)
        .await
        .map_err(|e| crate::error::OAuthResponseError::from(e).into_response())?
        .filter(|u| u.enabled)
        .ok_or_else(|| invalid("User not found or disabled"))?;
    let mut out = Map::new();
    out.insert("sub".into(), json!(user.id));
    if scopes.contains(&"profile") {
        out.insert("preferred_username".into(), json!(user.username));
        let name = [user.first_name.as_deref(), user.last_name.as_deref()].into_iter().flatten().collect::<Vec<_>>();
        if !name.is_empty() {
            out.insert("name".into(), json!(name.join(" ")));
        }
        if let Some(v) = &user.first_name {
            out.insert("given_name".into(), json!(v));
        }
        if let Some(v) = &user.last_name {
            out.insert("family_name".into(), json!(v));
        }
    }
    if scopes.contains(&"email") {
        if let Some(v) = &user.email {
            out.insert("email".into(), json!(v));
        }
        out.insert("email_verified".into(), json!(user.email_verified));
    }
    Ok(out)
}
