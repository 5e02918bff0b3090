//! Signing key rotation without downtime: a new key of each algorithm in use becomes the
//! active one; the keys it replaces keep verifying, and stay in the JWKS, until the last
//! token they can have signed has expired; then they retire (and are deleted by the
//! pruning task). Shared by the admin API and `portcullis keys rotate`.

use std::time::Duration;

use portcullis_core::error::{CoreError, CoreResult};
use portcullis_core::keys::{self, StoredKey};
use portcullis_core::realm::Realm;
use portcullis_core::store::Store;

/// Rotates `realm`'s keys: one new key for each algorithm with an active key (the realm's
/// and those clients chose). `margin` (seconds) covers instances that keep signing with a
/// cached key until they hear of the rotation (at most their cache TTL). Returns the new
/// key of the realm's algorithm and when the replaced ones retire.
pub async fn rotate(store: &dyn Store, realm: &Realm, now: i64, margin: i64) -> CoreResult<(StoredKey, i64)> {
    rotate_keys(store, realm, now, margin, None).await?.ok_or_else(|| CoreError::Crypto("no key generated".into()))
}

/// How often each instance looks for realms due for automatic rotation.
const CHECK_EVERY: Duration = Duration::from_secs(5);

/// Rotates, on every instance's timer, the keys of realms with a
/// `signingKeyRotationPeriod` whose active key has reached that age. The store's
/// conditional rotation makes one instance win; the others change nothing.
pub fn spawn_automatic(state: crate::AppState) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(CHECK_EVERY);
        loop {
            tick.tick().await;
            match rotate_due(&state).await {
                Ok(()) => {}
                // Readiness reports an unreachable database; no warning every few seconds.
                Err(e @ CoreError::Unavailable(_)) => tracing::debug!(error = %e, "automatic key rotation skipped"),
                Err(e) => tracing::warn!(error = %e, "automatic key rotation failed"),
            }
        }
    });
}

async fn rotate_due(state: &crate::AppState) -> CoreResult<()> {
    let now = crate::oauth::now();
    let margin = state.config.cache.ttl.as_secs() as i64;
    for realm in state.store.list_realms().await? {
        let Some(period) = realm.key_rotation_period() else { continue };
        let newest = state
            .store
            .signing_keys(&realm.id)
            .await?
            .into_iter()
            .filter(|k| k.active && k.algorithm == realm.default_signature_algorithm)
            .map(|k| k.created_at)
            .max()
            .unwrap_or(0);
        if now - newest < period {
            continue;
        }
        if rotate_keys(state.store.as_ref(), &realm, now, margin, Some(now - period + 1)).await?.is_some() {
            state.changed(&realm.name).await;
        }
    }
    Ok(())
}

async fn rotate_keys(
    store: &dyn Store,
    realm: &Realm,
    now: i64,
    margin: i64,
    only_if_created_before: Option<i64>,
) -> CoreResult<Option<(StoredKey, i64)>> {
    let clients = store.list_clients(&realm.id, None).await?;
    let longest = clients.iter().map(|c| c.access_token_lifespan(realm.access_token_lifespan)).max().unwrap_or(0);
    let max_lifespan = longest.max(realm.access_token_lifespan);
    let retire_at = keys::retire_time(now, max_lifespan, margin);
    let mut algorithms = vec![realm.default_signature_algorithm.clone()];
    for k in store.signing_keys(&realm.id).await? {
        if k.active && !algorithms.contains(&k.algorithm) {
            algorithms.push(k.algorithm);
        }
    }
    let mut realm_key = None;
    for alg in algorithms {
        let realm_id = realm.id.clone();
        let key = tokio::task::spawn_blocking(move || keys::generate_key(&realm_id, &alg, now))
            .await
            .map_err(|e| CoreError::Crypto(e.to_string()))??;
        let replaced = store.rotate_signing_key(&key, retire_at, only_if_created_before).await?;
        if replaced == 0 && only_if_created_before.is_some() {
            // Another instance rotated first (or this key is young): nothing done.
            continue;
        }
        tracing::info!(realm = %realm.name, kid = %key.kid, alg = %key.algorithm, replaced, retire_at, "signing key rotated");
        realm_key.get_or_insert(key);
    }
    Ok(realm_key.map(|k| (k, retire_at)))
}
