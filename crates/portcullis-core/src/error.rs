//! Errors of the domain. [`OAuthError`] carries the RFC 6749 §5.2 codes; [`CoreError`] is
//! what admin operations fail with. Both are mapped to HTTP once, in the server crate.

use std::fmt;

/// RFC 6749 §5.2 error codes (plus RFC 8707 `invalid_target`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OAuthErrorCode {
    /// The request is missing a parameter, repeats one, or is otherwise malformed.
    InvalidRequest,
    /// Client authentication failed (§5.2: 401 when the client used HTTP auth).
    InvalidClient,
    /// The grant (e.g. user credentials) is invalid.
    InvalidGrant,
    /// The client may not use this grant type.
    UnauthorizedClient,
    /// The grant type is unknown to the server.
    UnsupportedGrantType,
    /// A requested scope is unknown or not allowed for the client.
    InvalidScope,
    /// RFC 8707 §2: a `resource` is not an absolute URI or not allowed.
    InvalidTarget,
    /// RFC 6749 §4.1.2.1: the server cannot answer now (its database is unreachable).
    TemporarilyUnavailable,
    /// The server failed (RFC 6749 §4.1.2.1 `server_error`).
    ServerError,
}

impl OAuthErrorCode {
    /// The wire code.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::InvalidRequest => "invalid_request",
            Self::InvalidClient => "invalid_client",
            Self::InvalidGrant => "invalid_grant",
            Self::UnauthorizedClient => "unauthorized_client",
            Self::UnsupportedGrantType => "unsupported_grant_type",
            Self::InvalidScope => "invalid_scope",
            Self::InvalidTarget => "invalid_target",
            Self::TemporarilyUnavailable => "temporarily_unavailable",
            Self::ServerError => "server_error",
        }
    }
}

impl fmt::Display for OAuthErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An OAuth error with its description for the client.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{code}: {description}")]
pub struct OAuthError {
    /// The RFC code.
    pub code: OAuthErrorCode,
    /// Sent as `error_description`.
    pub description: String,
}

impl OAuthError {
    /// Builds an error with a description.
    pub fn new(code: OAuthErrorCode, description: impl Into<String>) -> Self {
        Self { code, description: description.into() }
    }
    /// `invalid_request`.
    pub fn invalid_request(d: impl Into<String>) -> Self {
        Self::new(OAuthErrorCode::InvalidRequest, d)
    }
    /// `invalid_client`; the description never says which of id or secret was wrong.
    pub fn invalid_client(d: impl Into<String>) -> Self {
        Self::new(OAuthErrorCode::InvalidClient, d)
    }
}

/// Failure of a domain or storage operation.
#[derive(Debug, thiserror::Error)]
pub enum CoreError {
    /// The named thing does not exist.
    #[error("{0} not found")]
    NotFound(String),
    /// A unique name is taken.
    #[error("{0}")]
    Conflict(String),
    /// The input breaks a rule of the domain.
    #[error("{0}")]
    Invalid(String),
    /// Storage failed; the text is for logs only.
    #[error("storage error: {0}")]
    Storage(String),
    /// The database cannot be reached (down, refusing connections, pool exhausted);
    /// answered 503 so that clients and load balancers retry elsewhere or later.
    #[error("database unavailable: {0}")]
    Unavailable(String),
    /// A cryptographic operation failed; the text is for logs only.
    #[error("crypto error: {0}")]
    Crypto(String),
}

/// Result of domain operations.
pub type CoreResult<T> = Result<T, CoreError>;
