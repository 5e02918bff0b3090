//! Assembles every module's routes under `--http-relative-path` and the cross-cutting
//! layers. The layer added last runs first.

use std::convert::Infallible;
use std::time::Duration;

use axum::body::Body;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{middleware, Json, Router};
use serde_json::json;
use tower::ServiceBuilder;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::request_id::PropagateRequestIdLayer;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

use crate::request_meta::{ensure_host, ensure_request_id, HeaderLimitLayer, REQUEST_ID, SECURITY_HEADERS};
use crate::state::AppState;
use crate::{admin_api, health, oauth};

/// Largest request body accepted anywhere (admin representations included).
const MAX_BODY: usize = 1024 * 1024;
/// One year, subdomains included: an authorization server has no business on plain HTTP.
const HSTS: &str = "max-age=31536000; includeSubDomains";
/// Bodies of 4xx/5xx answers produced by axum itself that get wrapped into JSON.
const MAX_WRAPPED_ERROR: usize = 16 * 1024;

/// The whole application.
pub fn build(state: AppState) -> Router {
    let rel = state.config.relative_path.clone();
    let health = Router::new()
        .route("/health/live", get(health::live))
        .route("/health/ready", get(health::ready))
        .route("/metrics", get(crate::metrics::scrape));
    let realm_routes = Router::new()
        .merge(oauth::routes())
        .merge(admin_api::routes(&state))
        .merge(crate::console::routes())
        .merge(health.clone());
    let mut app = if rel.is_empty() { realm_routes } else { Router::new().nest(&rel, realm_routes).merge(health) };
    app = app.route(&oauth::rfc8414_route(&rel), get(oauth_metadata_rfc8414));
    let record = state.config.metrics.is_some().then(|| state.clone());
    let hsts = state.config.hsts();
    let inner = app.fallback(not_found).with_state(state);
    let security = |i: usize| {
        let (name, value) = SECURITY_HEADERS[i];
        SetResponseHeaderLayer::if_not_present(header::HeaderName::from_static(name), HeaderValue::from_static(value))
    };
    // The cross-cutting layers wrap the router once, outside it. `Router::layer` would wrap
    // every route in one boxed service per layer, each cloned for every request: a dozen
    // allocations per token request (perf: `clone_box`). Outermost first.
    let stack = ServiceBuilder::new()
        // Plain functions (tower's map_request): no boxed future per request.
        .map_request(|req| ensure_request_id(ensure_host(req)))
        .layer(PropagateRequestIdLayer::new(REQUEST_ID))
        // Every line logged while serving a request carries its id.
        .layer(TraceLayer::new_for_http().make_span_with(|req: &axum::http::Request<Body>| {
            let id = req.headers().get(&REQUEST_ID).and_then(|v| v.to_str().ok()).unwrap_or_default();
            tracing::info_span!("request", request_id = %id, method = %req.method(), path = %req.uri().path())
        }))
        .layer(SetResponseHeaderLayer::if_not_present(header::STRICT_TRANSPORT_SECURITY, move |_: &Response| {
            hsts.then(|| HeaderValue::from_static(HSTS))
        }))
        .layer(security(0))
        .layer(security(1))
        .layer(security(2))
        .layer(security(3))
        .layer(HeaderLimitLayer)
        // Outside the limits below so that their plain-text answers (413, 408) become JSON
        // too, like axum's own rejections (405, bad paths). `map_future`, unlike
        // `middleware::map_response`, does not box the inner future.
        .map_future(|answer| async move { Ok::<_, Infallible>(json_errors(answer.await?).await) })
        .map_response(IntoResponse::into_response)
        // A panic is a bug; it must cost one 500, never the process.
        .layer(CatchPanicLayer::custom(|_| {
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                Json(json!({"error": "server_error", "error_description": "internal server error"})),
            )
                .into_response()
        }))
        .layer(TimeoutLayer::with_status_code(StatusCode::REQUEST_TIMEOUT, Duration::from_secs(30)))
        .map_response(IntoResponse::into_response)
        .layer(RequestBodyLimitLayer::new(MAX_BODY))
        .service(inner);
    let app = Router::new().fallback_service(stack);
    match record {
        // Outermost: requests refused by the layers are counted too.
        Some(state) => app.layer(middleware::from_fn_with_state(state, crate::metrics::record)),
        None => app,
    }
}

async fn oauth_metadata_rfc8414(
    state: axum::extract::State<AppState>,
    path: axum::extract::Path<String>,
    headers: axum::http::HeaderMap,
) -> Response {
    oauth::oauth_metadata(state, path, headers).await.into_response()
}

pub(crate) async fn not_found() -> Response {
    (StatusCode::NOT_FOUND, Json(json!({"error": "not_found", "error_description": "no such resource"})))
        .into_response()
}

async fn json_errors(resp: Response) -> Response {
    let status = resp.status();
    let is_json = resp
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        // The console's pages (text/html) are answers meant for people, errors included.
        .is_some_and(|ct| ct.starts_with("application/json") || ct.starts_with("text/html"));
    if status.as_u16() < 400 || is_json {
        return resp;
    }
    let (mut parts, body) = resp.into_parts();
    let text = match axum::body::to_bytes(body, MAX_WRAPPED_ERROR).await {
        Ok(b) if !b.is_empty() => String::from_utf8_lossy(&b).into_owned(),
        _ => status.canonical_reason().unwrap_or("error").to_owned(),
    };
    let code = match status {
        StatusCode::PAYLOAD_TOO_LARGE => "request_too_large",
        StatusCode::METHOD_NOT_ALLOWED => "method_not_allowed",
        StatusCode::NOT_FOUND => "not_found",
        StatusCode::REQUEST_TIMEOUT => "timeout",
        s if s.is_server_error() => "server_error",
        _ => "invalid_request",
    };
    let body = serde_json::to_vec(&json!({"error": code, "error_description": text})).unwrap_or_default();
    parts.headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    parts.headers.remove(header::CONTENT_LENGTH);
    Response::from_parts(parts, Body::from(body))
}
