//! The one place where errors become HTTP responses.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use portcullis_core::{CoreError, OAuthError, OAuthErrorCode};
use serde_json::json;

/// An error of the token/discovery endpoints, answered per RFC 6749 §5.2.
#[derive(Debug)]
pub struct OAuthResponseError {
    /// The OAuth error.
    pub error: OAuthError,
    /// Whether the client tried HTTP Basic (then `invalid_client` is 401 + challenge).
    pub basic_auth_used: bool,
}

impl From<OAuthError> for OAuthResponseError {
    fn from(error: OAuthError) -> Self {
        Self { error, basic_auth_used: false }
    }
}

impl From<CoreError> for OAuthResponseError {
    fn from(e: CoreError) -> Self {
        if let CoreError::Unavailable(detail) = &e {
            tracing::warn!(error = %detail, "token endpoint: database unavailable");
            return OAuthError::new(OAuthErrorCode::TemporarilyUnavailable, "the server cannot reach its database")
                .into();
        }
        // A value the database cannot hold (a NUL byte on PostgreSQL): the caller's fault.
        if let CoreError::Invalid(detail) = &e {
            return OAuthError::invalid_request(detail.clone()).into();
        }
        tracing::error!(error = %e, "token endpoint failure");
        OAuthError::new(OAuthErrorCode::ServerError, "internal error").into()
    }
}

impl IntoResponse for OAuthResponseError {
    fn into_response(self) -> Response {
        let code = self.error.code;
        let status = match code {
            // RFC 6749 §5.2: 401 for invalid_client when the client authenticated over HTTP
            // auth. Keycloak also answers 401 for failed client_secret_post; so do we, as
            // the response code then does not depend on how the wrong secret was sent.
            OAuthErrorCode::InvalidClient => StatusCode::UNAUTHORIZED,
            OAuthErrorCode::ServerError => StatusCode::INTERNAL_SERVER_ERROR,
            OAuthErrorCode::TemporarilyUnavailable => StatusCode::SERVICE_UNAVAILABLE,
            _ => StatusCode::BAD_REQUEST,
        };
        let mut resp =
            (status, axum::Json(json!({"error": code.as_str(), "error_description": self.error.description})))
                .into_response();
        let headers = resp.headers_mut();
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        headers.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
        if code == OAuthErrorCode::TemporarilyUnavailable {
            headers.insert(header::RETRY_AFTER, HeaderValue::from_static("5"));
        }
        if code == OAuthErrorCode::InvalidClient && self.basic_auth_used {
            headers.insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Basic realm=\"portcullis\""));
        }
        resp
    }
}

/// An error of the admin API. The body carries Keycloak's `errorMessage` and the OAuth-style
/// `error`/`error_description` so both kinds of clients find a message.
#[derive(Debug)]
pub enum ApiError {
    /// 400.
    BadRequest(String),
    /// 401 (missing or invalid bearer token).
    Unauthorized(String),
    /// 403 (valid token without the admin role).
    Forbidden(String),
    /// 404.
    NotFound(String),
    /// 409.
    Conflict(String),
    /// 413 (a body over the size limit, found while reading it).
    PayloadTooLarge(String),
    /// 415.
    UnsupportedMediaType(String),
    /// 503; the database cannot be reached. The detail is logged, never sent.
    Unavailable(String),
    /// 429; over the administrator's rate limit, with the seconds to wait.
    TooManyRequests(u64),
    /// 500; the detail is logged, never sent.
    Internal(String),
}

impl ApiError {
    /// A 404 for a named kind of thing.
    pub fn not_found(what: &str) -> Self {
        Self::NotFound(format!("Could not find {what}"))
    }
}

impl From<axum::extract::rejection::BytesRejection> for ApiError {
    /// A body that could not be read: 413 when a chunked body outgrew the limit (a declared
    /// Content-Length over it is refused earlier by the limit layer), 400 otherwise.
    fn from(e: axum::extract::rejection::BytesRejection) -> Self {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            Self::PayloadTooLarge(e.body_text())
        } else {
            Self::BadRequest(e.body_text())
        }
    }
}

impl From<CoreError> for ApiError {
    fn from(e: CoreError) -> Self {
        match e {
            CoreError::NotFound(m) => Self::NotFound(m),
            CoreError::Conflict(m) => Self::Conflict(m),
            CoreError::Invalid(m) => Self::BadRequest(m),
            CoreError::Unavailable(m) => Self::Unavailable(m),
            CoreError::Storage(m) | CoreError::Crypto(m) => Self::Internal(m),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, kind, msg) = match self {
            Self::TooManyRequests(retry_after_s) => {
                return crate::rate_limit::RateLimited { retry_after_s }.into_response();
            }
            Self::BadRequest(m) => (StatusCode::BAD_REQUEST, "invalid_request", m),
            Self::Unauthorized(m) => (StatusCode::UNAUTHORIZED, "unauthorized", m),
            Self::Forbidden(m) => (StatusCode::FORBIDDEN, "forbidden", m),
            Self::NotFound(m) => (StatusCode::NOT_FOUND, "not_found", m),
            Self::Conflict(m) => (StatusCode::CONFLICT, "conflict", m),
            Self::PayloadTooLarge(m) => (StatusCode::PAYLOAD_TOO_LARGE, "request_too_large", m),
            Self::UnsupportedMediaType(m) => (StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type", m),
            Self::Unavailable(detail) => {
                tracing::warn!(error = %detail, "admin API: database unavailable");
                (
                    StatusCode::SERVICE_UNAVAILABLE,
                    "temporarily_unavailable",
                    "the server cannot reach its database".to_owned(),
                )
            }
            Self::Internal(detail) => {
                tracing::error!(error = %detail, "admin API failure");
                (StatusCode::INTERNAL_SERVER_ERROR, "server_error", "internal server error".to_owned())
            }
        };
        let mut resp =
            (status, axum::Json(json!({"error": kind, "error_description": msg, "errorMessage": msg}))).into_response();
        if status == StatusCode::UNAUTHORIZED {
            resp.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        if status == StatusCode::SERVICE_UNAVAILABLE {
            resp.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from_static("5"));
        }
        resp
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invalid_client_with_basic_gets_challenge() {
        let e = OAuthResponseError { error: OAuthError::invalid_client("x"), basic_auth_used: true };
        let r = e.into_response();
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
        assert!(r.headers().contains_key(header::WWW_AUTHENTICATE));
        let e = OAuthResponseError { error: OAuthError::invalid_client("x"), basic_auth_used: false };
        assert!(!e.into_response().headers().contains_key(header::WWW_AUTHENTICATE));
        let e: OAuthResponseError = OAuthError::new(OAuthErrorCode::InvalidScope, "x").into();
        assert_eq!(e.into_response().status(), StatusCode::BAD_REQUEST);
    }
}
