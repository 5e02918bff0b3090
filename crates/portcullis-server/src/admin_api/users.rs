use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::Json;
use portcullis_core::realm::Realm;
use portcullis_core::role::{default_roles_name, Role};
use portcullis_core::store::UserQuery;
use portcullis_core::user::User;
use portcullis_types::keycloak::{CredentialRepresentation, RoleRepresentation, UserRepresentation};
use serde::Deserialize;
use serde_json::{json, Value};

use super::convert::{apply_user, role_rep, user_rep};
use super::{created, realm, seg, ApiResult};
use crate::error::ApiError;
use crate::extract::admin::Admin;
use crate::extract::body::JsonBody;
use crate::state::AppState;

/// Query of `GET /users` and `GET /users/count`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UsersQuery {
    search: Option<String>,
    username: Option<String>,
    email: Option<String>,
    #[serde(default, deserialize_with = "super::query_bool")]
    exact: bool,
    first: Option<i64>,
    max: Option<i64>,
}

impl UsersQuery {
    fn to_query(&self) -> UserQuery {
        UserQuery {
            search: self.search.clone(),
            username: self.username.clone(),
            email: self.email.clone(),
            exact: self.exact,
            // Keycloak's UsersResource includes service accounts only in field queries.
            exclude_service_accounts: self.username.is_none() && self.email.is_none(),
            first: self.first.unwrap_or(0),
            max: self.max.unwrap_or(100),
        }
    }
}

pub(super) async fn user(state: &AppState, r: &Realm, id: &str) -> ApiResult<User> {
    state.store.get_user(&r.id, id).await?.ok_or_else(|| ApiError::NotFound("User not found".into()))
}

/// Keycloak's default `duplicateEmailsAllowed=false`: an e-mail address belongs to one user.
async fn check_email_free(state: &AppState, r: &Realm, u: &User) -> ApiResult<()> {
    let Some(email) = u.email.as_deref().filter(|e| !e.is_empty()) else { return Ok(()) };
    let q = UserQuery { email: Some(email.to_owned()), exact: true, max: 2, ..Default::default() };
    if state.store.list_users(&r.id, &q).await?.iter().any(|other| other.id != u.id) {
        return Err(ApiError::Conflict("User exists with same email".into()));
    }
    Ok(())
}

async fn hash(state: &AppState, password: String) -> ApiResult<String> {
    state.secrets.hash(password).await.map_err(Into::into)
}

fn password_of(creds: Option<&[CredentialRepresentation]>) -> ApiResult<Option<String>> {
    let Some(creds) = creds else { return Ok(None) };
    for c in creds {
        if c.type_.as_deref().unwrap_or("password") != "password" {
            return Err(ApiError::BadRequest(format!("credential type {:?} is not supported", c.type_)));
        }
        if let Some(v) = &c.value {
            return Ok(Some(v.clone()));
        }
    }
    Ok(None)
}

/// `GET /users`.
pub async fn list(
    _: Admin,
    State(state): State<AppState>,
    Path(realm_name): Path<String>,
    Query(q): Query<UsersQuery>,
) -> ApiResult<Json<Vec<UserRepresentation>>> {
    let r = realm(&state, &realm_name).await?;
    Ok(Json(state.store.list_users(&r.id, &q.to_query()).await?.iter().map(user_rep).collect()))
}

/// `GET /users/count`.
pub async fn count(
    _: Admin,
    State(state): State<AppState>,
    Path(realm_name): Path<String>,
    Query(q): Query<UsersQuery>,
) -> ApiResult<Json<i64>> {
    let r = realm(&state, &realm_name).await?;
    Ok(Json(state.store.count_users(&r.id, &q.to_query()).await?))
}

/// `POST /users`: the new user gets the realm's default roles.
pub async fn create(
    _: Admin,
    State(state): State<AppState>,
    Path(realm_name): Path<String>,
    headers: HeaderMap,
    JsonBody(rep): JsonBody<UserRepresentation>,
) -> ApiResult<Response> {
    let r = realm(&state, &realm_name).await?;
    let username = rep.username.clone().ok_or_else(|| ApiError::BadRequest("username is required".into()))?;
    let mut u = User::new(&r.id, &username, crate::oauth::now() * 1000)?;
    let password = password_of(rep.credentials.as_deref())?;
    apply_user(rep, &mut u);
    u.validate()?;
    check_email_free(&state, &r, &u).await?;
    let hash = match password {
        Some(p) => Some(hash(&state, p).await?),
        None => None,
    };
    let default_roles = state.store.realm_role_by_name(&r.id, &default_roles_name(&r.name)).await?;
    let roles: Vec<String> = default_roles.into_iter().map(|r| r.id).collect();
    state.store.create_user(&u, hash.as_deref(), &roles).await?;
    state.changed(&r.name).await;
    Ok(created(&state, &headers, &format!("/admin/realms/{}/users/{}", seg(&r.name), seg(&u.id))))
}

/// `GET /users/{id}`.
pub async fn get(
    _: Admin,
    State(state): State<AppState>,
    Path((realm_name, id)): Path<(String, String)>,
) -> ApiResult<Json<UserRepresentation>> {
    let r = realm(&state, &realm_name).await?;
    Ok(Json(user_rep(&user(&state, &r, &id).await?)))
}

/// `PUT /users/{id}`: e-mail, names, attributes, flags; a password in `credentials` too.
pub async fn update(
    _: Admin,
    State(state): State<AppState>,
    Path((realm_name, id)): Path<(String, String)>,
    JsonBody(rep): JsonBody<UserRepresentation>,
) -> ApiResult<StatusCode> {
    let r = realm(&state, &realm_name).await?;
    let mut u = user(&state, &r, &id).await?;
    let password = password_of(rep.credentials.as_deref())?;
    apply_user(rep, &mut u);
    u.validate()?;
    check_email_free(&state, &r, &u).await?;
    state.store.update_user(&u).await?;
    if let Some(p) = password {
        state.store.set_password_hash(&u.id, &hash(&state, p).await?).await?;
    }
    state.changed(&r.name).await;
    Ok(StatusCode::NO_CONTENT)
}

/// `DELETE /users/{id}`; a service-account user goes only with its client.
pub async fn delete(
    _: Admin,
    State(state): State<AppState>,
    Path((realm_name, id)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    let r = realm(&state, &realm_name).await?;
    let u = user(&state, &r, &id).await?;
    if u.service_account_client_id.is_some() {
        return Err(ApiError::BadRequest("a service-account user is deleted with its client".into()));
    }
    state.store.delete_user(&r.id, &u.id).await?;
    state.changed(&r.name).await;
    Ok(StatusCode::NO_CONTENT)
}

/// `PUT /users/{id}/reset-password`.
pub async fn reset_password(
    _: Admin,
    State(state): State<AppState>,
    Path((realm_name, id)): Path<(String, String)>,
    JsonBody(cred): JsonBody<CredentialRepresentation>,
) -> ApiResult<StatusCode> {
    let r = realm(&state, &realm_name).await?;
    let u = user(&state, &r, &id).await?;
    let p = password_of(Some(std::slice::from_ref(&cred)))?
        .ok_or_else(|| ApiError::BadRequest("value is required".into()))?;
    state.store.set_password_hash(&u.id, &hash(&state, p).await?).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn direct_realm_roles(state: &AppState, r: &Realm, u: &User) -> ApiResult<Vec<Role>> {
    let ids = state.store.user_role_ids(&u.id).await?;
    Ok(state.store.list_realm_roles(&r.id).await?.into_iter().filter(|role| ids.contains(&role.id)).collect())
}

/// `GET /users/{id}/role-mappings/realm`.
pub async fn realm_role_mappings(
    _: Admin,
    State(state): State<AppState>,
    Path((realm_name, id)): Path<(String, String)>,
) -> ApiResult<Json<Vec<RoleRepresentation>>> {
    let r = realm(&state, &realm_name).await?;
    let u = user(&state, &r, &id).await?;
    Ok(Json(direct_realm_roles(&state, &r, &u).await?.iter().map(role_rep).collect()))
}

/// `GET /users/{id}/role-mappings/realm/composite`: effective realm roles.
pub async fn effective_realm_roles(
    _: Admin,
    State(state): State<AppState>,
    Path((realm_name, id)): Path<(String, String)>,
) -> ApiResult<Json<Vec<RoleRepresentation>>> {
    let r = realm(&state, &realm_name).await?;
    let u = user(&state, &r, &id).await?;
    let graph = state.store.role_graph(&r.id).await?;
    let (names, _) = graph.effective(&state.store.user_role_ids(&u.id).await?);
    Ok(Json(graph.roles.iter().filter(|x| x.client_id.is_none() && names.contains(&x.name)).map(role_rep).collect()))
}

/// `GET /users/{id}/role-mappings`.
pub async fn all_role_mappings(
    _: Admin,
    State(state): State<AppState>,
    Path((realm_name, id)): Path<(String, String)>,
) -> ApiResult<Json<Value>> {
    let r = realm(&state, &realm_name).await?;
    let u = user(&state, &r, &id).await?;
    let realm_mappings: Vec<RoleRepresentation> =
        direct_realm_roles(&state, &r, &u).await?.iter().map(role_rep).collect();
    let client_mappings = super::client_roles::client_mappings(&state, &r, &u).await?;
    Ok(Json(json!({"realmMappings": realm_mappings, "clientMappings": client_mappings})))
}

/// Resolves role representations by id, else by name; any unknown one is a 404.
async fn resolve(state: &AppState, r: &Realm, reps: &[RoleRepresentation]) -> ApiResult<Vec<String>> {
    pick(&state.store.list_realm_roles(&r.id).await?, reps)
}

/// Ids of the `roles` that `reps` name, by id, else by name; any unknown one is a 404.
pub(super) fn pick(roles: &[Role], reps: &[RoleRepresentation]) -> ApiResult<Vec<String>> {
    reps.iter()
        .map(|rep| {
            roles
                .iter()
                .find(|x| rep.id.as_ref().map_or_else(|| rep.name.as_ref() == Some(&x.name), |id| *id == x.id))
                .map(|x| x.id.clone())
                .ok_or_else(|| {
                    ApiError::NotFound(format!(
                        "Role not found: {}",
                        rep.name.as_deref().or(rep.id.as_deref()).unwrap_or("?")
                    ))
                })
        })
        .collect()
}

/// Adds (`add`) or removes realm roles of a user's direct mappings.
async fn map_realm_roles(
    state: &AppState,
    realm_name: &str,
    id: &str,
    reps: &[RoleRepresentation],
    add: bool,
) -> ApiResult<StatusCode> {
    let r = realm(state, realm_name).await?;
    let u = user(state, &r, id).await?;
    let ids = resolve(state, &r, reps).await?;
    if add {
        state.store.add_user_roles(&u.id, &ids).await?;
    } else {
        state.store.remove_user_roles(&u.id, &ids).await?;
    }
    state.changed(&r.name).await;
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /users/{id}/role-mappings/realm`.
pub async fn add_realm_roles(
    _: Admin,
    State(state): State<AppState>,
    Path((realm_name, id)): Path<(String, String)>,
    JsonBody(reps): JsonBody<Vec<RoleRepresentation>>,
) -> ApiResult<StatusCode> {
    map_realm_roles(&state, &realm_name, &id, &reps, true).await
}

/// `DELETE /users/{id}/role-mappings/realm`.
pub async fn remove_realm_roles(
    _: Admin,
    State(state): State<AppState>,
    Path((realm_name, id)): Path<(String, String)>,
    JsonBody(reps): JsonBody<Vec<RoleRepresentation>>,
) -> ApiResult<StatusCode> {
    map_realm_roles(&state, &realm_name, &id, &reps, false).await
}
