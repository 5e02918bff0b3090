//! What the client asks for, and from where.

use std::time::Duration;

use serde_json::Value;

use crate::{ClientAuth, Error, Retry};

/// A client-credentials client's settings.
#[derive(Debug)]
pub struct Config {
    /// The token endpoint (`{issuer}/protocol/openid-connect/token` for Portcullis and
    /// Keycloak).
    pub token_endpoint: String,
    /// The client's `client_id`.
    pub client_id: String,
    /// How it authenticates.
    pub auth: ClientAuth,
    /// Scopes to ask for, space-separated; none asks for the client's default scopes.
    pub scope: Option<String>,
    /// RFC 8707 resource indicators: the APIs the token is for (its `aud`).
    pub resources: Vec<String>,
    /// How long before expiry a token is replaced; at most half its lifetime is used, so a
    /// token living 10 s is replaced after 5 s.
    pub refresh_before: Duration,
    /// Retries of failing token requests.
    pub retry: Retry,
    /// Timeout of one token request.
    pub http_timeout: Duration,
}

impl Config {
    /// Settings with defaults: the client's default scopes, refresh 30 s before expiry,
    /// [`Retry::default`], 10 s timeout.
    pub fn new(token_endpoint: impl Into<String>, client_id: impl Into<String>, auth: ClientAuth) -> Self {
        Self {
            token_endpoint: token_endpoint.into(),
            client_id: client_id.into(),
            auth,
            scope: None,
            resources: Vec::new(),
            refresh_before: Duration::from_secs(30),
            retry: Retry::default(),
            http_timeout: Duration::from_secs(10),
        }
    }

    /// Settings whose token endpoint is read from the realm's discovery document
    /// (`{issuer}/.well-known/openid-configuration`).
    pub async fn discover(issuer: &str, client_id: impl Into<String>, auth: ClientAuth) -> Result<Self, Error> {
        let url = format!("{}/.well-known/openid-configuration", issuer.trim_end_matches('/'));
        let http = crate::client::http_client(Duration::from_secs(10))?;
        let resp = http.get(&url).send().await.map_err(|e| Error::Discovery(format!("{url}: {e}")))?;
        if !resp.status().is_success() {
            return Err(Error::Discovery(format!("{url}: HTTP {}", resp.status().as_u16())));
        }
        let doc: Value = resp.json().await.map_err(|e| Error::Discovery(format!("{url}: {e}")))?;
        let endpoint = doc
            .get("token_endpoint")
            .and_then(Value::as_str)
            .ok_or_else(|| Error::Discovery(format!("{url}: no token_endpoint")))?;
        Ok(Self::new(endpoint, client_id, auth))
    }

    /// Asks for `scope` (space-separated).
    pub fn scope(mut self, scope: impl Into<String>) -> Self {
        self.scope = Some(scope.into());
        self
    }

    /// Adds an RFC 8707 resource (the token's audience).
    pub fn resource(mut self, resource: impl Into<String>) -> Self {
        self.resources.push(resource.into());
        self
    }

    /// Sets how long before expiry a token is replaced.
    pub fn refresh_before(mut self, margin: Duration) -> Self {
        self.refresh_before = margin;
        self
    }

    /// Sets the retry policy.
    pub fn retry(mut self, retry: Retry) -> Self {
        self.retry = retry;
        self
    }

    /// Sets the timeout of one token request.
    pub fn http_timeout(mut self, timeout: Duration) -> Self {
        self.http_timeout = timeout;
        self
    }
}
