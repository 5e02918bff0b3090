//! The axum side: an extractor for verified claims.

use std::sync::Arc;

use axum::extract::{FromRef, FromRequestParts};
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use axum::http::HeaderMap;

use crate::{Claims, Error, Verifier};

/// The token of an `Authorization: Bearer` header (RFC 6750 §2.1; the scheme is
/// case-insensitive).
pub(crate) fn bearer_token(headers: &HeaderMap) -> Result<&str, Error> {
    headers
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, t)| t.trim())
        .filter(|t| !t.is_empty())
        .ok_or(Error::Missing)
}

/// The verified claims of the request's bearer token. The application state must give an
/// `Arc<Verifier>` (`FromRef`); a missing or invalid token is answered 401 with an RFC 6750
/// `WWW-Authenticate` header, and [`Claims::require_scope`] and friends answer 403.
pub struct Authenticated(pub Claims);

impl<S> FromRequestParts<S> for Authenticated
where
    Arc<Verifier>: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let token = bearer_token(&parts.headers)?;
        let verifier = Arc::<Verifier>::from_ref(state);
        verifier.verify(token).await.map(Authenticated)
    }
}
