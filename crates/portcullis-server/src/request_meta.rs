//! What every response carries whatever the route: a request id to correlate a client's
//! report with the server's log, and headers that stop browsers from sniffing, framing or
//! leaking referrers of API answers.

use std::future::{ready, Ready};
use std::task::{Context, Poll};

use axum::body::Body;
use axum::http::{HeaderName, HeaderValue, Request, StatusCode};
use axum::response::{IntoResponse, Response};
use futures_util::future::Either;
use tower::{Layer, Service};

/// The request id header (as set by proxies such as nginx and Envoy).
pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");
/// Longest request id accepted from a client or proxy; longer ones are replaced.
const MAX_ID_LEN: usize = 128;

/// Keeps a sane `X-Request-Id` from the caller (a proxy usually sets one), otherwise gives
/// the request a fresh one; the propagate layer copies it onto the response.
pub fn ensure_request_id(mut req: Request<Body>) -> Request<Body> {
    let sane = req.headers().get(&REQUEST_ID).is_some_and(|v| {
        let b = v.as_bytes();
        !b.is_empty() && b.len() <= MAX_ID_LEN && b.iter().all(|c| c.is_ascii_alphanumeric() || b"-_.:".contains(c))
    });
    if !sane {
        if let Ok(v) = HeaderValue::from_str(&portcullis_core::new_id()) {
            req.headers_mut().insert(REQUEST_ID, v);
        }
    }
    req
}

/// HTTP/2 (negotiated over TLS) carries the host as the `:authority` pseudo-header, which
/// hyper puts into the URI, not into `Host`: copy it over so that issuer URLs work the same
/// on both protocol versions.
pub fn ensure_host(mut req: Request<Body>) -> Request<Body> {
    if !req.headers().contains_key(axum::http::header::HOST) {
        if let Some(v) = req.uri().authority().and_then(|a| HeaderValue::from_str(a.as_str()).ok()) {
            req.headers_mut().insert(axum::http::header::HOST, v);
        }
    }
    req
}

/// Most header bytes (names and values) a request may carry; a bearer token of ours is
/// about 1 KiB. Hyper's own, larger limit still answers a bare 431 beyond its buffer.
pub const MAX_HEADER_BYTES: usize = 32 * 1024;
/// Most header fields a request may carry (hyper refuses more than 100 with a bare 431).
pub const MAX_HEADERS: usize = 64;

/// Answers 431 with a JSON body to requests whose headers are too many or too large,
/// before any handler parses them. A plain service rather than `middleware::from_fn`,
/// which would box the whole inner future of every request.
#[derive(Debug, Clone, Copy, Default)]
pub struct HeaderLimitLayer;

impl<S> Layer<S> for HeaderLimitLayer {
    type Service = HeaderLimit<S>;

    fn layer(&self, inner: S) -> Self::Service {
        HeaderLimit(inner)
    }
}

/// See [`HeaderLimitLayer`].
#[derive(Debug, Clone)]
pub struct HeaderLimit<S>(S);

impl<S> Service<Request<Body>> for HeaderLimit<S>
where
    S: Service<Request<Body>, Response = Response>,
{
    type Response = Response;
    type Error = S::Error;
    type Future = Either<Ready<Result<Response, S::Error>>, S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.0.poll_ready(cx)
    }

    fn call(&mut self, req: Request<Body>) -> Self::Future {
        let h = req.headers();
        let bytes: usize = h.iter().map(|(k, v)| k.as_str().len() + v.len()).sum();
        if h.len() > MAX_HEADERS || bytes > MAX_HEADER_BYTES {
            return Either::Left(ready(Ok(headers_too_large())));
        }
        Either::Right(self.0.call(req))
    }
}

fn headers_too_large() -> Response {
    let msg = format!("request headers too large: at most {MAX_HEADERS} fields and {MAX_HEADER_BYTES} bytes");
    let body = serde_json::json!({"error": "invalid_request", "error_description": msg, "errorMessage": msg});
    (StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE, axum::Json(body)).into_response()
}

/// Headers added to every response that does not set them itself.
pub const SECURITY_HEADERS: [(&str, &str); 4] = [
    ("x-content-type-options", "nosniff"),
    ("x-frame-options", "DENY"),
    ("referrer-policy", "no-referrer"),
    ("content-security-policy", "default-src 'none'; frame-ancestors 'none'"),
];
