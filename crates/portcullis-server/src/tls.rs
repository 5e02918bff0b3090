//! HTTPS with rustls (`--https-cert-file`, `--https-key-file`): PEM certificate chain and
//! private key, reloaded on SIGHUP so that a renewed certificate (e.g. from cert-manager
//! or certbot) takes effect without a restart. A reload that fails keeps the old pair.

use std::future::Future;
use std::path::PathBuf;
use std::time::Duration;

use axum_server::tls_rustls::RustlsConfig;
use axum_server::Handle;
use tokio::net::TcpListener;

use crate::StartError;

/// How long shutdown waits for in-flight requests on HTTPS connections.
const DRAIN: Duration = Duration::from_secs(30);

/// A loaded certificate and key, and where they came from.
#[derive(Clone)]
pub struct Tls {
    config: RustlsConfig,
    cert: PathBuf,
    key: PathBuf,
}

impl std::fmt::Debug for Tls {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tls").field("cert", &self.cert).field("key", &self.key).finish()
    }
}

impl Tls {
    /// Reads the PEM files; the error names the file and the cause.
    pub async fn load(cert: PathBuf, key: PathBuf) -> Result<Self, StartError> {
        let config = RustlsConfig::from_pem_file(&cert, &key).await.map_err(|e| {
            StartError::Tls(format!("cannot use certificate {} with key {}: {e}", cert.display(), key.display()))
        })?;
        Ok(Self { config, cert, key })
    }

    /// Reads the files again; on error the old pair stays in use.
    pub async fn reload(&self) -> Result<(), String> {
        self.config.reload_from_pem_file(&self.cert, &self.key).await.map_err(|e| e.to_string())
    }
}

/// Serves HTTPS until `shutdown` completes, then drains in-flight requests.
pub async fn serve_tls(
    listener: TcpListener,
    app: axum::Router,
    tls: Tls,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), StartError> {
    let handle = Handle::new();
    let stopper = handle.clone();
    tokio::spawn(async move {
        shutdown.await;
        stopper.graceful_shutdown(Some(DRAIN));
    });
    spawn_reload_on_sighup(tls.clone());
    let std_listener = listener.into_std().map_err(StartError::Http)?;
    axum_server::from_tcp_rustls(std_listener, tls.config)
        .handle(handle)
        .serve(crate::tolerate_trailing_slash(app))
        .await
        .map_err(StartError::Http)
}

#[cfg(unix)]
fn spawn_reload_on_sighup(tls: Tls) {
    use tokio::signal::unix::{signal, SignalKind};
    let mut hup = match signal(SignalKind::hangup()) {
        Ok(s) => s,
        Err(e) => {
            tracing::warn!(error = %e, "cannot listen for SIGHUP: certificate reload disabled");
            return;
        }
    };
    tokio::spawn(async move {
        while hup.recv().await.is_some() {
            match tls.reload().await {
                Ok(()) => tracing::info!(cert = %tls.cert.display(), "TLS certificate reloaded"),
                Err(e) => tracing::error!(cert = %tls.cert.display(), error = %e,
                    "TLS certificate reload failed; the previous certificate stays in use"),
            }
        }
    });
}

#[cfg(not(unix))]
fn spawn_reload_on_sighup(_: Tls) {}
