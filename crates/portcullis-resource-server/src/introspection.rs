//! Introspection mode (RFC 7662): the authorization server says whether a token is active,
//! for opaque tokens and for checks that must see a revocation at once. Each check costs a
//! round trip to the server; local verification costs microseconds.

use serde_json::Value;

use crate::{Claims, Error};

/// The resource server's own client credentials, which the introspection endpoint requires.
#[derive(Clone)]
pub struct Introspection {
    pub(crate) client_id: String,
    pub(crate) secret: String,
}

impl std::fmt::Debug for Introspection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Introspection").field("client_id", &self.client_id).finish_non_exhaustive()
    }
}

impl Introspection {
    /// Credentials of a confidential client of the realm (`client_secret_basic`).
    pub fn new(client_id: impl Into<String>, secret: impl Into<String>) -> Self {
        Self { client_id: client_id.into(), secret: secret.into() }
    }
}

/// Asks `endpoint` about `token`; the claims of an active token, else `Inactive`.
pub async fn introspect(
    http: &reqwest::Client,
    endpoint: &str,
    creds: &Introspection,
    token: &str,
) -> Result<Claims, Error> {
    let resp = http
        .post(endpoint)
        .header(
            reqwest::header::AUTHORIZATION,
            &*portcullis_core::secret::basic_credentials(&creds.client_id, &creds.secret),
        )
        .form(&[("token", token), ("token_type_hint", "access_token")])
        .send()
        .await
        .map_err(|e| Error::Unavailable(format!("{endpoint}: {e}")))?;
    let status = resp.status();
    if !status.is_success() {
        // 401 here means the resource server's own credentials are wrong: a configuration
        // fault, not the caller's.
        return Err(Error::Unavailable(format!("{endpoint}: HTTP {}", status.as_u16())));
    }
    let body: Value = resp.json().await.map_err(|e| Error::Unavailable(format!("{endpoint}: {e}")))?;
    if body.get("active").and_then(Value::as_bool) != Some(true) {
        return Err(Error::Inactive);
    }
    serde_json::from_value(body).map_err(|e| Error::Unavailable(format!("{endpoint}: unexpected answer: {e}")))
}
