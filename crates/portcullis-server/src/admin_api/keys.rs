//! `GET /admin/realms/{realm}/keys` in Keycloak's `KeysMetadataRepresentation` shape, and
//! Portcullis's `POST /admin/realms/{realm}/keys/rotate`.

use axum::extract::{Path, State};
use axum::Json;
use portcullis_core::keys::Algorithm;
use serde_json::{json, Value};

use super::{realm, ApiResult};
use crate::extract::admin::Admin;
use crate::state::AppState;

/// `GET /keys`: every key still verifying, active ones first.
pub async fn list(_: Admin, State(state): State<AppState>, Path(name): Path<String>) -> ApiResult<Json<Value>> {
    let r = realm(&state, &name).await?;
    Ok(Json(metadata(&state, &r.id).await?))
}

/// `POST /keys/rotate`: a new active key; the old one verifies until its tokens expired.
pub async fn rotate(_: Admin, State(state): State<AppState>, Path(name): Path<String>) -> ApiResult<Json<Value>> {
    let r = realm(&state, &name).await?;
    let margin = state.config.cache.ttl.as_secs() as i64;
    crate::key_rotation::rotate(state.store.as_ref(), &r, crate::oauth::now(), margin).await?;
    state.changed(&r.name).await;
    Ok(Json(metadata(&state, &r.id).await?))
}

async fn metadata(state: &AppState, realm_id: &str) -> ApiResult<Value> {
    let now = crate::oauth::now();
    let keys: Vec<_> = state.store.signing_keys(realm_id).await?.into_iter().filter(|k| k.live(now)).collect();
    let mut active = serde_json::Map::new();
    let mut list = Vec::new();
    for k in &keys {
        if k.active {
            active.entry(k.algorithm.clone()).or_insert_with(|| json!(k.kid));
        }
        let kty = match k.algorithm.parse::<Algorithm>() {
            Ok(Algorithm::Rs256 | Algorithm::Ps256) => "RSA",
            Ok(Algorithm::Es256) => "EC",
            _ => "OKP",
        };
        let mut entry = json!({
            "providerId": format!("portcullis-{}", k.algorithm.to_lowercase()),
            "providerPriority": if k.active { 100 } else { 0 },
            "kid": k.kid,
            "status": if k.active { "ACTIVE" } else { "PASSIVE" },
            "type": kty,
            "algorithm": k.algorithm,
            "use": "SIG",
            "createdAt": k.created_at * 1000,
        });
        if k.retire_at > 0 {
            entry["validTo"] = json!(k.retire_at * 1000);
        }
        list.push(entry);
    }
    Ok(json!({"active": active, "keys": list}))
}
