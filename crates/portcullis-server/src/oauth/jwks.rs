use axum::extract::{Path, State};
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};

use crate::error::ApiError;
use crate::state::AppState;

/// `GET /realms/{realm}/protocol/openid-connect/certs`: the realm's public keys (RFC 7517).
pub async fn certs(State(state): State<AppState>, Path(realm): Path<String>) -> Result<Response, ApiError> {
    let entry = state.cache.realm(state.store.as_ref(), &realm).await?.ok_or_else(|| ApiError::not_found("realm"))?;
    let mut resp = entry.jwks_json.clone().into_response();
    resp.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    Ok(resp)
}
