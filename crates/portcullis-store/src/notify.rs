//! The change feed between instances sharing one PostgreSQL database: an admin write
//! `NOTIFY`s `{instance id} {realm}` after commit; every other instance `LISTEN`s and drops
//! its cached copy. An instance ignores its own notifications: it invalidated at write
//! time, and a late echo would drop data it has reloaded since. On SQLite (no feed)
//! publishing does nothing and the cache TTL bounds staleness.

use std::time::Duration;

use async_trait::async_trait;
use portcullis_core::brute_force::LockNotice;
use portcullis_core::error::CoreResult;
use portcullis_core::store::ChangeFeed;
use sqlx::postgres::PgListener;

use crate::backend::Backend;
use crate::db::{db_err, SqlStore};

/// The notification channel.
pub const CHANNEL: &str = "portcullis_changes";

/// Marks a lock notice: `{instance} !lock {json}`.
const LOCK_PREFIX: &str = "!lock ";

/// What a listener heard.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// This realm changed.
    Realm(String),
    /// A brute-force lock was placed or cleared.
    Lock(LockNotice),
    /// The connection was lost and re-established: notifications may have been missed.
    Unknown,
}

/// A `LISTEN`ing connection that reconnects by itself.
pub struct ChangeListener {
    url: String,
    instance_id: std::sync::Arc<str>,
    inner: PgListener,
}

impl SqlStore {
    fn database_url(&self) -> String {
        self.pool.connect_options().database_url.to_string()
    }

    fn is_postgres(&self) -> bool {
        self.backend() == Backend::Postgres
    }

    /// A listener for changes made by other instances; `None` when the backend has none.
    pub async fn change_listener(&self) -> CoreResult<Option<ChangeListener>> {
        if !self.is_postgres() {
            return Ok(None);
        }
        let url = self.database_url();
        let inner = listen(&url).await?;
        Ok(Some(ChangeListener { url, instance_id: self.instance_id.clone(), inner }))
    }
}

async fn listen(url: &str) -> CoreResult<PgListener> {
    let mut l = PgListener::connect(url).await.map_err(db_err)?;
    l.listen(CHANNEL).await.map_err(db_err)?;
    Ok(l)
}

impl ChangeListener {
    /// The next change. After a lost connection it reconnects (retrying every second while
    /// the database is down) and then reports [`Change::Unknown`].
    pub async fn next(&mut self) -> Change {
        loop {
            match self.inner.try_recv().await {
                Ok(Some(n)) => match n.payload().split_once(' ') {
                    Some((from, _)) if from == &*self.instance_id => continue,
                    // Realm names cannot start with '!', so a lock notice is unambiguous.
                    Some((_, lock)) if lock.starts_with(LOCK_PREFIX) => {
                        match serde_json::from_str(&lock[LOCK_PREFIX.len()..]) {
                            Ok(notice) => return Change::Lock(notice),
                            Err(_) => return Change::Unknown,
                        }
                    }
                    Some((_, realm)) => return Change::Realm(realm.to_owned()),
                    None => return Change::Unknown,
                },
                Ok(None) => tracing::warn!("change feed connection lost; reconnecting"),
                Err(e) => tracing::warn!(error = %e, "change feed failed; reconnecting"),
            }
            break;
        }
        loop {
            match listen(&self.url).await {
                Ok(l) => {
                    self.inner = l;
                    tracing::info!("change feed reconnected");
                    return Change::Unknown;
                }
                Err(e) => {
                    tracing::debug!(error = %e, "change feed reconnect failed");
                    tokio::time::sleep(Duration::from_secs(1)).await;
                }
            }
        }
    }
}

#[async_trait]
impl ChangeFeed for SqlStore {
    async fn publish_change(&self, realm_name: &str) -> CoreResult<()> {
        if self.is_postgres() {
            self.notify(format!("{} {realm_name}", self.instance_id)).await?;
        }
        Ok(())
    }

    async fn publish_lock(&self, notice: &LockNotice) -> CoreResult<()> {
        if self.is_postgres() {
            let json = crate::db::to_json(notice)?;
            self.notify(format!("{} {LOCK_PREFIX}{json}", self.instance_id)).await?;
        }
        Ok(())
    }
}

impl SqlStore {
    async fn notify(&self, payload: String) -> CoreResult<()> {
        sqlx::query("SELECT pg_notify($1, $2)")
            .bind(CHANNEL)
            .bind(payload)
            .execute(&self.pool)
            .await
            .map_err(db_err)?;
        Ok(())
    }
}
