use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::Json;
use portcullis_core::realm::Realm;
use portcullis_core::{defaults, keys};
use portcullis_types::keycloak::RealmRepresentation;

use super::convert::{apply_realm, realm_rep};
use super::{client_secret, created, realm, seg, ApiResult};
use crate::error::ApiError;
use crate::extract::admin::{Admin, MASTER_REALM};
use crate::extract::body::{JsonBody, JsonText};
use crate::state::AppState;

/// `GET /admin/realms`.
pub async fn list(admin: Admin, State(state): State<AppState>) -> ApiResult<Json<Vec<RealmRepresentation>>> {
    let realms = state.store.list_realms().await?;
    Ok(Json(realms.iter().filter(|r| admin.sees(&r.name)).map(realm_rep).collect()))
}

/// Query of `POST /admin/realms`.
#[derive(Debug, serde::Deserialize)]
pub struct CreateQuery {
    /// Portcullis' own: answer an import with its report. Keycloak answers 201 with no
    /// body, and clients such as python-keycloak expect exactly that.
    #[serde(default, deserialize_with = "super::query_bool")]
    report: bool,
}

/// `POST /admin/realms`: a realm with Keycloak's default roles and client scopes, or, as
/// in Keycloak, a whole realm export (clients, client scopes, roles, users) imported in
/// one transaction.
pub async fn create(
    _: Admin,
    State(state): State<AppState>,
    axum::extract::Query(q): axum::extract::Query<CreateQuery>,
    headers: HeaderMap,
    JsonText(text): JsonText,
) -> ApiResult<Response> {
    let raw: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| ApiError::BadRequest(format!("invalid JSON body: {e}")))?;
    let is_export = ["clients", "users", "clientScopes", "roles"]
        .iter()
        .any(|k| raw.get(k).is_some_and(|v| !v.is_null() && v.as_array().is_none_or(|a| !a.is_empty())));
    if is_export {
        return import(&state, &headers, text, q.report).await;
    }
    let rep: RealmRepresentation =
        serde_json::from_value(raw).map_err(|e| ApiError::BadRequest(format!("invalid JSON body: {e}")))?;
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
        let key = keys::generate_key(&realm_id, &realm.default_signature_algorithm, now)?;
        Ok::<_, portcullis_core::CoreError>((defaults::realm_seed(realm)?, key))
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
    state.changed(&name).await;
    Ok(created(&state, &headers, &format!("/admin/realms/{}", seg(&name))))
}

async fn import(state: &AppState, headers: &HeaderMap, text: String, with_report: bool) -> ApiResult<Response> {
    use crate::realm_io::ImportError;
    let report =
        crate::realm_io::import(state.store.as_ref(), state.secrets.hasher(), text).await.map_err(|e| match e {
            ImportError::Exists(_) => ApiError::Conflict(e.to_string()),
            ImportError::Store(inner) => ApiError::from(inner),
            other => ApiError::BadRequest(format!("realm import refused: {other}")),
        })?;
    state.changed(&report.realm).await;
    let mut resp = created(state, headers, &format!("/admin/realms/{}", seg(&report.realm)));
    if !with_report {
        return Ok(resp);
    }
    *resp.body_mut() = axum::body::Body::from(serde_json::to_vec(&report).unwrap_or_default());
    resp.headers_mut()
        .insert(axum::http::header::CONTENT_TYPE, axum::http::HeaderValue::from_static("application/json"));
    Ok(resp)
}

/// `POST /admin/realms/{realm}/partialImport`: Keycloak's partial import of realm roles,
/// clients, client roles and users, with `ifResourceExists` FAIL, SKIP or OVERWRITE.
pub async fn partial_import(
    _: Admin,
    State(state): State<AppState>,
    Path(name): Path<String>,
    JsonText(text): JsonText,
) -> ApiResult<Json<crate::realm_io::Outcome>> {
    use crate::realm_io::ImportError;
    let r = realm(&state, &name).await?;
    let outcome = crate::realm_io::partial_import(state.store.as_ref(), state.secrets.hasher(), &r, &text)
        .await
        .map_err(|e| match e {
            ImportError::Exists(m) => ApiError::Conflict(m),
            ImportError::Store(inner) => ApiError::from(inner),
            other => ApiError::BadRequest(format!("partial import refused: {other}")),
        });
    state.changed(&name).await;
    Ok(Json(outcome?))
}

/// Query of `partial-export`.
#[derive(Debug, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ExportQuery {
    #[serde(default, deserialize_with = "super::query_bool")]
    export_clients: bool,
    #[serde(default, deserialize_with = "super::query_bool")]
    export_groups_and_roles: bool,
}

/// `POST /admin/realms/{realm}/partial-export`: as Keycloak's, the realm with its client
/// scopes, and on request its clients and roles; secrets masked, no users.
pub async fn partial_export(
    _: Admin,
    State(state): State<AppState>,
    Path(name): Path<String>,
    axum::extract::Query(q): axum::extract::Query<ExportQuery>,
) -> ApiResult<Json<portcullis_types::keycloak::RealmExport>> {
    let r = realm(&state, &name).await?;
    let mut doc = crate::realm_io::export(state.store.as_ref(), &r, false).await?;
    doc.users.clear();
    if !q.export_clients {
        doc.clients.clear();
    }
    if !q.export_groups_and_roles {
        doc.roles = None;
    }
    Ok(Json(doc))
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
    ensure_signing_key(&state, &r).await?;
    state.store.update_realm(&r).await?;
    client_secret::hash_retrievable_secrets(&state, &r).await?;
    state.changed(&name).await;
    state.changed(&r.name).await;
    Ok(StatusCode::NO_CONTENT)
}

/// `DELETE /admin/realms/{realm}`.
pub async fn delete(_: Admin, State(state): State<AppState>, Path(name): Path<String>) -> ApiResult<StatusCode> {
    if name == MASTER_REALM {
        return Err(ApiError::BadRequest("the master realm cannot be deleted".into()));
    }
    let r = realm(&state, &name).await?;
    state.store.delete_realm(&r.id).await?;
    state.changed(&name).await;
    Ok(StatusCode::NO_CONTENT)
}

/// Gives `realm` an active key of its `defaultSignatureAlgorithm` if it has none. Older keys
/// stay active (one per algorithm) and in the JWKS, so tokens signed before a switch keep
/// verifying. Runs before the realm is saved, so no load sees the new algorithm without
/// its key.
async fn ensure_signing_key(state: &AppState, realm: &Realm) -> ApiResult<()> {
    ensure_key(state, realm, realm.signature_algorithm()?).await
}

/// Gives `realm` an active key of `alg` if it has none (for the realm's algorithm, or a
/// client's `access.token.signed.response.alg`).
pub(super) async fn ensure_key(state: &AppState, realm: &Realm, alg: keys::Algorithm) -> ApiResult<()> {
    let keys = state.store.signing_keys(&realm.id).await?;
    if keys.iter().any(|k| k.active && k.algorithm == alg.as_str()) {
        return Ok(());
    }
    let now = crate::oauth::now();
    let realm_id = realm.id.clone();
    let key = tokio::task::spawn_blocking(move || keys::generate_key(&realm_id, alg.as_str(), now))
        .await
        .map_err(|e| ApiError::Internal(e.to_string()))??;
    tracing::info!(realm = %realm.name, kid = %key.kid, %alg, "new signing key");
    state.store.add_signing_key(&key).await?;
    Ok(())
}

/// `POST /admin/realms/{realm}/push-revocation`: Keycloak pushes the realm's `notBefore`
/// to clients' admin URLs. Portcullis's resource servers learn it through introspection
/// instead, so there is nothing to push: the answer lists no request either way.
pub async fn push_revocation(
    _: Admin,
    State(state): State<AppState>,
    Path(name): Path<String>,
) -> ApiResult<Json<serde_json::Value>> {
    realm(&state, &name).await?;
    Ok(Json(serde_json::json!({"successRequests": [], "failedRequests": []})))
}

/// `POST /admin/realms/{realm}/clients/{id}/push-revocation`, as above for one client.
pub async fn push_revocation_client(
    _: Admin,
    State(state): State<AppState>,
    Path((name, id)): Path<(String, String)>,
) -> ApiResult<Json<serde_json::Value>> {
    let r = realm(&state, &name).await?;
    super::clients::client(&state, &r, &id).await?;
    Ok(Json(serde_json::json!({"successRequests": [], "failedRequests": []})))
}
