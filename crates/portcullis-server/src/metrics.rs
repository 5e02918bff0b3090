//! Prometheus metrics (`--metrics-enabled`, off by default as in Keycloak, since they name
//! realms and clients): requests by endpoint, method, status and realm, latency, tokens
//! by realm, grant and client, cache lookups and database connections.
//!
//! Label values are bounded: the endpoint is a fixed name, not the raw path, and a realm
//! is named only when it is in the cache (it exists), so random paths cannot grow the
//! series without limit. Client ids are named only after they authenticated.

use std::time::{Duration, Instant};

use axum::body::Body;
use axum::extract::State;
use axum::http::{header, HeaderValue, Method, Request, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

use crate::state::AppState;

const REQUESTS: &str = "portcullis_http_requests_total";
const DURATION: &str = "portcullis_http_request_duration_seconds";
const TOKENS: &str = "portcullis_tokens_issued_total";
const CACHE: &str = "portcullis_cache_lookups_total";
const DB_CONNECTIONS: &str = "portcullis_db_connections";
const LATENCY_BUCKETS: [f64; 12] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0];

/// Installs the process-wide recorder; call once, from the binary.
pub fn install() -> Result<PrometheusHandle, String> {
    let handle = PrometheusBuilder::new()
        .set_buckets_for_metric(Matcher::Full(DURATION.into()), &LATENCY_BUCKETS)
        .map_err(|e| e.to_string())?
        .install_recorder()
        .map_err(|e| e.to_string())?;
    // Histograms keep raw samples until upkeep folds them in: bound that memory even when
    // nobody scrapes.
    let upkeep = handle.clone();
    std::thread::Builder::new()
        .name("metrics-upkeep".into())
        .spawn(move || loop {
            std::thread::sleep(Duration::from_secs(5));
            upkeep.run_upkeep();
        })
        .map_err(|e| e.to_string())?;
    Ok(handle)
}

/// The fixed name of what a path asks for, and the realm it names, if any.
fn classify<'a>(path: &'a str, relative: &str) -> (&'static str, Option<&'a str>) {
    let path = path.strip_prefix(relative).unwrap_or(path);
    let mut seg = path.trim_start_matches('/').split('/');
    match (seg.next(), seg.next(), seg.next()) {
        (Some("realms"), Some(realm), Some(".well-known")) => ("discovery", Some(realm)),
        (Some("realms"), Some(realm), Some("protocol")) => match (seg.next(), seg.next()) {
            (Some("openid-connect"), Some("token")) => ("token", Some(realm)),
            (Some("openid-connect"), Some("certs")) => ("certs", Some(realm)),
            _ => ("other", Some(realm)),
        },
        (Some("admin"), Some("realms"), realm) => ("admin", realm),
        (Some("health"), _, _) => ("health", None),
        (Some("metrics"), None, _) => ("metrics", None),
        (Some(".well-known"), _, _) => ("discovery", None),
        _ => ("other", None),
    }
}

/// The standard methods by name; any extension method a caller makes up is `other`.
fn method_label(m: &Method) -> &'static str {
    match m.as_str() {
        "GET" => "GET",
        "POST" => "POST",
        "PUT" => "PUT",
        "DELETE" => "DELETE",
        "HEAD" => "HEAD",
        "OPTIONS" => "OPTIONS",
        "PATCH" => "PATCH",
        _ => "other",
    }
}

/// Middleware counting and timing every request.
pub async fn record(State(state): State<AppState>, req: Request<Body>, next: Next) -> Response {
    let started = Instant::now();
    let method = method_label(req.method());
    let (endpoint, realm) = classify(req.uri().path(), &state.config.relative_path);
    let realm = realm.map(str::to_owned);
    let resp = next.run(req).await;
    // After the request: a realm it loaded into the cache counts from its first request.
    let realm = realm.filter(|r| state.cache.is_known(r)).unwrap_or_else(|| "-".to_owned());
    metrics::histogram!(DURATION, "endpoint" => endpoint).record(started.elapsed().as_secs_f64());
    metrics::counter!(REQUESTS, "endpoint" => endpoint, "method" => method,
        "status" => resp.status().as_str().to_owned(), "realm" => realm)
    .increment(1);
    resp
}

/// A token was issued.
pub fn token_issued(state: &AppState, realm: &str, grant_type: &'static str, client_id: &str) {
    if state.config.metrics.is_some() {
        metrics::counter!(TOKENS, "realm" => realm.to_owned(), "grant_type" => grant_type,
            "client_id" => client_id.to_owned())
        .increment(1);
    }
}

/// A cache lookup of `kind` (`realm` or `client`) hit or missed.
pub fn cache_lookup(kind: &'static str, hit: bool) {
    metrics::counter!(CACHE, "kind" => kind, "result" => if hit { "hit" } else { "miss" }).increment(1);
}

/// `GET /metrics`: the Prometheus text format; 404 when metrics are off.
pub async fn scrape(State(state): State<AppState>) -> Response {
    let Some(handle) = &state.config.metrics else {
        return crate::router::not_found().await;
    };
    if let Some(stats) = state.store.pool_stats() {
        metrics::gauge!(DB_CONNECTIONS, "state" => "open").set(f64::from(stats.open));
        metrics::gauge!(DB_CONNECTIONS, "state" => "idle").set(stats.idle as f64);
        metrics::gauge!(DB_CONNECTIONS, "state" => "max").set(f64::from(stats.max));
    }
    handle.run_upkeep();
    let mut resp = (StatusCode::OK, handle.render()).into_response();
    resp.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"));
    resp
}

#[cfg(test)]
mod tests {
    use super::classify;

    #[test]
    fn paths_map_to_a_few_names() {
        assert_eq!(classify("/realms/r/protocol/openid-connect/token", ""), ("token", Some("r")));
        assert_eq!(classify("/auth/realms/r/protocol/openid-connect/certs", "/auth"), ("certs", Some("r")));
        assert_eq!(classify("/realms/r/.well-known/openid-configuration", ""), ("discovery", Some("r")));
        assert_eq!(classify("/realms/r/protocol/saml", ""), ("other", Some("r")));
        assert_eq!(classify("/admin/realms/r/clients/x", ""), ("admin", Some("r")));
        assert_eq!(classify("/admin/realms", ""), ("admin", None));
        assert_eq!(classify("/health/ready", ""), ("health", None));
        assert_eq!(classify("/metrics", ""), ("metrics", None));
        assert_eq!(classify("/.well-known/oauth-authorization-server/realms/r", ""), ("discovery", None));
        assert_eq!(classify("/random/junk", ""), ("other", None));
    }
}
