//! Client secrets in the admin API: the realm's storage policy applied to new and chosen
//! secrets, Keycloak's `client-secret` endpoints, and the switch of a realm to hashed
//! storage. With hashed storage a secret is shown once, when it is created or regenerated;
//! reads answer with [`MASKED`] and say why.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use portcullis_core::client::Client;
use portcullis_core::realm::Realm;
use portcullis_core::secret::{validate_secret, ClientSecret, SecretStorage, ATTR_SECRET_STORAGE, MASKED};
use portcullis_types::keycloak::ClientSecretRepresentation;

use super::clients::client;
use super::{realm, ApiResult};
use crate::error::ApiError;
use crate::extract::admin::Admin;
use crate::state::AppState;

const HASHED_NOTICE: &str = "this realm keeps client secrets only as hashes (realm attribute \
    clientSecretStorage=hashed): the secret was shown once, when it was created or regenerated; \
    regenerate it to get a new one";

fn storage_of(realm: &Realm) -> ApiResult<SecretStorage> {
    Ok(SecretStorage::parse(realm.attributes.get(ATTR_SECRET_STORAGE).map(String::as_str))?)
}

/// Sets the secret of a client being created or updated: `chosen` (from the
/// representation) when it is a new value, else a generated one if a confidential client
/// has none. Returns the plaintext when it must be shown now because it will not be
/// readable later.
pub(super) async fn assign(
    state: &AppState,
    realm: &Realm,
    c: &mut Client,
    chosen: Option<String>,
) -> ApiResult<Option<String>> {
    let storage = storage_of(realm)?;
    // Representations read back from a hashed realm carry the mask; sending one back
    // unchanged (python-keycloak's get-modify-update) keeps the secret.
    let chosen = chosen.filter(|s| s != MASKED && c.secret.as_ref().and_then(ClientSecret::plaintext) != Some(s));
    // A secret set here replaces the old one at once (no grace: the admin chose it), with
    // the realm's lifetime.
    let (lifetime, _) = realm.secret_rotation();
    let now = crate::oauth::now();
    if let Some(secret) = chosen {
        validate_secret(&secret)?;
        let kept = match storage {
            SecretStorage::Encrypted => ClientSecret::Plain(secret),
            SecretStorage::Hashed => ClientSecret::Slow(state.secrets.hash(secret).await?),
        };
        c.replace_secret(kept, now, lifetime, 0);
        return Ok(None);
    }
    if c.is_confidential() && c.secret.is_none() {
        let (kept, shown) = ClientSecret::generate(storage, state.secrets.hasher());
        let one_time = kept.plaintext().is_none().then_some(shown);
        c.replace_secret(kept, now, lifetime, 0);
        return Ok(one_time);
    }
    Ok(None)
}

/// The `secret` field of a client representation.
pub(super) fn shown(c: &Client) -> Option<String> {
    let s = c.secret.as_ref().filter(|_| c.is_confidential())?;
    Some(s.plaintext().unwrap_or(MASKED).to_owned())
}

fn secret_rep(c: &Client, one_time: Option<String>) -> ApiResult<Json<ClientSecretRepresentation>> {
    let secret = c.secret.as_ref().filter(|_| c.is_confidential());
    let secret =
        secret.ok_or_else(|| ApiError::BadRequest("the client is public or bearer-only and has no secret".into()))?;
    Ok(match one_time {
        Some(value) => Json(ClientSecretRepresentation { type_: "secret".into(), value, notice: None }),
        None => readable(secret),
    })
}

/// A kept secret as the admin API shows it: itself, or the mask and why.
fn readable(secret: &ClientSecret) -> Json<ClientSecretRepresentation> {
    let (value, notice) = match secret.plaintext() {
        Some(v) => (v.to_owned(), None),
        None => (MASKED.to_owned(), Some(HASHED_NOTICE.to_owned())),
    };
    Json(ClientSecretRepresentation { type_: "secret".into(), value, notice })
}

/// `GET /clients/{id}/client-secret`.
pub async fn get(
    _: Admin,
    State(state): State<AppState>,
    Path((realm_name, id)): Path<(String, String)>,
) -> ApiResult<Json<ClientSecretRepresentation>> {
    let r = realm(&state, &realm_name).await?;
    secret_rep(&client(&state, &r, &id).await?, None)
}

/// `POST /clients/{id}/client-secret`: a new secret. The old one stops working at once,
/// or, when the realm sets a grace period (`client.secret.rotated.expiration.period`),
/// becomes the rotated secret and works until the period ends.
pub async fn regenerate(
    _: Admin,
    State(state): State<AppState>,
    Path((realm_name, id)): Path<(String, String)>,
) -> ApiResult<Json<ClientSecretRepresentation>> {
    let r = realm(&state, &realm_name).await?;
    let mut c = client(&state, &r, &id).await?;
    if !c.is_confidential() {
        return Err(ApiError::BadRequest("the client is public or bearer-only and has no secret".into()));
    }
    let (kept, shown) = ClientSecret::generate(storage_of(&r)?, state.secrets.hasher());
    let (lifetime, grace) = r.secret_rotation();
    c.replace_secret(kept, crate::oauth::now(), lifetime, grace);
    state.store.update_client(&c, None).await?;
    state.changed(&r.name).await;
    secret_rep(&c, Some(shown))
}

/// `GET /clients/{id}/client-secret/rotated`: the previous secret while it still works
/// (masked in a hashed realm); 404 when there is none.
pub async fn get_rotated(
    _: Admin,
    State(state): State<AppState>,
    Path((realm_name, id)): Path<(String, String)>,
) -> ApiResult<Json<ClientSecretRepresentation>> {
    let r = realm(&state, &realm_name).await?;
    let c = client(&state, &r, &id).await?;
    let now = crate::oauth::now();
    let rotated = c
        .rotated_secret
        .as_ref()
        .filter(|s| c.live_secrets(now).any(|live| std::ptr::eq(live, *s)))
        .ok_or_else(|| ApiError::not_found("rotated client secret"))?;
    Ok(readable(rotated))
}

/// `DELETE /clients/{id}/client-secret/rotated`: the previous secret stops working now.
pub async fn delete_rotated(
    _: Admin,
    State(state): State<AppState>,
    Path((realm_name, id)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    let r = realm(&state, &realm_name).await?;
    let mut c = client(&state, &r, &id).await?;
    if c.drop_rotated_secret() {
        state.store.update_client(&c, None).await?;
        state.changed(&r.name).await;
    }
    Ok(StatusCode::NO_CONTENT)
}

/// After a realm switched to hashed storage: replaces every retrievable secret of the
/// realm with its Argon2id hash (their entropy is unknown, so they get the slow KDF).
/// Returns how many it replaced.
pub(super) async fn hash_retrievable_secrets(state: &AppState, realm: &Realm) -> ApiResult<usize> {
    if storage_of(realm)? != SecretStorage::Hashed {
        return Ok(0);
    }
    let mut replaced = 0;
    for mut c in state.store.list_clients(&realm.id, None).await? {
        let mut changed = false;
        for slot in [&mut c.secret, &mut c.rotated_secret] {
            if let Some(plain) = slot.as_ref().and_then(ClientSecret::plaintext).map(str::to_owned) {
                *slot = Some(ClientSecret::Slow(state.secrets.hash(plain).await?));
                changed = true;
            }
        }
        if changed {
            state.store.update_client(&c, None).await?;
            replaced += 1;
        }
    }
    if replaced > 0 {
        tracing::info!(realm = %realm.name, clients = replaced, "client secrets now kept only as hashes");
    }
    Ok(replaced)
}
