//! An access token as the client holds it.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant};

use zeroize::Zeroizing;

/// A bearer token and when it stops being good. Cheap to clone.
#[derive(Clone)]
pub struct AccessToken {
    value: Arc<Zeroizing<String>>,
    /// When the server said it expires.
    pub(crate) expires_at: Instant,
    /// When the client replaces it.
    pub(crate) refresh_at: Instant,
    scope: Option<Arc<str>>,
}

impl AccessToken {
    pub(crate) fn new(
        value: String,
        obtained: Instant,
        lifetime: Duration,
        margin: Duration,
        scope: Option<String>,
    ) -> Self {
        let margin = margin.min(lifetime / 2);
        Self {
            value: Arc::new(Zeroizing::new(value)),
            expires_at: obtained + lifetime,
            refresh_at: obtained + lifetime - margin,
            scope: scope.map(Into::into),
        }
    }

    /// The token, for an `Authorization: Bearer` header.
    pub fn secret(&self) -> &str {
        &self.value
    }

    /// When it expires (as measured from the moment it was asked for).
    pub fn expires_at(&self) -> Instant {
        self.expires_at
    }

    /// The scopes granted, when the server said.
    pub fn scope(&self) -> Option<&str> {
        self.scope.as_deref()
    }

    /// True once expired.
    pub fn is_expired(&self) -> bool {
        Instant::now() >= self.expires_at
    }

    /// The same token (not merely an equal string): used to replace only the token a
    /// caller saw refused.
    pub(crate) fn same(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.value, &other.value)
    }
}

impl PartialEq for AccessToken {
    fn eq(&self, other: &Self) -> bool {
        self.value.as_str() == other.value.as_str()
    }
}

impl fmt::Debug for AccessToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AccessToken")
            .field("expires_in", &self.expires_at.saturating_duration_since(Instant::now()))
            .field("scope", &self.scope)
            .finish_non_exhaustive()
    }
}
