//! Portcullis over HTTP: the OAuth 2.0 / OpenID Connect endpoints of each realm and the
//! Keycloak-compatible Admin REST API, on axum.

pub(crate) mod admin_api;
mod bootstrap;
pub mod brute_force;
mod cache;
mod client_keys;
pub mod config;
mod console;
mod error;
pub mod events;
mod extract;
#[cfg(feature = "fuzzing")]
pub mod fuzzing;
mod health;
mod issuer;
pub mod key_rotation;
pub mod metrics;
mod oauth;
pub mod rate_limit;
pub mod realm_io;
mod request_meta;
mod router;
pub mod secrets;
pub mod signing;
mod state;
pub mod tls;

use std::future::Future;
use std::sync::Arc;

use portcullis_store::notify::Change;
pub use portcullis_store::SqlStore;
use portcullis_store::StoreOptions;
use tokio::net::TcpListener;

pub use cache::{jwks_json, CachePolicy};
pub use config::ServerConfig;
pub use portcullis_core::realm::Realm;
pub use portcullis_core::sealing;
pub use state::AppState;

/// Errors that stop the server from starting.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// The database could not be opened or migrated.
    #[error("database: {0}")]
    Database(portcullis_core::CoreError),
    /// First-start bootstrap failed.
    #[error("bootstrap: {0}")]
    Bootstrap(portcullis_core::CoreError),
    /// The HTTP server failed.
    #[error("http: {0}")]
    Http(std::io::Error),
    /// The TLS certificate or key cannot be used.
    #[error("tls: {0}")]
    Tls(String),
}

/// Opens the store, bootstraps an empty database, and returns the state and router.
pub async fn build(config: ServerConfig) -> Result<(AppState, axum::Router), StartError> {
    let options = StoreOptions { max_connections: config.db_pool_size };
    let store = SqlStore::connect_with(&config.database_url, &options, &config.master_key)
        .await
        .map_err(StartError::Database)?;
    let listener = store.change_listener().await.map_err(StartError::Database)?;
    let hasher = store.secret_hasher();
    let state = AppState::new(Arc::new(store), hasher, config);
    if let Some(mut listener) = listener {
        let (cache, locks, store) = (state.cache.clone(), state.brute_force.clone(), state.store.clone());
        tokio::spawn(async move {
            loop {
                match listener.next().await {
                    Change::Realm(realm) => cache.invalidate(&realm),
                    Change::Lock(notice) => locks.apply(&notice),
                    Change::Unknown => {
                        cache.clear();
                        if let Err(e) = locks.reload(store.as_ref()).await {
                            tracing::warn!(error = %e, "could not reload brute-force locks");
                        }
                    }
                }
            }
        });
    }
    state.brute_force.reload(state.store.as_ref()).await.map_err(StartError::Database)?;
    bootstrap::run(&state).await.map_err(StartError::Bootstrap)?;
    key_rotation::spawn_automatic(state.clone());
    let app = app(state.clone());
    Ok((state, app))
}

/// Opens the database with `master` (migrations run), for offline commands such as
/// master key rotation.
pub async fn open_store(url: &str, master: &sealing::MasterKey) -> Result<SqlStore, StartError> {
    SqlStore::connect(url, master).await.map_err(StartError::Database)
}

/// The realm named `name`, read from the database (for offline commands).
pub async fn realm_by_name(store: &SqlStore, name: &str) -> Result<Option<Realm>, portcullis_core::CoreError> {
    portcullis_core::store::RealmStore::realm_by_name(store, name).await
}

/// Tells running instances sharing the database that `realm` changed, after an offline
/// command changed it (PostgreSQL `NOTIFY`; on SQLite their cache TTL bounds the delay).
pub async fn announce_change(store: &SqlStore, realm: &str) {
    if let Err(e) = portcullis_core::store::ChangeFeed::publish_change(store, realm).await {
        tracing::warn!(realm, error = %e, "could not announce the change to running instances");
    }
}

/// The router over an existing state (for embedding and in-process tests).
pub fn app(state: AppState) -> axum::Router {
    router::build(state)
}

/// Keycloak answers `/admin/realms/` as `/admin/realms`, and clients rely on it
/// (keycloak-admin-client posts new realms there). The slash goes before routing, which a
/// layer on the router itself would be too late for.
pub(crate) fn tolerate_trailing_slash(
    app: axum::Router,
) -> axum::extract::connect_info::IntoMakeServiceWithConnectInfo<
    tower_http::normalize_path::NormalizePath<axum::Router>,
    std::net::SocketAddr,
> {
    let svc = tower::Layer::layer(&tower_http::normalize_path::NormalizePathLayer::trim_trailing_slash(), app);
    axum::ServiceExt::<axum::extract::Request>::into_make_service_with_connect_info::<std::net::SocketAddr>(svc)
}

/// Serves until `shutdown` completes, then drains in-flight requests.
pub async fn serve(
    listener: TcpListener,
    app: axum::Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), StartError> {
    axum::serve(listener, tolerate_trailing_slash(app)).with_graceful_shutdown(shutdown).await.map_err(StartError::Http)
}
