//! Runtime configuration of the server (built by the CLI from flags and env).

/// What the server needs to run.
#[derive(Clone)]
pub struct ServerConfig {
    /// sqlx database URL.
    pub database_url: String,
    /// Prefix of every route, e.g. `/auth`; empty for none. Never ends with `/`.
    pub relative_path: String,
    /// Issuer base, e.g. `https://id.example.com`; when `None`, taken from each
    /// request's Host header (Keycloak's dev-mode behaviour).
    pub public_url: Option<String>,
    /// First-start admin `(username, password)`.
    pub bootstrap_admin: Option<(String, String)>,
    /// Cache lifetimes of the token path.
    pub cache: crate::cache::CachePolicy,
    /// Maximum database connections; `None` for the backend's default.
    pub db_pool_size: Option<u32>,
    /// Wraps the data key that seals secrets and signing keys in the database.
    pub master_key: portcullis_core::sealing::MasterKey,
    /// Token requests per second per client (0: no limit).
    pub token_rate_limit: u32,
    /// Admin API requests per second per administrator (0: no limit).
    pub admin_rate_limit: u32,
    /// Served over HTTPS: issuer URLs from `Host` use `https`, and answers carry HSTS.
    pub tls: bool,
    /// Trust the last `X-Forwarded-For` hop as the caller's address (behind a proxy).
    pub proxy_headers: bool,
    /// The Prometheus recorder's handle when metrics are on (see [`crate::metrics`]).
    pub metrics: Option<metrics_exporter_prometheus::PrometheusHandle>,
}

impl ServerConfig {
    /// Whether answers carry `Strict-Transport-Security`: when served over HTTPS, or
    /// published at an `https` public URL (TLS ended by a proxy).
    pub fn hsts(&self) -> bool {
        self.tls || self.public_url.as_deref().is_some_and(|u| u.starts_with("https://"))
    }

    /// A configuration with every option at its default: no relative path, issuer from
    /// `Host`, no bootstrap admin, default cache and pool, no metrics, no rate limits.
    pub fn new(database_url: String, master_key: portcullis_core::sealing::MasterKey) -> Self {
        Self {
            database_url,
            relative_path: String::new(),
            public_url: None,
            bootstrap_admin: None,
            cache: crate::cache::CachePolicy::default(),
            db_pool_size: None,
            master_key,
            token_rate_limit: 0,
            admin_rate_limit: 0,
            metrics: None,
            proxy_headers: false,
            tls: false,
        }
    }
}

impl std::fmt::Debug for ServerConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServerConfig")
            .field("database_url", &redact_url(&self.database_url))
            .field("relative_path", &self.relative_path)
            .field("public_url", &self.public_url)
            .field("bootstrap_admin", &self.bootstrap_admin.as_ref().map(|(u, _)| (u, "***")))
            .field("cache", &self.cache)
            .field("db_pool_size", &self.db_pool_size)
            .field("master_key", &self.master_key)
            .field("metrics", &self.metrics.is_some())
            .field("token_rate_limit", &self.token_rate_limit)
            .field("admin_rate_limit", &self.admin_rate_limit)
            .field("proxy_headers", &self.proxy_headers)
            .field("tls", &self.tls)
            .finish()
    }
}

/// Hides a password in a URL (`scheme://user:pass@host`) for logs; shared with the
/// store's start-up errors.
pub use portcullis_store::redact_url;

/// Normalizes `--http-relative-path`: leading `/`, no trailing `/`, `/` means none.
pub fn normalize_relative_path(p: &str) -> Result<String, String> {
    let trimmed = p.trim().trim_end_matches('/');
    if trimmed.is_empty() {
        return Ok(String::new());
    }
    let with_slash = if trimmed.starts_with('/') { trimmed.to_owned() } else { format!("/{trimmed}") };
    let ok = with_slash[1..]
        .split('/')
        .all(|seg| !seg.is_empty() && seg.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')));
    if ok {
        Ok(with_slash)
    } else {
        Err(format!("invalid --http-relative-path '{p}': use path segments of letters, digits, '-', '_', '.'"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_paths() {
        assert_eq!(normalize_relative_path("/").unwrap(), "");
        assert_eq!(normalize_relative_path("auth/").unwrap(), "/auth");
        assert_eq!(normalize_relative_path("/a/b").unwrap(), "/a/b");
        assert!(normalize_relative_path("/a//b").is_err());
        assert!(normalize_relative_path("/a b").is_err());
    }

    #[test]
    fn urls_are_redacted() {
        assert_eq!(redact_url("postgres://u:secret@h/db"), "postgres://u:***@h/db");
        assert_eq!(redact_url("sqlite:///tmp/x.db"), "sqlite:///tmp/x.db");
    }
}
