//! The database behind a store, picked once from the URL scheme: its migrations, its
//! per-connection set-up and its default pool size. The queries themselves are shared.

use portcullis_core::error::{CoreError, CoreResult};
use sqlx::any::AnyPoolOptions;
use sqlx::migrate::Migrator;

static SQLITE_MIGRATIONS: Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATIONS: Migrator = sqlx::migrate!("./migrations/postgres");

/// Which database a [`crate::SqlStore`] talks to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    /// An SQLite file (`sqlite:` URLs); one instance per database.
    Sqlite,
    /// PostgreSQL (`postgres:` or `postgresql:` URLs); instances may share it.
    Postgres,
}

impl Backend {
    /// The backend of a sqlx database URL.
    pub fn from_url(url: &str) -> CoreResult<Self> {
        let scheme = url.split_once(':').map(|(s, _)| s).unwrap_or_default().to_ascii_lowercase();
        match scheme.as_str() {
            "sqlite" => Ok(Self::Sqlite),
            "postgres" | "postgresql" => Ok(Self::Postgres),
            _ => Err(CoreError::Invalid(format!(
                "unsupported database URL scheme in '{scheme}': this release supports sqlite: and postgres:"
            ))),
        }
    }

    /// Connections opened at most when none is configured. SQLite serializes writers
    /// anyway; a PostgreSQL server is shared, so stay well under its `max_connections`.
    pub fn default_pool_size(self) -> u32 {
        match self {
            Self::Sqlite => 8,
            Self::Postgres => 10,
        }
    }

    pub(crate) fn migrator(self) -> &'static Migrator {
        match self {
            Self::Sqlite => &SQLITE_MIGRATIONS,
            Self::Postgres => &POSTGRES_MIGRATIONS,
        }
    }

    pub(crate) fn pool_options(self, max_connections: u32) -> AnyPoolOptions {
        // Fail fast when the database is unreachable: a request waits at most this long for
        // a connection, then gets a 503 instead of hanging.
        let options =
            AnyPoolOptions::new().max_connections(max_connections).acquire_timeout(std::time::Duration::from_secs(3));
        match self {
            Self::Sqlite => options.after_connect(|conn, _| {
                Box::pin(async move {
                    // WAL lets readers proceed during a write; set per connection as it is
                    // cheap and idempotent. SQLite enforces foreign keys only when asked.
                    sqlx::query("PRAGMA journal_mode = WAL").execute(&mut *conn).await?;
                    sqlx::query("PRAGMA foreign_keys = ON").execute(&mut *conn).await?;
                    sqlx::query("PRAGMA busy_timeout = 5000").execute(&mut *conn).await?;
                    // 512 KiB of page cache per connection instead of 2 MiB: the OS caches
                    // the file anyway, and a steady event load otherwise filled every
                    // pooled connection's cache (16 MiB of heap for 8 connections), which
                    // glibc's per-thread arenas then kept resident, growing RSS for minutes.
                    sqlx::query("PRAGMA cache_size = -512").execute(&mut *conn).await?;
                    Ok(())
                })
            }),
            Self::Postgres => options,
        }
    }
}

/// How to open a [`crate::SqlStore`].
#[derive(Clone, Debug, Default)]
pub struct StoreOptions {
    /// Maximum open connections; `None` for [`Backend::default_pool_size`].
    pub max_connections: Option<u32>,
}

/// Hides a password in a URL (`scheme://user:pass@host`) for logs and error messages.
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => match url[s + 3..at].split_once(':') {
            Some((user, _)) => format!("{}{}:***{}", &url[..s + 3], user, &url[at..]),
            None => url.to_owned(),
        },
        _ => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schemes() {
        assert_eq!(Backend::from_url("sqlite://x.db?mode=rwc").unwrap(), Backend::Sqlite);
        assert_eq!(Backend::from_url("sqlite::memory:").unwrap(), Backend::Sqlite);
        assert_eq!(Backend::from_url("postgres://u@h/db").unwrap(), Backend::Postgres);
        assert_eq!(Backend::from_url("postgresql://u@h/db").unwrap(), Backend::Postgres);
        assert!(matches!(Backend::from_url("mysql://h/db"), Err(CoreError::Invalid(m)) if m.contains("'mysql'")));
        assert!(Backend::from_url("no-scheme").is_err());
    }

    #[test]
    fn urls_are_redacted() {
        assert_eq!(redact_url("postgres://u:secret@h/db"), "postgres://u:***@h/db");
        assert_eq!(redact_url("postgres://u:p@ss@h:5432/db"), "postgres://u:***@h:5432/db");
        assert_eq!(redact_url("postgres://u@h/db"), "postgres://u@h/db");
        assert_eq!(redact_url("sqlite:///tmp/x.db"), "sqlite:///tmp/x.db");
    }
}
