//! The realm's public keys: fetched from the JWKS URL, kept, and fetched again only when a
//! token names a key the cache does not have, at most once per interval (so that tokens
//! with made-up `kid`s cannot make this server hammer the authorization server).

use std::sync::Arc;
use std::time::{Duration, Instant};

use portcullis_core::jwk::JwkSet;
use tokio::sync::{Mutex, RwLock};

use crate::Error;

pub struct KeyCache {
    /// The client and JWKS URL to fetch from; none for a fixed set of keys.
    source: Option<(reqwest::Client, String)>,
    keys: RwLock<Arc<JwkSet>>,
    /// When the keys were last fetched; held while fetching, so callers wait for one fetch.
    fetched: Mutex<Instant>,
    min_interval: Duration,
}

pub async fn fetch(http: &reqwest::Client, url: &str) -> Result<JwkSet, Error> {
    let resp = http.get(url).send().await.map_err(|e| Error::Unavailable(format!("{url}: {e}")))?;
    if !resp.status().is_success() {
        return Err(Error::Unavailable(format!("{url}: HTTP {}", resp.status().as_u16())));
    }
    resp.json().await.map_err(|e| Error::Unavailable(format!("{url}: not a JWK set: {e}")))
}

impl KeyCache {
    pub async fn load(http: reqwest::Client, jwks_uri: String, min_interval: Duration) -> Result<Self, Error> {
        let keys = fetch(&http, &jwks_uri).await?;
        Ok(Self {
            source: Some((http, jwks_uri)),
            keys: RwLock::new(Arc::new(keys)),
            fetched: Mutex::new(Instant::now()),
            min_interval,
        })
    }

    /// A fixed set of keys.
    pub fn fixed(keys: JwkSet) -> Self {
        Self {
            source: None,
            keys: RwLock::new(Arc::new(keys)),
            fetched: Mutex::new(Instant::now()),
            min_interval: Duration::MAX,
        }
    }

    /// The current keys.
    pub async fn current(&self) -> Arc<JwkSet> {
        self.keys.read().await.clone()
    }

    /// Fetches the keys again unless that happened less than the interval ago (then the
    /// current keys are returned). Concurrent callers share one fetch.
    pub async fn refresh(&self) -> Result<Arc<JwkSet>, Error> {
        let Some((http, jwks_uri)) = &self.source else {
            return Ok(self.current().await);
        };
        let mut fetched = self.fetched.lock().await;
        if fetched.elapsed() < self.min_interval {
            return Ok(self.current().await);
        }
        *fetched = Instant::now();
        let keys = Arc::new(fetch(http, jwks_uri).await?);
        *self.keys.write().await = keys.clone();
        Ok(keys)
    }
}
