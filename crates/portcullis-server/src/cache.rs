//! In-memory cache of what the token endpoint needs, so that a known client costs no
//! database read. Admin writes invalidate a whole realm: entries are detached from the map
//! at once, so a load that raced with a write can only fill a detached entry and is never
//! served.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use portcullis_core::context::ClientContext;
use portcullis_core::error::{CoreError, CoreResult};
use portcullis_core::keys::{Signer, StoredKey};
use portcullis_core::mappers::Subject;
use portcullis_core::realm::Realm;
use portcullis_core::store::Store;
use portcullis_types::jwks::{Jwk, JwkSet};

/// A realm with its parsed keys and the clients loaded so far.
pub struct RealmEntry {
    /// Settings.
    pub realm: Realm,
    /// Signs new tokens.
    pub signer: Arc<Signer>,
    /// Every key that verifies (`kid`, parsed signer), active first.
    pub verifiers: Vec<Arc<Signer>>,
    /// The JWKS document, serialized once.
    pub jwks_json: bytes::Bytes,
    clients: RwLock<HashMap<String, Arc<ClientContext>>>,
}

impl RealmEntry {
    /// `(kid, public DER)` pairs for [`portcullis_core::keys::verify`].
    pub fn verify_keys(&self) -> Vec<(&str, &[u8])> {
        self.verifiers.iter().map(|s| (s.kid(), s.public_der())).collect()
    }
}

/// The cache.
#[derive(Default)]
pub struct Cache {
    realms: RwLock<HashMap<String, Arc<RealmEntry>>>,
}

fn poisoned() -> CoreError {
    CoreError::Storage("cache lock poisoned".into())
}

impl Cache {
    /// The realm named `name`, loading it on a miss; `None` if it does not exist.
    pub async fn realm(&self, store: &dyn Store, name: &str) -> CoreResult<Option<Arc<RealmEntry>>> {
        if let Some(e) = self.realms.read().map_err(|_| poisoned())?.get(name) {
            return Ok(Some(e.clone()));
        }
        let Some(realm) = store.realm_by_name(name).await? else { return Ok(None) };
        let keys = store.signing_keys(&realm.id).await?;
        let entry = Arc::new(build_entry(realm, &keys)?);
        self.realms.write().map_err(|_| poisoned())?.entry(name.to_owned()).or_insert_with(|| entry.clone());
        Ok(Some(entry))
    }

    /// The context of `client_id` in `entry`'s realm, loading it on a miss.
    pub async fn client(
        &self,
        store: &dyn Store,
        entry: &RealmEntry,
        client_id: &str,
    ) -> CoreResult<Option<Arc<ClientContext>>> {
        if let Some(c) = entry.clients.read().map_err(|_| poisoned())?.get(client_id) {
            return Ok(Some(c.clone()));
        }
        let Some(ctx) = load_client_context(store, &entry.realm, client_id).await? else { return Ok(None) };
        let ctx = Arc::new(ctx);
        entry.clients.write().map_err(|_| poisoned())?.insert(client_id.to_owned(), ctx.clone());
        Ok(Some(ctx))
    }

    /// Drops everything cached for a realm (after any admin write that touches it).
    pub fn invalidate(&self, realm_name: &str) {
        if let Ok(mut m) = self.realms.write() {
            m.remove(realm_name);
        }
    }
}

fn build_entry(realm: Realm, keys: &[StoredKey]) -> CoreResult<RealmEntry> {
    let verifiers = keys.iter().map(|k| Signer::from_stored(k).map(Arc::new)).collect::<CoreResult<Vec<_>>>()?;
    let signer = keys
        .iter()
        .position(|k| k.active)
        .and_then(|i| verifiers.get(i).cloned())
        .ok_or_else(|| CoreError::Storage(format!("realm {} has no active signing key", realm.name)))?;
    let jwks_json = jwks_json(&verifiers)?;
    Ok(RealmEntry { realm, signer, verifiers, jwks_json, clients: RwLock::default() })
}

/// The JWKS document (RFC 7517) of a realm's keys, serialized once per realm load.
pub fn jwks_json(signers: &[Arc<Signer>]) -> CoreResult<bytes::Bytes> {
    let keys = signers
        .iter()
        .map(|s| {
            let (n, e) = s.public_jwk_parts();
            Jwk {
                kid: s.kid().to_owned(),
                kty: "RSA".into(),
                alg: portcullis_core::keys::RS256.into(),
                use_: "sig".into(),
                n: n.to_owned(),
                e: e.to_owned(),
            }
        })
        .collect();
    serde_json::to_vec(&JwkSet { keys }).map(Into::into).map_err(|e| CoreError::Storage(e.to_string()))
}

/// Loads a client with its service account, roles and scopes.
pub async fn load_client_context(
    store: &dyn Store,
    realm: &Realm,
    client_id: &str,
) -> CoreResult<Option<ClientContext>> {
    let Some(client) = store.client_by_client_id(&realm.id, client_id).await? else { return Ok(None) };
    let service_account = match store.service_account_user(&client.id).await? {
        Some(user) => Some(subject_of(store, user).await?),
        None => None,
    };
    let links = store.client_scope_links(&client.id).await?;
    let scopes = store.list_scopes(&realm.id).await?;
    let pick = |default: bool| {
        scopes.iter().filter(|s| links.iter().any(|(id, d)| *id == s.id && *d == default)).cloned().collect::<Vec<_>>()
    };
    Ok(Some(ClientContext {
        realm: realm.clone(),
        default_scopes: pick(true),
        optional_scopes: pick(false),
        client,
        service_account,
    }))
}

/// A user with effective roles.
pub async fn subject_of(store: &dyn Store, user: portcullis_core::user::User) -> CoreResult<Subject> {
    let graph = store.role_graph(&user.realm_id).await?;
    let (realm_roles, client_roles) = graph.effective(&store.user_role_ids(&user.id).await?);
    Ok(Subject { user, realm_roles, client_roles })
}
