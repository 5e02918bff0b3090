use std::sync::Arc;

use portcullis_core::store::Store;

use crate::cache::Cache;
use crate::config::ServerConfig;

/// Shared state of every handler.
#[derive(Clone)]
pub struct AppState {
    /// Persistent storage.
    pub store: Arc<dyn Store>,
    /// Realm and client cache of the token path.
    pub cache: Arc<Cache>,
    /// Configuration.
    pub config: Arc<ServerConfig>,
}

impl AppState {
    /// Wraps a store and a configuration.
    pub fn new(store: Arc<dyn Store>, config: ServerConfig) -> Self {
        Self { cache: Arc::new(Cache::new(config.cache)), store, config: Arc::new(config) }
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
