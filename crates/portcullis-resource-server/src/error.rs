//! Why a request is refused, and how RFC 6750 says so.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

/// A refused token or request.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum Error {
    /// No `Authorization: Bearer` header.
    #[error("no bearer token")]
    Missing,
    /// Not a compact JWS of JSON.
    #[error("malformed token")]
    Malformed,
    /// `alg` not allowed (`none`, HMAC, …) or not the key's algorithm.
    #[error("algorithm '{0}' not accepted")]
    Algorithm(String),
    /// No key of the realm has the token's `kid`, even after fetching the keys again.
    #[error("unknown signing key")]
    UnknownKey,
    /// The signature does not verify.
    #[error("bad signature")]
    Signature,
    /// `iss` is not the realm's issuer.
    #[error("wrong issuer")]
    Issuer,
    /// `aud` does not name this resource server.
    #[error("wrong audience")]
    Audience,
    /// `exp` passed (beyond the leeway).
    #[error("token expired")]
    Expired,
    /// `nbf` or `iat` in the future (beyond the leeway).
    #[error("token not yet valid")]
    NotYetValid,
    /// The authorization server says the token is not active (introspection mode:
    /// revoked, expired, or unknown).
    #[error("token not active")]
    Inactive,
    /// Valid, but without the scope or role the endpoint needs.
    #[error("insufficient scope: {0}")]
    Insufficient(String),
    /// The realm's discovery document or keys could not be fetched.
    #[error("keys unavailable: {0}")]
    Unavailable(String),
}

impl Error {
    /// The RFC 6750 §3.1 error code and HTTP status.
    fn code(&self) -> (StatusCode, &'static str) {
        match self {
            Self::Missing => (StatusCode::UNAUTHORIZED, ""),
            Self::Insufficient(_) => (StatusCode::FORBIDDEN, "insufficient_scope"),
            Self::Unavailable(_) => (StatusCode::SERVICE_UNAVAILABLE, ""),
            _ => (StatusCode::UNAUTHORIZED, "invalid_token"),
        }
    }

    /// The `WWW-Authenticate` value of this refusal.
    pub fn www_authenticate(&self) -> String {
        match self.code() {
            (_, "") => "Bearer".to_owned(),
            (_, code) => {
                let description = self.to_string().replace(['"', '\\'], "'");
                format!("Bearer error=\"{code}\", error_description=\"{description}\"")
            }
        }
    }
}

impl IntoResponse for Error {
    fn into_response(self) -> Response {
        let (status, _) = self.code();
        let mut resp = (status, self.to_string()).into_response();
        if status != StatusCode::SERVICE_UNAVAILABLE {
            if let Ok(v) = HeaderValue::from_str(&self.www_authenticate()) {
                resp.headers_mut().insert(header::WWW_AUTHENTICATE, v);
            }
        }
        resp
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc6750_challenges() {
        assert_eq!(Error::Missing.www_authenticate(), "Bearer");
        assert_eq!(
            Error::Expired.www_authenticate(),
            "Bearer error=\"invalid_token\", error_description=\"token expired\""
        );
        let r = Error::Insufficient("orders:read".into()).into_response();
        assert_eq!(r.status(), StatusCode::FORBIDDEN);
        assert!(r.headers()[header::WWW_AUTHENTICATE].to_str().unwrap().contains("insufficient_scope"));
    }
}
