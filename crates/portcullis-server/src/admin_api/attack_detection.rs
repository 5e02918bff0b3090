//! Keycloak's attack-detection endpoints (`/attack-detection/brute-force/users[/{id}]`)
//! and their Portcullis extension to clients and source addresses, so that an admin can
//! see every lockout and lift it.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use portcullis_core::brute_force::{FailureKind, FailureRecord};
use serde::Serialize;

use super::{realm, ApiResult};
use crate::error::ApiError;
use crate::extract::admin::Admin;
use crate::oauth::now_ms;
use crate::state::AppState;

/// Keycloak's brute-force status of a user, plus what Portcullis adds.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Status {
    /// `users`, `clients` or `addresses`.
    kind: &'static str,
    /// User id, client id (internal) or address.
    id: String,
    num_failures: i64,
    /// Locked now.
    disabled: bool,
    #[serde(rename = "lastIPFailure")]
    last_ip_failure: String,
    last_failure: i64,
    /// End of the current or last lock (epoch ms), 0 if never locked.
    locked_until: i64,
    /// Lockouts in the current count.
    lockouts: i64,
}

fn kind_name(k: FailureKind) -> &'static str {
    match k {
        FailureKind::Client => "clients",
        FailureKind::User => "users",
        FailureKind::Address => "addresses",
    }
}

fn status(r: FailureRecord, now: i64) -> Status {
    Status {
        kind: kind_name(r.kind),
        disabled: r.locked_until_ms > now,
        id: r.subject,
        num_failures: r.num_failures,
        last_ip_failure: r.last_address,
        last_failure: r.last_failure_ms,
        locked_until: r.locked_until_ms,
        lockouts: r.lockouts,
    }
}

fn kind(s: &str) -> ApiResult<FailureKind> {
    FailureKind::parse(s)
        .ok_or_else(|| ApiError::NotFound(format!("unknown kind '{s}': expected users, clients or addresses")))
}

/// `GET /attack-detection/brute-force`: every counter of the realm.
pub async fn list_all(
    _: Admin,
    State(state): State<AppState>,
    Path(name): Path<String>,
) -> ApiResult<Json<Vec<Status>>> {
    let r = realm(&state, &name).await?;
    let now = now_ms();
    Ok(Json(state.store.list_login_failures(&r.id, None).await?.into_iter().map(|f| status(f, now)).collect()))
}

/// `GET /attack-detection/brute-force/{kind}`.
pub async fn list(
    _: Admin,
    State(state): State<AppState>,
    Path((name, k)): Path<(String, String)>,
) -> ApiResult<Json<Vec<Status>>> {
    let (r, k) = (realm(&state, &name).await?, kind(&k)?);
    let now = now_ms();
    Ok(Json(state.store.list_login_failures(&r.id, Some(k)).await?.into_iter().map(|f| status(f, now)).collect()))
}

/// `GET /attack-detection/brute-force/{kind}/{id}`: Keycloak answers zeros for a user
/// with no failures.
pub async fn get(
    _: Admin,
    State(state): State<AppState>,
    Path((name, k, id)): Path<(String, String, String)>,
) -> ApiResult<Json<Status>> {
    let (r, k) = (realm(&state, &name).await?, kind(&k)?);
    let found = state.store.login_failure(&r.id, k, &id).await?;
    Ok(Json(match found {
        Some(f) => status(f, now_ms()),
        None => Status {
            kind: kind_name(k),
            id,
            num_failures: 0,
            disabled: false,
            last_ip_failure: "n/a".into(),
            last_failure: 0,
            locked_until: 0,
            lockouts: 0,
        },
    }))
}

/// `DELETE /attack-detection/brute-force`: clears every counter and lock of the realm.
pub async fn clear_all(_: Admin, State(state): State<AppState>, Path(name): Path<String>) -> ApiResult<StatusCode> {
    let r = realm(&state, &name).await?;
    state.brute_force.clear(state.store.as_ref(), &r.id, None, None).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `DELETE /attack-detection/brute-force/{kind}`.
pub async fn clear_kind(
    _: Admin,
    State(state): State<AppState>,
    Path((name, k)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    let (r, k) = (realm(&state, &name).await?, kind(&k)?);
    state.brute_force.clear(state.store.as_ref(), &r.id, Some(k), None).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `DELETE /attack-detection/brute-force/{kind}/{id}`.
pub async fn clear(
    _: Admin,
    State(state): State<AppState>,
    Path((name, k, id)): Path<(String, String, String)>,
) -> ApiResult<StatusCode> {
    let (r, k) = (realm(&state, &name).await?, kind(&k)?);
    state.brute_force.clear(state.store.as_ref(), &r.id, Some(k), Some(&id)).await?;
    Ok(StatusCode::NO_CONTENT)
}
