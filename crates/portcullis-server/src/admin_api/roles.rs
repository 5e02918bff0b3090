use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::Json;
use portcullis_core::realm::Realm;
use portcullis_core::role::{default_roles_name, validate_role_name, Role};
use portcullis_types::keycloak::RoleRepresentation;

use super::convert::role_rep;
use super::{created, realm, seg, ApiResult};
use crate::error::ApiError;
use crate::extract::admin::Admin;
use crate::extract::body::JsonBody;
use crate::state::AppState;

pub(super) async fn role_by_name(state: &AppState, r: &Realm, name: &str) -> ApiResult<Role> {
    state.store.realm_role_by_name(&r.id, name).await?.ok_or_else(|| ApiError::not_found("role"))
}

/// `GET /roles`.
pub async fn list(
    _: Admin,
    State(state): State<AppState>,
    Path(realm_name): Path<String>,
) -> ApiResult<Json<Vec<RoleRepresentation>>> {
    let r = realm(&state, &realm_name).await?;
    Ok(Json(state.store.list_realm_roles(&r.id).await?.iter().map(role_rep).collect()))
}

/// `POST /roles`.
pub async fn create(
    _: Admin,
    State(state): State<AppState>,
    Path(realm_name): Path<String>,
    headers: HeaderMap,
    JsonBody(rep): JsonBody<RoleRepresentation>,
) -> ApiResult<Response> {
    let r = realm(&state, &realm_name).await?;
    let name = rep.name.ok_or_else(|| ApiError::BadRequest("name is required".into()))?;
    let role = Role::new_realm_role(&r.id, &name, rep.description)?;
    state.store.create_role(&role).await?;
    state.changed(&r.name).await;
    Ok(created(&state, &headers, &format!("/admin/realms/{}/roles/{}", seg(&r.name), seg(&name))))
}

/// `GET /roles/{name}`.
pub async fn get(
    _: Admin,
    State(state): State<AppState>,
    Path((realm_name, name)): Path<(String, String)>,
) -> ApiResult<Json<RoleRepresentation>> {
    let r = realm(&state, &realm_name).await?;
    Ok(Json(role_rep(&role_by_name(&state, &r, &name).await?)))
}

/// `PUT /roles/{name}`: name and description.
pub async fn update(
    _: Admin,
    State(state): State<AppState>,
    Path((realm_name, name)): Path<(String, String)>,
    JsonBody(rep): JsonBody<RoleRepresentation>,
) -> ApiResult<StatusCode> {
    let r = realm(&state, &realm_name).await?;
    let mut role = role_by_name(&state, &r, &name).await?;
    if let Some(n) = rep.name {
        validate_role_name(&n)?;
        role.name = n;
    }
    if rep.description.is_some() {
        role.description = rep.description;
    }
    state.store.update_role(&role).await?;
    state.changed(&r.name).await;
    Ok(StatusCode::NO_CONTENT)
}

/// `DELETE /roles/{name}`; the realm's default role cannot go.
pub async fn delete(
    _: Admin,
    State(state): State<AppState>,
    Path((realm_name, name)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    let r = realm(&state, &realm_name).await?;
    if name == default_roles_name(&r.name) {
        return Err(ApiError::BadRequest("the realm's default role cannot be deleted".into()));
    }
    let role = role_by_name(&state, &r, &name).await?;
    state.store.delete_role(&role.id).await?;
    state.changed(&r.name).await;
    Ok(StatusCode::NO_CONTENT)
}
