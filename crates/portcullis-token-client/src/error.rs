//! Why no token could be had.

/// A failed token request.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
pub enum Error {
    /// The authorization server refused the request (RFC 6749 §5.2): wrong secret, client
    /// disabled, scope not allowed… Not retried: asking again would get the same answer.
    #[error("token request refused (HTTP {status}): {error}{}", .description.as_deref().map(|d| format!(": {d}")).unwrap_or_default())]
    Refused {
        /// HTTP status.
        status: u16,
        /// The OAuth `error` code (`invalid_client`, `invalid_scope`, …).
        error: String,
        /// `error_description`, when given.
        description: Option<String>,
    },
    /// The authorization server could not be reached or kept failing (network errors,
    /// 5xx, 429) through every attempt.
    #[error("token endpoint unavailable after {attempts} attempt(s): {last}")]
    Unavailable {
        /// Attempts made.
        attempts: u32,
        /// What the last one ran into.
        last: String,
    },
    /// A success status with a body that is not a token response.
    #[error("unexpected token response: {0}")]
    Response(String),
    /// The client's private key could not be read or could not sign.
    #[error("client key: {0}")]
    Key(String),
    /// The realm's discovery document could not be read.
    #[error("discovery: {0}")]
    Discovery(String),
}

impl Error {
    /// The OAuth error code of a refusal.
    pub fn oauth_error(&self) -> Option<&str> {
        match self {
            Self::Refused { error, .. } => Some(error),
            _ => None,
        }
    }
}
