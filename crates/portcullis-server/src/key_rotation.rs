//! Signing key rotation without downtime: a new key of each algorithm in use becomes the
//! active one; the keys it replaces keep verifying, and stay in the JWKS, until the last
//! token they can have signed has expired; then they retire (and are deleted by the
//! pruning task). Shared by the admin API and `portcullis keys rotate`.

use portcullis_core::error::{CoreError, CoreResult};
use portcullis_core::keys::{self, StoredKey};
use portcullis_core::realm::Realm;
use portcullis_core::store::Store;

/// Rotates `realm`'s keys: one new key for each algorithm with an active key (the realm's
/// and those clients chose). `margin` (seconds) covers instances that keep signing with a
/// cached key until they hear of the rotation (at most their cache TTL). Returns the new
/// key of the realm's algorithm and when the replaced ones retire.
pub async fn rotate(store: &dyn Store, realm: &Realm, now: i64, margin: i64) -> CoreResult<(StoredKey, i64)> {
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
        let replaced = store.rotate_signing_key(&key, retire_at).await?;
        tracing::info!(realm = %realm.name, kid = %key.kid, alg = %key.algorithm, replaced, retire_at, "signing key rotated");
        realm_key.get_or_insert(key);
    }
    let key = realm_key.ok_or_else(|| CoreError::Crypto("no key generated".into()))?;
    Ok((key, retire_at))
}
