use std::str::FromStr;

use portcullis_core::error::{CoreError, CoreResult};
use portcullis_core::sealing::{DataKey, MasterKey};
use serde::{de::DeserializeOwned, Serialize};
use sqlx::any::AnyConnectOptions;
use sqlx::{AnyPool, ConnectOptions, Connection as _};

use crate::backend::{redact_url, Backend, StoreOptions};

/// The SQL store. Cheap to clone (a pool handle).
#[derive(Clone, Debug)]
pub struct SqlStore {
    pub(crate) pool: AnyPool,
    pub(crate) backend: Backend,
    /// Tags this process's change notifications so that it ignores its own.
    pub(crate) instance_id: std::sync::Arc<str>,
    /// Seals client secrets and signing keys.
    pub(crate) data_key: std::sync::Arc<DataKey>,
}

impl SqlStore {
    /// Connects to `url` (`sqlite://...` or `postgres://...`) with the backend's default
    /// pool size, runs pending migrations and opens the data key with `master`.
    pub async fn connect(url: &str, master: &MasterKey) -> CoreResult<Self> {
        Self::connect_with(url, &StoreOptions::default(), master).await
    }

    /// Connects to `url`, runs pending migrations and opens (on first start: creates) the
    /// data key with `master`. Errors name the URL, password hidden.
    pub async fn connect_with(url: &str, opts: &StoreOptions, master: &MasterKey) -> CoreResult<Self> {
        sqlx::any::install_default_drivers();
        let backend = Backend::from_url(url)?;
        let shown = redact_url(url);
        let options = AnyConnectOptions::from_str(url)
            .map_err(|e| CoreError::Invalid(format!("invalid database URL {shown}: {e}")))?
            .disable_statement_logging();
        // One plain connection first: the pool retries a refused connection until its
        // acquire timeout and then only says that it timed out; start-up wants the cause.
        let probe = options
            .connect()
            .await
            .map_err(|e| CoreError::Storage(format!("cannot connect to the database at {shown}: {e}")))?;
        let _ = probe.close().await;
        let pool = backend
            .pool_options(opts.max_connections.unwrap_or(backend.default_pool_size()).max(1))
            .connect_with(options)
            .await
            .map_err(|e| CoreError::Storage(format!("cannot open the database at {shown}: {e}")))?;
        backend
            .migrator()
            .run(&pool)
            .await
            .map_err(|e| CoreError::Storage(format!("migration of the database at {shown} failed: {e}")))?;
        let data_key = crate::sealed::load_data_key(&pool, master).await?;
        let sealed = crate::sealed::seal_cleartext_rows(&pool, &data_key).await?;
        if sealed > 0 {
            tracing::info!(rows = sealed, "sealed secrets and keys that an earlier release stored in the clear");
        }
        Ok(Self {
            pool,
            backend,
            instance_id: portcullis_core::new_id().replace('-', "").into(),
            data_key: std::sync::Arc::new(data_key),
        })
    }

    /// The database behind this store.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Closes the pool, waiting for connections to finish.
    pub async fn close(&self) {
        self.pool.close().await;
    }
}

/// Maps a driver error; unique violations become `Conflict` with `what` as message.
pub(crate) fn map_err(what: &str) -> impl Fn(sqlx::Error) -> CoreError + '_ {
    move |e| match &e {
        sqlx::Error::Database(d) if d.is_unique_violation() => CoreError::Conflict(what.to_owned()),
        _ => db_err(e),
    }
}

/// Maps a driver error with no expected constraint. Failures to reach the database are
/// `Unavailable` (503), everything else `Storage` (500).
pub(crate) fn db_err(e: sqlx::Error) -> CoreError {
    let unreachable = match &e {
        sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::WorkerCrashed => true,
        // PostgreSQL class 08 (connection exception), 57P0x (shutdown, cannot connect now),
        // 53xxx (insufficient resources: disk full, out of memory, too many connections),
        // 25006 (read-only transaction: a read-only database), 55000 at connect (database
        // not accepting connections, e.g. under maintenance); SQLite busy/locked after the
        // busy timeout, read-only (8 and its extended codes) and disk full (13).
        sqlx::Error::Database(d) => d.code().is_some_and(|c| {
            c.starts_with("08")
                || c.starts_with("57P")
                || c.starts_with("53")
                || c == "25006"
                || c == "55000"
                || sqlite_unavailable(&c)
        }),
        _ => false,
    };
    // Class 22 (data exception, e.g. a NUL byte in text on PostgreSQL): the input is at
    // fault, not the server. Validation should have caught it; this is the backstop.
    let bad_input =
        matches!(&e, sqlx::Error::Database(d) if d.code().is_some_and(|c| c.len() == 5 && c.starts_with("22")));
    if unreachable {
        CoreError::Unavailable(e.to_string())
    } else if bad_input {
        CoreError::Invalid("a value contains characters the database cannot store".into())
    } else {
        CoreError::Storage(e.to_string())
    }
}

/// SQLite result codes (primary, or extended: primary in the low byte) that mean the
/// database cannot be used right now: BUSY, LOCKED, READONLY, FULL. PostgreSQL's codes are
/// always five characters, SQLite's numbers shorter, so the two never mix.
fn sqlite_unavailable(code: &str) -> bool {
    code.len() < 5 && code.parse::<i64>().is_ok_and(|c| matches!(c & 0xff, 5 | 6 | 8 | 13))
}

pub(crate) fn to_json<T: Serialize>(v: &T) -> CoreResult<String> {
    serde_json::to_string(v).map_err(|e| CoreError::Storage(format!("encode: {e}")))
}

pub(crate) fn from_json<T: DeserializeOwned>(s: &str) -> CoreResult<T> {
    serde_json::from_str(s).map_err(|e| CoreError::Storage(format!("decode: {e}")))
}

pub(crate) fn flag(b: bool) -> i64 {
    i64::from(b)
}
