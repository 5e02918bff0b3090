//! The verifier: configuration, discovery, and the checks of one token.

use std::time::Duration;

use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use base64::Engine as _;
use portcullis_core::jwk::{JwkError, JwkSet};
use serde_json::Value;

use crate::introspection::{introspect, Introspection};
use crate::keys::KeyCache;
use crate::{Claims, Error};

/// The signature algorithms a token may use: asymmetric only, so that a key published in
/// the JWKS can never be used as an HMAC secret, and never `none`.
pub const ALLOWED_ALGORITHMS: [&str; 9] =
    ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "EdDSA"];

/// What a token must satisfy.
#[derive(Debug, Clone)]
pub struct Config {
    /// The realm's issuer (`https://sso.example.com/realms/demo`); its discovery document is
    /// at `{issuer}/.well-known/openid-configuration`.
    pub issuer: String,
    /// When set, `aud` must contain it.
    pub audience: Option<String>,
    /// Clock skew tolerated on `exp`, `nbf` and `iat`.
    pub leeway: Duration,
    /// The least time between two fetches of the keys.
    pub min_refresh_interval: Duration,
    /// Timeout of discovery, JWKS and introspection requests.
    pub http_timeout: Duration,
    /// When set, tokens are checked by the realm's introspection endpoint instead of
    /// locally.
    pub introspection: Option<Introspection>,
}

impl Config {
    /// Defaults: no audience check, 60 s leeway, keys fetched again at most every 10 s.
    pub fn new(issuer: impl Into<String>) -> Self {
        Self {
            issuer: issuer.into().trim_end_matches('/').to_owned(),
            audience: None,
            leeway: Duration::from_secs(60),
            min_refresh_interval: Duration::from_secs(10),
            http_timeout: Duration::from_secs(10),
            introspection: None,
        }
    }

    /// Checks each token with the realm's introspection endpoint (RFC 7662), authenticated
    /// as the confidential client `client_id`: opaque tokens work, and a revoked token is
    /// refused at once, for a round trip per request. Issuer, audience and expiry are
    /// still checked on the answer.
    pub fn introspect(mut self, client_id: impl Into<String>, secret: impl Into<String>) -> Self {
        self.introspection = Some(Introspection::new(client_id, secret));
        self
    }

    /// Requires `aud` to contain `audience`.
    pub fn audience(mut self, audience: impl Into<String>) -> Self {
        self.audience = Some(audience.into());
        self
    }

    /// Sets the leeway.
    pub fn leeway(mut self, leeway: Duration) -> Self {
        self.leeway = leeway;
        self
    }

    /// Sets the least time between two fetches of the keys.
    pub fn min_refresh_interval(mut self, interval: Duration) -> Self {
        self.min_refresh_interval = interval;
        self
    }
}

/// Verifies access tokens of one realm. Cheap to share behind an `Arc`.
pub struct Verifier {
    config: Config,
    keys: KeyCache,
    /// The HTTP client and endpoint of introspection mode.
    introspection: Option<(reqwest::Client, String)>,
}

fn now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs() as i64)
}

impl Verifier {
    /// Reads the realm's discovery document and its keys.
    pub async fn discover(config: Config) -> Result<Self, Error> {
        // reqwest with rustls needs a process-wide provider; an existing one is kept.
        let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
        let http = reqwest::Client::builder()
            .timeout(config.http_timeout)
            .build()
            .map_err(|e| Error::Unavailable(e.to_string()))?;
        let url = format!("{}/.well-known/openid-configuration", config.issuer);
        let resp = http.get(&url).send().await.map_err(|e| Error::Unavailable(format!("{url}: {e}")))?;
        if !resp.status().is_success() {
            return Err(Error::Unavailable(format!("{url}: HTTP {}", resp.status().as_u16())));
        }
        let doc: Value = resp.json().await.map_err(|e| Error::Unavailable(format!("{url}: {e}")))?;
        let named = doc.get("issuer").and_then(Value::as_str).unwrap_or_default();
        if named != config.issuer {
            // OpenID Connect Discovery §4.3: the issuer must be exactly the one asked about.
            return Err(Error::Unavailable(format!(
                "{url}: the document names issuer '{named}', not '{}'",
                config.issuer
            )));
        }
        let jwks_uri = doc
            .get("jwks_uri")
            .and_then(Value::as_str)
            .ok_or_else(|| Error::Unavailable(format!("{url}: no jwks_uri")))?
            .to_owned();
        let introspection = match &config.introspection {
            None => None,
            Some(_) => {
                let endpoint = doc
                    .get("introspection_endpoint")
                    .and_then(Value::as_str)
                    .ok_or_else(|| Error::Unavailable(format!("{url}: no introspection_endpoint")))?;
                Some((http.clone(), endpoint.to_owned()))
            }
        };
        let keys = KeyCache::load(http, jwks_uri, config.min_refresh_interval).await?;
        Ok(Self { config, keys, introspection })
    }

    /// A verifier with a fixed set of keys (a JWKS document), which is never fetched again:
    /// for keys distributed out of band, and for tests and benchmarks.
    pub fn with_keys(config: Config, jwks: &str) -> Result<Self, Error> {
        if config.introspection.is_some() {
            return Err(Error::Unavailable(
                "introspection needs the discovery document: use Verifier::discover".into(),
            ));
        }
        let keys: JwkSet = serde_json::from_str(jwks).map_err(|e| Error::Unavailable(format!("not a JWK set: {e}")))?;
        Ok(Self { config, keys: KeyCache::fixed(keys), introspection: None })
    }

    /// Verifies `token` and returns its claims.
    pub async fn verify(&self, token: &str) -> Result<Claims, Error> {
        if let (Some((http, endpoint)), Some(creds)) = (&self.introspection, &self.config.introspection) {
            let claims = introspect(http, endpoint, creds, token).await?;
            self.check_claims(&claims, now())?;
            return Ok(claims);
        }
        let mut parts = token.split('.');
        let (Some(h), Some(p), Some(sig), None) = (parts.next(), parts.next(), parts.next(), parts.next()) else {
            return Err(Error::Malformed);
        };
        let header: Value =
            serde_json::from_slice(&B64.decode(h).map_err(|_| Error::Malformed)?).map_err(|_| Error::Malformed)?;
        let alg = header.get("alg").and_then(Value::as_str).unwrap_or_default().to_owned();
        if !ALLOWED_ALGORITHMS.contains(&alg.as_str()) {
            return Err(Error::Algorithm(alg));
        }
        let kid = header.get("kid").and_then(Value::as_str).map(str::to_owned);
        let signature = B64.decode(sig).map_err(|_| Error::Malformed)?;
        let signed = &token.as_bytes()[..h.len() + 1 + p.len()];
        let check = |keys: &JwkSet| -> Option<Result<(), Error>> {
            let key = keys
                .keys
                .iter()
                .find(|k| k.usable_for(&alg) && kid.as_deref().is_none_or(|kid| k.kid.as_deref() == Some(kid)))?;
            Some(key.verify(&alg, signed, &signature).map_err(|e| match e {
                JwkError::Signature => Error::Signature,
                JwkError::Algorithm(a) => Error::Algorithm(a),
                JwkError::Invalid(_) => Error::UnknownKey,
            }))
        };
        // An unknown kid may be a key rotated in since the last fetch.
        let current = self.keys.current().await;
        match check(&current) {
            Some(result) => result?,
            None => {
                let fresh = self.keys.refresh().await?;
                check(&fresh).ok_or(Error::UnknownKey)??;
            }
        }
        let claims: Claims =
            serde_json::from_slice(&B64.decode(p).map_err(|_| Error::Malformed)?).map_err(|_| Error::Malformed)?;
        self.check_claims(&claims, now())?;
        Ok(claims)
    }

    fn check_claims(&self, c: &Claims, now: i64) -> Result<(), Error> {
        let leeway = self.config.leeway.as_secs() as i64;
        if c.iss != self.config.issuer {
            return Err(Error::Issuer);
        }
        if c.exp + leeway <= now {
            return Err(Error::Expired);
        }
        if c.nbf.into_iter().chain(c.iat).any(|t| t > now + leeway) {
            return Err(Error::NotYetValid);
        }
        if let Some(aud) = &self.config.audience {
            if !c.has_audience(aud) {
                return Err(Error::Audience);
            }
        }
        Ok(())
    }
}
