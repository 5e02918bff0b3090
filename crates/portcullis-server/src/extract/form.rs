//! `application/x-www-form-urlencoded` bodies of the token endpoint (RFC 6749 §3.2).

use std::collections::HashMap;

use axum::extract::{FromRequest, Request};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use portcullis_core::OAuthError;

use crate::error::{ApiError, OAuthResponseError};

/// Parameters that RFC 8707 allows more than once.
const REPEATABLE: &[&str] = &["resource"];

/// The parsed form: single-valued parameters and the repeatable ones.
#[derive(Debug, Default)]
pub struct TokenForm {
    single: HashMap<String, String>,
    /// RFC 8707 `resource` values in order.
    pub resources: Vec<String>,
}

impl TokenForm {
    /// A single-valued parameter; empty values count as absent (RFC 6749 §3.2).
    pub fn get(&self, name: &str) -> Option<&str> {
        self.single.get(name).map(String::as_str)
    }

    /// Parses a body; a repeated single-valued parameter is `invalid_request` (§3.2).
    pub fn parse(body: &[u8]) -> Result<Self, OAuthError> {
        let mut form = Self::default();
        for (k, v) in form_urlencoded::parse(body) {
            if v.is_empty() {
                continue;
            }
            if k.contains('\u{FFFD}') || v.contains('\u{FFFD}') {
                return Err(OAuthError::invalid_request("parameters must be UTF-8"));
            }
            if REPEATABLE.contains(&k.as_ref()) {
                form.resources.push(v.into_owned());
            } else if form.single.insert(k.to_string(), v.into_owned()).is_some() {
                return Err(OAuthError::invalid_request(format!("parameter '{k}' was given more than once")));
            }
        }
        Ok(form)
    }
}

impl<S: Send + Sync> FromRequest<S> for TokenForm {
    /// An OAuth error, except 413 for a (chunked) body over the limit: RFC 6749 has no
    /// code for it, and it must not read as a malformed request.
    type Rejection = Response;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let oauth = |e: OAuthError| OAuthResponseError::from(e).into_response();
        let ct = req.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or_default();
        if !ct.split(';').next().unwrap_or_default().trim().eq_ignore_ascii_case("application/x-www-form-urlencoded") {
            return Err(oauth(OAuthError::invalid_request("Content-Type must be application/x-www-form-urlencoded")));
        }
        let body = Bytes::from_request(req, state).await.map_err(|e| match e.status() {
            StatusCode::PAYLOAD_TOO_LARGE => ApiError::from(e).into_response(),
            _ => oauth(OAuthError::invalid_request(e.body_text())),
        })?;
        Self::parse(&body).map_err(oauth)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn duplicates_and_resources() {
        let f = TokenForm::parse(b"grant_type=x&resource=a&resource=b&scope=").unwrap();
        assert_eq!(f.get("grant_type"), Some("x"));
        assert_eq!(f.get("scope"), None);
        assert_eq!(f.resources, vec!["a", "b"]);
        assert!(TokenForm::parse(b"scope=a&scope=b").is_err());
        assert!(TokenForm::parse(b"scope=%FF").is_err());
    }
}
