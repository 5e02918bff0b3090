use std::str::FromStr;

use portcullis_core::error::{CoreError, CoreResult};
use serde::{de::DeserializeOwned, Serialize};
use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{AnyPool, ConnectOptions};

/// The SQL store. Cheap to clone (a pool handle).
#[derive(Clone, Debug)]
pub struct SqlStore {
    pub(crate) pool: AnyPool,
}

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");

impl SqlStore {
    /// Connects to `url` (`sqlite://...`) and runs pending migrations.
    pub async fn connect(url: &str) -> CoreResult<Self> {
        sqlx::any::install_default_drivers();
        if !url.starts_with("sqlite:") {
            return Err(CoreError::Invalid(format!(
                "unsupported database URL scheme in '{}': this release supports sqlite:",
                url.split(':').next().unwrap_or_default()
            )));
        }
        let options = AnyConnectOptions::from_str(url)
            .map_err(|e| CoreError::Invalid(format!("invalid database URL: {e}")))?
            .disable_statement_logging();
        let pool = AnyPoolOptions::new()
            .max_connections(8)
            .after_connect(|conn, _| {
                Box::pin(async move {
                    // WAL lets readers proceed during a write; set per connection as it is
                    // cheap and idempotent.
                    sqlx::query("PRAGMA journal_mode = WAL").execute(&mut *conn).await?;
                    sqlx::query("PRAGMA foreign_keys = ON").execute(&mut *conn).await?;
                    sqlx::query("PRAGMA busy_timeout = 5000").execute(&mut *conn).await?;
                    Ok(())
                })
            })
            .connect_with(options)
            .await
            .map_err(|e| CoreError::Storage(format!("cannot open database: {e}")))?;
        SQLITE_MIGRATIONS.run(&pool).await.map_err(|e| CoreError::Storage(format!("migration failed: {e}")))?;
        Ok(Self { pool })
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
        _ => CoreError::Storage(e.to_string()),
    }
}

/// Maps a driver error with no expected constraint.
pub(crate) fn db_err(e: sqlx::Error) -> CoreError {
    CoreError::Storage(e.to_string())
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
