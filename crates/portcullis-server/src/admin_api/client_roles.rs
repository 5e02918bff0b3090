//! Client roles (`/clients/{id}/roles`) and their mapping to users
//! (`/users/{id}/role-mappings/clients/{client}`), Keycloak's shapes. This is how a realm
//! user becomes one of its administrators: `realm-management` roles mapped to the user.

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::Json;
use portcullis_core::admin_access::REALM_MANAGEMENT;
use portcullis_core::client::Client;
use portcullis_core::realm::Realm;
use portcullis_core::role::Role;
use portcullis_core::user::User;
use portcullis_types::keycloak::RoleRepresentation;
use serde_json::{json, Map, Value};

use super::clients::client;
use super::convert::role_rep;
use super::users::user;
use super::{created, realm, seg, ApiResult};
use crate::error::ApiError;
use crate::extract::admin::Admin;
use crate::extract::body::JsonBody;
use crate::state::AppState;

async fn role_of(state: &AppState, c: &Client, name: &str) -> ApiResult<Role> {
    state.store.client_role_by_name(&c.id, name).await?.ok_or_else(|| ApiError::not_found("role"))
}

/// `GET /clients/{id}/roles`.
pub async fn list(
    _: Admin,
    State(state): State<AppState>,
    Path((realm_name, id)): Path<(String, String)>,
) -> ApiResult<Json<Vec<RoleRepresentation>>> {
    let r = realm(&state, &realm_name).await?;
    let c = client(&state, &r, &id).await?;
    Ok(Json(state.store.list_client_roles(&c.id).await?.iter().map(role_rep).collect()))
}

/// `POST /clients/{id}/roles`.
pub async fn create(
    _: Admin,
    State(state): State<AppState>,
    Path((realm_name, id)): Path<(String, String)>,
    headers: HeaderMap,
    JsonBody(rep): JsonBody<RoleRepresentation>,
) -> ApiResult<Response> {
    let r = realm(&state, &realm_name).await?;
    let c = client(&state, &r, &id).await?;
    let name = rep.name.ok_or_else(|| ApiError::BadRequest("name is required".into()))?;
    state.store.create_role(&Role::new_client_role(&r.id, &c.id, &name, rep.description)?).await?;
    state.changed(&r.name).await;
    Ok(created(
        &state,
        &headers,
        &format!("/admin/realms/{}/clients/{}/roles/{}", seg(&r.name), seg(&c.id), seg(&name)),
    ))
}

/// `GET /clients/{id}/roles/{name}`.
pub async fn get(
    _: Admin,
    State(state): State<AppState>,
    Path((realm_name, id, name)): Path<(String, String, String)>,
) -> ApiResult<Json<RoleRepresentation>> {
    let r = realm(&state, &realm_name).await?;
    let c = client(&state, &r, &id).await?;
    Ok(Json(role_rep(&role_of(&state, &c, &name).await?)))
}

/// `DELETE /clients/{id}/roles/{name}`.
pub async fn delete(
    _: Admin,
    State(state): State<AppState>,
    Path((realm_name, id, name)): Path<(String, String, String)>,
) -> ApiResult<StatusCode> {
    let r = realm(&state, &realm_name).await?;
    let c = client(&state, &r, &id).await?;
    let role = role_of(&state, &c, &name).await?;
    state.store.delete_role(&role.id).await?;
    state.changed(&r.name).await;
    Ok(StatusCode::NO_CONTENT)
}

async fn direct(state: &AppState, c: &Client, u: &User) -> ApiResult<Vec<Role>> {
    let ids = state.store.user_role_ids(&u.id).await?;
    Ok(state.store.list_client_roles(&c.id).await?.into_iter().filter(|r| ids.contains(&r.id)).collect())
}

/// Keycloak's `clientMappings` of `GET /users/{id}/role-mappings`, from the realm's role
/// graph (one read for every client's roles).
pub(super) async fn client_mappings(state: &AppState, r: &Realm, u: &User) -> ApiResult<Value> {
    let ids = state.store.user_role_ids(&u.id).await?;
    let graph = state.store.role_graph(&r.id).await?;
    let mut out = Map::new();
    for role in graph.roles.iter().filter(|x| ids.contains(&x.id)) {
        let Some((internal, client_id)) = role.client_id.as_ref().and_then(|c| Some((c, graph.client_ids.get(c)?)))
        else {
            continue;
        };
        let entry = out
            .entry(client_id.clone())
            .or_insert_with(|| json!({"id": internal, "client": client_id, "mappings": []}));
        if let Some(list) = entry["mappings"].as_array_mut() {
            list.push(serde_json::to_value(role_rep(role)).map_err(|e| ApiError::Internal(e.to_string()))?);
        }
    }
    Ok(Value::Object(out))
}

/// `GET /users/{id}/role-mappings/clients/{client}`.
pub async fn mappings(
    _: Admin,
    State(state): State<AppState>,
    Path((realm_name, id, client_id)): Path<(String, String, String)>,
) -> ApiResult<Json<Vec<RoleRepresentation>>> {
    let r = realm(&state, &realm_name).await?;
    let (u, c) = (user(&state, &r, &id).await?, client(&state, &r, &client_id).await?);
    Ok(Json(direct(&state, &c, &u).await?.iter().map(role_rep).collect()))
}

/// `POST /users/{id}/role-mappings/clients/{client}`. A `realm-management` role is granted
/// only by an administrator who holds it (or `realm-admin`), as Keycloak requires.
pub async fn add(
    admin: Admin,
    State(state): State<AppState>,
    Path((realm_name, id, client_id)): Path<(String, String, String)>,
    JsonBody(reps): JsonBody<Vec<RoleRepresentation>>,
) -> ApiResult<StatusCode> {
    let r = realm(&state, &realm_name).await?;
    let c = client(&state, &r, &client_id).await?;
    if c.client_id == REALM_MANAGEMENT {
        let roles = state.store.list_client_roles(&c.id).await?;
        let ids = super::users::pick(&roles, &reps)?;
        if let Some(role) = roles.iter().find(|x| ids.contains(&x.id) && !admin.may_grant(&x.name)) {
            return Err(ApiError::Forbidden(format!(
                "HTTP 403 Forbidden: only an administrator holding '{}' (or realm-admin) may grant it",
                role.name
            )));
        }
    }
    map(&state, &realm_name, &id, &client_id, &reps, true).await
}

/// `DELETE /users/{id}/role-mappings/clients/{client}`.
pub async fn remove(
    _: Admin,
    State(state): State<AppState>,
    Path((realm_name, id, client_id)): Path<(String, String, String)>,
    JsonBody(reps): JsonBody<Vec<RoleRepresentation>>,
) -> ApiResult<StatusCode> {
    map(&state, &realm_name, &id, &client_id, &reps, false).await
}

async fn map(
    state: &AppState,
    realm_name: &str,
    id: &str,
    client_id: &str,
    reps: &[RoleRepresentation],
    add: bool,
) -> ApiResult<StatusCode> {
    let r = realm(state, realm_name).await?;
    let (u, c) = (user(state, &r, id).await?, client(state, &r, client_id).await?);
    let ids = super::users::pick(&state.store.list_client_roles(&c.id).await?, reps)?;
    if add {
        state.store.add_user_roles(&u.id, &ids).await?;
    } else {
        state.store.remove_user_roles(&u.id, &ids).await?;
    }
    state.changed(&r.name).await;
    Ok(StatusCode::NO_CONTENT)
}
