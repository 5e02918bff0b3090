use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::Json;
use portcullis_core::realm::Realm;
use portcullis_core::{defaults, keys};
use portcullis_types::keycloak::RealmRepresentation;

use super::convert::{apply_realm, realm_rep};
use super::{created, realm, seg, ApiResult};
use crate::error::ApiError;
use crate::extract::admin::{Admin, MASTER_REALM};
use crate::extract::body::JsonBody;
use crate::state::AppState;

/// `GET /admin/realms`.
pub async fn list(_: Admin, State(state): State<AppState>) -> ApiResult<Json<Vec<RealmRepresentation>>> {
    Ok(Json(state.store.list_realms().await?.iter().map(realm_rep).collect()))
}

/// `POST /admin/realms`: a realm with Keycloak's default roles and client scopes.
pub async fn create(
    _: Admin,
    State(state): State<AppState>,
    headers: HeaderMap,
    JsonBody(rep): JsonBody<RealmRepresentation>,
) -> ApiResult<Response> {
    let name = rep.realm.clone().ok_or_else(|| ApiError::BadRequest("realm name is required".into()))?;
    let mut realm = Realm::new(&name)?;
    if let Some(id) = rep.id.clone().filter(|i| !i.is_empty()) {
        realm.id = id;
    } else if state.store.list_realms().await?.iter().any(|r| r.id == realm.id) {
        // A renamed realm keeps its id, which may be this name: take a fresh one.
        realm.id = portcullis_core::new_id();
    }
    apply_realm(rep, &mut realm);
    realm.validate()?;
    let now = crate::oauth::now();
    let realm_id = realm.id.clone();
    let (seed, key) = tokio::task::spawn_blocking(move || {
        Ok::<_, portcullis_core::CoreError>((defaults::realm_seed(realm)?, keys::generate_key(&realm_id, now)?))
    })
    .await
    .map_err(|e| ApiError::Internal(e.to_string()))??;
    match state.store.create_realm(&seed, &key).await {
        // Keycloak's exact 409 body: python-keycloak's create_realm(skip_exists=True) accepts
        // the conflict only when the whole JSON body equals it.
        Err(portcullis_core::CoreError::Conflict(detail)) => {
            tracing::debug!(%detail, "realm exists");
            let body = serde_json::json!({"errorMessage": "Conflict detected. See logs for details"});
            return Ok(axum::response::IntoResponse::into_response((StatusCode::CONFLICT, Json(body))));
        }
        other => other?,
    }
    state.cache.invalidate(&name);
    Ok(created(&state, &headers, &format!("/admin/realms/{}", seg(&name))))
}

/// `GET /admin/realms/{realm}`.
pub async fn get(
    _: Admin,
    State(state): State<AppState>,
    Path(name): Path<String>,
) -> ApiResult<Json<RealmRepresentation>> {
    Ok(Json(realm_rep(&realm(&state, &name).await?)))
}

/// `PUT /admin/realms/{realm}`: changes settings, including the name.
pub async fn update(
    _: Admin,
    State(state): State<AppState>,
    Path(name): Path<String>,
    JsonBody(rep): JsonBody<RealmRepresentation>,
) -> ApiResult<StatusCode> {
    let mut r = realm(&state, &name).await?;
    if name == MASTER_REALM && rep.realm.as_deref().is_some_and(|n| n != MASTER_REALM) {
        return Err(ApiError::BadRequest("the master realm cannot be renamed".into()));
    }
    apply_realm(rep, &mut r);
    r.validate()?;
    state.store.update_realm(&r).await?;
    state.cache.invalidate(&name);
    state.cache.invalidate(&r.name);
    Ok(StatusCode::NO_CONTENT)
}

/// `DELETE /admin/realms/{realm}`.
pub async fn delete(_: Admin, State(state): State<AppState>, Path(name): Path<String>) -> ApiResult<StatusCode> {
    if name == MASTER_REALM {
        return Err(ApiError::BadRequest("the master realm cannot be deleted".into()));
    }
    let r = realm(&state, &name).await?;
    state.store.delete_realm(&r.id).await?;
    state.cache.invalidate(&name);
    Ok(StatusCode::NO_CONTENT)
}
