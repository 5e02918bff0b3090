//! Test support (feature `testing`), shared by this crate's tests and the integration
//! tests of the binary: a throw-away PostgreSQL database per test.
//!
//! `PORTCULLIS_TEST_POSTGRES_URL` is an admin URL (e.g.
//! `postgres://postgres@127.0.0.1:5432/test`) used only to create and drop databases named
//! `portcullis_t_<uuid>`. When it is set, tests run on PostgreSQL, and an unreachable
//! server fails them: a CI run that meant to test PostgreSQL must not pass without it.

// A failure here is a failed test, so panicking is the right way to report it.
#![allow(clippy::panic)]

use crate::backend::redact_url;

/// The variable naming the PostgreSQL admin URL of the tests.
pub const POSTGRES_URL_VAR: &str = "PORTCULLIS_TEST_POSTGRES_URL";

/// The admin URL from [`POSTGRES_URL_VAR`], if set and not empty.
pub fn postgres_admin_url() -> Option<String> {
    std::env::var(POSTGRES_URL_VAR).ok().filter(|s| !s.trim().is_empty())
}

/// A fresh, uniquely named PostgreSQL database, dropped on drop (with any connections a
/// killed server left behind). Usable from sync and async tests alike.
#[derive(Debug)]
pub struct TestDatabase {
    admin_url: String,
    name: String,
    url: String,
}

impl TestDatabase {
    /// A new database when [`POSTGRES_URL_VAR`] is set; panics if it cannot be created.
    pub fn from_env() -> Option<Self> {
        postgres_admin_url().map(|url| Self::create(&url))
    }

    /// Creates a new database through `admin_url`; panics if that fails.
    pub fn create(admin_url: &str) -> Self {
        let name = format!("portcullis_t_{}", uuid::Uuid::new_v4().simple());
        if let Err(e) = run_admin(admin_url, format!("CREATE DATABASE {name}")) {
            panic!(
                "{POSTGRES_URL_VAR} is set, but no database could be created through {}: {e}",
                redact_url(admin_url)
            );
        }
        Self { admin_url: admin_url.to_owned(), url: with_database(admin_url, &name), name }
    }

    /// The URL of the new database.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The name of the new database.
    pub fn name(&self) -> &str {
        &self.name
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        if let Err(e) = run_admin(&self.admin_url, format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name)) {
            eprintln!("cannot drop test database {}: {e}", self.name);
        }
    }
}

/// Runs one statement on a connection of its own, on a thread with its own runtime, so
/// that it works inside an async test and inside `Drop`. CREATE/DROP DATABASE cannot run
/// in a transaction, hence the simple query protocol (`raw_sql`).
fn run_admin(admin_url: &str, sql: String) -> Result<(), String> {
    use sqlx::Connection as _;
    let admin_url = admin_url.to_owned();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().map_err(|e| e.to_string())?;
        rt.block_on(async move {
            let mut conn = sqlx::PgConnection::connect(&admin_url).await.map_err(|e| e.to_string())?;
            sqlx::raw_sql(&sql).execute(&mut conn).await.map_err(|e| e.to_string())?;
            let _ = conn.close().await;
            Ok(())
        })
    })
    .join()
    .map_err(|_| "the admin thread panicked".to_owned())?
}

/// `url` with its database (path) replaced by `name`, keeping any query string.
fn with_database(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let authority = base.find("://").map_or(0, |i| i + 3);
    let base = match base[authority..].find('/') {
        Some(i) => &base[..authority + i],
        None => base,
    };
    match query {
        Some(q) => format!("{base}/{name}?{q}"),
        None => format!("{base}/{name}"),
    }
}

impl TestDatabase {
    /// Simulates the database going down for this database only: refuses new connections
    /// and ends existing ones (`false`), or lets connections in again (`true`).
    pub fn set_reachable(&self, reachable: bool) {
        let name = &self.name;
        let mut sql = format!("ALTER DATABASE {name} ALLOW_CONNECTIONS {reachable}");
        if !reachable {
            sql.push_str(&format!(
                "; SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}' AND pid <> pg_backend_pid()"
            ));
        }
        if let Err(e) = run_admin(&self.admin_url, sql) {
            panic!("cannot change whether {name} accepts connections: {e}");
        }
    }

    /// Makes new transactions read-only (or writable again), as a database put into
    /// read-only mode by an operator or a full disk would; current sessions are ended so
    /// that the pool reconnects under the new default.
    pub fn set_read_only(&self, read_only: bool) {
        let name = &self.name;
        let flag = if read_only { "on" } else { "off" };
        let sql = format!(
            "ALTER DATABASE {name} SET default_transaction_read_only = {flag}; \
             SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}' AND pid <> pg_backend_pid()"
        );
        if let Err(e) = run_admin(&self.admin_url, sql) {
            panic!("cannot make {name} read-only={read_only}: {e}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::with_database;

    #[test]
    fn database_is_replaced() {
        assert_eq!(with_database("postgres://u@h:5432/test", "n"), "postgres://u@h:5432/n");
        assert_eq!(with_database("postgres://u:p@h", "n"), "postgres://u:p@h/n");
        assert_eq!(with_database("postgres://h/test?sslmode=disable", "n"), "postgres://h/n?sslmode=disable");
    }
}
