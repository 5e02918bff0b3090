//! Protocol mappers of clients and client scopes:
//! `{clients|client-scopes}/{id}/protocol-mappers/models[/{mapperId}]` and `add-models`.

use axum::extract::{FromRequestParts, MatchedPath, Path, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::Json;
use portcullis_core::client::Client;
use portcullis_core::realm::Realm;
use portcullis_core::scope::{ClientScope, ProtocolMapper};
use portcullis_types::keycloak::ProtocolMapperRepresentation;

use super::clients::client;
use super::convert::{mapper_from_rep, mapper_rep};
use super::{created, realm, seg, ApiResult};
use crate::error::ApiError;
use crate::extract::admin::Admin;
use crate::extract::body::JsonBody;
use crate::state::AppState;

/// Which kind of owner the matched route is about.
pub struct Kind(&'static str);

impl<S: Send + Sync> FromRequestParts<S> for Kind {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let matched = MatchedPath::from_request_parts(parts, state).await.map_err(|_| ApiError::not_found("route"))?;
        Ok(Kind(if matched.as_str().contains("/client-scopes/") { "client-scopes" } else { "clients" }))
    }
}

/// What owns the mappers: a client or a client scope.
enum Owner {
    Client(Box<Client>),
    Scope(ClientScope),
}

impl Owner {
    async fn load(state: &AppState, r: &Realm, kind: &Kind, id: &str) -> ApiResult<Self> {
        match kind.0 {
            "clients" => Ok(Self::Client(Box::new(client(state, r, id).await?))),
            _ => Ok(Self::Scope(
                state.store.get_scope(&r.id, id).await?.ok_or_else(|| ApiError::not_found("client scope"))?,
            )),
        }
    }

    fn mappers(&mut self) -> &mut Vec<ProtocolMapper> {
        match self {
            Self::Client(c) => &mut c.protocol_mappers,
            Self::Scope(s) => &mut s.protocol_mappers,
        }
    }

    async fn save(self, state: &AppState, r: &Realm) -> ApiResult<()> {
        match &self {
            Self::Client(c) => {
                c.validate()?;
                state.store.update_client(c, None).await?
            }
            Self::Scope(s) => {
                s.validate()?;
                state.store.update_scope(s).await?
            }
        }
        state.changed(&r.name).await;
        Ok(())
    }
}

fn find(owner: &mut Owner, mapper_id: &str) -> ApiResult<usize> {
    owner.mappers().iter().position(|m| m.id == mapper_id).ok_or_else(|| ApiError::not_found("protocol mapper"))
}

/// `GET .../protocol-mappers/models`.
pub async fn list(
    _: Admin,
    State(state): State<AppState>,
    kind: Kind,
    Path((realm_name, id)): Path<(String, String)>,
) -> ApiResult<Json<Vec<ProtocolMapperRepresentation>>> {
    let r = realm(&state, &realm_name).await?;
    let mut owner = Owner::load(&state, &r, &kind, &id).await?;
    Ok(Json(owner.mappers().iter().map(mapper_rep).collect()))
}

/// `POST .../protocol-mappers/models`.
pub async fn create(
    _: Admin,
    State(state): State<AppState>,
    kind: Kind,
    Path((realm_name, id)): Path<(String, String)>,
    headers: HeaderMap,
    JsonBody(rep): JsonBody<ProtocolMapperRepresentation>,
) -> ApiResult<Response> {
    let r = realm(&state, &realm_name).await?;
    let mut owner = Owner::load(&state, &r, &kind, &id).await?;
    let mut mapper = mapper_from_rep(rep);
    mapper.id = portcullis_core::new_id();
    let mapper_id = mapper.id.clone();
    owner.mappers().push(mapper);
    owner.save(&state, &r).await?;
    let path =
        format!("/admin/realms/{}/{}/{}/protocol-mappers/models/{}", seg(&r.name), kind.0, seg(&id), seg(&mapper_id));
    Ok(created(&state, &headers, &path))
}

/// `POST .../protocol-mappers/add-models`: several at once.
pub async fn add_many(
    _: Admin,
    State(state): State<AppState>,
    kind: Kind,
    Path((realm_name, id)): Path<(String, String)>,
    JsonBody(reps): JsonBody<Vec<ProtocolMapperRepresentation>>,
) -> ApiResult<StatusCode> {
    let r = realm(&state, &realm_name).await?;
    let mut owner = Owner::load(&state, &r, &kind, &id).await?;
    for rep in reps {
        let mut mapper = mapper_from_rep(rep);
        mapper.id = portcullis_core::new_id();
        owner.mappers().push(mapper);
    }
    owner.save(&state, &r).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `GET .../protocol-mappers/models/{mapperId}`.
pub async fn get(
    _: Admin,
    State(state): State<AppState>,
    kind: Kind,
    Path((realm_name, id, mapper_id)): Path<(String, String, String)>,
) -> ApiResult<Json<ProtocolMapperRepresentation>> {
    let r = realm(&state, &realm_name).await?;
    let mut owner = Owner::load(&state, &r, &kind, &id).await?;
    let i = find(&mut owner, &mapper_id)?;
    Ok(Json(mapper_rep(&owner.mappers()[i])))
}

/// `PUT .../protocol-mappers/models/{mapperId}`.
pub async fn update(
    _: Admin,
    State(state): State<AppState>,
    kind: Kind,
    Path((realm_name, id, mapper_id)): Path<(String, String, String)>,
    JsonBody(rep): JsonBody<ProtocolMapperRepresentation>,
) -> ApiResult<StatusCode> {
    let r = realm(&state, &realm_name).await?;
    let mut owner = Owner::load(&state, &r, &kind, &id).await?;
    let i = find(&mut owner, &mapper_id)?;
    let mut mapper = mapper_from_rep(rep);
    mapper.id = mapper_id;
    owner.mappers()[i] = mapper;
    owner.save(&state, &r).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `DELETE .../protocol-mappers/models/{mapperId}`.
pub async fn delete(
    _: Admin,
    State(state): State<AppState>,
    kind: Kind,
    Path((realm_name, id, mapper_id)): Path<(String, String, String)>,
) -> ApiResult<StatusCode> {
    let r = realm(&state, &realm_name).await?;
    let mut owner = Owner::load(&state, &r, &kind, &id).await?;
    let i = find(&mut owner, &mapper_id)?;
    owner.mappers().remove(i);
    owner.save(&state, &r).await?;
    Ok(StatusCode::NO_CONTENT)
}
