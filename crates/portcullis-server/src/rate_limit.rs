//! Per-client limits on the token endpoint and per-administrator limits on the admin API
//! (GCRA via `governor`), each off unless configured. Limits are per instance: with N
//! instances behind a balancer a client gets up to N times its limit.
//!
//! Keys are only clients that exist and administrators whose token verified, so the
//! limiter's memory is bounded by what the admin created, not by what callers send.

use std::num::NonZeroU32;
use std::sync::Arc;

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use serde_json::json;

/// A keyed limit of `per_second` requests per second (and as many at once).
#[derive(Clone)]
pub struct Limiter {
    inner: Arc<DefaultKeyedRateLimiter<String>>,
    clock: DefaultClock,
}

impl std::fmt::Debug for Limiter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Limiter")
    }
}

impl Limiter {
    /// A limiter, or `None` for 0 (no limit).
    pub fn per_second(per_second: u32) -> Option<Self> {
        let rate = NonZeroU32::new(per_second)?;
        Some(Self { inner: Arc::new(RateLimiter::keyed(Quota::per_second(rate))), clock: DefaultClock::default() })
    }

    /// Takes one request from `key`'s allowance, or says how long to wait.
    pub fn check(&self, key: &str) -> Result<(), RateLimited> {
        self.inner.check_key(&key.to_owned()).map_err(|not_until| {
            let wait = not_until.wait_time_from(self.clock.now());
            RateLimited { retry_after_s: wait.as_secs() + u64::from(wait.subsec_nanos() > 0) }
        })
    }
}

/// A request over its limit: 429 with `Retry-After` (RFC 6585).
#[derive(Debug)]
pub struct RateLimited {
    /// Whole seconds until the next request is allowed (at least 1).
    pub retry_after_s: u64,
}

impl IntoResponse for RateLimited {
    fn into_response(self) -> Response {
        let secs = self.retry_after_s.max(1);
        let msg = format!("too many requests; retry after {secs} s");
        let body = json!({"error": "temporarily_unavailable", "error_description": msg, "errorMessage": msg});
        let mut resp = (StatusCode::TOO_MANY_REQUESTS, axum::Json(body)).into_response();
        if let Ok(v) = HeaderValue::from_str(&secs.to_string()) {
            resp.headers_mut().insert(header::RETRY_AFTER, v);
        }
        resp
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zero_means_no_limit_and_keys_are_separate() {
        assert!(Limiter::per_second(0).is_none());
        let l = Limiter::per_second(2).unwrap();
        assert!(l.check("a").is_ok() && l.check("a").is_ok());
        let over = l.check("a").unwrap_err();
        assert_eq!(over.retry_after_s, 1);
        assert!(l.check("b").is_ok(), "another key has its own allowance");
        let resp = over.into_response();
        assert_eq!(resp.status(), StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(resp.headers()[header::RETRY_AFTER], "1");
    }
}
