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
        Self { cache: Arc::new(Cache::default()), store, config: Arc::new(config) }
    }
}
