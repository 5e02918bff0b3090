//! `portcullis serve`: flags (each with a `PORTCULLIS_…` variable), start-up checks with
//! clear messages, and graceful shutdown on SIGTERM/SIGINT.

use std::io::IsTerminal as _;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::{bail, Context as _};
use clap::Args;
use portcullis_server::config::{normalize_relative_path, ServerConfig};
use portcullis_server::tls::Tls;
use portcullis_server::CachePolicy;

/// Flags of `serve`.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on (port 0 picks a free port).
    #[arg(long, env = "PORTCULLIS_HTTP_ADDR", default_value = "127.0.0.1:8080")]
    http_addr: SocketAddr,
    /// Directory of the embedded SQLite database (created on first start).
    #[arg(long, env = "PORTCULLIS_DATA_DIR", default_value = "./portcullis-data")]
    data_dir: PathBuf,
    /// Database URL, overriding --data-dir: sqlite:///var/lib/portcullis/db.sqlite or
    /// postgres://user:pass@host:5432/db (migrations run at start).
    #[arg(long, env = "PORTCULLIS_DATABASE_URL", hide_env_values = true)]
    database_url: Option<String>,
    /// Maximum database connections (default: 10 for PostgreSQL, 8 for SQLite).
    #[arg(long, env = "PORTCULLIS_DB_POOL_SIZE", value_parser = clap::value_parser!(u32).range(1..=1000))]
    db_pool_size: Option<u32>,
    /// Prefix of every route, e.g. /auth for Keycloak's legacy layout.
    #[arg(long, env = "PORTCULLIS_HTTP_RELATIVE_PATH", default_value = "")]
    http_relative_path: String,
    /// Public base URL used in issuers and links (default: from each request's Host).
    #[arg(long, env = "PORTCULLIS_PUBLIC_URL")]
    public_url: Option<String>,
    /// Seconds a cached realm or client serves before it is re-read from the database (the
    /// bound on staleness when a change notification from another instance is missed).
    #[arg(long, env = "PORTCULLIS_CACHE_TTL_SECONDS", default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..=86_400))]
    cache_ttl_seconds: u64,
    /// Seconds a cached realm or client keeps serving while the database is unreachable.
    #[arg(long, env = "PORTCULLIS_CACHE_MAX_STALE_SECONDS", default_value_t = 300, value_parser = clap::value_parser!(u64).range(0..=86_400))]
    cache_max_stale_seconds: u64,
    /// Token requests per second allowed per client, per instance (0: no limit). Over it
    /// the token endpoint answers 429 with Retry-After.
    #[arg(long, env = "PORTCULLIS_TOKEN_RATE_LIMIT", default_value_t = 0)]
    token_rate_limit: u32,
    /// Admin API requests per second allowed per administrator, per instance (0: no limit).
    #[arg(long, env = "PORTCULLIS_ADMIN_RATE_LIMIT", default_value_t = 0)]
    admin_rate_limit: u32,
    /// Serve Prometheus metrics at /metrics (they name realms and clients, so keep the
    /// path away from the public, e.g. at the load balancer).
    #[arg(long, env = "PORTCULLIS_METRICS_ENABLED")]
    metrics_enabled: bool,
    /// PEM certificate chain: serve HTTPS (rustls) instead of HTTP on --http-addr. SIGHUP
    /// reloads the certificate and key files.
    #[arg(long, env = "PORTCULLIS_HTTPS_CERT_FILE", requires = "https_key_file")]
    https_cert_file: Option<PathBuf>,
    /// PEM private key (PKCS#8, PKCS#1 or SEC1) of --https-cert-file.
    #[arg(long, env = "PORTCULLIS_HTTPS_KEY_FILE", requires = "https_cert_file")]
    https_key_file: Option<PathBuf>,
    /// Behind a reverse proxy: take the caller's address (for brute-force counters and
    /// events) from the last X-Forwarded-For hop, the one the proxy added. Only set this
    /// when every request comes through the proxy.
    #[arg(long, env = "PORTCULLIS_PROXY_HEADERS", value_enum)]
    proxy_headers: Option<ProxyHeaders>,
    /// Import every realm export (`*.json`, Keycloak realm JSON) in this directory whose
    /// realm does not exist yet, before serving (as Keycloak's --import-realm).
    #[arg(long, env = "PORTCULLIS_IMPORT_REALM")]
    import_realm: Option<PathBuf>,
    /// The master key.
    #[command(flatten)]
    master_key: crate::master_key::MasterKeyArgs,
    /// Log filter (tracing syntax), e.g. info or portcullis_server=debug.
    #[arg(long, env = "PORTCULLIS_LOG", default_value = "info")]
    log: String,
    /// Log lines as readable text or as one JSON object per line (for log shippers).
    #[arg(long, env = "PORTCULLIS_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text)]
    log_format: LogFormat,
}

/// `--proxy-headers` (Keycloak's option name; only `xforwarded` is supported).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ProxyHeaders {
    /// `X-Forwarded-For`.
    Xforwarded,
}

/// `--log-format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    /// Human-readable lines (colored on a terminal).
    Text,
    /// One JSON object per line, with the request's span fields (request_id, method, path).
    Json,
}

/// Runs the server; the exit code tells scripts whether start-up failed.
pub fn run(args: ServeArgs) -> ExitCode {
    init_logging(&args.log, args.log_format);
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("portcullis: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(serve(args)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!("{e:#}");
            eprintln!("portcullis: {e:#}");
            ExitCode::FAILURE
        }
    }
}

pub fn init_logging(filter: &str, format: LogFormat) {
    let filter =
        tracing_subscriber::EnvFilter::try_new(filter).unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    match format {
        LogFormat::Text => builder.with_ansi(std::io::stderr().is_terminal()).init(),
        LogFormat::Json => builder.json().with_current_span(true).with_span_list(false).init(),
    }
}

async fn serve(args: ServeArgs) -> anyhow::Result<()> {
    let started = Instant::now();
    let config = config_from(&args)?;
    tracing::info!(?config, "starting");
    let listener = tokio::net::TcpListener::bind(args.http_addr)
        .await
        .with_context(|| format!("cannot listen on {} (is the port taken?)", args.http_addr))?;
    let local = listener.local_addr().context("cannot read the bound address")?;
    let tls = match (&args.https_cert_file, &args.https_key_file) {
        (Some(cert), Some(key)) => Some(Tls::load(cert.clone(), key.clone()).await?),
        _ => None,
    };
    let (state, app) = portcullis_server::build(config).await?;
    if let Some(dir) = &args.import_realm {
        portcullis_server::realm_io::import_dir(&state, dir).await.map_err(anyhow::Error::msg)?;
    }
    // Before the "listening" line: a signal sent as soon as it appears must drain, not kill.
    let shutdown = shutdown_signal();
    let scheme = if tls.is_some() { "https" } else { "http" };
    tracing::info!(elapsed_ms = started.elapsed().as_millis() as u64, "listening on {scheme}://{local}");
    match tls {
        Some(tls) => portcullis_server::tls::serve_tls(listener, app, tls, shutdown).await?,
        None => portcullis_server::serve(listener, app, shutdown).await?,
    }
    // Events still queued are written before the process ends.
    state.events.flush().await;
    tracing::info!("stopped");
    Ok(())
}

fn config_from(args: &ServeArgs) -> anyhow::Result<ServerConfig> {
    let relative_path = normalize_relative_path(&args.http_relative_path).map_err(anyhow::Error::msg)?;
    let public_url = match &args.public_url {
        Some(u) if !u.trim().is_empty() => Some(validate_public_url(u)?),
        _ => None,
    };
    let database_url = match &args.database_url {
        Some(url) => url.clone(),
        None => sqlite_url_in(&args.data_dir)?,
    };
    let bootstrap_admin = match (
        std::env::var("PORTCULLIS_BOOTSTRAP_ADMIN_USERNAME").ok().filter(|s| !s.is_empty()),
        std::env::var("PORTCULLIS_BOOTSTRAP_ADMIN_PASSWORD").ok().filter(|s| !s.is_empty()),
    ) {
        (Some(u), Some(p)) => Some((u, p)),
        (None, None) => None,
        _ => bail!("set both PORTCULLIS_BOOTSTRAP_ADMIN_USERNAME and PORTCULLIS_BOOTSTRAP_ADMIN_PASSWORD, or neither"),
    };
    let (master_key, _) = crate::master_key::resolve(&args.master_key, &args.data_dir, true)?;
    let cache = CachePolicy {
        ttl: Duration::from_secs(args.cache_ttl_seconds),
        max_stale: Duration::from_secs(args.cache_max_stale_seconds.max(args.cache_ttl_seconds)),
    };
    Ok(ServerConfig {
        database_url,
        relative_path,
        public_url,
        bootstrap_admin,
        cache,
        db_pool_size: args.db_pool_size,
        master_key,
        token_rate_limit: args.token_rate_limit,
        admin_rate_limit: args.admin_rate_limit,
        proxy_headers: args.proxy_headers.is_some(),
        tls: args.https_cert_file.is_some(),
        metrics: if args.metrics_enabled {
            Some(portcullis_server::metrics::install().map_err(anyhow::Error::msg).context("cannot start metrics")?)
        } else {
            None
        },
    })
}

fn validate_public_url(u: &str) -> anyhow::Result<String> {
    let u = u.trim().trim_end_matches('/');
    let rest = u.strip_prefix("https://").or_else(|| u.strip_prefix("http://"));
    match rest {
        Some(host) if !host.is_empty() && !host.contains(['?', '#', ' ']) => Ok(u.to_owned()),
        _ => bail!("invalid --public-url '{u}': expected http(s)://host[:port][/path]"),
    }
}

/// Creates the data dir if needed, checks that it is writable, and names the SQLite file.
pub(crate) fn sqlite_url_in(dir: &Path) -> anyhow::Result<String> {
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create data dir {}", dir.display()))?;
    let probe = dir.join(".write-test");
    std::fs::write(&probe, b"ok").with_context(|| format!("data dir {} is not writable", dir.display()))?;
    let _ = std::fs::remove_file(&probe);
    let abs = std::fs::canonicalize(dir).with_context(|| format!("cannot resolve data dir {}", dir.display()))?;
    let path = abs.join("portcullis.db");
    let path = path.to_str().with_context(|| format!("data dir path {} is not UTF-8", abs.display()))?;
    Ok(format!("sqlite://{path}?mode=rwc"))
}

/// The SQLite database already in `dir`, for commands that must not create one.
pub fn existing_sqlite_url(dir: &Path) -> anyhow::Result<String> {
    let path = dir.join("portcullis.db");
    if !path.is_file() {
        bail!("no database in {} (give --data-dir or --database-url)", dir.display());
    }
    let abs = std::fs::canonicalize(&path).with_context(|| format!("cannot resolve {}", path.display()))?;
    let abs = abs.to_str().with_context(|| format!("path {} is not UTF-8", abs.display()))?;
    Ok(format!("sqlite://{abs}?mode=rw"))
}

/// Resolves on SIGTERM or SIGINT (Ctrl-C). The handlers are installed by the call itself,
/// not on first poll, so no signal between start-up and serving takes the default action.
fn shutdown_signal() -> impl std::future::Future<Output = ()> {
    #[cfg(unix)]
    let listeners = {
        use tokio::signal::unix::{signal, SignalKind};
        [SignalKind::terminate(), SignalKind::interrupt()].map(|kind| {
            signal(kind).map_err(|e| tracing::warn!("cannot listen for signal {}: {e}", kind.as_raw_value())).ok()
        })
    };
    async move {
        #[cfg(unix)]
        {
            let wait = |s: Option<tokio::signal::unix::Signal>| async move {
                match s {
                    Some(mut s) => {
                        s.recv().await;
                    }
                    None => std::future::pending::<()>().await,
                }
            };
            let [term, int] = listeners;
            tokio::select! {
                () = wait(term) => {},
                () = wait(int) => {},
            }
        }
        #[cfg(not(unix))]
        if let Err(e) = tokio::signal::ctrl_c().await {
            tracing::warn!("cannot listen for Ctrl-C: {e}");
            std::future::pending::<()>().await;
        }
        tracing::info!("shutdown signal received; draining");
    }
}
