//! In-memory cache of what the token endpoint needs, so that a known client costs no
//! database read.
//!
//! Freshness: an admin write invalidates its realm here and, through the store's change
//! feed (PostgreSQL `NOTIFY`), on every other instance. Entries also expire after a TTL so
//! that a lost notification cannot keep stale data longer than that. An expired entry is
//! refreshed by one request while the others keep using it; when the database cannot be
//! reached, entries keep serving until they are `max_stale` old.
//!
//! Races: invalidation detaches a realm's entry from the map, so a client load that raced
//! with a write fills a detached entry; a realm load that started before an invalidation
//! is not inserted (generation check).

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use portcullis_core::context::ClientContext;
use portcullis_core::error::{CoreError, CoreResult};
use portcullis_core::grant::MappedCache;
use portcullis_core::keys::{Signer, StoredKey, VerifyKey};
use portcullis_core::mappers::Subject;
use portcullis_core::realm::Realm;
use portcullis_core::store::Store;
use portcullis_types::jwks::{Jwk, JwkSet};

/// A realm with its parsed keys and the clients loaded so far.
pub struct RealmEntry {
    /// Settings.
    pub realm: Realm,
    /// Signs new tokens: the newest active key of the realm's algorithm.
    pub signer: Arc<Signer>,
    /// The newest active key of each other algorithm, for clients that choose one.
    other_signers: Vec<Arc<Signer>>,
    /// Every key that verifies (`kid`, parsed signer), active first.
    pub verifiers: Vec<Arc<Signer>>,
    /// The JWKS document, serialized once.
    pub jwks_json: bytes::Bytes,
    clients: RwLock<HashMap<String, Arc<ClientContext>>>,
    loaded_at: Instant,
    refreshing: AtomicBool,
}

impl RealmEntry {
    /// The key that signs `client`'s tokens: of the algorithm it chooses
    /// (`access.token.signed.response.alg`), else of the realm's.
    pub fn signer_for(&self, client: &portcullis_core::client::Client) -> &Arc<Signer> {
        client
            .access_token_algorithm()
            .filter(|alg| *alg != self.signer.algorithm())
            .and_then(|alg| self.other_signers.iter().find(|s| s.algorithm() == alg))
            .unwrap_or(&self.signer)
    }

    /// The public keys for [`portcullis_core::keys::verify`], each bound to its algorithm.
    pub fn verify_keys(&self) -> Vec<VerifyKey<'_>> {
        self.verifiers.iter().map(|s| s.verify_key()).collect()
    }
}

/// How long cached data may live.
#[derive(Debug, Clone, Copy)]
pub struct CachePolicy {
    /// Age after which an entry is refreshed from the database.
    pub ttl: Duration,
    /// Age up to which an entry keeps serving while the database is unreachable.
    pub max_stale: Duration,
}

impl Default for CachePolicy {
    fn default() -> Self {
        Self { ttl: Duration::from_secs(30), max_stale: Duration::from_secs(300) }
    }
}

/// The cache.
#[derive(Default)]
pub struct Cache {
    realms: RwLock<HashMap<String, Arc<RealmEntry>>>,
    policy: CachePolicy,
    generation: AtomicU64,
}

fn poisoned() -> CoreError {
    CoreError::Storage("cache lock poisoned".into())
}

impl Cache {
    /// An empty cache with the given policy.
    pub fn new(policy: CachePolicy) -> Self {
        Self { policy, ..Self::default() }
    }

    /// Whether the realm is cached now (it exists), without touching the database.
    pub fn is_known(&self, name: &str) -> bool {
        self.realms.read().is_ok_and(|m| m.contains_key(name))
    }

    /// The realm named `name`, loading it on a miss; `None` if it does not exist.
    pub async fn realm(&self, store: &dyn Store, name: &str) -> CoreResult<Option<Arc<RealmEntry>>> {
        let cached = self.realms.read().map_err(|_| poisoned())?.get(name).cloned();
        crate::metrics::cache_lookup("realm", cached.is_some());
        if let Some(e) = &cached {
            // Fresh, or another request is already refreshing it: serve what we have.
            if e.loaded_at.elapsed() < self.policy.ttl || e.refreshing.swap(true, Ordering::AcqRel) {
                return Ok(cached);
            }
        }
        let generation = self.generation.load(Ordering::Acquire);
        match load_realm(store, name).await {
            Ok(loaded) => {
                let mut map = self.realms.write().map_err(|_| poisoned())?;
                // A load that overlapped an invalidation may hold data from before the
                // write: answer this request with it, but do not keep it.
                if self.generation.load(Ordering::Acquire) == generation {
                    match &loaded {
                        Some(e) => map.insert(name.to_owned(), e.clone()),
                        None => map.remove(name),
                    };
                }
                Ok(loaded)
            }
            Err(err) => {
                if let Some(e) = &cached {
                    e.refreshing.store(false, Ordering::Release);
                    if matches!(err, CoreError::Unavailable(_)) && e.loaded_at.elapsed() < self.policy.max_stale {
                        tracing::warn!(realm = name, error = %err, "database unavailable; serving cached realm");
                        return Ok(cached);
                    }
                }
                Err(err)
            }
        }
    }

    /// The context of `client_id` in `entry`'s realm, loading it on a miss.
    pub async fn client(
        &self,
        store: &dyn Store,
        entry: &RealmEntry,
        client_id: &str,
    ) -> CoreResult<Option<Arc<ClientContext>>> {
        if let Some(c) = entry.clients.read().map_err(|_| poisoned())?.get(client_id) {
            crate::metrics::cache_lookup("client", true);
            return Ok(Some(c.clone()));
        }
        crate::metrics::cache_lookup("client", false);
        let Some(ctx) = load_client_context(store, &entry.realm, client_id).await? else { return Ok(None) };
        let ctx = Arc::new(ctx);
        entry.clients.write().map_err(|_| poisoned())?.insert(client_id.to_owned(), ctx.clone());
        Ok(Some(ctx))
    }

    /// Drops everything cached for a realm (after any admin write that touches it).
    pub fn invalidate(&self, realm_name: &str) {
        self.generation.fetch_add(1, Ordering::AcqRel);
        if let Ok(mut m) = self.realms.write() {
            m.remove(realm_name);
        }
    }

    /// Drops everything (when change notifications may have been missed).
    pub fn clear(&self) {
        self.generation.fetch_add(1, Ordering::AcqRel);
        if let Ok(mut m) = self.realms.write() {
            m.clear();
        }
    }
}

async fn load_realm(store: &dyn Store, name: &str) -> CoreResult<Option<Arc<RealmEntry>>> {
    let Some(realm) = store.realm_by_name(name).await? else { return Ok(None) };
    let now = crate::oauth::now();
    let keys: Vec<StoredKey> = store.signing_keys(&realm.id).await?.into_iter().filter(|k| k.live(now)).collect();
    Ok(Some(Arc::new(build_entry(realm, &keys)?)))
}

fn build_entry(realm: Realm, keys: &[StoredKey]) -> CoreResult<RealmEntry> {
    let verifiers = keys.iter().map(|k| Signer::from_stored(k).map(Arc::new)).collect::<CoreResult<Vec<_>>>()?;
    // The newest active key of the realm's algorithm (keys come active first, newest
    // first); any active key if that algorithm has none, which the admin API prevents.
    let alg = &realm.default_signature_algorithm;
    let signer = keys
        .iter()
        .position(|k| k.active && k.algorithm == *alg)
        .or_else(|| {
            tracing::warn!(realm = %realm.name, %alg, "no active signing key of the realm's algorithm");
            keys.iter().position(|k| k.active)
        })
        .and_then(|i| verifiers.get(i).cloned())
        .ok_or_else(|| CoreError::Storage(format!("realm {} has no active signing key", realm.name)))?;
    let mut other_signers: Vec<Arc<Signer>> = Vec::new();
    for (k, s) in keys.iter().zip(&verifiers) {
        if k.active
            && s.algorithm() != signer.algorithm()
            && !other_signers.iter().any(|o| o.algorithm() == s.algorithm())
        {
            other_signers.push(s.clone());
        }
    }
    let jwks_json = jwks_json(&verifiers)?;
    Ok(RealmEntry {
        realm,
        signer,
        other_signers,
        verifiers,
        jwks_json,
        clients: RwLock::default(),
        loaded_at: Instant::now(),
        refreshing: AtomicBool::new(false),
    })
}

/// The JWKS document (RFC 7517) of a realm's keys, serialized once per realm load.
pub fn jwks_json(signers: &[Arc<Signer>]) -> CoreResult<bytes::Bytes> {
    let keys = signers
        .iter()
        .map(|s| {
            let j = s.jwk();
            Jwk {
                kid: s.kid().to_owned(),
                kty: j.kty.into(),
                alg: s.algorithm().as_str().into(),
                use_: "sig".into(),
                crv: j.crv.map(Into::into),
                n: j.n.clone(),
                e: j.e.clone(),
                x: j.x.clone(),
                y: j.y.clone(),
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
        mapped: MappedCache::default(),
    }))
}

/// A user with effective roles.
pub async fn subject_of(store: &dyn Store, user: portcullis_core::user::User) -> CoreResult<Subject> {
    let graph = store.role_graph(&user.realm_id).await?;
    let (realm_roles, client_roles) = graph.effective(&store.user_role_ids(&user.id).await?);
    Ok(Subject { user, realm_roles, client_roles })
}
