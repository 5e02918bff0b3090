use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::Json;
use portcullis_core::realm::Realm;
use portcullis_core::scope::ClientScope;

use portcullis_types::keycloak::ClientScopeRepresentation;

use super::clients::client;
use super::convert::{apply_scope, scope_rep};
use super::{created, realm, seg, ApiResult};
use crate::error::ApiError;
use crate::extract::admin::Admin;
use crate::extract::body::JsonBody;
use crate::state::AppState;

async fn scope(state: &AppState, r: &Realm, id: &str) -> ApiResult<ClientScope> {
    state.store.get_scope(&r.id, id).await?.ok_or_else(|| ApiError::not_found("client scope"))
}

/// `GET /client-scopes`.
pub async fn list(
    _: Admin,
    State(state): State<AppState>,
    Path(realm_name): Path<String>,
) -> ApiResult<Json<Vec<ClientScopeRepresentation>>> {
    let r = realm(&state, &realm_name).await?;
    Ok(Json(state.store.list_scopes(&r.id).await?.iter().map(scope_rep).collect()))
}

/// `POST /client-scopes`.
pub async fn create(
    _: Admin,
    State(state): State<AppState>,
    Path(realm_name): Path<String>,
    headers: HeaderMap,
    JsonBody(rep): JsonBody<ClientScopeRepresentation>,
) -> ApiResult<Response> {
    let r = realm(&state, &realm_name).await?;
    let name = rep.name.clone().ok_or_else(|| ApiError::BadRequest("name is required".into()))?;
    let mut s = ClientScope::new(&r.id, &name)?;
    if let Some(id) = rep.id.clone().filter(|i| !i.is_empty()) {
        s.id = id;
    }
    apply_scope(rep, &mut s);
    s.validate()?;
    state.store.create_scope(&s).await?;
    state.changed(&r.name).await;
    Ok(created(&state, &headers, &format!("/admin/realms/{}/client-scopes/{}", seg(&r.name), seg(&s.id))))
}

/// `GET /client-scopes/{id}`.
pub async fn get(
    _: Admin,
    State(state): State<AppState>,
    Path((realm_name, id)): Path<(String, String)>,
) -> ApiResult<Json<ClientScopeRepresentation>> {
    let r = realm(&state, &realm_name).await?;
    Ok(Json(scope_rep(&scope(&state, &r, &id).await?)))
}

/// `PUT /client-scopes/{id}`.
pub async fn update(
    _: Admin,
    State(state): State<AppState>,
    Path((realm_name, id)): Path<(String, String)>,
    JsonBody(rep): JsonBody<ClientScopeRepresentation>,
) -> ApiResult<StatusCode> {
    let r = realm(&state, &realm_name).await?;
    let mut s = scope(&state, &r, &id).await?;
    apply_scope(rep, &mut s);
    s.validate()?;
    state.store.update_scope(&s).await?;
    state.changed(&r.name).await;
    Ok(StatusCode::NO_CONTENT)
}

/// `DELETE /client-scopes/{id}`: also unlinks it from every client.
pub async fn delete(
    _: Admin,
    State(state): State<AppState>,
    Path((realm_name, id)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    let r = realm(&state, &realm_name).await?;
    if !state.store.delete_scope(&r.id, &id).await? {
        return Err(ApiError::not_found("client scope"));
    }
    state.changed(&r.name).await;
    Ok(StatusCode::NO_CONTENT)
}

async fn linked(
    state: &AppState,
    realm_name: &str,
    id: &str,
    default: bool,
) -> ApiResult<Json<Vec<ClientScopeRepresentation>>> {
    let r = realm(state, realm_name).await?;
    let c = client(state, &r, id).await?;
    let links = state.store.client_scope_links(&c.id).await?;
    let scopes = state.store.list_scopes(&r.id).await?;
    Ok(Json(
        scopes
            .iter()
            .filter(|s| links.iter().any(|(sid, d)| *sid == s.id && *d == default))
            .map(|s| ClientScopeRepresentation {
                id: Some(s.id.clone()),
                name: Some(s.name.clone()),
                ..Default::default()
            })
            .collect(),
    ))
}

async fn link(state: &AppState, realm_name: &str, id: &str, scope_id: &str, default: bool) -> ApiResult<StatusCode> {
    let r = realm(state, realm_name).await?;
    let c = client(state, &r, id).await?;
    let s = scope(state, &r, scope_id).await?;
    state.store.link_client_scope(&c.id, &s.id, default).await?;
    state.changed(&r.name).await;
    Ok(StatusCode::NO_CONTENT)
}

async fn unlink(state: &AppState, realm_name: &str, id: &str, scope_id: &str, default: bool) -> ApiResult<StatusCode> {
    let r = realm(state, realm_name).await?;
    let c = client(state, &r, id).await?;
    let s = scope(state, &r, scope_id).await?;
    state.store.unlink_client_scope(&c.id, &s.id, default).await?;
    state.changed(&r.name).await;
    Ok(StatusCode::NO_CONTENT)
}

/// `GET /clients/{id}/default-client-scopes`.
pub async fn list_default(
    _: Admin,
    State(s): State<AppState>,
    Path((r, id)): Path<(String, String)>,
) -> ApiResult<Json<Vec<ClientScopeRepresentation>>> {
    linked(&s, &r, &id, true).await
}

/// `GET /clients/{id}/optional-client-scopes`.
pub async fn list_optional(
    _: Admin,
    State(s): State<AppState>,
    Path((r, id)): Path<(String, String)>,
) -> ApiResult<Json<Vec<ClientScopeRepresentation>>> {
    linked(&s, &r, &id, false).await
}

/// `PUT /clients/{id}/default-client-scopes/{scope}` (a body, if any, is ignored).
pub async fn add_default(
    _: Admin,
    State(s): State<AppState>,
    Path((r, id, sc)): Path<(String, String, String)>,
) -> ApiResult<StatusCode> {
    link(&s, &r, &id, &sc, true).await
}

/// `PUT /clients/{id}/optional-client-scopes/{scope}`.
pub async fn add_optional(
    _: Admin,
    State(s): State<AppState>,
    Path((r, id, sc)): Path<(String, String, String)>,
) -> ApiResult<StatusCode> {
    link(&s, &r, &id, &sc, false).await
}

/// `DELETE /clients/{id}/default-client-scopes/{scope}`.
pub async fn remove_default(
    _: Admin,
    State(s): State<AppState>,
    Path((r, id, sc)): Path<(String, String, String)>,
) -> ApiResult<StatusCode> {
    unlink(&s, &r, &id, &sc, true).await
}

/// `DELETE /clients/{id}/optional-client-scopes/{scope}`.
pub async fn remove_optional(
    _: Admin,
    State(s): State<AppState>,
    Path((r, id, sc)): Path<(String, String, String)>,
) -> ApiResult<StatusCode> {
    unlink(&s, &r, &id, &sc, false).await
}
