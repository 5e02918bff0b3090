use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse as _, Response};
use axum::Json;
use portcullis_core::client::Client;
use portcullis_core::realm::Realm;
use portcullis_core::role::default_roles_name;
use portcullis_core::store::ClientSeed;
use portcullis_core::user::{User, SERVICE_ACCOUNT_PREFIX};
use portcullis_types::keycloak::{ClientRepresentation, UserRepresentation};
use serde::Deserialize;

use super::convert::{apply_client, client_rep, user_rep};
use super::{client_secret, created, realm, seg, ApiResult};
use crate::error::ApiError;
use crate::extract::admin::Admin;
use crate::extract::body::JsonBody;
use crate::state::AppState;

/// Query of `GET /clients`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ClientQuery {
    client_id: Option<String>,
    #[serde(default, deserialize_with = "super::query_bool")]
    search: bool,
    first: Option<usize>,
    max: Option<usize>,
}

pub(super) async fn client(state: &AppState, realm: &Realm, id: &str) -> ApiResult<Client> {
    state.store.get_client(&realm.id, id).await?.ok_or_else(|| ApiError::not_found("client"))
}

/// Scope names linked to a client: `(default, optional)`.
pub(super) async fn scope_names(
    state: &AppState,
    realm: &Realm,
    client: &Client,
) -> ApiResult<(Vec<String>, Vec<String>)> {
    let links = state.store.client_scope_links(&client.id).await?;
    let scopes = state.store.list_scopes(&realm.id).await?;
    let names = |default: bool| {
        scopes
            .iter()
            .filter(|s| links.iter().any(|(id, d)| *id == s.id && *d == default))
            .map(|s| s.name.clone())
            .collect()
    };
    Ok((names(true), names(false)))
}

async fn rep_of(state: &AppState, realm: &Realm, c: &Client) -> ApiResult<ClientRepresentation> {
    let (d, o) = scope_names(state, realm, c).await?;
    Ok(client_rep(c, d, o))
}

/// A new service-account user for `client`, holding the realm's default roles.
async fn new_service_account(state: &AppState, realm: &Realm, client: &Client) -> ApiResult<(User, Vec<String>)> {
    let user = User::service_account(&realm.id, &client.id, &client.client_id, crate::oauth::now() * 1000);
    let default_roles = state.store.realm_role_by_name(&realm.id, &default_roles_name(&realm.name)).await?;
    Ok((user, default_roles.into_iter().map(|r| r.id).collect()))
}

/// `GET /clients?clientId=&search=&first=&max=`.
pub async fn list(
    _: Admin,
    State(state): State<AppState>,
    Path(realm_name): Path<String>,
    Query(q): Query<ClientQuery>,
) -> ApiResult<Json<Vec<ClientRepresentation>>> {
    let r = realm(&state, &realm_name).await?;
    let exact = q.client_id.as_deref().filter(|_| !q.search);
    let mut clients = state.store.list_clients(&r.id, exact).await?;
    if let (true, Some(needle)) = (q.search, q.client_id.as_deref()) {
        let needle = needle.to_lowercase();
        clients.retain(|c| c.client_id.to_lowercase().contains(&needle));
    }
    let mut reps = Vec::new();
    for c in clients.iter().skip(q.first.unwrap_or(0)).take(q.max.unwrap_or(usize::MAX)) {
        reps.push(rep_of(&state, &r, c).await?);
    }
    Ok(Json(reps))
}

/// `POST /clients`: a given `secret` is kept, otherwise one is generated.
pub async fn create(
    _: Admin,
    State(state): State<AppState>,
    Path(realm_name): Path<String>,
    headers: HeaderMap,
    JsonBody(rep): JsonBody<ClientRepresentation>,
) -> ApiResult<Response> {
    let r = realm(&state, &realm_name).await?;
    let client_id = rep.client_id.clone().ok_or_else(|| ApiError::BadRequest("clientId is required".into()))?;
    let mut c = Client::new(&r.id, &client_id)?;
    if let Some(id) = rep.id.clone().filter(|i| !i.is_empty()) {
        c.id = id;
    }
    let (wanted_default, wanted_optional) = (rep.default_client_scopes.clone(), rep.optional_client_scopes.clone());
    let chosen = rep.secret.clone();
    apply_client(rep, &mut c);
    c.validate()?;
    if let Some(alg) = c.access_token_algorithm() {
        super::realms::ensure_key(&state, &r, alg).await?;
    }
    let one_time = client_secret::assign(&state, &r, &mut c, chosen).await?;
    let scopes = match (wanted_default, wanted_optional) {
        (None, None) => state.store.realm_default_scopes(&r.id).await?,
        (d, o) => {
            let all = state.store.list_scopes(&r.id).await?;
            let ids = |names: Option<Vec<String>>, default: bool| {
                let names = names.unwrap_or_default();
                all.iter()
                    .filter(move |s| names.contains(&s.name))
                    .map(move |s| (s.id.clone(), default))
                    .collect::<Vec<_>>()
            };
            ids(d, true).into_iter().chain(ids(o, false)).collect()
        }
    };
    let service_account =
        if c.service_accounts_enabled { Some(new_service_account(&state, &r, &c).await?) } else { None };
    state.store.create_client(&ClientSeed { client: c.clone(), service_account, scopes }).await?;
    state.changed(&r.name).await;
    let mut resp = created(&state, &headers, &format!("/admin/realms/{}/clients/{}", seg(&r.name), seg(&c.id)));
    if let Some(secret) = one_time {
        // Keycloak answers 201 without a body; a realm that keeps only hashes shows the
        // generated secret here, the one time it exists in the clear.
        let mut rep = rep_of(&state, &r, &c).await?;
        rep.secret = Some(secret);
        let location = resp.headers().get(axum::http::header::LOCATION).cloned();
        resp = (StatusCode::CREATED, Json(rep)).into_response();
        if let Some(l) = location {
            resp.headers_mut().insert(axum::http::header::LOCATION, l);
        }
    }
    Ok(resp)
}

/// `GET /clients/{id}`.
pub async fn get(
    _: Admin,
    State(state): State<AppState>,
    Path((realm_name, id)): Path<(String, String)>,
) -> ApiResult<Json<ClientRepresentation>> {
    let r = realm(&state, &realm_name).await?;
    let c = client(&state, &r, &id).await?;
    Ok(Json(rep_of(&state, &r, &c).await?))
}

/// `PUT /clients/{id}`: enabling service accounts creates the service-account user.
pub async fn update(
    _: Admin,
    State(state): State<AppState>,
    Path((realm_name, id)): Path<(String, String)>,
    JsonBody(rep): JsonBody<ClientRepresentation>,
) -> ApiResult<StatusCode> {
    let r = realm(&state, &realm_name).await?;
    let mut c = client(&state, &r, &id).await?;
    let old_client_id = c.client_id.clone();
    let chosen = rep.secret.clone();
    apply_client(rep, &mut c);
    c.validate()?;
    if let Some(alg) = c.access_token_algorithm() {
        super::realms::ensure_key(&state, &r, alg).await?;
    }
    // A secret generated here (a client turned confidential in a hashed realm) is readable
    // nowhere: regenerating it is how the admin gets to see one.
    client_secret::assign(&state, &r, &mut c, chosen).await?;
    let existing_sa = state.store.service_account_user(&c.id).await?;
    let new_sa = if c.service_accounts_enabled && existing_sa.is_none() {
        Some(new_service_account(&state, &r, &c).await?)
    } else {
        None
    };
    // Keycloak's `clientIdChanged`: the service-account username follows the clientId.
    let renamed_sa = match existing_sa.filter(|_| c.client_id != old_client_id) {
        Some(mut sa) => {
            sa.username = format!("{SERVICE_ACCOUNT_PREFIX}{}", c.client_id.to_lowercase());
            if state.store.user_by_username(&r.id, &sa.username).await?.is_some_and(|other| other.id != sa.id) {
                return Err(ApiError::Conflict("User exists with same username".into()));
            }
            Some(sa)
        }
        None => None,
    };
    state.store.update_client(&c, new_sa.as_ref()).await?;
    if let Some(sa) = renamed_sa {
        state.store.update_user(&sa).await?;
    }
    state.changed(&r.name).await;
    Ok(StatusCode::NO_CONTENT)
}

/// `DELETE /clients/{id}`: with its service account and roles.
pub async fn delete(
    _: Admin,
    State(state): State<AppState>,
    Path((realm_name, id)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    let r = realm(&state, &realm_name).await?;
    if !state.store.delete_client(&r.id, &id).await? {
        return Err(ApiError::not_found("client"));
    }
    state.changed(&r.name).await;
    Ok(StatusCode::NO_CONTENT)
}

/// `GET /clients/{id}/service-account-user`.
pub async fn service_account_user(
    _: Admin,
    State(state): State<AppState>,
    Path((realm_name, id)): Path<(String, String)>,
) -> ApiResult<Json<UserRepresentation>> {
    let r = realm(&state, &realm_name).await?;
    let c = client(&state, &r, &id).await?;
    let user = state
        .store
        .service_account_user(&c.id)
        .await?
        .ok_or_else(|| ApiError::BadRequest("Service account not enabled for the client".into()))?;
    Ok(Json(user_rep(&user)))
}
