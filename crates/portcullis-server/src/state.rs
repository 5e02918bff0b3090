use std::sync::Arc;

use portcullis_core::secret::SecretHasher;
use portcullis_core::store::Store;

use crate::brute_force::BruteForce;
use crate::cache::Cache;
use crate::client_keys::ClientKeys;
use crate::config::ServerConfig;
use crate::events::EventSink;
use crate::rate_limit::Limiter;
use crate::secrets::SecretVerifier;
use crate::signing::SigningPool;

/// Shared state of every handler. One `Arc`, because axum clones the state for every
/// extractor and layer of every request: one atomic increment instead of one per field.
#[derive(Clone)]
pub struct AppState(Arc<Shared>);

impl std::ops::Deref for AppState {
    type Target = Shared;

    fn deref(&self) -> &Shared {
        &self.0
    }
}

/// What [`AppState`] shares.
pub struct Shared {
    /// Persistent storage.
    pub store: Arc<dyn Store>,
    /// Realm and client cache of the token path.
    pub cache: Arc<Cache>,
    /// Client secret checks and Argon2.
    pub secrets: Arc<SecretVerifier>,
    /// Access-token signatures; RSA ones on threads of their own.
    pub signing: SigningPool,
    /// Per-client limit of the token endpoint, if any.
    pub token_limit: Option<Limiter>,
    /// Per-administrator limit of the admin API, if any.
    pub admin_limit: Option<Limiter>,
    /// Brute-force locks mirrored in memory.
    pub brute_force: Arc<BruteForce>,
    /// Audit event queue.
    pub events: Arc<EventSink>,
    /// Clients' JWKS fetched from their `jwks.url`.
    pub client_keys: Arc<ClientKeys>,
    /// Configuration.
    pub config: Arc<ServerConfig>,
    /// Seals the admin console's session cookies; derived from the data key, so every
    /// instance of a database opens every instance's cookies.
    pub console_key: Option<Arc<portcullis_core::sealing::DataKey>>,
}

impl AppState {
    /// Wraps a store, its secret hasher and a configuration; starts the event writer, so
    /// it must run inside a Tokio runtime.
    pub fn new(store: Arc<dyn Store>, hasher: SecretHasher, config: ServerConfig) -> Self {
        let console_key = portcullis_core::sealing::DataKey::from_derived(hasher.derive("portcullis console session"))
            .ok()
            .map(Arc::new);
        Self(Arc::new(Shared {
            cache: Arc::new(Cache::new(config.cache)),
            secrets: Arc::new(SecretVerifier::new(hasher)),
            signing: SigningPool::per_core(),
            token_limit: Limiter::per_second(config.token_rate_limit),
            admin_limit: Limiter::per_second(config.admin_rate_limit),
            brute_force: Arc::new(BruteForce::default()),
            events: EventSink::start(store.clone()),
            client_keys: Arc::new(ClientKeys::new()),
            console_key,
            store,
            config: Arc::new(config),
        }))
    }

    /// After a committed admin write to `realm`: drops the local cache entry and tells
    /// other instances. A failed announcement is only logged: the write is done, and the
    /// cache TTL bounds how long other instances can serve the old data.
    pub async fn changed(&self, realm: &str) {
        self.cache.invalidate(realm);
        if let Err(e) = self.store.publish_change(realm).await {
            tracing::warn!(realm, error = %e, "could not announce a change to other instances");
        }
    }
}
